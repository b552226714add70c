#include "selfplay/rate_controller.h"

#include <algorithm>

namespace tenuki {

double RateController::credit() const {
  const int64_t effective = std::max<int64_t>(0, generated_ - warmup_);
  return ratio_ * static_cast<double>(effective) - static_cast<double>(consumed_);
}

void RateController::reset(int64_t generated, int64_t consumed) {
  std::lock_guard<std::mutex> lock(mutex_);
  generated_ = generated;
  consumed_ = consumed;
  cv_.notify_all();
}

void RateController::add_generated(int64_t positions) {
  std::lock_guard<std::mutex> lock(mutex_);
  generated_ += positions;
  cv_.notify_all();
}

void RateController::add_consumed(int64_t samples) {
  std::lock_guard<std::mutex> lock(mutex_);
  consumed_ += samples;
  cv_.notify_all();
}

bool RateController::wait_train(int64_t samples, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] {
    return !stopped_ && generated_ > warmup_ && credit() >= static_cast<double>(samples);
  });
}

bool RateController::wait_selfplay(const std::atomic<bool>& stop_flag) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopped_ && !stop_flag.load() && !unlimited_ && credit() > static_cast<double>(slack_)) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  return !stopped_ && !stop_flag.load();
}

void RateController::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  cv_.notify_all();
}

void RateController::set_unlimited(bool unlimited) {
  std::lock_guard<std::mutex> lock(mutex_);
  unlimited_ = unlimited;
  cv_.notify_all();
}

int64_t RateController::generated() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return generated_;
}

int64_t RateController::consumed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return consumed_;
}

}  // namespace tenuki
