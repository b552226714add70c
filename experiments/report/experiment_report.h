#pragma once
// The report of a transfer experiment: one self-contained HTML page (plots drawn by gnuplot,
// inlined as SVG; no scripts, no network resources) plus every number on it as CSV/JSON files
// beside it. The page is a pure function of `results` (no clock), so rendering the same results
// twice gives byte-identical files.
//
// `results` (produced by the experiment runner; any section may be missing or empty while a run
// is in progress, and the page then says "not yet available" there):
//   {"name", "version", "unit", "complete", "stages_done", "stages_total", "spec": {...},
//    "source": {"game", "checkpoint", "cost", "train": [{"x", "step", "loss", "policy_loss",
//               "value_loss", "games_per_s", "evals_per_s", "mean_batch"}, ...]},
//    "targets": [{"name", "game",
//       "pool": [{"agent", "elo", "ci95"}, ...],
//       "arms": [{"name", "transfer": {...} | null,
//                 "seeds": [{"seed", "run_dir", "final_checkpoint",
//                            "curve": [{"x", "elo", "elo_ci95", "win_rate", "games", "step"}],
//                            "train": [same keys as source.train]}]}],
//       "metrics": [{"arm", "versus", "versus_kind" ("scratch" | "control"), "y", "total_time",
//                    "threshold"?, "threshold_agent"?,
//                    "result": transfer::TransferMetrics::to_json() | "error": text}],
//       "differences": [{"arm", "versus", "differences": [{"key", <versus>: v, <arm>: v}]}],
//       "final": {"labels": [...], "agents": [{"label", "spec", "elo", "ci95", "score", "games"}],
//                 "crosstable": [[{"wins", "draws", "losses"}, ...], ...]},
//       "cka": [{"arm", "seed", "layers_a", "layers_b", "matrix", "positions"}]}],
//    "aggregates": [transfer::aggregate_to_json() + {"arm", "versus", "target_names"}]}
//
// Files written to out_dir: index.html, results.json (the input), curves.csv, pool.csv,
// final_ratings.csv, cka.csv, metrics.csv, times_to_threshold.csv, differences.csv,
// aggregates.csv, crosstable_<target>.csv, train_<target>.csv, source_train.csv and plots.csv
// (every plotted point, means and bands included).
// No LibTorch.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiments/report/report_html.h"

namespace tenuki {

// The page and data files for `results`. Throws std::invalid_argument naming the key when a
// present value has the wrong type (e.g. "targets[0].arms must be an array"), std::runtime_error
// when gnuplot is missing (naming the package) or fails.
report::ReportOutput render_experiment_report(const nlohmann::json& results);

// Renders and writes the report into `out_dir` (created if needed): the data files, then
// `html_name`, each atomically. Returns the paths written, the page last. Throws like
// render_experiment_report, or std::runtime_error naming a path that cannot be written.
std::vector<std::string> write_experiment_report(const nlohmann::json& results,
                                                 const std::string& out_dir,
                                                 const std::string& html_name = "index.html");

}  // namespace tenuki
