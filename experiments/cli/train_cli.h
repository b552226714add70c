#pragma once
#include <iosfwd>

#include "experiments/cli/args.h"

namespace tenuki {
// `tenuki train CONFIG.json --out RUN_DIR`; throws UsageError / SpecError on bad input.
int cmd_train(const Args& args, std::ostream& out, std::ostream& err);
}  // namespace tenuki
