#include "transfer/metrics.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "envs/util/random.h"
#include "transfer/statistics.h"

namespace tenuki::transfer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// y of a piecewise linear curve at x (clamped to its ends).
double value_at(const Curve& c, double x) {
  if (x <= c.x.front()) return c.y.front();
  if (x >= c.x.back()) return c.y.back();
  const size_t i = std::upper_bound(c.x.begin(), c.x.end(), x) - c.x.begin();
  const double t = (x - c.x[i - 1]) / (c.x[i] - c.x[i - 1]);
  return c.y[i - 1] + t * (c.y[i] - c.y[i - 1]);
}

double value_on_grid(const std::vector<double>& grid, const std::vector<double>& y, double x) {
  return value_at(Curve{0, grid, y}, x);
}

double area(const std::vector<double>& grid, const std::vector<double>& y) {
  double a = 0;
  for (size_t i = 1; i < grid.size(); ++i) a += 0.5 * (y[i] + y[i - 1]) * (grid[i] - grid[i - 1]);
  return a;
}

double time_to(const std::vector<double>& grid, const std::vector<double>& y, double threshold) {
  for (size_t i = 0; i < grid.size(); ++i) {
    if (y[i] >= threshold) {
      if (i == 0) return grid[0];
      const double t = (threshold - y[i - 1]) / (y[i] - y[i - 1]);
      return grid[i - 1] + t * (grid[i] - grid[i - 1]);
    }
  }
  return kNaN;
}

double early_slope(const std::vector<double>& grid, const std::vector<double>& y,
                   const MetricsOptions& o) {
  const double dx = o.early_fraction * (grid.back() - grid.front());
  return (value_on_grid(grid, y, grid.front() + dx) - y.front()) / dx;
}

// An arm's curves on the shared grid, and each curve's asymptote (mean of its last points).
struct ArmRows {
  std::vector<std::vector<double>> y;
  std::vector<double> asymptote;
};

ArmRows on_grid(const std::vector<Curve>& arm, const std::vector<double>& grid,
                const MetricsOptions& o) {
  ArmRows rows;
  for (const auto& c : arm) {
    std::vector<double> row;
    for (double x : grid) row.push_back(value_at(c, x));
    rows.y.push_back(std::move(row));
    const size_t k = std::min<size_t>(o.last_points, c.y.size());
    double sum = 0;
    for (size_t i = c.y.size() - k; i < c.y.size(); ++i) sum += c.y[i];
    rows.asymptote.push_back(sum / k);
  }
  return rows;
}

PerSeedStats per_seed_stats(const std::vector<double>& grid, const ArmRows& rows,
                            const MetricsOptions& o) {
  PerSeedStats s;
  for (size_t i = 0; i < rows.y.size(); ++i) {
    const std::vector<double>& y = rows.y[i];
    s.start.push_back(y.front());
    s.area.push_back(area(grid, y));
    s.early_slope.push_back(early_slope(grid, y, o));
    s.asymptote.push_back(rows.asymptote[i]);
    s.time_to_threshold.push_back(o.threshold ? time_to(grid, y, *o.threshold) : kNaN);
  }
  return s;
}

std::vector<size_t> all_seeds(const ArmRows& rows) {
  std::vector<size_t> v(rows.y.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

// The mean curve over a multiset of seeds (indices).
std::vector<double> mean_curve(const ArmRows& rows, const std::vector<size_t>& pick) {
  std::vector<double> curve(rows.y.front().size(), 0.0);
  for (size_t i : pick) {
    for (size_t g = 0; g < curve.size(); ++g) curve[g] += rows.y[i][g];
  }
  for (auto& v : curve) v /= static_cast<double>(pick.size());
  return curve;
}

// The statistics of a pair of mean curves that are not means of per-seed values; NaN marks
// "undefined".
struct NonlinearStats {
  double ratio, time_t, time_s, time_ratio;
};

NonlinearStats nonlinear_stats(const std::vector<double>& grid, const std::vector<double>& t,
                               const std::vector<double>& s, const MetricsOptions& o) {
  NonlinearStats r;
  const double area_t = area(grid, t), area_s = area(grid, s);
  r.ratio = area_s > 0 ? (area_t - area_s) / area_s : kNaN;
  r.time_t = r.time_s = r.time_ratio = kNaN;
  if (o.threshold) {
    r.time_t = time_to(grid, t, *o.threshold);
    r.time_s = time_to(grid, s, *o.threshold);
    if (!std::isnan(r.time_t) && !std::isnan(r.time_s) && r.time_s > 0) {
      r.time_ratio = r.time_t / r.time_s;
    }
  }
  return r;
}

// The range every curve covers, and the grid of every x inside it.
std::vector<double> shared_grid(const std::vector<Curve>& transfer,
                                const std::vector<Curve>& scratch, bool shifted) {
  const std::vector<Curve>* arms[] = {&transfer, &scratch};
  double x0 = -std::numeric_limits<double>::infinity(), x1 = -x0;
  for (const auto* arm : arms) {
    for (const auto& c : *arm) {
      x0 = std::max(x0, c.x.front());
      x1 = std::min(x1, c.x.back());
    }
  }
  if (!(x1 > x0)) {
    throw std::invalid_argument(
        "the curves share no range of the compute axis" +
        std::string(shifted ? " (after shifting the transfer arm by the source cost)" : ""));
  }
  std::vector<double> grid = {x0, x1};
  for (const auto* arm : arms) {
    for (const auto& c : *arm) {
      for (double x : c.x) {
        if (x > x0 && x < x1) grid.push_back(x);
      }
    }
  }
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  return grid;
}

Estimate t_estimate(const TInterval& t) {
  Estimate e;
  e.defined = !std::isnan(t.value);
  e.value = t.value;
  e.lo = t.lo;
  e.hi = t.hi;
  e.defined_fraction = e.defined ? 1 : 0;
  e.method = "t";
  return e;
}

std::string verdict_of(const TransferMetrics& m) {
  const int seeds = std::min(m.transfer_seeds, m.scratch_seeds);
  if (seeds < kMinimumSeeds) {
    return "inconclusive (" + std::to_string(seeds) + (seeds == 1 ? " seed)" : " seeds)");
  }
  if (!(m.p_value_adjusted <= kVerdictAlpha)) return "none";
  return m.area_difference.value > 0 ? "positive" : "negative";
}

void check_curve(const Curve& c, const std::string& arm, size_t index) {
  const std::string name =
      arm + " curve " + std::to_string(index) + " (seed " + std::to_string(c.seed) + ")";
  if (c.x.size() != c.y.size()) throw std::invalid_argument(name + ": x and y differ in length");
  if (c.x.size() < 2) throw std::invalid_argument(name + ": needs at least 2 points");
  for (size_t i = 0; i < c.x.size(); ++i) {
    if (!std::isfinite(c.x[i]) || !std::isfinite(c.y[i])) {
      throw std::invalid_argument(name + ": point " + std::to_string(i) + " is not finite");
    }
    if (i > 0 && !(c.x[i] > c.x[i - 1])) {
      throw std::invalid_argument(name + ": x must increase strictly (point " + std::to_string(i) +
                                  ")");
    }
  }
}

nlohmann::json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

nlohmann::json numbers_or_null(const std::vector<double>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (double x : v) out.push_back(number_or_null(x));
  return out;
}

nlohmann::json per_seed_json(const PerSeedStats& s) {
  return {{"seed", s.seed},
          {"start", numbers_or_null(s.start)},
          {"area", numbers_or_null(s.area)},
          {"early_slope", numbers_or_null(s.early_slope)},
          {"asymptote", numbers_or_null(s.asymptote)},
          {"time_to_threshold", numbers_or_null(s.time_to_threshold)}};
}

nlohmann::json estimate_json(const Estimate& e) {
  const auto num = number_or_null;
  return {{"value", e.defined ? num(e.value) : nlohmann::json(nullptr)},
          {"ci95", {num(e.lo), num(e.hi)}},
          {"defined_fraction", e.defined_fraction},
          {"method", e.method}};
}

std::vector<Curve> read_arm(const nlohmann::json& j, const std::string& key) {
  if (!j.contains(key)) throw std::invalid_argument("curves: '" + key + "' is missing");
  const auto& arm = j.at(key);
  if (!arm.is_array()) throw std::invalid_argument("curves: '" + key + "' must be an array");
  std::vector<Curve> out;
  for (size_t i = 0; i < arm.size(); ++i) {
    const auto& c = arm[i];
    const std::string where = key + "[" + std::to_string(i) + "]";
    if (!c.is_object()) throw std::invalid_argument("curves: " + where + " must be an object");
    Curve curve;
    curve.seed = c.value("seed", static_cast<int64_t>(i));
    try {
      if (c.contains("points")) {
        for (const auto& p : c.at("points")) {
          if (!p.is_array() || p.size() != 2) {
            throw std::invalid_argument("points must be [x, y] pairs");
          }
          curve.x.push_back(p[0].get<double>());
          curve.y.push_back(p[1].get<double>());
        }
      } else if (c.contains("x") && c.contains("y")) {
        curve.x = c.at("x").get<std::vector<double>>();
        curve.y = c.at("y").get<std::vector<double>>();
      } else {
        throw std::invalid_argument("needs \"x\" and \"y\" or \"points\"");
      }
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument("curves: " + where + ": " + e.what());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("curves: " + where + ": " + e.what());
    }
    out.push_back(std::move(curve));
  }
  return out;
}

std::string fmt(double v, int digits) {
  if (std::isnan(v)) return "n/a";
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

}  // namespace

Estimate percentile_estimate(double point, std::vector<double> samples) {
  Estimate e;
  e.defined = !std::isnan(point);
  e.value = point;
  e.method = "bootstrap";
  const size_t total = samples.size();
  samples.erase(
      std::remove_if(samples.begin(), samples.end(), [](double v) { return std::isnan(v); }),
      samples.end());
  e.defined_fraction =
      total > 0 ? static_cast<double>(samples.size()) / total : (e.defined ? 1 : 0);
  if (samples.empty()) {
    e.lo = e.hi = kNaN;
    return e;
  }
  std::sort(samples.begin(), samples.end());
  auto quantile = [&](double q) {
    const double pos = q * (samples.size() - 1);
    const size_t i = static_cast<size_t>(std::floor(pos));
    const size_t j = std::min(i + 1, samples.size() - 1);
    return samples[i] + (pos - i) * (samples[j] - samples[i]);
  };
  e.lo = quantile(0.025);
  e.hi = quantile(0.975);
  return e;
}

TransferMetrics compute_transfer_metrics(const std::vector<Curve>& transfer_in,
                                         const std::vector<Curve>& scratch,
                                         const MetricsOptions& o) {
  if (transfer_in.empty()) throw std::invalid_argument("no transfer curves");
  if (scratch.empty()) throw std::invalid_argument("no scratch curves");
  if (!(o.early_fraction > 0 && o.early_fraction <= 1)) {
    throw std::invalid_argument("early fraction must lie in (0, 1]");
  }
  if (o.last_points < 1) throw std::invalid_argument("last points must be >= 1");
  if (o.bootstrap != 0 && o.bootstrap < 100) {
    throw std::invalid_argument("bootstrap resamples must be 0 or >= 100");
  }
  if (!(o.source_cost >= 0)) throw std::invalid_argument("source cost must be >= 0");
  for (size_t i = 0; i < transfer_in.size(); ++i) check_curve(transfer_in[i], "transfer", i);
  for (size_t i = 0; i < scratch.size(); ++i) check_curve(scratch[i], "scratch", i);
  std::vector<Curve> transfer = transfer_in;
  for (auto& c : transfer) {
    for (auto& x : c.x) x += o.source_cost;
  }
  const std::vector<double> grid = shared_grid(transfer, scratch, o.source_cost > 0);
  const ArmRows t_rows = on_grid(transfer, grid, o), s_rows = on_grid(scratch, grid, o);

  TransferMetrics m;
  m.transfer_seeds = static_cast<int>(transfer.size());
  m.scratch_seeds = static_cast<int>(scratch.size());
  m.x0 = grid.front();
  m.x1 = grid.back();
  m.total_time = o.source_cost > 0;
  m.per_seed_transfer = per_seed_stats(grid, t_rows, o);
  m.per_seed_scratch = per_seed_stats(grid, s_rows, o);
  for (const auto& c : transfer) m.per_seed_transfer.seed.push_back(c.seed);
  for (const auto& c : scratch) m.per_seed_scratch.seed.push_back(c.seed);
  const PerSeedStats &pt = m.per_seed_transfer, &ps = m.per_seed_scratch;
  m.jumpstart = t_estimate(welch_interval(pt.start, ps.start));
  m.area_transfer = t_estimate(mean_interval(pt.area));
  m.area_scratch = t_estimate(mean_interval(ps.area));
  const TInterval area_difference = welch_interval(pt.area, ps.area);
  m.area_difference = t_estimate(area_difference);
  m.slope_transfer = t_estimate(mean_interval(pt.early_slope));
  m.slope_scratch = t_estimate(mean_interval(ps.early_slope));
  m.slope_difference = t_estimate(welch_interval(pt.early_slope, ps.early_slope));
  m.asymptote_transfer = t_estimate(mean_interval(pt.asymptote));
  m.asymptote_scratch = t_estimate(mean_interval(ps.asymptote));
  m.asymptote_difference = t_estimate(welch_interval(pt.asymptote, ps.asymptote));
  m.mean_gap = m.area_difference;
  for (double* v : {&m.mean_gap.value, &m.mean_gap.lo, &m.mean_gap.hi}) *v /= m.x1 - m.x0;

  // The statistics that are not means of per-seed values: mean curves, seeds bootstrapped.
  const NonlinearStats point = nonlinear_stats(grid, mean_curve(t_rows, all_seeds(t_rows)),
                                               mean_curve(s_rows, all_seeds(s_rows)), o);
  std::vector<NonlinearStats> boot;
  boot.reserve(o.bootstrap);
  Rng rng(o.seed);
  std::vector<size_t> pick_t(transfer.size()), pick_s(scratch.size());
  for (int b = 0; b < o.bootstrap; ++b) {
    for (auto& i : pick_t) i = rng.below(static_cast<uint32_t>(transfer.size()));
    for (auto& i : pick_s) i = rng.below(static_cast<uint32_t>(scratch.size()));
    boot.push_back(
        nonlinear_stats(grid, mean_curve(t_rows, pick_t), mean_curve(s_rows, pick_s), o));
  }
  auto bootstrap_estimate = [&](double NonlinearStats::*field) {
    std::vector<double> samples;
    samples.reserve(boot.size());
    for (const auto& s : boot) samples.push_back(s.*field);
    return percentile_estimate(point.*field, std::move(samples));
  };
  m.transfer_ratio = bootstrap_estimate(&NonlinearStats::ratio);
  m.time_transfer = bootstrap_estimate(&NonlinearStats::time_t);
  m.time_scratch = bootstrap_estimate(&NonlinearStats::time_s);
  m.time_ratio = bootstrap_estimate(&NonlinearStats::time_ratio);

  m.p_value = m.p_value_adjusted = area_difference.p_value;
  if (area_difference.defined) {
    m.seeds_needed = seeds_for_power(area_difference.value, sd_of(pt.area), sd_of(ps.area));
  }
  m.verdict = verdict_of(m);
  return m;
}

void adjust_for_multiple_comparisons(const std::vector<TransferMetrics*>& family) {
  std::vector<double> p;
  for (const TransferMetrics* m : family) p.push_back(m->p_value);
  const std::vector<double> adjusted = holm_adjust(p);
  int tests = 0;
  for (double v : p) tests += !std::isnan(v);
  for (size_t i = 0; i < family.size(); ++i) {
    family[i]->p_value_adjusted = adjusted[i];
    family[i]->comparisons = tests;
    family[i]->verdict = verdict_of(*family[i]);
  }
}

nlohmann::json TransferMetrics::to_json() const {
  return {
      {"transfer_seeds", transfer_seeds},
      {"scratch_seeds", scratch_seeds},
      {"range", {x0, x1}},
      {"total_time", total_time},
      {"jumpstart", estimate_json(jumpstart)},
      {"area_transfer", estimate_json(area_transfer)},
      {"area_scratch", estimate_json(area_scratch)},
      {"area_difference", estimate_json(area_difference)},
      {"transfer_ratio", estimate_json(transfer_ratio)},
      {"early_slope_transfer", estimate_json(slope_transfer)},
      {"early_slope_scratch", estimate_json(slope_scratch)},
      {"early_slope_difference", estimate_json(slope_difference)},
      {"asymptote_transfer", estimate_json(asymptote_transfer)},
      {"asymptote_scratch", estimate_json(asymptote_scratch)},
      {"asymptote_difference", estimate_json(asymptote_difference)},
      {"time_to_threshold_transfer", estimate_json(time_transfer)},
      {"time_to_threshold_scratch", estimate_json(time_scratch)},
      {"time_to_threshold_ratio", estimate_json(time_ratio)},
      {"mean_gap", estimate_json(mean_gap)},
      {"per_seed",
       {{"transfer", per_seed_json(per_seed_transfer)},
        {"scratch", per_seed_json(per_seed_scratch)}}},
      {"p_value", number_or_null(p_value)},
      {"p_value_adjusted", number_or_null(p_value_adjusted)},
      {"comparisons", comparisons},
      {"seeds_needed", seeds_needed},
      {"verdict", verdict},
      {"verdict_rule",
       "Welch's t test on the per-seed areas: positive / negative when p <= 0.05 (Holm-adjusted "
       "over the comparisons), none otherwise; inconclusive with fewer than 3 seeds per arm"}};
}

void curves_from_json(const nlohmann::json& j, std::vector<Curve>* transfer,
                      std::vector<Curve>* scratch, MetricsOptions* options, std::string* axis) {
  if (!j.is_object()) throw std::invalid_argument("curves: expected a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "axis" && key != "threshold" && key != "source_cost" && key != "transfer" &&
        key != "scratch") {
      throw std::invalid_argument("curves: unknown key '" + key +
                                  "' (known: axis, threshold, source_cost, transfer, scratch)");
    }
  }
  *transfer = read_arm(j, "transfer");
  *scratch = read_arm(j, "scratch");
  if (j.contains("axis")) {
    if (!j.at("axis").is_string()) throw std::invalid_argument("curves: axis must be a string");
    *axis = j.at("axis").get<std::string>();
  }
  if (j.contains("threshold") && !options->threshold) {
    if (!j.at("threshold").is_number()) throw std::invalid_argument("curves: threshold: number");
    options->threshold = j.at("threshold").get<double>();
  }
  if (j.contains("source_cost") && options->source_cost == 0) {
    if (!j.at("source_cost").is_number() || j.at("source_cost").get<double>() < 0) {
      throw std::invalid_argument("curves: source_cost must be a number >= 0");
    }
    options->source_cost = j.at("source_cost").get<double>();
  }
}

std::string format_metrics(const TransferMetrics& m, const std::string& axis) {
  std::ostringstream out;
  out << "transfer metrics over " << axis << " [" << fmt(m.x0, 1) << ", " << fmt(m.x1, 1) << "]"
      << (m.total_time ? " (total time: transfer arm charged the source's cost)" : "")
      << "\nseeds: transfer " << m.transfer_seeds << ", scratch " << m.scratch_seeds
      << "; 95% intervals over seeds: t (Student / Welch) for means, b = percentile bootstrap\n";
  auto row = [&](const std::string& name, const Estimate& e, int digits = 4) {
    out << "  " << std::left << std::setw(26) << name << std::right << std::setw(12)
        << (e.defined ? fmt(e.value, digits) : "not reached") << "  [" << fmt(e.lo, digits) << ", "
        << fmt(e.hi, digits) << "]" << (e.method == "bootstrap" ? " b" : "");
    if (e.defined_fraction < 1) out << "  (defined in " << fmt(100 * e.defined_fraction, 0) << "%)";
    out << "\n";
  };
  row("jumpstart", m.jumpstart);
  row("area transfer", m.area_transfer, 2);
  row("area scratch", m.area_scratch, 2);
  row("area difference", m.area_difference, 2);
  row("transfer ratio", m.transfer_ratio);
  row("early slope transfer", m.slope_transfer, 6);
  row("early slope scratch", m.slope_scratch, 6);
  row("early slope difference", m.slope_difference, 6);
  row("asymptote transfer", m.asymptote_transfer);
  row("asymptote scratch", m.asymptote_scratch);
  row("asymptote difference", m.asymptote_difference);
  row("mean gap over the range", m.mean_gap);
  row("time to threshold transfer", m.time_transfer, 1);
  row("time to threshold scratch", m.time_scratch, 1);
  row("time ratio (T/S)", m.time_ratio);
  const std::string verdict = m.verdict == "positive"   ? "positive transfer"
                              : m.verdict == "negative" ? "negative transfer"
                              : m.verdict == "none"     ? "none (no transfer beyond the interval)"
                                                        : m.verdict;
  out << "verdict: " << verdict << " (area difference " << fmt(m.area_difference.value, 2)
      << ", 95% interval [" << fmt(m.area_difference.lo, 2) << ", " << fmt(m.area_difference.hi, 2)
      << "], Welch p = " << fmt(m.p_value, 4);
  if (m.comparisons > 1) {
    out << ", Holm-adjusted over " << m.comparisons << " comparisons "
        << fmt(m.p_value_adjusted, 4);
  }
  out << "; " << m.transfer_seeds << " transfer and " << m.scratch_seeds << " scratch seeds)\n";
  if (m.seeds_needed > 0) {
    out << "power: " << m.seeds_needed
        << " seeds per arm detect the observed area difference with 80% power at these spreads\n";
  } else if (m.area_difference.value != 0 && !std::isnan(m.p_value)) {
    out << "power: more than 1000 seeds per arm would be needed to detect this difference\n";
  }
  return out.str();
}

}  // namespace tenuki::transfer
