#include "agents/net/policy_agent.h"

#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "agents/net/net_agent.h"

namespace tenuki {

PolicyAgent::PolicyAgent(std::string spec, std::shared_ptr<Evaluator> evaluator, double temperature,
                         uint64_t seed)
    : spec_(std::move(spec)),
      evaluator_(std::move(evaluator)),
      temperature_(temperature),
      rng_(seed) {
  if (!evaluator_) throw std::invalid_argument("PolicyAgent: null evaluator");
  if (!(temperature_ >= 0)) throw std::invalid_argument("PolicyAgent: temperature < 0");
}

Action PolicyAgent::select_action(const State& state) {
  auto batch = evaluator_->new_batch();
  batch->add(state);
  batch->compute();
  const float* p = batch->policy(0);
  std::vector<Action> legal;
  state.legal_actions(&legal);
  if (legal.empty()) throw std::logic_error("PolicyAgent: no legal action (terminal state?)");
  Action best = legal[0];
  for (Action a : legal) {
    if (p[a] > p[best]) best = a;
  }
  if (temperature_ <= 0) return best;
  // Sample from p^(1/T), computed relative to the best move to stay finite for small T.
  std::vector<double> weights(legal.size());
  const double log_best = std::log(std::max(p[best], 1e-30f));
  for (size_t k = 0; k < legal.size(); ++k) {
    const double lp = std::log(std::max(p[legal[k]], 1e-30f));
    weights[k] = std::exp((lp - log_best) / temperature_);
  }
  const int k = draw_weighted(rng_, weights);
  return k >= 0 ? legal[k] : best;
}

std::unique_ptr<Agent> make_policy_agent(const Spec& spec, const Game& game, uint64_t seed,
                                         const NetEvaluatorSource& source) {
  const double temperature = spec.get_double("temperature", 0.0, 0.0, 100.0);
  return std::make_unique<PolicyAgent>(
      spec.text(), source ? source(spec) : load_net_evaluator(spec), temperature, seed);
}

}  // namespace tenuki
