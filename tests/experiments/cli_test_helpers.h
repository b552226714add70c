#pragma once
// Helpers for the command-line tests: `tenuki` and `tenuki train` run in-process.
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "experiments/cli/args.h"
#include "experiments/cli/cli.h"
#include "experiments/cli/train_cli.h"

namespace tenuki::test {

// Runs `tenuki ARGS` in this process; the output (stdout and stderr) goes to *output.
inline int cli(const std::vector<std::string>& args, std::string* output = nullptr) {
  std::ostringstream out, err;
  const int rc = run_cli(args, out, err);
  if (output) *output = out.str() + err.str();
  return rc;
}

// Runs `tenuki train ARGS` in this process; the output (stdout and stderr) goes to *output.
inline int run_train(const std::vector<std::string>& args, std::string* output = nullptr) {
  std::ostringstream out, err;
  const int rc = cmd_train(
      Args(args, {"out", "budget-games", "budget-steps", "budget-minutes", "selfplay-bench"}, {}),
      out, err);
  if (output) *output = out.str() + err.str();
  return rc;
}

// The text of a `tenuki train` config with a tiny net and search on the CPU (a run of a few steps
// takes seconds), after the JSON merge patch `patch` (RFC 7386: objects merge, null removes a
// key), which names the game, seed and budget and whatever the test is about.
inline std::string tiny_train_config(const std::string& patch) {
  nlohmann::json config = nlohmann::json::parse(R"({
    "network": {"blocks": 1, "channels": 8, "head_channels": 4, "value_hidden": 8},
    "search": {"playouts": 8, "leaves_per_batch": 4},
    "selfplay": {"workers": 1, "games_per_worker": 4, "chunk_games": 10},
    "inference": {"device": "cpu", "threads": 1, "wait_ms": 1},
    "replay": {"window": 2000, "min_positions": 30},
    "training": {"device": "cpu", "batch_size": 16, "train_ratio": 2, "checkpoint_every": 4,
                 "metrics_every": 2, "publish_every": 2, "progress_seconds": 0}
  })");
  config.merge_patch(nlohmann::json::parse(patch));
  return config.dump(2);
}

}  // namespace tenuki::test
