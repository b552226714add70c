#pragma once
// The self-play training loop and its run directory. The composition root
// (experiments/cli/train_cli.cpp) builds the components and hands them to TrainingLoop by
// reference; nothing here owns them.
//
// The run directory is selfplay/run/run_folder.h.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/net/batching_evaluator.h"
#include "envs/game.h"
#include "selfplay/evaluation_thread.h"
#include "selfplay/game_record.h"
#include "selfplay/rate_controller.h"
#include "selfplay/record_writer.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/run/actor_chunks.h"
#include "selfplay/run/run_folder.h"
#include "selfplay/train_config.h"
#include "selfplay/trainer.h"

namespace tenuki {

// Called on the trainer's thread with a net and the training step it was taken at: copies what
// the evaluation needs (the weights) and returns the job. The loop runs the jobs on an
// EvaluationThread, beside self-play and training, so evaluations never stall them.
using EvaluationHook = std::function<EvaluationJob(const PolicyValueNet& net, int64_t step)>;

struct LoopDependencies {
  const TrainConfig& config;
  std::shared_ptr<const Game> game;
  RunDirectory& dir;
  BatchingEvaluator& evaluator;
  ReplayBuffer& buffer;
  Trainer& trainer;
  RecordWriter& records;
  RateController& rate;
  std::ostream& log;
};

// Runs self-play workers (a Boost.Asio thread pool) and the trainer (the calling thread) until
// the budget is reached or `stop` is set, training also on the games of any self-play actors
// that write into the run folder (`tenuki selfplay`), then stops the workers, writes a checkpoint,
// the optimiser state and state.json. Single use; call run() once from one thread.
class TrainingLoop {
 public:
  explicit TrainingLoop(LoopDependencies deps) : d_(deps) {}
  void set_evaluation(EvaluationHook hook) { evaluate_ = std::move(hook); }
  // Raw forward throughput of the inference net at `batch` positions, for batching efficiency.
  void set_raw_throughput(double positions_per_second, int batch) {
    raw_throughput_ = positions_per_second;
    raw_batch_ = batch;
  }
  // Lineage of the first checkpoint written when no checkpoint exists yet.
  void set_lineage(std::string parent, std::string derivation) {
    first_parent_ = std::move(parent);
    first_derivation_ = std::move(derivation);
  }
  // `selfplay_only`: no training (benchmarks); the budget then counts games and minutes.
  RunState run(RunState start, const std::atomic<bool>& stop, bool selfplay_only = false);

 private:
  // Counters at the start of a metrics or progress window, and the training losses summed since.
  struct Window {
    std::chrono::steady_clock::time_point time;
    int64_t games = 0;
    GameShape shape;
    BatchingStats eval;
    int64_t steps = 0;
    double loss = 0, policy = 0, value = 0, ownership = 0, opponent_policy = 0, entropy = 0, lr = 0;
    int n = 0;                            // training steps summed
    int64_t ownership_samples = 0;        // `ownership` sums the loss over these samples
    int64_t opponent_policy_samples = 0;  // and `opponent_policy` over these
    void add(const TrainStepStats& s);
  };
  Window open_window() const;
  // Rates and game shape since `w` into `j` (games/s, evaluations/s, batching, lengths, ...).
  void add_rates(const Window& w, nlohmann::json& j) const;
  // The train metrics line of the window that ends now.
  nlohmann::json train_metrics(const Window& w, int64_t step, double wall_seconds) const;
  // One progress line to the log: rates since `w`, the loss, wall time and `eta`.
  void print_progress(const Window& w, double wall_seconds, const std::string& eta) const;
  // The largest share of any budget axis used so far (0 without a budget).
  double budget_fraction(double wall_seconds, bool selfplay_only) const;
  bool budget_reached(double wall_seconds, bool selfplay_only) const;
  void write_checkpoint(RunState& state);
  // The games in progress a stopped session saved (state.games_in_progress), read, with the
  // reference cleared in state.json at once; a missing or damaged file loses them with a warning.
  std::vector<SelfPlayRecord> take_games_in_progress(RunState& state);
  // Writes `games` (games_in_progress.jsonl, atomically) and names the file in `state` (cleared
  // when there are none); the checkpoint that follows writes state.json.
  void save_games_in_progress(const std::vector<SelfPlayRecord>& games, RunState& state);
  // Saves milestones/<unit>_<x>.ckpt atomically and appends a {"type":"milestone"} metrics line.
  void write_milestone(const RunState& state, double x, double actual);
  // Network evaluations over all sessions (self-play's batching service).
  int64_t evaluations_now() const;
  // The count on a budget axis (evaluations, games, steps, minutes).
  double unit_count(BudgetUnit unit, double wall_seconds) const;
  // Snapshots the net (in memory and in the run folder) and queues its evaluation (no-op without
  // a hook).
  void queue_evaluation(const RunState& state);
  // Queues the evaluations of the snapshots an earlier session saved and did not finish.
  void queue_saved_evaluations();
  // Adds the games of self-play actors' new complete chunks (selfplay/run/actor_chunks.h) to the
  // replay buffer and the rate controller and moves state.ingested past them; a chunk that does
  // not read is logged and skipped. At most once a second.
  void ingest_actor_chunks(RunState& state);

  LoopDependencies d_;
  EvaluationHook evaluate_;
  EvaluationThread* evaluations_ = nullptr;  // during run()
  int64_t evaluations_base_ = 0;             // RunState::evaluations at this session's start
  int64_t evaluator_base_ = 0;               // the batching service's count at this session's start
  int64_t last_queued_step_ = -1;            // step of the last snapshot queued for evaluation
  std::chrono::steady_clock::time_point next_ingest_{};
  int64_t actor_games_ = 0;  // games ingested from actors in this session
  double raw_throughput_ = 0;
  int raw_batch_ = 0;
  std::string first_parent_;
  std::string first_derivation_ = "from scratch";
};

// Reads `chunks` (actors' record chunks) into `buffer` and `rate`; returns the games added. A chunk
// that does not read, or holds a game of another kind, is logged to `log` and skipped.
int64_t ingest_chunks(const std::vector<ActorChunk>& chunks, ReplayBuffer& buffer,
                      RateController& rate, std::ostream& log);

// Saves the trainer's net as the checkpoint of state->step (checkpoints/step_N.ckpt) and the
// optimiser state, and sets state->latest_checkpoint; state.json is not written. Lineage: the
// run's first checkpoint gets first_parent / first_derivation, a rewrite of the same step keeps
// its own, a later one is "continued" from the previous.
void save_run_checkpoint(const RunDirectory& dir, const TrainConfig& config, const Game& game,
                         Trainer& trainer, const std::string& first_parent,
                         const std::string& first_derivation, RunState* state);

// Encoded random positions of `game` (random playouts cut at random points), for throughput
// benchmarks: n * kNumChannels * rows * cols floats.
std::vector<float> random_position_planes(const Game& game, int n, uint64_t seed);

}  // namespace tenuki
