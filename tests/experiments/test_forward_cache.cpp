// The exact cache of network outputs (agents/net/forward_cache.h) behind the batching service:
// every answer, hit or miss, equals what the uncached service returns for the same position.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agents/net/batching_evaluator.h"
#include "agents/net/forward_cache.h"
#include "agents/net/network.h"
#include "envs/encoding.h"
#include "envs/registry.h"
#include "envs/util/random.h"
#include "tests/selfplay/net_test_helpers.h"

using namespace tenuki;
using tenuki::test::tiny_net;

namespace {

struct Answer {
  float value = 0;
  std::vector<float> policy, ownership;
};

// `state` evaluated alone (a batch of one, so every forward pass has the same shape).
Answer evaluate(Evaluator& evaluator, const State& state) {
  auto batch = evaluator.new_batch();
  batch->add(state);
  batch->compute();
  Answer a;
  a.value = batch->value(0);
  a.policy.assign(batch->policy(0), batch->policy(0) + state.game().num_actions());
  if (batch->ownership(0)) {
    a.ownership.assign(batch->ownership(0), batch->ownership(0) + state.game().num_cells());
  }
  return a;
}

bool same(const Answer& x, const Answer& y) {
  return x.value == y.value && x.policy == y.policy && x.ownership == y.ownership;
}

std::vector<std::unique_ptr<State>> random_positions(const std::string& spec, int count,
                                                     uint64_t seed) {
  auto game = make_game(spec);
  std::vector<std::unique_ptr<State>> out;
  Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    auto s = game->new_initial_state();
    const int moves = static_cast<int>(rng.below(30));
    for (int m = 0; m < moves; ++m) {
      auto next = s->clone();
      next->apply_action(next->sample_playout_action(rng));
      if (next->is_terminal()) break;
      s = std::move(next);
    }
    out.push_back(std::move(s));
  }
  return out;
}

BatchingOptions service_options(size_t cache_positions) {
  BatchingOptions o;
  o.wait_ms = 0;
  o.cache_positions = cache_positions;
  return o;
}

}  // namespace

TEST_CASE("forward cache: misses and hits equal the uncached service bit for bit", "[cache]") {
  PolicyValueNet::set_threads(1);
  auto net = std::make_shared<PolicyValueNet>(tiny_net(2), 11);
  REQUIRE(net->has_ownership());
  BatchingEvaluator plain(net, service_options(0));
  BatchingEvaluator cached(net, service_options(1024));
  std::vector<std::unique_ptr<State>> states = random_positions("go(size=7)", 12, 3);
  for (auto& s : random_positions("othello(size=6)", 6, 4)) states.push_back(std::move(s));
  for (auto& s : random_positions("connect_four", 6, 5)) states.push_back(std::move(s));
  for (const auto& s : states) {
    const Answer reference = evaluate(plain, *s);
    const Answer miss = evaluate(cached, *s);
    const Answer hit = evaluate(cached, *s);
    CHECK(same(miss, reference));
    CHECK(same(hit, reference));
  }
  const BatchingStats stats = cached.stats();
  CHECK(stats.cache_lookups == 2 * static_cast<int64_t>(states.size()));
  // Distinct random positions may repeat (the empty board); every second visit is a hit.
  CHECK(stats.cache_hits >= static_cast<int64_t>(states.size()));
  CHECK(stats.positions == stats.cache_lookups - stats.cache_hits);
  CHECK(plain.stats().cache_lookups == 0);
}

TEST_CASE("forward cache: the key is the encoded planes, not the position hash", "[cache]") {
  PolicyValueNet::set_threads(1);
  auto net = std::make_shared<PolicyValueNet>(tiny_net(2), 12);
  BatchingEvaluator plain(net, service_options(0));
  BatchingEvaluator cached(net, service_options(1024));
  // The same stones and side to move by two move orders: one State::hash, two last moves.
  auto game = make_game("go(size=5)");
  auto play = [&](const std::vector<std::string>& moves) {
    auto s = game->new_initial_state();
    for (const auto& m : moves) s->apply_action(game->string_to_action(m));
    return s;
  };
  auto first = play({"b2", "d4", "c3"});
  auto second = play({"c3", "d4", "b2"});
  REQUIRE(first->hash() == second->hash());
  std::vector<float> planes_first(encoding::kNumChannels * 25), planes_second(planes_first.size());
  encoding::encode(*first, 5, 5, planes_first.data());
  encoding::encode(*second, 5, 5, planes_second.data());
  REQUIRE(planes_first != planes_second);
  const Answer ref_first = evaluate(plain, *first), ref_second = evaluate(plain, *second);
  REQUIRE_FALSE(same(ref_first, ref_second));  // the net tells them apart, so must the cache
  CHECK(same(evaluate(cached, *first), ref_first));
  CHECK(same(evaluate(cached, *second), ref_second));
  CHECK(cached.stats().cache_hits == 0);
  CHECK(same(evaluate(cached, *second), ref_second));
  CHECK(cached.stats().cache_hits == 1);
}

TEST_CASE("forward cache: published weights make every entry a miss", "[cache]") {
  PolicyValueNet::set_threads(1);
  auto net = std::make_shared<PolicyValueNet>(tiny_net(2), 13);
  auto other = std::make_shared<PolicyValueNet>(tiny_net(2), 14);
  BatchingEvaluator cached(net, service_options(1024));
  BatchingEvaluator other_plain(other, service_options(0));
  auto states = random_positions("go(size=7)", 4, 6);
  for (const auto& s : states) evaluate(cached, *s);
  cached.publish_weights(*other);
  const int64_t hits = cached.stats().cache_hits;
  for (const auto& s : states) CHECK(same(evaluate(cached, *s), evaluate(other_plain, *s)));
  CHECK(cached.stats().cache_hits == hits);
  for (const auto& s : states) CHECK(same(evaluate(cached, *s), evaluate(other_plain, *s)));
  CHECK(cached.stats().cache_hits == hits + static_cast<int64_t>(states.size()));
}

TEST_CASE("forward cache: a full table replaces entries and stays exact", "[cache]") {
  ForwardCache cache(3);  // rounded up to 4 slots
  CHECK(cache.capacity() == 4);
  std::vector<float> planes(50, 0.0f);
  std::vector<ForwardCache::Key> keys;
  for (int i = 0; i < 64; ++i) {
    planes[i % 50] += 1.0f;
    keys.push_back(ForwardCache::key_of(planes.data(), planes.size(), 5, 10));
    const float logits[3] = {float(i), 0, 1};
    cache.insert(keys.back(), cache.generation(), logits, 3, 0.5f * i, nullptr, 0);
  }
  int found = 0;
  ForwardCache::Outputs out;
  for (int i = 0; i < 64; ++i) {
    if (!cache.lookup(keys[i], cache.generation(), &out)) continue;
    ++found;
    CHECK(out.logits[0] == float(i));  // a hit is always its own key's entry
    CHECK(out.value == 0.5f * i);
  }
  CHECK(found >= 1);
  CHECK(found <= 4);
  // The shape is part of the key.
  const auto a = ForwardCache::key_of(planes.data(), planes.size(), 5, 10);
  const auto b = ForwardCache::key_of(planes.data(), planes.size(), 10, 5);
  CHECK((a.a != b.a || a.b != b.b));
  // After a publication old entries miss, and an insert computed before it is dropped.
  const uint64_t before = cache.generation();
  const auto fresh = ForwardCache::key_of(planes.data(), planes.size(), 7, 7);
  cache.advance_generation();
  CHECK_FALSE(cache.lookup(a, cache.generation(), &out));
  const float logits[3] = {1, 2, 3};
  cache.insert(fresh, before, logits, 3, 0, nullptr, 0);
  CHECK_FALSE(cache.lookup(fresh, before, &out));
  CHECK_FALSE(cache.lookup(fresh, cache.generation(), &out));
}

TEST_CASE("forward cache: concurrent workers get the uncached answers", "[cache][threads]") {
  PolicyValueNet::set_threads(1);
  auto net = std::make_shared<PolicyValueNet>(tiny_net(2), 15);
  BatchingEvaluator plain(net, service_options(0));
  BatchingOptions options = service_options(256);
  options.expected_clients = 3;
  options.wait_ms = 1;
  BatchingEvaluator cached(net, options);
  auto states = random_positions("go(size=7)", 20, 8);
  std::vector<Answer> reference;
  for (const auto& s : states) reference.push_back(evaluate(plain, *s));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(3, 0);
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < states.size(); ++i) {
          const Answer a = evaluate(cached, *states[(i + 7 * t) % states.size()]);
          const Answer& r = reference[(i + 7 * t) % states.size()];
          // Merged forward passes of other sizes may round differently: compare closely.
          bool close = std::abs(a.value - r.value) < 1e-4f;
          for (size_t k = 0; k < r.policy.size(); ++k) {
            close = close && std::abs(a.policy[k] - r.policy[k]) < 1e-4f;
          }
          if (!close) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == std::vector<int>{0, 0, 0});
  CHECK(cached.stats().cache_hits > 0);
}
