#pragma once
// Maximum-likelihood Elo ratings for a set of agents from game results.
//
// Model: Bradley-Terry on the logistic Elo scale, with a draw counted as half a win and half a
// loss: P(i beats j) = 1 / (1 + 10^(-(r_i - r_j) / 400)), and the log-likelihood of a game with
// score s for i is s log P + (1 - s) log(1 - P). A weak Gaussian prior on every rating
// (prior_sigma_elo, default 1000 Elo, worth about an eighth of a game) keeps the problem strictly
// concave, so agents with only wins or only losses get large but finite ratings and the solve
// always converges. The maximum is found with Newton's method on the full Hessian (Eigen), with
// step halving.
//
// Gauge: ratings are reported relative to an anchor agent fixed at anchor_elo, or (no anchor)
// with mean anchor_elo. Standard errors come from the inverse of the negative Hessian at the
// optimum (the asymptotic covariance), projected onto the chosen gauge; the 95% interval is
// +-1.96 standard errors. Because draws are treated as half wins the intervals are slightly
// conservative when draws are common. The likelihood of superiority LOS(i, j) is
// Phi((r_i - r_j) / sd(r_i - r_j)) from the same covariance. Pure functions; thread-safe.
#include <Eigen/Dense>
#include <string>
#include <vector>

namespace tenuki {

// One game between agents a and b (indices); score_a is 1 (a won), 0.5 (draw) or 0 (b won).
struct RatedGame {
  int a = 0;
  int b = 0;
  double score_a = 0.5;
};

struct Wdl {
  int wins = 0;
  int draws = 0;
  int losses = 0;
  int games() const { return wins + draws + losses; }
};

struct RatingOptions {
  int anchor = -1;  // agent index fixed at anchor_elo; -1: the mean is anchor_elo
  double anchor_elo = 0;
  double prior_sigma_elo = 1000;
  int max_iterations = 100;
};

struct AgentRating {
  double elo = 0;
  double ci95 = 0;    // half-width of the 95% confidence interval (0 for the anchor)
  double stddev = 0;  // standard error in Elo
  Wdl record;         // over all of the agent's games
  double score = 0;   // (wins + draws / 2) / games; 0 without games
};

struct RatingTable {
  std::vector<AgentRating> agents;
  Eigen::MatrixXd covariance;                // of the unanchored ratings, in Elo^2
  std::vector<std::vector<double>> los;      // los[i][j] = P(r_i > r_j); 0.5 on the diagonal
  std::vector<std::vector<Wdl>> crosstable;  // [i][j]: i's record against j
  int iterations = 0;
  bool converged = false;
  // Agent indices by decreasing rating (ties by index).
  std::vector<int> ranking() const;
};

// Fits the model to `games` among `num_agents` agents (any order; the result does not depend on
// it). Throws std::invalid_argument on an agent index out of range, a score outside [0, 1] or a
// game of an agent against itself.
RatingTable fit_ratings(int num_agents, const std::vector<RatedGame>& games,
                        const RatingOptions& options = {});

// Standard normal cumulative distribution.
double normal_cdf(double x);

}  // namespace tenuki
