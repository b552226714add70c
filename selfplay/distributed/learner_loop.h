#pragma once
// The training loop of learner ranks (`tenuki train CONFIG --out RUN --role learner`): no
// self-play of their own; the games come from self-play actors' chunks in the run folder
// (`tenuki selfplay`, selfplay/run/actor_chunks.h). Every iteration rank 0 decides which new
// chunks to ingest and whether to stop, and shares that with the other ranks (a collective), so
// every rank holds the same replay window and takes the same steps; each rank samples its share
// of the batch with its own seed, and the gradients are averaged (LearnerGroup). Only rank 0
// writes: the first net and then every checkpoint_every steps a checkpoint (actors pick it up
// through state.json, written after it), the optimiser state, state.json with the ingest marks,
// and metrics (train, ingest and summary lines).
//
// Budgets: steps, games (ingested) and minutes (rank 0's clock). Not here yet: evaluations
// against reference agents and milestones. Single use; run() once, from one thread.
#include <atomic>
#include <iosfwd>
#include <memory>
#include <string>

#include "envs/game.h"
#include "selfplay/distributed/learner_group.h"
#include "selfplay/rate_controller.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/run/run_folder.h"
#include "selfplay/train_config.h"
#include "selfplay/trainer.h"

namespace tenuki {

struct LearnerLoopDependencies {
  const TrainConfig& config;
  std::shared_ptr<const Game> game;
  RunDirectory& dir;
  ReplayBuffer& buffer;
  Trainer& trainer;  // its after-backward hook averages over `group`
  RateController& rate;
  LearnerGroup* group;  // null: one learner
  std::ostream& log;
};

class LearnerLoop {
 public:
  // Throws std::invalid_argument when the batch does not split evenly over the ranks.
  explicit LearnerLoop(LearnerLoopDependencies deps);
  void set_lineage(std::string parent, std::string derivation) {
    first_parent_ = std::move(parent);
    first_derivation_ = std::move(derivation);
  }
  // Trains until rank 0 stops (its `stop`, or a budget); `stop` of other ranks is not read.
  // Throws std::runtime_error when a rank is gone (every collective waits at most the group's
  // timeout).
  RunState run(RunState state, const std::atomic<bool>& stop);

 private:
  bool rank0() const { return !d_.group || d_.group->rank() == 0; }
  // Rank 0: the checkpoint of state.step, then state.json.
  void write_checkpoint(RunState& state);

  LearnerLoopDependencies d_;
  std::string first_parent_;
  std::string first_derivation_ = "from scratch";
};

}  // namespace tenuki
