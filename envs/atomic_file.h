#pragma once
// Crash-safe file writes: readers see either the old file or the whole new one, never a part.
#include <string>
#include <string_view>

namespace tenuki {

// Writes `contents` to a temporary file in the folder of `path`, fsyncs it, gives it mode 0644
// (less the umask), renames it over `path` and fsyncs the folder. Throws std::runtime_error
// naming `path` and the system error; the temporary file is removed then and `path` untouched.
// Thread-safe for distinct paths.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace tenuki
