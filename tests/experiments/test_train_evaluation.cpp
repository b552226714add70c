// The reference evaluations of `tenuki train`: what they write beside the win rate.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "envs/games/go/sgf.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using namespace tenuki::test;

namespace {

namespace fs = std::filesystem;

// The games of an SGF file written as one record after the other.
std::vector<std::string> split_records(const std::string& text) {
  std::vector<std::string> records;
  size_t start = text.find("(;");
  while (start != std::string::npos) {
    size_t next = text.find("(;", start + 2);
    records.push_back(text.substr(start, next == std::string::npos ? next : next - start));
    start = next;
  }
  return records;
}

// The games of an evaluation against the first opponent, one JSON line each.
std::vector<nlohmann::json> evaluation_games(const std::string& run, int64_t step) {
  char name[64];
  std::snprintf(name, sizeof(name), "/step_%08lld_opponent_0.jsonl", static_cast<long long>(step));
  const std::string file = run + "/evaluations/games" + name;
  REQUIRE(fs::exists(file));
  return read_jsonl(file);
}

}  // namespace

TEST_CASE("train evaluations of Go report the area margin and keep the games as SGF and JSON",
          "[selfplay][threads]") {
  TempDir dir;
  const std::string config = dir.path + "/go5.json";
  std::ofstream(config) << tiny_train_config(R"J({
    "game": "go(size=5,komi=0.5)", "seed": 5,
    "evaluation": {"every_steps": 4, "games": 4, "opening_plies": 1, "agents": ["random"],
                   "search": {"playouts": 4}},
    "budget": {"steps": 4}
  })J");
  const std::string run = dir.path + "/run";
  std::string output;
  REQUIRE(run_train({config, "--out", run}, &output) == 0);
  INFO(output);
  int evaluations = 0;
  std::vector<nlohmann::json> first_openings;
  for (const auto& line : read_jsonl(run + "/metrics.jsonl")) {
    if (line["type"] != "eval") continue;
    ++evaluations;
    const int64_t step = line["step"];
    // Neither side resigns: every game ends by the rules and counts for the margin.
    REQUIRE(line["eval_games"] == 4);
    REQUIRE(line["scored_games"] == 4);
    // The games as JSON lines: the net's results are the metrics line's tally, its margins sum
    // to the mean, the two games of a pair share their opening with colours swapped, and every
    // evaluation plays the same openings (they pair up across evaluations).
    const std::vector<nlohmann::json> games = evaluation_games(run, step);
    REQUIRE(games.size() == 4);
    int wins = 0, draws = 0, losses = 0;
    double margin_sum = 0;
    std::vector<nlohmann::json> openings;
    for (size_t i = 0; i < games.size(); ++i) {
      const nlohmann::json& g = games[i];
      CHECK(g["game"] == i);
      CHECK(g["net_player"] == i % 2);
      CHECK(g["opening"].size() == 1);
      CHECK(g["resigned"] == false);
      CHECK(g["moves"].get<int>() > 1);
      const int result = g["result"];
      (result > 0 ? wins : result < 0 ? losses : draws)++;
      margin_sum += g["area_margin"].get<int>();
      openings.push_back(g["opening"]);
    }
    CHECK(openings[0] == openings[1]);
    CHECK(openings[2] == openings[3]);
    if (first_openings.empty()) first_openings = openings;
    CHECK(openings == first_openings);
    CHECK(line["wins"] == wins);
    CHECK(line["draws"] == draws);
    CHECK(line["losses"] == losses);
    CHECK(line["mean_area_margin"].get<double>() == Approx(margin_sum / 4).margin(0.006));
    char name[64];
    std::snprintf(name, sizeof(name), "/step_%08lld_opponent_0.sgf", static_cast<long long>(step));
    const std::string file = run + "/evaluations/games" + name;
    REQUIRE(fs::exists(file));
    const std::vector<std::string> records = split_records(read_text(file));
    REQUIRE(records.size() == 4);
    // The margin recomputed from the records: the net's area minus the opponent's, no komi.
    double sum = 0;
    int net_black = 0;
    for (const std::string& text : records) {
      const go::SgfGame record = go::parse_sgf(text);
      CHECK(record.rows == 5);
      CHECK(((record.black_name == "net") != (record.white_name == "net")));
      const bool black = record.black_name == "net";
      net_black += black ? 1 : 0;
      auto end = go::sgf_to_state(record);
      CHECK(end->is_terminal());
      sum += (black ? 1 : -1) * end->area_score_black_minus_white();
    }
    CHECK(net_black == 2);  // colours alternate
    CHECK(line["mean_area_margin"].get<double>() == Approx(sum / 4).margin(0.006));
  }
  CHECK(evaluations == 2);  // steps 0 and 4
}

TEST_CASE("train evaluations of a game not scored by area keep JSON games, no margin, no SGF",
          "[selfplay][threads]") {
  TempDir dir;
  const std::string config = dir.path + "/c4.json";
  std::ofstream(config) << tiny_train_config(R"({
    "game": "connect_four", "seed": 6,
    "evaluation": {"every_steps": 4, "games": 2, "agents": ["random"],
                   "search": {"playouts": 4}},
    "budget": {"steps": 2}
  })");
  const std::string run = dir.path + "/run";
  std::string output;
  REQUIRE(run_train({config, "--out", run}, &output) == 0);
  INFO(output);
  int evaluations = 0;
  for (const auto& line : read_jsonl(run + "/metrics.jsonl")) {
    if (line["type"] != "eval") continue;
    ++evaluations;
    CHECK(line["eval_games"] == 2);
    CHECK_FALSE(line.contains("scored_games"));
    CHECK_FALSE(line.contains("mean_area_margin"));
    const std::vector<nlohmann::json> games = evaluation_games(run, line["step"]);
    REQUIRE(games.size() == 2);
    for (const nlohmann::json& g : games) {
      CHECK(g["opening"].empty());
      CHECK_FALSE(g.contains("area_margin"));
    }
  }
  CHECK(evaluations >= 1);
  for (const auto& entry : fs::directory_iterator(run + "/evaluations/games")) {
    CHECK(entry.path().extension() == ".jsonl");
  }
}
