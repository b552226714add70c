#include "experiments/cli/tournament_cli.h"

#include <unistd.h>

#include <ostream>
#include <stdexcept>

#include "agents/net/shared_inference.h"
#include "envs/spec.h"
#include "experiments/arena/sprt.h"
#include "experiments/arena/tournament.h"
#include "experiments/cli/args.h"

namespace tenuki {

namespace {

constexpr char kTournamentUsage[] =
    "usage: tenuki tournament GAME --agents A,B[,C...] --out DIR [--format round-robin|gauntlet]\n"
    "         [--games-per-pair N] [--concurrency K] [--opening-plies k | --openings FILE]\n"
    "         [--max-moves M] [--seed S] [--anchor SPEC --anchor-elo X]\n"
    "         [--sprt elo0=0,elo1=10,alpha=0.05,beta=0.05]\n"
    "       tenuki tournament --config FILE.json [flags overriding the file]";

}  // namespace

int cmd_tournament(const Args& args, std::ostream& out, std::ostream& err) {
  TournamentConfig config;
  if (args.has("config")) config = read_config_file(args.get("config", ""));
  const auto& positional = args.positional();
  if (positional.size() > 1) {
    throw UsageError("expected one GAME, got " + std::to_string(positional.size()) +
                     " positional arguments\n" + kTournamentUsage);
  }
  if (positional.size() == 1) config.game = positional[0];
  if (config.game.empty()) throw UsageError(std::string("no GAME given\n") + kTournamentUsage);
  if (args.has("agents")) config.agents = split_top_level(args.get("agents", ""), ',');
  config.format = args.get("format", config.format);
  constexpr long kBig = 2147483647L;  // resolve_config checks the real ranges
  config.games_per_pair =
      static_cast<int>(args.get_int("games-per-pair", config.games_per_pair, -kBig, kBig));
  config.concurrency =
      static_cast<int>(args.get_int("concurrency", config.concurrency, -kBig, kBig));
  config.opening_plies =
      static_cast<int>(args.get_int("opening-plies", config.opening_plies, -kBig, kBig));
  config.max_moves = static_cast<int>(args.get_int("max-moves", config.max_moves, -kBig, kBig));
  if (args.has("seed")) config.seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1L << 62));
  if (args.has("openings")) {
    config.openings.clear();
    config.openings_file = args.get("openings", "");
  }
  config.anchor = args.get("anchor", config.anchor);
  config.anchor_elo = args.get_double("anchor-elo", config.anchor_elo, -1e6, 1e6);
  if (args.has("sprt")) {
    try {
      config.sprt = parse_sprt_config(args.get("sprt", ""));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--sprt: ") + e.what());
    }
  }
  config.out_dir = args.get("out", config.out_dir);

  const TournamentConfig resolved = resolve_config(config);
  // Progress lines (on standard error) by default only when a person watches: standard output
  // is a terminal.
  const std::string progress = args.get("progress", "auto");
  if (progress != "auto" && progress != "on" && progress != "off") {
    throw UsageError("--progress must be auto, on or off, got '" + progress + "'");
  }
  const bool show_progress = progress == "on" || (progress == "auto" && ::isatty(STDOUT_FILENO));
  // --inference separate gives every network agent its own evaluator (for comparisons); it
  // changes no game, so it is not part of the config.
  const std::string inference = args.get("inference", "shared");
  if (inference != "shared" && inference != "separate") {
    throw UsageError("--inference must be shared or separate, got '" + inference + "'");
  }
  SharedInference shared(resolved.concurrency);
  const TournamentOutcome outcome = run_tournament(
      resolved, err, inference == "shared" ? shared.factory() : AgentFactory(make_agent),
      show_progress);
  print_rating_table(resolved, outcome, out);
  out << shared.summary();
  out << "results in " << resolved.out_dir
      << " (config.json, games.jsonl, ratings.json, crosstable.csv)\n";
  return 0;
}

}  // namespace tenuki
