// Real engines through GTP: GNU Go and gtp-rhino as agents, and `tenuki gtp` against GNU Go.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "agents/agent.h"
#include "agents/gtp/gtp_client.h"
#include "agents/match.h"
#include "envs/games/go/go_game.h"
#include "envs/registry.h"

using namespace tenuki;

namespace {

std::string find_engine(const std::string& name) {
  for (const std::string dir : {"/usr/games/", "/usr/bin/", "/usr/local/bin/"}) {
    if (access((dir + name).c_str(), X_OK) == 0) return dir + name;
  }
  return "";
}

}  // namespace

TEST_CASE("gtp agent: GNU Go beats random on 9x9 Go", "[gtp][engine]") {
  std::string gnugo = find_engine("gnugo");
  if (gnugo.empty()) {
    WARN("gnugo not found: GNU Go agent test skipped (install the gnugo package)");
    return;
  }
  auto game = make_game("go(size=9,komi=7.5)");
  auto engine = make_agent(
      "gtp(cmd=\"" + gnugo + " --mode gtp --level 1 --chinese-rules --capture-all-dead\")", *game,
      1);
  auto random = make_agent("random", *game, 2);
  auto summary = play_match(*game, {engine.get(), random.get()}, 2, nullptr);
  REQUIRE(summary.tallies[0].wins == 2);
}

TEST_CASE("match openings: colour-swapped pairs share a random opening that GNU Go plays on from",
          "[gtp][engine]") {
  std::string gnugo = find_engine("gnugo");
  if (gnugo.empty()) {
    WARN("gnugo not found: match openings test skipped (install the gnugo package)");
    return;
  }
  auto game = make_game("go(size=5,komi=0.5)");
  const std::string spec = "gtp(cmd=\"" + gnugo + " --mode gtp --level 0 --chinese-rules\")";
  auto a = make_agent(spec, *game, 1);
  auto b = make_agent(spec, *game, 2);
  std::vector<std::vector<Action>> histories;
  auto keep = [&](const PlayedGame& g) { histories.push_back(g.final_state->history()); };
  // play_match throws if an engine, not told of the opening, plays on an occupied point.
  const MatchSummary m = play_match(*game, {a.get(), b.get()}, 6, keep, nullptr, {3, 11});
  REQUIRE(m.games == 6);
  REQUIRE(histories.size() == 6);
  for (const auto& h : histories) REQUIRE(h.size() > 3);
  auto opening = [](const std::vector<Action>& h) {
    return std::vector<Action>(h.begin(), h.begin() + 3);
  };
  for (int pair = 0; pair < 3; ++pair) {
    CHECK(opening(histories[2 * pair]) == opening(histories[2 * pair + 1]));
    for (Action x : opening(histories[2 * pair])) CHECK(x != game->pass_action());
  }
  CHECK(opening(histories[0]) != opening(histories[2]));
  CHECK(opening(histories[2]) != opening(histories[4]));
  // The openings are a function of the seed.
  std::vector<std::vector<Action>> again;
  play_match(*game, {a.get(), b.get()}, 2,
             [&](const PlayedGame& g) { again.push_back(g.final_state->history()); }, nullptr,
             {3, 11});
  REQUIRE(again.size() == 2);
  CHECK(opening(again[0]) == opening(histories[0]));
}

TEST_CASE("match failure handler: a GNU Go that dies costs its pair and is started afresh",
          "[gtp][engine]") {
  std::string gnugo = find_engine("gnugo");
  if (gnugo.empty()) {
    WARN("gnugo not found: engine failure test skipped (install the gnugo package)");
    return;
  }
  auto game = make_game("go(size=5,komi=0.5)");
  // Each engine process reads only 60 commands, then sees the end of its input and exits: fewer
  // than the 6 games need, so at least one dies mid-game.
  const std::string spec =
      "gtp(cmd=\"sed -u 60q | " + gnugo + " --mode gtp --level 0 --chinese-rules\")";
  auto random = make_agent("random", *game, 1);
  std::unique_ptr<Agent> engine = make_agent(spec, *game, 2);
  std::vector<std::string> errors;
  auto restart = [&](const std::string& error, std::array<Agent*, 2>& agents) {
    errors.push_back(error);
    engine = make_agent(spec, *game, 2);
    agents[1] = engine.get();
  };
  std::vector<int> counted;
  const MatchSummary m = play_match(
      *game, {random.get(), engine.get()}, 6,
      [&](const PlayedGame& g) { counted.push_back(g.index); }, nullptr, {}, restart);
  CHECK(m.failed_pairs >= 1);
  CHECK(static_cast<int>(errors.size()) == m.failed_pairs);
  for (const auto& e : errors) {
    CHECK_THAT(e, Catch::Matchers::Contains("stopped answering: it exited with code"));
  }
  CHECK(m.games + 2 * m.failed_pairs == 6);
  CHECK(static_cast<int>(counted.size()) == m.games);
  for (size_t i = 0; i + 1 < counted.size(); i += 2) CHECK(counted[i + 1] == counted[i] + 1);
  const auto& t = m.tallies[0];
  CHECK(t.wins + t.draws + t.losses == m.games);
  // Without a handler the engine's death propagates.
  std::unique_ptr<Agent> dying = make_agent(spec, *game, 3);
  CHECK_THROWS_WITH(play_match(*game, {random.get(), dying.get()}, 6, nullptr),
                    Catch::Matchers::Contains("stopped answering: it exited with code"));
}

TEST_CASE("gtp agent: gtp-rhino plays legal Othello with rows from the top", "[gtp][engine]") {
  std::string rhino = find_engine("gtp-rhino");
  if (rhino.empty()) {
    WARN("gtp-rhino not found: Othello engine test skipped (install the grhino package)");
    return;
  }
  auto game = make_game("othello(size=8)");
  auto engine = make_agent("gtp(cmd=\"" + rhino + "\",rows=top,passes=skip)", *game, 1);
  auto random = make_agent("random", *game, 2);
  auto summary = play_match(*game, {engine.get(), random.get()}, 2, nullptr);
  REQUIRE(summary.games == 2);
  REQUIRE(summary.tallies[0].wins >= 1);
}

TEST_CASE("tenuki gtp plays a whole 9x9 game against GNU Go", "[gtp][engine]") {
  std::string gnugo = find_engine("gnugo");
  if (gnugo.empty()) {
    WARN("gnugo not found: tenuki-vs-GNU-Go game skipped");
    return;
  }
  GtpClient tenuki(std::string(TENUKI_BINARY) +
                   " gtp --agent 'mcts(playouts=100)' --game 'go(size=9,komi=7.5)'");
  GtpClient gnu(gnugo + " --mode gtp --level 1 --chinese-rules --capture-all-dead");
  for (GtpClient* c : {&tenuki, &gnu}) {
    c->send("boardsize 9");
    c->send("clear_board");
    c->send("komi 7.5");
  }
  // The driver: each engine generates a move that the other must accept.
  GtpClient* players[2] = {&tenuki, &gnu};
  int passes = 0, moves = 0;
  std::string winner_by_resign;
  for (int turn = 0; passes < 2 && moves < 300; ++turn, ++moves) {
    const std::string color = turn % 2 == 0 ? "b" : "w";
    std::string move = players[turn % 2]->send("genmove " + color);
    if (move == "resign" || move == "RESIGN") {
      winner_by_resign = turn % 2 == 0 ? "W" : "B";
      break;
    }
    passes = (move == "pass" || move == "PASS") ? passes + 1 : 0;
    INFO("move " << moves + 1 << ": " << color << " " << move);
    auto r = players[1 - turn % 2]->query("play " + color + " " + move);
    REQUIRE(r.success);
  }
  REQUIRE(moves < 300);
  if (winner_by_resign.empty()) {
    std::string ours = tenuki.send("final_score");
    std::string theirs = gnu.send("final_score");
    INFO("tenuki says " << ours << ", GNU Go says " << theirs);
    REQUIRE((ours == "0" || ours.rfind("B+", 0) == 0 || ours.rfind("W+", 0) == 0));
    REQUIRE((theirs == "0" || theirs.rfind("B+", 0) == 0 || theirs.rfind("W+", 0) == 0));
  }
  REQUIRE(tenuki.send("protocol_version") == "2");
}

TEST_CASE("gtp agent: bad engine commands give clear errors", "[gtp]") {
  auto game = make_game("go(size=9)");
  REQUIRE_THROWS_WITH(make_agent("gtp", *game, 1), Catch::Matchers::Contains("needs cmd"));
  REQUIRE_THROWS_WITH(make_agent("gtp(cmd=\"x\",rows=middle)", *game, 1),
                      Catch::Matchers::Contains("bottom, top"));
  auto agent = make_agent("gtp(cmd=\"/nonexistent/engine\",timeout=2)", *game, 1);
  auto state = game->new_initial_state();
  REQUIRE_THROWS_AS(
      [&] {
        agent->new_game(*game);
        agent->select_action(*state);
      }(),
      std::runtime_error);
}
