#pragma once
// Reading the experiment runner's results JSON for a report (experiments/report/
// experiment_report.h describes its shape): lenient accessors that treat a missing or null value
// as absent (a run in progress) but name the key when a present value has the wrong type, and the
// per-seed curves the plots average. No LibTorch. Thread-safe (pure functions).
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiments/report/plots.h"

namespace tenuki::report {

// j[key] as a number; NaN when absent, null or not a number.
double number_at(const nlohmann::json& j, const char* key);

// A JSON value as text: a string as is, anything else as compact JSON.
std::string json_text(const nlohmann::json& v);

// j[key] as text: a string as is, another non-null value as compact JSON, `fallback` otherwise.
std::string text_at(const nlohmann::json& j, const char* key, const std::string& fallback = "");

// j[key] as an array: empty when absent or null; throws std::invalid_argument naming
// `where`.key when present and not an array. The reference stays valid as long as `j`.
const nlohmann::json& array_at(const nlohmann::json& j, const char* key, const std::string& where);

// "where.key[i]": the path of an array element in error messages.
std::string where_index(const std::string& where, const char* key, size_t i);

// A curve of one seed: points sorted by x, NaN y dropped, repeated x keeping the last.
struct SeedCurve {
  std::vector<double> x, y;
};

// The points' (x, y_key) pairs as a SeedCurve.
SeedCurve seed_curve(const nlohmann::json& points, const char* y_key);

// The curve read as piecewise linear at x; NaN outside its range.
double interpolate(const SeedCurve& c, double x);

// The mean over seeds at every x of any seed (each seed interpolated inside its own range). The
// band is the 95% Student t interval of that mean where two or more seeds cover x (the mean
// itself where only one does); no band when fewer than two seeds have points. Label:
// "name (k seeds)".
PlotSeries mean_over_seeds(const std::string& name, const std::vector<SeedCurve>& seeds);

// Whether any series has a point.
bool has_points(const std::vector<PlotSeries>& series);

}  // namespace tenuki::report
