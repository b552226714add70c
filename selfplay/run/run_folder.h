#pragma once
// The run folder of `tenuki train`: its layout, its names and its state file. No LibTorch, so
// that what reads run folders (experiments, reports, status) builds without it.
//
// Layout:
//   config.json        the resolved TrainConfig
//   state.json         RunState of the last checkpoint (written atomically)
//   metrics.jsonl      one JSON object per line, its "type" a MetricType (below)
//   checkpoints/step_NNNNNNNN.ckpt   network checkpoints (agents/net/checkpoint.h)
//   milestones/UNIT_X.ckpt           the net at budget milestones (BudgetConfig)
//   evaluations/step_N_wall_S.ckpt   snapshots queued for evaluation, deleted once evaluated
//                                    (selfplay/evaluation_thread.h)
//   optimizer.pt       optimiser state of the latest checkpoint (LibTorch archive)
//   games/chunk_NNNNNN.jsonl         game records (selfplay/game_record.h)
//   games/<actor>/chunk_NNNNNN.jsonl game records of self-play actors (actor_chunks.h)
//   run_token          the run's token (actor_chunks.h)
//   learners.json      the learners' ingested positions and consumed samples (actor_chunks.h)
//   sgf/chunk_NNNNNN.sgf             the same games as an SGF collection (Go only)
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tenuki {

// The axis a budget or a milestone counts on. Its name ("evaluations", ...) is what configs,
// specs, file names and metrics lines hold.
enum class BudgetUnit { kEvaluations, kGames, kSteps, kMinutes };
const std::vector<std::string>& budget_unit_names();  // in enum order
const std::string& budget_unit_name(BudgetUnit unit);
// Throws InputError naming the valid names.
BudgetUnit parse_budget_unit(const std::string& name);

// The kinds of metrics.jsonl lines, each written by one place of the training run.
enum class MetricType {
  kTrain,      // losses, rates and counters every metrics_every steps
  kEval,       // one evaluation round against the reference agents
  kDtype,      // the start-up inference dtype measurement
  kMilestone,  // a milestone checkpoint was saved
  kSummary,    // the end of a session
  kIngest,     // actors' chunks ingested: {"chunks": [[actor, seq], ...], "games": n}
};
const std::string& metric_type_name(MetricType type);

// The count of `unit` on a train or milestone line ("evaluations", "games", "step", "wall_s" in
// minutes); 0 when the line lacks it.
double units_on_metric_line(BudgetUnit unit, const nlohmann::json& line);

// One line of metrics.jsonl.
struct MetricLine {
  MetricType type;
  nlohmann::json fields;  // the whole object, "type" included
  int line_number = 0;    // 1-based
};
struct MetricLines {
  std::vector<MetricLine> lines;      // lines of a known type, in file order
  std::vector<int> unreadable_lines;  // 1-based numbers of lines that are not a JSON object
  int line_count = 0;                 // lines read (blank ones included)
};
// The one reader of metrics.jsonl. Lines that do not parse (a line cut by a stop, a write in
// progress) are counted, not fatal; lines of unknown types are skipped. With tail_bytes > 0 only
// the file's last tail_bytes are read (the first, partial line is then skipped). Throws
// InputError when `path` cannot be opened.
MetricLines read_metric_lines(const std::string& path, int64_t tail_bytes = 0);

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
  // Per self-play actor, the next chunk to ingest (actor_chunks.h); empty without actors.
  std::map<std::string, int64_t> ingested;
  // Records file (relative path) of the self-play games a stopped session left in progress, to
  // continue on resume; "" when none.
  std::string games_in_progress;
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
  // The one writer of metrics.jsonl: `fields` (an object) with "type" set to `type`.
  void append_metrics(MetricType type, nlohmann::json fields);
  // Record chunk files, oldest first (full paths).
  std::vector<std::string> record_chunks() const;

 private:
  std::string path_;
  std::mutex metrics_mutex_;
};

// A budget count as it appears in file names: an integer when it is one, else 3 decimals.
std::string format_units(double x);
// The milestone checkpoint's path relative to the run directory: "milestones/<unit>_<x>.ckpt".
std::string milestone_checkpoint_name(BudgetUnit unit, double x);

}  // namespace tenuki
