#pragma once
// Keeps the trainer and self-play at a fixed ratio: `train_ratio` training samples consumed per
// new training position generated. With G positions generated after the first `warmup` and C
// samples consumed, the trainer may take a step of b samples when C + b <= ratio * G, and
// self-play pauses while ratio * G - C > slack (slack >= b, so one side can always proceed).
//
// Thread-safety: every method may be called from any thread; waits return early once stop() is
// called or `stop_flag` is set (checked at least every poll interval).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tenuki {

class RateController {
 public:
  // Preconditions: ratio > 0, slack >= 1, warmup >= 0.
  RateController(double ratio, int64_t warmup, int64_t slack)
      : ratio_(ratio), warmup_(warmup), slack_(slack) {}

  // Restores counters (resuming a run).
  void reset(int64_t generated, int64_t consumed);
  void add_generated(int64_t positions);
  void add_consumed(int64_t samples);
  // Blocks until a training step of `samples` is allowed (true), or until `timeout` passes or the
  // controller is stopped (false).
  bool wait_train(int64_t samples, std::chrono::milliseconds timeout);
  // Blocks while self-play is ahead of the trainer; returns false once stopped. When `unlimited`
  // is set (no trainer) it never blocks.
  bool wait_selfplay(const std::atomic<bool>& stop_flag);
  void stop();
  void set_unlimited(bool unlimited);

  int64_t generated() const;
  int64_t consumed() const;

 private:
  double credit() const;  // ratio * effective generated - consumed; needs mutex_

  const double ratio_;
  const int64_t warmup_;
  const int64_t slack_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  int64_t generated_ = 0;
  int64_t consumed_ = 0;
  bool stopped_ = false;
  bool unlimited_ = false;
};

}  // namespace tenuki
