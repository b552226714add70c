#include "envs/perft.h"

#include <vector>

namespace tenuki {

uint64_t perft(State& state, int depth) {
  if (depth == 0) return 1;
  if (state.is_terminal()) return 0;
  std::vector<Action> legal;
  state.legal_actions(&legal);
  if (depth == 1) return legal.size();
  uint64_t total = 0;
  for (Action a : legal) {
    state.apply_action(a);
    total += perft(state, depth - 1);
    state.undo_action();
  }
  return total;
}

}  // namespace tenuki
