// Branch games (SelfPlayWorkerOptions::branch_games, KataGo's forked games): self-play games that
// start from a position of an earlier game with a move of the net's raw policy.
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agents/eval/evaluator.h"
#include "envs/registry.h"
#include "selfplay/game_record.h"
#include "selfplay/rate_controller.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/selfplay_worker.h"
#include "tests/selfplay/worker_test_helpers.h"

using namespace tenuki;
using Catch::Matchers::Contains;

namespace {

SearchConfig search_config() {
  SearchConfig search;
  search.playouts = 16;
  search.fast_playouts = 4;
  search.full_search_prob = 0.5;
  search.root_noise = true;  // full searches only: a fast search is deterministic
  return search;
}

// Plays `count` Connect Four games in one worker of 4 games, continuing `resume` first; returns
// the records in the order they finished.
std::vector<SelfPlayRecord> play(double branch_games, int count, Evaluator& evaluator,
                                 std::vector<SelfPlayRecord> resume = {}) {
  std::shared_ptr<const Game> game = make_game("connect_four");
  const SearchConfig search = search_config();
  SelfPlayWorkerOptions options;
  options.games = 4;
  options.branch_games = branch_games;
  options.id_prefix = "g";
  return test::play_worker_games(game, search, options, evaluator, count, std::move(resume));
}

bool starts_with(const std::vector<Action>& moves, const std::vector<Action>& prefix) {
  return prefix.size() <= moves.size() && std::equal(prefix.begin(), prefix.end(), moves.begin());
}

}  // namespace

TEST_CASE("branch games start from an earlier game's position and train only on their own searches",
          "[selfplay]") {
  auto evaluator = make_hash_random_evaluator(5);
  const std::vector<SelfPlayRecord> records = play(0.9, 40, *evaluator);
  std::shared_ptr<const Game> game = make_game("connect_four");
  ReplayBuffer buffer(game, 100000);
  int branches = 0, not_searched_move = 0;
  for (size_t g = 0; g < records.size(); ++g) {
    const SelfPlayRecord& r = records[g];
    INFO("game " << g << " (" << r.id << "), branch_moves " << r.branch_moves);
    buffer.add(r);  // replays: every move legal
    CHECK(record_from_json_line(record_to_json_line(r)).branch_moves == r.branch_moves);
    if (r.branch_moves == 0) {
      CHECK(r.full_search.size() == r.moves.size());
      continue;
    }
    ++branches;
    const size_t copied = static_cast<size_t>(r.branch_moves) - 1;
    REQUIRE(r.moves.size() >= static_cast<size_t>(r.branch_moves));
    // The copied moves lead to a position (not the end) of a game that finished before.
    const std::vector<Action> prefix(r.moves.begin(), r.moves.begin() + copied);
    bool found = false;
    for (size_t e = 0; e < g && !found; ++e) {
      found = records[e].moves.size() > copied && starts_with(records[e].moves, prefix);
    }
    CHECK(found);
    // Neither the copied moves nor the branch move are trained on; the searches after it are.
    for (size_t i = 0; i <= copied; ++i) {
      CHECK(r.full_search[i] == 0);
      CHECK(r.policies[i].empty());
    }
    int trained_after = 0;
    for (size_t i = copied + 1; i < r.moves.size(); ++i) trained_after += r.full_search[i];
    CHECK(r.training_positions() == trained_after);
    // The branch move is one the net's policy gives weight to at that position.
    auto state = game->new_initial_state();
    for (Action a : prefix) state->apply_action(a);
    auto batch = evaluator->new_batch();
    batch->add(*state);
    batch->compute();
    CHECK(batch->policy(0)[r.moves[copied]] > 0);
    // The search alone would have played its most visited move there.
    Mcts search(search_config());
    search.set_root(*state, true);
    while (!search.done()) search.step(*evaluator);
    not_searched_move += search.result().action != r.moves[copied] ? 1 : 0;
  }
  // 40 games of 4 at a time, 90% of new games branched once a game has finished.
  CHECK(branches >= 20);
  CHECK(not_searched_move >= branches / 4);  // drawn from the policy, not the search's choice
  CHECK(buffer.size() == [&] {
    int64_t n = 0;
    for (const auto& r : records) n += r.training_positions();
    return n;
  }());

  // Off (the default): no branches.
  for (const SelfPlayRecord& r : play(0, 12, *evaluator)) CHECK(r.branch_moves == 0);
}

TEST_CASE("a branch game stopped before its branch move draws it when resumed", "[selfplay]") {
  auto evaluator = make_hash_random_evaluator(6);
  std::shared_ptr<const Game> game = make_game("connect_four");
  SelfPlayRecord pending;
  pending.id = "resumed-1";
  pending.game_spec = game->spec();
  auto state = game->new_initial_state();
  for (int column : {3, 3, 2}) {
    const Action a = state->legal_actions()[column];  // one legal cell per column
    state->apply_action(a);
    pending.moves.push_back(a);
    pending.policies.push_back({});
    pending.full_search.push_back(0);
    pending.root_values.push_back(0);
  }
  pending.branch_moves = 4;  // the copied moves, then the branch move still to draw
  std::vector<SelfPlayRecord> records = play(0, 8, *evaluator, {pending});
  const SelfPlayRecord* resumed = nullptr;
  for (const auto& r : records) {
    if (r.id == "resumed-1") resumed = &r;
  }
  REQUIRE(resumed);
  CHECK(resumed->branch_moves == 4);
  REQUIRE(resumed->moves.size() > 4);
  CHECK(starts_with(resumed->moves, pending.moves));
  CHECK(resumed->full_search[3] == 0);
  CHECK(resumed->policies[3].empty());

  SelfPlayRecord beyond = pending;
  beyond.branch_moves = 5;
  CHECK_THROWS_WITH(check_game_in_progress(*game, beyond), Contains("branch_moves"));
  CHECK_THROWS_WITH(play(0, 1, *evaluator, {beyond}), Contains("resumed-1"));
  std::string line = record_to_json_line(beyond);
  CHECK_THROWS_WITH(record_from_json_line(line),
                    Contains("branch_moves must be in [0, moves + 1]"));
}
