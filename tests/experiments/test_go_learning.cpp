// Go learns by self-play: a short run from zero on 5x5 beats the random agent, and its self-play
// games are played out rather than passed away (the pass rule, SearchConfig::safe_pass).
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "agents/match.h"
#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "agents/net/torch_evaluator.h"
#include "agents/random_agent.h"
#include "agents/search/search_agent.h"
#include "envs/registry.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using namespace tenuki::test;

namespace {

// Wins + draws/2 of `net` (a search of `playouts` with the default pass rule) against the random
// agent over `games` games, colours alternating.
double score_against_random(const std::shared_ptr<PolicyValueNet>& net, const Game& game, int games,
                            int playouts) {
  SearchConfig search;
  search.playouts = playouts;
  search.seed = 11;
  SearchAgent me("net", search, make_torch_evaluator(net));
  RandomAgent random(12);
  const MatchSummary m = play_match(game, {&me, &random}, games, nullptr);
  return (m.tallies[0].wins + 0.5 * m.tallies[0].draws) / m.games;
}

}  // namespace

TEST_CASE("self-play learns Go 5x5: beats random and plays its games out", "[selfplay][slow]") {
  TempDir dir;
  const std::string config = dir.path + "/go5.json";
  std::ofstream(config) << R"J({
    "game": "go(size=5,komi=0.5)", "seed": 1,
    "network": {"blocks": 3, "channels": 32, "head_channels": 16, "value_hidden": 32,
                "global_pool_every": 2, "ownership_head": true},
    "search": {"playouts": 48, "fast_playouts": 16, "full_search_prob": 0.5,
               "leaves_per_batch": 8, "root_noise": true, "dirichlet_total": 10.83,
               "temperature": 1.0, "temperature_moves": 4, "forced_playouts": true},
    "selfplay": {"workers": 1, "games_per_worker": 32, "chunk_games": 200},
    "inference": {"device": "cpu", "threads": 1, "wait_ms": 1},
    "replay": {"window": 20000, "min_positions": 1000},
    "training": {"device": "cpu", "batch_size": 128, "lr": 0.02, "train_ratio": 6,
                 "ownership_weight": 0.5, "checkpoint_every": 500, "metrics_every": 25,
                 "progress_seconds": 30},
    "budget": {"steps": 1200, "minutes": 10}
  })J";
  const auto start = std::chrono::steady_clock::now();
  std::string output;
  REQUIRE(run_train({config, "--out", dir.path + "/run"}, &output) == 0);
  const double minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60;
  WARN("Go 5x5 training took " << minutes << " min\n" << output);

  // Self-play games are played out: over the whole run (the summary line), games average more
  // moves than half the board's points and passes are a minority of the moves.
  auto game = make_game("go(size=5,komi=0.5)");
  const auto state_json = nlohmann::json::parse(read_text(dir.path + "/run/state.json"));
  const auto summary = read_jsonl(dir.path + "/run/metrics.jsonl").back();
  REQUIRE(summary["type"] == "summary");
  const double mean_length = summary["mean_game_length"].get<double>();
  const double pass_share = summary["pass_share"].get<double>();
  INFO("over the run: mean game length " << mean_length << ", pass share " << pass_share);
  CHECK(mean_length > 0.5 * game->num_cells());
  CHECK(pass_share < 0.25);

  // The trained net against random, 40 games; the same architecture freshly initialised is
  // measured beside it with the same search.
  auto trained =
      load_checkpoint(dir.path + "/run/" + state_json["latest_checkpoint"].get<std::string>());
  auto fresh = std::make_shared<PolicyValueNet>(trained->config(), 1);
  const double trained_score = score_against_random(trained, *game, 40, 32);
  const double fresh_score = score_against_random(fresh, *game, 40, 32);
  WARN("against random (40 games, 32 playouts): trained " << trained_score << ", fresh "
                                                          << fresh_score);
  CHECK(trained_score >= 0.9);
  CHECK(trained_score > fresh_score);
}
