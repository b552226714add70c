// SGF reading and writing for Go.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "envs/games/go/go_game.h"
#include "envs/games/go/sgf.h"
#include "envs/spec.h"
#include "tests/envs/go_test_helpers.h"

using namespace tenuki::test;
using tenuki::Action;
using tenuki::Rng;
using tenuki::Spec;
using tenuki::go::GoGame;
using tenuki::go::GoState;
using tenuki::go::parse_sgf;
using tenuki::go::sgf_to_state;
using tenuki::go::SgfError;
using tenuki::go::write_sgf;

namespace {

// Expects parse (and replay) of `text` to fail at the given line and column.
void expect_error(const std::string& text, int line, int column, const std::string& fragment) {
  try {
    auto record = parse_sgf(text);
    sgf_to_state(record);
    FAIL("no SgfError for: " << text);
  } catch (const SgfError& e) {
    INFO(e.what());
    CHECK(e.line() == line);
    CHECK(e.column() == column);
    CHECK(std::string(e.what()).find(fragment) != std::string::npos);
    CHECK(std::string(e.what()).find("line " + std::to_string(line)) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("sgf: round trip of random games", "[sgf]") {
  for (const char* spec : {"size=9,komi=6.5", "rows=5,cols=7,komi=0", "size=19,komi=-2.5"}) {
    auto game = make_go(spec);
    Rng rng(3);
    for (int i = 0; i < 3; ++i) {
      auto s = game->new_go_state();
      int limit = 60 + 40 * i;
      while (!s->is_terminal() && s->move_number() < limit) {
        s->apply_action(s->sample_playout_action(rng));
      }
      std::string text = write_sgf(*s, "alpha", "be]ta");
      auto record = parse_sgf(text);
      CHECK(record.rows == game->rows());
      CHECK(record.cols == game->cols());
      CHECK(record.komi == game->komi());
      CHECK(record.black_name == "alpha");
      CHECK(record.white_name == "be]ta");
      CHECK(record.rules == "Chinese");
      CHECK(record.result == s->result_string());
      REQUIRE(record.moves.size() == s->history().size());
      for (size_t k = 0; k < record.moves.size(); ++k) {
        CHECK(record.moves[k].action == s->history()[k]);
        CHECK(record.moves[k].player == static_cast<int>(k % 2));
      }
      auto replayed = sgf_to_state(record, game);
      CHECK(replayed->hash() == s->hash());
      CHECK(replayed->board().to_string() == s->board().to_string());
      auto from_spec = sgf_to_state(record);  // the game the record names
      CHECK(from_spec->game().rows() == game->rows());
      CHECK(from_spec->board().hash() == s->board().hash());
    }
  }
}

TEST_CASE("sgf: setup stones and white to move survive a round trip", "[sgf]") {
  auto game = make_go("size=9,komi=0.5");
  auto s = GoState::from_setup(game, {20, 24, 60}, {30, 31}, 1);
  s->apply_action(40);
  s->apply_action(game->pass_action());
  std::string text = write_sgf(*s);
  CHECK(text.find("AB[cc][gc][gg]") != std::string::npos);
  CHECK(text.find("AW[dd][ed]") != std::string::npos);
  CHECK(text.find("PL[W]") != std::string::npos);
  CHECK(text.find(";W[ee];B[]") != std::string::npos);
  auto record = parse_sgf(text);
  CHECK(record.setup_black == std::vector<int>{20, 24, 60});
  CHECK(record.setup_white == std::vector<int>{30, 31});
  CHECK(record.player_to_move == 1);
  auto replayed = sgf_to_state(record, game);
  CHECK(replayed->hash() == s->hash());
  CHECK(replayed->initial_board().hash() == s->initial_board().hash());
}

TEST_CASE("sgf: a real-looking record with compressed points, passes and variations", "[sgf]") {
  const std::string text = R"((;GM[1]FF[4]CA[UTF-8]AP[CGoban:3]ST[2]
RU[Japanese]SZ[9]KM[6.50]HA[2]
PW[White Player]PB[Black \] Player]RE[W+12.5]DT[2020-01-01]
C[A comment with (parens) and ;semicolons; and \\ backslash]
AB[cc:dd][gg]AW[ff]PL[W]
;W[ee]C[tenuki];B[tt]
;W[]
(;B[aa]
;W[ab])
(;B[ii]))
)";
  auto record = parse_sgf(text);
  CHECK(record.rows == 9);
  CHECK(record.komi == 6.5);
  CHECK(record.rules == "Japanese");
  CHECK(record.black_name == "Black ] Player");
  CHECK(record.white_name == "White Player");
  CHECK(record.result == "W+12.5");
  CHECK(record.game_spec == "go(komi=6.5,size=9)");
  // cc:dd is the rectangle C7, D7, C6, D6 (rows from the top: c = 2, d = 3).
  CHECK(record.setup_black == std::vector<int>{2 * 9 + 2, 2 * 9 + 3, 3 * 9 + 2, 3 * 9 + 3, 60});
  CHECK(record.setup_white == std::vector<int>{5 * 9 + 5});
  REQUIRE(record.moves.size() == 5);  // main line only: W ee, B pass, W pass, B aa, W ab
  CHECK(record.moves[0].action == 40);
  CHECK(record.moves[1].action == 81);
  CHECK(record.moves[2].action == 81);
  CHECK(record.moves[3].action == 0);
  CHECK(record.moves[4].action == 9);
  CHECK(record.moves[3].line == 8);
  CHECK(record.moves[3].column == 4);  // the value's '['
  // Two passes end the game, so replaying the rest is an error naming B[aa].
  expect_error(text, 8, 4, "illegal black move A9");
  record.moves.resize(2);
  auto s = sgf_to_state(record);
  CHECK(s->current_player() == 1);
  CHECK(s->game().spec() == "go(ko=positional,komi=6.5,max_moves=243,size=9,suicide=false)");
}

TEST_CASE("sgf: rectangular sizes", "[sgf]") {
  auto record = parse_sgf("(;FF[4]GM[1]SZ[7:5];B[ga];W[ae])");
  CHECK(record.cols == 7);
  CHECK(record.rows == 5);
  CHECK(record.game_spec == "go(cols=7,komi=0,rows=5)");
  CHECK(record.moves[0].action == 6);
  CHECK(record.moves[1].action == 4 * 7);
  expect_error("(;FF[4]SZ[7:5];B[af])", 1, 17, "outside the 7x5 board");
}

TEST_CASE("sgf: malformed input gives SgfError with line and column", "[sgf]") {
  expect_error("(;FF[4]SZ[9]\n;B[cc]\n;W[dd", 3, 3, "unterminated");
  expect_error("(;SZ[9];B[c])", 1, 10, "bad point");
  expect_error("(;SZ[9];B[c1])", 1, 10, "bad point");
  expect_error("  \n  ;SZ[9])", 2, 3, "expected '(;'");
  expect_error("(SZ[9])", 1, 2, "expected ';'");
  expect_error("(;SZ[9];B[jj])", 1, 10, "outside the 9x9 board");
  expect_error("(;SZ[9]\n;B[cc];W[cc])", 2, 9, "illegal white move C7");
  expect_error("(;SZ[9];B[cc];B[dd])", 1, 16, "out of turn");
  expect_error("(;SZ[25])", 1, 5, "unsupported");
  expect_error("(;SZ[9]KM[six])", 1, 10, "bad komi");
  expect_error("(;GM[3]SZ[9])", 1, 5, "not a Go record");
  expect_error("(;SZ[9];B[cc]", 1, 14, "missing ')'");
  expect_error("(;SZ[9];B", 1, 10, "has no value");
}

TEST_CASE("sgf: atomic file writing and reading", "[sgf]") {
  auto game = make_go("size=9");
  auto s = game->new_go_state();
  s->apply_action(40);
  std::string path = "/tmp/tenuki_test_sgf_" + std::to_string(::getpid()) + ".sgf";
  tenuki::go::write_sgf_file(path, write_sgf(*s));
  auto record = tenuki::go::read_sgf_file(path);
  CHECK(record.moves.size() == 1);
  std::remove(path.c_str());
  CHECK_THROWS_AS(tenuki::go::read_sgf_file(path), SgfError);
  CHECK_THROWS_AS(tenuki::go::write_sgf_file("/nonexistent_dir/x.sgf", "(;)"), std::runtime_error);
}
