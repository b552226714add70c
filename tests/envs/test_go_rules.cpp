// Go rules on ASCII boards: captures, ko, superko, suicide, scoring, Atari Go, undo and hashing.
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "envs/games/go/board.h"
#include "envs/games/go/go_game.h"
#include "envs/spec.h"

using tenuki::Action;
using tenuki::Rng;
using tenuki::Spec;
using tenuki::go::Board;
using tenuki::go::GoGame;
using tenuki::go::GoState;

namespace {

std::shared_ptr<const GoGame> make_go(const std::string& options) {
  auto spec = Spec::parse("go(" + options + ")");
  auto game = GoGame::from_spec(spec, false);
  spec.check_all_used();
  return game;
}

std::shared_ptr<const GoGame> make_atari(const std::string& options) {
  return GoGame::from_spec(Spec::parse("atari_go(" + options + ")"), true);
}

Action at(const GoState& s, const std::string& vertex) { return s.game().string_to_action(vertex); }

void play(GoState& s, const std::string& vertex) { s.apply_action(at(s, vertex)); }

// The board as rows of X/O/. (Board::to_string format).
std::string rows_of(const GoState& s) { return s.board().to_string(); }

std::string strip(const std::string& diagram) {
  std::string out, row;
  for (char c : diagram) {
    if (c == '\n') {
      if (!row.empty()) out += row + "\n";
      row.clear();
    } else if (c != ' ') {
      row += static_cast<char>(c == 'x' ? 'X' : c == 'o' ? 'O' : c);
    }
  }
  if (!row.empty()) out += row + "\n";
  return out;
}

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
