#include "selfplay/selfplay_actor.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "agents/net/checkpoint.h"
#include "envs/util/text.h"
#include "selfplay/rate_controller.h"
#include "selfplay/run/actor_chunks.h"
#include "selfplay/selfplay_worker.h"

namespace tenuki {

using Clock = std::chrono::steady_clock;

SelfPlayActor::SelfPlayActor(const RunDirectory& dir, const TrainConfig& config,
                             std::shared_ptr<const Game> game, BatchingEvaluator& evaluator,
                             std::string checkpoint, int64_t net_step, ActorOptions options,
                             std::ostream& log)
    : dir_(dir),
      config_(config),
      game_(std::move(game)),
      evaluator_(evaluator),
      options_(std::move(options)),
      log_(log),
      net_step_(net_step) {
  check_actor_id(options_.id);
  if (!(options_.poll_seconds > 0)) throw std::invalid_argument("poll_seconds must be > 0");
  totals_.checkpoint = std::move(checkpoint);
}

void SelfPlayActor::add(SelfPlayRecord&& record) {
  std::lock_guard<std::mutex> lock(chunk_mutex_);
  if (done_.load()) return;  // max_games already kept
  totals_.games += 1;
  totals_.positions += record.training_positions();
  record.net_step = net_step_.load();
  kept_.push_back(std::move(record));
  if (static_cast<int>(kept_.size()) >= config_.selfplay.chunk_games) write_chunk_locked();
  if (options_.max_games > 0 && totals_.games >= options_.max_games) done_ = true;
}

void SelfPlayActor::write_chunk_locked() {
  if (kept_.empty()) return;
  const int64_t seq = next_seq_;
  for (size_t k = 0; k < kept_.size(); ++k) {
    kept_[k].id = options_.id + "-" + std::to_string(seq) + "-" + std::to_string(k);
  }
  write_records_file(dir_.file(actor_chunk_name(options_.id, seq)), kept_);
  kept_.clear();
  ++next_seq_;
  ++totals_.chunks;
}

void SelfPlayActor::pick_up_newer_net() {
  if (!dir_.has_state()) return;
  RunState state;
  try {
    state = dir_.read_state();
  } catch (const std::exception&) {
    return;  // being replaced: read it next time
  }
  if (state.latest_checkpoint.empty() || state.latest_checkpoint == totals_.checkpoint) return;
  // Published when state.json named it (the learners write it after the checkpoint).
  std::error_code error;
  const auto published = std::filesystem::last_write_time(dir_.file("state.json"), error);
  std::shared_ptr<PolicyValueNet> net = load_checkpoint(dir_.file(state.latest_checkpoint));
  evaluator_.publish_weights(*net);
  net_step_ = state.step;
  const double pickup =
      error ? 0.0
            : std::max(0.0, std::chrono::duration<double>(
                                std::filesystem::file_time_type::clock::now() - published)
                                .count());
  std::lock_guard<std::mutex> lock(chunk_mutex_);
  totals_.checkpoint = state.latest_checkpoint;
  ++totals_.net_updates;
  totals_.pickup_seconds_sum += pickup;
  totals_.pickup_seconds_max = std::max(totals_.pickup_seconds_max, pickup);
}

ActorTotals SelfPlayActor::run(const std::atomic<bool>& stop) {
  const std::string folder = "games/" + options_.id;
  next_seq_ = next_actor_chunk(dir_, options_.id);
  // The learners' pace (learners.json): the workers pause while the learners hold more than
  // half a replay window of samples they may still take (ratio x ingested - consumed); no pause
  // before the learners report.
  const int64_t slack =
      std::max<int64_t>(2 * config_.training.batch_size,
                        static_cast<int64_t>(config_.loop.train_ratio * config_.replay.window / 2));
  RateController rate(config_.loop.train_ratio, config_.replay.min_positions, slack);
  rate.set_unlimited(true);
  auto follow_learners = [&] {
    LearnerProgress progress;
    if (!read_learner_progress(dir_, &progress)) return;
    rate.reset(progress.positions, progress.consumed);
    rate.set_unlimited(false);
  };
  follow_learners();
  std::atomic<bool> workers_stop{false};
  std::vector<std::unique_ptr<SelfPlayWorker>> workers;
  const uint64_t seed_base =
      std::hash<std::string>()(options_.id) ^ (static_cast<uint64_t>(next_seq_) << 20);
  for (int w = 0; w < config_.selfplay.workers; ++w) {
    SelfPlayWorkerOptions o;
    o.games = config_.selfplay.games_per_worker;
    o.max_moves = config_.selfplay.max_moves;
    o.resign = config_.selfplay.resign;
    o.branch_games = config_.selfplay.branch_games;
    o.seed = seed_base + 7919 * static_cast<uint64_t>(w + 1);
    workers.push_back(
        std::make_unique<SelfPlayWorker>(game_, config_.search, o, evaluator_, rate,
                                         [this](SelfPlayRecord&& r) { add(std::move(r)); }));
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&, w = worker.get()] {
      try {
        w->run(workers_stop);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        workers_stop = true;
      }
    });
  }
  log_ << "actor " << options_.id << ": " << config_.selfplay.workers << " x "
       << config_.selfplay.games_per_worker << " games, net " << totals_.checkpoint
       << ", chunks from " << next_seq_ << " in " << dir_.file(folder) << std::endl;

  const auto start = Clock::now();
  auto next_poll = start, next_progress = start;
  while (!stop.load() && !done_.load() && !workers_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto now = Clock::now();
    if (now >= next_poll) {
      follow_learners();
      try {
        pick_up_newer_net();
      } catch (const std::exception& e) {
        log_ << "actor " << options_.id << ": newer net not loaded yet: " << e.what() << std::endl;
      }
      next_poll = now + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(options_.poll_seconds));
    }
    if (options_.progress_seconds > 0 && now >= next_progress) {
      const double seconds = std::chrono::duration<double>(now - start).count();
      std::lock_guard<std::mutex> lock(chunk_mutex_);
      log_ << "actor " << options_.id << ": " << totals_.games << " games, " << totals_.chunks
           << " chunks, " << std::fixed << std::setprecision(1)
           << (seconds > 0 ? totals_.games / seconds : 0.0) << " games/s, net "
           << totals_.checkpoint << ", " << format_duration(seconds) << std::endl;
      next_progress = now + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(options_.progress_seconds));
    }
  }
  workers_stop = true;
  rate.stop();
  for (auto& t : threads) t.join();
  {
    std::lock_guard<std::mutex> lock(chunk_mutex_);
    write_chunk_locked();  // the finished games since the last chunk
  }
  if (error) std::rethrow_exception(error);
  return totals_;
}

}  // namespace tenuki
