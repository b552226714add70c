// Calibration of the transfer verdict by simulation: under the null (both arms drawn from one
// distribution of learning curves) the verdict says "positive" or "negative" in at most 6% of
// experiments for a nominal 5%, at 3, 5 and 10 seeds per arm and under three noise models; under
// a stated true effect its power lies within bounds derived from the noncentral t; 2 seeds per arm
// never give a verdict. Prints the table (seeds x noise model: false-verdict rate, power).
#include <algorithm>
#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "envs/util/random.h"
#include "transfer/metrics.h"
#include "transfer/statistics.h"

using namespace tenuki;
using namespace tenuki::transfer;

namespace {

constexpr int kPoints = 7;  // curve points at x = 0, 1, ..., 6

double gaussian(Rng& rng) {
  const double u = std::max(1e-12, rng.uniform()), v = rng.uniform();
  return std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v);
}

// The mean learning curve of every model: a win rate rising from 0.2 towards 0.7.
double mean_curve(double x) { return 0.2 + 0.5 * (1 - std::exp(-x / 2)); }

struct NoiseModel {
  std::string name;
  // One seed's curve; `effect` is added to its true curve (the transfer arm's advantage).
  std::function<Curve(Rng&, double effect)> draw;
};

Curve points(const std::function<double(double)>& y) {
  Curve c;
  for (int i = 0; i < kPoints; ++i) {
    c.x.push_back(i);
    c.y.push_back(y(i));
  }
  return c;
}

std::vector<NoiseModel> noise_models() {
  return {
      // A per-seed offset (SD 0.08) and independent noise at every point (SD 0.04).
      {"seed offsets",
       [](Rng& rng, double effect) {
         const double offset = 0.08 * gaussian(rng);
         return points(
             [&](double x) { return mean_curve(x) + effect + offset + 0.04 * gaussian(rng); });
       }},
      // Win rates measured from 8 games per point around a per-seed true curve (offset SD 0.08):
      // discrete, bounded, binomial evaluation noise.
      {"binomial, 8 games",
       [](Rng& rng, double effect) {
         const double offset = 0.08 * gaussian(rng);
         return points([&](double x) {
           const double p = std::clamp(mean_curve(x) + effect + offset, 0.01, 0.99);
           int wins = 0;
           for (int g = 0; g < 8; ++g) wins += rng.uniform() < p;
           return wins / 8.0;
         });
       }},
      // Curves that cross: a seed that starts high learns slowly (start SD 0.1, ends lower by
      // 1.5 times its head start), plus point noise.
      {"crossing curves",
       [](Rng& rng, double effect) {
         const double start = 0.3 + 0.1 * gaussian(rng);
         const double end = 0.7 - 1.5 * (start - 0.3) + 0.05 * gaussian(rng);
         return points([&](double x) {
           return start + (end - start) * x / (kPoints - 1) + effect + 0.04 * gaussian(rng);
         });
       }},
  };
}

struct Outcome {
  double positive = 0, negative = 0;  // shares of experiments
};

Outcome simulate(const NoiseModel& model, int seeds, double effect, int experiments,
                 uint64_t rng_seed) {
  Rng rng(rng_seed);
  MetricsOptions o;
  o.bootstrap = 0;  // the verdict does not use the bootstrap
  Outcome out;
  for (int e = 0; e < experiments; ++e) {
    std::vector<Curve> transfer, scratch;
    for (int s = 0; s < seeds; ++s) transfer.push_back(model.draw(rng, effect));
    for (int s = 0; s < seeds; ++s) scratch.push_back(model.draw(rng, 0));
    const std::string verdict = compute_transfer_metrics(transfer, scratch, o).verdict;
    out.positive += verdict == "positive";
    out.negative += verdict == "negative";
  }
  out.positive /= experiments;
  out.negative /= experiments;
  return out;
}

}  // namespace

TEST_CASE("the transfer verdict keeps its 5% error rate under the null", "[transfer][slow]") {
  // 4000 experiments a cell: the rate's standard error is 0.35 points at 5%, so 6% is 3 standard
  // errors away.
  const int experiments = 4000;
  std::printf("calibration: false-verdict rate under the null (nominal 5%%), %d experiments\n",
              experiments);
  uint64_t rng_seed = 1;
  for (const NoiseModel& model : noise_models()) {
    for (int seeds : {3, 5, 10}) {
      const Outcome null = simulate(model, seeds, 0, experiments, rng_seed++);
      const double rate = null.positive + null.negative;
      std::printf("  %-18s %2d seeds: %.2f%% (positive %.2f%%, negative %.2f%%)\n",
                  model.name.c_str(), seeds, 100 * rate, 100 * null.positive, 100 * null.negative);
      INFO(model.name << ", " << seeds << " seeds per arm");
      CHECK(rate <= 0.06);
      CHECK(rate >= 0.02);  // not so conservative that it never decides
    }
  }
}

TEST_CASE("the transfer verdict has the power the noncentral t bounds", "[transfer][slow]") {
  // "Seed offsets" with a true advantage of 0.1 in win rate at every point. A seed's area over
  // [0, 6] is normal with SD sigma = sqrt((6 x 0.08)^2 + (2 x 0.5^2 + 5) x 0.04^2), the same in
  // both arms, and the true area difference is 0.6. With n seeds per arm Welch's statistic equals
  // Student's, which is noncentral t with 2n - 2 degrees of freedom and noncentrality
  // 0.6 / (sigma sqrt(2 / n)); Welch's estimated degrees of freedom lie in [n - 1, 2n - 2], so
  // its critical value lies between Student's t quantiles for those. Hence
  //   P(|T| > t(n - 1)) <= power <= P(|T| > t(2n - 2)) = welch_power at the true spreads,
  // each side widened by three Monte Carlo standard errors.
  const NoiseModel model = noise_models()[0];
  const double effect = 0.1, area_difference = 6 * effect;
  const double area_sd = std::sqrt(std::pow(6 * 0.08, 2) + 5.5 * std::pow(0.04, 2));
  const int experiments = 2000;
  std::printf("power: true mean gap %.2f (area difference %.2f, per-seed area SD %.3f)\n", effect,
              area_difference, area_sd);
  uint64_t rng_seed = 100;
  for (int seeds : {3, 5, 10}) {
    const Outcome o = simulate(model, seeds, effect, experiments, rng_seed++);
    const double upper = welch_power(area_difference, area_sd, area_sd, seeds);
    const double ncp = area_difference / (area_sd * std::sqrt(2.0 / seeds));
    const double critical =
        boost::math::quantile(boost::math::students_t_distribution<double>(seeds - 1), 0.975);
    const double lower = boost::math::cdf(boost::math::complement(
        boost::math::non_central_t_distribution<double>(2 * seeds - 2, ncp), critical));
    const double mc_se = std::sqrt(0.25 / experiments);  // at most
    std::printf("  %2d seeds: power %.1f%% (bounds %.1f%% .. %.1f%%), wrong sign %.2f%%\n", seeds,
                100 * o.positive, 100 * lower, 100 * upper, 100 * o.negative);
    INFO(seeds << " seeds per arm");
    CHECK(o.positive >= lower - 3 * mc_se);
    CHECK(o.positive <= upper + 3 * mc_se);
    CHECK(o.negative <= 0.01);
  }
  std::printf("  seeds for 80%% power at this effect: %d\n",
              seeds_for_power(area_difference, area_sd, area_sd));
}

TEST_CASE("two seeds per arm never give a verdict", "[transfer]") {
  Rng rng(5);
  MetricsOptions o;
  o.bootstrap = 0;
  const NoiseModel model = noise_models()[0];
  for (int e = 0; e < 200; ++e) {
    // Even a large true effect.
    const std::vector<Curve> transfer = {model.draw(rng, 0.3), model.draw(rng, 0.3)};
    const std::vector<Curve> scratch = {model.draw(rng, 0), model.draw(rng, 0)};
    const TransferMetrics m = compute_transfer_metrics(transfer, scratch, o);
    REQUIRE(m.verdict == "inconclusive (2 seeds)");
    CHECK(m.seeds_needed >= 2);
  }
  const TransferMetrics one = compute_transfer_metrics(
      {model.draw(rng, 0.3)}, {model.draw(rng, 0), model.draw(rng, 0), model.draw(rng, 0)}, o);
  CHECK(one.verdict == "inconclusive (1 seed)");
  CHECK(one.seeds_needed == 0);                                   // no spread to plan with
  CHECK_FALSE(one.area_difference.lo == one.area_difference.lo);  // NaN: no interval
}
