// Transfer metrics (transfer/metrics.h) and plan parsing (transfer/plan.h): no LibTorch.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "envs/spec.h"
#include "envs/util/random.h"
#include "transfer/metrics.h"
#include "transfer/plan.h"

using namespace tenuki;
using namespace tenuki::transfer;
using Catch::Matchers::Contains;

namespace {

// A curve y = a + b x at the given xs.
Curve line(int64_t seed, double a, double b, std::vector<double> xs = {0, 50, 100}) {
  Curve c;
  c.seed = seed;
  c.x = xs;
  for (double x : xs) c.y.push_back(a + b * x);
  return c;
}

MetricsOptions quick(double threshold = 0.5) {
  MetricsOptions o;
  o.threshold = threshold;
  o.bootstrap = 200;
  return o;
}

double gaussian(Rng& rng) {
  const double u = std::max(1e-12, rng.uniform()), v = rng.uniform();
  return std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v);
}

}  // namespace

TEST_CASE("transfer metrics of hand-made curves have the known values", "[transfer]") {
  // Scratch: y = x / 100; transfer: y = 0.2 + x / 200; three identical seeds each.
  const std::vector<Curve> scratch = {line(1, 0, 0.01), line(2, 0, 0.01), line(3, 0, 0.01)};
  const std::vector<Curve> transfer = {line(1, 0.2, 0.005), line(2, 0.2, 0.005),
                                       line(3, 0.2, 0.005)};
  const TransferMetrics m = compute_transfer_metrics(transfer, scratch, quick());
  CHECK(m.transfer_seeds == 3);
  CHECK(m.scratch_seeds == 3);
  CHECK(m.jumpstart.value == Approx(0.2));
  CHECK(m.area_transfer.value == Approx(45.0));  // 0.2 * 100 + 100^2 / 400
  CHECK(m.area_scratch.value == Approx(50.0));
  CHECK(m.area_difference.value == Approx(-5.0));
  CHECK(m.transfer_ratio.value == Approx(-0.1));
  CHECK(m.slope_transfer.value == Approx(0.005));
  CHECK(m.slope_scratch.value == Approx(0.01));
  CHECK(m.asymptote_transfer.value == Approx(0.45));  // mean of 0.2, 0.45, 0.7
  CHECK(m.asymptote_scratch.value == Approx(0.5));
  CHECK(m.time_transfer.value == Approx(60.0));
  CHECK(m.time_scratch.value == Approx(50.0));
  CHECK(m.time_ratio.value == Approx(1.2));
  // Identical seeds: every interval collapses onto the value.
  CHECK(m.area_difference.lo == Approx(-5.0));
  CHECK(m.area_difference.hi == Approx(-5.0));
  CHECK(m.verdict == "negative");

  CHECK(m.mean_gap.value == Approx(-0.05));
  CHECK(m.p_value == 0);
  CHECK(m.area_difference.method == "t");
  CHECK(m.time_ratio.method == "bootstrap");
  CHECK(m.per_seed_transfer.area == std::vector<double>{45, 45, 45});
  CHECK(m.per_seed_transfer.seed == std::vector<int64_t>{1, 2, 3});
  CHECK(m.per_seed_scratch.time_to_threshold[2] == Approx(50.0));

  const TransferMetrics up = compute_transfer_metrics(
      {line(1, 0.5, 0.005), line(2, 0.5, 0.005), line(3, 0.5, 0.005)}, scratch, quick());
  CHECK(up.area_difference.value == Approx(25.0));
  CHECK(up.time_transfer.value == Approx(0.0));  // starts at the threshold
  CHECK(up.verdict == "positive");

  // Seeds spread around the scratch curve: no verdict either way.
  const TransferMetrics none = compute_transfer_metrics(
      {line(1, 0.3, 0.01), line(2, -0.3, 0.01), line(3, 0.25, 0.01), line(4, -0.25, 0.01)}, scratch,
      quick());
  CHECK(none.area_difference.value == Approx(0.0).margin(1e-9));
  CHECK(none.area_difference.lo < 0);
  CHECK(none.area_difference.hi > 0);
  CHECK(none.verdict == "none");

  // A threshold never reached is undefined, not a number.
  const TransferMetrics far = compute_transfer_metrics(transfer, scratch, quick(0.9));
  CHECK_FALSE(far.time_transfer.defined);
  CHECK(far.time_scratch.value == Approx(90.0));
  CHECK_FALSE(far.time_ratio.defined);
  const std::string text = format_metrics(far, "steps");
  CHECK_THAT(text, Contains("not reached"));
  CHECK_THAT(text, Contains("seeds: transfer 3, scratch 3"));
  CHECK_THAT(text, Contains("verdict: negative transfer"));
}

TEST_CASE("total-time transfer metrics charge the source's cost", "[transfer]") {
  const std::vector<Curve> scratch = {line(1, 0, 0.005, {0, 50, 100, 150, 200})};
  const std::vector<Curve> transfer = {line(1, 0.2, 0.005, {0, 50, 100, 150})};
  MetricsOptions o = quick(0.6);
  o.source_cost = 50;
  const TransferMetrics m = compute_transfer_metrics(transfer, scratch, o);
  CHECK(m.total_time);
  CHECK(m.x0 == Approx(50));
  CHECK(m.x1 == Approx(200));
  CHECK(m.jumpstart.value == Approx(0.2 - 0.25));   // at x = 50 the scratch arm is at 0.25
  CHECK(m.time_transfer.value == Approx(80 + 50));  // 0.2 + 0.005 x = 0.6 at x = 80
  CHECK(m.time_scratch.value == Approx(120));
}

TEST_CASE("intervals of transfer metrics cover the truth at about 95%", "[transfer]") {
  // Truth: scratch mean curve 0.01 x, transfer 0.1 + 0.008 x on x = 0..100; each seed adds a
  // N(0, 0.1) offset and N(0, 0.05) noise per point. Known jumpstart 0.1, area difference
  // 0.1 * 100 - 0.002 * 100^2 / 2 = 0.
  const std::vector<double> xs = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  Rng rng(7);
  auto arm = [&](double a, double b, int seeds) {
    std::vector<Curve> out;
    for (int s = 0; s < seeds; ++s) {
      Curve c = line(s, a, b, xs);
      const double offset = 0.1 * gaussian(rng);
      for (auto& y : c.y) y += offset + 0.05 * gaussian(rng);
      out.push_back(c);
    }
    return out;
  };
  const int reps = 200;
  int cover_jump = 0, cover_area = 0, verdict_none = 0;
  for (int r = 0; r < reps; ++r) {
    MetricsOptions o;
    o.bootstrap = 400;
    o.seed = 100 + r;
    const TransferMetrics m = compute_transfer_metrics(arm(0.1, 0.008, 12), arm(0, 0.01, 12), o);
    cover_jump += m.jumpstart.lo <= 0.1 && 0.1 <= m.jumpstart.hi;
    cover_area += m.area_difference.lo <= 0 && 0 <= m.area_difference.hi;
    verdict_none += m.verdict == "none";
  }
  // Welch t intervals over 12 seeds; nominal 0.95.
  CHECK(cover_jump >= 0.90 * reps);
  CHECK(cover_jump <= 0.99 * reps);
  CHECK(cover_area >= 0.90 * reps);
  CHECK(cover_area <= 0.99 * reps);
  CHECK(verdict_none == cover_area);
}

TEST_CASE("transfer metrics refuse bad curves and read the curves file", "[transfer]") {
  const std::vector<Curve> ok = {line(1, 0, 0.01)};
  Curve single;
  single.x = {0};
  single.y = {1};
  CHECK_THROWS_WITH(compute_transfer_metrics({single}, ok, quick()), Contains("at least 2 points"));
  CHECK_THROWS_WITH(compute_transfer_metrics({line(1, 0, 1, {200, 300})}, ok, quick()),
                    Contains("share no range"));
  CHECK_THROWS_WITH(compute_transfer_metrics({}, ok, quick()), Contains("no transfer curves"));
  Curve backwards = line(1, 0, 1, {0, 50, 40});
  CHECK_THROWS_WITH(compute_transfer_metrics({backwards}, ok, quick()), Contains("increase"));

  const auto j = nlohmann::json::parse(R"({"axis": "games", "threshold": 0.5, "source_cost": 7,
      "transfer": [{"seed": 3, "points": [[0, 0.2], [100, 0.7]]}],
      "scratch": [{"x": [0, 100], "y": [0, 1]}]})");
  std::vector<Curve> t, s;
  MetricsOptions o;
  std::string axis;
  curves_from_json(j, &t, &s, &o, &axis);
  CHECK(axis == "games");
  REQUIRE(t.size() == 1);
  CHECK(t[0].seed == 3);
  CHECK(t[0].y[1] == 0.7);
  CHECK(s[0].x[1] == 100);
  CHECK(*o.threshold == 0.5);
  CHECK(o.source_cost == 7);
  auto bad = j;
  bad["arms"] = 1;
  CHECK_THROWS_WITH(curves_from_json(bad, &t, &s, &o, &axis), Contains("unknown key 'arms'"));
}

TEST_CASE("transfer plans parse in the spec grammar", "[transfer]") {
  TransferPlan p = parse_plan("frozen-trunk(unfreeze_after=2000,warmup=100)");
  CHECK(p.kind == TransferPlan::Kind::kFrozenTrunk);
  CHECK(p.unfreeze_after == 2000);
  CHECK(p.warmup == 100);
  CHECK(p.text() == "frozen-trunk(unfreeze_after=2000,warmup=100)");
  CHECK(parse_plan("frozen-trunk").unfreeze_after == 0);
  CHECK(parse_plan("partial(blocks=2)").blocks == 2);
  CHECK(parse_plan("zero-shot").kind == TransferPlan::Kind::kZeroShot);
  CHECK_FALSE(parse_plan("zero-shot").trains());
  CHECK(parse_plan("fine-tune").kind == TransferPlan::Kind::kFineTune);
  CHECK_THROWS_WITH(parse_plan("frozen-trunk(unfreeze_afterr=5)"), Contains("unfreeze_afterr"));
  CHECK_THROWS_WITH(parse_plan("partial"), Contains("blocks"));
  CHECK_THROWS_WITH(parse_plan("distill"), Contains("unknown transfer plan 'distill'"));
  CHECK_THROWS_AS(parse_plan("fine-tune(lr=2)"), SpecError);

  HeadsChoice h = parse_heads("reinit(policy,value)");
  CHECK(h.automatic);
  CHECK(h.forced == std::set<std::string>{"policy", "value"});
  CHECK_FALSE(parse_heads("keep").automatic);
  CHECK_THROWS_WITH(parse_heads("reinit(trunk)"), Contains("unknown head 'trunk'"));
  CHECK(trunk_prefixes(2) == std::set<std::string>{"stem", "block0", "block1", "trunk_bn"});
  CHECK_THROWS_AS(parse_game_planes("all"), SpecError);
  CHECK(parse_search_mode("scaled") == SearchMode::kScaled);
}
