#include "agents/agent.h"
#include "agents/gtp/gtp_agent.h"
#include "agents/net/net_agent.h"
#include "agents/net/policy_agent.h"
#include "agents/random_agent.h"
#include "agents/search/search_agent.h"
#include "envs/spec.h"

namespace tenuki {

namespace {

// `mcts(playouts=1000, rollouts=1, ...)`: PUCT over uniform priors with random-rollout values.
std::unique_ptr<Agent> make_rollout_mcts_agent(const Spec& spec, uint64_t seed) {
  SearchConfig config;
  config.playouts = 1000;
  config.c_puct = 2.0;
  config.fpu_reduction = 0.0;
  config.leaves_per_batch = 1;
  config.seed = seed;
  apply_search_options(spec, &config);
  int rollouts = spec.get_int("rollouts", 1, 1, 10000);
  return std::make_unique<SearchAgent>(spec.text(), config,
                                       make_rollout_evaluator(rollouts, seed ^ 0x5a5a));
}

}  // namespace

std::unique_ptr<Agent> make_agent(const std::string& text, const Game& game, uint64_t seed) {
  return make_agent_with(text, game, seed, NetEvaluatorSource(load_net_evaluator));
}

std::unique_ptr<Agent> make_agent_with(const std::string& text, const Game& game, uint64_t seed,
                                       const NetEvaluatorSource& net_source) {
  Spec spec = Spec::parse(text);
  std::unique_ptr<Agent> agent;
  if (spec.name() == "random") {
    agent = std::make_unique<RandomAgent>(seed);
  } else if (spec.name() == "mcts") {
    agent = make_rollout_mcts_agent(spec, seed);
  } else if (spec.name() == "net") {
    agent = make_net_agent(spec, seed, net_source);
  } else if (spec.name() == "policy") {
    agent = make_policy_agent(spec, game, seed, net_source);
  } else if (spec.name() == "gtp") {
    agent = make_gtp_agent(spec);
  } else {
    throw SpecError("unknown agent '" + spec.name() + "' in '" + text +
                    "'; agents: " + describe_agents());
  }
  spec.check_all_used();
  return agent;
}

std::string describe_agents() {
  return "random (uniform random legal moves); mcts(playouts=1000,rollouts=1,...) (MCTS with "
         "random rollouts; any search option); "
         "gtp(cmd=\"ENGINE\",rows=bottom|top,passes=play|skip,timeout=60) "
         "(an external GTP engine); policy(model=PATH,temperature=0) (the network's move); "
         "net(model=PATH,visits=200,...) (network + MCTS)";
}

}  // namespace tenuki
