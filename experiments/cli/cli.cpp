// The `tenuki` command line: one table of subcommands and their flags, parsed with CLI11. The
// table drives the parser, `--help` (every flag with its default, and examples) and the bash
// completion script, so they cannot disagree. The command bodies receive an Args (positionals and
// the flags given, as text) and check values themselves (experiments/cli/args.h).
#include "experiments/cli/cli.h"

#include <CLI/CLI.hpp>
#include <cctype>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "envs/spec.h"
#include "experiments/cli/args.h"
#include "experiments/cli/bench_net.h"
#include "experiments/cli/build_info.h"
#include "experiments/cli/cli_commands.h"
#include "experiments/cli/experiment_cli.h"
#include "experiments/cli/report_cli.h"
#include "experiments/cli/selfplay_cli.h"
#include "experiments/cli/tournament_cli.h"
#include "experiments/cli/train_cli.h"
#include "experiments/cli/transfer_cli.h"

namespace tenuki {
namespace {

struct FlagInfo {
  std::string name;          // without "--"
  std::string value;         // value placeholder, e.g. "N"; "" for a switch
  std::string default_text;  // shown as [default]; "" shows none
  std::string help;
};

using Handler = std::function<int(const Args&, std::ostream& out, std::ostream& err)>;

struct CommandInfo {
  std::string path;        // "play" or "bench net"
  std::string positional;  // e.g. "GAME DEPTH"; "" when the command takes none
  std::string summary;
  std::vector<FlagInfo> flags;
  std::vector<std::string> examples;  // command lines without the leading "tenuki "
  Handler handler;
};

const std::vector<FlagInfo>& bench_net_flag_info() {
  static const std::vector<FlagInfo> flags = [] {
    std::vector<FlagInfo> described = {
        {"blocks", "N", "6", "residual blocks"},
        {"channels", "N", "64", "channels per convolution"},
        {"threads", "N", "2", "intra-op threads"},
        {"dtype", "auto|float32|bfloat16|half|float32-winograd", "auto",
         "inference precision; auto measures every one the device runs, side by side"},
        {"device", "cpu|cuda|auto", "auto", "device"},
        {"seconds", "S", "1", "seconds per measurement"},
        {"batches", "LIST", "1,8,32,128", "batch sizes, comma-separated"},
        {"sizes", "LIST", "9,19", "board sizes, comma-separated"},
        {"lz-weights", "PATH", "", "write a random Leela Zero weights file of that shape and exit"},
    };
    // Flags bench_net.cpp knows but this table does not describe yet are still accepted.
    std::set<std::string> seen;
    for (const auto& f : described) seen.insert(f.name);
    for (const auto& name : bench_net_flags()) {
      if (!seen.count(name)) described.push_back({name, "VALUE", "", "see bench_net.h"});
    }
    return described;
  }();
  return flags;
}

const std::vector<CommandInfo>& commands() {
  static const std::vector<CommandInfo> table = {
      {"games",
       "",
       "list games and their options",
       {},
       {"games"},
       [](auto& a, auto& o, auto&) { return cmd_games(a, o); }},
      {"perft",
       "GAME DEPTH",
       "count move sequences of DEPTH moves from the start (passes count as moves)",
       {},
       {"perft othello 9", "perft 'go(size=9)' 4"},
       [](auto& a, auto& o, auto& e) { return cmd_perft(a, o, e); }},
      {"play",
       "GAME",
       "play two agents against each other, colours alternating",
       {{"agents", "A,B", "random,random", "the two agent specs (see README: agents)"},
        {"games", "N", "1", "games to play"},
        {"seed", "S", "1", "seed of the agents' random choices"},
        {"sgf", "FILE", "", "write the games as SGF (Go only)"},
        {"show", "", "", "print the final position of every game"},
        {"json", "", "", "print the result as JSON on stdout (game lines go to stderr)"}},
       {"play 'go(size=9,komi=7.5)' --agents random,'mcts(playouts=800)' --games 4 --show",
        "play connect_four --agents 'mcts(playouts=1000)',random --games 20 --json"},
       [](auto& a, auto& o, auto& e) { return cmd_play(a, o, e); }},
      {"bench", "", "benchmarks: rules, mcts, net", {}, {"bench rules", "bench net"}, nullptr},
      {"bench rules",
       "[GAME...]",
       "random playouts and network-input encodes per second on one thread (every game when none "
       "is named)",
       {{"seconds", "S", "2", "seconds per game for the playouts, and as many for the encodes"}},
       {"bench rules", "bench rules 'go(size=19)' --seconds 5"},
       [](auto& a, auto& o, auto&) { return cmd_bench(a, o); }},
      {"bench mcts",
       "[GAME]",
       "search simulations per second on one thread (GAME defaults to go(size=9))",
       {{"evaluator", "uniform|hash|rollout", "uniform", "evaluator without a network"},
        {"model", "CKPT", "", "evaluate with this network checkpoint instead"},
        {"threads", "N", "2", "LibTorch threads with --model"},
        {"dtype", "float32|bfloat16|half|float32-winograd", "float32",
         "inference precision with --model"},
        {"playouts", "N", "800", "playouts per search"},
        {"leaves", "K", "8", "leaves gathered per evaluator batch"},
        {"seconds", "S", "3", "measurement time"}},
       {"bench mcts 'go(size=9)' --evaluator uniform", "bench mcts --model net.ckpt --threads 2"},
       [](auto& a, auto& o, auto&) { return cmd_bench(a, o); }},
      {"bench net",
       "",
       "network forward throughput (positions per second) for every batch and board size",
       bench_net_flag_info(),
       {"bench net --blocks 6 --channels 64", "bench net --sizes 19 --batches 1,64 --dtype half"},
       [](auto& a, auto& o, auto&) { return cmd_bench(a, o); }},
      {"train",
       "CONFIG.json",
       "self-play training; the same command resumes a stopped run (Ctrl-C stops cleanly)",
       {{"out", "RUN_DIR", "", "run directory (required)"},
        {"budget-games", "N", "config", "stop after N self-play games"},
        {"budget-steps", "N", "config", "stop after N training steps"},
        {"budget-evaluations", "N", "config", "stop after N network evaluations by self-play"},
        {"budget-minutes", "M", "config", "stop after M minutes"},
        {"selfplay-bench", "SECONDS", "", "measure self-play speed only, for SECONDS"},
        {"role", "learner", "",
         "one learner rank of a multi-process run (torchrun, Slurm or Kubernetes variables); "
         "the games come from `tenuki selfplay` actors"},
        {"group-timeout", "S", "60", "learners: seconds any wait on another rank may take"}},
       {"train experiments/train/connect_four.json --out runs/c4",
        "train experiments/train/go9.json --out runs/go9 --budget-minutes 120"},
       [](auto& a, auto& o, auto& e) { return cmd_train(a, o, e); }},
      {"selfplay",
       "",
       "a self-play actor of a learners' run folder: plays with the run's latest net, writes "
       "games/ID/chunk_SEQ.jsonl, picks up newer nets; any number may join or leave",
       {{"run", "RUN_DIR", "", "the learners' run folder (required)"},
        {"id", "NAME", "host-pid", "actor id: letters, digits, '-', '_'"},
        {"games", "N", "0", "stop after N games (0: until Ctrl-C)"},
        {"wait-seconds", "S", "600",
         "how long to wait for the learners' config.json and first checkpoint"},
        {"progress-seconds", "S", "10", "seconds between progress lines (0: none)"}},
       {"selfplay --run runs/go9 --id gpu-node-3"},
       [](auto& a, auto& o, auto& e) { return cmd_selfplay(a, o, e); }},
      {"transfer",
       "SOURCE.ckpt",
       "carry a network and its search settings to another game or size; prints the mapping "
       "report and writes TARGET.transfer.json beside the checkpoint (subcommands: metrics, cka)",
       {{"to", "GAME", "", "target game (required)"},
        {"out", "TARGET.ckpt", "", "output checkpoint (required)"},
        {"plan", "PLAN", "fine-tune",
         "zero-shot | fine-tune | frozen-trunk(unfreeze_after=N,warmup=W) "
         "| partial(blocks=K)"},
        {"game-planes", "semantic|keep|drop", "semantic", "how game-specific input planes map"},
        {"heads", "auto|keep|reinit(...)", "auto",
         "heads to re-initialise: reinit(policy,value,ownership,pass)"},
        {"search", "source|scaled|target", "scaled", "search settings for the target game"},
        {"from", "GAME", "checkpoint's", "source game, when the checkpoint does not name it"},
        {"seed", "S", "1", "seed of re-initialised tensors"}},
       {"transfer go9.ckpt --to 'othello(size=8)' --out othello.ckpt",
        "transfer go9.ckpt --to 'go(size=13)' --out go13.ckpt --plan zero-shot"},
       [](auto& a, auto& o, auto& e) { return cmd_transfer(a, o, e); }},
      {"transfer metrics",
       "CURVES.json",
       "jumpstart, area, transfer ratio, slope, asymptote, time to threshold and verdict, with "
       "bootstrap 95% intervals over seeds",
       {{"threshold", "T", "", "strength threshold for time to threshold"},
        {"source-cost", "C", "0", "compute charged to the transfer arm (total-time view)"},
        {"bootstrap", "B", "2000", "bootstrap resamples"},
        {"early", "F", "0.2", "fraction of the axis for the early slope"},
        {"last", "K", "3", "last points averaged for the asymptote"},
        {"seed", "S", "1", "bootstrap seed"},
        {"out", "FILE.json", "", "also write the metrics as JSON"},
        {"json", "", "", "print JSON instead of the table"}},
       {"transfer metrics curves.json --threshold 0.5"},
       [](auto& a, auto& o, auto& e) { return cmd_transfer(a, o, e); }},
      {"transfer cka",
       "A.ckpt B.ckpt",
       "linear CKA between every trunk block of two networks on the same positions",
       {{"game", "GAME", "", "the positions' game (required)"},
        {"positions", "N", "512", "positions"},
        {"records", "PATH", "", "take positions from self-play records (else random play)"},
        {"seed", "S", "1", "seed of the random positions"},
        {"out", "FILE.json", "A_vs_B.cka.json", "where the matrix is written"}},
       {"transfer cka a.ckpt b.ckpt --game connect_four --positions 1024"},
       [](auto& a, auto& o, auto& e) { return cmd_transfer(a, o, e); }},
      {"experiment",
       "",
       "run a transfer experiment from a spec: source, targets, scratch and transfer arms, "
       "evaluations, final tournament and report (subcommands: run, status, report, power)",
       {},
       {"experiment run experiments/quickstart.json --out runs/quickstart"},
       nullptr},
      {"experiment run",
       "SPEC.json",
       "run every stage of an experiment, skipping what is done; the same command resumes "
       "after a stop or a kill (Ctrl-C stops cleanly)",
       {{"out", "DIR", "", "run folder (required unless --dry-run)"},
        {"jobs", "N", "1", "stages run at once (each a tenuki process)"},
        {"dry-run", "", "", "print the stages, their commands and estimated times; run nothing"},
        {"progress-seconds", "S", "10", "seconds between progress lines; 0 = none"}},
       {"experiment run experiments/quickstart.json --out runs/quickstart",
        "experiment run experiments/gpu/go9_to_go13.json --dry-run"},
       [](auto& a, auto& o, auto& e) { return cmd_experiment(a, o, e); }},
      {"experiment status",
       "DIR",
       "every stage of an experiment run folder: done, percent, pending (also during a run)",
       {},
       {"experiment status runs/quickstart"},
       [](auto& a, auto& o, auto& e) { return cmd_experiment(a, o, e); }},
      {"experiment report",
       "DIR",
       "write DIR/report/index.html and its CSV/JSON from what the folder holds now",
       {},
       {"experiment report runs/quickstart"},
       [](auto& a, auto& o, auto& e) { return cmd_experiment(a, o, e); }},
      {"experiment power",
       "DIR",
       "seeds per arm that detect a transfer effect with the given power, from a pilot run "
       "folder's per-seed spreads (Welch's t test on the areas under the learning curves)",
       {{"mean-gap", "G", "observed", "the effect: mean gap in y over the compared range"},
        {"area-difference", "D", "observed", "the effect as an area difference"},
        {"y", "win_rate|elo", "win_rate", "the y of the given effect"},
        {"power", "P", "0.8", "power to reach"},
        {"alpha", "A", "0.05", "two-sided level"}},
       {"experiment power runs/quickstart --mean-gap 0.05"},
       [](auto& a, auto& o, auto& e) { return cmd_experiment(a, o, e); }},
      {"tournament",
       "[GAME]",
       "rated tournament between agents, resumable (see README: Tournaments)",
       {{"agents", "A,B,...", "", "agent specs, at least two"},
        {"out", "DIR", "", "results folder (required)"},
        {"config", "FILE.json", "", "read the tournament from a config (flags override it)"},
        {"format", "round-robin|gauntlet", "round-robin", "pairings"},
        {"games-per-pair", "N", "2", "games per pairing (even: colour-swapped pairs)"},
        {"concurrency", "K", "1", "games played at once"},
        {"inference", "shared|separate", "shared",
         "shared: one batching inference service per network for all games; separate: one "
         "evaluator per agent"},
        {"opening-plies", "K", "0", "random opening plies (same for both games of a pair)"},
        {"openings", "FILE", "", "openings, one line of GTP vertices each"},
        {"max-moves", "M", "0", "plies before a draw is declared (0: the game's own cap)"},
        {"seed", "S", "1", "tournament seed"},
        {"anchor", "SPEC", "", "agent fixed at --anchor-elo (default: mean rating)"},
        {"anchor-elo", "X", "0", "rating of the anchor"},
        {"sprt", "elo0=..,elo1=..,alpha=..,beta=..", "", "sequential test, two agents"},
        {"progress", "auto|on|off", "auto",
         "a line per finished game on stderr (auto: when stdout is a terminal)"}},
       {"tournament 'go(size=9)' --agents random,'mcts(playouts=200)' --out runs/t1 "
        "--games-per-pair 20 --concurrency 2",
        "tournament connect_four --agents 'mcts(playouts=400)','mcts(playouts=100)' --out "
        "runs/sprt --games-per-pair 400 --sprt elo0=0,elo1=50,alpha=0.05,beta=0.05",
        "tournament --config runs/t1/config.json"},
       [](auto& a, auto& o, auto& e) { return cmd_tournament(a, o, e); }},
      {"report",
       "RUN_DIR",
       "write a self-contained HTML report (plots by gnuplot) and CSV files of a training run",
       {{"out", "FILE", "RUN_DIR/report/index.html", "the HTML page; the CSV files go beside it"}},
       {"report runs/c4", "report runs/go9 --out go9_report/index.html"},
       [](auto& a, auto& o, auto& e) { return cmd_report(a, o, e); }},
      {"net-init",
       "OUT.ckpt",
       "write a randomly initialised network checkpoint",
       {{"game", "GAME", "go(size=9)", "game the network is for"},
        {"blocks", "N", "6", "residual blocks"},
        {"channels", "N", "64", "channels"},
        {"seed", "S", "1", "initialisation seed"},
        {"config", "JSON", "", "full network config as JSON (blocks/channels override it)"}},
       {"net-init net.ckpt --game 'go(size=9)' --blocks 6 --channels 64"},
       [](auto& a, auto& o, auto&) { return cmd_net_init(a, o); }},
      {"net-average",
       "IN.ckpt IN.ckpt...",
       "write the tensor-by-tensor mean of checkpoints of one network (e.g. a run's last few: "
       "weight averaging)",
       {{"out", "OUT.ckpt", "", "the averaged checkpoint (required)"}},
       {"net-average runs/go9/checkpoints/step_00009000.ckpt "
        "runs/go9/checkpoints/step_00009500.ckpt --out go9_avg.ckpt"},
       [](auto& a, auto& o, auto&) { return cmd_net_average(a, o); }},
      {"gtp",
       "",
       "speak GTP version 2 on stdin/stdout (with lz-/kata-analyze and time control)",
       {{"agent", "SPEC", "mcts(playouts=1000)", "the engine's agent"},
        {"game", "GAME", "go(size=19,komi=7.5)", "starting game (boardsize/komi change it)"},
        {"seed", "S", "1", "seed of the agent"}},
       {"gtp --agent 'net(model=net.ckpt,visits=800)' --game 'go(size=9)'",
        "gtp --agent 'mcts(playouts=2000)' --game 'go(size=9)'"},
       [](auto& a, auto& o, auto&) { return cmd_gtp(a, std::cin, o); }},
      {"encoding",
       "GAME",
       "print the encoding planes of a position after N random moves",
       {{"moves", "N", "0", "random moves from the start"},
        {"seed", "S", "1", "seed of the random moves"}},
       {"encoding 'hex(size=5)' --moves 6"},
       [](auto& a, auto& o, auto&) { return cmd_encoding(a, o); }},
  };
  return table;
}

std::string examples_footer(const CommandInfo& c) {
  std::string text = c.examples.size() == 1 ? "Example:\n" : "Examples:\n";
  for (const auto& e : c.examples) text += "  tenuki " + e + "\n";
  return text;
}

// The bash completion script: commands, then each command's flags.
std::string completion_script() {
  std::string cases;
  std::string top;
  std::string subcommands;  // "bench_rules bench_mcts ... transfer_cka"
  for (const auto& c : commands()) {
    std::string words = "--help";
    for (const auto& f : c.flags) words += " --" + f.name;
    for (const auto& child : commands()) {  // subcommands, e.g. bench rules|mcts|net
      if (child.path.rfind(c.path + " ", 0) == 0) {
        words += " " + child.path.substr(c.path.size() + 1);
      }
    }
    std::string key = c.path;
    const auto space = key.find(' ');
    if (space == std::string::npos) {
      top += (top.empty() ? "" : " ") + c.path;
    } else {
      key[space] = '_';
      subcommands += " " + key;
    }
    cases += "    " + key + ") words=\"" + words + "\" ;;\n";
  }
  return "# bash completion for tenuki: source <(tenuki completion)\n"
         "_tenuki() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} key words\n"
         "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
         "    COMPREPLY=($(compgen -W \"" +
         top +
         " completion --help --version\" -- \"$cur\")); return\n"
         "  fi\n"
         "  key=${COMP_WORDS[1]}\n"
         "  case \" " +
         subcommands +
         " \" in *\" ${key}_${COMP_WORDS[2]} \"*) [ \"$COMP_CWORD\" -gt 2 ] && "
         "key=${key}_${COMP_WORDS[2]} ;; esac\n"
         "  case \"$key\" in\n" +
         cases +
         "    *) words=\"\" ;;\n"
         "  esac\n"
         "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "}\n"
         "complete -o default -F _tenuki tenuki\n";
}

// One parsed subcommand: where CLI11 stores its values.
struct Bound {
  const CommandInfo* info = nullptr;
  CLI::App* app = nullptr;
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // raw storage, read only for given flags
  std::map<std::string, CLI::Option*> options;
};

}  // namespace

int run_cli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  CLI::App app(
      "tenuki: game-playing reinforcement learning (AlphaZero-style networks, MCTS, "
      "GTP, tournaments)",
      "tenuki");
  app.allow_extras();
  app.footer(
      "GAME is a spec such as go(size=9,komi=7.5) or connect_four (see `tenuki games`); agents "
      "are random, mcts(playouts=N), policy(model=CKPT), net(model=CKPT,visits=N) or "
      "gtp(cmd=\"...\").\nRun `tenuki COMMAND --help` for a command's flags, `source <(tenuki "
      "completion)` for bash completion.\nErrors exit with status 2 (bad usage or input) or 1.");
  bool version = false;
  app.add_flag("--version", version, "print the version, commit, LibTorch, device and compiler");
  CLI::App* completion = app.add_subcommand("completion", "print a bash completion script");

  // std::deque-like stability: reserve so the pointers CLI11 keeps stay valid.
  std::vector<Bound> bound(commands().size());
  std::map<std::string, CLI::App*> by_path;
  for (size_t i = 0; i < commands().size(); ++i) {
    const CommandInfo& c = commands()[i];
    Bound& b = bound[i];
    b.info = &c;
    const auto space = c.path.find(' ');
    CLI::App* parent = space == std::string::npos ? &app : by_path.at(c.path.substr(0, space));
    const std::string name = space == std::string::npos ? c.path : c.path.substr(space + 1);
    b.app = parent->add_subcommand(name, c.summary);
    by_path[c.path] = b.app;
    b.app->allow_extras();
    b.app->footer(examples_footer(c));
    if (!c.positional.empty()) {
      // CLI11 names cannot hold spaces: "[GAME...]" -> GAME, "GAME DEPTH" -> GAME_DEPTH; the
      // description keeps the original.
      std::string label;
      for (char ch : c.positional) {
        if (ch == ' ') label += '_';
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.') label += ch;
      }
      b.app->add_option(label, b.positional, c.positional)->type_name("");
    }
    for (const auto& f : c.flags) {
      CLI::Option* opt = nullptr;
      if (f.value.empty()) {
        opt = b.app->add_flag("--" + f.name, f.help);
      } else {
        opt = b.app->add_option("--" + f.name, b.values[f.name], f.help)
                  ->type_name(f.value)
                  ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        if (!f.default_text.empty()) opt->default_str(f.default_text);
      }
      b.options[f.name] = opt;
    }
    if (c.path == "bench" || c.path == "experiment") b.app->require_subcommand(0, 1);
  }

  std::vector<std::string> reversed(argv.rbegin(), argv.rend());
  std::string command = argv.empty() ? "" : argv[0];
  try {
    if (argv.empty()) {
      err << app.help();
      return 2;
    }
    if (argv[0] == "help") {
      // `tenuki help [COMMAND...]` is `tenuki [COMMAND...] --help`.
      reversed.pop_back();
      reversed.insert(reversed.begin(), "--help");
    }
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "tenuki " << command << ": " << e.what() << "\n";
    return 2;
  }
  if (version) {
    out << build_info();
    return 0;
  }
  if (completion->parsed()) {
    out << completion_script();
    return 0;
  }
  const std::vector<std::string> root_extras = app.remaining();
  if (!root_extras.empty()) {
    err << "tenuki: unknown command '" << root_extras[0] << "'; run `tenuki --help`\n";
    return 2;
  }
  // The deepest parsed subcommand.
  Bound* chosen = nullptr;
  for (auto& b : bound) {
    if (b.app->parsed()) chosen = &b;
  }
  if (chosen == nullptr) {
    err << app.help();
    return 2;
  }
  command = chosen->info->path;
  try {
    for (const auto& extra : chosen->app->remaining()) {
      if (extra.size() > 1 && extra[0] == '-') {
        std::string known;
        for (const auto& f : chosen->info->flags) known += " --" + f.name;
        throw UsageError("unknown flag " + extra.substr(0, extra.find('=')) +
                         (known.empty() ? "" : "; known:" + known));
      }
      throw UsageError("unexpected argument '" + extra + "'; see `tenuki " + command + " --help`");
    }
    if (!chosen->info->handler) {
      throw UsageError("usage: tenuki " + command + " SUBCOMMAND; see `tenuki " + command +
                       " --help`");
    }
    std::map<std::string, std::string> given;
    for (const auto& [name, opt] : chosen->options) {
      if (opt->count() == 0) continue;
      auto it = chosen->values.find(name);
      given[name] = it == chosen->values.end() ? "1" : it->second;
    }
    std::vector<std::string> positional = chosen->positional;
    const auto space = command.find(' ');
    if (space != std::string::npos)
      positional.insert(positional.begin(), command.substr(space + 1));
    return chosen->info->handler(Args(positional, given), out, err);
  } catch (const InputError& e) {
    err << "tenuki " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "tenuki " << command << ": error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace tenuki
