// Stand-ins for the network agents in builds without LibTorch (TENUKI_WITH_TORCH=OFF): naming one
// gives a clear error instead of a link failure.
#include "agents/net/net_agent.h"
#include "agents/net/policy_agent.h"
#include "agents/net/shared_inference.h"
#include "envs/spec.h"

namespace tenuki {
namespace {
[[noreturn]] void no_torch(const Spec& spec) {
  throw SpecError("agent '" + spec.text() +
                  "' needs a network, but this build has no LibTorch "
                  "(configure with -DTENUKI_WITH_TORCH=ON)");
}
}  // namespace

std::shared_ptr<Evaluator> load_net_evaluator(const Spec& spec) { no_torch(spec); }
std::unique_ptr<Agent> make_net_agent(const Spec& spec, uint64_t, const NetEvaluatorSource&) {
  no_torch(spec);
}
std::unique_ptr<Agent> make_policy_agent(const Spec& spec, const Game&, uint64_t,
                                         const NetEvaluatorSource&) {
  no_torch(spec);
}

// Without LibTorch there are no network agents, so no inference service is ever made.
struct SharedInference::Impl {};
SharedInference::SharedInference(int, double) {}
SharedInference::~SharedInference() = default;
AgentFactory SharedInference::factory() { return AgentFactory(make_agent); }
int SharedInference::services_created() const { return 0; }
std::string SharedInference::summary() const { return ""; }

}  // namespace tenuki
