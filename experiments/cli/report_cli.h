#pragma once
#include <iosfwd>

#include "experiments/cli/args.h"

namespace tenuki {
// `tenuki report RUN_DIR [--out FILE]`: writes the HTML report (and its CSV files) of a training
// run directory; prints the paths written. Throws UsageError on a missing or unrecognised
// folder, std::runtime_error when gnuplot is missing or fails.
int cmd_report(const Args& args, std::ostream& out, std::ostream& err);
}  // namespace tenuki
