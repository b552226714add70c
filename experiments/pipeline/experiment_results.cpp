#include "experiments/pipeline/experiment_results.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "agents/net/checkpoint.h"
#include "experiments/arena/ratings.h"
#include "experiments/arena/tournament.h"
#include "experiments/pipeline/experiment_plan.h"
#include "experiments/pipeline/experiment_runner.h"
#include "experiments/report/experiment_report.h"
#include "selfplay/run/run_folder.h"
#include "transfer/metrics.h"

namespace tenuki {
namespace {

namespace fs = std::filesystem;

// Complete records of a tournament folder's games.jsonl (a cut last line is skipped).
std::vector<GameRecord> read_tournament_games(const std::string& dir) {
  std::vector<GameRecord> records;
  std::ifstream in(dir + "/games.jsonl");
  for (std::string line; std::getline(in, line);) {
    try {
      records.push_back(record_from_json(nlohmann::json::parse(line)));
    } catch (const std::exception&) {
      // a line being written
    }
  }
  return records;
}

// Rated games among `agents` (specs); games of other agents are ignored.
void add_games(const std::vector<GameRecord>& records, const std::map<std::string, int>& index,
               std::vector<RatedGame>* games) {
  for (const auto& r : records) {
    auto a = index.find(r.first), b = index.find(r.second);
    if (a == index.end() || b == index.end() || a->second == b->second) continue;
    games->push_back({a->second, b->second, r.first_score});
  }
}

std::map<std::string, int> index_of(const std::vector<std::string>& agents) {
  std::map<std::string, int> index;
  for (size_t i = 0; i < agents.size(); ++i) index[agents[i]] = static_cast<int>(i);
  return index;
}

// Train lines of a metrics.jsonl as report points (x on the experiment's unit).
nlohmann::json train_points(const std::string& path, BudgetUnit unit) {
  nlohmann::json points = nlohmann::json::array();
  if (!std::filesystem::exists(path)) return points;
  for (const MetricLine& line : read_metric_lines(path).lines) {
    if (line.type != MetricType::kTrain) continue;
    const nlohmann::json& j = line.fields;
    nlohmann::json p = {{"x", units_on_metric_line(unit, j)}};
    for (const char* key : {"step", "loss", "policy_loss", "value_loss", "games_per_s",
                            "evals_per_s", "mean_batch", "mean_game_length"}) {
      if (j.contains(key)) p[key] = j[key];
    }
    points.push_back(p);
  }
  return points;
}

nlohmann::json read_json_or_null(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  try {
    nlohmann::json j;
    in >> j;
    return j;
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

nlohmann::json collect_experiment_results(const std::string& run_dir) {
  const ExperimentSpec spec = read_run_spec(run_dir);
  const std::vector<Stage> stages = plan_experiment(spec);
  const std::set<std::string> done = done_stages(run_dir);
  auto path = [&](const std::string& relative) { return run_dir + "/" + relative; };

  nlohmann::json results;
  results["name"] = spec.name;
  const nlohmann::json version = read_json_or_null(path("version.json"));
  results["version"] = version.is_object() ? version.value("tenuki", "unknown") : "unknown";
  results["unit"] = budget_unit_name(spec.unit);
  // Counted without the report stage, so that the report reads the same while it is written
  // and afterwards.
  size_t stages_total = 0, stages_done = 0;
  for (const auto& s : stages) {
    if (s.kind == StageKind::kReport) continue;
    ++stages_total;
    stages_done += done.count(s.id);
  }
  results["stages_total"] = stages_total;
  results["stages_done"] = stages_done;
  results["complete"] = stages_done == stages_total;
  results["spec"] = experiment_spec_to_json(spec);
  if (spec.has_source) {
    results["source"] = {
        {"game", spec.source.game},
        {"checkpoint", source_checkpoint_path(spec)},
        {"cost", spec.source.cost},
        {"train", spec.source.train ? train_points(path("source/run/metrics.jsonl"), spec.unit)
                                    : nlohmann::json::array()}};
  }

  results["targets"] = nlohmann::json::array();
  for (const auto& target : spec.targets) {
    const std::string tdir = "targets/" + target.name;
    nlohmann::json t = {{"name", target.name}, {"game", target.game}};
    // The pool's calibration games: they fix the reference agents' ratings for every curve.
    const std::vector<GameRecord> pool_games = read_tournament_games(path(tdir + "/pool"));
    {
      std::vector<RatedGame> games;
      add_games(pool_games, index_of(target.pool), &games);
      RatingOptions options;
      options.anchor = 0;
      const RatingTable table = fit_ratings(static_cast<int>(target.pool.size()), games, options);
      t["pool"] = nlohmann::json::array();
      for (size_t i = 0; i < target.pool.size(); ++i) {
        t["pool"].push_back({{"agent", target.pool[i]},
                             {"elo", table.agents[i].elo},
                             {"ci95", table.agents[i].ci95},
                             {"games", table.agents[i].record.games()}});
      }
    }
    std::map<std::string, std::vector<transfer::Curve>> elo_curves, win_curves;
    t["arms"] = nlohmann::json::array();
    for (const auto& arm : target.arms) {
      nlohmann::json a = {{"name", arm.name}};
      a["transfer"] = arm.is_scratch ? nlohmann::json(nullptr)
                                     : nlohmann::json{{"plan", arm.transfer.plan},
                                                      {"game_planes", arm.transfer.game_planes},
                                                      {"heads", arm.transfer.heads},
                                                      {"search", arm.transfer.search}};
      a["seeds"] = nlohmann::json::array();
      for (int seed = 1; seed <= spec.seeds; ++seed) {
        const std::string adir = arm_dir(target.name, arm.name, seed);
        const std::string prefix = target.name + "/" + arm.name + "/s" + std::to_string(seed);
        nlohmann::json curve = nlohmann::json::array();
        transfer::Curve elo_curve, win_curve;
        elo_curve.seed = win_curve.seed = seed;
        for (double x : spec.milestones()) {
          if (!done.count(prefix + "/eval/" + format_units(x))) continue;
          const std::string net =
              net_agent_spec(spec, milestone_path(spec, target.name, arm.name, seed, x));
          std::vector<std::string> agents = target.pool;
          agents.push_back(net);
          const auto index = index_of(agents);
          const std::vector<GameRecord> eval_games =
              read_tournament_games(path(adir + "/evals/" + format_units(x)));
          std::vector<RatedGame> games;
          add_games(pool_games, index, &games);
          add_games(eval_games, index, &games);
          RatingOptions options;
          options.anchor = 0;
          const RatingTable table = fit_ratings(static_cast<int>(agents.size()), games, options);
          const AgentRating& me = table.agents.back();
          nlohmann::json point = {{"x", x},
                                  {"elo", me.elo},
                                  {"elo_ci95", me.ci95},
                                  {"win_rate", me.score},
                                  {"games", me.record.games()}};
          try {
            point["step"] =
                read_checkpoint_meta(path(milestone_path(spec, target.name, arm.name, seed, x)))
                    .training_step;
          } catch (const std::exception&) {
          }
          curve.push_back(point);
          elo_curve.x.push_back(x);
          elo_curve.y.push_back(me.elo);
          win_curve.x.push_back(x);
          win_curve.y.push_back(me.score);
        }
        nlohmann::json s = {{"seed", seed}, {"run_dir", adir + "/run"}, {"curve", curve}};
        s["train"] = train_points(path(adir + "/run/metrics.jsonl"), spec.unit);
        const std::string final_ckpt =
            milestone_path(spec, target.name, arm.name, seed, spec.amount);
        if (fs::exists(path(final_ckpt))) s["final_checkpoint"] = final_ckpt;
        a["seeds"].push_back(s);
        if (elo_curve.x.size() >= 2) {
          elo_curves[arm.name].push_back(elo_curve);
          win_curves[arm.name].push_back(win_curve);
        }
      }
      t["arms"].push_back(a);
    }

    // Transfer metrics of every transfer arm against the (first) scratch arm.
    t["metrics"] = nlohmann::json::array();
    const ArmSpec* scratch = nullptr;
    for (const auto& arm : target.arms) {
      if (arm.is_scratch && !scratch) scratch = &arm;
    }
    for (const auto& arm : target.arms) {
      if (arm.is_scratch || !scratch || elo_curves[arm.name].empty() ||
          elo_curves[scratch->name].empty()) {
        continue;
      }
      for (const std::string y : {"elo", "win_rate"}) {
        transfer::MetricsOptions options;
        if (y == "win_rate") options.threshold = spec.threshold;
        if (spec.charge_source) options.source_cost = spec.source.cost;
        auto& curves = y == "elo" ? elo_curves : win_curves;
        nlohmann::json m = {{"arm", arm.name},
                            {"versus", scratch->name},
                            {"y", y},
                            {"total_time", spec.charge_source}};
        if (options.threshold) m["threshold"] = *options.threshold;
        try {
          m["result"] =
              transfer::compute_transfer_metrics(curves[arm.name], curves[scratch->name], options)
                  .to_json();
        } catch (const std::invalid_argument& e) {
          m["error"] = e.what();
        }
        t["metrics"].push_back(m);
      }
    }

    // The final tournament among every arm's final nets.
    if (done.count(target.name + "/final")) {
      std::vector<std::string> agents = {"random"}, labels = {"random"};
      for (const auto& arm : target.arms) {
        for (int seed = 1; seed <= spec.seeds; ++seed) {
          agents.push_back(
              net_agent_spec(spec, milestone_path(spec, target.name, arm.name, seed, spec.amount)));
          labels.push_back(arm.name + "/" + std::to_string(seed));
        }
      }
      std::vector<RatedGame> games;
      add_games(read_tournament_games(path(tdir + "/final")), index_of(agents), &games);
      RatingOptions options;
      options.anchor = 0;
      const RatingTable table = fit_ratings(static_cast<int>(agents.size()), games, options);
      nlohmann::json f = {{"labels", labels}};
      f["agents"] = nlohmann::json::array();
      f["crosstable"] = nlohmann::json::array();
      for (size_t i = 0; i < agents.size(); ++i) {
        const AgentRating& r = table.agents[i];
        f["agents"].push_back({{"label", labels[i]},
                               {"spec", agents[i]},
                               {"elo", r.elo},
                               {"ci95", r.ci95},
                               {"score", r.score},
                               {"games", r.record.games()}});
        nlohmann::json row = nlohmann::json::array();
        for (size_t j = 0; j < agents.size(); ++j) {
          const Wdl& w = table.crosstable[i][j];
          row.push_back({{"wins", w.wins}, {"draws", w.draws}, {"losses", w.losses}});
        }
        f["crosstable"].push_back(row);
      }
      t["final"] = f;
    }

    // CKA between the source and every arm's final net.
    t["cka"] = nlohmann::json::array();
    for (const auto& arm : target.arms) {
      for (int seed = 1; seed <= spec.seeds; ++seed) {
        const nlohmann::json c =
            read_json_or_null(path(arm_dir(target.name, arm.name, seed) + "/cka.json"));
        if (!c.is_object() || !c.contains("cka")) continue;
        t["cka"].push_back({{"arm", arm.name},
                            {"seed", seed},
                            {"layers_a", c["layers_a"]},
                            {"layers_b", c["layers_b"]},
                            {"matrix", c["cka"]},
                            {"positions", c.value("positions", 0)}});
      }
    }
    results["targets"].push_back(t);
  }
  return results;
}

std::string write_experiment_outputs(const std::string& run_dir, const std::string& out_dir,
                                     const std::string& html_name) {
  const std::vector<std::string> written =
      write_experiment_report(collect_experiment_results(run_dir),
                              out_dir.empty() ? run_dir + "/report" : out_dir, html_name);
  return written.back();
}

}  // namespace tenuki
