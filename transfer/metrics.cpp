#include "transfer/metrics.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "envs/util/random.h"

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

// Point statistics of one pair of mean curves; NaN marks "undefined".
struct Stats {
  double jumpstart, area_t, area_s, area_diff, ratio, slope_t, slope_s, slope_diff, asym_t, asym_s,
      asym_diff, time_t, time_s, time_ratio;
};

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

Stats stats_of(const std::vector<double>& grid, const std::vector<double>& t,
               const std::vector<double>& s, double asym_t, double asym_s,
               const MetricsOptions& o) {
  Stats r;
  const double x0 = grid.front(), x1 = grid.back();
  r.jumpstart = t.front() - s.front();
  r.area_t = area(grid, t);
  r.area_s = area(grid, s);
  r.area_diff = r.area_t - r.area_s;
  r.ratio = r.area_s > 0 ? r.area_diff / r.area_s : kNaN;
  const double dx = o.early_fraction * (x1 - x0);
  r.slope_t = (value_on_grid(grid, t, x0 + dx) - t.front()) / dx;
  r.slope_s = (value_on_grid(grid, s, x0 + dx) - s.front()) / dx;
  r.slope_diff = r.slope_t - r.slope_s;
  r.asym_t = asym_t;
  r.asym_s = asym_s;
  r.asym_diff = asym_t - asym_s;
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

Estimate estimate(double point, std::vector<double> samples) {
  Estimate e;
  e.defined = !std::isnan(point);
  e.value = point;
  const size_t total = samples.size();
  samples.erase(
      std::remove_if(samples.begin(), samples.end(), [](double v) { return std::isnan(v); }),
      samples.end());
  e.defined_fraction = total > 0 ? static_cast<double>(samples.size()) / total : 0;
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

nlohmann::json estimate_json(const Estimate& e) {
  auto num = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  return {{"value", e.defined ? num(e.value) : nlohmann::json(nullptr)},
          {"ci95", {num(e.lo), num(e.hi)}},
          {"defined_fraction", e.defined_fraction}};
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

TransferMetrics compute_transfer_metrics(const std::vector<Curve>& transfer_in,
                                         const std::vector<Curve>& scratch,
                                         const MetricsOptions& o) {
  if (transfer_in.empty()) throw std::invalid_argument("no transfer curves");
  if (scratch.empty()) throw std::invalid_argument("no scratch curves");
  if (!(o.early_fraction > 0 && o.early_fraction <= 1)) {
    throw std::invalid_argument("early fraction must lie in (0, 1]");
  }
  if (o.last_points < 1) throw std::invalid_argument("last points must be >= 1");
  if (o.bootstrap < 100) throw std::invalid_argument("bootstrap resamples must be >= 100");
  if (!(o.source_cost >= 0)) throw std::invalid_argument("source cost must be >= 0");
  for (size_t i = 0; i < transfer_in.size(); ++i) check_curve(transfer_in[i], "transfer", i);
  for (size_t i = 0; i < scratch.size(); ++i) check_curve(scratch[i], "scratch", i);
  std::vector<Curve> transfer = transfer_in;
  for (auto& c : transfer) {
    for (auto& x : c.x) x += o.source_cost;
  }
  // The range every curve covers, and the grid of every x inside it.
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
        std::string(o.source_cost > 0 ? " (after shifting the transfer arm by the source cost)"
                                      : ""));
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
  auto on_grid = [&](const std::vector<Curve>& arm) {
    std::vector<std::vector<double>> rows;
    for (const auto& c : arm) {
      std::vector<double> row;
      for (double x : grid) row.push_back(value_at(c, x));
      rows.push_back(std::move(row));
    }
    return rows;
  };
  auto asymptotes = [&](const std::vector<Curve>& arm) {
    std::vector<double> out;
    for (const auto& c : arm) {
      const size_t k = std::min<size_t>(o.last_points, c.y.size());
      double sum = 0;
      for (size_t i = c.y.size() - k; i < c.y.size(); ++i) sum += c.y[i];
      out.push_back(sum / k);
    }
    return out;
  };
  const auto t_rows = on_grid(transfer), s_rows = on_grid(scratch);
  const auto t_asym = asymptotes(transfer), s_asym = asymptotes(scratch);
  // Mean curve and asymptote over a multiset of seeds (indices).
  auto mean_of = [&](const std::vector<std::vector<double>>& rows, const std::vector<double>& asym,
                     const std::vector<size_t>& pick, std::vector<double>* curve, double* a) {
    curve->assign(grid.size(), 0.0);
    *a = 0;
    for (size_t i : pick) {
      for (size_t g = 0; g < grid.size(); ++g) (*curve)[g] += rows[i][g];
      *a += asym[i];
    }
    for (auto& v : *curve) v /= pick.size();
    *a /= pick.size();
  };
  auto all = [](size_t n) {
    std::vector<size_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = i;
    return v;
  };
  std::vector<double> mt, ms;
  double at, as;
  mean_of(t_rows, t_asym, all(transfer.size()), &mt, &at);
  mean_of(s_rows, s_asym, all(scratch.size()), &ms, &as);
  const Stats point = stats_of(grid, mt, ms, at, as, o);

  std::vector<Stats> boot;
  boot.reserve(o.bootstrap);
  Rng rng(o.seed);
  std::vector<size_t> pick_t(transfer.size()), pick_s(scratch.size());
  for (int b = 0; b < o.bootstrap; ++b) {
    for (auto& i : pick_t) i = rng.below(static_cast<uint32_t>(transfer.size()));
    for (auto& i : pick_s) i = rng.below(static_cast<uint32_t>(scratch.size()));
    mean_of(t_rows, t_asym, pick_t, &mt, &at);
    mean_of(s_rows, s_asym, pick_s, &ms, &as);
    boot.push_back(stats_of(grid, mt, ms, at, as, o));
  }
  auto est = [&](double Stats::*field) {
    std::vector<double> samples;
    samples.reserve(boot.size());
    for (const auto& s : boot) samples.push_back(s.*field);
    return estimate(point.*field, std::move(samples));
  };
  TransferMetrics m;
  m.transfer_seeds = static_cast<int>(transfer.size());
  m.scratch_seeds = static_cast<int>(scratch.size());
  m.x0 = x0;
  m.x1 = x1;
  m.total_time = o.source_cost > 0;
  m.jumpstart = est(&Stats::jumpstart);
  m.area_transfer = est(&Stats::area_t);
  m.area_scratch = est(&Stats::area_s);
  m.area_difference = est(&Stats::area_diff);
  m.transfer_ratio = est(&Stats::ratio);
  m.slope_transfer = est(&Stats::slope_t);
  m.slope_scratch = est(&Stats::slope_s);
  m.slope_difference = est(&Stats::slope_diff);
  m.asymptote_transfer = est(&Stats::asym_t);
  m.asymptote_scratch = est(&Stats::asym_s);
  m.asymptote_difference = est(&Stats::asym_diff);
  m.time_transfer = est(&Stats::time_t);
  m.time_scratch = est(&Stats::time_s);
  m.time_ratio = est(&Stats::time_ratio);
  m.verdict = m.area_difference.lo > 0   ? "positive"
              : m.area_difference.hi < 0 ? "negative"
                                         : "none";
  return m;
}

nlohmann::json TransferMetrics::to_json() const {
  return {{"transfer_seeds", transfer_seeds},
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
          {"verdict", verdict},
          {"verdict_rule", "area difference 95% interval above 0: positive, below 0: negative"}};
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
      << "; 95% bootstrap intervals over seeds\n";
  auto row = [&](const std::string& name, const Estimate& e, int digits = 4) {
    out << "  " << std::left << std::setw(26) << name << std::right << std::setw(12)
        << (e.defined ? fmt(e.value, digits) : "not reached") << "  [" << fmt(e.lo, digits) << ", "
        << fmt(e.hi, digits) << "]";
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
  row("time to threshold transfer", m.time_transfer, 1);
  row("time to threshold scratch", m.time_scratch, 1);
  row("time ratio (T/S)", m.time_ratio);
  const std::string verdict = m.verdict == "positive"   ? "positive transfer"
                              : m.verdict == "negative" ? "negative transfer"
                                                        : "none (no transfer beyond the interval)";
  out << "verdict: " << verdict << " (area difference " << fmt(m.area_difference.value, 2)
      << ", 95% interval [" << fmt(m.area_difference.lo, 2) << ", " << fmt(m.area_difference.hi, 2)
      << "], " << m.transfer_seeds << " transfer and " << m.scratch_seeds << " scratch seeds)\n";
  return out.str();
}

}  // namespace tenuki::transfer
