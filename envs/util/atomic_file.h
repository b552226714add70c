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

// An exclusive advisory lock (flock) on `path` (created if missing), held while the object lives
// and released by the kernel when the process dies, so a killed holder never leaves it stuck.
// Used so that two processes never write one run directory at once.
class FileLock {
 public:
  // Waits up to `wait_seconds` for the lock (0: try once). Throws std::runtime_error naming the
  // path when it stays held or cannot be opened.
  FileLock(const std::string& path, double wait_seconds);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace tenuki
