#include "experiments/pipeline/experiment_spec.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "agents/agent.h"
#include "agents/net/checkpoint.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "envs/util/json_reader.h"
#include "transfer/plan.h"

namespace tenuki {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& key, const std::string& problem) {
  throw ExperimentSpecError("spec: " + key + ": " + problem);
}

// A ConfigError of JsonObjectReader ("config: KEY PROBLEM") as the spec's error.
template <typename F>
auto spec_section(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const ConfigError& e) {
    std::string what = e.what();
    if (what.rfind("config: ", 0) == 0) what = what.substr(8);
    throw ExperimentSpecError("spec: " + what);
  }
}

void check_name(const std::string& key, const std::string& name) {
  if (name.empty()) fail(key, "must not be empty");
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      fail(key, "'" + name + "' may hold only letters, digits, '-' and '_'");
    }
  }
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

nlohmann::json read_json_file(const std::string& key, const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(key, "cannot read '" + path + "'");
  try {
    nlohmann::json j;
    in >> j;
    return j;
  } catch (const nlohmann::json::exception& e) {
    fail(key, "'" + path + "' is not valid JSON: " + e.what());
  }
}

// A training config given as a path or inline; checked completely. Returns it with the game
// replaced by `game` when not empty, and sets *canonical_game.
nlohmann::json training_config(const std::string& key, const nlohmann::json& value,
                               const std::string& base_dir, const std::string& game,
                               std::string* canonical_game) {
  nlohmann::json config;
  if (value.is_string()) {
    config = read_json_file(key, resolve_path(base_dir, value.get<std::string>()));
  } else if (value.is_object()) {
    config = value;
  } else {
    fail(key, "must be a training config file path or object, got " + value.dump());
  }
  if (!game.empty()) config["game"] = game;
  TrainConfig parsed;
  try {
    parsed = train_config_from_json(config);
  } catch (const ConfigError& e) {
    fail(key, e.what());
  }
  if (parsed.transfer.given()) fail(key, "must not have a transfer section (arms set it)");
  if (!parsed.curriculum.empty()) {
    fail(key, "must not have a curriculum (the arms are the starts an experiment compares)");
  }
  try {
    *canonical_game = make_game(parsed.game)->spec();
  } catch (const SpecError& e) {
    fail(key + ".game", e.what());
  }
  config["game"] = *canonical_game;
  return config;
}

CheckpointMeta checkpoint_meta(const std::string& key, const std::string& path) {
  if (!fs::is_regular_file(path)) fail(key, "no such file '" + path + "'");
  try {
    return read_checkpoint_meta(path);
  } catch (const std::exception& e) {
    fail(key, e.what());
  }
}

// A control arm's weights: the untrained checkpoint of the run that gave the source.
void check_initial_checkpoint(const std::string& path, const CheckpointMeta& source) {
  const std::string key = "source.initial_checkpoint";
  const CheckpointMeta initial = checkpoint_meta(key, path);
  if (initial.training_step != 0) {
    fail(key, "'" + path + "' is at training step " + std::to_string(initial.training_step) +
                  ", not 0 (a control arm needs the source run's untrained weights)");
  }
  if (!(initial.config == source.config)) {
    fail(key, "'" + path + "' has another network than the source checkpoint");
  }
  if (initial.game_spec != source.game_spec) {
    fail(key,
         "'" + path + "' is for " + initial.game_spec + ", the source for " + source.game_spec);
  }
}

std::string engine(const std::string& name) {
  return fs::exists("/usr/games/" + name) ? "/usr/games/" + name : name;
}

}  // namespace

std::vector<double> ExperimentSpec::milestones() const {
  std::vector<double> xs = {0};
  if (!(eval_every > 0)) return xs;
  for (int i = 1;; ++i) {
    const double x = i * eval_every;
    if (x >= amount - 1e-9) break;
    xs.push_back(x);
  }
  xs.push_back(amount);
  return xs;
}

std::vector<std::string> default_pool(const std::string& game_spec) {
  std::vector<std::string> pool = {"random", "mcts(playouts=100)", "mcts(playouts=1000)"};
  for (const ReferenceEngine& e : make_game(game_spec)->traits().reference_engines) {
    const std::string command = engine(e.program) + (e.arguments.empty() ? "" : " " + e.arguments);
    pool.push_back("gtp(cmd=\"" + command + "\"" +
                   (e.agent_options.empty() ? "" : "," + e.agent_options) + ")");
  }
  return pool;
}

ExperimentSpec experiment_spec_from_json(const nlohmann::json& j, const std::string& base_dir,
                                         bool build_pool_agents) {
  ExperimentSpec s;
  JsonObjectReader root = spec_section([&] { return JsonObjectReader(j, ""); });
  spec_section([&] {
    root.string("name", &s.name);
    root.string("description", &s.description);
    root.integer("seeds", &s.seeds, 1, 100);
  });
  check_name("name", s.name);

  // Budget and schedule first: the source's budget is in the same unit.
  if (!root.has("budget")) fail("budget", "is required ({\"unit\": ..., \"amount\": N})");
  spec_section([&] {
    JsonObjectReader r(root.at("budget"), "budget");
    std::string unit = budget_unit_name(s.unit);
    r.choice("unit", &unit, budget_unit_names());
    s.unit = parse_budget_unit(unit);
    if (!r.has("amount")) JsonObjectReader::fail("budget.amount", "is required");
    r.number("amount", &s.amount, 0, 9e15);
    // Accepted from specs written when one view had to be chosen; both views are always
    // computed now, so the value is ignored.
    bool ignored_charge_source = false;
    r.boolean("charge_source", &ignored_charge_source);
    r.finish();
  });
  if (!(s.amount > 0)) fail("budget.amount", "must be > 0 (every arm's compute budget)");
  s.eval_every = s.amount / 4;
  spec_section([&] {
    if (!root.has("evaluation")) return;
    JsonObjectReader r(root.at("evaluation"), "evaluation");
    r.number("every", &s.eval_every, 0, 9e15);
    r.integer("games", &s.eval_games, 2, 100000);
    r.integer("visits", &s.eval_visits, 1, 1000000);
    r.integer("pool_games", &s.pool_games, 2, 100000);
    r.number("threshold", &s.threshold, 0, 1);
    r.integer("opening_plies", &s.opening_plies, 0, 1000);
    r.finish();
  });
  if (!(s.eval_every > 0) || s.eval_every > s.amount) {
    fail("evaluation.every", "must be in (0, budget.amount]: an evaluation every " +
                                 std::to_string(s.eval_every) + " " + budget_unit_name(s.unit) +
                                 " of " + std::to_string(s.amount) + " is impossible");
  }
  if (s.amount / s.eval_every > 1000) {
    fail("evaluation.every", "gives more than 1000 evaluations per arm; choose a larger step");
  }
  if (s.eval_games % 2 || s.pool_games % 2) {
    fail("evaluation", "games and pool_games must be even (colour-swapped pairs)");
  }
  spec_section([&] {
    if (root.has("final")) {
      JsonObjectReader r(root.at("final"), "final");
      r.integer("games_per_pair", &s.final_games_per_pair, 2, 100000);
      r.finish();
    }
    if (root.has("cka")) {
      JsonObjectReader r(root.at("cka"), "cka");
      r.integer("positions", &s.cka_positions, 0, 100000);
      r.finish();
    }
    if (root.has("tournaments")) {
      JsonObjectReader r(root.at("tournaments"), "tournaments");
      r.integer("concurrency", &s.tournament_concurrency, 1, 256);
      r.finish();
    }
    if (root.has("estimate")) {
      JsonObjectReader r(root.at("estimate"), "estimate");
      r.number("units_per_second", &s.units_per_second, 0, 1e12);
      r.number("seconds_per_game", &s.seconds_per_game, 0, 1e6);
      r.finish();
    }
  });
  if (s.final_games_per_pair % 2) fail("final.games_per_pair", "must be even");
  if (s.cka_positions == 1) fail("cka.positions", "must be 0 (no CKA) or at least 2");
  if (s.units_per_second <= 0) {
    s.units_per_second = s.unit == BudgetUnit::kEvaluations ? 4000
                         : s.unit == BudgetUnit::kGames     ? 2
                         : s.unit == BudgetUnit::kSteps     ? 3
                                                            : 1.0 / 60;
  }

  // Source.
  if (root.has("source")) {
    s.has_source = true;
    const nlohmann::json& source = root.at("source");
    spec_section([&] {
      JsonObjectReader r(source, "source");
      const bool has_config = r.has("config"), has_checkpoint = r.has("checkpoint");
      if (has_config == has_checkpoint) {
        JsonObjectReader::fail("source",
                               "needs exactly one of \"config\" (train it) and "
                               "\"checkpoint\" (an existing one)");
      }
      s.source.train = has_config;
      r.number("budget", &s.source.budget, 0, 9e15);
      r.number("cost", &s.source.cost, 0, 9e15);
      r.string("checkpoint", &s.source.checkpoint);
      r.string("initial_checkpoint", &s.source.initial_checkpoint);
      r.finish();
    });
    if (s.source.train && !s.source.initial_checkpoint.empty()) {
      fail("source.initial_checkpoint",
           "is only for a given \"checkpoint\" (a trained source's step-0 milestone is used)");
    }
    if (s.source.train) {
      if (!(s.source.budget > 0))
        fail("source.budget", "must be > 0 (in " + budget_unit_name(s.unit) + ")");
      s.source.config =
          training_config("source.config", source.at("config"), base_dir, "", &s.source.game);
      s.source.cost = s.source.budget;
      const TrainConfig parsed = train_config_from_json(s.source.config);
      if (!parsed.network_given) fail("source.config", "must give a network");
      s.source.network = s.source.config.at("network");
    } else {
      s.source.checkpoint = fs::absolute(resolve_path(base_dir, s.source.checkpoint)).string();
      const CheckpointMeta meta = checkpoint_meta("source.checkpoint", s.source.checkpoint);
      if (!s.source.initial_checkpoint.empty()) {
        s.source.initial_checkpoint =
            fs::absolute(resolve_path(base_dir, s.source.initial_checkpoint)).string();
        check_initial_checkpoint(s.source.initial_checkpoint, meta);
      }
      s.source.game = meta.game_spec;
      s.source.network = meta.config;
    }
  }

  // Targets and arms.
  if (!root.has("targets") || !root.at("targets").is_array() || root.at("targets").empty()) {
    fail("targets", "must be a non-empty array");
  }
  std::set<std::string> target_names;
  const auto& targets = root.at("targets");
  for (size_t t = 0; t < targets.size(); ++t) {
    const std::string key = "targets[" + std::to_string(t) + "]";
    TargetSpec target;
    std::string game_override;
    nlohmann::json config_value, arms_value;
    spec_section([&] {
      JsonObjectReader r(targets[t], key);
      r.string("name", &target.name);
      r.string("game", &game_override);
      if (!r.has("config")) JsonObjectReader::fail(key + ".config", "is required");
      config_value = r.at("config");
      if (!r.has("arms")) JsonObjectReader::fail(key + ".arms", "is required");
      arms_value = r.at("arms");
      r.strings("pool", &target.pool);
      r.string("elo_threshold_agent", &target.elo_threshold_agent);
      r.finish();
    });
    check_name(key + ".name", target.name);
    if (!target_names.insert(target.name).second) {
      fail(key + ".name", "'" + target.name + "' is used twice");
    }
    if (!game_override.empty()) {
      try {
        game_override = make_game(game_override)->spec();
      } catch (const SpecError& e) {
        fail(key + ".game", e.what());
      }
    }
    target.config =
        training_config(key + ".config", config_value, base_dir, game_override, &target.game);
    if (s.has_source) target.config["network"] = s.source.network;
    if (!arms_value.is_array() || arms_value.empty())
      fail(key + ".arms", "must be a non-empty array");
    std::set<std::string> arm_names;
    for (size_t a = 0; a < arms_value.size(); ++a) {
      const std::string akey = key + ".arms[" + std::to_string(a) + "]";
      ArmSpec arm;
      spec_section([&] {
        JsonObjectReader r(arms_value[a], akey);
        r.string("name", &arm.name);
        if (r.has("transfer")) {
          arm.is_scratch = false;
          JsonObjectReader tr(r.at("transfer"), akey + ".transfer");
          tr.string("plan", &arm.transfer.plan);
          tr.string("game_planes", &arm.transfer.game_planes);
          tr.string("heads", &arm.transfer.heads);
          tr.string("search", &arm.transfer.search);
          std::string weights = "trained";
          tr.choice("source_weights", &weights, {"trained", "initial"});
          arm.control = weights == "initial";
          tr.finish();
        }
        r.finish();
      });
      check_name(akey + ".name", arm.name);
      if (!arm_names.insert(arm.name).second) {
        fail(akey + ".name", "'" + arm.name + "' is used twice");
      }
      if (!arm.is_scratch) {
        if (!s.has_source) fail(akey + ".transfer", "needs a \"source\"");
        try {
          if (!transfer::parse_plan(arm.transfer.plan).trains()) {
            fail(akey + ".transfer.plan",
                 "zero-shot does not train; use fine-tune, "
                 "frozen-trunk(...) or partial(blocks=k)");
          }
          transfer::parse_game_planes(arm.transfer.game_planes);
          transfer::parse_heads(arm.transfer.heads);
          transfer::parse_search_mode(arm.transfer.search);
        } catch (const SpecError& e) {
          fail(akey + ".transfer", e.what());
        }
        if (arm.control && !s.source.train && s.source.initial_checkpoint.empty()) {
          fail(akey + ".transfer.source_weights",
               "\"initial\" needs source.initial_checkpoint (the source run's step-0 "
               "checkpoint) when the source is a given checkpoint");
        }
      }
      target.arms.push_back(arm);
    }
    if (target.pool.empty()) target.pool = default_pool(target.game);
    if (target.pool[0] != "random") fail(key + ".pool", "must start with \"random\" (Elo 0)");
    if (!target.elo_threshold_agent.empty() &&
        std::find(target.pool.begin(), target.pool.end(), target.elo_threshold_agent) ==
            target.pool.end()) {
      fail(key + ".elo_threshold_agent", "'" + target.elo_threshold_agent + "' is not in the pool");
    }
    auto game = make_game(target.game);
    for (size_t p = 0; build_pool_agents && p < target.pool.size(); ++p) {
      try {
        // new_game talks to an external engine: one that does not start fails here, not hours
        // later at the pool's tournament.
        make_agent(target.pool[p], *game, 1)->new_game(*game);
      } catch (const std::exception& e) {
        fail(key + ".pool[" + std::to_string(p) + "]", e.what());
      }
    }
    s.targets.push_back(std::move(target));
  }
  spec_section([&] { root.finish(); });
  return s;
}

ExperimentSpec read_experiment_spec(const std::string& path) {
  const nlohmann::json j = [&] {
    try {
      return read_json_file("file", path);
    } catch (const ExperimentSpecError& e) {
      throw ExperimentSpecError(std::string(e.what()).substr(6));  // without "spec: "
    }
  }();
  try {
    return experiment_spec_from_json(j, fs::path(path).parent_path().string());
  } catch (const ExperimentSpecError& e) {
    throw ExperimentSpecError(path + ": " + e.what());
  }
}

nlohmann::json experiment_spec_to_json(const ExperimentSpec& s) {
  nlohmann::json j;
  j["name"] = s.name;
  if (!s.description.empty()) j["description"] = s.description;
  j["seeds"] = s.seeds;
  j["budget"] = {{"unit", budget_unit_name(s.unit)}, {"amount", s.amount}};
  j["evaluation"] = {{"every", s.eval_every},    {"games", s.eval_games},
                     {"visits", s.eval_visits},  {"pool_games", s.pool_games},
                     {"threshold", s.threshold}, {"opening_plies", s.opening_plies}};
  j["final"] = {{"games_per_pair", s.final_games_per_pair}};
  j["cka"] = {{"positions", s.cka_positions}};
  j["tournaments"] = {{"concurrency", s.tournament_concurrency}};
  j["estimate"] = {{"units_per_second", s.units_per_second},
                   {"seconds_per_game", s.seconds_per_game}};
  if (s.has_source) {
    if (s.source.train) {
      j["source"] = {{"config", s.source.config}, {"budget", s.source.budget}};
    } else {
      j["source"] = {{"checkpoint", s.source.checkpoint}, {"cost", s.source.cost}};
      if (!s.source.initial_checkpoint.empty()) {
        j["source"]["initial_checkpoint"] = s.source.initial_checkpoint;
      }
    }
  }
  j["targets"] = nlohmann::json::array();
  for (const auto& t : s.targets) {
    nlohmann::json target = {
        {"name", t.name}, {"game", t.game}, {"config", t.config}, {"pool", t.pool}};
    if (!t.elo_threshold_agent.empty()) target["elo_threshold_agent"] = t.elo_threshold_agent;
    target["arms"] = nlohmann::json::array();
    for (const auto& a : t.arms) {
      nlohmann::json arm = {{"name", a.name}};
      if (!a.is_scratch) {
        arm["transfer"] = {{"plan", a.transfer.plan},
                           {"game_planes", a.transfer.game_planes},
                           {"heads", a.transfer.heads},
                           {"search", a.transfer.search},
                           {"source_weights", a.control ? "initial" : "trained"}};
      }
      target["arms"].push_back(arm);
    }
    j["targets"].push_back(target);
  }
  return j;
}

}  // namespace tenuki
