#pragma once
// A random game record for the tests of records and the replay buffer.
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "envs/game.h"
#include "selfplay/game_record.h"

namespace tenuki::test {

// A random game record of `game` (at most 40 moves) with random sparse policies (legal actions
// only).
inline SelfPlayRecord random_record(const std::shared_ptr<const Game>& game, uint64_t seed) {
  Rng rng(seed);
  SelfPlayRecord r;
  r.game_spec = game->spec();
  auto state = game->new_initial_state();
  while (!state->is_terminal() && state->move_number() < 40) {
    auto legal = state->legal_actions();
    std::vector<std::pair<Action, float>> policy;
    float total = 0;
    for (Action a : legal) {
      if (rng.below(2) == 0) continue;
      policy.emplace_back(a, static_cast<float>(rng.uniform() + 0.1));
      total += policy.back().second;
    }
    if (policy.empty()) policy.emplace_back(legal[0], total = 1.0f);
    for (auto& p : policy) p.second /= total;
    const Action a = state->sample_playout_action(rng);
    r.moves.push_back(a);
    r.policies.push_back(policy);
    r.full_search.push_back(rng.below(4) != 0 ? 1 : 0);
    r.root_values.push_back(0.5f);
    state->apply_action(a);
  }
  r.result = state->is_terminal() ? state->returns()[0] : 0.0;
  return r;
}

}  // namespace tenuki::test
