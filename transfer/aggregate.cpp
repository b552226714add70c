#include "transfer/aggregate.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "envs/util/random.h"

namespace tenuki::transfer {
namespace {

// The statistics of one draw of seeds per target.
struct Draw {
  double iqm_transfer, iqm_scratch, iqm_difference, improvement;
};

Draw statistics_of(const ScoresByTarget& transfer, const ScoresByTarget& scratch) {
  std::vector<double> all_transfer, all_scratch;
  double improvement = 0;
  for (size_t t = 0; t < transfer.size(); ++t) {
    all_transfer.insert(all_transfer.end(), transfer[t].begin(), transfer[t].end());
    all_scratch.insert(all_scratch.end(), scratch[t].begin(), scratch[t].end());
    improvement += probability_of_improvement(transfer[t], scratch[t]);
  }
  Draw d;
  d.iqm_transfer = interquartile_mean(all_transfer);
  d.iqm_scratch = interquartile_mean(all_scratch);
  d.iqm_difference = d.iqm_transfer - d.iqm_scratch;
  d.improvement = improvement / static_cast<double>(transfer.size());
  return d;
}

ScoresByTarget resample(const ScoresByTarget& scores, Rng& rng) {
  ScoresByTarget out(scores.size());
  for (size_t t = 0; t < scores.size(); ++t) {
    for (size_t i = 0; i < scores[t].size(); ++i) {
      out[t].push_back(scores[t][rng.below(static_cast<uint32_t>(scores[t].size()))]);
    }
  }
  return out;
}

}  // namespace

double interquartile_mean(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("interquartile mean of no values");
  std::sort(values.begin(), values.end());
  const size_t cut = values.size() / 4;
  double sum = 0;
  for (size_t i = cut; i < values.size() - cut; ++i) sum += values[i];
  return sum / static_cast<double>(values.size() - 2 * cut);
}

double probability_of_improvement(const std::vector<double>& transfer,
                                  const std::vector<double>& scratch) {
  if (transfer.empty() || scratch.empty()) {
    throw std::invalid_argument("probability of improvement needs seeds in both arms");
  }
  double wins = 0;
  for (double x : transfer) {
    for (double y : scratch) wins += x > y ? 1 : x == y ? 0.5 : 0;
  }
  return wins / static_cast<double>(transfer.size() * scratch.size());
}

Aggregate aggregate_across_targets(const ScoresByTarget& transfer, const ScoresByTarget& scratch,
                                   int bootstrap, uint64_t seed) {
  if (transfer.size() != scratch.size() || transfer.empty()) {
    throw std::invalid_argument("aggregate: both arms need the same targets, at least one");
  }
  for (size_t t = 0; t < transfer.size(); ++t) {
    if (transfer[t].empty() || scratch[t].empty()) {
      throw std::invalid_argument("aggregate: target " + std::to_string(t) +
                                  " has no seeds in an arm");
    }
  }
  if (bootstrap < 100) throw std::invalid_argument("aggregate: bootstrap must be >= 100");
  const Draw point = statistics_of(transfer, scratch);
  std::vector<Draw> draws;
  draws.reserve(bootstrap);
  Rng rng(seed);
  for (int b = 0; b < bootstrap; ++b) {
    // Resampled in a fixed order (transfer, then scratch) so that a seed gives one answer.
    const ScoresByTarget t = resample(transfer, rng);
    const ScoresByTarget s = resample(scratch, rng);
    draws.push_back(statistics_of(t, s));
  }
  auto estimate = [&](double Draw::*field) {
    std::vector<double> samples;
    samples.reserve(draws.size());
    for (const Draw& d : draws) samples.push_back(d.*field);
    return percentile_estimate(point.*field, std::move(samples));
  };
  Aggregate a;
  a.targets = static_cast<int>(transfer.size());
  a.iqm_transfer = estimate(&Draw::iqm_transfer);
  a.iqm_scratch = estimate(&Draw::iqm_scratch);
  a.iqm_difference = estimate(&Draw::iqm_difference);
  a.probability_of_improvement = estimate(&Draw::improvement);
  return a;
}

nlohmann::json aggregate_to_json(const Aggregate& a) {
  auto e = [](const Estimate& x) {
    return nlohmann::json{{"value", x.value}, {"ci95", {x.lo, x.hi}}, {"method", x.method}};
  };
  return {{"targets", a.targets},
          {"iqm_transfer", e(a.iqm_transfer)},
          {"iqm_scratch", e(a.iqm_scratch)},
          {"iqm_difference", e(a.iqm_difference)},
          {"probability_of_improvement", e(a.probability_of_improvement)},
          {"method",
           "rliable: IQM of normalised per-seed scores and P(transfer seed > scratch "
           "seed), 95% stratified bootstrap over seeds within targets"}};
}

}  // namespace tenuki::transfer
