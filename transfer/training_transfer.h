#pragma once
// The "transfer" section of a training config (selfplay/train_config.h TransferConfig), resolved
// for `tenuki train`:
//   "transfer": {"from": "go9.ckpt", "plan": "frozen-trunk(unfreeze_after=2000,warmup=100)",
//                "game_planes": "semantic", "heads": "auto", "search": "scaled"}
// replaces training.init_checkpoint for transfers (which keeps working for plain starts).
#include <string>

#include "selfplay/train_config.h"
#include "transfer/transplant.h"

namespace tenuki::transfer {

struct TrainingTransfer {
  Transplant transplant;  // the starting net and its mapping report
  std::string parent;     // lineage of the run's first checkpoint
  std::string derivation;
};

// Reads the source and applies the plan to `config` (deterministic, so a resumed run resolves to
// the same config): network = the source's architecture (a given "network" must equal it);
// frozen-trunk adds the trunk prefixes to training.frozen and sets training.unfreeze_after /
// unfreeze_warmup; search "source" or "scaled" replaces config.search (except its seed) and
// selfplay.max_moves. Throws TransferError naming the problem (also for zero-shot, which does
// not train).
TrainingTransfer resolve_training_transfer(TrainConfig& config);

}  // namespace tenuki::transfer
