#include "selfplay/train_config.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "envs/spec.h"
#include "envs/util/json_reader.h"

namespace tenuki {
namespace {

using ObjectReader = JsonObjectReader;

// Re-throws a component parser's std::invalid_argument as ConfigError under `section`.
template <typename F>
void in_section(const std::string& section, F&& f) {
  try {
    f();
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError("config: " + section + ": " + e.what());
  }
}

void check_spec(const std::string& key, const std::string& spec) {
  try {
    Spec::parse(spec);
  } catch (const SpecError& e) {
    throw ConfigError("config: " + key + ": " + e.what());
  }
}

// The "curriculum" array: each stage's shape and keys (its sections are checked by
// curriculum_stage_config).
void read_curriculum(const nlohmann::json& stages, TrainConfig* c) {
  if (!stages.is_array()) {
    ObjectReader::fail("curriculum",
                       "must be an array of stages {\"game\": ..., \"minutes\": ..., "
                       "sections to change}, got " +
                           stages.dump());
  }
  for (size_t k = 0; k < stages.size(); ++k) {
    const std::string name = "curriculum[" + std::to_string(k) + "]";
    const nlohmann::json& stage = stages[k];
    if (!stage.is_object()) ObjectReader::fail(name, "must be a JSON object, got " + stage.dump());
    if (!stage.contains("game")) ObjectReader::fail(name + ".game", "is required (a game spec)");
    if (!stage.contains("minutes")) {
      ObjectReader::fail(name + ".minutes", "is required (the stage's training time)");
    }
    const nlohmann::json& minutes = stage.at("minutes");
    if (!minutes.is_number() || !(minutes.get<double>() > 0) || minutes.get<double>() > 1e9) {
      ObjectReader::fail(name + ".minutes", "must be a number in (0, 1e9], got " + minutes.dump());
    }
    for (const char* key : {"network", "transfer", "budget", "curriculum"}) {
      if (stage.contains(key)) {
        ObjectReader::fail(name + "." + key,
                           "cannot be set in a stage (the net carries over from stage to stage, "
                           "and the stage's budget is its minutes)");
      }
    }
    CurriculumStage s;
    s.minutes = minutes.get<double>();
    s.overrides = stage;
    s.overrides.erase("minutes");
    c->curriculum.push_back(std::move(s));
  }
}

SearchConfig default_eval_search() {
  SearchConfig s;
  s.playouts = 32;
  s.reuse_tree = false;
  return s;
}

}  // namespace

TrainConfig train_config_from_json(const nlohmann::json& j) {
  TrainConfig c;
  c.evaluation.search = default_eval_search();
  ObjectReader root(j, "");
  if (!root.has("game"))
    ObjectReader::fail("game", "is required (a game spec, e.g. \"tictactoe\")");
  root.string("game", &c.game);
  check_spec("game", c.game);
  root.integer("seed", &c.seed, 0, 9.0e15);
  if (root.has("network")) {
    c.network_given = true;
    in_section("network", [&] { c.network = root.at("network").get<NetworkConfig>(); });
  }
  if (root.has("search")) {
    in_section("search", [&] {
      c.search = search_config_from_json(root.at("search"));
      if (c.search.resign_threshold > -1) {
        throw std::invalid_argument(
            "resign_threshold: self-play resigns by selfplay.resign_threshold (with "
            "resign_consecutive and no_resign_fraction); leave it out of search");
      }
    });
  }
  if (root.has("selfplay")) {
    ObjectReader r(root.at("selfplay"), "selfplay");
    auto& s = c.selfplay;
    r.integer("workers", &s.workers, 1, 64);
    r.integer("games_per_worker", &s.games_per_worker, 1, 100000);
    r.integer("max_moves", &s.max_moves, 0, 1e6);
    r.integer("chunk_games", &s.chunk_games, 1, 1e6);
    r.boolean("sgf", &s.sgf);
    r.number("resign_threshold", &s.resign.threshold, -1, 0);
    r.integer("resign_consecutive", &s.resign.consecutive, 1, 1000);
    r.number("no_resign_fraction", &s.resign.no_resign_fraction, 0, 1);
    std::string mode = s.resign.fast_finish ? "fast_finish" : "resign";
    r.choice("resign_mode", &mode, {"resign", "fast_finish"});
    s.resign.fast_finish = mode == "fast_finish";
    r.number("branch_games", &s.branch_games, 0, 0.9);
    r.finish();
  }
  if (root.has("inference")) {
    ObjectReader r(root.at("inference"), "inference");
    auto& s = c.inference;
    r.string("device", &s.device);
    r.choice("dtype", &s.dtype, {"auto", "float32", "bfloat16", "half", "float32-winograd"});
    r.integer("threads", &s.threads, 1, 1024);
    r.integer("max_batch", &s.max_batch, 1, 1 << 20);
    r.number("wait_ms", &s.wait_ms, 0, 10000);
    r.integer("merge_workers", &s.merge_workers, 0, 1 << 16);
    r.integer("cache_positions", &s.cache_positions, 0, 100000000);
    r.finish();
  }
  if (root.has("replay")) {
    ObjectReader r(root.at("replay"), "replay");
    auto& s = c.replay;
    r.integer("window", &s.window, 1, 1e9);
    r.integer("min_positions", &s.min_positions, 0, 1e9);
    r.boolean("augment", &s.augment);
    r.number("search_value_weight", &s.search_value_weight, 0, 1);
    r.finish();
  }
  if (root.has("training")) {
    ObjectReader r(root.at("training"), "training");
    auto& t = c.training;
    auto& l = c.loop;
    r.string("device", &t.device);
    r.integer("batch_size", &t.batch_size, 1, 1 << 20);
    r.choice("optimizer", &t.optimizer, {"sgd", "adam"});
    r.number("lr", &t.lr, 0, 10);
    r.number("momentum", &t.momentum, 0, 0.9999);
    r.number("weight_decay", &t.weight_decay, 0, 1);
    r.choice("lr_schedule", &t.lr_schedule, {"constant", "step", "cosine"});
    r.integer("lr_step_every", &t.lr_step_every, 1, 1e12);
    r.number("lr_step_gamma", &t.lr_step_gamma, 0, 1);
    r.integer("lr_cosine_steps", &t.lr_cosine_steps, 1, 1e12);
    r.number("lr_min_factor", &t.lr_min_factor, 0, 1);
    r.number("value_weight", &t.value_weight, 0, 100);
    r.number("ownership_weight", &t.ownership_weight, 0, 100);
    r.number("opponent_policy_weight", &t.opponent_policy_weight, 0, 100);
    r.strings("frozen", &t.frozen);
    if (r.has("lr_multipliers")) {
      const auto& m = r.at("lr_multipliers");
      if (!m.is_object()) {
        ObjectReader::fail("training.lr_multipliers",
                           "must be an object {\"prefix\": multiplier}, got " + m.dump());
      }
      for (const auto& [prefix, value] : m.items()) {
        if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1000) {
          ObjectReader::fail("training.lr_multipliers." + prefix,
                             "must be a number in [0, 1000], got " + value.dump());
        }
        t.lr_multipliers.emplace_back(prefix, value.get<double>());
      }
    }
    r.number("train_ratio", &l.train_ratio, 1e-3, 1e6);
    r.integer("publish_every", &l.publish_every, 1, 1e9);
    r.integer("checkpoint_every", &l.checkpoint_every, 1, 1e9);
    r.integer("metrics_every", &l.metrics_every, 1, 1e9);
    r.number("progress_seconds", &l.progress_seconds, 0, 1e6);
    r.string("init_checkpoint", &l.init_checkpoint);
    r.integer("unfreeze_after", &t.unfreeze_after, 0, 9.0e15);
    r.integer("unfreeze_warmup", &t.unfreeze_warmup, 0, 9.0e15);
    r.finish();
  }
  if (root.has("evaluation")) {
    ObjectReader r(root.at("evaluation"), "evaluation");
    auto& e = c.evaluation;
    r.integer("every_steps", &e.every_steps, 0, 1e9);
    r.number("every_minutes", &e.every_minutes, 0, 1e6);
    r.integer("games", &e.games, 1, 1e6);
    r.integer("opening_plies", &e.opening_plies, 0, 100);
    r.strings("agents", &e.agents);
    for (size_t i = 0; i < e.agents.size(); ++i) {
      check_spec("evaluation.agents[" + std::to_string(i) + "]", e.agents[i]);
    }
    r.choice("player", &e.player, {"net", "policy"});
    if (r.has("search")) {
      in_section("evaluation.search", [&] {
        if (!r.at("search").is_object()) throw std::invalid_argument("expected a JSON object");
        nlohmann::json s = search_config_to_json(default_eval_search());
        for (const auto& [k, v] : r.at("search").items()) s[k] = v;
        e.search = search_config_from_json(s);
      });
    }
    r.finish();
  }
  if (root.has("budget")) {
    ObjectReader r(root.at("budget"), "budget");
    r.integer("games", &c.budget.games, 0, 9.0e15);
    r.integer("steps", &c.budget.steps, 0, 9.0e15);
    r.number("minutes", &c.budget.minutes, 0, 1e9);
    r.integer("evaluations", &c.budget.evaluations, 0, 9.0e15);
    std::string milestone_unit = budget_unit_name(c.budget.milestone_unit);
    r.choice("milestone_unit", &milestone_unit, budget_unit_names());
    c.budget.milestone_unit = parse_budget_unit(milestone_unit);
    r.number("milestone_every", &c.budget.milestone_every, 0, 9.0e15);
    r.finish();
  }
  if (root.has("transfer")) {
    ObjectReader r(root.at("transfer"), "transfer");
    auto& t = c.transfer;
    if (!r.has("from")) ObjectReader::fail("transfer.from", "is required (a checkpoint path)");
    r.string("from", &t.from);
    if (t.from.empty()) ObjectReader::fail("transfer.from", "must name a checkpoint");
    r.string("plan", &t.plan);
    check_spec("transfer.plan", t.plan);
    r.choice("game_planes", &t.game_planes, {"semantic", "keep", "drop"});
    r.string("heads", &t.heads);  // checked with the plan by the train command
    r.choice("search", &t.search, {"source", "scaled", "target"});
    r.finish();
    if (!c.loop.init_checkpoint.empty()) {
      ObjectReader::fail("transfer", "and training.init_checkpoint exclude each other; use one");
    }
  }
  if (root.has("curriculum")) read_curriculum(root.at("curriculum"), &c);
  root.finish();
  // Without "network", the architecture comes from init_checkpoint or transfer.from, else the
  // defaults.
  if (c.loop.init_checkpoint.empty() && !c.transfer.given() && !c.network_given) {
    c.network_given = true;
  }
  if (!c.curriculum.empty()) {
    if (c.transfer.given() || !c.loop.init_checkpoint.empty()) {
      ObjectReader::fail("curriculum",
                         "starts from a random net: it excludes transfer and "
                         "training.init_checkpoint");
    }
    for (size_t k = 0; k < c.curriculum.size(); ++k) curriculum_stage_config(c, k);
  }
  return c;
}

nlohmann::json train_config_to_json(const TrainConfig& c) {
  nlohmann::json j;
  j["game"] = c.game;
  j["seed"] = c.seed;
  if (c.network_given) j["network"] = c.network;
  j["search"] = search_config_to_json(c.search);
  j["selfplay"] = {{"workers", c.selfplay.workers},
                   {"games_per_worker", c.selfplay.games_per_worker},
                   {"max_moves", c.selfplay.max_moves},
                   {"chunk_games", c.selfplay.chunk_games},
                   {"sgf", c.selfplay.sgf},
                   {"resign_threshold", c.selfplay.resign.threshold},
                   {"resign_consecutive", c.selfplay.resign.consecutive},
                   {"no_resign_fraction", c.selfplay.resign.no_resign_fraction},
                   {"resign_mode", c.selfplay.resign.fast_finish ? "fast_finish" : "resign"},
                   {"branch_games", c.selfplay.branch_games}};
  j["inference"] = {{"device", c.inference.device},
                    {"dtype", c.inference.dtype},
                    {"threads", c.inference.threads},
                    {"max_batch", c.inference.max_batch},
                    {"wait_ms", c.inference.wait_ms},
                    {"merge_workers", c.inference.merge_workers},
                    {"cache_positions", c.inference.cache_positions}};
  j["replay"] = {{"window", c.replay.window},
                 {"min_positions", c.replay.min_positions},
                 {"augment", c.replay.augment},
                 {"search_value_weight", c.replay.search_value_weight}};
  const auto& t = c.training;
  nlohmann::json mult = nlohmann::json::object();
  for (const auto& [prefix, m] : t.lr_multipliers) mult[prefix] = m;
  j["training"] = {{"device", t.device},
                   {"batch_size", t.batch_size},
                   {"optimizer", t.optimizer},
                   {"lr", t.lr},
                   {"momentum", t.momentum},
                   {"weight_decay", t.weight_decay},
                   {"lr_schedule", t.lr_schedule},
                   {"lr_step_every", t.lr_step_every},
                   {"lr_step_gamma", t.lr_step_gamma},
                   {"lr_cosine_steps", t.lr_cosine_steps},
                   {"lr_min_factor", t.lr_min_factor},
                   {"value_weight", t.value_weight},
                   {"ownership_weight", t.ownership_weight},
                   {"opponent_policy_weight", t.opponent_policy_weight},
                   {"frozen", t.frozen},
                   {"lr_multipliers", mult},
                   {"train_ratio", c.loop.train_ratio},
                   {"publish_every", c.loop.publish_every},
                   {"checkpoint_every", c.loop.checkpoint_every},
                   {"metrics_every", c.loop.metrics_every},
                   {"progress_seconds", c.loop.progress_seconds},
                   {"init_checkpoint", c.loop.init_checkpoint},
                   {"unfreeze_after", t.unfreeze_after},
                   {"unfreeze_warmup", t.unfreeze_warmup}};
  j["evaluation"] = {{"every_steps", c.evaluation.every_steps},
                     {"every_minutes", c.evaluation.every_minutes},
                     {"games", c.evaluation.games},
                     {"opening_plies", c.evaluation.opening_plies},
                     {"agents", c.evaluation.agents},
                     {"player", c.evaluation.player},
                     {"search", search_config_to_json(c.evaluation.search)}};
  j["budget"] = {{"games", c.budget.games},
                 {"steps", c.budget.steps},
                 {"minutes", c.budget.minutes},
                 {"evaluations", c.budget.evaluations},
                 {"milestone_unit", budget_unit_name(c.budget.milestone_unit)},
                 {"milestone_every", c.budget.milestone_every}};
  if (!c.curriculum.empty()) {
    j["curriculum"] = nlohmann::json::array();
    for (const auto& stage : c.curriculum) {
      nlohmann::json s = stage.overrides;
      s["minutes"] = stage.minutes;
      j["curriculum"].push_back(s);
    }
  }
  if (c.transfer.given()) {
    j["transfer"] = {{"from", c.transfer.from},
                     {"plan", c.transfer.plan},
                     {"game_planes", c.transfer.game_planes},
                     {"heads", c.transfer.heads},
                     {"search", c.transfer.search}};
  }
  return j;
}

TrainConfig curriculum_stage_config(const TrainConfig& config, size_t k) {
  nlohmann::json j = train_config_to_json(config);
  for (const char* key : {"curriculum", "budget", "transfer"}) j.erase(key);
  j.merge_patch(config.curriculum.at(k).overrides);
  double until = 0;
  for (size_t i = 0; i <= k; ++i) until += config.curriculum[i].minutes;
  j["budget"] = {{"minutes", until}};
  try {
    return train_config_from_json(j);
  } catch (const ConfigError& e) {
    const std::string prefix = "config: ", what = e.what();
    const std::string rest = what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
    throw ConfigError(prefix + "curriculum[" + std::to_string(k) + "]: " + rest);
  }
}

double curriculum_minutes(const TrainConfig& config) {
  double total = 0;
  for (const auto& stage : config.curriculum) total += stage.minutes;
  return total;
}

double BudgetConfig::limit(BudgetUnit unit) const {
  switch (unit) {
    case BudgetUnit::kEvaluations:
      return static_cast<double>(evaluations);
    case BudgetUnit::kGames:
      return static_cast<double>(games);
    case BudgetUnit::kSteps:
      return static_cast<double>(steps);
    case BudgetUnit::kMinutes:
      return minutes;
  }
  return 0;
}

TrainConfig read_train_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read config file '" + path + "'");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("config file '" + path + "' is not valid JSON: " + e.what());
  }
  try {
    return train_config_from_json(j);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

}  // namespace tenuki
