#include "experiments/cli/experiment_cli.h"

#include <unistd.h>

#include <climits>
#include <ostream>

#include "experiments/cli/build_info.h"
#include "experiments/cli/stop_signals.h"
#include "experiments/pipeline/experiment_power.h"
#include "experiments/pipeline/experiment_results.h"
#include "experiments/pipeline/experiment_runner.h"

namespace tenuki {
namespace {

// The running executable, so that stages run the same build.
std::string this_program() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw UsageError("cannot find the tenuki executable (/proc/self/exe)");
  return std::string(path, static_cast<size_t>(n));
}

int cmd_run(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional().size() != 1) {
    throw UsageError("usage: tenuki experiment run SPEC.json --out DIR [--jobs N] [--dry-run]");
  }
  ExperimentRunOptions o;
  o.spec_path = args.positional()[0];
  o.dry_run = args.has("dry-run");
  if (!o.dry_run && !args.has("out")) throw UsageError("--out DIR is required");
  o.run_dir = args.get("out", "");
  o.jobs = static_cast<int>(args.get_int("jobs", 1, 1, 256));
  o.progress_seconds = args.get_double("progress-seconds", 10, 0, 1e6);
  o.tenuki_program = this_program();
  o.version = git_commit();
  StopSignals signals;
  o.stop = &g_stop_requested;
  return run_experiment(o, out, err);
}

int cmd_power(const Args& args, std::ostream& out) {
  if (args.positional().size() != 1) {
    throw UsageError(
        "usage: tenuki experiment power DIR [--mean-gap G | --area-difference D] [--y win_rate|elo]"
        " [--power P] [--alpha A]");
  }
  PowerPlanOptions o;
  o.power = args.get_double("power", 0.8, 0.01, 0.999);
  o.alpha = args.get_double("alpha", 0.05, 1e-6, 0.5);
  o.mean_gap = args.get_double("mean-gap", 0, 0, 1e12);
  o.area_difference = args.get_double("area-difference", 0, 0, 1e18);
  o.y = args.get("y", "win_rate");
  if (o.y != "win_rate" && o.y != "elo") throw UsageError("--y must be win_rate or elo");
  print_power_plan(args.positional()[0], o, out);
  return 0;
}

}  // namespace

int cmd_experiment(const Args& args, std::ostream& out, std::ostream& err) {
  const auto& words = args.positional();
  if (words.empty()) throw UsageError("usage: tenuki experiment run|status|report|power ...");
  const Args rest = args.without_first_positional();
  if (words[0] == "run") return cmd_run(rest, out, err);
  if (words[0] == "power") return cmd_power(rest, out);
  if (words[0] == "status" || words[0] == "report") {
    if (rest.positional().size() != 1) {
      throw UsageError("usage: tenuki experiment " + words[0] + " DIR");
    }
    const std::string dir = rest.positional()[0];
    if (words[0] == "status") {
      print_experiment_status(dir, out);
    } else {
      out << "wrote " << write_experiment_outputs(dir) << "\n";
    }
    return 0;
  }
  throw UsageError("unknown experiment command '" + words[0] +
                   "'; use run, status, report or power");
}

}  // namespace tenuki
