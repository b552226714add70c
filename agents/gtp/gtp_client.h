#pragma once
// A client for a GTP (Go Text Protocol, version 2) engine running as a child process.
// Not thread-safe: one thread at a time per client.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/util/subprocess.h"

namespace tenuki {

// The engine died, timed out, or broke the protocol. The client is unusable afterwards.
class GtpEngineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The engine answered a command with a failure ('?').
class GtpCommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GtpResponse {
  bool success = false;
  std::string text;  // the response without "=" / "?", the id and the final blank line; lines
                     // of a multi-line response are joined by '\n'
};

// The engine's stderr never reaches ours: its last lines are kept for the error message of an
// engine that dies.
struct GtpClientOptions {
  std::chrono::milliseconds timeout{30000};  // per command
};

class GtpClient {
 public:
  // Starts `command` with /bin/sh (e.g. "gnugo --mode gtp"). Throws GtpEngineError when it
  // cannot be started.
  explicit GtpClient(const std::string& command, const GtpClientOptions& options = {});
  // Sends "quit" (ignoring any error), then the child is closed and reaped.
  ~GtpClient();
  GtpClient(const GtpClient&) = delete;
  GtpClient& operator=(const GtpClient&) = delete;

  // Sends one command line and reads its response. Throws GtpEngineError on a dead engine, a
  // timeout or a malformed response; a '?' answer is returned with success == false.
  GtpResponse query(const std::string& command);
  // Like query() but throws GtpCommandError (with the engine's message) on failure and returns
  // the response text.
  std::string send(const std::string& command);

  const std::string& command() const { return command_; }
  bool is_alive() { return process_ && process_->is_alive(); }

 private:
  std::string command_;
  GtpClientOptions options_;
  std::unique_ptr<Subprocess> process_;
  int next_id_ = 1;
  bool broken_ = false;
};

}  // namespace tenuki
