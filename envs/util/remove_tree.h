#pragma once
// Removes a file or a whole folder tree, like std::filesystem::remove_all. tenuki calls this one:
// PyTorch 2.x's libtorch.so exports a copy of std::filesystem, and programs linked with it that
// called remove_all crashed (a call through a null pointer inside libtorch's copy). This one
// walks the tree with nftw and removes with unlink/rmdir. Thread-safe for distinct trees.
#include <string>

namespace tenuki {

// Removes `path` and everything below it (symbolic links are removed, not followed). A missing
// path is not an error. Returns false and sets *error (when given) to the first failure.
bool remove_tree(const std::string& path, std::string* error = nullptr);

}  // namespace tenuki
