#pragma once
// A child process connected by pipes to its stdin and stdout (POSIX fork/exec).
//
// The child runs in its own process group; the destructor closes its stdin, gives it a moment to
// exit, then kills the whole group with SIGKILL and reaps it, so no zombie or orphan is left.
// Writing to a child that has exited reports an error instead of raising SIGPIPE in the caller.
// Not thread-safe: one thread at a time per Subprocess.
#include <sys/types.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace tenuki {

class SubprocessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the child's stderr goes: ours (kInherit), /dev/null (kDiscard), or a pipe of ours of
// which the last kStderrTailBytes are kept (kKeepTail, see stderr_tail()); that pipe is drained
// whenever read_line waits, so a chatty child never blocks on it for long.
enum class StderrMode { kInherit, kDiscard, kKeepTail };

struct SubprocessOptions {
  StderrMode stderr_mode = StderrMode::kInherit;
};

class Subprocess {
 public:
  // Starts argv[0] (searched in PATH) with the arguments. Throws SubprocessError when the
  // program cannot be started (the exec error is reported back from the child).
  explicit Subprocess(const std::vector<std::string>& argv, const SubprocessOptions& options = {});
  // Starts `/bin/sh -c COMMAND` (the shell and its children share the process group).
  static Subprocess shell(const std::string& command, const SubprocessOptions& options = {});

  ~Subprocess();
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&&) = delete;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  enum class ReadStatus { kLine, kEof, kTimeout };

  // Writes `line` plus '\n' in full. Returns false when the child's stdin is closed (it exited).
  bool write_line(const std::string& line);
  // Reads one line (without the '\n' and a trailing '\r') into *line, waiting at most `timeout`
  // for it to be complete. kEof: the child closed its stdout (a partial last line is returned
  // as a kLine first).
  ReadStatus read_line(std::string* line, std::chrono::milliseconds timeout);
  // Closes the child's stdin (it sees EOF).
  void close_stdin();
  // True while the child has not exited (reaps it when it has).
  bool is_alive();
  // Exit status as from waitpid once it exited, else -1.
  int exit_status() const { return status_; }
  pid_t pid() const { return pid_; }
  // SIGKILLs the child's process group and reaps it; idempotent.
  void kill();
  // How the child ended, waiting at most `wait` for it to exit: "exited with code N", "was
  // killed by signal N (NAME)" or "is still running".
  std::string describe_exit(std::chrono::milliseconds wait);
  // The last bytes the child wrote to its stderr (kKeepTail), read up to now.
  static constexpr size_t kStderrTailBytes = 2048;
  std::string stderr_tail();

 private:
  Subprocess() = default;
  void start(const std::vector<std::string>& argv, const SubprocessOptions& options);
  // Reads whatever the child's stderr pipe holds now, without blocking.
  void drain_stderr();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;  // read end of the stderr pipe (kKeepTail), non-blocking
  std::string stderr_tail_;
  int status_ = -1;
  bool reaped_ = false;
  std::string buffer_;  // bytes read past the last returned line
  bool eof_ = false;
};

}  // namespace tenuki
