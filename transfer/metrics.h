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
// - verdict              on the area difference, by Welch's t test on the per-seed areas:
//                        "positive" / "negative" (negative transfer) when p <= 0.05 (the 95%
//                        interval excludes 0; with several comparisons, Holm's adjusted p),
//                        "none" otherwise, and "inconclusive (N seeds)" when an arm has fewer
//                        than kMinimumSeeds seeds.
// Jumpstart, areas, slopes and asymptotes are means of per-seed statistics, so their 95%
// intervals are Student / Welch t intervals over seeds (method "t"): each seed's statistic is
// computed from its measured, noisy curve, so the spread between seeds carries the evaluation
// noise (k games per point) as well as the seed-to-seed spread. The ratios and the times to the
// threshold are not means; they carry a percentile bootstrap over seeds (method "bootstrap",
// descriptive: too narrow at a few seeds). "Total time" (source_cost > 0) charges the source's
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
  int bootstrap = 2000;             // resamples for the ratios and times: 0 (none) or >= 100
  uint64_t seed = 1;
};

// A statistic with its bootstrap interval. `defined` is false when the point estimate does not
// exist (e.g. a threshold never reached); `defined_fraction` is the share of resamples where it
// existed (the interval uses those).
struct Estimate {
  bool defined = false;
  double value = 0, lo = 0, hi = 0;
  double defined_fraction = 0;
  std::string method;  // "t" (Student / Welch over seeds) or "bootstrap" (percentile)
};

// The estimate `point` with the 2.5% and 97.5% percentiles of its bootstrap `samples` (NaN
// samples, where the statistic was undefined, left out; no interval when none is left).
Estimate percentile_estimate(double point, std::vector<double> samples);

// Fewer seeds than this in an arm give the verdict "inconclusive (N seeds)".
constexpr int kMinimumSeeds = 3;
constexpr double kVerdictAlpha = 0.05;

// One arm's statistics seed by seed, in the order of its curves; a time is NaN where the seed's
// curve never reaches the threshold (or no threshold was set).
struct PerSeedStats {
  std::vector<int64_t> seed;  // Curve::seed of each
  std::vector<double> start, area, early_slope, asymptote, time_to_threshold;
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
  Estimate mean_gap;  // area difference / (x1 - x0): the mean vertical gap over the range
  PerSeedStats per_seed_transfer, per_seed_scratch;
  double p_value = 0;           // Welch's two-sided p for the area difference (NaN: < 2 seeds)
  double p_value_adjusted = 0;  // after Holm's correction (= p_value for a single comparison)
  int comparisons = 1;          // tests in the Holm family
  // Seeds per arm for 80% power at the observed area difference and per-seed spreads (0: none
  // up to 1000, or no difference).
  int seeds_needed = 0;
  std::string verdict;  // positive | none | negative | inconclusive (N seeds)
  nlohmann::json to_json() const;
};

// Throws std::invalid_argument naming the problem: an empty arm, a curve with fewer than 2
// points or x not strictly increasing, curves that share no range, bad options.
TransferMetrics compute_transfer_metrics(const std::vector<Curve>& transfer,
                                         const std::vector<Curve>& scratch,
                                         const MetricsOptions& options);

// Holm's correction over a family of comparisons (e.g. every comparison on one y in one
// experiment): sets p_value_adjusted, comparisons and the verdicts.
void adjust_for_multiple_comparisons(const std::vector<TransferMetrics*>& family);

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
