#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace tenuki {
// `tenuki train CONFIG.json --out RUN_DIR`; throws UsageError / SpecError on bad input.
int cmd_train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
}  // namespace tenuki
