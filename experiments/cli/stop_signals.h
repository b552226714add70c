#pragma once
// SIGINT/SIGTERM as a stop request for long commands (train, experiment run): the handler only
// sets an atomic flag that the command polls, so it stops cleanly and saves its work.
#include <atomic>

namespace tenuki {

// Set by the handler; the only process-wide state of a command (signals need one).
extern std::atomic<bool> g_stop_requested;

// Installs the SIGINT/SIGTERM handlers for its lifetime (clearing the flag first), restoring the
// previous ones on destruction. One at a time per process.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  void (*previous_int_)(int);
  void (*previous_term_)(int);
};

}  // namespace tenuki
