// Search and evaluators. Known facts come from an exact minimax solver, not from the search.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>

#include "agents/agent.h"
#include "agents/eval/evaluator.h"
#include "agents/match.h"
#include "agents/search/mcts.h"
#include "agents/search/search_config.h"
#include "envs/registry.h"
#include "envs/util/random.h"

using namespace tenuki;

namespace {

// Exact game value for the player to move (negamax), with a depth limit: returns 0 (unknown or
// draw) beyond it.
int negamax(State& s, int depth) {
  if (s.is_terminal()) {
    // The player who just moved is the opponent of the one "to move" here.
    auto r = s.returns();
    int mover = 1 - s.current_player();
    return static_cast<int>(-r[mover]);
  }
  if (depth == 0) return 0;
  int best = -1;
  for (Action a : s.legal_actions()) {
    s.apply_action(a);
    best = std::max(best, -negamax(s, depth - 1));
    s.undo_action();
    if (best == 1) break;
  }
  return best;
}

std::unique_ptr<State> play(const std::string& game_spec, const std::vector<std::string>& moves) {
  auto game = make_game(game_spec);
  auto s = game->new_initial_state();
  for (const auto& m : moves) s->apply_action(game->string_to_action(m));
  return s;
}

SearchConfig rollout_config(int playouts, uint64_t seed) {
  SearchConfig c;
  c.playouts = playouts;
  c.c_puct = 2.0;
  c.fpu_reduction = 0;
  c.leaves_per_batch = 1;
  c.seed = seed;
  return c;
}

// The move must keep a won position won (checked by the solver).
void require_winning_move(State& s, Action a, int depth) {
  REQUIRE(negamax(s, depth) == 1);
  s.apply_action(a);
  INFO("search chose " << s.game().action_to_string(a));
  REQUIRE(-negamax(s, depth - 1) == 1);
  s.undo_action();
}

}  // namespace

TEST_CASE("mcts: rollout search finds forced wins in tic-tac-toe", "[mcts]") {
  // Each position has a win for the player to move; some need a fork two moves deep.
  const std::vector<std::vector<std::string>> positions = {
      {"A3", "B3", "A2", "C1"},  // X completes the A column at A1
      {"B2", "A3", "C1", "A1"},  // X must block A2 ... and O threatens: X wins via fork
      {"A1", "B2", "C3", "A3"},  // X to move, forced win by C1 fork
      {"B2", "B3", "A1"},        // O to move must defend C3; not a win -> filtered below
  };
  int tested = 0;
  for (size_t i = 0; i < positions.size(); ++i) {
    auto s = play("tictactoe", positions[i]);
    if (negamax(*s, 9) != 1) continue;
    ++tested;
    Mcts mcts(rollout_config(1000, 7 + i));
    auto evaluator = make_rollout_evaluator(1, 11 + i);
    auto r = mcts.search(*s, *evaluator);
    require_winning_move(*s, r.action, 9);
  }
  REQUIRE(tested >= 2);
}

TEST_CASE("mcts: rollout search finds forced wins in connect four", "[mcts]") {
  // Immediate win, a must-win through a double threat, found by a depth-limited solver.
  const std::vector<std::vector<std::string>> positions = {
      {"A1", "G1", "A2", "G2", "A3", "F1"},  // first player wins at A4
      {"C1", "C2", "D1", "D2"},              // B1 or E1 makes an open three: win
      {"D1", "D2", "E1", "E2", "A1", "A2"},  // win at C1/F1 (double threat)
  };
  int tested = 0;
  for (size_t i = 0; i < positions.size(); ++i) {
    auto s = play("connect_four", positions[i]);
    if (negamax(*s, 5) != 1) continue;
    ++tested;
    Mcts mcts(rollout_config(2000, 3 + i));
    auto evaluator = make_rollout_evaluator(1, 5 + i);
    auto r = mcts.search(*s, *evaluator);
    require_winning_move(*s, r.action, 5);
  }
  REQUIRE(tested >= 2);
}

TEST_CASE("mcts: search with the hash-random evaluator is deterministic", "[mcts]") {
  SearchConfig c;
  c.playouts = 200;
  c.root_noise = true;
  c.temperature = 1.0;
  c.temperature_moves = 100;
  c.leaves_per_batch = 4;
  c.seed = 42;
  auto run_game = [&] {
    auto evaluator = make_hash_random_evaluator(9);
    Mcts mcts(c);
    auto s = make_game("go(size=5)")->new_initial_state();
    std::vector<int> trace;
    for (int i = 0; i < 12 && !s->is_terminal(); ++i) {
      auto r = mcts.search(*s, *evaluator);
      trace.push_back(r.action);
      trace.insert(trace.end(), r.visits.begin(), r.visits.end());
      s->apply_action(r.action);
    }
    return trace;
  };
  auto first = run_game();
  REQUIRE(first.size() > 12);
  REQUIRE(run_game() == first);
  c.seed = 43;
  REQUIRE(run_game() != first);
}

TEST_CASE("mcts: visits, targets and tree reuse", "[mcts]") {
  auto game = make_game("connect_four");
  auto s = game->new_initial_state();
  auto evaluator = make_hash_random_evaluator(1);
  SearchConfig c;
  c.playouts = 300;
  c.leaves_per_batch = 8;
  Mcts mcts(c);
  auto r = mcts.search(*s, *evaluator);
  REQUIRE(std::accumulate(r.visits.begin(), r.visits.end(), 0) == r.root_visits - 1);
  REQUIRE(r.root_visits == 300);
  REQUIRE(std::abs(std::accumulate(r.policy_target.begin(), r.policy_target.end(), 0.0) - 1) <
          1e-5);
  REQUIRE(s->is_legal(r.action));
  for (Action a = 0; a < game->num_actions(); ++a) {
    if (!s->is_legal(a)) REQUIRE(r.visits[a] == 0);
  }
  // Play the chosen move and a reply that the tree has explored: the subtree is kept.
  s->apply_action(r.action);
  s->apply_action(s->legal_actions().front());
  mcts.set_root(*s);
  REQUIRE(mcts.tree_size() > 1);
  auto r2 = mcts.search(*s, *evaluator);
  REQUIRE(r2.root_visits > 300);
}

namespace {

// The first position of `game` (depth first from the start) that `wanted` accepts.
std::unique_ptr<State> find_position(const std::string& game,
                                     const std::function<bool(State&)>& wanted) {
  std::function<std::unique_ptr<State>(State&)> visit = [&](State& s) {
    std::unique_ptr<State> found;
    if (s.is_terminal()) return found;
    if (wanted(s)) return s.clone();
    for (Action a : s.legal_actions()) {
      s.apply_action(a);
      found = visit(s);
      s.undo_action();
      if (found) break;
    }
    return found;
  };
  auto start = make_game(game)->new_initial_state();
  return visit(*start);
}

// The first position along seeded random games of `game` that `wanted` accepts (null if none in
// 10,000 games).
std::unique_ptr<State> find_in_random_games(const std::string& game,
                                            const std::function<bool(State&)>& wanted) {
  Rng rng(17);
  for (int g = 0; g < 10000; ++g) {
    auto s = make_game(game)->new_initial_state();
    while (!s->is_terminal()) {
      if (wanted(*s)) return s;
      const auto legal = s->legal_actions();
      s->apply_action(legal[rng() % legal.size()]);
    }
  }
  return nullptr;
}

// How many of `s`'s legal actions end the game, and the best return among those for the mover.
std::pair<int, double> ending_actions(State& s) {
  int ending = 0;
  double best = -2;
  const int mover = s.current_player();
  for (Action a : s.legal_actions()) {
    s.apply_action(a);
    if (s.is_terminal()) {
      ++ending;
      best = std::max(best, s.returns()[mover]);
    }
    s.undo_action();
  }
  return {ending, best};
}

}  // namespace

TEST_CASE("mcts: a tree of terminal paths returns from gather in bounded work", "[mcts]") {
  // A Tic-tac-toe position with two empty cells, neither ending the game: after the root and its
  // two children are evaluated every playout ends in a terminal state, so no leaf reaches the
  // evaluator. gather must still return (time limits and stop requests are checked between
  // calls) instead of running all of a huge playout target in one call.
  auto s = find_position("tictactoe", [](State& p) {
    return p.legal_actions().size() == 2 && ending_actions(p).first == 0;
  });
  REQUIRE(s);
  auto evaluator = make_hash_random_evaluator(1);
  SearchConfig c;
  c.playouts = 100000000;
  c.leaves_per_batch = 2;
  Mcts mcts(c);
  mcts.set_root(*s);
  auto batch = evaluator->new_batch();
  REQUIRE(mcts.gather(*batch) == 1);  // the root itself
  batch->compute();
  mcts.backup(*batch);
  batch = evaluator->new_batch();
  REQUIRE(mcts.gather(*batch) == 2);  // its two children
  batch->compute();
  mcts.backup(*batch);
  batch = evaluator->new_batch();
  REQUIRE(mcts.gather(*batch) == 0);
  REQUIRE(mcts.playouts_done() == 3 + Mcts::kMaxTerminalBackupsPerGather);
  REQUIRE_FALSE(mcts.done());
}

TEST_CASE("mcts: a decided root returns at once, without a search", "[mcts]") {
  auto evaluator = make_hash_random_evaluator(2);
  SearchConfig c;
  c.playouts = 100000000;  // hours of search if it were run
  Mcts mcts(c);
  auto timed_search = [&](const State& s) {
    const auto start = std::chrono::steady_clock::now();
    SearchResult r = mcts.search(s, *evaluator);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    CHECK(ms < 50);
    return r;
  };

  SECTION("one legal move") {
    auto s = find_position("tictactoe", [](State& p) { return p.legal_actions().size() == 1; });
    REQUIRE(s);
    const SearchResult r = timed_search(*s);
    CHECK(r.forced);
    CHECK_FALSE(r.full_search);
    CHECK(r.action == s->legal_actions().front());
    CHECK(r.root_visits == 0);
    CHECK(r.policy_target[r.action] == 1.0f);
  }
  SECTION("every move ends the game: the best one is played") {
    // Go 3x3 with a 4-move cap: each 4th move ends the game, and the scores differ.
    auto s = find_in_random_games("go(size=3,komi=0.5,max_moves=4)", [](State& p) {
      if (p.legal_actions().size() < 2) return false;
      const int mover = p.current_player();
      std::vector<double> values;
      for (Action a : p.legal_actions()) {
        p.apply_action(a);
        if (p.is_terminal()) values.push_back(p.returns()[mover]);
        p.undo_action();
      }
      return values.size() == p.legal_actions().size() &&
             *std::min_element(values.begin(), values.end()) <
                 *std::max_element(values.begin(), values.end());
    });
    REQUIRE(s);
    const SearchResult r = timed_search(*s);
    CHECK(r.forced);
    CHECK(r.root_value == static_cast<float>(ending_actions(*s).second));
    auto after = s->clone();
    after->apply_action(r.action);
    REQUIRE(after->is_terminal());
    CHECK(after->returns()[s->current_player()] == ending_actions(*s).second);
  }
  SECTION("a root with a move that does not end the game is searched") {
    auto s = find_position("tictactoe", [](State& p) {
      return p.legal_actions().size() == 2 && ending_actions(p).first == 1;
    });
    REQUIRE(s);
    c.playouts = 200;
    Mcts small(c);
    const SearchResult r = small.search(*s, *evaluator);
    CHECK_FALSE(r.forced);
    CHECK(r.root_visits >= 200);
  }
}

TEST_CASE("mcts: forced playouts prune the policy target", "[mcts]") {
  auto s = make_game("go(size=5)")->new_initial_state();
  auto evaluator = make_hash_random_evaluator(5);
  SearchConfig c;
  c.playouts = 400;
  c.forced_playouts = true;
  Mcts mcts(c);
  auto r = mcts.search(*s, *evaluator);
  double total = std::accumulate(r.policy_target.begin(), r.policy_target.end(), 0.0);
  REQUIRE(std::abs(total - 1) < 1e-5);
  int pruned = 0;
  for (size_t a = 0; a < r.visits.size(); ++a) {
    double raw = static_cast<double>(r.visits[a]) / (r.root_visits - 1);
    if (r.policy_target[a] < raw - 1e-6) ++pruned;
  }
  REQUIRE(pruned > 0);
  REQUIRE(r.policy_target[r.action] >=
          *std::max_element(r.policy_target.begin(), r.policy_target.end()) - 1e-6);
}

TEST_CASE("mcts: fast searches explore only with fast_exploration", "[mcts]") {
  // Every search fast (full_search_prob 0): without fast_exploration, root noise and forced
  // playouts change nothing; with it, they change the visits.
  auto s = make_game("go(size=5)")->new_initial_state();
  auto evaluator = make_hash_random_evaluator(6);
  auto visits_of = [&](bool explore, bool fast_exploration) {
    SearchConfig c;
    c.playouts = 400;
    c.fast_playouts = 200;
    c.full_search_prob = 0;
    c.root_noise = explore;
    c.forced_playouts = explore;
    c.fast_exploration = fast_exploration;
    Mcts mcts(c);
    const SearchResult r = mcts.search(*s, *evaluator);
    REQUIRE_FALSE(r.full_search);
    REQUIRE(r.root_visits == 200);
    return r.visits;
  };
  const std::vector<int> plain = visits_of(false, false);
  CHECK(visits_of(true, false) == plain);
  CHECK(visits_of(true, true) != plain);
  CHECK(visits_of(false, true) == plain);
  // set_root's fast_only makes a search fast whatever full_search_prob draws.
  SearchConfig full;
  full.playouts = 300;
  full.fast_playouts = 20;
  Mcts mcts(full);
  mcts.set_root(*s, true);
  while (!mcts.done()) mcts.step(*evaluator);
  const SearchResult fast = mcts.result();
  CHECK_FALSE(fast.full_search);
  CHECK(fast.root_visits == 20);
  CHECK(mcts.search(*s, *evaluator).full_search);
}

TEST_CASE("mcts: root_policy is the evaluator's policy before root noise", "[mcts]") {
  auto s = make_game("go(size=5)")->new_initial_state();
  auto evaluator = make_hash_random_evaluator(9);
  auto batch = evaluator->new_batch();
  batch->add(*s);
  batch->compute();
  const float* raw = batch->policy(0);
  SearchConfig c;
  c.playouts = 64;
  c.root_noise = true;
  Mcts mcts(c);
  CHECK(mcts.root_policy().empty());  // no root yet
  mcts.search(*s, *evaluator);
  const auto policy = mcts.root_policy();
  REQUIRE(policy.size() >= 2);
  // The pass rule leaves the pass out at the empty board; the rest keep the raw proportions.
  const Action pass = s->game().pass_action();
  double kept = 0, total = 0;
  for (const auto& [a, p] : policy) {
    CHECK(a != pass);
    kept += raw[a];
    total += p;
  }
  CHECK(total == Approx(1.0).epsilon(1e-5));
  for (size_t k = 0; k < policy.size(); ++k) {
    if (k > 0) CHECK(policy[k].first > policy[k - 1].first);
    CHECK(policy[k].second == Approx(raw[policy[k].first] / kept).epsilon(1e-4));
  }
  // The search itself saw the noisy priors.
  bool noisy = false;
  for (const RootMoveStats& m : mcts.root_move_stats(1)) {
    for (const auto& [a, p] : policy) {
      if (a == m.action && std::abs(m.prior - p) > 1e-3) noisy = true;
    }
  }
  CHECK(noisy);
  // A decided root has no search, so no policy.
  auto one_move =
      find_position("tictactoe", [](State& p) { return p.legal_actions().size() == 1; });
  REQUIRE(one_move);
  CHECK(mcts.search(*one_move, *evaluator).forced);
  CHECK(mcts.root_policy().empty());
}

TEST_CASE("mcts: forced playouts fill the batch like PUCT does", "[mcts]") {
  // Leaves gathered per batch over a 400-playout search on the empty 9x9 board (no terminal
  // leaves): a forced child whose leaf is already pending must not end the gather.
  auto s = make_game("go(size=9)")->new_initial_state();
  auto evaluator = make_hash_random_evaluator(11);
  auto mean_leaves = [&](bool forced) {
    SearchConfig c;
    c.playouts = 400;
    c.leaves_per_batch = 8;
    c.root_noise = true;
    c.forced_playouts = forced;
    Mcts mcts(c);
    mcts.set_root(*s);
    int gathers = 0, leaves = 0;
    while (!mcts.done()) {
      auto batch = evaluator->new_batch();
      const int added = mcts.gather(*batch);
      if (added > 0) batch->compute();
      mcts.backup(*batch);
      if (mcts.playouts_done() > 1) {  // past the root's own evaluation
        ++gathers;
        leaves += added;
      }
    }
    return static_cast<double>(leaves) / gathers;
  };
  const double puct = mean_leaves(false), forced = mean_leaves(true);
  INFO("mean leaves per gather: PUCT " << puct << ", forced playouts " << forced);
  CHECK(puct > 7.5);
  CHECK(forced > 7.5);
}

TEST_CASE("mcts: gumbel root finds tic-tac-toe wins with few playouts", "[mcts]") {
  auto s = play("tictactoe", {"A3", "B3", "A2", "C1"});
  SearchConfig c = rollout_config(64, 3);
  c.gumbel = true;
  c.gumbel_m = 4;
  c.root_noise = true;
  Mcts mcts(c);
  auto evaluator = make_caching_evaluator(make_rollout_evaluator(16, 2), 1000);
  auto r = mcts.search(*s, *evaluator);
  require_winning_move(*s, r.action, 9);
  double total = std::accumulate(r.policy_target.begin(), r.policy_target.end(), 0.0);
  REQUIRE(std::abs(total - 1) < 1e-5);
  REQUIRE(r.policy_target[r.action] ==
          *std::max_element(r.policy_target.begin(), r.policy_target.end()));
}

TEST_CASE("evaluators: batched results equal one-at-a-time results", "[evaluator]") {
  auto game = make_game("othello(size=6)");
  Rng rng(3);
  std::vector<std::unique_ptr<State>> states;
  auto s = game->new_initial_state();
  while (!s->is_terminal()) {
    states.push_back(s->clone());
    s->apply_action(s->sample_playout_action(rng));
  }
  std::shared_ptr<Evaluator> inner = make_hash_random_evaluator(77);
  auto cached = make_caching_evaluator(inner, 16);
  for (Evaluator* e : {inner.get(), cached.get()}) {
    auto batch = e->new_batch();
    for (const auto& st : states) batch->add(*st);
    batch->compute();
    for (size_t i = 0; i < states.size(); ++i) {
      auto single = inner->new_batch();
      single->add(*states[i]);
      single->compute();
      REQUIRE(batch->value(static_cast<int>(i)) == single->value(0));
      for (int a = 0; a < game->num_actions(); ++a) {
        REQUIRE(batch->policy(static_cast<int>(i))[a] == single->policy(0)[a]);
        if (!states[i]->is_legal(a)) REQUIRE(single->policy(0)[a] == 0);
      }
    }
  }
}

TEST_CASE("mcts(playouts=1000) beats random in >= 95% of connect four games", "[mcts]") {
  auto game = make_game("connect_four");
  auto mcts = make_agent("mcts(playouts=1000)", *game, 3);
  auto random = make_agent("random", *game, 4);
  auto summary = play_match(*game, {mcts.get(), random.get()}, 60, nullptr);
  INFO("wins " << summary.tallies[0].wins << " draws " << summary.tallies[0].draws);
  REQUIRE(summary.tallies[0].wins >= 57);
}

TEST_CASE("search config: JSON round trip and clear errors", "[mcts][config]") {
  auto j = nlohmann::json::parse(R"({"playouts": 64, "gumbel": true, "c_puct": 2.5, "seed": 9})");
  SearchConfig c = search_config_from_json(j);
  REQUIRE(c.playouts == 64);
  REQUIRE(c.gumbel);
  REQUIRE(search_config_from_json(search_config_to_json(c)).c_puct == 2.5);
  using Catch::Matchers::Contains;
  REQUIRE_THROWS_WITH(search_config_from_json(nlohmann::json::parse(R"({"c_pucct": 1})")),
                      Contains("unknown key 'c_pucct'") && Contains("c_puct"));
  REQUIRE_THROWS_WITH(search_config_from_json(nlohmann::json::parse(R"({"playouts": 0})")),
                      Contains("playouts"));
  REQUIRE_THROWS_WITH(search_config_from_json(nlohmann::json::parse(R"({"playouts": 1.5})")),
                      Contains("wrong type"));
  // Found by fuzzing: a boolean field used to be range-checked as a number and threw a JSON
  // type error instead of being accepted.
  REQUIRE(search_config_from_json(nlohmann::json::parse(R"({"root_noise": true})")).root_noise);
  REQUIRE_THROWS_WITH(search_config_from_json(nlohmann::json::parse(R"({"root_noise": 1})")),
                      Contains("wrong type"));
}
