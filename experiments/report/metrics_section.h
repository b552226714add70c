#pragma once
// The statistical sections of an experiment report (experiments/report/experiment_report.h):
// per target, the transfer metrics of every comparison (against scratch and against the control
// arm, the target's compute only and with the source's cost charged), each seed's time to the
// threshold, and what each arm's training config changes besides its starting weights; across
// targets, the rliable aggregates. Collects the CSV files of those numbers as it renders.
// No LibTorch. Not thread-safe (one page at a time).
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "experiments/report/report_html.h"

namespace tenuki::report {

class MetricsSections {
 public:
  // `unit`: the experiment's compute unit ("evaluations", ...), "" when unknown. `source_cost`:
  // what the source's training cost in that unit (NaN or 0: nothing to charge).
  MetricsSections(std::string unit, double source_cost);

  // The metrics, times-to-threshold and differences sections of results.targets[i] (`where`
  // names it in errors). Throws std::invalid_argument naming a present key of the wrong type.
  std::string target_html(const nlohmann::json& target, const std::string& where);

  // The aggregates across targets (results.aggregates); "" when there are none and fewer than
  // two targets.
  std::string aggregates_html(const nlohmann::json& results);

  // metrics.csv, times_to_threshold.csv, differences.csv and aggregates.csv of what was rendered.
  std::vector<std::pair<std::string, std::string>> data_files() const;

 private:
  std::string metrics_html(const nlohmann::json& target, const std::string& where);
  std::string times_html(const nlohmann::json& target, const std::string& where);
  std::string differences_html(const nlohmann::json& target, const std::string& where);
  std::string x_label() const { return unit_.empty() ? "x" : unit_; }

  std::string unit_;
  double source_cost_;
  CsvTable metrics_{{"target",
                     "arm",
                     "versus",
                     "versus_kind",
                     "y",
                     "total_time",
                     "threshold",
                     "metric",
                     "value",
                     "ci95_lo",
                     "ci95_hi",
                     "method",
                     "defined_fraction",
                     "transfer_seeds",
                     "scratch_seeds",
                     "p_value",
                     "p_value_adjusted",
                     "comparisons",
                     "seeds_needed",
                     "verdict"}};
  CsvTable times_{
      {"target", "y", "threshold", "arm", "seed", "time_target_only", "time_source_charged"}};
  CsvTable differences_{{"target", "arm", "versus", "key", "versus_value", "arm_value"}};
  CsvTable aggregates_{
      {"arm", "versus", "targets", "statistic", "value", "ci95_lo", "ci95_hi", "method"}};
};

}  // namespace tenuki::report
