// Self-play resignation (selfplay/resign_rule.h) and its control games, with an evaluator whose
// verdict is fixed: player 0 is winning everywhere.
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "agents/eval/evaluator.h"
#include "envs/registry.h"
#include "selfplay/game_record.h"
#include "selfplay/rate_controller.h"
#include "selfplay/resign_rule.h"
#include "selfplay/selfplay_worker.h"
#include "tests/selfplay/worker_test_helpers.h"

using namespace tenuki;

namespace {

// Uniform policy; value +0.99 for player 0 to move, -0.99 for player 1.
class PlayerZeroWinsBatch : public VectorBatch {
 public:
  using VectorBatch::VectorBatch;
  int add(const State& state) override {
    const int i = add_slot(state);
    set_uniform_policy(i);
    values_[i] = state.current_player() == 0 ? 0.99f : -0.99f;
    return i;
  }
  void compute() override {}
};

class PlayerZeroWinsEvaluator : public Evaluator {
 public:
  explicit PlayerZeroWinsEvaluator(int num_actions) : num_actions_(num_actions) {}
  EvaluatorAttributes attributes() const override { return {}; }
  std::unique_ptr<EvaluatorBatch> new_batch() override {
    return std::make_unique<PlayerZeroWinsBatch>(num_actions_);
  }

 private:
  int num_actions_;
};

// Plays `count` Connect Four games in one worker with `rule`, continuing `resume` first, and
// returns their records.
std::vector<SelfPlayRecord> play(const ResignRule& rule, int count,
                                 std::vector<SelfPlayRecord> resume = {}) {
  std::shared_ptr<const Game> game = make_game("connect_four");
  SearchConfig search;
  search.playouts = 16;
  search.root_noise = true;
  search.temperature = 1;
  search.temperature_moves = 100;
  search.fast_playouts = 4;
  SelfPlayWorkerOptions options;
  options.games = 4;
  options.resign = rule;
  PlayerZeroWinsEvaluator evaluator(game->num_actions());
  return test::play_worker_games(game, search, options, evaluator, count, std::move(resume));
}

}  // namespace

TEST_CASE("resign tracker: a streak of agreeing full searches names the loser", "[selfplay]") {
  ResignRule rule;
  rule.threshold = -0.9;
  rule.consecutive = 3;
  ResignTracker t(rule);
  CHECK(t.observe(0, -0.95) == -1);  // player 0 losing, by its own search
  CHECK(t.observe(1, 0.93) == -1);   // and by its opponent's
  CHECK(t.observe(0, -0.91) == 0);
  t.reset();
  CHECK(t.observe(1, -0.95) == -1);
  CHECK(t.observe(0, 0.5) == -1);  // undecided: the streak starts again
  CHECK(t.observe(1, -0.95) == -1);
  CHECK(t.observe(0, -0.95) == -1);  // the other player: a new streak
  CHECK(t.observe(1, 0.99) == -1);
  CHECK(t.observe(0, -0.99) == 0);

  ResignTracker never(ResignRule{});
  for (int i = 0; i < 10; ++i) CHECK(never.observe(i % 2, i % 2 ? 1.0 : -1.0) == -1);
}

TEST_CASE("self-play resigns lost games and plays the control games out", "[selfplay]") {
  ResignRule rule;
  rule.threshold = -0.9;
  rule.consecutive = 2;
  rule.no_resign_fraction = 0;
  // Player 0's first search says player 1 is losing, and player 1's own search agrees: player 1
  // resigns before its first move.
  for (const SelfPlayRecord& r : play(rule, 6)) {
    CHECK(r.resigned);
    CHECK(r.result == 1.0);
    CHECK(r.moves.size() == 1);
    CHECK_FALSE(r.no_resign);
  }

  rule.no_resign_fraction = 1;
  for (const SelfPlayRecord& r : play(rule, 6)) {
    CHECK_FALSE(r.resigned);
    CHECK(r.no_resign);
    CHECK(r.would_resign == 1);
    CHECK(r.moves.size() >= 7);  // played until Connect Four's rules end it
    const SelfPlayRecord back = record_from_json_line(record_to_json_line(r));
    CHECK(back.no_resign);
    CHECK(back.would_resign == 1);
  }

  rule.threshold = -1;  // never: no control games either
  for (const SelfPlayRecord& r : play(rule, 4)) {
    CHECK_FALSE(r.resigned);
    CHECK_FALSE(r.no_resign);
    CHECK(r.would_resign == -1);
  }
}

TEST_CASE("fast_finish plays decided games out with fast searches", "[selfplay]") {
  ResignRule rule;
  rule.threshold = -0.9;
  rule.consecutive = 2;
  rule.no_resign_fraction = 0;
  rule.fast_finish = true;
  // The rule fires at player 1's first search; every later search is a fast one.
  for (const SelfPlayRecord& r : play(rule, 6)) {
    CHECK_FALSE(r.resigned);
    CHECK_FALSE(r.no_resign);
    CHECK(r.would_resign == 1);
    REQUIRE(r.moves.size() >= 7);  // played until Connect Four's rules end it
    CHECK(r.full_search[0] == 1);
    CHECK(r.full_search[1] == 1);
    for (size_t k = 2; k < r.full_search.size(); ++k) CHECK(r.full_search[k] == 0);
  }
  // Control games still play on with full searches.
  rule.no_resign_fraction = 1;
  for (const SelfPlayRecord& r : play(rule, 3)) {
    CHECK(r.no_resign);
    CHECK(r.would_resign == 1);
    CHECK(r.training_positions() == static_cast<int>(r.moves.size()));
  }
  // A resumed game whose rule had fired goes on with fast searches at once; one whose rule had
  // not needs a new streak of two full searches.
  rule.no_resign_fraction = 0;
  SelfPlayRecord fired;
  fired.id = "fired";
  fired.game_spec = make_game("connect_four")->spec();
  auto start = make_game("connect_four")->new_initial_state();
  for (int k = 0; k < 2; ++k) {  // both in the middle column
    fired.moves.push_back(start->legal_actions()[3]);
    fired.policies.push_back({{fired.moves.back(), 1.0f}});
    start->apply_action(fired.moves.back());
  }
  fired.full_search = {1, 1};
  fired.root_values = {0.99f, -0.99f};
  fired.would_resign = 1;
  SelfPlayRecord open = fired;
  open.id = "open";
  open.would_resign = -1;
  int seen = 0;
  for (const SelfPlayRecord& r : play(rule, 8, {fired, open})) {
    if (r.id.empty()) continue;  // a new game
    INFO(r.id);
    ++seen;
    REQUIRE(r.moves.size() >= 7);
    const int full_after_resume = r.training_positions() - 2;
    CHECK(full_after_resume == (r.id == "fired" ? 0 : 2));
  }
  CHECK(seen == 2);
}
