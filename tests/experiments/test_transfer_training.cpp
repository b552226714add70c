// Training with transfer (transfer/ with selfplay/): unfreezing a frozen trunk, the transfer
// section of a training config across stop and resume, CKA, `tenuki transfer metrics|cka`, and
// (slow) zero-shot size transfer in Go.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "agents/net/torch_evaluator.h"
#include "agents/search/search_agent.h"
#include "envs/registry.h"
#include "selfplay/game_record.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/train_config.h"
#include "selfplay/trainer.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/selfplay/net_test_helpers.h"
#include "tests/support/test_files.h"
#include "transfer/cka.h"
#include "transfer/transplant.h"

using namespace tenuki;
using namespace tenuki::test;
using Catch::Matchers::Contains;

namespace {

// A batch of random Tic-tac-toe positions with random targets.
TrainingBatch random_batch(uint64_t seed) {
  auto game = make_game("tictactoe");
  ReplayBuffer buffer(game, 1000);
  Rng rng(seed);
  for (int g = 0; g < 8; ++g) {
    SelfPlayRecord r;
    r.game_spec = game->spec();
    auto state = game->new_initial_state();
    while (!state->is_terminal()) {
      const auto legal = state->legal_actions();
      r.policies.push_back({{legal[rng.below(legal.size())], 1.0f}});
      r.full_search.push_back(1);
      r.root_values.push_back(0);
      const Action a = state->sample_playout_action(rng);
      r.moves.push_back(a);
      state->apply_action(a);
    }
    r.result = state->returns()[0];
    buffer.add(r);
  }
  return buffer.sample(32, rng, true);
}

bool trunk_equal(const Snapshot& a, const Snapshot& b) {
  for (const auto& [name, values] : a) {
    if (is_trunk(name) && b.at(name) != values) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("frozen-trunk unfreezes at unfreeze_after, also across a stop and resume", "[transfer]") {
  TempDir dir;
  const TrainingBatch batch = random_batch(4);
  TrainerConfig c;
  c.device = "cpu";
  c.frozen = {"stem", "block0", "block1", "trunk_bn"};
  c.unfreeze_after = 3;
  c.unfreeze_warmup = 2;
  auto net = std::make_shared<PolicyValueNet>(tiny_net(), 1);
  const Snapshot start = parameter_snapshot(*net);
  Trainer trainer(net, c);
  CHECK(trainer.unfreeze_factor(2) == 0.0);
  CHECK(trainer.unfreeze_factor(3) == 0.5);
  CHECK(trainer.unfreeze_factor(4) == 1.0);
  trainer.step(batch);
  trainer.step(batch);
  const Snapshot after2 = parameter_snapshot(*net);
  CHECK(trunk_equal(start, after2));  // parameters and batch-norm statistics
  CHECK(after2.at("value_fc2.weight") != start.at("value_fc2.weight"));
  // Stop after step 2: checkpoint and optimiser state; resume in a new net and trainer.
  save_checkpoint(dir.path + "/s2.ckpt", *net, CheckpointMeta{});
  trainer.save_optimizer(dir.path + "/opt.pt");
  auto resumed = load_checkpoint(dir.path + "/s2.ckpt");
  Trainer again(resumed, c);
  again.set_steps(2);
  CHECK(again.load_optimizer(dir.path + "/opt.pt"));
  again.step(batch);  // step index 2: still frozen
  CHECK(trunk_equal(start, parameter_snapshot(*resumed)));
  again.step(batch);  // step index 3 = unfreeze_after: the trunk trains
  const Snapshot after4 = parameter_snapshot(*resumed);
  CHECK_FALSE(trunk_equal(start, after4));
  CHECK(after4.at("stem.weight") != start.at("stem.weight"));
  CHECK(after4.at("block1.conv2.weight") != start.at("block1.conv2.weight"));
  // Without unfreeze_after the trunk stays frozen for good.
  TrainerConfig forever = c;
  forever.unfreeze_after = 0;
  auto net2 = std::make_shared<PolicyValueNet>(tiny_net(), 1);
  Trainer t2(net2, forever);
  for (int i = 0; i < 5; ++i) t2.step(batch);
  CHECK(trunk_equal(start, parameter_snapshot(*net2)));
}

TEST_CASE("a training config with a transfer section runs the plan across stop and resume",
          "[transfer][threads]") {
  TempDir dir;
  const std::string src = make_source(dir.path, "connect_four", 5);
  const std::string config = dir.path + "/ttt.json";
  std::ofstream(config) << tiny_train_config(R"JSON({
    "game": "tictactoe", "seed": 3, "network": null,
    "search": {"root_noise": true},
    "selfplay": {"games_per_worker": 8},
    "replay": {"window": 500, "min_positions": 40},
    "training": {"checkpoint_every": 100},
    "transfer": {"from": ")JSON" + src + R"JSON(",
                 "plan": "frozen-trunk(unfreeze_after=6,warmup=2)", "search": "target"},
    "budget": {"steps": 5}
  })JSON");
  const std::string run = dir.path + "/run";
  std::string output;
  REQUIRE(cli({"train", config, "--out", run}, &output) == 0);
  INFO(output);
  const Snapshot source = snapshot_of(src);
  const nlohmann::json state = read_json(run + "/state.json");
  CHECK(state["step"] == 5);
  const std::string ckpt5 = run + "/" + state["latest_checkpoint"].get<std::string>();
  const Snapshot at5 = snapshot_of(ckpt5);
  CHECK(trunk_equal(source, at5));  // Connect Four -> Tic-tac-toe: same plane tags
  CHECK(at5.at("value_fc2.weight") != source.at("value_fc2.weight"));
  CHECK_THAT(read_checkpoint_meta(ckpt5).derivation, Contains("transfer from connect_four"));
  CHECK(read_checkpoint_meta(ckpt5).search.has_value());
  CHECK(fs::exists(run + "/transfer.json"));
  const nlohmann::json resolved = read_json(run + "/config.json");
  CHECK(resolved["transfer"]["plan"] == "frozen-trunk(unfreeze_after=6,warmup=2)");
  CHECK(resolved["training"]["unfreeze_after"] == 6);
  // Resume past unfreeze_after: the trunk starts training.
  REQUIRE(cli({"train", config, "--out", run, "--budget-steps", "8"}, &output) == 0);
  const nlohmann::json state8 = read_json(run + "/state.json");
  CHECK(state8["step"] == 8);
  const Snapshot at8 = snapshot_of(run + "/" + state8["latest_checkpoint"].get<std::string>());
  CHECK_FALSE(trunk_equal(source, at8));
  // A zero-shot plan does not train: the train command refuses it.
  std::string text;
  {
    std::ifstream in(config);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("frozen-trunk(unfreeze_after=6,warmup=2)"), 39, "zero-shot");
  std::ofstream(config) << text;
  CHECK(cli({"train", config, "--out", dir.path + "/run2"}, &output) == 2);
  CHECK_THAT(output, Contains("does no training"));
}

TEST_CASE("linear CKA: 1 with itself, invariant to rotation and scaling, below 1 across seeds",
          "[transfer]") {
  Eigen::MatrixXd x = Eigen::MatrixXd::Random(60, 20), y = Eigen::MatrixXd::Random(60, 15);
  CHECK(transfer::linear_cka(x, x) == Approx(1.0).epsilon(1e-12));
  const Eigen::MatrixXd q =
      Eigen::HouseholderQR<Eigen::MatrixXd>(Eigen::MatrixXd::Random(20, 20)).householderQ();
  CHECK((q.transpose() * q - Eigen::MatrixXd::Identity(20, 20)).norm() < 1e-9);
  const double base = transfer::linear_cka(x, y);
  CHECK(transfer::linear_cka(x * q * 3.7, y) == Approx(base).epsilon(1e-9));
  CHECK(transfer::linear_cka(x * q, x) == Approx(1.0).epsilon(1e-9));
  CHECK(base < 0.9);
  CHECK_THROWS(transfer::linear_cka(x, Eigen::MatrixXd::Random(10, 3)));

  auto game = make_game("connect_four");
  const int n = 64;
  const auto planes = transfer::cka_positions(*game, n, 1, "");
  PolicyValueNet a(tiny_net(), 1), b(tiny_net(), 2);
  const auto self = transfer::cka_between(a, a, planes, n, game->rows(), game->cols());
  REQUIRE(self.matrix.rows() == 3);  // stem, block0, block1
  for (int i = 0; i < 3; ++i) CHECK(self.matrix(i, i) == Approx(1.0).epsilon(1e-9));
  const auto cross = transfer::cka_between(a, b, planes, n, game->rows(), game->cols());
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      CHECK(cross.matrix(i, j) < 0.999);
      CHECK(cross.matrix(i, j) >= 0.0);
    }
  }

  TempDir dir;
  save_checkpoint(dir.path + "/a.ckpt", a, CheckpointMeta{});
  save_checkpoint(dir.path + "/b.ckpt", b, CheckpointMeta{});
  std::string output;
  REQUIRE(cli({"transfer", "cka", dir.path + "/a.ckpt", dir.path + "/b.ckpt", "--game",
               "connect_four", "--positions", "32", "--out", dir.path + "/cka.json"},
              &output) == 0);
  CHECK_THAT(output, Contains("block1"));
  const nlohmann::json j = read_json(dir.path + "/cka.json");
  CHECK(j["cka"].size() == 3);
  CHECK(j["positions"] == 32);
}

TEST_CASE("the transfer section of a training config is checked, and init_checkpoint still works",
          "[transfer]") {
  auto parse = [](const std::string& text) {
    return train_config_from_json(nlohmann::json::parse(text));
  };
  const TrainConfig c = parse(R"JSON({"game": "othello", "transfer": {"from": "go9.ckpt",
      "plan": "frozen-trunk(unfreeze_after=2000)", "game_planes": "keep", "search": "scaled"}})JSON");
  CHECK(c.transfer.given());
  CHECK(c.transfer.from == "go9.ckpt");
  CHECK(c.transfer.plan == "frozen-trunk(unfreeze_after=2000)");
  CHECK(c.transfer.game_planes == "keep");
  CHECK(c.transfer.heads == "auto");
  CHECK_FALSE(c.network_given);  // the architecture comes from the source
  const nlohmann::json round = train_config_to_json(c);
  CHECK(round["transfer"]["search"] == "scaled");
  CHECK(train_config_from_json(round).transfer.plan == c.transfer.plan);
  CHECK(parse(R"({"game": "othello", "training": {"init_checkpoint": "a.ckpt"}})")
            .loop.init_checkpoint == "a.ckpt");
  CHECK_THROWS_WITH(parse(R"({"game": "othello", "transfer": {"from": "a", "plans": "x"}})"),
                    Contains("unknown key 'transfer.plans'"));
  CHECK_THROWS_WITH(parse(R"({"game": "othello", "transfer": {"from": "a", "search": "both"}})"),
                    Contains("transfer.search"));
  CHECK_THROWS_WITH(parse(R"({"game": "othello", "transfer": {"plan": "zero-shot"}})"),
                    Contains("transfer.from"));
  CHECK_THROWS_WITH(parse(R"({"game": "othello", "transfer": {"from": "a"},
                             "training": {"init_checkpoint": "b"}})"),
                    Contains("exclude each other"));
}

TEST_CASE("tenuki transfer metrics and cka read their inputs and refuse bad ones", "[transfer]") {
  TempDir dir;
  const std::string curves = dir.path + "/curves.json";
  // Areas 60, 70, 65 against 30, 35, 25: Welch's t = 8.57 on 4 df, p = 0.00102.
  std::ofstream(curves) << R"JSON({"axis": "games", "threshold": 0.5,
    "transfer": [{"seed": 1, "x": [0, 100], "y": [0.4, 0.8]}, {"seed": 2, "x": [0, 100], "y": [0.5, 0.9]},
                 {"seed": 3, "x": [0, 100], "y": [0.45, 0.85]}],
    "scratch": [{"seed": 1, "points": [[0, 0.0], [100, 0.6]]}, {"seed": 2, "points": [[0, 0.0], [100, 0.7]]},
                {"seed": 3, "points": [[0, 0.0], [100, 0.5]]}]})JSON";
  std::string output;
  REQUIRE(cli({"transfer", "metrics", curves, "--out", dir.path + "/m.json"}, &output) == 0);
  CHECK_THAT(output, Contains("seeds: transfer 3, scratch 3"));
  CHECK_THAT(output, Contains("verdict: positive transfer"));
  const nlohmann::json m = read_json(dir.path + "/m.json");
  CHECK(m["jumpstart"]["value"].get<double>() == Approx(0.45));
  CHECK(m["p_value"].get<double>() == Approx(0.00102).margin(0.00002));
  CHECK(m["axis"] == "games");
  // One scratch seed decides nothing, whatever the difference.
  std::ofstream(dir.path + "/one.json") << R"JSON({"transfer": [{"x": [0, 1], "y": [0.9, 1]},
    {"x": [0, 1], "y": [0.8, 1]}, {"x": [0, 1], "y": [0.85, 1]}], "scratch": [{"x": [0, 1], "y": [0, 0]}]})JSON";
  REQUIRE(cli({"transfer", "metrics", dir.path + "/one.json"}, &output) == 0);
  CHECK_THAT(output, Contains("verdict: inconclusive (1 seed)"));
  std::ofstream(dir.path + "/bad.json") << R"({"transfer": [], "scratch": []})";
  CHECK(cli({"transfer", "metrics", dir.path + "/bad.json"}, &output) == 2);
  CHECK_THAT(output, Contains("no transfer curves"));

  // CKA on positions from game records.
  auto game = make_game("tictactoe");
  std::vector<SelfPlayRecord> records;
  Rng rng(3);
  for (int g = 0; g < 5; ++g) {
    SelfPlayRecord r;
    r.game_spec = game->spec();
    auto state = game->new_initial_state();
    while (!state->is_terminal()) {
      const Action a = state->sample_playout_action(rng);
      r.moves.push_back(a);
      r.policies.push_back({{a, 1.0f}});
      r.full_search.push_back(1);
      r.root_values.push_back(0);
      state->apply_action(a);
    }
    r.result = state->returns()[0];
    records.push_back(r);
  }
  write_records_file(dir.path + "/games.jsonl", records);
  save_checkpoint(dir.path + "/a.ckpt", PolicyValueNet(tiny_net(), 1), CheckpointMeta{});
  REQUIRE(cli({"transfer", "cka", dir.path + "/a.ckpt", dir.path + "/a.ckpt", "--game", "tictactoe",
               "--positions", "20", "--records", dir.path + "/games.jsonl"},
              &output) == 0);
  const nlohmann::json j = read_json(dir.path + "/a_vs_a.cka.json");
  CHECK(j["positions_from"] == dir.path + "/games.jsonl");
  CHECK(j["cka"][1][1].get<double>() == Approx(1.0));
  CHECK(cli({"transfer", "cka", dir.path + "/a.ckpt", dir.path + "/a.ckpt", "--game",
             "connect_four", "--records", dir.path + "/games.jsonl"},
            &output) == 2);
  CHECK_THAT(output, Contains("not connect_four"));
}

// About a minute of training on an idle machine; the budget counts steps so that a loaded machine
// trains longer rather than less.
TEST_CASE("zero-shot size transfer: a Go 5x5 net beats a fresh net on 7x7", "[transfer][slow]") {
  TempDir dir;
  const std::string config = dir.path + "/go5.json";
  std::ofstream(config) << R"JSON({
    "game": "go(size=5)", "seed": 1,
    "network": {"blocks": 2, "channels": 16, "head_channels": 8, "value_hidden": 16,
                "global_pool_every": 2},
    "search": {"playouts": 24, "leaves_per_batch": 4, "root_noise": true, "temperature": 1.0,
               "temperature_moves": 4},
    "selfplay": {"workers": 1, "games_per_worker": 32, "max_moves": 60, "sgf": false},
    "inference": {"device": "cpu", "threads": 1, "wait_ms": 1},
    "replay": {"window": 20000, "min_positions": 500},
    "training": {"device": "cpu", "batch_size": 64, "train_ratio": 4, "ownership_weight": 0.5,
                 "checkpoint_every": 100000, "progress_seconds": 0},
    "budget": {"steps": 1000, "minutes": 4}
  })JSON";
  std::string output;
  REQUIRE(cli({"train", config, "--out", dir.path + "/run"}, &output) == 0);
  const nlohmann::json state = read_json(dir.path + "/run/state.json");
  const std::string trained = dir.path + "/run/" + state["latest_checkpoint"].get<std::string>();
  transfer::TransplantOptions o;
  o.source_path = trained;
  o.target_game = "go(size=7)";
  o.plan = transfer::parse_plan("zero-shot");
  o.search = transfer::SearchMode::kTarget;
  const transfer::Transplant t = transfer::transplant(o);
  auto game = make_game("go(size=7)");
  auto zero_shot = t.net;
  auto fresh = std::make_shared<PolicyValueNet>(zero_shot->config(), 999);
  std::shared_ptr<Evaluator> ez = make_torch_evaluator(zero_shot), ef = make_torch_evaluator(fresh);
  int wins = 0, draws = 0;
  const int games = 40;
  for (int g = 0; g < games; ++g) {
    SearchConfig s;
    s.playouts = 32;
    s.temperature = 1.0;
    s.temperature_moves = 3;  // a few sampled opening moves, so that games differ
    s.seed = 1000 + g;
    SearchAgent a("zero-shot", s, ez), b("fresh", s, ef);
    a.new_game(*game);
    b.new_game(*game);
    const int zero_shot_player = g % 2;
    auto st = game->new_initial_state();
    while (!st->is_terminal()) {
      Agent& mover = st->current_player() == zero_shot_player ? static_cast<Agent&>(a) : b;
      const Action action = mover.select_action(*st);
      if (action == kResign) break;
      st->apply_action(action);
    }
    if (!st->is_terminal()) {  // resignation
      wins += st->current_player() != zero_shot_player;
      continue;
    }
    const double r = st->returns()[zero_shot_player];
    wins += r > 0;
    draws += r == 0;
  }
  INFO("steps trained " << state["step"] << ", games " << state["games"] << "; zero-shot won "
                        << wins << " and drew " << draws << " of " << games);
  WARN("zero-shot 5x5 -> 7x7: " << wins << " wins, " << draws << " draws of " << games << " after "
                                << state["step"] << " steps");
  CHECK(wins + 0.5 * draws >= 0.7 * games);
}
