#pragma once
// `tenuki experiment run|status|report`: the composition root of experiments
// (experiments/pipeline/experiment_runner.h, experiment_results.h).
#include <iosfwd>

#include "experiments/cli/args.h"

namespace tenuki {
// Throws UsageError on bad input (exit 2).
int cmd_experiment(const Args& args, std::ostream& out, std::ostream& err);
}  // namespace tenuki
