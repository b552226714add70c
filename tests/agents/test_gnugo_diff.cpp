// Differential test of the Go rules against GNU Go (simple ko, suicide forbidden): legality of
// sampled points, the full position and the capture counts after every move of seeded random
// games. Skipped with a warning when GNU Go is not installed.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "agents/gtp/gtp_client.h"
#include "envs/games/go/go_game.h"
#include "envs/spec.h"

using tenuki::Action;
using tenuki::GtpClient;
using tenuki::Rng;
using tenuki::go::GoGame;
using tenuki::go::GoState;

namespace {

// Path of the gnugo binary, or "" when there is none.
std::string find_gnugo() {
  if (::access("/usr/games/gnugo", X_OK) == 0) return "/usr/games/gnugo";
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/gnugo";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::vector<Action> parse_vertices(const GoGame& game, const std::string& text) {
  std::vector<Action> out;
  std::stringstream in(text);
  std::string v;
  while (in >> v) out.push_back(game.string_to_action(v));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Action> our_stones(const GoState& s, int player) {
  std::vector<Action> out;
  for (int cell = 0; cell < s.game().num_cells(); ++cell) {
    if (s.cell_owner(cell) == player) out.push_back(cell);
  }
  return out;
}

struct DiffStats {
  int moves = 0;
  int legality_checks = 0;
  int illegal_agreed = 0;
  int captures = 0;
};

// Plays `games` seeded random games on a size x size board in lock-step with GNU Go.
void diff_games(GtpClient& gnugo, int size, int games, int max_moves, uint64_t seed,
                DiffStats* stats) {
  auto game = GoGame::from_spec(
      tenuki::Spec::parse("go(size=" + std::to_string(size) + ",ko=simple,komi=0)"), false);
  Rng rng(seed);
  const char* colour[2] = {"black", "white"};
  for (int g = 0; g < games; ++g) {
    gnugo.send("boardsize " + std::to_string(size));
    gnugo.send("clear_board");
    auto s = game->new_go_state();
    while (!s->is_terminal() && s->move_number() < max_moves) {
      const int player = s->current_player();
      INFO("game " << g << " move " << s->move_number() + 1 << "\n" << s->to_string());
      // Candidates: every empty point we refuse, a random sample of others, one occupied point.
      std::vector<Action> candidates;
      std::vector<Action> empty;
      for (int cell = 0; cell < game->num_cells(); ++cell) {
        if (s->cell_owner(cell) >= 0) continue;
        if (!s->is_legal(cell)) {
          candidates.push_back(cell);
        } else {
          empty.push_back(cell);
        }
      }
      for (int k = 0; k < 6 && !empty.empty(); ++k) {
        size_t i = rng.below(static_cast<uint32_t>(empty.size()));
        candidates.push_back(empty[i]);
        empty.erase(empty.begin() + static_cast<long>(i));
      }
      if (s->move_number() > 0 && s->history().back() != game->pass_action()) {
        candidates.push_back(s->history().back());
      }
      for (Action a : candidates) {
        const std::string vertex = game->action_to_string(a);
        const bool theirs =
            gnugo.send(std::string("is_legal ") + colour[player] + " " + vertex) == "1";
        INFO(colour[player] << " " << vertex);
        REQUIRE(s->is_legal(a) == theirs);
        stats->legality_checks++;
        if (!theirs) stats->illegal_agreed++;
      }
      // Mostly playout moves; sometimes any legal move, so eyes get filled and self-ataris
      // (hence kos and snapbacks) happen.
      Action move;
      if (rng.below(4) == 0) {
        auto legal = s->legal_actions();
        move = legal[rng.below(static_cast<uint32_t>(legal.size()))];
      } else {
        move = s->sample_playout_action(rng);
      }
      gnugo.send(std::string("play ") + colour[player] + " " + game->action_to_string(move));
      const int before = s->captures(0) + s->captures(1);
      s->apply_action(move);
      stats->moves++;
      stats->captures += s->captures(0) + s->captures(1) - before;
      REQUIRE(parse_vertices(*game, gnugo.send("list_stones black")) == our_stones(*s, 0));
      REQUIRE(parse_vertices(*game, gnugo.send("list_stones white")) == our_stones(*s, 1));
      REQUIRE(std::stoi(gnugo.send("captures black")) == s->captures(0));
      REQUIRE(std::stoi(gnugo.send("captures white")) == s->captures(1));
    }
  }
}

void run_diff(const std::vector<std::array<int, 4>>& plan) {
  const std::string gnugo_path = find_gnugo();
  if (gnugo_path.empty()) {
    WARN("gnugo not found (/usr/games/gnugo or PATH): GNU Go differential test skipped");
    return;
  }
  GtpClient gnugo(gnugo_path + " --mode gtp --level 0");
  DiffStats stats;
  // plan rows: size, games, max moves per game, seed
  for (const auto& [size, games, max_moves, seed] : plan) {
    diff_games(gnugo, size, games, max_moves, static_cast<uint64_t>(seed), &stats);
  }
  INFO("moves " << stats.moves << ", captures " << stats.captures);
  CHECK(stats.moves > 0);
  CHECK(stats.captures > 0);        // the games did exercise captures
  CHECK(stats.illegal_agreed > 0);  // ... and illegal points (suicide, ko, occupied)
}

}  // namespace

TEST_CASE("gnugo diff: random games agree with GNU Go", "[go][gnugo]") {
  run_diff({{9, 4, 300, 11}, {7, 2, 200, 12}, {13, 1, 300, 13}});
}

TEST_CASE("gnugo diff: many full random games agree with GNU Go", "[go][gnugo][slow]") {
  run_diff({{9, 25, 400, 101},
            {7, 15, 300, 102},
            {5, 20, 200, 103},
            {13, 5, 600, 104},
            {19, 2, 900, 105}});
}

TEST_CASE("subprocess: line I/O, EOF, exec failure and SIGPIPE safety", "[gtp]") {
  using tenuki::Subprocess;
  auto cat = Subprocess::shell("cat");
  REQUIRE(cat.write_line("hello"));
  std::string line;
  REQUIRE(cat.read_line(&line, std::chrono::milliseconds(5000)) == Subprocess::ReadStatus::kLine);
  CHECK(line == "hello");
  CHECK(cat.read_line(&line, std::chrono::milliseconds(20)) == Subprocess::ReadStatus::kTimeout);
  CHECK(cat.is_alive());
  cat.close_stdin();
  CHECK(cat.read_line(&line, std::chrono::milliseconds(5000)) == Subprocess::ReadStatus::kEof);

  CHECK_THROWS_AS(Subprocess({"/nonexistent/program"}), tenuki::SubprocessError);

  Subprocess quitter({"/bin/sh", "-c", "exit 3"});
  CHECK(quitter.read_line(&line, std::chrono::milliseconds(5000)) == Subprocess::ReadStatus::kEof);
  while (quitter.is_alive()) {
  }
  // Writing to a dead child reports failure instead of killing us with SIGPIPE.
  bool ok = true;
  for (int i = 0; i < 3; ++i) ok = ok && quitter.write_line(std::string(100000, 'x'));
  CHECK_FALSE(ok);
}

TEST_CASE("gtp client: dead engine, timeout and failure responses", "[gtp]") {
  using tenuki::GtpClient;
  using tenuki::GtpEngineError;
  {
    GtpClient dead("true");
    CHECK_THROWS_AS(dead.query("name"), GtpEngineError);
    CHECK_THROWS_AS(dead.query("name"), GtpEngineError);  // stays unusable
  }
  {
    tenuki::GtpClientOptions options;
    options.timeout = std::chrono::milliseconds(100);
    GtpClient silent("sleep 30", options);
    CHECK_THROWS_WITH(silent.query("name"), Catch::Contains("timed out"));
  }  // the destructor kills the sleeping child at once
  {
    // A scripted engine: answers with ids and a multi-line response, then a failure.
    GtpClient fake("printf '=1 line one\\nline two\\n\\n?2 unknown command\\n\\n'; sleep 5");
    auto r = fake.query("list_commands");
    CHECK(r.success);
    CHECK(r.text == "line one\nline two");
    CHECK_THROWS_AS(fake.send("frobnicate"), tenuki::GtpCommandError);
  }
  {
    // An engine that crashes: the error says how it ended and what it last wrote to stderr.
    GtpClient crashing(
        "read line; echo 'loading weights' >&2; echo 'out of memory' >&2; "
        "kill -SEGV $$");
    CHECK_THROWS_WITH(
        crashing.query("genmove b"),
        Catch::Contains("killed by signal 11") &&
            Catch::Contains("its stderr ended with: loading weights | out of memory"));
    GtpClient quitting("read line; echo 'bad board size' >&2; exit 3");
    CHECK_THROWS_WITH(quitting.query("boardsize 42"),
                      Catch::Contains("exited with code 3") && Catch::Contains("bad board size"));
  }
  {
    // An engine that writes 1 MB to stderr before answering (the pipe holds 64 KB) is not blocked
    // by the client keeping its stderr.
    GtpClient chatty(
        "head -c 1000000 /dev/zero | tr '\\0' x >&2; echo >&2; read line; "
        "printf '=1 chatty\\n\\n'; sleep 5");
    CHECK(chatty.send("name") == "chatty");
  }
  const std::string gnugo_path = find_gnugo();
  if (gnugo_path.empty()) return;
  GtpClient gnugo(gnugo_path + " --mode gtp");
  CHECK(gnugo.send("name") == "GNU Go");
  CHECK_FALSE(gnugo.query("no_such_command").success);
  CHECK(gnugo.is_alive());
}
