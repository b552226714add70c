#pragma once
// Agents choose moves. An agent is given the whole state (with its history) at every move, so it
// needs no separate notification of the opponent's moves; agents that keep their own copy of the
// game (external engines, search trees) sync from state.history().
// Not thread-safe: one agent plays one game at a time on one thread.
#include <functional>
#include <memory>
#include <string>

#include "envs/game.h"

namespace tenuki {

class Evaluator;
class Spec;

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

// Anything that builds agents as make_agent does (tournaments take one, so that agents can share
// inference services).
using AgentFactory =
    std::function<std::unique_ptr<Agent>(const std::string& spec, const Game& game, uint64_t seed)>;

// Where network agents (net, policy) get their evaluator from their spec. It must read every
// option load_net_evaluator (agents/net/net_agent.h) reads, and throw like it on bad ones.
using NetEvaluatorSource = std::function<std::shared_ptr<Evaluator>(const Spec& spec)>;
// make_agent whose network agents take their evaluator from `net_source` (for example a batching
// service shared by many agents) instead of loading their own.
std::unique_ptr<Agent> make_agent_with(const std::string& spec, const Game& game, uint64_t seed,
                                       const NetEvaluatorSource& net_source);

// Names and one-line descriptions of the agents make_agent knows.
std::string describe_agents();

}  // namespace tenuki
