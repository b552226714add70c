#pragma once
// Transfer metrics (Taylor & Stone 2009) from learning curves of a transfer arm and a scratch
// arm, several seeds each: strength (win rate, Elo, ...) at points of a compute axis (training
// steps, self-play games, network evaluations, wall seconds).
//
// Each curve is read as piecewise linear between its points. The arms' mean curves are compared on
// the grid of every curve's x values inside the range all curves cover, [x0, x1]:
// - jumpstart            T(x0) - S(x0)
// - area under the curve trapezoids of T and S over [x0, x1]; difference A_T - A_S;
//                        transfer ratio (A_T - A_S) / A_S (undefined when A_S <= 0)
// - early slope          (Y(x0 + f (x1 - x0)) - Y(x0)) / (f (x1 - x0)), f = early_fraction
// - asymptote            per curve the mean of its last `last_points` points, averaged per arm
// - time to threshold    first x where the mean curve reaches `threshold` (linear crossing);
//                        undefined when it never does; ratio t_T / t_S (< 1: transfer faster)
// - verdict              on the area difference: "positive" when its 95% interval lies above 0,
//                        "negative" (negative transfer) when it lies below 0, "none" otherwise.
// Every number carries a bootstrap 95% percentile interval: seeds are resampled with replacement
// within each arm (arms independent). "Total time" (source_cost > 0) charges the source's
// training to the transfer arm: its curves are shifted right by source_cost before comparing.
// No LibTorch. Thread-safe (no shared state).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tenuki::transfer {

struct Curve {
  int64_t seed = 0;
  std::vector<double> x;  // strictly increasing
  std::vector<double> y;
};

struct MetricsOptions {
  std::optional<double> threshold;  // time to threshold only when set
  double early_fraction = 0.2;      // (0, 1]
  int last_points = 3;              // >= 1
  double source_cost = 0;           // > 0: the "total time" variant
  int bootstrap = 2000;             // resamples, >= 100
  uint64_t seed = 1;
};

// A statistic with its bootstrap interval. `defined` is false when the point estimate does not
// exist (e.g. a threshold never reached); `defined_fraction` is the share of resamples where it
// existed (the interval uses those).
struct Estimate {
  bool defined = false;
  double value = 0, lo = 0, hi = 0;
  double defined_fraction = 0;
};

struct TransferMetrics {
  int transfer_seeds = 0, scratch_seeds = 0;
  double x0 = 0, x1 = 0;  // the compared range
  bool total_time = false;
  Estimate jumpstart;
  Estimate area_transfer, area_scratch, area_difference, transfer_ratio;
  Estimate slope_transfer, slope_scratch, slope_difference;
  Estimate asymptote_transfer, asymptote_scratch, asymptote_difference;
  Estimate time_transfer, time_scratch, time_ratio;
  std::string verdict;  // positive | none | negative
  nlohmann::json to_json() const;
};

// Throws std::invalid_argument naming the problem: an empty arm, a curve with fewer than 2
// points or x not strictly increasing, curves that share no range, bad options.
TransferMetrics compute_transfer_metrics(const std::vector<Curve>& transfer,
                                         const std::vector<Curve>& scratch,
                                         const MetricsOptions& options);

// Reads curves from JSON:
//   {"axis": "steps", "threshold": 0.6, "source_cost": 2000,
//    "transfer": [{"seed": 1, "x": [...], "y": [...]}, ...],
//    "scratch":  [{"seed": 1, "points": [[x, y], ...]}, ...]}
// (each curve gives either x and y or points). Fills `options.threshold` and `source_cost` when
// present and not already set. Throws std::invalid_argument naming the key.
void curves_from_json(const nlohmann::json& j, std::vector<Curve>* transfer,
                      std::vector<Curve>* scratch, MetricsOptions* options, std::string* axis);

// The table printed by `tenuki transfer metrics`: every number with its interval and the seed
// counts.
std::string format_metrics(const TransferMetrics& m, const std::string& axis);

}  // namespace tenuki::transfer
