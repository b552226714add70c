#include "experiments/arena/ratings.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace tenuki {
namespace {

// Natural-log units per Elo point: theta = elo * kScale.
const double kScale = std::log(10.0) / 400.0;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// log sigmoid(x), stable for large |x|.
double log_sigmoid(double x) {
  return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

struct PairData {
  int a;
  int b;
  double games;
  double score_a;  // total score of a
};

double log_posterior(const std::vector<PairData>& pairs, const Eigen::VectorXd& theta,
                     double prior_precision) {
  double total = -0.5 * prior_precision * theta.squaredNorm();
  for (const auto& p : pairs) {
    const double d = theta[p.a] - theta[p.b];
    total += p.score_a * log_sigmoid(d) + (p.games - p.score_a) * log_sigmoid(-d);
  }
  return total;
}

}  // namespace

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

std::vector<int> RatingTable::ranking() const {
  std::vector<int> order(agents.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return agents[x].elo > agents[y].elo; });
  return order;
}

RatingTable fit_ratings(int num_agents, const std::vector<RatedGame>& games,
                        const RatingOptions& options) {
  if (num_agents < 1) throw std::invalid_argument("fit_ratings: no agents");
  if (options.anchor >= num_agents) throw std::invalid_argument("fit_ratings: bad anchor index");
  const int n = num_agents;
  RatingTable table;
  table.agents.resize(n);
  table.crosstable.assign(n, std::vector<Wdl>(n));

  // Aggregate per unordered pair; sums of multiples of 1/2 are exact, so order cannot matter.
  std::vector<std::vector<double>> count(n, std::vector<double>(n, 0.0));
  std::vector<std::vector<double>> score(n, std::vector<double>(n, 0.0));
  for (const auto& g : games) {
    if (g.a < 0 || g.a >= n || g.b < 0 || g.b >= n || g.a == g.b) {
      throw std::invalid_argument("fit_ratings: bad agent indices in a game");
    }
    if (!(g.score_a >= 0 && g.score_a <= 1)) {
      throw std::invalid_argument("fit_ratings: score outside [0, 1]");
    }
    const int lo = std::min(g.a, g.b), hi = std::max(g.a, g.b);
    count[lo][hi] += 1;
    score[lo][hi] += g.a == lo ? g.score_a : 1 - g.score_a;
    Wdl& ab = table.crosstable[g.a][g.b];
    Wdl& ba = table.crosstable[g.b][g.a];
    if (g.score_a > 0.5) {
      ++ab.wins;
      ++ba.losses;
    } else if (g.score_a < 0.5) {
      ++ab.losses;
      ++ba.wins;
    } else {
      ++ab.draws;
      ++ba.draws;
    }
  }
  std::vector<PairData> pairs;
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      if (count[i][j] > 0) pairs.push_back({i, j, count[i][j], score[i][j]});
    }
  }

  const double sigma = options.prior_sigma_elo * kScale;
  const double prior_precision = 1.0 / (sigma * sigma);
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(n);
  Eigen::MatrixXd neg_hessian(n, n);
  auto evaluate = [&](const Eigen::VectorXd& t, Eigen::VectorXd* gradient) {
    *gradient = -prior_precision * t;
    neg_hessian = prior_precision * Eigen::MatrixXd::Identity(n, n);
    for (const auto& p : pairs) {
      const double prob = sigmoid(t[p.a] - t[p.b]);
      const double residual = p.score_a - p.games * prob;
      (*gradient)[p.a] += residual;
      (*gradient)[p.b] -= residual;
      const double w = p.games * prob * (1 - prob);
      neg_hessian(p.a, p.a) += w;
      neg_hessian(p.b, p.b) += w;
      neg_hessian(p.a, p.b) -= w;
      neg_hessian(p.b, p.a) -= w;
    }
  };
  Eigen::VectorXd gradient;
  const double gradient_tolerance = 1e-10 * (1.0 + static_cast<double>(games.size()));
  double objective = log_posterior(pairs, theta, prior_precision);
  for (int iter = 0; iter < options.max_iterations; ++iter) {
    evaluate(theta, &gradient);
    table.iterations = iter + 1;
    if (gradient.cwiseAbs().maxCoeff() < gradient_tolerance) {
      table.converged = true;
      break;
    }
    const Eigen::VectorXd step = neg_hessian.ldlt().solve(gradient);
    const double step_size = step.cwiseAbs().maxCoeff();
    if (step_size < 1e-6) {
      // Close to the optimum a full Newton step is safe, and its gain is below rounding noise.
      theta += step;
      objective = log_posterior(pairs, theta, prior_precision);
      if (step_size < 1e-10) {  // below 1e-8 Elo
        table.converged = true;
        break;
      }
      continue;
    }
    double t = 1.0;
    bool improved = false;
    for (int halvings = 0; halvings < 60; ++halvings, t *= 0.5) {
      const Eigen::VectorXd candidate = theta + t * step;
      const double value = log_posterior(pairs, candidate, prior_precision);
      if (value >= objective) {
        theta = candidate;
        objective = value;
        improved = true;
        break;
      }
    }
    if (!improved) {  // at the optimum to machine precision
      table.converged = true;
      break;
    }
  }
  evaluate(theta, &gradient);
  const Eigen::MatrixXd cov_theta = neg_hessian.ldlt().solve(Eigen::MatrixXd::Identity(n, n));
  table.covariance = cov_theta / (kScale * kScale);
  const Eigen::MatrixXd& cov = table.covariance;

  // Gauge: r = P * (theta / kScale) + anchor_elo, with P subtracting the anchor or the mean.
  Eigen::MatrixXd projection = Eigen::MatrixXd::Identity(n, n);
  if (options.anchor >= 0) {
    projection.col(options.anchor) -= Eigen::VectorXd::Ones(n);
  } else {
    projection -= Eigen::MatrixXd::Constant(n, n, 1.0 / n);
  }
  const Eigen::VectorXd elo = projection * (theta / kScale);
  const Eigen::MatrixXd gauge_cov = projection * cov * projection.transpose();
  for (int i = 0; i < n; ++i) {
    AgentRating& r = table.agents[i];
    r.elo = elo[i] + options.anchor_elo;
    r.stddev = std::sqrt(std::max(0.0, gauge_cov(i, i)));
    if (i == options.anchor) r.stddev = 0;
    r.ci95 = 1.959963984540054 * r.stddev;
    for (int j = 0; j < n; ++j) {
      r.record.wins += table.crosstable[i][j].wins;
      r.record.draws += table.crosstable[i][j].draws;
      r.record.losses += table.crosstable[i][j].losses;
    }
    const int g = r.record.games();
    r.score = g > 0 ? (r.record.wins + 0.5 * r.record.draws) / g : 0;
  }
  table.los.assign(n, std::vector<double>(n, 0.5));
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      const double var = cov(i, i) + cov(j, j) - 2 * cov(i, j);
      const double diff = table.agents[i].elo - table.agents[j].elo;
      table.los[i][j] = var > 0 ? normal_cdf(diff / std::sqrt(var)) : (diff > 0 ? 1.0 : 0.5);
    }
  }
  return table;
}

}  // namespace tenuki
