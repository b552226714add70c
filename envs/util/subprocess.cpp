#include "envs/util/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace tenuki {

namespace {

void close_fd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

// Blocks SIGPIPE in the calling thread for its lifetime and discards a SIGPIPE raised meanwhile,
// so that writing to a closed pipe yields EPIPE instead of killing the process.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
  }
  ~SigpipeGuard() {
    if (got_epipe_ && !was_pending_) {
      struct timespec zero = {0, 0};
      while (sigtimedwait(&pipe_set_, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  void note_epipe() { got_epipe_ = true; }

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool got_epipe_ = false;
};

}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& argv, const SubprocessOptions& options) {
  start(argv, options);
}

Subprocess Subprocess::shell(const std::string& command, const SubprocessOptions& options) {
  Subprocess p;
  p.start({"/bin/sh", "-c", command}, options);
  return p;
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(other.pid_),
      stdin_fd_(other.stdin_fd_),
      stdout_fd_(other.stdout_fd_),
      stderr_fd_(other.stderr_fd_),
      stderr_tail_(std::move(other.stderr_tail_)),
      status_(other.status_),
      reaped_(other.reaped_),
      buffer_(std::move(other.buffer_)),
      eof_(other.eof_) {
  other.pid_ = -1;
  other.stdin_fd_ = -1;
  other.stdout_fd_ = -1;
  other.stderr_fd_ = -1;
}

void Subprocess::start(const std::vector<std::string>& argv, const SubprocessOptions& options) {
  if (argv.empty()) throw SubprocessError("Subprocess: empty command");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0)
    throw SubprocessError("pipe: " + std::string(strerror(errno)));
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    throw SubprocessError("pipe: " + std::string(strerror(errno)));
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) ::close(fd);
    throw SubprocessError("pipe: " + std::string(strerror(errno)));
  }
  int dev_null =
      options.stderr_mode == StderrMode::kDiscard ? ::open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
  int tail_pipe[2] = {-1, -1};
  if (options.stderr_mode == StderrMode::kKeepTail && pipe2(tail_pipe, O_CLOEXEC) != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      ::close(fd);
    }
    throw SubprocessError("pipe: " + std::string(strerror(errno)));
  }
  const int child_stderr = dev_null >= 0 ? dev_null : tail_pipe[1];

  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      ::close(fd);
    }
    for (int fd : {dev_null, tail_pipe[0], tail_pipe[1]}) {
      if (fd >= 0) ::close(fd);
    }
    throw SubprocessError("fork: " + std::string(strerror(e)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (::dup2(in_pipe[0], 0) < 0 || ::dup2(out_pipe[1], 1) < 0 ||
        (child_stderr >= 0 && ::dup2(child_stderr, 2) < 0)) {
      int e = errno;
      (void)!::write(err_pipe[1], &e, sizeof(e));
      ::_exit(127);
    }
    ::execvp(args[0], args.data());
    int e = errno;
    (void)!::write(err_pipe[1], &e, sizeof(e));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (dev_null >= 0) ::close(dev_null);
  if (tail_pipe[1] >= 0) ::close(tail_pipe[1]);
  pid_ = pid;
  stdin_fd_ = in_pipe[1];
  stdout_fd_ = out_pipe[0];
  stderr_fd_ = tail_pipe[0];
  if (stderr_fd_ >= 0) ::fcntl(stderr_fd_, F_SETFL, ::fcntl(stderr_fd_, F_GETFL) | O_NONBLOCK);

  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof(child_errno))) {
    kill();
    close_fd(&stdin_fd_);
    close_fd(&stdout_fd_);
    close_fd(&stderr_fd_);
    pid_ = -1;
    throw SubprocessError("cannot run '" + argv[0] + "': " + strerror(child_errno));
  }
}

Subprocess::~Subprocess() {
  if (pid_ <= 0) return;
  close_stdin();
  // Give a well-behaved child (e.g. a GTP engine after "quit") a moment to exit by itself.
  for (int i = 0; i < 40 && is_alive(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill();
  close_fd(&stdout_fd_);
  close_fd(&stderr_fd_);
}

bool Subprocess::write_line(const std::string& line) {
  if (stdin_fd_ < 0) return false;
  std::string data = line + "\n";
  SigpipeGuard guard;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(stdin_fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) guard.note_epipe();
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

Subprocess::ReadStatus Subprocess::read_line(std::string* line, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      *line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return ReadStatus::kLine;
    }
    if (eof_ || stdout_fd_ < 0) {
      if (buffer_.empty()) return ReadStatus::kEof;
      *line = std::move(buffer_);
      buffer_.clear();
      return ReadStatus::kLine;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ReadStatus::kTimeout;
    struct pollfd pfds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
    const nfds_t count = stderr_fd_ >= 0 ? 2 : 1;
    int r = ::poll(pfds, count, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw SubprocessError("poll: " + std::string(strerror(errno)));
    }
    if (r == 0) return ReadStatus::kTimeout;
    if (count == 2 && pfds[1].revents != 0) drain_stderr();
    if (pfds[0].revents == 0) continue;
    char buf[4096];
    ssize_t n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      eof_ = true;
    } else if (n == 0) {
      eof_ = true;
    } else {
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }
}

void Subprocess::close_stdin() { close_fd(&stdin_fd_); }

void Subprocess::drain_stderr() {
  char buf[4096];
  while (stderr_fd_ >= 0) {
    ssize_t n = ::read(stderr_fd_, buf, sizeof(buf));
    if (n > 0) {
      stderr_tail_.append(buf, static_cast<size_t>(n));
      if (stderr_tail_.size() > kStderrTailBytes) {
        stderr_tail_.erase(0, stderr_tail_.size() - kStderrTailBytes);
      }
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n == 0 || errno != EAGAIN) close_fd(&stderr_fd_);  // EOF or a broken pipe
      return;
    }
  }
}

std::string Subprocess::stderr_tail() {
  drain_stderr();
  return stderr_tail_;
}

std::string Subprocess::describe_exit(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (is_alive() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!reaped_) return "is still running";
  if (WIFEXITED(status_)) return "exited with code " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) {
    const int sig = WTERMSIG(status_);
    const char* name = strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + " (" + (name ? name : "?") + ")";
  }
  return "ended with status " + std::to_string(status_);
}

bool Subprocess::is_alive() {
  if (pid_ <= 0 || reaped_) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = st;
    return false;
  }
  return r == 0;
}

void Subprocess::kill() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(-pid_, SIGKILL);  // the whole group: also a pipeline or grandchildren
  ::kill(pid_, SIGKILL);
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, 0);
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  status_ = st;
}

}  // namespace tenuki
