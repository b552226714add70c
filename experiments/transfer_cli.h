#pragma once
// `tenuki transfer ...`: transplanting a checkpoint to another game, transfer metrics from
// learning curves, and CKA between two nets (transfer/). Parses its own flags.
#include <iosfwd>
#include <string>
#include <vector>

namespace tenuki {

// Usage lines for the top-level help.
extern const char kTransferUsage[];

// `args` are the words after "transfer". Returns 0; throws UsageError / SpecError on bad input
// (exit 2, nothing written) and std::runtime_error on other failures.
int cmd_transfer(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tenuki
