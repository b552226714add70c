#pragma once
#include <iosfwd>

#include "experiments/cli/args.h"

namespace tenuki {
// `tenuki tournament ...`; throws UsageError / SpecError on bad input.
int cmd_tournament(const Args& args, std::ostream& out, std::ostream& err);
}  // namespace tenuki
