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
  // Run time already spent before this run (earlier curriculum stages), seconds: a fresh run's
  // clock starts here, so its budget.minutes, timed evaluations and metrics count from the
  // first stage.
  double start_wall_seconds = 0;
};

// Reads the config and the budget flags, builds the game and the evaluation agents (so a bad
// spec fails now), resolves a transfer start and an init checkpoint, and refuses a run folder
// whose config differs in anything but the budget. Throws UsageError / SpecError.
TrainSetup resolve_train_setup(const Args& args, const std::string& run_path, bool selfplay_only);
// The same from a config already read (resolve_train_setup's second half; a curriculum stage's).
TrainSetup complete_train_setup(TrainConfig config, const std::string& run_path);

// Makes `setup` start from `checkpoint` (the previous curriculum stage's final net) by a
// fine-tune transfer with its own search, its clock at `wall_seconds`. Throws UsageError.
void start_from_previous_stage(TrainSetup& setup, const std::string& checkpoint,
                               double wall_seconds);

// Trains one run folder as `setup` says (the single-process `tenuki train`), stopping cleanly on
// g_stop_requested. Returns the exit code.
int run_training(TrainSetup& setup, const std::string& run_path, bool selfplay_only,
                 std::ostream& out, std::ostream& err);

// A config with a curriculum: each stage in RUN_DIR/stages/<k> (k from 1; a stage whose clock
// reached its budget is not run again), then the run's own game in RUN_DIR, each started from the
// previous one's final net (train_curriculum.cpp). A stop during a stage ends the command; the
// same command resumes there.
int train_with_curriculum(TrainSetup& setup, const std::string& run_path, std::ostream& out,
                          std::ostream& err);

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
