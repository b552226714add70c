// Move-generation counts from the start position against published values.
#include <catch2/catch.hpp>

#include "envs/perft.h"
#include "envs/registry.h"

using namespace tenuki;

namespace {

uint64_t perft_of(const std::string& spec, int depth) {
  auto state = make_game(spec)->new_initial_state();
  return perft(*state, depth);
}

// Number of distinct complete games (move sequences ending in a terminal state).
uint64_t complete_games(State& state) {
  if (state.is_terminal()) return 1;
  uint64_t total = 0;
  for (Action a : state.legal_actions()) {
    state.apply_action(a);
    total += complete_games(state);
    state.undo_action();
  }
  return total;
}

uint64_t falling_factorial(uint64_t n, int d) {
  uint64_t out = 1;
  for (int i = 0; i < d; ++i) out *= n - i;
  return out;
}

}  // namespace

TEST_CASE("perft: othello 8x8 depths 1-7", "[perft]") {
  const uint64_t expected[] = {4, 12, 56, 244, 1396, 8200, 55092};
  for (int d = 1; d <= 7; ++d) REQUIRE(perft_of("othello", d) == expected[d - 1]);
}

// Smaller boards (bitboards in an 8x8 frame): counts from an independent cell-array
// implementation (a few lines of Python: scan the eight directions, pass only when the other
// player can move), which also agrees with the 8x8 values above.
TEST_CASE("perft: othello 6x6 and 4x4", "[perft]") {
  const uint64_t six[] = {4, 12, 56, 244, 1364, 7604, 47740};
  for (int d = 1; d <= 7; ++d) REQUIRE(perft_of("othello(size=6)", d) == six[d - 1]);
  const uint64_t four[] = {4, 12, 44, 128, 424, 1256, 3624, 9112, 20032, 36412, 50268, 55112};
  for (int d = 1; d <= 12; ++d) REQUIRE(perft_of("othello(size=4)", d) == four[d - 1]);
}

TEST_CASE("perft: othello 8x8 depths 8-9", "[perft][slow]") {
  REQUIRE(perft_of("othello", 8) == 390216);
  REQUIRE(perft_of("othello", 9) == 3005288);
}

TEST_CASE("perft: connect four 7x6 depths 1-7", "[perft]") {
  const uint64_t expected[] = {7, 49, 343, 2401, 16807, 117649, 823536};
  for (int d = 1; d <= 7; ++d) REQUIRE(perft_of("connect_four", d) == expected[d - 1]);
}

TEST_CASE("perft: connect four 7x6 depths 8-9", "[perft][slow]") {
  REQUIRE(perft_of("connect_four", 8) == 5673234);
  REQUIRE(perft_of("connect_four", 9) == 39394572);
}

TEST_CASE("perft: tic-tac-toe", "[perft]") {
  const uint64_t expected[] = {9, 72, 504, 3024, 15120, 54720, 148176, 200448, 127872};
  for (int d = 1; d <= 9; ++d) REQUIRE(perft_of("tictactoe", d) == expected[d - 1]);
  auto state = make_game("tictactoe")->new_initial_state();
  REQUIRE(complete_games(*state) == 255168);
}

TEST_CASE("perft: hex n x n is N!/(N-d)! before anyone can connect", "[perft]") {
  for (int n = 3; n <= 4; ++n) {
    const int max_depth = n == 3 ? 2 * n - 1 : 5;
    for (int d = 1; d <= max_depth; ++d) {
      INFO("hex size " << n << " depth " << d);
      REQUIRE(perft_of("hex(size=" + std::to_string(n) + ")", d) ==
              falling_factorial(static_cast<uint64_t>(n) * n, d));
    }
  }
}

TEST_CASE("perft: hex 4x4 depths 6-7", "[perft][slow]") {
  REQUIRE(perft_of("hex(size=4)", 6) == falling_factorial(16, 6));
  REQUIRE(perft_of("hex(size=4)", 7) == falling_factorial(16, 7));
}
