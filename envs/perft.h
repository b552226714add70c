#pragma once
#include <cstdint>

#include "envs/game.h"

namespace tenuki {
// Number of legal action sequences of exactly `depth` moves from `state` (a pass counts as a move;
// a game that ends before `depth` contributes nothing). Uses apply/undo; `state` is restored.
uint64_t perft(State& state, int depth);
}  // namespace tenuki
