// The search's pass rule (SearchConfig::safe_pass) on Go positions given as ASCII boards. The
// evaluator loves passing (pass prior 0.97, value 0), so every non-pass choice comes from the
// rule; the Tromp-Taylor verdicts are checked on the board itself.
#include <catch2/catch.hpp>

#include "agents/eval/evaluator.h"
#include "agents/search/mcts.h"
#include "agents/search/search_config.h"
#include "envs/games/go/go_game.h"
#include "envs/registry.h"

using namespace tenuki;
using go::GoState;

namespace {

// Policy: pass 0.97, the rest spread over the other legal moves; value 0.
class PassLovingBatch : public VectorBatch {
 public:
  explicit PassLovingBatch(int num_actions) : VectorBatch(num_actions) {}
  int add(const State& state) override {
    const int i = add_slot(state);
    const Action pass = state.game().pass_action();
    int others = 0;
    for (int a = 0; a < num_actions_; ++a) others += legal_[i * num_actions_ + a] && a != pass;
    for (int a = 0; a < num_actions_; ++a) {
      float& p = policies_[static_cast<size_t>(i) * num_actions_ + a];
      if (!legal_[i * num_actions_ + a]) {
        p = 0;
      } else if (a == pass) {
        p = others > 0 ? 0.97f : 1.0f;
      } else {
        p = 0.03f / static_cast<float>(others);
      }
    }
    return i;
  }
  void compute() override {}
};

class PassLovingEvaluator : public Evaluator {
 public:
  explicit PassLovingEvaluator(int num_actions) : num_actions_(num_actions) {}
  EvaluatorAttributes attributes() const override { return {}; }
  std::unique_ptr<EvaluatorBatch> new_batch() override {
    return std::make_unique<PassLovingBatch>(num_actions_);
  }

 private:
  int num_actions_;
};

SearchConfig pass_rule_config(bool safe_pass) {
  SearchConfig c;
  c.playouts = 64;
  c.leaves_per_batch = 4;
  c.safe_pass = safe_pass;
  return c;
}

SearchResult search(const State& s, bool safe_pass) {
  PassLovingEvaluator evaluator(s.game().num_actions());
  Mcts tree(pass_rule_config(safe_pass));
  return tree.search(s, evaluator);
}

// The mover's Tromp-Taylor result if the game ended now.
double ended_now(const State& s) {
  std::array<double, kNumPlayers> r{};
  REQUIRE(s.returns_if_ended_now(&r));
  return r[s.current_player()];
}

}  // namespace

TEST_CASE("pass rule: a losing player does not pass while it has another move", "[mcts][pass]") {
  auto game = make_game("go(size=5,komi=0.5)");
  // White has more area; black to move.
  auto s = GoState::from_ascii(game, R"(
    . x o . .
    . x o . .
    x x o . .
    . . o . .
    . . o . .)",
                               0);
  REQUIRE(ended_now(*s) < 0);
  const Action pass = game->pass_action();
  SECTION("without the rule the pass-loving search passes (the control)") {
    CHECK(search(*s, false).action == pass);
  }
  SECTION("with it, it plays on and the policy target has no pass") {
    const SearchResult r = search(*s, true);
    CHECK(r.action != pass);
    CHECK(r.policy_target[pass] == 0.0f);
    CHECK(r.visits[pass] == 0);
    CHECK(!r.forced);
  }
  SECTION("also after the opponent's pass, which would end the game lost") {
    s->apply_action(game->string_to_action("A1"));
    s->apply_action(pass);  // white passes; black (to move) still loses on the board
    REQUIRE(ended_now(*s) < 0);
    const SearchResult r = search(*s, true);
    CHECK(r.action != pass);
    CHECK(r.policy_target[pass] == 0.0f);
  }
}

TEST_CASE("pass rule: after the opponent's pass, a winning pass is played at once",
          "[mcts][pass]") {
  auto game = make_game("go(size=5,komi=0.5)");
  auto s = GoState::from_ascii(game, R"(
    . . x o .
    . . x o .
    . . x o .
    . . x o .
    . . x o .)",
                               1);
  s->apply_action(game->pass_action());  // white passes: black 15 - white 10 - 0.5 > 0
  REQUIRE(s->current_player() == 0);
  REQUIRE(ended_now(*s) > 0);
  const SearchResult r = search(*s, true);
  CHECK(r.action == game->pass_action());
  CHECK(r.forced);
  CHECK(!r.full_search);  // not a training target
  s->apply_action(r.action);
  REQUIRE(s->is_terminal());
  CHECK(s->returns()[0] == 1.0);
}

TEST_CASE("pass rule: ahead by komi with moves left, the pass is not searched", "[mcts][pass]") {
  // The opening trap: white leads by komi on a board of neutral points and could pass.
  auto game = make_game("go(size=5,komi=5.5)");
  auto s = game->new_initial_state();
  for (const char* m : {"C3", "C2", "D4"}) s->apply_action(game->string_to_action(m));
  REQUIRE(s->current_player() == 1);
  REQUIRE(ended_now(*s) > 0);
  REQUIRE_FALSE(s->only_pass_is_sensible());
  CHECK(search(*s, false).action == game->pass_action());  // the control
  const SearchResult r = search(*s, true);
  CHECK(r.action != game->pass_action());
  CHECK(r.policy_target[game->pass_action()] == 0.0f);
}

TEST_CASE("pass rule: once only eye-filling moves are left, a non-losing pass is searched",
          "[mcts][pass]") {
  auto game = make_game("go(size=5,komi=5)");
  // White to move owns E5, E3, E1 as eyes; every other empty point is suicide for white.
  const char* settled = R"(
    . x o o .
    x x o o o
    . x o o .
    x x o o o
    . x o o .)";
  auto s = GoState::from_ascii(game, settled, 1);
  REQUIRE(s->only_pass_is_sensible());
  REQUIRE(s->legal_actions().size() > 1);
  REQUIRE(ended_now(*s) > 0);  // black 10 - white 15 - komi 5
  const SearchResult r = search(*s, true);
  CHECK(r.action == game->pass_action());
  CHECK(!r.forced);
  // Black, to move on the same board, is losing: it fills its own eye rather than pass.
  auto b = GoState::from_ascii(game, settled, 0);
  REQUIRE(b->only_pass_is_sensible());
  REQUIRE(ended_now(*b) < 0);
  CHECK(search(*b, true).action != game->pass_action());
}

TEST_CASE("pass rule: the only legal move is a pass", "[mcts][pass]") {
  auto game = make_game("go(size=2,komi=0.5)");
  // White to move on a board black owns; every empty point is suicide for white.
  auto s = GoState::from_ascii(game, R"(
    x .
    . x)",
                               1);
  REQUIRE(s->legal_actions() == std::vector<Action>{game->pass_action()});
  REQUIRE(ended_now(*s) < 0);
  CHECK(search(*s, true).action == game->pass_action());
}

TEST_CASE("pass rule: over whole games it never passes into a loss when it could play on",
          "[mcts][pass]") {
  auto game = make_game("go(size=5,komi=2.5)");
  PassLovingEvaluator evaluator(game->num_actions());
  int checked = 0, blocked = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SearchConfig c = pass_rule_config(true);
    c.playouts = 16;
    c.root_noise = true;
    c.temperature = 1;
    c.temperature_moves = 1000;
    c.seed = seed;
    Mcts tree(c);
    auto s = game->new_initial_state();
    while (!s->is_terminal()) {
      const bool losing = ended_now(*s) < 0;
      const bool can_play_on = s->legal_actions().size() > 1;
      const bool sensible_move_left = !s->only_pass_is_sensible();
      const SearchResult r = tree.search(*s, evaluator);
      if (r.action == game->pass_action() && !r.forced && can_play_on) {
        REQUIRE_FALSE(sensible_move_left);  // a searched pass only once the board is settled
      }
      if (losing && can_play_on) {
        ++blocked;
        REQUIRE(r.action != game->pass_action());
        REQUIRE(r.policy_target[game->pass_action()] == 0.0f);
      }
      ++checked;
      s->apply_action(r.action);
    }
  }
  INFO(checked << " positions, " << blocked << " with the pass blocked");
  CHECK(blocked > 20);
}

TEST_CASE("pass rule: no effect in games without passing", "[mcts][pass]") {
  auto game = make_game("connect_four");
  auto s = game->new_initial_state();
  std::array<double, kNumPlayers> r{};
  CHECK_FALSE(s->returns_if_ended_now(&r));
  CHECK(search(*s, true).action != game->pass_action());
}
