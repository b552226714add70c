#pragma once
// The report of one `tenuki train` run directory (layout in selfplay/training_run.h): a
// self-contained HTML page (gnuplot SVG inlined; no scripts, no network resources) with the
// learning curve (win rate per opponent vs step), losses, rates, batch sizes, game length and
// pass share, the run's counters and its config, plus CSV files beside it (train.csv: every
// "train" record; eval.csv: every "eval" record; plots.csv: every plotted point). The page is a
// pure function of the run's files (no clock; the folder's base name, not its full path), so
// rendering an unchanged run twice gives byte-identical files. No LibTorch.
#include <string>
#include <vector>

#include "experiments/report/report_html.h"

namespace tenuki {

// The page and data files for the run in `run_dir`. metrics.jsonl is required; config.json and
// state.json are shown when present. Lines of metrics.jsonl that do not parse (a truncated last
// line of a stopped run) are skipped and counted on the page. Throws InputError
// (envs/util/input_error.h) when `run_dir` is not a folder or has no metrics.jsonl, and
// std::runtime_error when gnuplot is missing (naming the package) or fails.
report::ReportOutput render_training_report(const std::string& run_dir);

// Renders and writes the report: the page to `out_path` ("" means RUN_DIR/report/index.html),
// the CSV files into the page's folder, each atomically. Returns the paths written, the page
// last.
std::vector<std::string> write_training_report(const std::string& run_dir,
                                               const std::string& out_path = "");

// The default page path for a run: RUN_DIR/report/index.html.
std::string default_report_path(const std::string& run_dir);

}  // namespace tenuki
