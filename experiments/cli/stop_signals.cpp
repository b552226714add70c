#include "experiments/cli/stop_signals.h"

#include <csignal>

namespace tenuki {

std::atomic<bool> g_stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void handle_stop_signal(int) { g_stop_requested.store(true); }

StopSignals::StopSignals() {
  g_stop_requested = false;
  previous_int_ = std::signal(SIGINT, handle_stop_signal);
  previous_term_ = std::signal(SIGTERM, handle_stop_signal);
}

StopSignals::~StopSignals() {
  std::signal(SIGINT, previous_int_);
  std::signal(SIGTERM, previous_term_);
}

}  // namespace tenuki
