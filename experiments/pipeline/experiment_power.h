#pragma once
// Power planning from a pilot run folder (`tenuki experiment power DIR`): for every comparison of
// the pilot (target compute view), the per-seed spreads of the area under the learning curve in
// both arms, and how many seeds per arm Welch's test needs to detect the observed difference, or
// a given one, with the given power. Reads only the folder. Thread-compatible.
#include <ostream>
#include <string>

namespace tenuki {

struct PowerPlanOptions {
  double power = 0.8;          // (0, 1)
  double alpha = 0.05;         // two-sided, before any multiple-comparison correction
  std::string y = "win_rate";  // the y of a given effect: win_rate | elo
  double mean_gap = 0;         // > 0: the effect to detect, as a mean gap in y over the range
  double area_difference = 0;  // > 0: the effect as an area difference (mean_gap wins if both)
};

// Prints the plan. Throws InputError when the folder is not an experiment run folder or holds no
// comparison with at least 2 seeds per arm yet.
void print_power_plan(const std::string& run_dir, const PowerPlanOptions& options,
                      std::ostream& out);

}  // namespace tenuki
