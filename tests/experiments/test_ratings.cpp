// Elo maximum likelihood, confidence intervals, LOS and SPRT on simulated results drawn from known
// true strengths with fixed-seed generators.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <vector>

#include "envs/util/random.h"
#include "experiments/arena/ratings.h"
#include "experiments/arena/sprt.h"

using namespace tenuki;

namespace {

double expected_score(double elo_diff) { return 1.0 / (1.0 + std::pow(10.0, -elo_diff / 400.0)); }

// One game's score for an agent `elo_diff` stronger than its opponent. Draws happen with
// probability `draw_rate` (capped so that the expected score is still expected_score).
double sample_score(double elo_diff, double draw_rate, Rng& rng) {
  const double e = expected_score(elo_diff);
  const double draw = std::min(draw_rate, 2 * std::min(e, 1 - e));
  const double win = e - draw / 2;
  const double u = rng.uniform();
  return u < win ? 1.0 : u < win + draw ? 0.5 : 0.0;
}

std::vector<RatedGame> simulate_round_robin(const std::vector<double>& elo, int games_per_pair,
                                            double draw_rate, Rng& rng) {
  std::vector<RatedGame> games;
  const int n = static_cast<int>(elo.size());
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      for (int g = 0; g < games_per_pair; ++g) {
        games.push_back({i, j, sample_score(elo[i] - elo[j], draw_rate, rng)});
      }
    }
  }
  return games;
}

// Fraction of (tournament, agent) intervals that contain the true (mean-zero) rating.
double ci_coverage(const std::vector<double>& truth, int games_per_pair, double draw_rate,
                   int tournaments, uint64_t seed) {
  const double mean = std::accumulate(truth.begin(), truth.end(), 0.0) / truth.size();
  Rng rng(seed);
  int covered = 0, total = 0;
  for (int t = 0; t < tournaments; ++t) {
    const auto games = simulate_round_robin(truth, games_per_pair, draw_rate, rng);
    const RatingTable table = fit_ratings(static_cast<int>(truth.size()), games);
    REQUIRE(table.converged);
    for (size_t i = 0; i < truth.size(); ++i) {
      const AgentRating& r = table.agents[i];
      covered += std::fabs(r.elo - (truth[i] - mean)) <= r.ci95;
      ++total;
    }
  }
  return static_cast<double>(covered) / total;
}

// Plays simulated games between B (true_elo stronger) and A until the SPRT decides.
SprtDecision run_sprt(double true_elo, double draw_rate, const SprtConfig& config, Rng& rng,
                      int* games_played) {
  int w = 0, d = 0, l = 0;
  for (int n = 1; n <= 200000; ++n) {
    const double s = sample_score(true_elo, draw_rate, rng);
    (s > 0.5 ? w : s < 0.5 ? l : d)++;
    const SprtResult r = sprt_test(w, d, l, config);
    if (r.decision != SprtDecision::kContinue) {
      *games_played = n;
      return r.decision;
    }
  }
  *games_played = 200000;
  return SprtDecision::kContinue;
}

}  // namespace

TEST_CASE("ratings: two agents match the closed-form Bradley-Terry estimate", "[ratings]") {
  // 70 wins, 20 draws, 30 losses: score 80 of 120.
  std::vector<RatedGame> games;
  for (int i = 0; i < 70; ++i) games.push_back({0, 1, 1.0});
  for (int i = 0; i < 20; ++i) games.push_back({1, 0, 0.5});
  for (int i = 0; i < 30; ++i) games.push_back({1, 0, 1.0});
  RatingOptions options;
  options.anchor = 1;
  const RatingTable t = fit_ratings(2, games, options);
  REQUIRE(t.converged);
  const double p = 80.0 / 120.0;
  const double diff = 400 * std::log10(p / (1 - p));  // 120.4 Elo
  CHECK(t.agents[1].elo == 0.0);
  CHECK(t.agents[1].ci95 == 0.0);
  CHECK(t.agents[0].elo == Approx(diff).margin(0.5));  // the prior moves it by a fraction
  const double sd = 400 / std::log(10.0) / std::sqrt(120 * p * (1 - p));
  CHECK(t.agents[0].stddev == Approx(sd).epsilon(0.01));
  CHECK(t.agents[0].ci95 == Approx(1.96 * sd).epsilon(0.01));
  CHECK(t.agents[0].record.wins == 70);
  CHECK(t.agents[0].record.draws == 20);
  CHECK(t.agents[0].record.losses == 30);
  CHECK(t.agents[0].score == Approx(p));
  CHECK(t.crosstable[1][0].wins == 30);
  CHECK(t.los[0][1] > 0.99);
  CHECK(t.los[0][1] + t.los[1][0] == Approx(1.0));
}

TEST_CASE("ratings: anchors, mean-zero gauge and crosstable", "[ratings]") {
  Rng rng(11);
  const std::vector<double> truth = {0, 100, 200, -100};
  const auto games = simulate_round_robin(truth, 30, 0.2, rng);
  const RatingTable mean_zero = fit_ratings(4, games);
  double sum = 0;
  for (const auto& a : mean_zero.agents) sum += a.elo;
  CHECK(sum == Approx(0.0).margin(1e-6));
  RatingOptions anchored;
  anchored.anchor = 3;
  anchored.anchor_elo = 1500;
  const RatingTable a = fit_ratings(4, games, anchored);
  CHECK(a.agents[3].elo == Approx(1500));
  CHECK(a.agents[3].ci95 == 0.0);
  for (int i = 0; i < 4; ++i) {
    // Differences do not depend on the gauge.
    CHECK(a.agents[i].elo - a.agents[0].elo ==
          Approx(mean_zero.agents[i].elo - mean_zero.agents[0].elo).margin(1e-6));
    int games_of_i = 0;
    for (int j = 0; j < 4; ++j) {
      const Wdl& x = a.crosstable[i][j];
      const Wdl& y = a.crosstable[j][i];
      CHECK(x.wins == y.losses);
      CHECK(x.draws == y.draws);
      games_of_i += x.games();
      if (i != j) CHECK(a.los[i][j] + a.los[j][i] == Approx(1.0));
    }
    CHECK(games_of_i == 90);
    CHECK(a.agents[i].record.games() == 90);
  }
  CHECK(a.ranking() == std::vector<int>{2, 1, 0, 3});
}

TEST_CASE("ratings: invariant to the order of games", "[ratings]") {
  Rng rng(5);
  const auto games = simulate_round_robin({-50, 0, 80, 130, 10}, 12, 0.3, rng);
  const RatingTable base = fit_ratings(5, games);
  auto shuffled = games;
  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    // Also swap the sides of some games (a vs b with score s is b vs a with 1 - s).
    for (auto& g : shuffled) {
      if (rng.below(2)) g = {g.b, g.a, 1 - g.score_a};
    }
    const RatingTable t = fit_ratings(5, shuffled);
    for (int i = 0; i < 5; ++i) {
      CHECK(t.agents[i].elo == Approx(base.agents[i].elo).margin(1e-9));
      CHECK(t.agents[i].ci95 == Approx(base.agents[i].ci95).margin(1e-9));
    }
  }
}

TEST_CASE("ratings: agents with only wins or only losses stay finite", "[ratings]") {
  std::vector<RatedGame> games;
  for (int i = 0; i < 10; ++i) {
    games.push_back({0, 1, 1.0});  // 0 beats everyone
    games.push_back({0, 2, 1.0});
    games.push_back({1, 2, i < 6 ? 1.0 : 0.0});
    games.push_back({3, 2, 1.0});  // 3 has only played 2 and won; 2 has no wins except vs 1
  }
  const RatingTable t = fit_ratings(5, games);  // agent 4 never played
  REQUIRE(t.converged);
  for (const auto& a : t.agents) {
    CHECK(std::isfinite(a.elo));
    CHECK(std::isfinite(a.ci95));
  }
  CHECK(t.agents[0].elo > t.agents[1].elo);
  CHECK(t.agents[1].elo > t.agents[2].elo);
  CHECK(t.agents[3].elo > t.agents[2].elo);
  CHECK(t.agents[4].record.games() == 0);
  CHECK(t.agents[4].ci95 > t.agents[1].ci95);  // no information: the widest interval
  CHECK_THROWS_AS(fit_ratings(2, {{0, 0, 1.0}}), std::invalid_argument);
  CHECK_THROWS_AS(fit_ratings(2, {{0, 2, 1.0}}), std::invalid_argument);
  CHECK_THROWS_AS(fit_ratings(2, {{0, 1, 1.5}}), std::invalid_argument);
}

TEST_CASE("ratings: 95% intervals cover the true Elo at the stated rate", "[ratings]") {
  const std::vector<double> truth = {0, 60, -80, 150, -40, 250};
  // Without draws the Bradley-Terry model is exact: about 95% coverage.
  const double no_draws = ci_coverage(truth, 40, 0.0, 400, 2024);
  WARN("95% CI coverage without draws: " << no_draws << " (6 agents x 400 tournaments)");
  CHECK(no_draws >= 0.93);
  CHECK(no_draws <= 0.97);
  // With draws counted as half wins the intervals are somewhat conservative.
  const double with_draws = ci_coverage(truth, 40, 0.3, 400, 77);
  WARN("95% CI coverage with 30% draws: " << with_draws);
  CHECK(with_draws >= 0.93);
  CHECK(with_draws <= 0.995);
  // Few games: the estimate is skewed but the intervals should still roughly hold.
  const double few = ci_coverage(truth, 8, 0.1, 400, 99);
  WARN("95% CI coverage with 8 games per pair: " << few);
  CHECK(few >= 0.91);
}

TEST_CASE("sprt: bounds, LLR sign and parsing", "[ratings][sprt]") {
  SprtConfig c;
  SprtResult r = sprt_test(0, 0, 0, c);
  CHECK(r.llr == 0.0);
  CHECK(r.lower == Approx(std::log(0.05 / 0.95)));
  CHECK(r.upper == Approx(std::log(0.95 / 0.05)));
  CHECK(r.decision == SprtDecision::kContinue);
  // 10-10-10: mean 1/2, variance 1/6.
  const double s0 = 0.5, s1 = expected_score(10);
  r = sprt_test(10, 10, 10, c);
  CHECK(r.llr == Approx(30 * (s1 - s0) * (1 - s0 - s1) / (2.0 / 6)));
  CHECK(r.llr < 0);
  CHECK(sprt_test(300, 100, 200, c).llr > 0);
  CHECK(sprt_test(3000, 1000, 2000, c).decision == SprtDecision::kAcceptH1);
  CHECK(sprt_test(2000, 1000, 3000, c).decision == SprtDecision::kAcceptH0);
  CHECK(sprt_test(20, 0, 0, c).decision == SprtDecision::kAcceptH1);  // one-sided sample stops

  const SprtConfig p = parse_sprt_config("elo0=-5, elo1=15,alpha=0.1,beta=0.02");
  CHECK(p.elo0 == -5);
  CHECK(p.elo1 == 15);
  CHECK(p.alpha == 0.1);
  CHECK(p.beta == 0.02);
  CHECK_THROWS_WITH(parse_sprt_config("elo0=0,elo2=5"), Catch::Contains("elo2"));
  CHECK_THROWS_AS(parse_sprt_config("elo0=10,elo1=5"), std::invalid_argument);
  CHECK_THROWS_AS(parse_sprt_config("alpha=0"), std::invalid_argument);
  CHECK_THROWS_WITH(parse_sprt_config("beta=x"), Catch::Contains("beta"));
}

TEST_CASE("sprt: accepts H1 and H0 at the expected rates", "[ratings][sprt]") {
  SprtConfig c;
  c.elo0 = 0;
  c.elo1 = 20;
  c.alpha = 0.05;
  c.beta = 0.05;
  const int runs = 300;
  Rng rng(4242);
  int h1_at_elo1 = 0, h0_at_elo0 = 0, h1_at_strong = 0, h0_at_weak = 0;
  long games_at_elo1 = 0, games_at_elo0 = 0;
  for (int i = 0; i < runs; ++i) {
    int n = 0;
    h1_at_elo1 += run_sprt(20, 0.3, c, rng, &n) == SprtDecision::kAcceptH1;
    games_at_elo1 += n;
    h0_at_elo0 += run_sprt(0, 0.3, c, rng, &n) == SprtDecision::kAcceptH0;
    games_at_elo0 += n;
    h1_at_strong += run_sprt(60, 0.3, c, rng, &n) == SprtDecision::kAcceptH1;
    h0_at_weak += run_sprt(-40, 0.3, c, rng, &n) == SprtDecision::kAcceptH0;
  }
  const double rate_h1 = static_cast<double>(h1_at_elo1) / runs;
  const double rate_h0 = static_cast<double>(h0_at_elo0) / runs;
  WARN("SPRT(0, 20, 0.05, 0.05), 30% draws, "
       << runs << " runs each: true elo 20 accepts H1 in " << rate_h1 << " (mean "
       << games_at_elo1 / runs << " games); true elo 0 accepts H0 in " << rate_h0 << " (mean "
       << games_at_elo0 / runs << " games)");
  CHECK(rate_h1 >= 1 - c.beta - 0.03);
  CHECK(rate_h0 >= 1 - c.alpha - 0.03);
  CHECK(h1_at_strong >= runs - 1);
  CHECK(h0_at_weak >= runs - 1);
}
