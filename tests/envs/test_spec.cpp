#include <catch2/catch.hpp>

#include "envs/registry.h"
#include "envs/spec.h"

using namespace tenuki;
using Catch::Matchers::Contains;

TEST_CASE("spec: names, options and quoted values", "[spec]") {
  Spec s = Spec::parse(" gtp ( cmd = \"gnugo --mode gtp, \\\"q\\\"\" , level=10 ) ");
  REQUIRE(s.name() == "gtp");
  REQUIRE(s.get_string("cmd", "") == "gnugo --mode gtp, \"q\"");
  REQUIRE(s.get_int("level", 0, 0, 20) == 10);
  REQUIRE_NOTHROW(s.check_all_used());
  REQUIRE(Spec::parse("random").name() == "random");
  REQUIRE(Spec::parse("random()").name() == "random");
}

TEST_CASE("spec: errors name the column and the problem", "[spec]") {
  REQUIRE_THROWS_WITH(Spec::parse("go(size=9"), Contains("column 10") && Contains("')'"));
  REQUIRE_THROWS_WITH(Spec::parse("go(size)"), Contains("'='"));
  REQUIRE_THROWS_WITH(Spec::parse("go(a=\"x)"), Contains("unterminated"));
  REQUIRE_THROWS_WITH(Spec::parse("go(a=1,a=2)"), Contains("twice"));
  REQUIRE_THROWS_WITH(Spec::parse("go(a=1) x"), Contains("after the spec"));
  REQUIRE_THROWS_WITH(Spec::parse(""), Contains("expected a name"));
  Spec s = Spec::parse("go(size=abc,komi=1e9,ko=what)");
  REQUIRE_THROWS_WITH(s.get_int("size", 9, 2, 19), Contains("not an integer"));
  REQUIRE_THROWS_WITH(s.get_double("komi", 7.5, -100, 100), Contains("outside"));
  REQUIRE_THROWS_WITH(s.get_choice("ko", "simple", {"simple", "positional"}),
                      Contains("one of: simple, positional"));
}

TEST_CASE("spec: unknown options are rejected, listing the valid ones", "[spec]") {
  REQUIRE_THROWS_WITH(make_game("go(size=9,komy=6.5)"),
                      Contains("unknown option(s) komy") && Contains("komi"));
  REQUIRE_THROWS_WITH(make_game("chess"), Contains("unknown game 'chess'") && Contains("othello"));
  REQUIRE_THROWS_WITH(make_game("go(size=25)"), Contains("outside [2, 19]"));
  REQUIRE_THROWS_WITH(make_game("othello(size=7)"), Contains("even"));
}

TEST_CASE("spec: split at top-level commas", "[spec]") {
  auto parts = split_top_level("mcts(a=1,b=\"x,)\"), random ,gtp(cmd=\"a,b\")", ',');
  REQUIRE(parts == std::vector<std::string>{"mcts(a=1,b=\"x,)\")", "random", "gtp(cmd=\"a,b\")"});
}

TEST_CASE("spec: canonical specs round-trip through the registry", "[spec]") {
  GameRegistry registry;
  register_builtin_games(registry);
  for (const auto& info : registry.games()) {
    auto game = registry.make(info.name);
    INFO(game->spec());
    REQUIRE(registry.make(game->spec())->spec() == game->spec());
  }
  REQUIRE(Spec::format("gtp", {{"cmd", "gnugo --mode gtp"}}) == "gtp(cmd=\"gnugo --mode gtp\")");
}
