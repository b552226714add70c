// Stand-ins for the network commands in builds without LibTorch (TENUKI_WITH_TORCH=OFF).
#include "experiments/args.h"
#include "experiments/bench_net.h"
#include "experiments/experiment_cli.h"
#include "experiments/experiment_results.h"
#include "experiments/train_cli.h"
#include "experiments/transfer_cli.h"

namespace tenuki {
namespace {
[[noreturn]] void no_torch(const std::string& command) {
  throw UsageError(command +
                   " needs LibTorch, but this build has none "
                   "(configure with -DTENUKI_WITH_TORCH=ON)");
}
}  // namespace

std::set<std::string> bench_net_flags() { return {}; }
int cmd_bench_net(const Args&, std::ostream&) { no_torch("bench net"); }
int cmd_net_init(const Args&, std::ostream&) { no_torch("net-init"); }
int cmd_train(const Args&, std::ostream&, std::ostream&) { no_torch("train"); }
int cmd_transfer(const Args&, std::ostream&, std::ostream&) { no_torch("transfer"); }
int cmd_experiment(const Args&, std::ostream&, std::ostream&) { no_torch("experiment"); }
std::string write_experiment_outputs(const std::string&, const std::string&, const std::string&) {
  no_torch("the experiment report");
}

}  // namespace tenuki

// Without LibTorch there are no network agents, so no service is ever made.
#include "experiments/shared_inference.h"
namespace tenuki {
struct SharedInference::Impl {};
SharedInference::SharedInference(int, double) {}
SharedInference::~SharedInference() = default;
AgentFactory SharedInference::factory() { return AgentFactory(make_agent); }
int SharedInference::services_created() const { return 0; }
std::string SharedInference::summary() const { return ""; }
}  // namespace tenuki
