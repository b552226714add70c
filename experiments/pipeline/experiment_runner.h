#pragma once
// Runs an experiment's stages (experiments/pipeline/experiment_plan.h) as child `tenuki` processes,
// up to `jobs` at a time, in the run folder; skips what is done; after a kill, the same command
// resumes (a training run continues from its last checkpoint, a tournament from its games.jsonl, so
// at most the work in progress is lost). One progress line over the whole plan (stages done, share
// of the estimated work, running stages with their percent, elapsed time, ETA).
//
// Children run in the runner's process group (a terminal's Ctrl-C reaches them and each stops
// cleanly), get SIGTERM when the runner stops or dies (PR_SET_PDEATHSIG), and write their output
// to logs/STAGE.log. A folder is run by one runner at a time (the lock file `lock`).
// Not thread-safe; one call at a time per run folder.
#include <atomic>
#include <iosfwd>
#include <set>
#include <string>
#include <vector>

#include "experiments/pipeline/experiment_plan.h"

namespace tenuki {

struct ExperimentRunOptions {
  std::string spec_path;
  std::string run_dir;
  std::string tenuki_program;  // the executable the stages run (`tenuki`)
  std::string version;         // written to version.json (the CLI passes `git describe`)
  int jobs = 1;
  bool dry_run = false;
  double progress_seconds = 10;
  const std::atomic<bool>* stop = nullptr;  // set by a signal handler: stop and save
};

// Returns 0 when every stage is done, 1 when a stage failed (its log's tail is printed) or the
// run was stopped. Throws InputError for a bad spec, a run folder holding another experiment or
// locked by a running runner (nothing is started then).
int run_experiment(const ExperimentRunOptions& options, std::ostream& out, std::ostream& err);

// The ids of the stages done in `run_dir` (stages.json).
std::set<std::string> done_stages(const std::string& run_dir);
// The resolved spec stored in a run folder (experiment.json), for status and reports: its pool
// agents are not built, so a folder can be read where the pool's engines are not installed.
// Throws InputError.
ExperimentSpec read_run_spec(const std::string& run_dir);
// A training stage's progress in [0, 1] from its metrics file (0 when not started).
double training_progress(const std::string& run_dir, const Stage& stage, BudgetUnit unit);

// `tenuki experiment status DIR`: every stage with done / running / pending and percent, and
// whether a runner holds the folder now.
void print_experiment_status(const std::string& run_dir, std::ostream& out);

}  // namespace tenuki
