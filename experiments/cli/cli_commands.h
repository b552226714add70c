#pragma once
// The bodies of the small `tenuki` subcommands (the composition roots of games, perft, play,
// bench rules / mcts, gtp and encoding). experiments/cli/cli.cpp parses the command line and calls
// them. Each returns the exit code and throws UsageError / SpecError on bad input.
#include <iosfwd>

#include "experiments/cli/args.h"

namespace tenuki {

int cmd_games(const Args& args, std::ostream& out);
// With stdout a terminal and DEPTH >= 2, a progress line (root moves done, ETA) on `err`.
int cmd_perft(const Args& args, std::ostream& out, std::ostream& err);
// Logs one line per game to `out` (to `err` with --json, which prints JSON to `out`).
int cmd_play(const Args& args, std::ostream& out, std::ostream& err);
// positional()[0] is "rules", "mcts" or "net"; the rest are game specs.
int cmd_bench(const Args& args, std::ostream& out);
// Speaks GTP on `in` / `out` until quit or end of input.
int cmd_gtp(const Args& args, std::istream& in, std::ostream& out);
int cmd_encoding(const Args& args, std::ostream& out);
// Writes the tensor-by-tensor mean of the positional checkpoints to --out
// (agents/net/checkpoint_average.h).
int cmd_net_average(const Args& args, std::ostream& out);

}  // namespace tenuki
