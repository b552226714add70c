#include "selfplay/training_run.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>

#include "agents/net/checkpoint.h"
#include "envs/encoding.h"
#include "envs/util/text.h"
#include "selfplay/evaluation_thread.h"
#include "selfplay/run/actor_chunks.h"
#include "selfplay/selfplay_worker.h"

namespace tenuki {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<float> random_position_planes(const Game& game, int n, uint64_t seed) {
  const size_t floats = static_cast<size_t>(encoding::kNumChannels) * game.num_cells();
  std::vector<float> out(floats * static_cast<size_t>(n));
  Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    auto state = game.new_initial_state();
    const int moves = static_cast<int>(rng.below(static_cast<uint32_t>(game.num_cells() / 2 + 1)));
    for (int m = 0; m < moves; ++m) {
      auto next = state->clone();
      next->apply_action(next->sample_playout_action(rng));
      if (next->is_terminal()) break;
      state = std::move(next);
    }
    encoding::encode(*state, game.rows(), game.cols(), out.data() + floats * i);
  }
  return out;
}

int64_t ingest_chunks(const std::vector<ActorChunk>& chunks, ReplayBuffer& buffer,
                      RateController& rate, std::ostream& log) {
  int64_t games = 0;
  for (const ActorChunk& chunk : chunks) {
    try {
      for (auto& r : read_records_file(chunk.path)) {
        buffer.add(r);
        rate.add_generated(r.training_positions());
        ++games;
      }
    } catch (const std::exception& e) {
      log << "skipped " << chunk.path << ": " << e.what() << std::endl;
    }
  }
  return games;
}

void save_run_checkpoint(const RunDirectory& dir, const TrainConfig& config, const Game& game,
                         Trainer& trainer, const std::string& first_parent,
                         const std::string& first_derivation, RunState* state) {
  CheckpointMeta meta;
  meta.game_spec = game.spec();
  meta.training_step = state->step;
  meta.search = config.search;  // for search transfer (transfer/search_transfer.h)
  meta.search_max_moves = config.selfplay.max_moves;
  const std::string name = dir.checkpoint_name(state->step);
  if (state->latest_checkpoint.empty()) {
    meta.parent = first_parent;
    meta.derivation = first_derivation;
  } else if (state->latest_checkpoint == name) {
    // Rewriting this step's checkpoint (a stop right after a scheduled one): keep its lineage.
    const CheckpointMeta previous = read_checkpoint_meta(dir.file(name));
    meta.parent = previous.parent;
    meta.derivation = previous.derivation;
  } else {
    meta.parent = dir.file(state->latest_checkpoint);
    meta.derivation = "continued";
  }
  save_checkpoint(dir.file(name), trainer.net(), meta);
  trainer.save_optimizer(dir.file("optimizer.pt"));
  state->latest_checkpoint = name;
}

void TrainingLoop::ingest_actor_chunks(RunState& state) {
  const auto now = Clock::now();
  if (now < next_ingest_) return;
  next_ingest_ = now + std::chrono::seconds(1);
  const std::vector<ActorChunk> chunks = chunks_to_ingest(d_.dir, state.ingested);
  if (chunks.empty()) return;
  const int64_t games = ingest_chunks(chunks, d_.buffer, d_.rate, d_.log);
  actor_games_ += games;
  advance_marks(&state.ingested, chunks);
  d_.dir.append_metrics(MetricType::kIngest, ingest_line(chunks, games));
}

void TrainingLoop::write_checkpoint(RunState& state) {
  d_.records.flush();
  save_run_checkpoint(d_.dir, d_.config, *d_.game, d_.trainer, first_parent_, first_derivation_,
                      &state);
  state.games = d_.records.games();
  state.next_chunk = d_.records.next_chunk();
  state.positions = d_.rate.generated();
  state.samples_consumed = d_.rate.consumed();
  state.evaluations = evaluations_now();
  d_.dir.write_state(state);
}

std::vector<SelfPlayRecord> TrainingLoop::take_games_in_progress(RunState& state) {
  if (state.games_in_progress.empty()) return {};
  const std::string path = d_.dir.file(state.games_in_progress);
  std::vector<SelfPlayRecord> games;
  try {
    for (SelfPlayRecord& r : read_records_file(path)) {
      try {
        check_game_in_progress(*d_.game, r);
        games.push_back(std::move(r));
      } catch (const std::invalid_argument& e) {
        d_.log << "warning: dropped from " << path << ": " << e.what() << std::endl;
      }
    }
    d_.log << "continuing " << games.size() << " self-play game(s) in progress" << std::endl;
  } catch (const std::exception& e) {
    d_.log << "warning: the games in progress are lost: " << e.what() << std::endl;
  }
  // From here they belong to this session: a crash loses them like any game in progress, and
  // no later session plays them again.
  state.games_in_progress.clear();
  d_.dir.write_state(state);
  return games;
}

void TrainingLoop::save_games_in_progress(const std::vector<SelfPlayRecord>& games,
                                          RunState& state) {
  state.games_in_progress.clear();
  if (games.empty()) return;
  const std::string name = "games_in_progress.jsonl";
  write_records_file(d_.dir.file(name), games);
  state.games_in_progress = name;
  d_.log << "saved " << games.size() << " self-play game(s) in progress" << std::endl;
}

int64_t TrainingLoop::evaluations_now() const {
  return evaluations_base_ + (d_.evaluator.stats().positions - evaluator_base_);
}

double TrainingLoop::unit_count(BudgetUnit unit, double wall_seconds) const {
  switch (unit) {
    case BudgetUnit::kEvaluations:
      return static_cast<double>(evaluations_now());
    case BudgetUnit::kGames:
      return static_cast<double>(d_.records.games());
    case BudgetUnit::kSteps:
      return static_cast<double>(d_.trainer.steps());
    case BudgetUnit::kMinutes:
      break;
  }
  return wall_seconds / 60;
}

void TrainingLoop::write_milestone(const RunState& state, double x, double actual) {
  std::error_code ec;
  fs::create_directories(d_.dir.file("milestones"), ec);
  const BudgetUnit unit = d_.config.budget.milestone_unit;
  const std::string name = milestone_checkpoint_name(unit, x);
  CheckpointMeta meta;
  meta.game_spec = d_.game->spec();
  meta.training_step = state.step;
  meta.search = d_.config.search;
  meta.search_max_moves = d_.config.selfplay.max_moves;
  meta.parent =
      state.latest_checkpoint.empty() ? first_parent_ : d_.dir.file(state.latest_checkpoint);
  meta.derivation = state.latest_checkpoint.empty() ? first_derivation_ : "continued";
  save_checkpoint(d_.dir.file(name), d_.trainer.net(), meta);
  d_.dir.append_metrics(MetricType::kMilestone, {{"unit", budget_unit_name(unit)},
                                                 {"x", x},
                                                 {"actual", actual},
                                                 {"checkpoint", name},
                                                 {"step", state.step},
                                                 {"games", d_.records.games()},
                                                 {"evaluations", state.evaluations},
                                                 {"wall_s", round_to(state.wall_seconds, 1e2)}});
}

void TrainingLoop::queue_evaluation(const RunState& state) {
  if (!evaluate_ || !evaluations_) return;
  EvaluationJob job = evaluate_(d_.trainer.net(), state.step);
  if (!job) return;
  last_queued_step_ = state.step;
  nlohmann::json context = {{"step", state.step},
                            {"games", d_.records.games()},
                            {"wall_s", round_to(state.wall_seconds, 1e1)}};
  CheckpointMeta meta;
  meta.game_spec = d_.game->spec();
  meta.training_step = state.step;
  const EvaluationSnapshot snapshot =
      save_evaluation_snapshot(d_.dir, d_.trainer.net(), meta, context);
  evaluations_->queue(std::move(job), std::move(context), snapshot.file);
}

void TrainingLoop::queue_saved_evaluations() {
  std::vector<std::string> log;
  for (const EvaluationSnapshot& s : saved_evaluation_snapshots(d_.dir, &log)) {
    try {
      EvaluationJob job = evaluate_(*load_checkpoint(s.file), s.context.value("step", int64_t{0}));
      if (!job) {  // no reference agents any more
        fs::remove(s.file);
        continue;
      }
      d_.log << "queued again: the evaluation of step " << s.context.value("step", 0)
             << " that a stop left undone" << std::endl;
      last_queued_step_ = std::max(last_queued_step_, s.context.value("step", int64_t{-1}));
      evaluations_->queue(std::move(job), s.context, s.file);
    } catch (const std::exception& e) {
      log.push_back(std::string("evaluation snapshot not queued: ") + e.what());
    }
  }
  for (const std::string& line : log) d_.log << line << std::endl;
}

namespace {

// The self-play workers of one session, each on a thread of a Boost.Asio pool, until stop().
// The destructor stops and joins them too, so an exception in the loop never leaves a worker
// running. The first exception a worker throws stops all of them and is kept for the loop.
// Eight random hexadecimal digits: game ids of different sessions never collide.
std::string session_token() {
  std::random_device device;
  const uint32_t value = device();
  char text[9];
  std::snprintf(text, sizeof text, "%08x", value);
  return text;
}

class SelfPlayWorkerPool {
 public:
  // `resumed`: games in progress of an earlier session, shared out over the workers. Game ids are
  // "<session token>-w<worker>-<k>", the token random per session.
  SelfPlayWorkerPool(const LoopDependencies& d, int64_t games_before,
                     std::vector<SelfPlayRecord> resumed)
      : rate_(d.rate), pool_(static_cast<size_t>(d.config.selfplay.workers)) {
    const TrainConfig& c = d.config;
    RecordWriter& records = d.records;
    const std::string session = session_token();
    std::vector<std::vector<SelfPlayRecord>> shares(static_cast<size_t>(c.selfplay.workers));
    for (size_t k = 0; k < resumed.size(); ++k) {
      shares[k % shares.size()].push_back(std::move(resumed[k]));
    }
    for (int w = 0; w < c.selfplay.workers; ++w) {
      SelfPlayWorkerOptions options;
      options.games = c.selfplay.games_per_worker;
      options.max_moves = c.selfplay.max_moves;
      options.resign = c.selfplay.resign;
      options.branch_games = c.selfplay.branch_games;
      options.seed = c.seed * 1000003ull + static_cast<uint64_t>(games_before) * 31 + w + 1;
      options.id_prefix = session + "-w" + std::to_string(w) + "-";
      workers_.push_back(std::make_unique<SelfPlayWorker>(
          d.game, c.search, options, d.evaluator, d.rate,
          [&records](SelfPlayRecord&& r) { records.add(std::move(r)); }));
      workers_.back()->resume_games(std::move(shares[static_cast<size_t>(w)]));
    }
    for (auto& worker : workers_) {
      boost::asio::post(pool_, [this, w = worker.get()] {
        try {
          w->run(stop_);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex_);
          if (!error_) error_ = std::current_exception();
          stop_ = true;
        }
      });
    }
  }
  ~SelfPlayWorkerPool() { stop(); }
  SelfPlayWorkerPool(const SelfPlayWorkerPool&) = delete;
  SelfPlayWorkerPool& operator=(const SelfPlayWorkerPool&) = delete;

  // Tells the workers to stop (they finish their current lock-step iteration) and joins them.
  void stop() {
    stop_ = true;
    rate_.stop();
    if (!joined_) pool_.join();
    joined_ = true;
  }
  // True once stop() was called or a worker failed.
  bool stopping() const { return stop_.load(); }
  bool failed() const {
    std::lock_guard<std::mutex> lock(error_mutex_);
    return static_cast<bool>(error_);
  }
  void rethrow_if_failed() const {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (error_) std::rethrow_exception(error_);
  }
  // After stop(): every worker's games in progress.
  std::vector<SelfPlayRecord> games_in_progress() const {
    std::vector<SelfPlayRecord> out;
    for (const auto& worker : workers_) {
      for (auto& r : worker->games_in_progress()) out.push_back(std::move(r));
    }
    return out;
  }

 private:
  RateController& rate_;
  std::atomic<bool> stop_{false};
  mutable std::mutex error_mutex_;
  std::exception_ptr error_;
  std::vector<std::unique_ptr<SelfPlayWorker>> workers_;  // outlive the pool's threads
  boost::asio::thread_pool pool_;
  bool joined_ = false;
};

}  // namespace

double TrainingLoop::budget_fraction(double wall_seconds, bool selfplay_only) const {
  const BudgetConfig& b = d_.config.budget;
  double f = 0;
  if (b.steps > 0 && !selfplay_only) {
    f = std::max(f, static_cast<double>(d_.trainer.steps()) / b.steps);
  }
  if (b.games > 0) f = std::max(f, static_cast<double>(d_.records.games()) / b.games);
  if (b.minutes > 0) f = std::max(f, wall_seconds / (b.minutes * 60));
  if (b.evaluations > 0) {
    f = std::max(f, static_cast<double>(evaluations_now()) / b.evaluations);
  }
  return f;
}

bool TrainingLoop::budget_reached(double wall_seconds, bool selfplay_only) const {
  const BudgetConfig& b = d_.config.budget;
  if (b.steps > 0 && !selfplay_only && d_.trainer.steps() >= b.steps) return true;
  if (b.games > 0 && d_.records.games() >= b.games) return true;
  if (b.minutes > 0 && wall_seconds >= b.minutes * 60) return true;
  if (b.evaluations > 0 && evaluations_now() >= b.evaluations) return true;
  return false;
}

RunState TrainingLoop::run(RunState state, const std::atomic<bool>& stop, bool selfplay_only) {
  const TrainConfig& c = d_.config;
  const auto session_start = Clock::now();
  const double wall_before = state.wall_seconds;
  auto wall = [&] {
    return wall_before + std::chrono::duration<double>(Clock::now() - session_start).count();
  };
  d_.rate.reset(state.positions, state.samples_consumed);
  evaluations_base_ = state.evaluations;
  evaluator_base_ = d_.evaluator.stats().positions;
  d_.rate.set_unlimited(selfplay_only);
  d_.trainer.set_steps(state.step);

  SelfPlayWorkerPool workers(
      d_, state.games,
      selfplay_only ? std::vector<SelfPlayRecord>{} : take_games_in_progress(state));

  const Window session_window = open_window();
  Window metrics_window = session_window, progress_window = session_window;
  // ETA from this session's pace towards the budget.
  const double budget_at_start = budget_fraction(wall(), selfplay_only);
  const auto eta_suffix = [&]() -> std::string {
    const double f = budget_fraction(wall(), selfplay_only);
    const double elapsed = std::chrono::duration<double>(Clock::now() - session_start).count();
    if (!(f > budget_at_start) || f >= 1) return "";
    return "  " + std::to_string(static_cast<int>(f * 100)) + "% ETA " +
           format_duration((1 - f) * elapsed / (f - budget_at_start));
  };
  // Evaluations run beside self-play and training; destroyed (abandoning what is left) before
  // the workers stop.
  std::unique_ptr<EvaluationThread> evaluations;
  if (evaluate_ && !selfplay_only) evaluations = std::make_unique<EvaluationThread>(d_.dir);
  evaluations_ = evaluations.get();
  struct ClearPointer {
    EvaluationThread*& pointer;
    ~ClearPointer() { pointer = nullptr; }
  } clear_pointer{evaluations_};
  auto print_evaluations = [&] {
    if (!evaluations) return;
    for (const auto& line : evaluations->take_log_lines()) d_.log << line << std::endl;
  };

  Rng rng(c.seed ^ (0xA5A5A5A5ull + static_cast<uint64_t>(state.step)));
  auto last_progress = Clock::now();
  const bool fresh = state.step == 0 && state.latest_checkpoint.empty();
  if (evaluations) {
    if (fresh) {
      clear_evaluation_snapshots(d_.dir);
    } else {
      queue_saved_evaluations();
    }
  }
  const bool evaluating = c.evaluation.every_steps > 0 || c.evaluation.every_minutes > 0;
  if (fresh && !selfplay_only && evaluating) {
    state.wall_seconds = wall();
    queue_evaluation(state);
  }
  // Milestones: the starting net, then every milestone_every units (the last one at the budget).
  const BudgetUnit milestone_unit = c.budget.milestone_unit;
  const double milestone_every = selfplay_only ? 0.0 : c.budget.milestone_every;
  auto next_milestone_after = [&](double count) {
    double next = (std::floor(count / milestone_every + 1e-9) + 1) * milestone_every;
    const double limit = c.budget.limit(milestone_unit);
    return limit > 0 ? std::min(next, limit) : next;
  };
  double next_milestone = 0;
  if (milestone_every > 0) {
    if (fresh) {
      state.wall_seconds = wall();
      state.evaluations = evaluations_now();
      write_milestone(state, 0, 0);
    }
    next_milestone = next_milestone_after(unit_count(milestone_unit, wall()));
  }
  auto milestone_due = [&] {
    return milestone_every > 0 && unit_count(milestone_unit, wall()) >= next_milestone - 1e-9;
  };
  auto reach_milestone = [&] {
    state.step = d_.trainer.steps();
    state.wall_seconds = wall();
    state.evaluations = evaluations_now();
    write_milestone(state, next_milestone, unit_count(milestone_unit, state.wall_seconds));
    write_checkpoint(state);  // so that a resumed run starts past this milestone
    next_milestone = next_milestone_after(next_milestone);
  };
  // Timed evaluations fall on whole multiples of every_minutes of run time.
  const double eval_interval = c.evaluation.every_minutes * 60;
  double next_timed_eval =
      eval_interval > 0 ? (std::floor(wall() / eval_interval) + 1) * eval_interval : 0;
  while (!stop.load() && !workers.stopping() && !budget_reached(wall(), selfplay_only)) {
    print_evaluations();
    if (eval_interval > 0 && !selfplay_only && wall() >= next_timed_eval) {
      state.step = d_.trainer.steps();
      state.wall_seconds = wall();
      queue_evaluation(state);
      while (next_timed_eval <= state.wall_seconds) next_timed_eval += eval_interval;
    }
    if (c.loop.progress_seconds > 0 &&
        std::chrono::duration<double>(Clock::now() - last_progress).count() >=
            c.loop.progress_seconds) {
      print_progress(progress_window, wall(), eta_suffix());
      last_progress = Clock::now();
      progress_window = open_window();
    }
    if (selfplay_only) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    ingest_actor_chunks(state);
    const int b = c.training.batch_size;
    if (!d_.rate.wait_train(b, std::chrono::milliseconds(200))) continue;
    if (d_.buffer.size() == 0) {  // counters ahead of the records (e.g. deleted chunk files)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    TrainingBatch batch = d_.buffer.sample(b, rng, c.replay.augment);
    TrainStepStats s = d_.trainer.step(batch);
    d_.rate.add_consumed(b);
    state.step = d_.trainer.steps();
    metrics_window.add(s);
    progress_window.add(s);
    if (state.step % c.loop.publish_every == 0) d_.evaluator.publish_weights(d_.trainer.net());
    if (state.step % c.loop.metrics_every == 0) {
      d_.dir.append_metrics(MetricType::kTrain, train_metrics(metrics_window, state.step, wall()));
      metrics_window = open_window();
    }
    if (state.step % c.loop.checkpoint_every == 0) {
      state.wall_seconds = wall();
      write_checkpoint(state);
    }
    if (c.evaluation.every_steps > 0 && state.step % c.evaluation.every_steps == 0) {
      state.wall_seconds = wall();
      queue_evaluation(state);
    }
    if (milestone_due() && !budget_reached(wall(), selfplay_only)) reach_milestone();
  }
  // A signal abandons the evaluations at once; then the workers stop (they finish their current
  // lock-step iteration) and everything is saved.
  if (stop.load() && evaluations) evaluations->shut_down();
  workers.stop();
  d_.log << (stop.load() ? "stopping: " : "finished: ") << "step " << d_.trainer.steps()
         << ", games " << d_.records.games() << std::endl;
  if (!selfplay_only) save_games_in_progress(workers.games_in_progress(), state);
  state.step = d_.trainer.steps();
  state.wall_seconds = wall();
  if (!stop.load() && !workers.failed() && milestone_due()) {
    reach_milestone();  // the budget's milestone
  } else if (!selfplay_only) {
    write_checkpoint(state);
  }
  if (evaluations) {
    // At the budget's end the final net is evaluated too (unless it just was), and the queued
    // evaluations finish; a signal abandons them.
    if (!stop.load() && evaluating && last_queued_step_ != state.step) queue_evaluation(state);
    if (!stop.load() && evaluations->pending() > 0) {
      d_.log << "waiting for " << evaluations->pending() << " evaluation(s)" << std::endl;
      evaluations->wait_all(stop);
    }
    evaluations->shut_down();
    print_evaluations();
  }
  nlohmann::json j;
  j["step"] = state.step;
  j["games"] = d_.records.games();
  j["evaluations"] = state.evaluations;
  j["actor_games"] = actor_games_;
  j["wall_s"] = round_to(state.wall_seconds, 1e2);
  add_rates(session_window, j);  // this session's averages
  d_.dir.append_metrics(MetricType::kSummary, j);
  workers.rethrow_if_failed();
  return state;
}

}  // namespace tenuki
