#include "experiments/cli/cli_commands.h"

#include <unistd.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "agents/agent.h"
#include "agents/eval/evaluator.h"
#include "agents/gtp/gtp_engine.h"
#include "agents/match.h"
#include "agents/net/checkpoint_average.h"
#include "agents/net/net_agent.h"
#include "agents/search/mcts.h"
#include "envs/encoding.h"
#include "envs/games/go/go_game.h"
#include "envs/games/go/sgf.h"
#include "envs/perft.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "experiments/cli/bench_net.h"

namespace tenuki {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string result_text(const Game& game, const State& state) {
  auto ret = state.returns();
  std::string text = ret[0] > 0   ? game.player_name(0) + " wins"
                     : ret[1] > 0 ? game.player_name(1) + " wins"
                                  : "draw";
  const std::string detail = state.result_detail();
  if (!detail.empty()) text += " (" + detail + ")";
  return text;
}

int cmd_bench_mcts(const Args& args, std::ostream& out) {
  const auto& pos = args.positional();
  auto game = make_game(pos.size() > 1 ? pos[1] : "go(size=9)");
  std::string kind = args.get("evaluator", "uniform");
  std::shared_ptr<Evaluator> evaluator;
  if (args.has("model")) {
    const std::string model = args.get("model", ""), dtype = args.get("dtype", "float32");
    kind = "net(" + model + ", " + dtype + ")";
    evaluator = load_net_evaluator(Spec::parse(Spec::format(
        "net", {{"model", model}, {"threads", args.get("threads", "2")}, {"dtype", dtype}})));
  } else if (kind == "uniform") {
    evaluator = make_uniform_evaluator();
  } else if (kind == "hash") {
    evaluator = make_hash_random_evaluator(1);
  } else if (kind == "rollout") {
    evaluator = make_rollout_evaluator(1, 1);
  } else {
    throw UsageError("--evaluator must be uniform, hash or rollout");
  }
  SearchConfig config;
  config.playouts = static_cast<int>(args.get_int("playouts", 800, 1, 100000000));
  config.leaves_per_batch = static_cast<int>(args.get_int("leaves", 8, 1, 4096));
  config.reuse_tree = false;
  const double budget = args.get_double("seconds", 3.0, 0.01, 3600);
  Mcts mcts(config);
  Rng rng(7);
  long simulations = 0, searches = 0;
  auto start = Clock::now();
  double secs = 0;
  auto state = game->new_initial_state();
  do {
    if (state->is_terminal()) state = game->new_initial_state();
    auto r = mcts.search(*state, *evaluator);
    simulations += mcts.playouts_done();
    ++searches;
    state->apply_action(state->sample_playout_action(rng));
    secs = seconds_since(start);
  } while (secs < budget);
  out << game->spec() << ", evaluator " << kind << ", " << config.playouts << " playouts, "
      << config.leaves_per_batch << " leaves/batch: " << std::fixed << std::setprecision(0)
      << simulations / secs << " simulations/s (" << searches << " searches in "
      << std::setprecision(1) << secs << " s, one thread)\n";
  return 0;
}

}  // namespace

int cmd_games(const Args& args, std::ostream& out) {
  GameRegistry registry;
  register_builtin_games(registry);
  for (const auto& info : registry.games()) {
    out << std::left << std::setw(14) << info.name << info.summary << "\n"
        << std::setw(14) << ""
        << "options: " << info.options << "\n";
  }
  return 0;
}

int cmd_perft(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional().size() != 2) throw UsageError("usage: tenuki perft GAME DEPTH");
  auto game = make_game(args.positional()[0]);
  Args depth_arg({"--depth", args.positional()[1]}, {"depth"}, {});
  int depth = static_cast<int>(depth_arg.get_int("depth", 1, 0, 64));
  auto state = game->new_initial_state();
  auto start = Clock::now();
  uint64_t count = 0;
  if (depth >= 2 && !state->is_terminal() && ::isatty(STDOUT_FILENO)) {
    // The same count, root move by root move, with a progress line on the terminal.
    const std::vector<Action> roots = state->legal_actions();
    for (size_t i = 0; i < roots.size(); ++i) {
      state->apply_action(roots[i]);
      count += perft(*state, depth - 1);
      state->undo_action();
      const double secs = seconds_since(start);
      err << "\rperft: " << i + 1 << "/" << roots.size() << " root moves, " << count << " so far, "
          << std::fixed << std::setprecision(1) << secs << " s, ETA "
          << secs / (i + 1) * (roots.size() - i - 1) << " s   " << std::flush;
    }
    err << "\n";
  } else {
    count = perft(*state, depth);
  }
  double secs = seconds_since(start);
  out << "perft(" << depth << ") = " << count << "  [" << game->spec() << ", " << std::fixed
      << std::setprecision(2) << secs << " s]\n";
  return 0;
}

int cmd_play(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional().size() != 1) throw UsageError("usage: tenuki play GAME --agents A,B");
  auto game = make_game(args.positional()[0]);
  auto specs = split_top_level(args.get("agents", "random,random"), ',');
  if (specs.size() != 2) throw UsageError("--agents needs exactly two agent specs, A,B");
  const int games = static_cast<int>(args.get_int("games", 1, 1, 1000000));
  const uint64_t seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1L << 62));
  const bool json = args.has("json"), show = args.has("show");
  const std::string sgf_path = args.get("sgf", "");
  const bool is_go = dynamic_cast<const go::GoGame*>(game.get()) != nullptr;
  if (!sgf_path.empty() && !is_go) throw UsageError("--sgf is only for Go games");

  std::unique_ptr<Agent> a = make_agent(specs[0], *game, seed * 2 + 1);
  std::unique_ptr<Agent> b = make_agent(specs[1], *game, seed * 2 + 2);
  std::ostream& log = json ? err : out;
  std::string sgf_text;
  auto start = Clock::now();
  auto summary = play_match(*game, {a.get(), b.get()}, games, [&](const PlayedGame& g) {
    const State& s = *g.final_state;
    const std::string& first = specs[g.first_agent];
    const std::string& second = specs[1 - g.first_agent];
    log << "game " << g.index + 1 << "/" << games << ": " << first << " (" << game->player_name(0)
        << ") vs " << second << " (" << game->player_name(1) << "): " << result_text(*game, s)
        << " after " << s.move_number() << " moves  [" << std::fixed << std::setprecision(1)
        << seconds_since(start) << " s]\n";
    if (show) log << s.to_string() << "\n";
    if (!sgf_path.empty()) {
      sgf_text += go::write_sgf(static_cast<const go::GoState&>(s), first, second);
    }
  });
  if (!sgf_path.empty()) go::write_sgf_file(sgf_path, sgf_text);
  if (json) {
    nlohmann::json j;
    j["game"] = game->spec();
    j["games"] = summary.games;
    for (int i = 0; i < 2; ++i) {
      const auto& t = summary.tallies[i];
      j["agents"].push_back(
          {{"spec", specs[i]}, {"wins", t.wins}, {"draws", t.draws}, {"losses", t.losses}});
    }
    out << j.dump() << "\n";
  } else {
    for (int i = 0; i < 2; ++i) {
      const auto& t = summary.tallies[i];
      out << specs[i] << ": " << t.wins << " wins, " << t.draws << " draws, " << t.losses
          << " losses\n";
    }
  }
  return 0;
}

int cmd_net_average(const Args& args, std::ostream& out) {
  const std::string out_path = args.get("out", "");
  if (args.positional().size() < 2 || out_path.empty()) {
    throw UsageError("usage: tenuki net-average IN.ckpt IN.ckpt... --out OUT.ckpt");
  }
  const AverageSummary s = average_checkpoints(args.positional(), out_path);
  out << "wrote " << out_path << ": the mean of " << s.inputs << " checkpoints (" << s.tensors
      << " tensors, " << s.values << " values each)\n";
  return 0;
}

int cmd_gtp(const Args& args, std::istream& in, std::ostream& out) {
  if (!args.positional().empty()) throw UsageError("usage: tenuki gtp --agent SPEC [--game GAME]");
  GtpEngine engine(args.get("game", "go(size=19,komi=7.5)"),
                   args.get("agent", "mcts(playouts=1000)"),
                   static_cast<uint64_t>(args.get_int("seed", 1, 0, 1L << 62)));
  engine.run(in, out);
  return 0;
}

namespace {

// Positions encoded per second (encoding::encode, one thread) over every position of a few
// random playouts, for `budget` seconds.
double encodes_per_second(const Game& game, double budget) {
  Rng rng(54321);
  std::vector<std::unique_ptr<State>> positions;
  for (int playout = 0; playout < 4; ++playout) {
    auto state = game.new_initial_state();
    while (!state->is_terminal()) {
      positions.push_back(state->clone());
      state->apply_action(state->sample_playout_action(rng));
    }
  }
  std::vector<float> planes(static_cast<size_t>(encoding::kNumChannels) * game.num_cells());
  long encoded = 0;
  const auto start = Clock::now();
  double secs = 0;
  do {
    for (const auto& p : positions) {
      encoding::encode(*p, game.rows(), game.cols(), planes.data());
    }
    encoded += static_cast<long>(positions.size());
    secs = seconds_since(start);
  } while (secs < budget);
  return encoded / secs;
}

}  // namespace

int cmd_bench(const Args& args, std::ostream& out) {
  const auto& pos = args.positional();
  if (!pos.empty() && pos[0] == "mcts") return cmd_bench_mcts(args, out);
  if (!pos.empty() && pos[0] == "net") return cmd_bench_net(args, out);
  if (pos.empty() || pos[0] != "rules")
    throw UsageError("usage: tenuki bench rules|mcts|net [GAME]");
  std::vector<std::string> specs(pos.begin() + 1, pos.end());
  if (specs.empty()) {
    GameRegistry registry;
    register_builtin_games(registry);
    for (const GameInfo& info : registry.games()) {
      const auto& bench = make_game(info.name)->traits().bench_specs;
      specs.insert(specs.end(), bench.begin(), bench.end());
    }
  }
  const double budget = args.get_double("seconds", 2.0, 0.01, 3600);
  out << std::setw(12) << "playouts/s" << std::setw(12) << "moves/s" << std::setw(10) << "avg moves"
      << std::setw(12) << "encodes/s"
      << "  game (one thread, random playouts; encodes: their positions, network input)\n";
  for (const auto& spec : specs) {
    auto game = make_game(spec);
    auto initial = game->new_initial_state();
    Rng rng(12345);
    long playouts = 0, moves = 0;
    auto start = Clock::now();
    double secs = 0;
    do {
      for (int i = 0; i < 16; ++i) {
        auto state = initial->clone();
        moves += play_random_playout(*state, rng);
        ++playouts;
      }
      secs = seconds_since(start);
    } while (secs < budget);
    const double encodes = encodes_per_second(*game, budget);
    out << std::fixed << std::setprecision(0) << std::setw(12) << playouts / secs << std::setw(12)
        << moves / secs << std::setprecision(1) << std::setw(10)
        << static_cast<double>(moves) / playouts << std::setprecision(0) << std::setw(12) << encodes
        << "  " << game->spec() << "\n";
  }
  return 0;
}

int cmd_encoding(const Args& args, std::ostream& out) {
  if (args.positional().size() != 1) throw UsageError("usage: tenuki encoding GAME [--moves N]");
  auto game = make_game(args.positional()[0]);
  const int moves = static_cast<int>(args.get_int("moves", 0, 0, 100000));
  Rng rng(static_cast<uint64_t>(args.get_int("seed", 1, 0, 1L << 62)));
  auto state = game->new_initial_state();
  for (int i = 0; i < moves && !state->is_terminal(); ++i) {
    state->apply_action(state->sample_playout_action(rng));
  }
  out << state->to_string() << encoding::describe(*state);
  return 0;
}

}  // namespace tenuki
