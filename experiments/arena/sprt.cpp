#include "experiments/arena/sprt.h"

#include <cmath>
#include <stdexcept>

#include "envs/spec.h"

namespace tenuki {
namespace {

double expected_score(double elo) { return 1.0 / (1.0 + std::pow(10.0, -elo / 400.0)); }

}  // namespace

std::string to_string(SprtDecision decision) {
  switch (decision) {
    case SprtDecision::kAcceptH0:
      return "H0";
    case SprtDecision::kAcceptH1:
      return "H1";
    default:
      return "continue";
  }
}

SprtResult sprt_test(int wins, int draws, int losses, const SprtConfig& config) {
  SprtResult result;
  result.lower = std::log(config.beta / (1 - config.alpha));
  result.upper = std::log((1 - config.beta) / config.alpha);
  const double n = static_cast<double>(wins) + draws + losses;
  if (n <= 0) return result;
  const double mean = (wins + 0.5 * draws) / n;
  // Variance with never-seen outcomes counted as 1/2 (the mean itself stays the sample mean).
  const double w = wins > 0 ? wins : 0.5, d = draws > 0 ? draws : 0.5,
               l = losses > 0 ? losses : 0.5;
  const double m = w + d + l;
  const double variance =
      (w * (1 - mean) * (1 - mean) + d * (0.5 - mean) * (0.5 - mean) + l * mean * mean) / m;
  const double s0 = expected_score(config.elo0), s1 = expected_score(config.elo1);
  result.llr = n * (s1 - s0) * (2 * mean - s0 - s1) / (2 * variance);
  if (result.llr >= result.upper) {
    result.decision = SprtDecision::kAcceptH1;
  } else if (result.llr <= result.lower) {
    result.decision = SprtDecision::kAcceptH0;
  }
  return result;
}

void validate_sprt_config(const SprtConfig& c) {
  if (!std::isfinite(c.elo0) || !std::isfinite(c.elo1) || c.elo0 >= c.elo1) {
    throw std::invalid_argument("sprt: elo0 must be below elo1");
  }
  if (!(c.alpha > 0 && c.alpha < 0.5))
    throw std::invalid_argument("sprt: alpha must be in (0, 0.5)");
  if (!(c.beta > 0 && c.beta < 0.5)) throw std::invalid_argument("sprt: beta must be in (0, 0.5)");
}

SprtConfig parse_sprt_config(const std::string& text) {
  SprtConfig config;
  for (const std::string& part : split_top_level(text, ',')) {
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string::npos) {
      throw std::invalid_argument("sprt: expected key=value, got '" + part + "'");
    }
    const std::string key = part.substr(0, eq), value = part.substr(eq + 1);
    double v = 0;
    size_t used = 0;
    try {
      v = std::stod(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != value.size()) {
      throw std::invalid_argument("sprt: " + key + " expects a number, got '" + value + "'");
    }
    if (key == "elo0") {
      config.elo0 = v;
    } else if (key == "elo1") {
      config.elo1 = v;
    } else if (key == "alpha") {
      config.alpha = v;
    } else if (key == "beta") {
      config.beta = v;
    } else {
      throw std::invalid_argument("sprt: unknown key '" + key + "'; keys: elo0 elo1 alpha beta");
    }
  }
  validate_sprt_config(config);
  return config;
}

}  // namespace tenuki
