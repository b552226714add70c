#pragma once
// Helpers for the command-line tests: `tenuki` and `tenuki train` run in-process.
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

}  // namespace tenuki::test
