#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace tenuki {
// `tenuki tournament ...`; throws UsageError / SpecError on bad input.
int cmd_tournament(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
}  // namespace tenuki
