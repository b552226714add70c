#include "agents/agent.h"
#include "agents/gtp/gtp_agent.h"
#include "agents/net/checkpoint.h"
#include "agents/net/net_agent.h"
#include "agents/net/policy_agent.h"
#include "agents/random_agent.h"
#include "agents/search/search_agent.h"
#include "envs/encoding.h"
#include "envs/registry.h"
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

// A network agent in a game of the family its checkpoint was trained on must be given the same
// game planes: a Go net trained with ladders=true reads plane 6, which a game without the option
// leaves empty (and the other way round). Other families are deliberate cross-game play, and a
// checkpoint whose game spec does not name one game is not checked. Throws SpecError naming the
// plane; CheckpointError when the checkpoint's header does not read.
void check_game_planes(const Spec& spec, const Game& game) {
  const CheckpointMeta meta = read_checkpoint_meta(spec.get_string("model", ""));
  std::shared_ptr<const Game> trained;
  try {
    trained = make_game(meta.game_spec);
  } catch (const std::exception&) {
    return;
  }
  if (trained->name() != game.name()) return;
  const std::vector<std::string> expected = encoding::game_plane_tags(*trained);
  const std::vector<std::string> given = encoding::game_plane_tags(game);
  auto describe = [](const std::string& tag) { return tag.empty() ? "empty" : "'" + tag + "'"; };
  for (size_t plane = 0; plane < expected.size(); ++plane) {
    if (expected[plane] == given[plane]) continue;
    throw SpecError("in '" + spec.text() + "': the network was trained on " + trained->spec() +
                    ", whose game plane " + std::to_string(plane) + " is " +
                    describe(expected[plane]) + ", but in " + game.spec() + " that plane is " +
                    describe(given[plane]) + "; play it in a game with the same plane options");
  }
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
  if (spec.name() == "net" || spec.name() == "policy") check_game_planes(spec, game);
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
