#include <catch2/catch.hpp>

#include "envs/encoding.h"
#include "envs/registry.h"

using namespace tenuki;
using namespace tenuki::encoding;

namespace {
float at(const std::vector<float>& planes, const Game& g, int channel, int cell) {
  return planes[static_cast<size_t>(channel) * g.num_cells() + cell];
}
}  // namespace

TEST_CASE("encoding: tic-tac-toe planes by hand", "[encoding]") {
  auto game = make_game("tictactoe");
  auto s = game->new_initial_state();
  // X: 4, 3; O: 1, 2. X to move; X wins at 5, O would win at 0.
  for (Action a : {4, 1, 3, 2}) s->apply_action(a);
  auto p = encode(*s);
  REQUIRE(at(p, *game, kOwnStones, 4) == 1);
  REQUIRE(at(p, *game, kOwnStones, 3) == 1);
  REQUIRE(at(p, *game, kOpponentStones, 1) == 1);
  REQUIRE(at(p, *game, kOpponentStones, 4) == 0);
  REQUIRE(at(p, *game, kEmpty, 0) == 1);
  REQUIRE(at(p, *game, kLastMove, 2) == 1);
  REQUIRE(at(p, *game, kSecondLastMove, 3) == 1);
  REQUIRE(at(p, *game, kLegalMoves, 5) == 1);
  REQUIRE(at(p, *game, kLegalMoves, 4) == 0);
  REQUIRE(at(p, *game, kFirstPlayerToMove, 7) == 1);
  REQUIRE(at(p, *game, kGamePlanes + 0, 5) == 1);
  REQUIRE(at(p, *game, kGamePlanes + 0, 0) == 0);
  REQUIRE(at(p, *game, kGamePlanes + 1, 0) == 1);
  // From O's point of view after X plays elsewhere, own and opponent swap.
  s->apply_action(8);
  auto q = encode(*s);
  REQUIRE(at(q, *game, kOwnStones, 1) == 1);
  REQUIRE(at(q, *game, kOpponentStones, 8) == 1);
  REQUIRE(at(q, *game, kFirstPlayerToMove, 0) == 0);
}

TEST_CASE("encoding: othello forced pass shows in the pass plane", "[encoding]") {
  // Find a random 6x6 game with a forced pass and check the pass plane right after it.
  auto game = make_game("othello(size=6)");
  Rng rng(3);
  bool found = false;
  for (int g = 0; g < 400 && !found; ++g) {
    auto s = game->new_initial_state();
    while (!s->is_terminal() && !found) {
      s->apply_action(s->sample_playout_action(rng));
      if (!s->is_terminal() && s->history().back() == game->pass_action()) {
        auto p = encode(*s);
        for (int cell = 0; cell < game->num_cells(); ++cell) {
          REQUIRE(at(p, *game, kLastMoveWasPass, cell) == 1);
          REQUIRE(at(p, *game, kLastMove, cell) == 0);
        }
        found = true;
      }
    }
  }
  REQUIRE(found);
}

TEST_CASE("encoding: schema is documented in one place with every channel", "[encoding]") {
  REQUIRE(channel_names().size() == static_cast<size_t>(kNumChannels));
  auto s = make_game("connect_four")->new_initial_state();
  std::string text = describe(*s);
  REQUIRE(text.find(std::string(kSchemaName) + " v" + std::to_string(kSchemaVersion)) !=
          std::string::npos);
  REQUIRE(text.find("[7] legal moves") != std::string::npos);
}
