#pragma once
// Small-sample inference for per-seed statistics (a few seeds per arm): Student t intervals of a
// mean, Welch's unequal-variance t test and interval for a difference of means, Holm's step-down
// correction for several tests, and the power of the Welch test (noncentral t) for planning how
// many seeds a decision needs. Distributions from Boost.Math. No LibTorch. Thread-safe (no
// shared state).
#include <vector>

namespace tenuki::transfer {

// A mean or a difference of means with its two-sided interval. `defined` is false when the
// interval needs more data (fewer than 2 values in a sample); `lo`, `hi`, `p_value` are NaN then.
struct TInterval {
  bool defined = false;
  double value = 0;  // the mean (or difference of means)
  double lo = 0, hi = 0;
  double se = 0;       // standard error of `value`
  double df = 0;       // degrees of freedom (Welch–Satterthwaite for a difference)
  double p_value = 1;  // two-sided, for "the true value is 0"
};

double mean_of(const std::vector<double>& v);
// The sample standard deviation (n - 1); 0 for fewer than 2 values.
double sd_of(const std::vector<double>& v);

// The Student t interval of the mean of `v` at `level` (e.g. 0.95).
TInterval mean_interval(const std::vector<double>& v, double level = 0.95);

// Welch's interval and test for mean(a) - mean(b), variances not assumed equal.
TInterval welch_interval(const std::vector<double>& a, const std::vector<double>& b,
                         double level = 0.95);

// Holm's step-down adjusted p-values, in the order given (each >= its raw p-value, at most 1);
// NaN entries stay NaN and do not count as tests. Rejecting where adjusted p <= alpha keeps the
// family-wise error rate at alpha.
std::vector<double> holm_adjust(const std::vector<double>& p_values);

// The power of the two-sided Welch test at `alpha` with n seeds per arm, when the true difference
// of means is `difference` and the arms' per-seed standard deviations are sd_a and sd_b: the
// noncentral t probability of |T| > t_crit with Welch's degrees of freedom.
double welch_power(double difference, double sd_a, double sd_b, int n, double alpha = 0.05);

// The fewest seeds per arm (2 .. max_n) at which welch_power reaches `power`; 0 when even max_n
// does not (or the difference is 0).
int seeds_for_power(double difference, double sd_a, double sd_b, double power = 0.8,
                    double alpha = 0.05, int max_n = 1000);

}  // namespace tenuki::transfer
