#include "transfer/statistics.h"

#include <algorithm>
#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <numeric>

namespace tenuki::transfer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The upper (1 + level) / 2 quantile of Student's t with df degrees of freedom.
double t_critical(double df, double level) {
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), 0.5 + level / 2);
}

double two_sided_p(double t, double df) {
  return 2 * boost::math::cdf(boost::math::complement(
                 boost::math::students_t_distribution<double>(df), std::abs(t)));
}

// Fills lo, hi and p_value of `r` from value, se and df.
TInterval finish(TInterval r, double level) {
  r.defined = true;
  if (r.se == 0) {
    r.lo = r.hi = r.value;
    r.p_value = r.value == 0 ? 1 : 0;
    return r;
  }
  const double c = t_critical(r.df, level);
  r.lo = r.value - c * r.se;
  r.hi = r.value + c * r.se;
  r.p_value = two_sided_p(r.value / r.se, r.df);
  return r;
}

TInterval undefined(double value) {
  TInterval r;
  r.value = value;
  r.lo = r.hi = r.se = r.df = r.p_value = kNaN;
  return r;
}

// Welch–Satterthwaite degrees of freedom of va / na + vb / nb (variances of the means).
double welch_df(double va_mean, double na, double vb_mean, double nb) {
  const double num = (va_mean + vb_mean) * (va_mean + vb_mean);
  const double den = va_mean * va_mean / (na - 1) + vb_mean * vb_mean / (nb - 1);
  return den > 0 ? num / den : na + nb - 2;
}

}  // namespace

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

TInterval mean_interval(const std::vector<double>& v, double level) {
  if (v.size() < 2) return undefined(mean_of(v));
  TInterval r;
  const double n = static_cast<double>(v.size());
  r.value = mean_of(v);
  r.se = sd_of(v) / std::sqrt(n);
  r.df = n - 1;
  return finish(r, level);
}

TInterval welch_interval(const std::vector<double>& a, const std::vector<double>& b, double level) {
  if (a.size() < 2 || b.size() < 2) return undefined(mean_of(a) - mean_of(b));
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  const double va = sd_of(a) * sd_of(a) / na, vb = sd_of(b) * sd_of(b) / nb;
  TInterval r;
  r.value = mean_of(a) - mean_of(b);
  r.se = std::sqrt(va + vb);
  r.df = welch_df(va, na, vb, nb);
  return finish(r, level);
}

std::vector<double> holm_adjust(const std::vector<double>& p_values) {
  std::vector<size_t> order;
  for (size_t i = 0; i < p_values.size(); ++i) {
    if (!std::isnan(p_values[i])) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> adjusted(p_values.size(), kNaN);
  const double m = static_cast<double>(order.size());
  double running = 0;  // adjusted p-values never decrease along the order
  for (size_t k = 0; k < order.size(); ++k) {
    running = std::max(running, std::min(1.0, (m - static_cast<double>(k)) * p_values[order[k]]));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

double welch_power(double difference, double sd_a, double sd_b, int n, double alpha) {
  if (n < 2) return kNaN;
  const double nn = n;
  const double va = sd_a * sd_a / nn, vb = sd_b * sd_b / nn;
  const double se = std::sqrt(va + vb);
  if (se == 0) return difference == 0 ? 0 : 1;
  const double df = welch_df(va, nn, vb, nn);
  const double c = t_critical(df, 1 - alpha);
  const double ncp = std::abs(difference) / se;
  if (ncp > 37) return 1;  // beyond the noncentral t's accurate range; power is 1 to 1e-12
  const boost::math::non_central_t_distribution<double> t(df, ncp);
  return boost::math::cdf(boost::math::complement(t, c)) + boost::math::cdf(t, -c);
}

int seeds_for_power(double difference, double sd_a, double sd_b, double power, double alpha,
                    int max_n) {
  if (difference == 0 || max_n < 2) return 0;
  auto enough = [&](int n) { return welch_power(difference, sd_a, sd_b, n, alpha) >= power; };
  if (!enough(max_n)) return 0;
  // Power grows with n: the smallest n in (lo, hi] with enough power.
  int lo = 1, hi = max_n;
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    (enough(mid) ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace tenuki::transfer
