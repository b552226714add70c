#include "transfer/training_transfer.h"

#include <algorithm>

#include "envs/spec.h"

namespace tenuki::transfer {

TrainingTransfer resolve_training_transfer(TrainConfig& config) {
  const TransferConfig& t = config.transfer;
  TransplantOptions o;
  o.source_path = t.from;
  o.target_game = config.game;
  try {
    o.plan = parse_plan(t.plan);
    o.game_planes = parse_game_planes(t.game_planes);
    o.heads = parse_heads(t.heads);
    o.search = parse_search_mode(t.search);
  } catch (const SpecError& e) {
    throw TransferError(e.what());
  }
  if (!o.plan.trains()) {
    throw TransferError("plan " + o.plan.text() +
                        " does no training; write the checkpoint with `tenuki transfer` and "
                        "evaluate it instead");
  }
  o.target_search = config.search;
  o.target_max_moves = config.selfplay.max_moves;
  o.seed = config.seed;
  TrainingTransfer out;
  out.transplant = transplant(o);
  const NetworkConfig& source_config = out.transplant.net->config();
  if (config.network_given && !(config.network == source_config)) {
    throw TransferError("network (" + config.network.summary() +
                        ") differs from transfer.from's (" + source_config.summary() +
                        "); leave network out to use the source's");
  }
  config.network = source_config;
  config.network_given = true;
  if (o.plan.kind == TransferPlan::Kind::kFrozenTrunk) {
    for (const auto& prefix : trunk_prefixes(source_config.blocks)) {
      auto& frozen = config.training.frozen;
      if (std::find(frozen.begin(), frozen.end(), prefix) == frozen.end()) frozen.push_back(prefix);
    }
    config.training.unfreeze_after = o.plan.unfreeze_after;
    config.training.unfreeze_warmup = o.plan.warmup;
  }
  config.search = out.transplant.search.search;
  config.selfplay.max_moves = out.transplant.search.max_moves;
  out.parent = t.from;
  out.derivation = out.transplant.meta.derivation;
  return out;
}

}  // namespace tenuki::transfer
