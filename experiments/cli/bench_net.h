#pragma once
// `tenuki bench net`: network forward throughput, and a Leela Zero weights writer for comparing
// against Leela Zero's own engine.
#include <cstdint>
#include <iosfwd>
#include <set>
#include <string>

#include "experiments/cli/args.h"

namespace tenuki {

// The value flags cmd_bench_net understands (it takes no switches). Their defaults, ranges and
// help are written once, in the command table (cli.cpp, bench_net_flag_info).
std::set<std::string> bench_net_flags();

// Measures forward passes of a randomly initialised PolicyValueNet for every batch size and
// board size (Go positions a few random moves into a game) and prints a table of positions per
// second (the best of three equal rounds per cell, so that other load on the machine distorts
// less). Returns 0; throws UsageError on a bad flag value.
int cmd_bench_net(const Args& args, std::ostream& out);

// Writes a Leela Zero (0.17) text weights file, format version 1, of `blocks` residual blocks of
// `filters` filters with seeded random weights (zero biases and means, unit variances). The
// network plays nonsense but has LZ's exact shape, for speed comparisons. Throws
// std::runtime_error when the file cannot be written.
void write_leela_zero_weights(const std::string& path, int blocks, int filters, uint64_t seed);

// `tenuki net-init OUT [--game G] [--blocks B] [--channels C] [--seed S] [--config JSON]`: writes a
// randomly initialised network checkpoint. Throws UsageError / SpecError on bad input.
int cmd_net_init(const Args& args, std::ostream& out);

}  // namespace tenuki
