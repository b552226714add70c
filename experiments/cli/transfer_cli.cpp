// `tenuki transfer`: the composition root of the transfer commands (transfer/).
#include "experiments/cli/transfer_cli.h"

#include <filesystem>
#include <fstream>
#include <ostream>

#include "agents/net/checkpoint.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "envs/util/atomic_file.h"
#include "experiments/cli/args.h"
#include "transfer/cka.h"
#include "transfer/metrics.h"
#include "transfer/plan.h"
#include "transfer/transplant.h"

namespace tenuki {

namespace {

namespace fs = std::filesystem;

std::string stem_of(const std::string& path) { return fs::path(path).stem().string(); }

int cmd_transplant(const Args& args, std::ostream& out) {
  if (args.positional().size() != 1) {
    throw UsageError(
        "usage: tenuki transfer SOURCE.ckpt --to GAME --out TARGET.ckpt [--plan PLAN]");
  }
  if (!args.has("to")) throw UsageError("--to GAME is required (the target game)");
  if (!args.has("out")) throw UsageError("--out TARGET.ckpt is required");
  transfer::TransplantOptions o;
  o.source_path = args.positional()[0];
  o.target_game = args.get("to", "");
  o.source_game = args.get("from", "");
  const std::string out_path = args.get("out", "");
  std::error_code ec;
  if (fs::exists(out_path) && fs::equivalent(out_path, o.source_path, ec)) {
    throw UsageError("--out must differ from the source checkpoint");
  }
  o.plan = transfer::parse_plan(args.get("plan", "fine-tune"));
  o.game_planes = transfer::parse_game_planes(args.get("game-planes", "semantic"));
  o.heads = transfer::parse_heads(args.get("heads", "auto"));
  o.search = transfer::parse_search_mode(args.get("search", "scaled"));
  o.seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1L << 62));
  transfer::Transplant result;
  try {
    result = transfer::transplant(o);
  } catch (const transfer::TransferError& e) {
    throw UsageError(e.what());
  }
  transfer::write_transplant(result, out_path);
  out << transfer::format_report(result.report) << "wrote " << out_path << " and "
      << transfer::report_path_for(out_path) << "\n";
  return 0;
}

int cmd_metrics(const Args& args, std::ostream& out) {
  if (args.positional().size() != 1) {
    throw UsageError("usage: tenuki transfer metrics CURVES.json [--threshold T] [--json]");
  }
  const std::string path = args.positional()[0];
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read curves file '" + path + "'");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw UsageError("curves file '" + path + "' is not valid JSON: " + e.what());
  }
  transfer::MetricsOptions o;
  if (args.has("threshold")) o.threshold = args.get_double("threshold", 0, -1e12, 1e12);
  o.source_cost = args.get_double("source-cost", 0, 0, 1e18);
  o.bootstrap = static_cast<int>(args.get_int("bootstrap", 2000, 100, 1000000));
  o.early_fraction = args.get_double("early", 0.2, 1e-6, 1);
  o.last_points = static_cast<int>(args.get_int("last", 3, 1, 1000000));
  o.seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1L << 62));
  std::vector<transfer::Curve> t, s;
  std::string axis = "steps";
  transfer::TransferMetrics m;
  try {
    transfer::curves_from_json(j, &t, &s, &o, &axis);
    m = transfer::compute_transfer_metrics(t, s, o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(path + ": " + e.what());
  }
  nlohmann::json result = m.to_json();
  result["axis"] = axis;
  if (o.threshold) result["threshold"] = *o.threshold;
  if (args.has("out")) write_file_atomically(args.get("out", ""), result.dump(2) + "\n");
  if (args.has("json")) {
    out << result.dump(2) << "\n";
  } else {
    out << transfer::format_metrics(m, axis);
  }
  return 0;
}

int cmd_cka(const Args& args, std::ostream& out) {
  if (args.positional().size() != 2) {
    throw UsageError("usage: tenuki transfer cka A.ckpt B.ckpt --game GAME [--positions N]");
  }
  if (!args.has("game")) throw UsageError("--game GAME is required (the positions' game)");
  auto game = make_game(args.get("game", ""));
  const int n = static_cast<int>(args.get_int("positions", 512, 2, 100000));
  const uint64_t seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1L << 62));
  const std::string a_path = args.positional()[0], b_path = args.positional()[1];
  std::shared_ptr<PolicyValueNet> a, b;
  try {
    a = load_checkpoint(a_path);
    b = load_checkpoint(b_path);
  } catch (const CheckpointError& e) {
    throw UsageError(e.what());
  }
  std::vector<float> planes;
  try {
    planes = transfer::cka_positions(*game, n, seed, args.get("records", ""));
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());  // unreadable records or records of another game
  }
  const transfer::CkaResult r =
      transfer::cka_between(*a, *b, planes, n, game->rows(), game->cols());
  const std::string out_path = args.get(
      "out",
      (fs::path(a_path).parent_path() / (stem_of(a_path) + "_vs_" + stem_of(b_path) + ".cka.json"))
          .string());
  nlohmann::json j = r.to_json();
  j["a"] = a_path;
  j["b"] = b_path;
  j["game"] = game->spec();
  j["positions_from"] = args.has("records") ? args.get("records", "") : "random play";
  write_file_atomically(out_path, j.dump(2) + "\n");
  out << "A = " << a_path << ", B = " << b_path << ", " << game->spec() << ", positions from "
      << j["positions_from"].get<std::string>() << "\n"
      << transfer::format_cka(r) << "wrote " << out_path << "\n";
  return 0;
}

}  // namespace

int cmd_transfer(const Args& args, std::ostream& out, std::ostream& err) {
  const auto& words = args.positional();
  if (!words.empty() && (words[0] == "metrics" || words[0] == "cka")) {
    const Args rest = args.without_first_positional();
    return words[0] == "metrics" ? cmd_metrics(rest, out) : cmd_cka(rest, out);
  }
  return cmd_transplant(args, out);
}

}  // namespace tenuki
