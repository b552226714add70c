#pragma once
// Everything an experiment's run folder holds, gathered into one JSON document for the report
// (and for other tools): learning curves with Elo anchored at random = 0 (95% intervals) and win
// rates against the reference pool at every milestone, training losses and rates, transfer
// metrics of every transfer arm against scratch and of every trained-source arm against its
// control (Elo and win rate; the target-only view, and the source-charged view for trained-source
// arms against scratch; Holm-adjusted per y and view), each arm's config differences from
// scratch, the final tournament, CKA, and rliable aggregates across targets. Works on a finished
// folder and on one a runner is writing (what is not there yet is left out). Reads only the run
// folder. Not thread-safe with itself on one folder (it writes report/).
#include <nlohmann/json.hpp>
#include <string>

namespace tenuki {

// The document write_experiment_report reads (experiments/report/experiment_report.h).
// Throws InputError when `run_dir` is not an experiment run folder.
nlohmann::json collect_experiment_results(const std::string& run_dir);

// Writes the report of `run_dir` (the page `html_name`, results.json and CSV files,
// experiments/report/experiment_report.h) into `out_dir` ("" = run_dir/report); returns the page's
// path.
std::string write_experiment_outputs(const std::string& run_dir, const std::string& out_dir = "",
                                     const std::string& html_name = "index.html");

}  // namespace tenuki
