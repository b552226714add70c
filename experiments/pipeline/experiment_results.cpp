#include "experiments/pipeline/experiment_results.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "agents/net/checkpoint.h"
#include "envs/util/text.h"
#include "experiments/arena/ratings.h"
#include "experiments/arena/tournament.h"
#include "experiments/pipeline/experiment_plan.h"
#include "experiments/pipeline/experiment_runner.h"
#include "experiments/report/experiment_report.h"
#include "selfplay/run/run_folder.h"
#include "transfer/aggregate.h"
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

struct ArmComparison {
  const ArmSpec* arm;
  const ArmSpec* versus;
};

// The comparisons of a target: every transfer arm, controls included, against the first scratch
// arm; every trained-source arm against the control with the same transplant (plan, planes,
// heads, search), else against the first control.
std::vector<ArmComparison> arm_comparisons(const TargetSpec& target) {
  const ArmSpec* scratch = nullptr;
  const ArmSpec* first_control = nullptr;
  for (const auto& arm : target.arms) {
    if (arm.is_scratch && !scratch) scratch = &arm;
    if (arm.control && !first_control) first_control = &arm;
  }
  auto same_transplant = [](const ArmSpec& a, const ArmSpec& b) {
    return a.transfer.plan == b.transfer.plan && a.transfer.game_planes == b.transfer.game_planes &&
           a.transfer.heads == b.transfer.heads && a.transfer.search == b.transfer.search;
  };
  std::vector<ArmComparison> comparisons;
  for (const auto& arm : target.arms) {
    if (arm.is_scratch) continue;
    if (scratch) comparisons.push_back({&arm, scratch});
    if (arm.control || !first_control) continue;
    const ArmSpec* control = first_control;
    for (const auto& other : target.arms) {
      if (other.control && same_transplant(arm, other)) {
        control = &other;
        break;
      }
    }
    comparisons.push_back({&arm, control});
  }
  return comparisons;
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

// One comparison's metrics on one y and one view, kept as numbers until Holm's correction.
struct PendingMetrics {
  size_t target = 0;     // index in results["targets"]
  nlohmann::json entry;  // arm, versus, versus_kind, y, total_time, threshold (or error)
  std::optional<transfer::TransferMetrics> metrics;
};

// Holm's correction within each family of comparisons (one y and one compute view, over every
// target of the experiment), then every entry into its target's "metrics".
void adjust_and_store_metrics(std::vector<PendingMetrics>* all, nlohmann::json* results) {
  std::map<std::string, std::vector<transfer::TransferMetrics*>> families;
  for (PendingMetrics& p : *all) {
    if (!p.metrics) continue;
    families[p.entry["y"].get<std::string>() + (p.entry["total_time"].get<bool>() ? "/total" : "")]
        .push_back(&*p.metrics);
  }
  for (auto& [name, family] : families) transfer::adjust_for_multiple_comparisons(family);
  for (PendingMetrics& p : *all) {
    if (p.metrics) p.entry["result"] = p.metrics->to_json();
    (*results)["targets"][p.target]["metrics"].push_back(std::move(p.entry));
  }
}

// rliable aggregates of every transfer arm against scratch that appears in two or more targets:
// normalised scores are the seeds' mean win rates against the target's pool over the compared
// range (target compute only).
nlohmann::json aggregates_across_targets(const nlohmann::json& results) {
  std::map<std::pair<std::string, std::string>,
           std::pair<transfer::ScoresByTarget, transfer::ScoresByTarget>>
      scores;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> targets;
  for (const auto& t : results["targets"]) {
    for (const auto& m : t["metrics"]) {
      if (m["y"] != "win_rate" || m["total_time"] == true || m["versus_kind"] != "scratch" ||
          !m.contains("result")) {
        continue;
      }
      const nlohmann::json& r = m["result"];
      const double width = r["range"][1].get<double>() - r["range"][0].get<double>();
      auto normalised = [&](const char* arm) {
        std::vector<double> v;
        for (const auto& area : r["per_seed"][arm]["area"]) v.push_back(area.get<double>() / width);
        return v;
      };
      const auto key = std::make_pair(m["arm"].get<std::string>(), m["versus"].get<std::string>());
      scores[key].first.push_back(normalised("transfer"));
      scores[key].second.push_back(normalised("scratch"));
      targets[key].push_back(t["name"].get<std::string>());
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [key, arms] : scores) {
    if (arms.first.size() < 2) continue;
    nlohmann::json a =
        transfer::aggregate_to_json(transfer::aggregate_across_targets(arms.first, arms.second));
    a["arm"] = key.first;
    a["versus"] = key.second;
    a["target_names"] = targets[key];
    out.push_back(a);
  }
  return out;
}

// A JSON object as "a.b.c" -> value for every leaf.
void flatten(const nlohmann::json& j, const std::string& prefix,
             std::map<std::string, nlohmann::json>* out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      flatten(value, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else {
    (*out)[prefix] = j;
  }
}

// Everything besides the starting weights in which each arm's resolved training config (its
// first seed's) differs from the first scratch arm's: search settings, learning rates, frozen
// parts. Seeds and the transfer section itself are left out.
nlohmann::json arm_differences(const std::string& run_dir, const TargetSpec& target) {
  nlohmann::json out = nlohmann::json::array();
  const ArmSpec* scratch = nullptr;
  for (const auto& arm : target.arms) {
    if (arm.is_scratch && !scratch) scratch = &arm;
  }
  if (!scratch) return out;
  auto resolved = [&](const ArmSpec& arm) {
    std::map<std::string, nlohmann::json> flat;
    flatten(
        read_json_or_null(run_dir + "/" + arm_dir(target.name, arm.name, 1) + "/run/config.json"),
        "", &flat);
    return flat;
  };
  const auto base = resolved(*scratch);
  if (base.size() <= 1) return out;  // not written yet
  auto ignored = [](const std::string& key) {
    return key == "seed" || key.rfind("transfer", 0) == 0 ||
           (key.size() > 5 && key.compare(key.size() - 5, 5, ".seed") == 0);
  };
  for (const auto& arm : target.arms) {
    if (&arm == scratch) continue;
    const auto mine = resolved(arm);
    if (mine.size() <= 1) continue;
    nlohmann::json differences = nlohmann::json::array();
    std::set<std::string> keys;
    for (const auto& [k, v] : base) keys.insert(k);
    for (const auto& [k, v] : mine) keys.insert(k);
    for (const std::string& k : keys) {
      if (ignored(k)) continue;
      const auto a = base.find(k), b = mine.find(k);
      const nlohmann::json va = a == base.end() ? nlohmann::json(nullptr) : a->second;
      const nlohmann::json vb = b == mine.end() ? nlohmann::json(nullptr) : b->second;
      if (va != vb) differences.push_back({{"key", k}, {scratch->name, va}, {arm.name, vb}});
    }
    out.push_back({{"arm", arm.name}, {"versus", scratch->name}, {"differences", differences}});
  }
  return out;
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
  std::vector<PendingMetrics> all_metrics;
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
      a["transfer"] = arm.is_scratch
                          ? nlohmann::json(nullptr)
                          : nlohmann::json{{"plan", arm.transfer.plan},
                                           {"game_planes", arm.transfer.game_planes},
                                           {"heads", arm.transfer.heads},
                                           {"search", arm.transfer.search},
                                           {"source_weights", arm.control ? "initial" : "trained"}};
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

    // Transfer metrics of every comparison: each transfer arm (controls too) against scratch,
    // and each trained-source arm against its control; Holm's correction comes once every
    // target's are known.
    t["metrics"] = nlohmann::json::array();
    for (const ArmComparison& c : arm_comparisons(target)) {
      if (elo_curves[c.arm->name].empty() || elo_curves[c.versus->name].empty()) continue;
      // The total-time view charges the source's cost to a trained-source arm against scratch
      // (a control's untrained weights cost nothing; against a control, both had the source).
      const bool can_charge =
          spec.has_source && spec.source.cost > 0 && c.versus->is_scratch && !c.arm->control;
      for (const bool charged : {false, true}) {
        if (charged && !can_charge) continue;
        for (const std::string y : {"elo", "win_rate"}) {
          transfer::MetricsOptions options;
          if (y == "win_rate") options.threshold = spec.threshold;
          if (y == "elo" && !target.elo_threshold_agent.empty()) {
            for (const auto& p : t["pool"]) {
              if (p["agent"] == target.elo_threshold_agent) {
                options.threshold = p["elo"].get<double>();
              }
            }
          }
          if (charged) options.source_cost = spec.source.cost;
          auto& curves = y == "elo" ? elo_curves : win_curves;
          PendingMetrics pending;
          pending.target = results["targets"].size();
          pending.entry = {{"arm", c.arm->name},
                           {"versus", c.versus->name},
                           {"versus_kind", c.versus->is_scratch ? "scratch" : "control"},
                           {"y", y},
                           {"total_time", charged}};
          if (options.threshold) pending.entry["threshold"] = *options.threshold;
          if (y == "elo" && options.threshold) {
            pending.entry["threshold_agent"] = target.elo_threshold_agent;
          }
          try {
            pending.metrics = transfer::compute_transfer_metrics(curves[c.arm->name],
                                                                 curves[c.versus->name], options);
          } catch (const std::invalid_argument& e) {
            pending.entry["error"] = e.what();
            if (charged && spec.source.cost >= spec.amount) {
              pending.entry["error"] =
                  "the source's cost (" + format_fixed(spec.source.cost, 0) + " " +
                  budget_unit_name(spec.unit) +
                  ") pushes the arm's curves past scratch's whole range: no areas to compare; "
                  "the times to the threshold, seed by seed, compare total compute";
            }
          }
          all_metrics.push_back(std::move(pending));
        }
      }
    }
    t["differences"] = arm_differences(run_dir, target);

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
  adjust_and_store_metrics(&all_metrics, &results);
  results["aggregates"] = aggregates_across_targets(results);
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
