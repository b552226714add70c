#pragma once
// What `tenuki --version` reports: the program version, the git commit it was configured from,
// the LibTorch version and the device it would use, and the compiler.
#include <string>

namespace tenuki {

// Several lines, each "key: value", ending in a newline. Queries CUDA availability (cheap, no
// device memory) when built with LibTorch.
std::string build_info();
// The `git describe --always --dirty` of the source tree at configure time, or "unknown".
std::string git_commit();

}  // namespace tenuki
