#pragma once
// An agent that plays straight from the network's policy, without search.
#include <cstdint>
#include <memory>
#include <string>

#include "agents/agent.h"
#include "agents/eval/evaluator.h"
#include "envs/spec.h"
#include "envs/util/random.h"

namespace tenuki {

// Plays the most probable legal move of the evaluator's policy (ties: lowest action), or, with
// temperature T > 0, samples a legal move with probability proportional to p^(1/T).
// Not thread-safe (one game at a time, like every Agent).
class PolicyAgent : public Agent {
 public:
  // `spec` is what spec() returns. Precondition: evaluator is not null; temperature >= 0.
  PolicyAgent(std::string spec, std::shared_ptr<Evaluator> evaluator, double temperature,
              uint64_t seed);
  std::string spec() const override { return spec_; }
  Action select_action(const State& state) override;

 private:
  std::string spec_;
  std::shared_ptr<Evaluator> evaluator_;
  double temperature_;
  Rng rng_;
};

// `policy(model=PATH, temperature=0, ...)`: loads the checkpoint at PATH with the options of
// load_net_evaluator (agents/net/net_agent.h) and plays its policy. Reads the spec's options but
// leaves check_all_used() to the caller. Throws SpecError for a missing model or a bad option,
// CheckpointError when the checkpoint does not load.
// The evaluator comes from `source` when given (agents/agent.h), else from load_net_evaluator.
std::unique_ptr<Agent> make_policy_agent(const Spec& spec, const Game& game, uint64_t seed,
                                         const NetEvaluatorSource& source = nullptr);

}  // namespace tenuki
