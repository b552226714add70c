#pragma once
// Evaluations of training snapshots on their own thread (selfplay/training_run.h): jobs run one
// at a time, in order, beside self-play and training, at a lower CPU priority; their results go
// to the run's metrics and their log lines wait for the loop's thread to print them.
//
// A snapshot queued for evaluation is also saved in the run folder (evaluations/step_N_wall_S.ckpt,
// its context in the checkpoint's notes) until its results are in metrics.jsonl, so that a stop
// or a kill does not lose it: the next session queues it again.
//
// Thread-safety: every public method from one thread (the trainer's); the jobs run on the
// evaluation thread.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace tenuki {

class RunDirectory;
class PolicyValueNet;
struct CheckpointMeta;

// An evaluation of one snapshot of the net against the reference agents, run on the evaluation
// thread: returns one JSON object per opponent (at least "opponent" and "win_rate", or
// "opponent" and "error" for one that could not be evaluated: logged, not written to the
// metrics). It checks `stop` between moves and returns early (its results are then discarded)
// once set.
using EvaluationJob = std::function<std::vector<nlohmann::json>(const std::atomic<bool>& stop)>;

class EvaluationThread {
 public:
  // Niceness of the evaluation thread and of the engines it starts (they inherit it).
  static constexpr int kNiceness = 10;

  // Borrows `dir` (it must outlive this object).
  explicit EvaluationThread(RunDirectory& dir);
  ~EvaluationThread();
  EvaluationThread(const EvaluationThread&) = delete;
  EvaluationThread& operator=(const EvaluationThread&) = delete;

  // Queues `job`; `context` (step, games, wall_s of the snapshot) is merged into every result.
  // `snapshot_file` (full path, or "") is deleted once the results are written or the job failed,
  // and kept when the job is abandoned.
  void queue(EvaluationJob job, nlohmann::json context, std::string snapshot_file = "");
  // Jobs queued or running.
  int pending() const;
  // Log lines of the evaluations started or finished since the last call.
  std::vector<std::string> take_log_lines();
  // Waits until every job is done, or `stop` is set; returns true when all are done.
  bool wait_all(const std::atomic<bool>& stop);
  // Abandons the job in progress (it returns within a move) and the queued ones, and joins the
  // thread. Idempotent.
  void shut_down();

 private:
  struct Queued {
    EvaluationJob job;
    nlohmann::json context;
    std::string snapshot_file;
  };
  void serve();

  RunDirectory& dir_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> log_lines_;  // guarded by mutex_
  std::deque<Queued> jobs_;             // guarded by mutex_
  bool running_ = false;                // guarded by mutex_
  bool closing_ = false;                // guarded by mutex_
  std::atomic<bool> abandon_{false};
  std::thread thread_;
};

// A saved snapshot waiting for its evaluation.
struct EvaluationSnapshot {
  std::string file;  // full path
  nlohmann::json context;
};

// Saves `net` with `meta` and `context` (in meta.notes) as evaluations/step_N_wall_S.ckpt of
// `dir`, atomically. Throws CheckpointError on I/O failure.
EvaluationSnapshot save_evaluation_snapshot(const RunDirectory& dir, const PolicyValueNet& net,
                                            CheckpointMeta meta, const nlohmann::json& context);
// The snapshots a stopped session left in `dir`, oldest first. Deletes (and names in `log`) those
// whose step already has evaluation results in metrics.jsonl and those that do not read.
std::vector<EvaluationSnapshot> saved_evaluation_snapshots(const RunDirectory& dir,
                                                           std::vector<std::string>* log);
// Deletes every saved snapshot (a run that starts from zero).
void clear_evaluation_snapshots(const RunDirectory& dir);

}  // namespace tenuki
