// Network agents through the outside interfaces: analysis ownership and the clock over GTP, and
// tournaments whose network agents share one batching inference service per checkpoint.
// (LibTorch builds only: listed in agents/torch_sources.cmake.)
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <sstream>

#include "agents/agent.h"
#include "agents/gtp/gtp_engine.h"
#include "agents/net/shared_inference.h"
#include "envs/registry.h"
#include "envs/util/remove_tree.h"
#include "experiments/arena/tournament.h"
#include "experiments/cli/cli.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;

namespace {

// A file in this process's temporary folder, removed when the process exits.
std::string temp_path(const std::string& name) {
  static const test::TempDir dir;
  return dir.path + "/" + name;
}

// A random network checkpoint for `game`, written through `tenuki net-init`.
std::string random_checkpoint(const std::string& name, const std::string& game, int seed) {
  const std::string path = temp_path(name + ".ckpt");
  if (fs::exists(path)) return path;
  std::ostringstream out, err;
  const int code = run_cli({"net-init", path, "--game", game, "--blocks", "1", "--channels", "16",
                            "--seed", std::to_string(seed)},
                           out, err);
  INFO(err.str());
  REQUIRE(code == 0);
  return path;
}

struct TimedGame {
  int engine_moves = 0;
  double max_move_s = 0;
  double total_s = 0;
  bool finished = false;
};

// The engine plays black against a random agent over a whole game; its moves are timed as a
// controller would, and the controller sends time_left before every genmove.
TimedGame play_timed_game(const std::string& agent, const std::string& time_settings, double main_s,
                          bool byo_yomi) {
  const std::string game_spec = "go(size=9,komi=7.5)";
  auto game = make_game(game_spec);
  GtpEngine engine(game_spec, agent, 1);
  REQUIRE(engine.handle(time_settings) == "=\n\n");
  auto opponent = make_agent("random", *game, 7);
  auto state = game->new_initial_state();
  TimedGame result;
  double main_left = main_s;
  while (!state->is_terminal() && state->move_number() < 2 * game->max_game_length()) {
    if (state->current_player() == 0) {
      const std::string time_left = byo_yomi ? "time_left b 5 1" : [&] {
        std::ostringstream t;
        t << "time_left b " << std::max(0.0, main_left) << " 0";
        return t.str();
      }();
      REQUIRE(engine.handle(time_left) == "=\n\n");
      const auto start = std::chrono::steady_clock::now();
      const std::string answer = engine.handle("genmove b");
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      REQUIRE_THAT(answer, StartsWith("= "));
      const std::string vertex = answer.substr(2, answer.size() - 4);
      ++result.engine_moves;
      result.max_move_s = std::max(result.max_move_s, seconds);
      result.total_s += seconds;
      main_left -= seconds;
      if (vertex == "resign") break;
      state->apply_action(vertex == "pass" ? game->pass_action() : game->string_to_action(vertex));
    } else {
      const Action a = opponent->select_action(*state);
      REQUIRE(engine.handle("play w " + (a == game->pass_action() ? std::string("pass")
                                                                  : game->action_to_string(a))) ==
              "=\n\n");
      state->apply_action(a);
    }
  }
  result.finished = state->is_terminal();
  return result;
}

}  // namespace

TEST_CASE("gtp analysis: kata-analyze reports the network's ownership", "[gtp][net]") {
  const std::string ckpt = random_checkpoint("go9", "go(size=9)", 1);
  GtpEngine engine("go(size=9,komi=7.5)", "net(model=" + ckpt + ",visits=50)", 1);
  const std::string answer = engine.handle("kata-analyze interval 1 ownership true");
  REQUIRE_THAT(answer, StartsWith("=\ninfo move "));
  const auto at = answer.find(" ownership ");
  REQUIRE(at != std::string::npos);
  std::istringstream values(answer.substr(at + 11));
  int count = 0;
  for (double v; values >> v; ++count) REQUIRE((v >= -1 && v <= 1));
  REQUIRE(count == 81);
  // lz-analyze has no ownership.
  REQUIRE(engine.handle("lz-analyze 1").find("ownership") == std::string::npos);
}

TEST_CASE("gtp clock: a net agent never exceeds 5 s byo-yomi over a 9x9 game", "[gtp][net][slow]") {
  const std::string ckpt = random_checkpoint("go9", "go(size=9)", 1);
  const TimedGame g =
      play_timed_game("net(model=" + ckpt + ",visits=100000000)", "time_settings 0 5 1", 0, true);
  INFO("moves " << g.engine_moves << ", longest " << g.max_move_s << " s");
  REQUIRE(g.finished);
  REQUIRE(g.engine_moves > 10);
  REQUIRE(g.max_move_s <= 5.0);
  REQUIRE(g.max_move_s > 2.0);  // the time limit, not the visit count, ended the searches
}

TEST_CASE("gtp clock: a net agent plays a 9x9 game in 30 s absolute time", "[gtp][net][slow]") {
  const std::string ckpt = random_checkpoint("go9", "go(size=9)", 1);
  const TimedGame g = play_timed_game("net(model=" + ckpt + ",visits=100000000)",
                                      "time_settings 30 0 0", 30, false);
  INFO("moves " << g.engine_moves << ", total " << g.total_s << " s, longest " << g.max_move_s
                << " s");
  REQUIRE(g.finished);
  REQUIRE(g.engine_moves > 10);
  REQUIRE(g.total_s <= 30.0);
  REQUIRE(g.total_s > 10.0);  // it did use its time
}

TEST_CASE("tournament: net agents share one inference service per checkpoint",
          "[tournament][net]") {
  const std::string a = random_checkpoint("go7a", "go(size=7)", 1);
  const std::string b = random_checkpoint("go7b", "go(size=7)", 2);
  TournamentConfig c;
  c.game = "go(size=7,komi=7.5)";
  c.agents = {"net(model=" + a + ",visits=16)", "net(model=" + b + ",visits=16)",
              "policy(model=" + a + ")"};
  c.games_per_pair = 4;
  c.opening_plies = 2;
  c.max_moves = 60;
  c.seed = 5;
  std::ostringstream log;
  std::vector<TournamentOutcome> outcomes;
  for (int concurrency : {1, 8}) {
    c.concurrency = concurrency;
    c.out_dir = temp_path("shared-" + std::to_string(concurrency));
    remove_tree(c.out_dir);
    SharedInference shared(concurrency);
    outcomes.push_back(run_tournament(resolve_config(c), log, shared.factory()));
    // Two checkpoints, two services, whatever the number of agents and games.
    REQUIRE(shared.services_created() == 2);
    remove_tree(c.out_dir);
  }
  const auto& serial = outcomes[0].records;
  const auto& parallel = outcomes[1].records;
  REQUIRE(serial.size() == 12);
  REQUIRE(parallel.size() == 12);
  for (size_t i = 0; i < serial.size(); ++i) {
    INFO("game " << i);
    CHECK(serial[i].opening == parallel[i].opening);
    CHECK(serial[i].moves == parallel[i].moves);
    CHECK(serial[i].first_score == parallel[i].first_score);
  }
}
