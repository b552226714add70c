#pragma once
// The `tenuki` command line. run_cli is the whole program minus process set-up, so tests can call
// it in-process. Returns the exit code: 0 success, 2 bad usage or input, 1 other failure.
#include <iosfwd>
#include <string>
#include <vector>

namespace tenuki {

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tenuki
