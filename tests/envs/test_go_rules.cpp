// Go rules on ASCII boards: captures, ko, superko, suicide, scoring and Atari Go; board copies.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "envs/games/go/board.h"
#include "envs/games/go/go_game.h"
#include "tests/envs/go_test_helpers.h"

using namespace tenuki::test;
using tenuki::Rng;
using tenuki::go::Board;
using tenuki::go::GoState;

namespace {

// Plays a random stone of colour c that is not suicide (it may capture); false when none was
// found in a few tries. *played is the point.
bool play_random_stone(Board& b, Rng& rng, tenuki::go::Color c, tenuki::go::Loc* played) {
  for (int tries = 0; tries < 8 && b.num_empty() > 0; ++tries) {
    const tenuki::go::Loc l = b.empty_locs()[rng() % b.num_empty()];
    if (b.is_suicide(l, c)) continue;
    b.play(l, c);
    *played = l;
    return true;
  }
  return false;
}

// Everything a Board answers about its points, compared.
void require_same_board(const Board& a, const Board& b) {
  REQUIRE(b.check_invariants() == "");
  REQUIRE(b.rows() == a.rows());
  REQUIRE(b.cols() == a.cols());
  REQUIRE(b.to_string() == a.to_string());
  REQUIRE(b.hash() == a.hash());
  REQUIRE(b.num_empty() == a.num_empty());
  for (int cell = 0; cell < a.rows() * a.cols(); ++cell) {
    const tenuki::go::Loc l = a.loc_of_cell(cell);
    REQUIRE(b.loc_of_cell(cell) == l);
    for (auto c : {tenuki::go::kBlack, tenuki::go::kWhite}) {
      REQUIRE(b.has_lost_stone(l, c) == a.has_lost_stone(l, c));
      if (a.color(l) == tenuki::go::kEmpty) REQUIRE(b.is_suicide(l, c) == a.is_suicide(l, c));
    }
    if (a.color(l) != tenuki::go::kEmpty) {
      REQUIRE(b.liberties(l) == a.liberties(l));
      REQUIRE(b.chain_size(l) == a.chain_size(l));
      REQUIRE(b.in_atari(l) == a.in_atari(l));
    }
  }
}

}  // namespace

TEST_CASE("board: a copy, also into storage that held a 19x19 game, plays on like the original",
          "[go]") {
  Rng rng(11);
  for (auto [rows, cols] : {std::pair{9, 9}, std::pair{5, 7}, std::pair{19, 19}}) {
    INFO(rows << "x" << cols);
    Board original(rows, cols);
    tenuki::go::Loc l;
    for (int i = 0; i < rows * cols; ++i) {
      play_random_stone(original, rng, tenuki::go::color_of_player(i % 2), &l);
    }
    Board assigned(19, 19);
    for (int i = 0; i < 400; ++i) {
      play_random_stone(assigned, rng, tenuki::go::color_of_player(i % 2), &l);
    }
    assigned = original;
    Board constructed(original);
    require_same_board(original, assigned);
    require_same_board(original, constructed);
    int captures = 0;
    for (int i = 0; i < 3 * rows * cols; ++i) {
      const auto c = tenuki::go::color_of_player(i % 2);
      const int stones_before = original.num_stones(tenuki::go::opponent(c));
      if (!play_random_stone(original, rng, c, &l)) continue;
      captures += original.num_stones(tenuki::go::opponent(c)) < stones_before;
      assigned.play(l, c);
      constructed.play(l, c);
    }
    CHECK(captures > 0);
    require_same_board(original, assigned);
    require_same_board(original, constructed);
  }
}

TEST_CASE("board: parse, liberties and chains", "[go]") {
  auto b = Board::parse(5, R"(
    . . . . .
    . . x o .
    . . x . .
    . . . . .
    . . . . .)");
  CHECK(b.liberties(b.loc_from_string("C4")) == 5);
  CHECK(b.liberties(b.loc_from_string("D4")) == 3);
  CHECK(b.chain_size(b.loc_from_string("C3")) == 2);
  CHECK(b.same_chain(b.loc_from_string("C3"), b.loc_from_string("C4")));
  CHECK_FALSE(b.same_chain(b.loc_from_string("C4"), b.loc_from_string("D4")));
  CHECK(b.num_stones(tenuki::go::kBlack) == 2);
  CHECK(b.num_empty() == 22);
  CHECK(b.check_invariants().empty());
  CHECK_THROWS_AS(Board::parse(3, "x.."), std::invalid_argument);    // too few cells
  CHECK_THROWS_AS(Board::parse(2, "xo ox"), std::invalid_argument);  // no liberties
  CHECK_THROWS_AS(Board::parse(2, "x.?."), std::invalid_argument);   // unknown char
  auto rect = Board::parse(2, 3, "x.o\n...");
  CHECK(rect.liberties(rect.loc_from_string("A2")) == 2);
  CHECK(rect.liberties(rect.loc_from_string("C2")) == 2);
}

TEST_CASE("go: single capture in the centre and in the corner", "[go]") {
  auto game = make_go("size=5");
  auto s = GoState::from_ascii(game, R"(
    . . . . .
    . . x . .
    . x o . .
    . . x . .
    . . . . o)");
  play(*s, "D3");
  CHECK(s->cell_owner(at(*s, "C3")) == -1);
  CHECK(s->captures(0) == 1);
  play(*s, "pass");
  play(*s, "D1");  // corner: white E1 has one liberty left (E2)
  play(*s, "pass");
  play(*s, "E2");
  CHECK(s->cell_owner(at(*s, "E1")) == -1);
  CHECK(s->captures(0) == 2);
  CHECK(s->board().check_invariants().empty());
}

TEST_CASE("go: multi-stone capture on the edge", "[go]") {
  auto game = make_go("size=5");
  auto s = GoState::from_ascii(game, R"(
    o o x . .
    x . . . .
    . . . . .
    . . . . .
    . . . . .)");
  play(*s, "B4");
  CHECK(s->captures(0) == 2);
  CHECK(rows_of(*s) == strip(R"(
    . . x . .
    x x . . .
    . . . . .
    . . . . .
    . . . . .)"));
  CHECK(s->board().check_invariants().empty());
}

TEST_CASE("go: snapback", "[go]") {
  auto game = make_go("size=5");
  auto s = GoState::from_ascii(game, R"(
    o . . x .
    o o o x .
    x x x x .
    . . . . .
    . . . . .)");
  play(*s, "B5");  // throw-in: self-atari, white is in atari too
  CHECK(s->captures(0) == 0);
  play(*s, "C5");  // white captures the one stone...
  CHECK(s->captures(1) == 1);
  CHECK(s->ko_cell() == -1);  // ...with a group of five: no ko
  REQUIRE(s->is_legal(at(*s, "B5")));
  play(*s, "B5");  // ...and black takes the five back
  CHECK(s->captures(0) == 5);
  CHECK(rows_of(*s) == strip(R"(
    . x . x .
    . . . x .
    x x x x .
    . . . . .
    . . . . .)"));
}

TEST_CASE("go: simple ko", "[go]") {
  for (const char* ko : {"simple", "positional"}) {
    auto game = make_go(std::string("size=5,ko=") + ko);
    auto s = GoState::from_ascii(game, R"(
      . x o . .
      x o . o .
      . x o . .
      . . . . .
      . . . . .)");
    play(*s, "C4");  // black takes the ko
    CHECK(s->captures(0) == 1);
    CHECK(s->ko_cell() == at(*s, "B4"));
    CHECK_FALSE(s->is_legal(at(*s, "B4")));  // immediate retake refused
    CHECK_THROWS_AS(play(*s, "B4"), std::invalid_argument);
    play(*s, "E1");  // ko threat
    CHECK(s->ko_cell() == -1);
    play(*s, "E2");  // answered
    CHECK(s->is_legal(at(*s, "B4")));
    play(*s, "B4");
    CHECK(s->captures(1) == 1);
    CHECK(s->ko_cell() == at(*s, "C4"));
    CHECK_FALSE(s->is_legal(at(*s, "C4")));
  }
}

TEST_CASE("go: triple ko cycles under simple ko and is stopped by positional superko", "[go]") {
  const char* diagram = R"(
    . x o . . . . . .
    x o . o . . . . .
    . x o . . . . . .
    . x o . . . . . .
    x . x o . . . . .
    . x o . . . . . .
    . x o . . . . . .
    x o . o . . . . .
    . x o . . . . . .)";
  const std::vector<std::string> cycle = {"C8", "B5", "C2", "B8", "C5", "B2"};
  {
    auto s = GoState::from_ascii(make_go("size=9,ko=simple"), diagram);
    const uint64_t start_hash = s->hash();
    const uint64_t start_board_hash = s->board().hash();
    const std::string start_board = rows_of(*s);
    for (const auto& v : cycle) {
      REQUIRE(s->is_legal(at(*s, v)));
      play(*s, v);
    }
    CHECK(s->captures(0) == 3);
    CHECK(s->captures(1) == 3);
    CHECK(rows_of(*s) == start_board);  // the whole board repeats
    CHECK(s->current_player() == 0);
    CHECK(s->board().hash() == start_board_hash);
    CHECK(s->hash() != start_hash);  // the same stones, but now with a ko ban on C2
    CHECK(s->ko_cell() == at(*s, "C2"));
  }
  {
    auto s = GoState::from_ascii(make_go("size=9,ko=positional"), diagram);
    for (size_t i = 0; i + 1 < cycle.size(); ++i) {
      REQUIRE(s->is_legal(at(*s, cycle[i])));
      play(*s, cycle[i]);
    }
    CHECK(s->ko_cell() != at(*s, "B2"));     // not a simple-ko ban...
    CHECK_FALSE(s->is_legal(at(*s, "B2")));  // ...but it would repeat the start position
    auto legal = s->legal_actions();
    CHECK(std::find(legal.begin(), legal.end(), at(*s, "B2")) == legal.end());
  }
}

TEST_CASE("go: suicide of one stone", "[go]") {
  const char* diagram = R"(
    . o . . .
    o . . . .
    . . . . .
    . . . . .
    . . . . .)";
  {
    auto s = GoState::from_ascii(make_go("size=5"), diagram);
    CHECK_FALSE(s->is_legal(at(*s, "A5")));
  }
  {
    // Allowed, but under positional superko it would repeat the position.
    auto s = GoState::from_ascii(make_go("size=5,suicide=true"), diagram);
    CHECK_FALSE(s->is_legal(at(*s, "A5")));
  }
  {
    auto s = GoState::from_ascii(make_go("size=5,suicide=true,ko=simple"), diagram);
    REQUIRE(s->is_legal(at(*s, "A5")));
    uint64_t board_hash = s->board().hash();
    play(*s, "A5");
    CHECK(s->cell_owner(at(*s, "A5")) == -1);
    CHECK(s->captures(1) == 1);  // a suicide counts for the opponent
    CHECK(s->board().hash() == board_hash);
    CHECK(s->current_player() == 1);
  }
}

TEST_CASE("go: suicide of several stones", "[go]") {
  const char* diagram = R"(
    x . o . .
    x o . . .
    o . . . .
    . . . . .
    . . . . .)";
  {
    auto s = GoState::from_ascii(make_go("size=5"), diagram);
    CHECK_FALSE(s->is_legal(at(*s, "B5")));
    CHECK_THROWS_AS(play(*s, "B5"), std::invalid_argument);
    CHECK(rows_of(*s) == strip(diagram));
  }
  {
    auto s = GoState::from_ascii(make_go("size=5,suicide=true"), diagram);
    REQUIRE(s->is_legal(at(*s, "B5")));
    play(*s, "B5");
    CHECK(s->captures(1) == 3);
    CHECK(rows_of(*s) == strip(R"(
      . . o . .
      . o . . .
      o . . . .
      . . . . .
      . . . . .)"));
    CHECK(s->board().check_invariants().empty());
  }
}

TEST_CASE("go: a capturing move is never suicide", "[go]") {
  auto s = GoState::from_ascii(make_go("size=5"), R"(
    . o x . .
    o x . . .
    x . . . .
    . . . . .
    . . . . .)");
  REQUIRE(s->is_legal(at(*s, "A5")));  // no liberty of its own, but captures B5 and A4
  play(*s, "A5");
  CHECK(s->captures(0) == 2);
}

TEST_CASE("go: seki and its area score", "[go]") {
  auto game = make_go("rows=2,cols=3,komi=0");
  auto s = GoState::from_ascii(game, R"(
    x . o
    x . o)");
  CHECK(s->area_score_black_minus_white() == 0);  // the two shared liberties are neutral
  CHECK(s->scoring_owners() == std::vector<int>{0, -1, 1, 0, -1, 1});
  play(*s, "pass");
  play(*s, "pass");
  REQUIRE(s->is_terminal());
  CHECK(s->returns() == std::array<double, 2>{0.0, 0.0});
  CHECK(s->result_string() == "0");
  // Whoever plays inside first is captured: black B2 is answered by white B1 taking three.
  auto t = GoState::from_ascii(game, "x.o\nx.o");
  play(*t, "B2");
  play(*t, "B1");
  CHECK(t->captures(1) == 3);
  CHECK(t->area_score_black_minus_white() == -6);
}

TEST_CASE("go: Tromp-Taylor score of finished games", "[go]") {
  auto s = GoState::from_ascii(make_go("size=5,komi=0.5"), R"(
    . x o . .
    . x o . .
    . x o . .
    . x o . .
    . x o . .)");
  CHECK(s->area_score_black_minus_white() == 10 - 15);
  CHECK_FALSE(s->is_terminal());
  play(*s, "pass");
  CHECK_FALSE(s->is_terminal());
  play(*s, "pass");
  REQUIRE(s->is_terminal());
  CHECK(s->returns() == std::array<double, 2>{-1.0, 1.0});
  CHECK(s->result_string() == "W+5.5");
  CHECK(s->legal_actions().empty());

  // Stones are never removed as dead: the white stone in black's area makes it neutral.
  auto t = GoState::from_ascii(make_go("size=5,komi=-12"), R"(
    o x o . .
    . x o . .
    . x o . .
    . x o . .
    . x o . .)");
  CHECK(t->area_score_black_minus_white() == 5 - 16);
  play(*t, "pass");
  play(*t, "pass");
  CHECK(t->result_string() == "B+1");
  CHECK(t->returns()[0] == 1.0);

  // Scoring owners (the ownership target): column A is black's territory, D and E white's; with
  // the white stone on A5, column A reaches both colours and counts for nobody.
  const std::vector<int> owners = s->scoring_owners();
  const std::vector<int> t_owners = t->scoring_owners();
  for (int row = 0; row < 5; ++row) {
    INFO("row " << row);
    const int a = row * 5;
    CHECK(owners[a] == 0);
    CHECK(owners[a + 1] == 0);
    CHECK(owners[a + 2] == 1);
    CHECK(owners[a + 3] == 1);
    CHECK(owners[a + 4] == 1);
    CHECK(t_owners[a] == (row == 0 ? 1 : -1));
    CHECK(t_owners[a + 1] == 0);
    CHECK(t_owners[a + 3] == 1);
  }
  int black = 0, white = 0;
  for (int o : owners) {
    black += o == 0 ? 1 : 0;
    white += o == 1 ? 1 : 0;
  }
  CHECK(black - white == s->area_score_black_minus_white());

  auto empty = make_go("size=9")->new_go_state();
  CHECK(empty->area_score_black_minus_white() == 0);
  play(*empty, "E5");
  CHECK(empty->area_score_black_minus_white() == 81);
}

TEST_CASE("go: a pass in between restarts the pass count", "[go]") {
  auto s = make_go("size=5")->new_go_state();
  play(*s, "pass");
  play(*s, "C3");
  play(*s, "pass");
  CHECK_FALSE(s->is_terminal());
  CHECK(s->consecutive_passes() == 1);
  play(*s, "pass");
  CHECK(s->is_terminal());
}

TEST_CASE("go: move cap ends the game", "[go]") {
  auto game = make_go("size=5,max_moves=4");
  CHECK(game->max_game_length() == 4);
  auto s = game->new_go_state();
  for (const char* v : {"A1", "B1", "pass", "C1"}) {
    CHECK_FALSE(s->is_terminal());
    play(*s, v);
  }
  CHECK(s->is_terminal());
  CHECK(s->legal_actions().empty());
  CHECK_FALSE(s->is_legal(at(*s, "E5")));
  CHECK(s->area_score_black_minus_white() == 1 - 2);  // A1 only; D1, E1 etc. neutral/white
  CHECK(s->returns()[1] == 1.0);
  CHECK(make_go("size=9")->max_game_length() == 243);
}

TEST_CASE("atari go: the first capture wins", "[go]") {
  auto game = make_atari("size=5");
  CHECK(game->name() == "atari_go");
  CHECK(game->komi() == 0);
  auto s = GoState::from_ascii(game, R"(
    . . . . .
    . . x . .
    . x o . .
    . . x . .
    . . . . .)",
                               1);
  // White extends to D3 (liberties D4, E3, D2); black fills two of them while white tenukis.
  for (const char* v : {"D3", "D4", "A1", "E3", "B1"}) play(*s, v);
  CHECK_FALSE(s->is_terminal());
  CHECK(s->captures(0) == 0);
  play(*s, "D2");  // black captures C3 and D3
  REQUIRE(s->is_terminal());
  CHECK(s->capture_winner() == 0);
  CHECK(s->returns() == std::array<double, 2>{1.0, -1.0});
  // Atari Go is not scored by area: its scoring owners are the stones alone.
  for (int cell = 0; cell < game->num_cells(); ++cell) {
    CHECK(s->scoring_owners()[cell] == s->cell_owner(cell));
  }
  CHECK(s->result_string() == "B+");

  auto d = game->new_go_state();
  play(*d, "pass");
  play(*d, "pass");
  CHECK(d->is_terminal());
  CHECK(d->returns() == std::array<double, 2>{0.0, 0.0});
  CHECK(d->result_string() == "0");

  // With suicide allowed, a suicide loses at once.
  auto u = GoState::from_ascii(make_atari("size=5,suicide=true,ko=simple"), R"(
    . o . . .
    o . . . .
    . . . . .
    . . . . .
    . . . . .)");
  play(*u, "A5");
  CHECK(u->is_terminal());
  CHECK(u->returns()[1] == 1.0);
}
