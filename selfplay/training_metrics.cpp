// The training loop's metrics: the rates and game shape of a window, its train metrics line and
// its progress line (TrainingLoop members declared in selfplay/training_run.h).
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "envs/util/text.h"
#include "selfplay/training_run.h"

namespace tenuki {

using Clock = std::chrono::steady_clock;

void TrainingLoop::Window::add(const TrainStepStats& s) {
  loss += s.loss;
  policy += s.policy_loss;
  value += s.value_loss;
  ownership += s.ownership_loss * s.ownership_samples;
  ownership_samples += s.ownership_samples;
  opponent_policy += s.opponent_policy_loss * s.opponent_policy_samples;
  opponent_policy_samples += s.opponent_policy_samples;
  entropy += s.policy_entropy;
  lr = s.lr;
  n += 1;
}

TrainingLoop::Window TrainingLoop::open_window() const {
  Window w;
  w.time = Clock::now();
  w.games = d_.records.games();
  w.shape = d_.records.shape();
  w.eval = d_.evaluator.stats();
  w.steps = d_.trainer.steps();
  return w;
}

void TrainingLoop::add_rates(const Window& w, nlohmann::json& j) const {
  const double dt = std::max(1e-9, std::chrono::duration<double>(Clock::now() - w.time).count());
  const BatchingStats now = d_.evaluator.stats();
  const double evals = static_cast<double>(now.positions - w.eval.positions);
  const double forwards = static_cast<double>(now.forwards - w.eval.forwards);
  j["games_per_s"] = round_to((d_.records.games() - w.games) / dt, 1e3);
  j["evals_per_s"] = round_to(evals / dt, 1e1);
  j["mean_batch"] = round_to(forwards > 0 ? evals / forwards : 0.0, 1e2);
  j["steps_per_s"] = round_to((d_.trainer.steps() - w.steps) / dt, 1e3);
  j["raw_evals_per_s"] = round_to(raw_throughput_, 1e1);
  j["raw_batch"] = raw_batch_;
  j["batching_efficiency"] =
      raw_throughput_ > 0 ? round_to(evals / dt / raw_throughput_, 1e3) : 0.0;
  j["forward_busy"] = round_to((now.forward_seconds - w.eval.forward_seconds) / dt, 1e3);
  const double lookups = static_cast<double>(now.cache_lookups - w.eval.cache_lookups);
  j["cache_hit_rate"] =
      round_to(lookups > 0 ? (now.cache_hits - w.eval.cache_hits) / lookups : 0.0, 1e3);
  // The shape of the games finished in the window.
  const GameShape shape = d_.records.shape();
  const double games = static_cast<double>(shape.games - w.shape.games);
  const double moves = static_cast<double>(shape.moves - w.shape.moves);
  j["mean_game_length"] = round_to(games > 0 ? moves / games : 0.0, 1e1);
  j["pass_share"] = round_to(moves > 0 ? (shape.passes - w.shape.passes) / moves : 0.0, 1e3);
  j["first_player_win_rate"] = round_to(
      games > 0 ? (shape.first_player_wins - w.shape.first_player_wins) / games : 0.0, 1e3);
  j["draw_rate"] = round_to(games > 0 ? (shape.draws - w.shape.draws) / games : 0.0, 1e3);
  j["resign_rate"] = round_to(games > 0 ? (shape.resigned - w.shape.resigned) / games : 0.0, 1e3);
  j["fast_finish_rate"] =
      round_to(games > 0 ? (shape.fast_finished - w.shape.fast_finished) / games : 0.0, 1e3);
  j["branch_rate"] = round_to(games > 0 ? (shape.branched - w.shape.branched) / games : 0.0, 1e3);
  // Over every game played out after the rule fired since this process started (a window holds
  // too few).
  j["resign_checks"] = shape.resign_checks;
  j["false_resign_rate"] = round_to(
      shape.resign_checks > 0 ? static_cast<double>(shape.false_resigns) / shape.resign_checks
                              : 0.0,
      1e3);
}

nlohmann::json TrainingLoop::train_metrics(const Window& w, int64_t step,
                                           double wall_seconds) const {
  nlohmann::json j;
  const double n = std::max(1, w.n);
  j["step"] = step;
  j["games"] = d_.records.games();
  j["positions"] = d_.rate.generated();
  j["samples"] = d_.rate.consumed();
  j["evaluations"] = evaluations_now();
  j["wall_s"] = round_to(wall_seconds, 1e2);
  j["loss"] = w.loss / n;
  j["policy_loss"] = w.policy / n;
  j["value_loss"] = w.value / n;
  j["ownership_loss"] =
      w.ownership / static_cast<double>(std::max<int64_t>(1, w.ownership_samples));
  if (w.opponent_policy_samples > 0) {
    j["opponent_policy_loss"] = w.opponent_policy / static_cast<double>(w.opponent_policy_samples);
  }
  j["policy_entropy"] = w.entropy / n;
  j["lr"] = w.lr;
  j["buffer_size"] = d_.buffer.size();
  add_rates(w, j);
  return j;
}

void TrainingLoop::print_progress(const Window& w, double wall_seconds,
                                  const std::string& eta) const {
  nlohmann::json j;
  add_rates(w, j);
  std::ostringstream line;
  line << std::fixed << "step " << d_.trainer.steps() << "  games " << d_.records.games() << " ("
       << std::setprecision(1) << j["games_per_s"].get<double>() << "/s)  evals "
       << std::setprecision(0) << j["evals_per_s"].get<double>() << "/s  batch "
       << std::setprecision(1) << j["mean_batch"].get<double>() << "  eff " << std::setprecision(2)
       << j["batching_efficiency"].get<double>() << "  buffer " << d_.buffer.size() << "  length "
       << std::setprecision(1) << j["mean_game_length"].get<double>() << " (pass "
       << std::setprecision(0) << 100 * j["pass_share"].get<double>() << "%, first player wins "
       << 100 * j["first_player_win_rate"].get<double>() << "%";
  if (d_.config.selfplay.resign.enabled()) {
    const bool fast = d_.config.selfplay.resign.fast_finish;
    line << (fast ? ", fast-finished " : ", resigned ")
         << 100 * j[fast ? "fast_finish_rate" : "resign_rate"].get<double>() << "%, false "
         << std::setprecision(1) << 100 * j["false_resign_rate"].get<double>() << "% of "
         << j["resign_checks"].get<int64_t>();
  }
  if (d_.config.selfplay.branch_games > 0) {
    line << ", branched " << std::setprecision(0) << 100 * j["branch_rate"].get<double>() << "%";
  }
  line << ")";
  if (w.n > 0) line << "  loss " << std::setprecision(3) << w.loss / w.n;
  line << "  wall " << format_duration(wall_seconds) << eta;
  d_.log << line.str() << std::endl;
}

}  // namespace tenuki
