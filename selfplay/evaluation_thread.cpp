#include "selfplay/evaluation_thread.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <utility>

#include "selfplay/training_run.h"

namespace tenuki {

using Clock = std::chrono::steady_clock;

EvaluationThread::EvaluationThread(RunDirectory& dir) : dir_(dir) {
  thread_ = std::thread([this] { serve(); });
}

EvaluationThread::~EvaluationThread() { shut_down(); }

void EvaluationThread::shut_down() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    abandon_ = true;
    if (!jobs_.empty()) {
      log_lines_.push_back(std::to_string(jobs_.size()) + " queued evaluation(s) abandoned");
      jobs_.clear();
    }
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EvaluationThread::queue(EvaluationJob job, nlohmann::json context) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back({std::move(job), std::move(context)});
  }
  cv_.notify_all();
}

int EvaluationThread::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(jobs_.size()) + (running_ ? 1 : 0);
}

std::vector<std::string> EvaluationThread::take_log_lines() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(log_lines_, {});
}

bool EvaluationThread::wait_all(const std::atomic<bool>& stop) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!jobs_.empty() || running_) {
    if (stop.load()) return false;
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  return true;
}

void EvaluationThread::serve() {
  // Evaluations yield the CPU to self-play and training: this thread (and the engines it
  // starts, which inherit its niceness) runs at a lower priority. Linux-specific; best effort.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kNiceness);
  for (;;) {
    Queued next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return closing_ || !jobs_.empty(); });
      if (closing_) return;
      next = std::move(jobs_.front());
      jobs_.pop_front();
      running_ = true;
      log_lines_.push_back("eval step " + std::to_string(next.context.value("step", 0)) +
                           ": started");
    }
    const auto start = Clock::now();
    std::vector<nlohmann::json> results;
    std::string error;
    try {
      results = next.job(abandon_);
    } catch (const std::exception& e) {
      error = e.what();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const int64_t step = next.context.value("step", int64_t{0});
    std::ostringstream line;
    if (abandon_.load()) {
      line << "eval step " << step << ": abandoned (stopping)";
    } else if (!error.empty()) {
      line << "eval step " << step << ": failed: " << error;
    } else {
      line << "eval step " << step << ":";
      for (auto& r : results) {
        if (r.contains("error")) {  // this opponent could not be evaluated; the others count
          line << "  vs " << r.value("opponent", "?") << " failed (" << r.value("error", "") << ")";
          continue;
        }
        r.update(next.context);
        r["eval_seconds"] = std::round(seconds * 10) / 10;
        dir_.append_metrics(MetricType::kEval, r);
        line << "  vs " << r.value("opponent", "?") << " " << std::fixed << std::setprecision(2)
             << r.value("win_rate", 0.0);
        if (r.contains("failed_pairs")) {
          line << " (" << r.value("failed_pairs", 0)
               << " pair(s) dropped: " << r.value("last_error", "") << ")";
        }
      }
      line << "  (" << std::fixed << std::setprecision(0) << seconds << " s)";
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      log_lines_.push_back(line.str());
      running_ = false;
    }
    cv_.notify_all();
  }
}

}  // namespace tenuki
