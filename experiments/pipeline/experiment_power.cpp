#include "experiments/pipeline/experiment_power.h"

#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "envs/util/input_error.h"
#include "experiments/pipeline/experiment_results.h"
#include "transfer/statistics.h"

namespace tenuki {
namespace {

std::string number(double v, int digits = 4) {
  std::ostringstream s;
  s << std::setprecision(digits) << v;
  return s.str();
}

std::string seeds_text(int n, int max_n) {
  return n == 0 ? "> " + std::to_string(max_n) : std::to_string(n);
}

}  // namespace

void print_power_plan(const std::string& run_dir, const PowerPlanOptions& o, std::ostream& out) {
  const nlohmann::json results = collect_experiment_results(run_dir);
  constexpr int kMaxSeeds = 1000;
  int comparisons = 0, rows = 0;
  for (const auto& t : results["targets"]) {
    for (const auto& m : t["metrics"]) comparisons += !m["total_time"].get<bool>();
  }
  out << "power plan from " << run_dir << ": Welch's t test on per-seed areas, two-sided alpha "
      << o.alpha << ", power " << o.power << " (" << comparisons
      << " comparisons in the pilot; Holm's correction needs at most alpha / " << comparisons
      << " for the first one)\n";
  for (const auto& t : results["targets"]) {
    for (const auto& m : t["metrics"]) {
      if (m["total_time"].get<bool>() || !m.contains("result")) continue;
      const nlohmann::json& r = m["result"];
      std::vector<double> a, b;
      for (const auto& v : r["per_seed"]["transfer"]["area"]) a.push_back(v.get<double>());
      for (const auto& v : r["per_seed"]["scratch"]["area"]) b.push_back(v.get<double>());
      if (a.size() < 2 || b.size() < 2) continue;
      ++rows;
      const double width = r["range"][1].get<double>() - r["range"][0].get<double>();
      const double sd_a = transfer::sd_of(a), sd_b = transfer::sd_of(b);
      const double observed = transfer::mean_of(a) - transfer::mean_of(b);
      const std::string y = m["y"].get<std::string>();
      out << "\n"
          << t["name"].get<std::string>() << ": " << m["arm"].get<std::string>() << " vs "
          << m["versus"].get<std::string>() << " on " << y << " (" << a.size() << " and "
          << b.size() << " seeds)\n"
          << "  per-seed area SD " << number(sd_a) << " and " << number(sd_b) << " (as a mean gap "
          << number(sd_a / width) << " and " << number(sd_b / width) << ")\n"
          << "  observed area difference " << number(observed) << " (mean gap "
          << number(observed / width) << "): "
          << seeds_text(
                 transfer::seeds_for_power(observed, sd_a, sd_b, o.power, o.alpha, kMaxSeeds),
                 kMaxSeeds)
          << " seeds per arm, "
          << seeds_text(transfer::seeds_for_power(observed, sd_a, sd_b, o.power,
                                                  o.alpha / comparisons, kMaxSeeds),
                        kMaxSeeds)
          << " at alpha / " << comparisons << "\n";
      const double given = o.mean_gap > 0 ? o.mean_gap * width : o.area_difference;
      if (given > 0 && y == o.y) {
        out << "  given area difference " << number(given) << " (mean gap " << number(given / width)
            << "): "
            << seeds_text(transfer::seeds_for_power(given, sd_a, sd_b, o.power, o.alpha, kMaxSeeds),
                          kMaxSeeds)
            << " seeds per arm, "
            << seeds_text(transfer::seeds_for_power(given, sd_a, sd_b, o.power,
                                                    o.alpha / comparisons, kMaxSeeds),
                          kMaxSeeds)
            << " at alpha / " << comparisons << "\n";
      }
    }
  }
  if (rows == 0) {
    throw InputError("'" + run_dir +
                     "' has no comparison with at least 2 evaluated seeds per arm yet: a pilot "
                     "needs them to estimate the spread");
  }
}

}  // namespace tenuki
