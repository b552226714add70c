// The GTP engine in-process: protocol, errors, and rules through GTP.
#include <catch2/catch.hpp>
#include <fstream>

#include "agents/gtp/gtp_engine.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("gtp: protocol basics", "[gtp]") {
  GtpEngine e("go(size=9,komi=7.5)", "mcts(playouts=30)", 1);
  REQUIRE(e.handle("protocol_version") == "= 2\n\n");
  REQUIRE(e.handle("7 name") == "=7 tenuki\n\n");
  REQUIRE(e.handle("known_command genmove") == "= true\n\n");
  REQUIRE(e.handle("known_command frobnicate") == "= false\n\n");
  REQUIRE_THAT(e.handle("list_commands"), Contains("final_status_list"));
  REQUIRE(e.handle("# just a comment").empty());
  REQUIRE(e.handle("   ").empty());
  REQUIRE_THAT(e.handle("frobnicate"), StartsWith("? unknown command"));
  REQUIRE_THAT(e.handle("3 play"), StartsWith("?3 syntax error"));
  REQUIRE_THAT(e.handle("play purple D4"), StartsWith("? invalid color"));
  REQUIRE_THAT(e.handle("play b Z99"), StartsWith("? invalid vertex"));
  REQUIRE_THAT(e.handle("boardsize 99"), StartsWith("? unacceptable size"));
  REQUIRE_THAT(e.handle("boardsize x"), StartsWith("? syntax error"));
  REQUIRE_THAT(e.handle("komi abc"), StartsWith("? syntax error"));
  REQUIRE_THAT(e.handle("undo"), StartsWith("? cannot undo"));
  REQUIRE_THAT(e.handle("loadsgf /nonexistent/file.sgf"), StartsWith("? cannot load"));
  REQUIRE(e.handle("quit") == "=\n\n");
  REQUIRE(e.quit_requested());
}

TEST_CASE("gtp: rules through GTP", "[gtp]") {
  GtpEngine e("go(size=9,komi=7.5)", "random", 1);
  REQUIRE(e.handle("boardsize 5") == "=\n\n");
  REQUIRE(e.handle("clear_board") == "=\n\n");
  REQUIRE(e.handle("komi 0.5") == "=\n\n");
  // Black captures a white stone at A1 (corner): B1, A1(w), A2.
  REQUIRE(e.handle("play b B1") == "=\n\n");
  REQUIRE(e.handle("play w A1") == "=\n\n");
  REQUIRE(e.handle("is_legal b A2") == "= 1\n\n");
  REQUIRE(e.handle("play b A2") == "=\n\n");
  REQUIRE(e.state().cell_owner(e.state().game().string_to_action("A1")) == -1);
  // White may not play the suicide at A1 now; two moves by one colour insert a pass.
  REQUIRE(e.handle("is_legal w A1") == "= 0\n\n");
  REQUIRE_THAT(e.handle("play w A1"), StartsWith("? illegal move"));
  REQUIRE(e.handle("play b C3") == "=\n\n");
  REQUIRE(e.state().history().back() == e.state().game().string_to_action("C3"));
  // 3 black stones, white passed: area = all 25 points for black -> B+24.5 with komi 0.5.
  REQUIRE(e.handle("final_score") == "= B+24.5\n\n");
  REQUIRE(e.handle("final_status_list dead") == "=\n\n");
  REQUIRE_THAT(e.handle("final_status_list alive"), Contains("C3"));
  // Undo C3 and white's inserted pass: white is to move again.
  REQUIRE(e.handle("undo") == "=\n\n");
  REQUIRE(e.handle("undo") == "=\n\n");
  REQUIRE(e.state().current_player() == 1);
  REQUIRE_THAT(e.handle("showboard"), Contains("X"));
  auto genmove = e.handle("genmove w");
  REQUIRE_THAT(genmove, StartsWith("= "));
  REQUIRE(e.state().current_player() == 0);
}

TEST_CASE("gtp: loadsgf sets up the recorded position", "[gtp]") {
  const std::string path = "gtp_test_load.sgf";
  {
    std::ofstream f(path);
    f << "(;FF[4]GM[1]SZ[7]KM[6.5]AB[dd];W[cc];B[ee];W[ce])";
  }
  GtpEngine e("go(size=9)", "random", 1);
  REQUIRE(e.handle("loadsgf " + path) == "=\n\n");
  REQUIRE(e.state().game().rows() == 7);
  REQUIRE(e.state().move_number() == 3);
  REQUIRE(e.handle("loadsgf " + path + " 2") == "=\n\n");
  REQUIRE(e.state().move_number() == 1);
  std::remove(path.c_str());
}

TEST_CASE("gtp: other cell games play through GTP too", "[gtp]") {
  GtpEngine e("connect_four", "mcts(playouts=50)", 2);
  REQUIRE(e.handle("play b A1") == "=\n\n");
  REQUIRE_THAT(e.handle("play w A1"), StartsWith("? illegal move"));
  REQUIRE(e.handle("play w A2") == "=\n\n");
  REQUIRE_THAT(e.handle("genmove b"), StartsWith("= "));
  REQUIRE_THAT(e.handle("komi 6.5"), StartsWith("="));
}
