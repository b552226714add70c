// The `tenuki` command line, run in-process through run_cli and once as a real process.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "experiments/cli/cli.h"

using namespace tenuki;
using Catch::Matchers::Contains;

namespace {
struct Run {
  int code;
  std::string out, err;
};
// Runs the real `tenuki` with `args` (shell words), stdin closed; out = stdout and stderr. code is
// the exit status, or -1 when it did not exit normally (a crash).
Run run_binary(const std::string& args) {
  const std::string cmd = std::string(TENUKI_BINARY) + " " + args + " 2>&1 </dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {-1, "", "popen failed"};
  std::string output;
  char buf[256];
  while (fgets(buf, sizeof buf, pipe)) output += buf;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output, ""};
}
Run run(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = run_cli(args, out, err);
  return {code, out.str(), err.str()};
}
}  // namespace

TEST_CASE("cli: games lists every game with its options", "[cli]") {
  Run r = run({"games"});
  REQUIRE(r.code == 0);
  for (const char* name :
       {"go", "atari_go", "gomoku", "othello", "hex", "connect_four", "tictactoe"}) {
    REQUIRE_THAT(r.out, Contains(name));
  }
  REQUIRE_THAT(r.out, Contains("komi"));
}

TEST_CASE("cli: perft prints the count", "[cli]") {
  Run r = run({"perft", "connect_four", "4"});
  REQUIRE(r.code == 0);
  REQUIRE_THAT(r.out, Contains("perft(4) = 2401"));
}

TEST_CASE("cli: play prints results and JSON", "[cli]") {
  Run r = run({"play", "tictactoe", "--agents", "random,random", "--games", "6", "--json"});
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["game"] == "tictactoe");
  REQUIRE(j["games"] == 6);
  REQUIRE(j["agents"].size() == 2);
  REQUIRE(j["agents"][0]["spec"] == "random");
  int w0 = j["agents"][0]["wins"], l1 = j["agents"][1]["losses"];
  int d0 = j["agents"][0]["draws"], d1 = j["agents"][1]["draws"];
  REQUIRE(w0 == l1);
  REQUIRE(d0 == d1);
  REQUIRE(w0 + d0 + int(j["agents"][0]["losses"]) == 6);
  REQUIRE_THAT(r.err, Contains("game 6/6"));
  Run shown = run({"play", "go(size=5)", "--games", "1", "--show"});
  REQUIRE(shown.code == 0);
  REQUIRE_THAT(shown.out, Contains(" A B C D E"));
}

TEST_CASE("cli: bad input gives a clear message and exit code 2", "[cli]") {
  Run r = run({"perft", "chess", "3"});
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.err, Contains("unknown game 'chess'"));
  r = run({"perft", "othello", "-1"});
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.err, Contains("outside"));
  r = run({"play", "go(size=9", "--games", "1"});
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.err, Contains("column"));
  r = run({"play", "tictactoe", "--agents", "random,alphazero"});
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.err, Contains("unknown agent 'alphazero'"));
  r = run({"play", "tictactoe", "--gmaes", "3"});
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.err, Contains("unknown flag --gmaes"));
  r = run({"frobnicate"});
  REQUIRE(r.code == 2);
  r = run({"play", "hex(size=5)", "--sgf", "/tmp/x.sgf"});
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.err, Contains("only for Go"));
}

TEST_CASE("cli: the real program exits non-zero on bad input", "[cli]") {
  Run r = run_binary("perft 'go(size=99)' 1");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.out, Contains("size=99 is outside [2, 19]"));
}

TEST_CASE("cli: every command's error path is a message and exit code 2, never a crash", "[cli]") {
  const std::vector<std::string> bad = {
      "games --frobnicate",
      "perft",
      "perft 'go(size=9)' many",
      "perft 'go(size=9,komi=abc)' 1",
      "play 'hex(size=5)' --agents random",
      "play tictactoe --agents 'mcts(playouts=0)',random",
      "play tictactoe --agents 'mcts(playouts=10,gumbel=maybe)',random",
      "play tictactoe --games -3",
      "play tictactoe --agents 'gtp(rows=top)',random",
      "bench rules 'chess'",
      "bench mcts tictactoe --evaluator magic",
      "bench mcts tictactoe --leaves 0",
      "encoding 'othello(size=5)'",
      "encoding tictactoe --moves x",
      "gtp --agent 'mcts(playouts=-1)'",
      "gtp --game 'go(size=1)' --agent random",
      "tournament tictactoe --agents random",
      "tournament tictactoe --agents random,nonsense --out /tmp/tenuki_cli_error_test",
      "tournament --config /nonexistent/config.json",
      "train /nonexistent/config.json --out /tmp/tenuki_cli_error_test_run",
      "net-init",
      "bench net --batches 0",
  };
  for (const auto& args : bad) {
    Run r = run_binary(args);
    INFO("tenuki " << args << "\n" << r.out);
    REQUIRE(r.code == 2);
    REQUIRE(r.out.find("terminate called") == std::string::npos);
    REQUIRE(!r.out.empty());
  }
  REQUIRE(access("/tmp/tenuki_cli_error_test", F_OK) != 0);
}

TEST_CASE("cli: every command's --help exits 0 and lists each of its flags", "[cli]") {
  // The flags each command has always taken (README, scripts), written out here independently
  // of the parser's table.
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
      {"games", {}},
      {"perft", {}},
      {"play", {"agents", "games", "seed", "sgf", "show", "json"}},
      {"bench rules", {"seconds"}},
      {"bench mcts", {"evaluator", "model", "threads", "playouts", "leaves", "seconds"}},
      {"bench net",
       {"blocks", "channels", "threads", "dtype", "device", "seconds", "batches", "sizes",
        "lz-weights"}},
      {"train", {"out", "budget-games", "budget-steps", "budget-minutes", "selfplay-bench"}},
      {"tournament",
       {"agents", "format", "games-per-pair", "concurrency", "out", "config", "opening-plies",
        "openings", "max-moves", "seed", "anchor", "anchor-elo", "sprt", "inference", "progress"}},
      {"net-init", {"game", "blocks", "channels", "seed", "config"}},
      {"transfer", {"to", "out", "plan", "game-planes", "heads", "search", "from", "seed"}},
      {"transfer metrics",
       {"threshold", "source-cost", "bootstrap", "early", "last", "seed", "out", "json"}},
      {"transfer cka", {"game", "positions", "records", "seed", "out"}},
      {"gtp", {"agent", "game", "seed"}},
      {"encoding", {"moves", "seed"}},
  };
  for (const auto& [command, flags] : commands) {
    Run r = run_binary(command + " --help");
    INFO("tenuki " << command << " --help\n" << r.out);
    REQUIRE(r.code == 0);
    REQUIRE_THAT(r.out, Contains("xample"));
    REQUIRE_THAT(r.out, Contains("tenuki " + command));
    for (const auto& flag : flags) REQUIRE_THAT(r.out, Contains("--" + flag));
  }
  // Defaults are shown.
  REQUIRE_THAT(run_binary("play --help").out, Contains("random,random"));
  REQUIRE_THAT(run_binary("tournament --help").out, Contains("round-robin"));
  // The top-level help names every command; `tenuki help CMD` is `tenuki CMD --help`.
  Run top = run_binary("--help");
  REQUIRE(top.code == 0);
  for (const char* c : {"games", "perft", "play", "bench", "train", "transfer", "tournament",
                        "net-init", "gtp", "encoding", "--version"}) {
    REQUIRE_THAT(top.out, Contains(c));
  }
  Run help_play = run_binary("help play");
  REQUIRE(help_play.code == 0);
  REQUIRE_THAT(help_play.out, Contains("--agents"));
  // No command at all is a usage error.
  REQUIRE(run_binary("").code == 2);
}

TEST_CASE("cli: --version names the commit, LibTorch, device and compiler", "[cli]") {
  Run r = run_binary("--version");
  REQUIRE(r.code == 0);
  REQUIRE_THAT(r.out, Contains("tenuki "));
  REQUIRE_THAT(r.out, Contains("libtorch: "));
  REQUIRE_THAT(r.out, Contains("device: "));
  REQUIRE_THAT(r.out, Contains("compiler: "));
  const auto at = r.out.find("commit: ");
  REQUIRE(at != std::string::npos);
  const std::string commit = r.out.substr(at + 8, r.out.find('\n', at) - at - 8);
  INFO(commit);
  // `git describe --always --dirty` (a hash, maybe a tag and -dirty), or "unknown" outside git.
  REQUIRE(std::regex_match(commit, std::regex("unknown|[A-Za-z0-9._/-]*[0-9a-f]{7,}(-dirty)?")));
}

TEST_CASE("cli: unknown flags and values are named, through the real program", "[cli]") {
  Run r = run_binary("tournament tictactoe --agentz random,random --out /tmp/x");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.out, Contains("unknown flag --agentz"));
  r = run_binary("bench net --blockz 3");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.out, Contains("unknown flag --blockz"));
  r = run_binary("play tictactoe --games");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.out, Contains("--games"));
  r = run_binary("play tictactoe --games=abc");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.out, Contains("'abc'"));
  r = run_binary("games extra");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.out, Contains("'extra'"));
  r = run_binary("bench");
  REQUIRE(r.code == 2);
  // --flag=value and a repeated flag (the last one wins) still work.
  r = run_binary("play tictactoe --games=2 --games 3 --json");
  REQUIRE(r.code == 0);
  REQUIRE(nlohmann::json::parse(r.out.substr(r.out.find('{')))["games"] == 3);
}

TEST_CASE("cli: bash completion lists commands and flags", "[cli]") {
  Run r = run({"completion"});
  REQUIRE(r.code == 0);
  REQUIRE_THAT(r.out, Contains("complete -o default -F _tenuki tenuki"));
  REQUIRE_THAT(r.out, Contains("--games-per-pair"));
  REQUIRE_THAT(r.out, Contains("bench_net)"));
  REQUIRE_THAT(r.out, Contains("transfer_cka)"));
}
