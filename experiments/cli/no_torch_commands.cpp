// Stand-ins for the network commands in builds without LibTorch (TENUKI_WITH_TORCH=OFF).
#include "experiments/cli/args.h"
#include "experiments/cli/bench_net.h"
#include "experiments/cli/selfplay_cli.h"
#include "experiments/cli/train_cli.h"
#include "experiments/cli/transfer_cli.h"

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
int cmd_selfplay(const Args&, std::ostream&, std::ostream&) { no_torch("selfplay"); }
int cmd_train(const Args&, std::ostream&, std::ostream&) { no_torch("train"); }
int cmd_transfer(const Args&, std::ostream&, std::ostream&) { no_torch("transfer"); }

}  // namespace tenuki
