#include "selfplay/distributed/learner_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "envs/util/random.h"
#include "envs/util/text.h"
#include "selfplay/run/actor_chunks.h"
#include "selfplay/training_run.h"

namespace tenuki {
namespace {

using Clock = std::chrono::steady_clock;

int world_of(const LearnerGroup* group) { return group ? group->world_size() : 1; }

// The q-quantile (0..1) of `values` (reordered), nearest rank. Precondition: not empty.
int64_t quantile(std::vector<int64_t>& values, double q) {
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

}  // namespace

LearnerLoop::LearnerLoop(LearnerLoopDependencies deps) : d_(deps) {
  const int world = world_of(d_.group);
  if (d_.config.training.batch_size % world != 0) {
    throw std::invalid_argument(
        "training.batch_size " + std::to_string(d_.config.training.batch_size) +
        " does not split evenly over " + std::to_string(world) + " learner ranks");
  }
}

void LearnerLoop::write_checkpoint(RunState& state) {
  save_run_checkpoint(d_.dir, d_.config, *d_.game, d_.trainer, first_parent_, first_derivation_,
                      &state);
  state.positions = d_.rate.generated();
  state.samples_consumed = d_.rate.consumed();
  d_.dir.write_state(state);
}

RunState LearnerLoop::run(RunState state, const std::atomic<bool>& stop) {
  const TrainConfig& c = d_.config;
  const int world = world_of(d_.group);
  const int rank = d_.group ? d_.group->rank() : 0;
  const int share = c.training.batch_size / world;
  const auto session_start = Clock::now();
  const double wall_before = state.wall_seconds;
  auto wall = [&] {
    return wall_before + std::chrono::duration<double>(Clock::now() - session_start).count();
  };
  d_.rate.reset(state.positions, state.samples_consumed);
  d_.trainer.set_steps(state.step);
  Rng rng(c.seed * 1000003ull + 7919ull * static_cast<uint64_t>(rank + 1) +
          static_cast<uint64_t>(state.step));
  if (rank0() && state.latest_checkpoint.empty()) {
    state.wall_seconds = wall();
    write_checkpoint(state);  // the first net, for the actors
  }
  const int64_t games_at_start = state.games;
  const int64_t steps_at_start = state.step;
  auto next_scan = session_start;
  auto next_progress_file = session_start;
  auto last_progress = session_start;
  double loss_sum = 0, policy_sum = 0, value_sum = 0;
  int loss_n = 0;
  // Policy lag of this rank's samples since the last train line: the step that trains on a
  // position minus the step of the net that played it (games that recorded it).
  std::vector<int64_t> lags;
  auto budget_reached = [&] {
    const BudgetConfig& b = c.budget;
    return (b.steps > 0 && d_.trainer.steps() >= b.steps) ||
           (b.games > 0 && state.games >= b.games) || (b.minutes > 0 && wall() >= b.minutes * 60);
  };
  while (true) {
    // 1. Rank 0 decides what every rank ingests and whether to go on.
    nlohmann::json decision = {{"stop", false}, {"chunks", nlohmann::json::array()}};
    if (rank0()) {
      decision["stop"] = stop.load() || budget_reached();
      if (!decision["stop"].get<bool>() && Clock::now() >= next_scan) {
        next_scan = Clock::now() + std::chrono::seconds(1);
        for (const auto& chunk : chunks_to_ingest(d_.dir, state.ingested)) {
          decision["chunks"].push_back({chunk.actor, chunk.seq});
        }
      }
    }
    if (rank0() && Clock::now() >= next_progress_file) {
      next_progress_file = Clock::now() + std::chrono::seconds(1);
      write_learner_progress(d_.dir, {d_.trainer.steps(), d_.rate.generated(), d_.rate.consumed()});
    }
    if (d_.group) decision = nlohmann::json::parse(d_.group->share_from_rank0(decision.dump()));
    if (decision["stop"].get<bool>()) break;

    // 2. The same chunks on every rank, in the same order: the same replay window.
    std::vector<ActorChunk> chunks;
    for (const auto& entry : decision["chunks"]) {
      const std::string actor = entry[0].get<std::string>();
      const int64_t seq = entry[1].get<int64_t>();
      chunks.push_back({actor, seq, d_.dir.file(actor_chunk_name(actor, seq))});
    }
    if (!chunks.empty()) {
      const int64_t games = ingest_chunks(chunks, d_.buffer, d_.rate, d_.log);
      state.games += games;
      advance_marks(&state.ingested, chunks);
      if (rank0()) d_.dir.append_metrics(MetricType::kIngest, ingest_line(chunks, games));
    }

    // 3. A step when the sample ratio allows one: the same counters, so the same decision on
    // every rank.
    if (!d_.rate.wait_train(c.training.batch_size, std::chrono::milliseconds(0)) ||
        d_.buffer.size() == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    TrainingBatch batch = d_.buffer.sample(share, rng, c.replay.augment);
    for (int64_t net_step : batch.net_steps) {
      if (rank0() && net_step >= 0) lags.push_back(d_.trainer.steps() - net_step);
    }
    const TrainStepStats s = d_.trainer.step(batch);
    d_.rate.add_consumed(c.training.batch_size);
    state.step = d_.trainer.steps();
    loss_sum += s.loss;
    policy_sum += s.policy_loss;
    value_sum += s.value_loss;
    ++loss_n;
    if (!rank0()) continue;
    state.wall_seconds = wall();
    if (state.step % c.loop.metrics_every == 0) {
      nlohmann::json line = {{"step", state.step},
                             {"games", state.games},
                             {"loss", loss_sum / loss_n},
                             {"policy_loss", policy_sum / loss_n},
                             {"value_loss", value_sum / loss_n},
                             {"lr", s.lr},
                             {"learners", world},
                             {"buffer_size", d_.buffer.size()},
                             {"wall_s", state.wall_seconds}};
      if (!lags.empty()) {
        line["policy_lag_p50"] = quantile(lags, 0.5);
        line["policy_lag_p95"] = quantile(lags, 0.95);
      }
      if (d_.group && d_.group->all_reduces() > 0) {
        line["allreduce_ms"] = 1000 * d_.group->all_reduce_seconds() / d_.group->all_reduces();
        line["allreduce_bytes"] = d_.group->last_all_reduce_bytes();
      }
      d_.dir.append_metrics(MetricType::kTrain, line);
      loss_sum = policy_sum = value_sum = 0;
      loss_n = 0;
      lags.clear();
    }
    if (state.step % c.loop.checkpoint_every == 0) write_checkpoint(state);
    if (c.loop.progress_seconds > 0 &&
        std::chrono::duration<double>(Clock::now() - last_progress).count() >=
            c.loop.progress_seconds) {
      const double seconds = std::chrono::duration<double>(Clock::now() - session_start).count();
      d_.log << "learners " << world << ": step " << state.step << ", games " << state.games
             << ", buffer " << d_.buffer.size() << ", "
             << format_fixed((state.step - steps_at_start) / std::max(seconds, 1e-9), 2)
             << " steps/s, " << format_duration(seconds) << std::endl;
      last_progress = Clock::now();
    }
  }
  state.step = d_.trainer.steps();
  state.wall_seconds = wall();
  if (rank0()) {
    write_checkpoint(state);
    write_learner_progress(d_.dir, {state.step, d_.rate.generated(), d_.rate.consumed()});
    d_.log << (stop.load() ? "stopping: " : "finished: ") << "step " << state.step
           << ", games ingested " << state.games << std::endl;
    nlohmann::json summary = {{"step", state.step},
                              {"games", state.games},
                              {"actor_games", state.games - games_at_start},
                              {"learners", world},
                              {"wall_s", state.wall_seconds}};
    d_.dir.append_metrics(MetricType::kSummary, summary);
  }
  return state;
}

}  // namespace tenuki
