#pragma once
// Aggregates of one comparison (a transfer arm against scratch) across several targets, in the
// manner of rliable (Agarwal et al., NeurIPS 2021): the interquartile mean (IQM) of normalised
// per-seed scores of each arm, their difference, and the probability of improvement (the chance
// that a transfer seed of a target beats a scratch seed of the same target, averaged over
// targets, ties counting half). Each carries a 95% stratified bootstrap interval: seeds are
// resampled with replacement within each target and arm. No LibTorch. Thread-safe.
#include <cstdint>
#include <vector>

#include "transfer/metrics.h"

namespace tenuki::transfer {

// Per target, the normalised score of every seed of one arm (e.g. the mean win rate against the
// target's reference pool over the compared range: area / (x1 - x0), in [0, 1]).
using ScoresByTarget = std::vector<std::vector<double>>;

struct Aggregate {
  int targets = 0;
  Estimate iqm_transfer, iqm_scratch, iqm_difference;
  Estimate probability_of_improvement;
};

// The interquartile mean: the mean of the values left when floor(n / 4) of the lowest and of the
// highest are trimmed (scipy's trim_mean(x, 0.25), which rliable uses). Throws
// std::invalid_argument when empty.
double interquartile_mean(std::vector<double> values);

// P(X > Y) + P(X = Y) / 2 over all pairs of a transfer seed X and a scratch seed Y.
double probability_of_improvement(const std::vector<double>& transfer,
                                  const std::vector<double>& scratch);

// Throws std::invalid_argument when the arms name different numbers of targets or a target has
// no seeds in an arm. `bootstrap` >= 100 resamples.
Aggregate aggregate_across_targets(const ScoresByTarget& transfer, const ScoresByTarget& scratch,
                                   int bootstrap = 2000, uint64_t seed = 1);

nlohmann::json aggregate_to_json(const Aggregate& a);

}  // namespace tenuki::transfer
