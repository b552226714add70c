#pragma once
// Agents choose moves. An agent is given the whole state (with its history) at every move, so it
// needs no separate notification of the opponent's moves; agents that keep their own copy of the
// game (external engines, search trees) sync from state.history().
// Not thread-safe: one agent plays one game at a time on one thread.
#include <memory>
#include <string>

#include "envs/game.h"

namespace tenuki {

// Returned by select_action to resign the game.
inline constexpr Action kResign = -2;

class Agent {
 public:
  virtual ~Agent() = default;
  // The spec this agent was built from, e.g. "random" or "mcts(playouts=800)".
  virtual std::string spec() const = 0;
  // Called before each game.
  virtual void new_game(const Game& game) {}
  // Precondition: !state.is_terminal(). Returns a legal action of state.current_player(), or
  // kResign.
  virtual Action select_action(const State& state) = 0;
};

// Builds an agent from its spec (see README: the agent spec grammar). `seed` makes random choices
// reproducible. Throws SpecError naming the bad part of the spec.
std::unique_ptr<Agent> make_agent(const std::string& spec, const Game& game, uint64_t seed);

// Names and one-line descriptions of the agents make_agent knows.
std::string describe_agents();

}  // namespace tenuki
