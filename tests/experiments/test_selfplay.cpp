// Self-play training: config, batching service, trainer, the train command, and (slow) learning
// Tic-tac-toe from zero.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agents/net/batching_evaluator.h"
#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "agents/net/torch_evaluator.h"
#include "agents/search/mcts.h"
#include "envs/encoding.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "experiments/cli/args.h"
#include "experiments/cli/train_cli.h"
#include "selfplay/game_record.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/train_config.h"
#include "selfplay/trainer.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/selfplay/net_test_helpers.h"
#include "tests/selfplay/record_test_helpers.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using namespace tenuki::test;

namespace fs = std::filesystem;

TEST_CASE("train config errors name the key", "[selfplay]") {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      train_config_from_json(nlohmann::json::parse(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of(R"({"game":"tictactoe","training":{"lrr":0.1}})"), Contains("training.lrr"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","training":{"lr":-1}})"), Contains("training.lr"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","selfplay":{"workers":0}})"),
             Contains("selfplay.workers"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","training":{"optimizer":"rmsprop"}})"),
             Contains("training.optimizer"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","replay":{"search_value_weight":1.5}})"),
             Contains("replay.search_value_weight"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","search":{"playout":5}})"), Contains("playout"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","network":{"blocks":0}})"), Contains("blocks"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","colour":1})"), Contains("colour"));
  CHECK_THAT(error_of(R"({"search":{}})"), Contains("game"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","evaluation":{"opening_plies":-1}})"),
             Contains("evaluation.opening_plies"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","selfplay":{"resign_threshold":0.5}})"),
             Contains("selfplay.resign_threshold"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","selfplay":{"no_resign_fraction":2}})"),
             Contains("selfplay.no_resign_fraction"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","selfplay":{"resign_mode":"soft"}})"),
             Contains("selfplay.resign_mode"));
  CHECK_THAT(error_of(R"({"game":"tictactoe","selfplay":{"branch_games":0.95}})"),
             Contains("selfplay.branch_games"));
  // One resignation rule in self-play: the search's own threshold is refused, pointing to it.
  CHECK_THAT(error_of(R"({"game":"tictactoe","search":{"resign_threshold":-0.9}})"),
             Contains("selfplay.resign_threshold"));
  CHECK(error_of(R"({"game":"tictactoe"})") == "no error");
  // Round trip of the resolved config.
  TrainConfig c = train_config_from_json(nlohmann::json::parse(
      R"({"game":"tictactoe","training":{"frozen":["stem"],"lr_multipliers":{"block0":0.5}},
          "evaluation":{"opening_plies":2},
          "selfplay":{"resign_threshold":-0.95,"resign_consecutive":4,"no_resign_fraction":0.2,
                      "resign_mode":"fast_finish"}})"));
  CHECK(c.evaluation.opening_plies == 2);
  CHECK(c.selfplay.resign.fast_finish);
  CHECK(c.selfplay.resign.threshold == -0.95);
  CHECK(c.selfplay.resign.consecutive == 4);
  CHECK(c.selfplay.resign.no_resign_fraction == 0.2);
  CHECK(train_config_to_json(train_config_from_json(train_config_to_json(c))) ==
        train_config_to_json(c));

  // Through the command: unknown game and bad agent fail before any work.
  TempDir dir;
  std::ofstream(dir.path + "/bad_game.json") << R"({"game":"chess"})";
  CHECK_THROWS_AS(run_train({dir.path + "/bad_game.json", "--out", dir.path + "/run"}), SpecError);
  std::ofstream(dir.path + "/bad_key.json") << R"({"game":"tictactoe","replay":{"windw":5}})";
  CHECK_THROWS_WITH(run_train({dir.path + "/bad_key.json", "--out", dir.path + "/run"}),
                    Contains("replay.windw"));
  std::ofstream(dir.path + "/bad_agent.json")
      << R"J({"game":"tictactoe","evaluation":{"agents":["mcts(playouts=-3)"]}})J";
  CHECK_THROWS_WITH(run_train({dir.path + "/bad_agent.json", "--out", dir.path + "/run"}),
                    Contains("evaluation.agents[0]"));
  std::ofstream(dir.path + "/bad_frozen.json")
      << R"J({"game":"tictactoe","training":{"frozen":["trunk.blocks.0"]}})J";
  CHECK_THROWS_AS(run_train({dir.path + "/bad_frozen.json", "--out", dir.path + "/run"}),
                  UsageError);
  CHECK_FALSE(fs::exists(dir.path + "/run"));
}

TEST_CASE("a curriculum stage is the run's config with the stage's sections merged in",
          "[selfplay]") {
  const nlohmann::json base = nlohmann::json::parse(R"J({
    "game": "go(size=9,komi=7.5)", "seed": 4,
    "network": {"blocks": 2, "channels": 16},
    "search": {"playouts": 96, "temperature_moves": 10},
    "replay": {"window": 100000, "min_positions": 4000},
    "evaluation": {"every_minutes": 15, "games": 16, "agents": ["random", "mcts(playouts=100)"]},
    "budget": {"minutes": 180}})J");
  nlohmann::json j = base;
  j["curriculum"] = nlohmann::json::parse(R"J([
    {"game": "go(size=7,komi=9)", "minutes": 20, "search": {"playouts": 64},
     "replay": {"window": 40000}, "evaluation": {"agents": []}},
    {"game": "go(size=5)", "minutes": 5.5, "evaluation": {"games": null}}])J");
  const TrainConfig c = train_config_from_json(j);
  REQUIRE(c.curriculum.size() == 2);
  CHECK(curriculum_minutes(c) == 25.5);
  const TrainConfig first = curriculum_stage_config(c, 0);
  CHECK(first.game == "go(size=7,komi=9)");
  CHECK(first.search.playouts == 64);
  CHECK(first.search.temperature_moves == 10);  // the run's, not a default
  CHECK(first.replay.window == 40000);
  CHECK(first.replay.min_positions == 4000);
  CHECK(first.evaluation.agents.empty());  // arrays replace
  CHECK(first.evaluation.every_minutes == 15);
  CHECK(first.network == c.network);
  CHECK(first.seed == 4);
  CHECK(first.budget.minutes == 20);
  CHECK(first.curriculum.empty());
  const TrainConfig second = curriculum_stage_config(c, 1);
  CHECK(second.game == "go(size=5)");
  CHECK(second.search.playouts == 96);
  CHECK(second.evaluation.games == EvaluationConfig{}.games);  // null: back to the default
  CHECK(second.evaluation.agents.size() == 2);
  CHECK(second.budget.minutes == 25.5);  // run time counts from the first stage
  // The resolved config keeps the stages as given.
  CHECK(train_config_to_json(train_config_from_json(train_config_to_json(c))) ==
        train_config_to_json(c));
  CHECK(train_config_to_json(c)["curriculum"][1]["minutes"] == 5.5);

  auto error_of = [&](const std::string& stages) -> std::string {
    nlohmann::json bad = base;
    bad["curriculum"] = nlohmann::json::parse(stages);
    try {
      train_config_from_json(bad);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of(R"J([{"game": "go(size=7)", "minutes": 5, "search": {"playoutz": 3}}])J"),
             Contains("curriculum[0]: search") && Contains("'playoutz'"));
  CHECK_THAT(error_of(R"J([{"game": "go(size=7)", "minutes": 5},
                          {"game": "go(size=7)", "minutes": 5, "replay": {"window": 0}}])J"),
             Contains("curriculum[1]: replay.window"));
  CHECK_THAT(error_of(R"J([{"minutes": 5}])J"), Contains("curriculum[0].game is required"));
  CHECK_THAT(error_of(R"J([{"game": "go(size=7)"}])J"), Contains("curriculum[0].minutes"));
  CHECK_THAT(error_of(R"J([{"game": "go(size=7)", "minutes": 0}])J"),
             Contains("curriculum[0].minutes"));
  CHECK_THAT(error_of(R"J([{"game": "go(size=7)", "minutes": "5"}])J"),
             Contains("curriculum[0].minutes"));
  CHECK_THAT(error_of(R"J([{"game": "go(size=7)", "minutes": 5, "network": {"blocks": 3}}])J"),
             Contains("curriculum[0].network cannot be set"));
  CHECK_THAT(error_of(R"J([{"game": "go(size=7)", "minutes": 5, "budget": {"steps": 3}}])J"),
             Contains("curriculum[0].budget"));
  CHECK_THAT(error_of(R"J([{"game": "go(size=7", "minutes": 5}])J"),
             Contains("curriculum[0]: game"));
  CHECK_THAT(error_of(R"J({"game": "go(size=7)", "minutes": 5})J"), Contains("curriculum must be"));
  CHECK_THAT(error_of(R"J(["go(size=7)"])J"), Contains("curriculum[0] must be a JSON object"));
  nlohmann::json with_transfer = j;
  with_transfer["transfer"] = {{"from", "x.ckpt"}};
  CHECK_THROWS_WITH(train_config_from_json(with_transfer), Contains("excludes transfer"));
  CHECK(error_of("[]") == "no error");
}

TEST_CASE("batching service merges concurrent requests into one forward", "[selfplay][threads]") {
  // One LibTorch thread: its own (uninstrumented) thread pool would only add noise under TSan.
  PolicyValueNet::set_threads(1);
  auto game = make_game("connect_four");
  auto net = std::make_shared<PolicyValueNet>(tiny_net(1), 5);
  BatchingOptions options;
  options.expected_clients = 3;
  options.wait_ms = 10000;  // only the third request may trigger the forward pass
  BatchingEvaluator service(net, options);
  auto direct = make_torch_evaluator(net);
  std::vector<std::vector<std::unique_ptr<State>>> states(3);
  Rng rng(9);
  for (int t = 0; t < 3; ++t) {
    for (int i = 0; i < 4 + t; ++i) {
      auto s = game->new_initial_state();
      const int moves = static_cast<int>(rng.below(10));
      for (int m = 0; m < moves; ++m) {
        auto next = s->clone();
        next->apply_action(next->sample_playout_action(rng));
        if (next->is_terminal()) break;
        s = std::move(next);
      }
      states[t].push_back(std::move(s));
    }
  }
  std::vector<std::unique_ptr<EvaluatorBatch>> batches(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      batches[t] = service.new_batch();
      for (const auto& s : states[t]) batches[t]->add(*s);
      batches[t]->compute();
    });
  }
  for (auto& th : threads) th.join();
  const BatchingStats stats = service.stats();
  CHECK(stats.forwards == 1);
  CHECK(stats.requests == 3);
  CHECK(stats.positions == 4 + 5 + 6);
  for (int t = 0; t < 3; ++t) {
    auto ref = direct->new_batch();
    for (const auto& s : states[t]) ref->add(*s);
    ref->compute();
    for (int i = 0; i < ref->size(); ++i) {
      CHECK(batches[t]->value(i) == Approx(ref->value(i)).margin(1e-4));
      for (int a = 0; a < game->num_actions(); ++a) {
        CHECK(batches[t]->policy(i)[a] == Approx(ref->policy(i)[a]).margin(1e-4));
      }
    }
  }
  // A lone request is served after wait_ms even when fewer clients than expected come.
  BatchingOptions quick;
  quick.expected_clients = 4;
  quick.wait_ms = 5;
  BatchingEvaluator lonely(net, quick);
  auto b = lonely.new_batch();
  b->add(*states[0][0]);
  b->compute();
  CHECK(b->value(0) == Approx(batches[0]->value(0)).margin(1e-4));
  // Published weights reach the service.
  auto other = std::make_shared<PolicyValueNet>(tiny_net(1), 77);
  service.publish_weights(*other);
  auto again = service.new_batch();
  again->add(*states[0][0]);
  auto ref = make_torch_evaluator(other)->new_batch();
  ref->add(*states[0][0]);
  std::thread([&] { again->compute(); }).join();  // expected_clients 3, served after wait_ms
  ref->compute();
  CHECK(again->value(0) == Approx(ref->value(0)).margin(1e-4));
}

TEST_CASE("frozen layers do not change and lr multipliers apply", "[selfplay]") {
  auto game = make_game("tictactoe");
  ReplayBuffer buffer(game, 1000);
  for (int g = 0; g < 10; ++g) buffer.add(random_record(game, 50 + g));
  Rng rng(3);
  const TrainingBatch batch = buffer.sample(32, rng, true);

  TrainerConfig frozen_config;
  frozen_config.device = "cpu";
  frozen_config.frozen = {"stem", "block0"};
  frozen_config.ownership_weight = 1.0;
  auto net = std::make_shared<PolicyValueNet>(tiny_net(1), 1);
  const auto before = parameter_snapshot(*net);
  Trainer trainer(net, frozen_config);
  for (int i = 0; i < 3; ++i) trainer.step(batch);
  const auto after = parameter_snapshot(*net);
  int changed = 0;
  for (const auto& [name, values] : before) {
    INFO(name);
    if (name_has_prefix(name, "stem") || name_has_prefix(name, "block0")) {
      CHECK(after.at(name) == values);  // parameters and batch-norm statistics
    } else if (after.at(name) != values) {
      ++changed;
    }
  }
  CHECK(changed > 10);
  CHECK_FALSE(name_has_prefix("block10.conv1.weight", "block1"));
  TrainerConfig bad = frozen_config;
  bad.frozen = {"trunk.blocks.0"};
  CHECK_THROWS_WITH(Trainer(std::make_shared<PolicyValueNet>(tiny_net(1), 1), bad),
                    Contains("trunk.blocks.0"));

  // One plain SGD step: the update of value_fc2 doubles with multiplier 2, policy_out is unmoved
  // with multiplier 0, and every other parameter moves as without multipliers.
  TrainerConfig plain;
  plain.device = "cpu";
  plain.momentum = 0;
  plain.weight_decay = 0;
  plain.lr = 0.01;
  TrainerConfig scaled = plain;
  scaled.lr_multipliers = {{"value_fc2", 2.0}, {"policy_out", 0.0}};
  auto net_a = std::make_shared<PolicyValueNet>(tiny_net(1), 2);
  auto net_b = std::make_shared<PolicyValueNet>(tiny_net(1), 2);
  const auto start = parameter_snapshot(*net_a);
  Trainer ta(net_a, plain), tb(net_b, scaled);
  ta.step(batch);
  tb.step(batch);
  const auto pa = parameter_snapshot(*net_a), pb = parameter_snapshot(*net_b);
  for (const auto& [name, init] : start) {
    INFO(name);
    for (size_t k = 0; k < init.size(); ++k) {
      const double da = pa.at(name)[k] - init[k], db = pb.at(name)[k] - init[k];
      if (name_has_prefix(name, "value_fc2")) {
        CHECK(db == Approx(2 * da).margin(1e-6));
      } else if (name_has_prefix(name, "policy_out")) {
        CHECK(db == 0.0);
      } else {
        CHECK(db == Approx(da).margin(1e-6));
      }
    }
  }
  CHECK(pa.at("value_fc2.weight") != start.at("value_fc2.weight"));
  CHECK(ta.lr_at(0) == Approx(0.01));
  TrainerConfig cosine = plain;
  cosine.lr_schedule = "cosine";
  cosine.lr_cosine_steps = 100;
  cosine.lr_min_factor = 0.1;
  Trainer tc(std::make_shared<PolicyValueNet>(tiny_net(1), 2), cosine);
  CHECK(tc.lr_at(50) == Approx(0.01 * (0.1 + 0.9 * 0.5)));
  CHECK(tc.lr_at(500) == Approx(0.001));
  TrainerConfig step = plain;
  step.lr_schedule = "step";
  step.lr_step_every = 10;
  step.lr_step_gamma = 0.5;
  Trainer ts(std::make_shared<PolicyValueNet>(tiny_net(1), 2), step);
  CHECK(ts.lr_at(25) == Approx(0.0025));
}

TEST_CASE("a tiny train run writes its files and resumes where it stopped", "[selfplay][threads]") {
  TempDir dir;
  const std::string config = dir.path + "/ttt.json";
  std::ofstream(config) << R"({
    "game": "tictactoe", "seed": 3,
    "network": {"blocks": 1, "channels": 8, "head_channels": 4, "value_hidden": 8},
    "search": {"playouts": 8, "leaves_per_batch": 4, "root_noise": true},
    "selfplay": {"workers": 2, "games_per_worker": 8, "chunk_games": 10},
    "inference": {"device": "cpu", "threads": 1, "wait_ms": 1},
    "replay": {"window": 500, "min_positions": 40},
    "training": {"device": "cpu", "batch_size": 16, "train_ratio": 2, "checkpoint_every": 4,
                 "metrics_every": 2, "publish_every": 2, "progress_seconds": 0},
    "evaluation": {"every_steps": 5, "games": 2, "agents": ["random"],
                   "search": {"playouts": 4}},
    "budget": {"steps": 10}
  })";
  const std::string run = dir.path + "/run";
  std::string output;
  REQUIRE(run_train({config, "--out", run}, &output) == 0);
  INFO(output);
  CHECK(fs::exists(run + "/config.json"));
  auto resolved = nlohmann::json::parse(read_text(run + "/config.json"));
  CHECK(resolved["game"] == "tictactoe");
  CHECK(resolved["training"]["batch_size"] == 16);
  auto state = nlohmann::json::parse(read_text(run + "/state.json"));
  CHECK(state["step"] == 10);
  const std::string ckpt = run + "/" + state["latest_checkpoint"].get<std::string>();
  CheckpointMeta meta = read_checkpoint_meta(ckpt);
  CHECK(meta.training_step == 10);
  CHECK(meta.game_spec == make_game("tictactoe")->spec());
  CHECK(meta.derivation == "continued");  // the step-8 checkpoint came first
  CHECK(fs::exists(run + "/optimizer.pt"));
  auto lines = read_jsonl(run + "/metrics.jsonl");
  int train_lines = 0, eval_lines = 0;
  for (const auto& j : lines) {
    if (j["type"] == "train") {
      ++train_lines;
      for (const char* key : {"loss", "policy_entropy", "games_per_s", "evals_per_s", "mean_batch",
                              "buffer_size", "batching_efficiency", "wall_s"}) {
        CHECK(j.contains(key));
      }
    }
    if (j["type"] == "eval") {
      ++eval_lines;
      CHECK(j["opponent"] == "random");
    }
  }
  CHECK(train_lines == 5);
  CHECK(eval_lines == 3);  // steps 0, 5, 10
  CHECK_FALSE(fs::is_empty(run + "/games"));
  const int64_t games_before = state["games"].get<int64_t>();
  CHECK(games_before > 0);

  // The same command with a larger budget continues from step 10.
  REQUIRE(run_train({config, "--out", run, "--budget-steps", "14"}, &output) == 0);
  CHECK_THAT(output, Contains("resuming at step 10"));
  state = nlohmann::json::parse(read_text(run + "/state.json"));
  CHECK(state["step"] == 14);
  CHECK(state["games"].get<int64_t>() >= games_before);
  CheckpointMeta meta2 =
      read_checkpoint_meta(run + "/" + state["latest_checkpoint"].get<std::string>());
  CHECK(meta2.training_step == 14);
  CHECK_THAT(meta2.parent, Contains("step_00000012.ckpt"));
  // A run folder from an older version, whose config.json lacks a key added since, resumes: the
  // missing key takes its default.
  nlohmann::json older = nlohmann::json::parse(read_text(run + "/config.json"));
  REQUIRE(older["evaluation"].erase("opening_plies") == 1);
  std::ofstream(run + "/config.json") << older.dump(2);
  REQUIRE(run_train({config, "--out", run, "--budget-steps", "16"}, &output) == 0);
  CHECK_THAT(output, Contains("resuming at step 14"));
  // A changed config (other than the budget) is refused.
  std::string text = read_text(config);
  text.replace(text.find("\"seed\": 3"), 9, "\"seed\": 4");
  std::ofstream(config) << text;
  CHECK_THROWS_WITH(run_train({config, "--out", run}), Contains("seed"));
}

TEST_CASE("a resumed train run continues the games a stop left in progress",
          "[selfplay][threads]") {
  TempDir dir;
  const std::string config = dir.path + "/c4.json";
  std::ofstream(config) << R"({
    "game": "connect_four", "seed": 5,
    "network": {"blocks": 1, "channels": 8, "head_channels": 4, "value_hidden": 8},
    "search": {"playouts": 6, "leaves_per_batch": 4, "root_noise": true, "temperature": 1,
               "temperature_moves": 42},
    "selfplay": {"workers": 2, "games_per_worker": 6, "chunk_games": 4},
    "inference": {"device": "cpu", "threads": 1, "wait_ms": 1},
    "replay": {"window": 2000, "min_positions": 100000},
    "training": {"device": "cpu", "batch_size": 16, "progress_seconds": 0},
    "budget": {"games": 5}
  })";
  const std::string run = dir.path + "/run";
  std::string output;
  REQUIRE(run_train({config, "--out", run}, &output) == 0);
  INFO(output);
  auto state = nlohmann::json::parse(read_text(run + "/state.json"));
  REQUIRE(state.contains("games_in_progress"));
  const auto saved = read_records_file(run + "/" + state["games_in_progress"].get<std::string>());
  // 12 games at once, 5 finished: most are under way. (Noise and sampled moves make the games
  // differ: identical lock-step games all end, and restart, in the same iteration.)
  REQUIRE(saved.size() >= 2);
  std::map<std::string, std::vector<Action>> saved_moves;
  for (const auto& r : saved) {
    REQUIRE_FALSE(r.id.empty());
    REQUIRE_FALSE(r.moves.empty());
    REQUIRE(saved_moves.emplace(r.id, r.moves).second);
  }
  auto all_records = [&] {
    std::vector<SelfPlayRecord> out;
    for (const auto& entry : fs::directory_iterator(run + "/games")) {
      for (auto& r : read_records_file(entry.path().string())) out.push_back(std::move(r));
    }
    return out;
  };
  for (const auto& r : all_records()) CHECK(saved_moves.count(r.id) == 0);
  // A saved game that does not replay is dropped with a warning; the others continue.
  std::vector<SelfPlayRecord> edited = saved;
  edited[0].moves[0] = 99;  // no such column
  write_records_file(run + "/" + state["games_in_progress"].get<std::string>(), edited);
  saved_moves.erase(saved[0].id);
  const size_t resumable = saved.size() - 1;

  // Enough games for every continued one to finish (a session may overshoot its budget).
  const int64_t budget = state["games"].get<int64_t>() + 80;
  REQUIRE(run_train({config, "--out", run, "--budget-games", std::to_string(budget)}, &output) ==
          0);
  CHECK_THAT(output, Contains("continuing " + std::to_string(resumable) + " self-play game"));
  CHECK_THAT(output, Contains("dropped from") && Contains("'" + saved[0].id + "': move 1"));
  std::map<std::string, int> seen;
  int continued = 0;
  for (const auto& r : all_records()) {
    CHECK(++seen[r.id] == 1);  // every id once
    auto it = saved_moves.find(r.id);
    if (it == saved_moves.end()) continue;
    ++continued;
    // Complete, and the continuation of the saved moves.
    CHECK(r.moves.size() > it->second.size());
    CHECK(std::equal(it->second.begin(), it->second.end(), r.moves.begin()));
    CHECK(r.policies.size() == r.moves.size());
  }
  // Each saved game either finished in the second session or is in progress again.
  state = nlohmann::json::parse(read_text(run + "/state.json"));
  std::vector<SelfPlayRecord> again;
  if (state.contains("games_in_progress")) {
    again = read_records_file(run + "/" + state["games_in_progress"].get<std::string>());
  }
  int still = 0;
  for (const auto& r : again) {
    CHECK(seen.count(r.id) == 0);
    still += static_cast<int>(saved_moves.count(r.id));
  }
  CHECK(continued + still == static_cast<int>(resumable));
  CHECK(continued > 0);
  CHECK(seen.count(saved[0].id) == 0);
}

// ----------------------------------------------------------------------------------------------
// Slow: learning Tic-tac-toe from zero.

namespace {

// Exact value for the player to move (+1 win, 0 draw, -1 loss), memoised on the position hash.
int solve(const State& state, std::map<uint64_t, int>& memo) {
  if (state.is_terminal()) return static_cast<int>(state.returns()[state.current_player()]);
  auto it = memo.find(state.hash());
  if (it != memo.end()) return it->second;
  int best = -2;
  for (Action a : state.legal_actions()) {
    auto next = state.clone();
    next->apply_action(a);
    const int v = next->is_terminal() ? static_cast<int>(next->returns()[state.current_player()])
                                      : -solve(*next, memo);
    best = std::max(best, v);
  }
  memo[state.hash()] = best;
  return best;
}

// Plays the net (fresh search per move, deterministic) against every optimal line of a perfect
// opponent; counts the games and the net's losses.
void explore(const State& state, int net_player, const std::function<Action(const State&)>& net,
             std::map<uint64_t, int>& memo, int* games, int* losses) {
  if (state.is_terminal()) {
    ++*games;
    if (state.returns()[net_player] < 0) ++*losses;
    return;
  }
  if (state.current_player() == net_player) {
    auto next = state.clone();
    next->apply_action(net(state));
    explore(*next, net_player, net, memo, games, losses);
    return;
  }
  const int best = solve(state, memo);
  for (Action a : state.legal_actions()) {
    auto next = state.clone();
    next->apply_action(a);
    const int v = next->is_terminal() ? static_cast<int>(next->returns()[state.current_player()])
                                      : -solve(*next, memo);
    if (v == best) explore(*next, net_player, net, memo, games, losses);
  }
}

}  // namespace

TEST_CASE("self-play learns Tic-tac-toe: never loses to perfect play", "[selfplay][slow]") {
  TempDir dir;
  const std::string config = dir.path + "/ttt.json";
  std::ofstream(config) << R"({
    "game": "tictactoe", "seed": 1,
    "network": {"blocks": 2, "channels": 32, "head_channels": 16, "value_hidden": 32,
                "global_pool_every": 2, "ownership_head": false},
    "search": {"playouts": 48, "leaves_per_batch": 8, "root_noise": true,
               "dirichlet_total": 2.0, "temperature": 1.0, "temperature_moves": 3},
    "selfplay": {"workers": 1, "games_per_worker": 64},
    "inference": {"device": "cpu", "threads": 1, "wait_ms": 1},
    "replay": {"window": 20000, "min_positions": 1000},
    "training": {"device": "cpu", "batch_size": 128, "lr": 0.02, "train_ratio": 2,
                 "checkpoint_every": 500, "progress_seconds": 15},
    "budget": {"steps": 1500, "minutes": 4}
  })";
  const auto start = std::chrono::steady_clock::now();
  std::string output;
  REQUIRE(run_train({config, "--out", dir.path + "/run"}, &output) == 0);
  const double minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60;
  WARN("tic-tac-toe training took " << minutes << " min\n" << output);

  auto state_json = nlohmann::json::parse(read_text(dir.path + "/run/state.json"));
  auto net =
      load_checkpoint(dir.path + "/run/" + state_json["latest_checkpoint"].get<std::string>());
  std::shared_ptr<Evaluator> evaluator = make_torch_evaluator(net);
  SearchConfig search;
  search.playouts = 64;
  search.reuse_tree = false;
  auto net_move = [&](const State& s) {
    Mcts tree(search);
    return tree.search(s, *evaluator).action;
  };
  auto game = make_game("tictactoe");
  std::map<uint64_t, int> memo;
  for (int net_player : {0, 1}) {
    int games = 0, losses = 0;
    explore(*game->new_initial_state(), net_player, net_move, memo, &games, &losses);
    INFO("net as player " << net_player << ": " << losses << " losses in " << games
                          << " games against every optimal line");
    CHECK(games > 0);
    CHECK(losses == 0);
  }
}
