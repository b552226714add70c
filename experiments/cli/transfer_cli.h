#pragma once
// `tenuki transfer ...`: transplanting a checkpoint to another game, transfer metrics from
// learning curves, and CKA between two nets (transfer/). Flags are described in
// experiments/cli/cli.cpp's command table.
#include <iosfwd>

#include "experiments/cli/args.h"

namespace tenuki {

// `tenuki transfer SOURCE ...`, or with positional()[0] "metrics" / "cka" those subcommands.
// Returns 0; throws UsageError / SpecError on bad input (exit 2, nothing written) and
// std::runtime_error on other failures.
int cmd_transfer(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace tenuki
