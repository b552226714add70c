#include "selfplay/evaluation_thread.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <set>
#include <sstream>
#include <utility>

#include "agents/net/checkpoint.h"
#include "envs/util/remove_tree.h"
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
      log_lines_.push_back(std::to_string(jobs_.size()) +
                           " queued evaluation(s) abandoned (kept for the next session)");
      jobs_.clear();
    }
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EvaluationThread::queue(EvaluationJob job, nlohmann::json context, std::string snapshot_file) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back({std::move(job), std::move(context), std::move(snapshot_file)});
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
    if (!abandon_.load() && !next.snapshot_file.empty()) {
      std::error_code ignored;
      std::filesystem::remove(next.snapshot_file, ignored);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      log_lines_.push_back(line.str());
      running_ = false;
    }
    cv_.notify_all();
  }
}

namespace {

constexpr char kSnapshotFolder[] = "evaluations";

}  // namespace

EvaluationSnapshot save_evaluation_snapshot(const RunDirectory& dir, const PolicyValueNet& net,
                                            CheckpointMeta meta, const nlohmann::json& context) {
  char name[96];
  std::snprintf(name, sizeof(name), "%s/step_%08" PRId64 "_wall_%07" PRId64 ".ckpt",
                kSnapshotFolder, context.value("step", int64_t{0}),
                static_cast<int64_t>(std::llround(context.value("wall_s", 0.0))));
  std::error_code ec;
  std::filesystem::create_directories(dir.file(kSnapshotFolder), ec);
  if (ec) {
    throw CheckpointError("cannot create '" + dir.file(kSnapshotFolder) + "': " + ec.message());
  }
  meta.notes = context.dump();
  save_checkpoint(dir.file(name), net, meta);
  return {dir.file(name), context};
}

std::vector<EvaluationSnapshot> saved_evaluation_snapshots(const RunDirectory& dir,
                                                           std::vector<std::string>* log) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file(kSnapshotFolder), ec)) {
    if (entry.path().extension() == ".ckpt") files.push_back(entry.path().string());
  }
  if (files.empty()) return {};
  std::sort(files.begin(), files.end());  // zero-padded steps: oldest first
  std::set<int64_t> evaluated_steps;
  if (std::filesystem::exists(dir.file("metrics.jsonl"))) {
    for (const MetricLine& line : read_metric_lines(dir.file("metrics.jsonl")).lines) {
      if (line.type == MetricType::kEval) evaluated_steps.insert(line.fields.value("step", -1));
    }
  }
  std::vector<EvaluationSnapshot> out;
  for (const std::string& file : files) {
    try {
      EvaluationSnapshot s{file, nlohmann::json::parse(read_checkpoint_meta(file).notes)};
      if (evaluated_steps.count(s.context.value("step", int64_t{-1})) == 0) {
        out.push_back(std::move(s));
        continue;
      }
      log->push_back("evaluation snapshot " + file + " already evaluated: deleted");
    } catch (const std::exception& e) {
      log->push_back("evaluation snapshot " + file + " does not read (" + e.what() + "): deleted");
    }
    std::filesystem::remove(file, ec);
  }
  return out;
}

void clear_evaluation_snapshots(const RunDirectory& dir) { remove_tree(dir.file(kSnapshotFolder)); }

}  // namespace tenuki
