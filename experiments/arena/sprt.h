#pragma once
// Sequential probability ratio test for "is B stronger than A" on win/draw/loss counts (B's
// view), with the trinomial generalized SPRT (GSPRT) approximation used by cutechess and
// fastchess: the log-likelihood ratio of two logistic-Elo hypotheses elo0 < elo1 is computed
// from the sample mean and variance of the per-game score (win 1, draw 1/2, loss 0):
//
//   s0, s1 = expected score at elo0, elo1 (1 / (1 + 10^(-elo/400)))
//   LLR    = n * (s1 - s0) * (2 * mean - s0 - s1) / (2 * variance)
//
// H1 (elo >= elo1) is accepted when LLR >= log((1 - beta) / alpha), H0 (elo <= elo0) when
// LLR <= log(beta / (1 - alpha)). Pure functions; thread-safe.
#include <string>

namespace tenuki {

struct SprtConfig {
  double elo0 = 0;
  double elo1 = 10;
  double alpha = 0.05;  // false-positive rate: accepting H1 when elo = elo0
  double beta = 0.05;   // false-negative rate: accepting H0 when elo = elo1
};

enum class SprtDecision { kContinue, kAcceptH0, kAcceptH1 };

struct SprtResult {
  double llr = 0;
  double lower = 0;  // log(beta / (1 - alpha)); LLR at or below it accepts H0
  double upper = 0;  // log((1 - beta) / alpha); LLR at or above it accepts H1
  SprtDecision decision = SprtDecision::kContinue;
};

// "continue", "H0" or "H1".
std::string to_string(SprtDecision decision);

// The test on B's wins, draws and losses against A. With no games the LLR is 0. While one of the
// outcomes has never occurred its count is taken as 1/2 in the variance estimate only (a
// one-sided sample such as all wins would otherwise have zero variance and an undefined LLR).
SprtResult sprt_test(int wins, int draws, int losses, const SprtConfig& config);

// Parses "elo0=0,elo1=10,alpha=0.05,beta=0.05" (any subset, others default). Throws
// std::invalid_argument naming the bad part: an unknown key, a bad number, elo0 >= elo1, or
// alpha/beta outside (0, 0.5).
SprtConfig parse_sprt_config(const std::string& text);
// Checks the ranges above; throws std::invalid_argument.
void validate_sprt_config(const SprtConfig& config);

}  // namespace tenuki
