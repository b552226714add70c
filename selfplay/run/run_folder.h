#pragma once
// The run folder of `tenuki train`: its layout, its names and its state file. No LibTorch, so
// that what reads run folders (experiments, reports, status) builds without it.
//
// Layout:
//   config.json        the resolved TrainConfig
//   state.json         RunState of the last checkpoint (written atomically)
//   metrics.jsonl      one JSON object per line: {"type":"train",...} and {"type":"eval",...}
//   checkpoints/step_NNNNNNNN.ckpt   network checkpoints (agents/net/checkpoint.h)
//   milestones/UNIT_X.ckpt           the net at budget milestones (BudgetConfig)
//   optimizer.pt       optimiser state of the latest checkpoint (LibTorch archive)
//   games/chunk_NNNNNN.jsonl         game records (selfplay/game_record.h)
//   sgf/chunk_NNNNNN.sgf             the same games as an SGF collection (Go only)
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tenuki {

// Counters that survive a stop; written with every checkpoint.
struct RunState {
  int64_t step = 0;
  int64_t games = 0;
  int64_t positions = 0;          // training positions generated
  int64_t samples_consumed = 0;   // training samples used by the trainer
  int64_t evaluations = 0;        // network evaluations (positions) served to self-play
  double wall_seconds = 0;        // over all sessions
  int64_t next_chunk = 1;         // number of the next game-record chunk
  std::string latest_checkpoint;  // path relative to the run directory; "" before the first
};
nlohmann::json run_state_to_json(const RunState& state);
RunState run_state_from_json(const nlohmann::json& j);

// Paths and files of one run directory. Thread-safety: append_metrics may be called from any
// thread; the rest from one thread.
class RunDirectory {
 public:
  // Creates the directory and its sub-folders. Throws std::runtime_error on failure.
  explicit RunDirectory(std::string path);
  const std::string& path() const { return path_; }
  std::string file(const std::string& relative) const { return path_ + "/" + relative; }
  std::string checkpoint_name(int64_t step) const;  // relative path
  bool has_state() const;
  RunState read_state() const;
  void write_state(const RunState& state) const;
  void append_metrics(const nlohmann::json& line);
  // Record chunk files, oldest first (full paths).
  std::vector<std::string> record_chunks() const;

 private:
  std::string path_;
  std::mutex metrics_mutex_;
};

// A budget count as it appears in file names: an integer when it is one, else 3 decimals.
std::string format_units(double x);
// The milestone checkpoint's path relative to the run directory: "milestones/<unit>_<x>.ckpt".
std::string milestone_checkpoint_name(const std::string& unit, double x);

}  // namespace tenuki
