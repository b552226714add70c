#include "experiments/pipeline/experiment_plan.h"

#include <cmath>
#include <cstdio>

#include "experiments/arena/tournament.h"
#include "selfplay/run/run_folder.h"

namespace tenuki {
namespace {

std::string tournament_file(const ExperimentSpec& spec, const std::string& game,
                            const std::vector<std::string>& agents, const std::string& format,
                            int games_per_pair, uint64_t seed, const std::string& out_dir) {
  TournamentConfig t;
  t.opening_plies = spec.opening_plies;
  t.game = game;
  t.agents = agents;
  t.format = format;
  t.games_per_pair = games_per_pair;
  t.concurrency = spec.tournament_concurrency;
  t.seed = seed;
  t.anchor = "random";
  t.out_dir = out_dir;
  return config_to_json(t).dump(2) + "\n";
}

std::vector<std::string> tournament_argv(const std::string& config_path) {
  return {"tournament", "--config", config_path, "--progress", "off"};
}

}  // namespace

std::string arm_dir(const std::string& target, const std::string& arm, int seed) {
  return "targets/" + target + "/" + arm + "/s" + std::to_string(seed);
}

std::string milestone_path(const ExperimentSpec& spec, const std::string& target,
                           const std::string& arm, int seed, double x) {
  return arm_dir(target, arm, seed) + "/run/" + milestone_checkpoint_name(spec.unit, x);
}

std::string source_checkpoint_path(const ExperimentSpec& spec) {
  if (!spec.has_source) return "";
  if (!spec.source.train) return "source/source.ckpt";
  return "source/run/" + milestone_checkpoint_name(spec.unit, spec.source.budget);
}

std::string source_initial_checkpoint_path(const ExperimentSpec& spec) {
  if (!spec.has_source) return "";
  if (spec.source.train) return "source/run/" + milestone_checkpoint_name(spec.unit, 0);
  return spec.source.initial_checkpoint.empty() ? "" : "source/initial.ckpt";
}

std::string net_agent_spec(const ExperimentSpec& spec, const std::string& checkpoint) {
  return "net(model=" + checkpoint + ",visits=" + std::to_string(spec.eval_visits) + ")";
}

// A training config's "budget": `amount` of `unit`, milestones every `milestone_every`.
nlohmann::json budget_section(BudgetUnit unit, double amount, double milestone_every) {
  return {
      {budget_unit_name(unit), unit == BudgetUnit::kMinutes ? nlohmann::json(amount)
                                                            : nlohmann::json(std::llround(amount))},
      {"milestone_unit", budget_unit_name(unit)},
      {"milestone_every", milestone_every}};
}

nlohmann::json arm_training_config(const ExperimentSpec& spec, const TargetSpec& target,
                                   const ArmSpec& arm, int seed) {
  nlohmann::json c = target.config;
  c["seed"] = seed;
  c.erase("evaluation");  // the experiment evaluates the milestones itself
  c["budget"] = budget_section(spec.unit, spec.amount, spec.eval_every);
  if (c.contains("training")) c["training"].erase("init_checkpoint");
  if (!arm.is_scratch) {
    c.erase("network");  // the source's architecture, as the transplant builds it
    c["transfer"] = {
        {"from", arm.control ? source_initial_checkpoint_path(spec) : source_checkpoint_path(spec)},
        {"plan", arm.transfer.plan},
        {"game_planes", arm.transfer.game_planes},
        {"heads", arm.transfer.heads},
        {"search", arm.transfer.search}};
  }
  return c;
}

std::vector<Stage> plan_experiment(const ExperimentSpec& spec) {
  std::vector<Stage> stages;
  const double game_seconds = spec.seconds_per_game;
  std::string source_id;
  if (spec.has_source) {
    Stage s;
    s.id = source_id = "source";
    if (spec.source.train) {
      s.kind = StageKind::kSourceTrain;
      nlohmann::json c = spec.source.config;
      c.erase("evaluation");
      c["budget"] = budget_section(spec.unit, spec.source.budget, spec.source.budget);
      s.files = {{"source/config.json", c.dump(2) + "\n"}};
      s.argv = {"train", "source/config.json", "--out", "source/run"};
      s.metrics_file = "source/run/metrics.jsonl";
      s.units_total = spec.source.budget;
      s.estimated_seconds = spec.source.budget / spec.units_per_second;
    } else {
      s.kind = StageKind::kSourceCopy;
      s.estimated_seconds = 1;
    }
    s.done_file = source_checkpoint_path(spec);
    stages.push_back(s);
  }
  const std::vector<double> milestones = spec.milestones();
  std::vector<std::string> all_ids;
  for (const auto& target : spec.targets) {
    const std::string tdir = "targets/" + target.name;
    const int pool_size = static_cast<int>(target.pool.size());
    Stage pool;
    pool.id = target.name + "/pool";
    pool.kind = StageKind::kPool;
    pool.target = target.name;
    pool.files = {
        {tdir + "/pool.json", tournament_file(spec, target.game, target.pool, "round-robin",
                                              spec.pool_games, 1, tdir + "/pool")}};
    pool.argv = tournament_argv(tdir + "/pool.json");
    pool.estimated_seconds = pool_size * (pool_size - 1) / 2.0 * spec.pool_games * game_seconds;
    stages.push_back(pool);

    std::vector<std::string> trains;
    std::vector<std::string> finalists = {"random"};
    for (const auto& arm : target.arms) {
      for (int seed = 1; seed <= spec.seeds; ++seed) {
        const std::string adir = arm_dir(target.name, arm.name, seed);
        const std::string prefix = target.name + "/" + arm.name + "/s" + std::to_string(seed);
        // A stage of this arm and seed.
        auto arm_stage = [&](const std::string& name, StageKind kind) {
          Stage stage;
          stage.id = prefix + "/" + name;
          stage.kind = kind;
          stage.target = target.name;
          stage.arm = arm.name;
          stage.seed = seed;
          return stage;
        };
        Stage train = arm_stage("train", StageKind::kTrain);
        if (!arm.is_scratch) train.deps.push_back(source_id);
        train.files = {
            {adir + "/config.json", arm_training_config(spec, target, arm, seed).dump(2) + "\n"}};
        train.argv = {"train", adir + "/config.json", "--out", adir + "/run"};
        train.done_file = milestone_path(spec, target.name, arm.name, seed, spec.amount);
        train.metrics_file = adir + "/run/metrics.jsonl";
        train.units_total = spec.amount;
        train.estimated_seconds = spec.amount / spec.units_per_second;
        stages.push_back(train);
        trains.push_back(train.id);
        finalists.push_back(net_agent_spec(spec, train.done_file));

        for (size_t i = 0; i < milestones.size(); ++i) {
          const std::string x = format_units(milestones[i]);
          Stage eval = arm_stage("eval/" + x, StageKind::kEval);
          eval.x = milestones[i];
          eval.deps = {pool.id, train.id};
          std::vector<std::string> agents = {net_agent_spec(
              spec, milestone_path(spec, target.name, arm.name, seed, milestones[i]))};
          agents.insert(agents.end(), target.pool.begin(), target.pool.end());
          const std::string config = adir + "/evals/" + x + ".json";
          eval.files = {
              {config, tournament_file(spec, target.game, agents, "gauntlet", spec.eval_games,
                                       1000 * seed + i + 1, adir + "/evals/" + x)}};
          eval.argv = tournament_argv(config);
          eval.estimated_seconds = pool_size * spec.eval_games * game_seconds;
          stages.push_back(eval);
          all_ids.push_back(eval.id);
        }
        if (spec.has_source && spec.cka_positions > 0) {
          Stage cka = arm_stage("cka", StageKind::kCka);
          cka.deps = {source_id, train.id};
          cka.argv = {"transfer",
                      "cka",
                      source_checkpoint_path(spec),
                      train.done_file,
                      "--game",
                      target.game,
                      "--positions",
                      std::to_string(spec.cka_positions),
                      "--records",
                      adir + "/run/games",
                      "--out",
                      adir + "/cka.json"};
          cka.done_file = adir + "/cka.json";
          cka.estimated_seconds = 5;
          stages.push_back(cka);
          all_ids.push_back(cka.id);
        }
      }
    }
    all_ids.insert(all_ids.end(), trains.begin(), trains.end());
    Stage final_stage;
    final_stage.id = target.name + "/final";
    final_stage.kind = StageKind::kFinal;
    final_stage.target = target.name;
    final_stage.deps = trains;
    final_stage.files = {
        {tdir + "/final.json", tournament_file(spec, target.game, finalists, "round-robin",
                                               spec.final_games_per_pair, 7, tdir + "/final")}};
    final_stage.argv = tournament_argv(tdir + "/final.json");
    const double n = static_cast<double>(finalists.size());
    final_stage.estimated_seconds = n * (n - 1) / 2 * spec.final_games_per_pair * game_seconds;
    stages.push_back(final_stage);
    all_ids.push_back(pool.id);
    all_ids.push_back(final_stage.id);
  }
  Stage report;
  report.id = "report";
  report.kind = StageKind::kReport;
  report.deps = all_ids;
  if (!source_id.empty()) report.deps.push_back(source_id);
  report.done_file = "report/index.html";
  report.estimated_seconds = 5;
  stages.push_back(report);
  return stages;
}

}  // namespace tenuki
