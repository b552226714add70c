// Ladder reading (envs/games/go/ladder.h) on textbook shapes, and the ladder input plane.
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "envs/encoding.h"
#include "envs/games/go/board.h"
#include "envs/games/go/go_game.h"
#include "envs/games/go/ladder.h"
#include "envs/registry.h"
#include "envs/spec.h"

using tenuki::go::Board;
using tenuki::go::GoGame;
using tenuki::go::GoState;
using tenuki::go::LadderReader;

namespace {

using Points = std::vector<std::pair<int, int>>;  // (row from the top, column)

Board board_with(int size, const Points& black, const Points& white) {
  Board b(size, size);
  for (auto [r, c] : black) b.place_setup_stone(b.loc(r, c), tenuki::go::kBlack);
  for (auto [r, c] : white) b.place_setup_stone(b.loc(r, c), tenuki::go::kWhite);
  return b;
}

// The textbook ladder: the black stone at (r, c) in atari, its one liberty to the right, and
// extending there leaves two liberties, so white chases it down and to the right, diagonally.
Points ladder_chasers(int r, int c) { return {{r - 1, c}, {r - 1, c + 1}, {r, c - 1}, {r + 1, c}}; }

}  // namespace

TEST_CASE("ladders: the textbook ladder works on an empty board and a breaker stops it",
          "[go][ladder]") {
  LadderReader reader;
  for (int size : {9, 19}) {
    const int mid = size / 2;
    INFO("size " << size);
    const Board plain = board_with(size, {{mid, mid}}, ladder_chasers(mid, mid));
    CHECK(plain.liberties(plain.loc(mid, mid)) == 1);
    CHECK(reader.is_laddered(plain, plain.loc(mid, mid)));
    // A black stone on the ladder's diagonal path (two rows and columns on) breaks it.
    const Board broken =
        board_with(size, {{mid, mid}, {mid + 2, mid + 2}}, ladder_chasers(mid, mid));
    CHECK_FALSE(reader.is_laddered(broken, broken.loc(mid, mid)));
    // So does a breaker further along the path, near the corner the ladder runs to.
    const int far = size - 2;
    const Board far_broken = board_with(size, {{mid, mid}, {far, far}}, ladder_chasers(mid, mid));
    CHECK_FALSE(reader.is_laddered(far_broken, far_broken.loc(mid, mid)));
    // A white stone there instead helps the attacker: still a ladder.
    Points chasers = ladder_chasers(mid, mid);
    chasers.push_back({far, far});
    const Board helped = board_with(size, {{mid, mid}}, chasers);
    CHECK(reader.is_laddered(helped, helped.loc(mid, mid)));
  }
}

TEST_CASE("ladders: two liberties are laddered when the attacker's atari starts a ladder",
          "[go][ladder]") {
  LadderReader reader;
  // The textbook shape without the chaser below: black has two liberties; white's atari from
  // below starts the ladder.
  Points chasers = ladder_chasers(4, 4);
  chasers.pop_back();
  const Board two = board_with(9, {{4, 4}}, chasers);
  REQUIRE(two.liberties(two.loc(4, 4)) == 2);
  CHECK(reader.is_laddered(two, two.loc(4, 4)));
  const Board broken = board_with(9, {{4, 4}, {6, 6}}, chasers);
  CHECK_FALSE(reader.is_laddered(broken, broken.loc(4, 4)));
  // A lone stone (four liberties) and a stone with three are never laddered.
  const Board lone = board_with(9, {{4, 4}}, {});
  CHECK_FALSE(reader.is_laddered(lone, lone.loc(4, 4)));
  const Board three = board_with(9, {{4, 4}}, {{3, 4}});
  CHECK_FALSE(reader.is_laddered(three, three.loc(4, 4)));
}

TEST_CASE("ladders: a chaser in atari lets the chain escape by capturing it", "[go][ladder]") {
  LadderReader reader;
  // The chaser below the black stone has one liberty left (black stones left of and below it).
  const Board b = board_with(9, {{4, 4}, {5, 3}, {6, 4}}, ladder_chasers(4, 4));
  REQUIRE(b.in_atari(b.loc(5, 4)));
  CHECK_FALSE(reader.is_laddered(b, b.loc(4, 4)));
  // The chaser on the left in atari (black stones above and left of it): extending never
  // touches its liberty, but capturing it first saves the chain.
  const Board left = board_with(9, {{4, 4}, {3, 3}, {4, 2}}, ladder_chasers(4, 4));
  REQUIRE(left.in_atari(left.loc(4, 3)));
  CHECK_FALSE(reader.is_laddered(left, left.loc(4, 4)));
  // A chain in atari with no way out at all (in the corner, extending gives one liberty) is
  // laddered.
  const Board corner = board_with(9, {{0, 0}}, {{0, 1}, {2, 0}});
  CHECK(reader.is_laddered(corner, corner.loc(0, 0)));
  // A tiny budget abandons the reading: not laddered.
  LadderReader hasty(2);
  const Board plain = board_with(9, {{4, 4}}, ladder_chasers(4, 4));
  CHECK_FALSE(hasty.is_laddered(plain, plain.loc(4, 4)));
  CHECK(reader.is_laddered(plain, plain.loc(4, 4)));  // the reader is reusable
}

TEST_CASE("ladders: game plane 6 marks laddered stones only with ladders=true", "[go][ladder]") {
  const std::string diagram = R"(
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . o o . . .
    . . . o x . . . .
    . . . . o . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .)";
  auto with = tenuki::make_game("go(size=9,ladders=true)");
  auto without = tenuki::make_game("go(size=9)");
  CHECK(with->spec() ==
        "go(ko=positional,komi=7.5,ladders=true,max_moves=243,size=9,suicide=false)");
  CHECK(without->spec() == "go(ko=positional,komi=7.5,max_moves=243,size=9,suicide=false)");
  CHECK(tenuki::encoding::game_plane_tags(*with)[6] == "laddered");
  CHECK(tenuki::encoding::game_plane_tags(*without)[6].empty());
  for (int to_move : {0, 1}) {
    auto a = GoState::from_ascii(with, diagram, to_move);
    auto b = GoState::from_ascii(without, diagram, to_move);
    std::vector<float> pa(7 * 81, 0.0f), pb(7 * 81, 0.0f);
    a->fill_game_planes(pa.data(), 9, 9);
    b->fill_game_planes(pb.data(), 9, 9);
    // Planes 0-5 are the same; plane 6 holds the black stone alone, whoever is to move.
    CHECK(std::vector<float>(pa.begin(), pa.begin() + 6 * 81) ==
          std::vector<float>(pb.begin(), pb.begin() + 6 * 81));
    float sum = 0;
    for (int i = 6 * 81; i < 7 * 81; ++i) sum += pa[i];
    CHECK(sum == 1.0f);
    CHECK(pa[6 * 81 + 4 * 9 + 4] == 1.0f);
    for (int i = 6 * 81; i < 7 * 81; ++i) CHECK(pb[i] == 0.0f);
  }
}
