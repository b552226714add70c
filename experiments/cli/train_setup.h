#pragma once
// What `tenuki train` resolves before any work, shared by its single-process path
// (train_cli.cpp) and its learner ranks (learner_cli.cpp). No LibTorch include.
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agents/net/checkpoint.h"
#include "envs/game.h"
#include "experiments/cli/args.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/run/actor_chunks.h"
#include "selfplay/train_config.h"
#include "selfplay/trainer.h"
#include "transfer/training_transfer.h"

namespace tenuki {

// What `tenuki train` runs, resolved and checked before any work.
struct TrainSetup {
  TrainConfig config;  // with the command line's budget and the transfer applied
  std::shared_ptr<const Game> game;
  std::optional<transfer::TrainingTransfer> transfer;  // the config's "transfer" section
  CheckpointMeta init_meta;                            // training.init_checkpoint's, when given
  nlohmann::json resolved;  // the config as written to RUN_DIR/config.json
  std::string config_path;  // RUN_DIR/config.json
};

// Reads the config and the budget flags, builds the game and the evaluation agents (so a bad
// spec fails now), resolves a transfer start and an init checkpoint, and refuses a run folder
// whose config differs in anything but the budget. Throws UsageError / SpecError.
TrainSetup resolve_train_setup(const Args& args, const std::string& run_path, bool selfplay_only);

// Refills `buffer` from the newest record chunks of `dir` that cover `window` positions: the
// run's own and the actors' chunks ingested before (below `ingested`), oldest first by time.
void refill_replay_buffer(const RunDirectory& dir, const IngestMarks& ingested, int64_t window,
                          ReplayBuffer& buffer);

// The float32 master net (config.network, config.seed, on config.training.device) and its trainer.
// Throws UsageError for a frozen or lr-multiplier prefix that names no parameter.
struct MasterAndTrainer {
  std::shared_ptr<PolicyValueNet> master;
  std::unique_ptr<Trainer> trainer;
};
MasterAndTrainer make_master_and_trainer(const TrainConfig& config);

// `tenuki train --role learner`: one learner rank of a multi-process run (learner_cli.cpp).
int train_as_learner(const Args& args, TrainSetup& setup, std::ostream& out);

}  // namespace tenuki
