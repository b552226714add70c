// Small-sample inference (transfer/statistics.h) against published values: Student t table
// quantiles, R's power.t.test examples, Holm's procedure and rliable's aggregates worked by hand.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "transfer/aggregate.h"
#include "transfer/statistics.h"

using namespace tenuki::transfer;

TEST_CASE("t intervals use Student's quantiles", "[transfer][statistics]") {
  // {1, 2, 3, 4, 5}: mean 3, sd sqrt(2.5), se sqrt(0.5); t(0.975, 4) = 2.776 (tables).
  const TInterval m = mean_interval({1, 2, 3, 4, 5});
  CHECK(m.defined);
  CHECK(m.value == Approx(3));
  CHECK(m.se == Approx(std::sqrt(0.5)));
  CHECK(m.df == Approx(4));
  CHECK((m.hi - m.value) / m.se == Approx(2.776).epsilon(1e-3));
  // Three values: t(0.975, 2) = 4.303.
  const TInterval three = mean_interval({0, 1, 2});
  CHECK((three.hi - three.value) / three.se == Approx(4.303).epsilon(1e-3));
  // One value: no interval.
  const TInterval one = mean_interval({7});
  CHECK_FALSE(one.defined);
  CHECK(one.value == 7);
  CHECK(std::isnan(one.lo));
}

TEST_CASE("Welch's interval and test", "[transfer][statistics]") {
  // {1, 2, 3} vs {4, 5, 6, 7}: difference -3.5, variances 1 and 5/3, se sqrt(1/3 + 5/12),
  // Welch-Satterthwaite df = 0.75^2 / ((1/3)^2 / 2 + (5/12)^2 / 3) = 4.959.
  const TInterval w = welch_interval({1, 2, 3}, {4, 5, 6, 7});
  CHECK(w.value == Approx(-3.5));
  CHECK(w.se == Approx(std::sqrt(0.75)));
  CHECK(w.df == Approx(4.959).epsilon(1e-3));
  CHECK(w.hi < 0);
  CHECK(w.p_value < 0.05);
  CHECK(w.p_value > 0.005);
  // The interval at level 1 - p just touches 0.
  const TInterval at_p = welch_interval({1, 2, 3}, {4, 5, 6, 7}, 1 - w.p_value);
  CHECK(at_p.hi == Approx(0).margin(1e-9));
  // Equal samples: difference 0, p 1.
  CHECK(welch_interval({1, 2, 3}, {1, 2, 3}).p_value == Approx(1));
  // No spread at all: the difference is certain.
  const TInterval exact = welch_interval({2, 2}, {1, 1});
  CHECK(exact.lo == 1);
  CHECK(exact.p_value == 0);
  CHECK_FALSE(welch_interval({1}, {1, 2}).defined);
}

TEST_CASE("Holm's adjusted p-values", "[transfer][statistics]") {
  // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, made monotone: 0.02, 0.03, 0.06, 0.06.
  const std::vector<double> adjusted = holm_adjust({0.01, 0.04, 0.03, 0.005});
  CHECK(adjusted[0] == Approx(0.03));
  CHECK(adjusted[1] == Approx(0.06));
  CHECK(adjusted[2] == Approx(0.06));
  CHECK(adjusted[3] == Approx(0.02));
  const std::vector<double> capped = holm_adjust({0.6, NAN, 0.2});
  CHECK(capped[0] == Approx(0.6));
  CHECK(std::isnan(capped[1]));
  CHECK(capped[2] == Approx(0.4));
  CHECK(holm_adjust({0.03}) == std::vector<double>{0.03});
}

TEST_CASE("Welch power matches R's power.t.test", "[transfer][statistics]") {
  // power.t.test(n = 20, delta = 1, sd = 1): power = 0.8689528 (equal n and sd: df = 38).
  CHECK(welch_power(1, 1, 1, 20) == Approx(0.8689528).epsilon(1e-4));
  // power.t.test(power = 0.90, delta = 1): n = 22.02 per group, so 23 seeds.
  CHECK(seeds_for_power(1, 1, 1, 0.9) == 23);
  CHECK(welch_power(0, 1, 1, 10) == Approx(0.05).epsilon(1e-6));
  CHECK(seeds_for_power(0, 1, 1) == 0);
  CHECK(seeds_for_power(0.001, 1, 1, 0.8, 0.05, 1000) == 0);  // needs millions
  CHECK(seeds_for_power(1, 0, 0) == 2);                       // no spread at all
}

TEST_CASE("rliable aggregates across targets", "[transfer][statistics]") {
  CHECK(interquartile_mean({8, 1, 7, 2, 6, 3, 5, 4}) == Approx(4.5));  // mean of 3, 4, 5, 6
  CHECK(interquartile_mean({1, 2, 3, 4, 100}) == Approx(3));           // one trimmed each end
  CHECK(interquartile_mean({5}) == 5);
  // {3, 4} vs {1, 3}: 3 > 1, 3 = 3 (half), 4 > 1, 4 > 3.
  CHECK(probability_of_improvement({3, 4}, {1, 3}) == Approx(3.5 / 4));

  // Two targets; every transfer seed beats every scratch seed of its target.
  const Aggregate better = aggregate_across_targets({{0.6, 0.7, 0.8}, {0.3, 0.35, 0.4}},
                                                    {{0.4, 0.5, 0.55}, {0.1, 0.2, 0.25}}, 500);
  CHECK(better.targets == 2);
  CHECK(better.probability_of_improvement.value == 1);
  CHECK(better.probability_of_improvement.lo == 1);  // every resample agrees
  CHECK(better.iqm_difference.value > 0);
  CHECK(better.iqm_difference.lo > 0);
  // Identical arms: improvement 1/2, difference 0 inside the interval.
  const Aggregate same =
      aggregate_across_targets({{0.2, 0.5, 0.9}, {0.1, 0.4}}, {{0.2, 0.5, 0.9}, {0.1, 0.4}}, 500);
  CHECK(same.probability_of_improvement.value == Approx(0.5));
  CHECK(same.iqm_difference.lo < 0);
  CHECK(same.iqm_difference.hi > 0);
  CHECK_THROWS_AS(aggregate_across_targets({{0.5}}, {{0.5}, {0.4}}), std::invalid_argument);
  CHECK_THROWS_AS(aggregate_across_targets({{}}, {{0.5}}), std::invalid_argument);
}
