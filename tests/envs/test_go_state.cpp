// Go states: undo, legal actions, hashing, specs, game planes, and superko and area scoring
// against a brute-force reference.
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "envs/games/go/board.h"
#include "envs/games/go/go_game.h"
#include "envs/spec.h"
#include "tests/envs/go_test_helpers.h"

using namespace tenuki::test;
using tenuki::Action;
using tenuki::Rng;
using tenuki::Spec;
using tenuki::go::Board;
using tenuki::go::GoGame;
using tenuki::go::GoState;

TEST_CASE("go: undo restores board, hash and rules state", "[go]") {
  for (const char* spec : {"size=9", "size=9,ko=simple", "rows=5,cols=7,suicide=true",
                           "size=7,suicide=true,ko=simple"}) {
    auto game = make_go(spec);
    Rng rng(42);
    for (int game_index = 0; game_index < 6; ++game_index) {
      auto s = game->new_go_state();
      std::vector<uint64_t> hashes;
      std::vector<std::string> boards;
      std::vector<std::vector<Action>> legal;
      while (!s->is_terminal()) {
        hashes.push_back(s->hash());
        boards.push_back(rows_of(*s));
        legal.push_back(s->legal_actions());
        // Mostly playout moves, sometimes any legal move (self-atari, eye filling, ...).
        Action a = rng.below(4) == 0 ? legal.back()[rng.below(legal.back().size())]
                                     : s->sample_playout_action(rng);
        REQUIRE(s->is_legal(a));
        s->apply_action(a);
        if (s->move_number() % 17 == 0) REQUIRE(s->board().check_invariants().empty());
      }
      REQUIRE(s->board().check_invariants().empty());
      for (int i = static_cast<int>(hashes.size()) - 1; i >= 0; --i) {
        s->undo_action();
        REQUIRE(s->hash() == hashes[i]);
        REQUIRE(rows_of(*s) == boards[i]);
        if (i % 7 == 0) REQUIRE(s->legal_actions() == legal[i]);
      }
      CHECK(s->move_number() == 0);
      CHECK_THROWS_AS(s->undo_action(), std::logic_error);
    }
  }
}

TEST_CASE("go: legal_actions agrees with is_legal and clones are independent", "[go]") {
  auto game = make_go("size=7");
  Rng rng(7);
  auto s = game->new_go_state();
  while (!s->is_terminal()) {
    auto legal = s->legal_actions();
    std::vector<Action> by_query;
    for (Action a = -1; a <= game->num_actions(); ++a) {
      if (s->is_legal(a)) by_query.push_back(a);
    }
    REQUIRE(legal == by_query);
    Action a = s->sample_playout_action(rng);
    REQUIRE(s->is_legal(a));
    // Playouts never fill an own eye-like point while another move exists.
    if (a != game->pass_action()) {
      REQUIRE_FALSE(s->board().is_eye_like(s->board().loc_of_cell(a),
                                           tenuki::go::color_of_player(s->current_player())));
    }
    auto copy = s->clone();
    s->apply_action(a);
    REQUIRE(copy->move_number() + 1 == s->move_number());
  }
}

TEST_CASE("go: hash equality for transpositions", "[go]") {
  auto game = make_go("size=9");
  auto a = game->new_go_state();
  auto b = game->new_go_state();
  for (const char* v : {"C3", "D4", "E5", "F6"}) play(*a, v);
  for (const char* v : {"E5", "F6", "C3", "D4"}) play(*b, v);
  CHECK(a->hash() == b->hash());
  CHECK(rows_of(*a) == rows_of(*b));
  auto c = game->new_go_state();
  for (const char* v : {"E5", "F6", "pass", "D4", "C3", "pass"}) play(*c, v);
  CHECK(c->board().hash() == a->board().hash());
  CHECK(c->hash() != a->hash());  // one pass pending
  CHECK(a->hash() != game->new_go_state()->hash());
  auto d = game->new_go_state();
  for (const char* v : {"C3", "D4", "E5"}) play(*d, v);
  CHECK(d->hash() != a->hash());
}

TEST_CASE("go: specs, symmetries and registry info", "[go]") {
  auto g = make_go("size=9,komi=7.5");
  CHECK(g->spec() == "go(ko=positional,komi=7.5,max_moves=243,size=9,suicide=false)");
  CHECK(g->symmetries().size() == 8);
  auto r = make_go("rows=5,cols=7");
  CHECK(r->rows() == 5);
  CHECK(r->cols() == 7);
  CHECK(r->spec() == "go(cols=7,ko=positional,komi=7.5,max_moves=105,rows=5,suicide=false)");
  CHECK(r->symmetries() == std::vector<int>{0, 1, 2, 3});
  CHECK(make_go("")->rows() == 19);
  CHECK(make_go("komi=-3,ko=simple,suicide=true")->spec() ==
        "go(ko=simple,komi=-3,max_moves=1083,size=19,suicide=true)");
  auto a = make_atari("");
  CHECK(a->spec() == "atari_go(ko=positional,max_moves=243,size=9,suicide=false)");
  // The canonical spec builds an equal game.
  for (auto game : {g, r, a}) {
    auto again = GoGame::from_spec(Spec::parse(game->spec()), game->atari_go());
    CHECK(again->spec() == game->spec());
  }
  CHECK_THROWS_AS(make_go("size=1"), tenuki::SpecError);
  CHECK_THROWS_AS(make_go("size=20"), tenuki::SpecError);
  CHECK_THROWS_AS(make_go("komi=2000"), tenuki::SpecError);
  CHECK_THROWS_AS(make_go("ko=japanese"), tenuki::SpecError);
  CHECK_THROWS_AS(make_go("handicap=2"), tenuki::SpecError);
  auto info = tenuki::go_game_info();
  CHECK(info.name == "go");
  CHECK(info.make(Spec::parse("go(size=9)"))->spec() == g->spec());
  CHECK(tenuki::atari_go_game_info().name == "atari_go");
  CHECK(g->player_name(0) == "black");
  CHECK(g->player_name(1) == "white");
}

TEST_CASE("go: game planes", "[go]") {
  auto game = make_go("size=5,komi=7.5,ko=simple");
  auto s = GoState::from_ascii(game, R"(
    . x o . .
    x o . o .
    . x o . .
    . . . . .
    . . . . .)");
  play(*s, "C4");  // black takes the ko; white to move, B4 banned
  std::vector<float> planes(7 * 25, 0.0f);
  s->fill_game_planes(planes.data(), 5, 5);
  auto p = [&](int plane, const std::string& v) { return planes[plane * 25 + at(*s, v)]; };
  // White (to move) C5: 1 liberty (D5); black C4: 1 liberty (B4); white C3: 2 (D3, C2);
  // black B5: 2 (A5, B4); white D4, black A4 and B3: 3.
  CHECK(p(0, "C5") == 1.0f);
  CHECK(p(1, "C4") == 1.0f);
  CHECK(p(2, "C3") == 1.0f);
  CHECK(p(3, "B5") == 1.0f);
  float sum_0_to_3 = 0;
  for (int i = 0; i < 4 * 25; ++i) sum_0_to_3 += planes[i];
  CHECK(sum_0_to_3 == 4.0f);
  CHECK(p(4, "A1") == Approx(0.5));  // white to move: +komi/15
  // Banned empty points: B4 (ko) and A5 (suicide for white).
  CHECK(p(5, "B4") == 1.0f);
  CHECK(p(5, "A5") == 1.0f);
  float bans = 0;
  for (int i = 0; i < 25; ++i) bans += planes[5 * 25 + i];
  CHECK(bans == 2.0f);
  // Black to move sees -komi/15.
  play(*s, "E1");
  std::fill(planes.begin(), planes.end(), 0.0f);
  s->fill_game_planes(planes.data(), 5, 5);
  CHECK(p(4, "A1") == Approx(-0.5));
  // Atari Go has no komi plane; a larger canvas keeps the board at the top-left.
  auto a = make_atari("size=5")->new_go_state();
  std::vector<float> big(7 * 64, 0.0f);
  a->fill_game_planes(big.data(), 8, 8);
  float total = 0;
  for (float v : big) total += v;
  CHECK(total == 0.0f);
}

namespace {

// Reference legality for positional superko, with none of GoState's shortcuts: play the move on
// a copy of the board and look the resulting stones up among every earlier position.
bool reference_legal(const GoState& s, const std::vector<uint64_t>& seen, int cell) {
  const Board& board = s.board();
  tenuki::go::Loc l = board.loc_of_cell(cell);
  if (board.color(l) != tenuki::go::kEmpty) return false;
  Board after = board;
  auto result = after.play(l, tenuki::go::color_of_player(s.current_player()));
  if (result.suicided > 0 && !s.go_game().allow_suicide()) return false;
  for (uint64_t h : seen) {
    if (h == after.hash()) return false;
  }
  return true;
}

// Tromp-Taylor area from Board::area_owners, for comparison with Board::area_score.
int reference_area(const Board& board) {
  std::array<uint8_t, tenuki::go::kMaxLocs> owners;
  board.area_owners(&owners);
  int score = 0;
  for (int cell = 0; cell < board.rows() * board.cols(); ++cell) {
    uint8_t o = owners[board.loc_of_cell(cell)];
    score += o == tenuki::go::kBlack ? 1 : o == tenuki::go::kWhite ? -1 : 0;
  }
  return score;
}

}  // namespace

TEST_CASE("go: superko shortcuts and area scoring agree with a brute-force reference", "[go]") {
  Rng rng(99);
  for (const char* options :
       {"size=2", "size=3", "size=4", "rows=3,cols=5", "size=5", "size=2,suicide=true",
        "size=3,suicide=true", "size=4,suicide=true", "size=7,suicide=true", "size=9"}) {
    auto game = make_go(std::string(options) + ",max_moves=200");
    CAPTURE(options);
    int checked = 0;
    for (int g = 0; g < 30; ++g) {
      auto s = game->new_go_state();
      std::vector<uint64_t> seen = {s->board().hash()};
      while (!s->is_terminal()) {
        for (int cell = 0; cell < game->num_cells(); ++cell) {
          CAPTURE(s->move_number(), cell);
          REQUIRE(s->is_legal(cell) == reference_legal(*s, seen, cell));
          ++checked;
        }
        REQUIRE(s->board().area_score() == reference_area(s->board()));
        // Mix the playout policy with uniform legal moves (which fill eyes and commit suicide).
        Action a;
        if (rng.below(2) == 0) {
          a = s->sample_playout_action(rng);
        } else {
          auto legal = s->legal_actions();
          a = legal[rng.below(static_cast<uint32_t>(legal.size()))];
        }
        s->apply_action(a);
        if (a != game->pass_action()) seen.push_back(s->board().hash());
        if (s->move_number() % 7 == 0) REQUIRE(s->board().check_invariants().empty());
      }
    }
    CHECK(checked > 0);
  }
}
