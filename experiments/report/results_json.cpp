#include "experiments/report/results_json.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "transfer/statistics.h"

namespace tenuki::report {

using nlohmann::json;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

double number_at(const json& j, const char* key) {
  if (!j.is_object()) return kNaN;
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : kNaN;
}

std::string json_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string text_at(const json& j, const char* key, const std::string& fallback) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return json_text(*it);
}

const json& array_at(const json& j, const char* key, const std::string& where) {
  static const json kEmpty = json::array();
  if (!j.is_object()) return kEmpty;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_array()) {
    throw std::invalid_argument("results: " + where + (where.empty() ? "" : ".") + key +
                                " must be an array");
  }
  return *it;
}

std::string where_index(const std::string& where, const char* key, size_t i) {
  return where + (where.empty() ? "" : ".") + key + "[" + std::to_string(i) + "]";
}

SeedCurve seed_curve(const json& points, const char* y_key) {
  std::vector<std::pair<double, double>> xy;
  for (const auto& p : points) {
    const double x = number_at(p, "x"), y = number_at(p, y_key);
    if (std::isfinite(x) && std::isfinite(y)) xy.emplace_back(x, y);
  }
  std::stable_sort(xy.begin(), xy.end(), [](auto& a, auto& b) { return a.first < b.first; });
  SeedCurve c;
  for (const auto& [x, y] : xy) {
    if (!c.x.empty() && c.x.back() == x) {
      c.y.back() = y;
    } else {
      c.x.push_back(x);
      c.y.push_back(y);
    }
  }
  return c;
}

double interpolate(const SeedCurve& c, double x) {
  if (c.x.empty() || x < c.x.front() || x > c.x.back()) return kNaN;
  const auto it = std::lower_bound(c.x.begin(), c.x.end(), x);
  const size_t i = it - c.x.begin();
  if (c.x[i] == x) return c.y[i];
  const double t = (x - c.x[i - 1]) / (c.x[i] - c.x[i - 1]);
  return c.y[i - 1] + t * (c.y[i] - c.y[i - 1]);
}

PlotSeries mean_over_seeds(const std::string& name, const std::vector<SeedCurve>& seeds) {
  std::vector<double> grid;
  int with_points = 0;
  for (const auto& s : seeds) {
    grid.insert(grid.end(), s.x.begin(), s.x.end());
    with_points += s.x.empty() ? 0 : 1;
  }
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  PlotSeries series;
  series.label =
      name + " (" + std::to_string(with_points) + (with_points == 1 ? " seed)" : " seeds)");
  for (double x : grid) {
    std::vector<double> values;
    for (const auto& s : seeds) {
      const double v = interpolate(s, x);
      if (!std::isnan(v)) values.push_back(v);
    }
    const transfer::TInterval mean = transfer::mean_interval(values);
    series.x.push_back(x);
    series.y.push_back(transfer::mean_of(values));
    series.band_lo.push_back(mean.defined ? mean.lo : series.y.back());
    series.band_hi.push_back(mean.defined ? mean.hi : series.y.back());
  }
  if (with_points < 2) {  // no band for a single seed
    series.band_lo.clear();
    series.band_hi.clear();
  }
  return series;
}

bool has_points(const std::vector<PlotSeries>& series) {
  for (const auto& s : series) {
    if (!s.x.empty()) return true;
  }
  return false;
}

}  // namespace tenuki::report
