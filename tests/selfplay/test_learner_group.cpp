// Data-parallel learners (selfplay/distributed/learner_group.h): ranks are threads of this
// process on 127.0.0.1, with the real c10d TCPStore and Gloo.
#include <netinet/in.h>
#include <sys/socket.h>
#include <torch/torch.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "agents/net/network_torch.h"
#include "envs/encoding.h"
#include "envs/util/input_error.h"
#include "selfplay/distributed/learner_group.h"
#include "selfplay/trainer.h"
#include "tests/selfplay/net_test_helpers.h"
#include "tests/support/free_port.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using tenuki::test::free_port;

namespace {

// A TCP port nothing listens on now (the kernel's pick for port 0).

LaunchEnv rank_env(int rank, int world, int port) {
  LaunchEnv env;
  env.distributed = true;
  env.launcher = "torchrun";
  env.rank = rank;
  env.world_size = world;
  env.master_addr = "127.0.0.1";
  env.master_port = port;
  return env;
}

LearnerGroupOptions options(const std::string& token, int timeout_ms = 20000) {
  LearnerGroupOptions o;
  o.run_token = token;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  return o;
}

// Runs body(rank) on `world` threads; rethrows the first exception.
void on_ranks(int world, const std::function<void(int)>& body) {
  std::vector<std::exception_ptr> errors(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      try {
        body(r);
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// A deterministic Go 5x5 batch of `n` positions: 0/1 planes, softmax policy targets, +-1 values.
TrainingBatch make_batch(int n, uint64_t seed) {
  torch::manual_seed(seed);
  TrainingBatch b;
  b.size = n;
  b.rows = b.cols = 5;
  b.num_actions = 26;
  auto planes = torch::randint(0, 2, {n, encoding::kNumChannels, 5, 5}).to(torch::kFloat32);
  auto policy = torch::softmax(torch::randn({n, 26}), 1);
  auto value = torch::randint(0, 2, {n}).to(torch::kFloat32) * 2 - 1;
  b.planes.assign(planes.data_ptr<float>(), planes.data_ptr<float>() + planes.numel());
  b.policy.assign(policy.data_ptr<float>(), policy.data_ptr<float>() + policy.numel());
  b.value.assign(value.data_ptr<float>(), value.data_ptr<float>() + value.numel());
  b.ownership.assign(static_cast<size_t>(n) * 25, 0.0f);
  b.symmetries.assign(n, 0);
  return b;
}

// Positions [from, from + n) of `b`.
TrainingBatch slice(const TrainingBatch& b, int from, int n) {
  TrainingBatch s = b;
  s.size = n;
  const size_t plane = encoding::kNumChannels * 25;
  s.planes.assign(b.planes.begin() + from * plane, b.planes.begin() + (from + n) * plane);
  s.policy.assign(b.policy.begin() + from * 26, b.policy.begin() + (from + n) * 26);
  s.value.assign(b.value.begin() + from, b.value.begin() + from + n);
  s.ownership.assign(b.ownership.begin() + from * 25, b.ownership.begin() + (from + n) * 25);
  s.symmetries.assign(n, 0);
  return s;
}

// The trainer's policy and value loss on `b` with batch norm in eval mode, backpropagated.
void backward_eval_mode(PolicyValueNet& net, const TrainingBatch& b) {
  PolicyValueNetImpl& module = net.impl();
  module.eval();
  module.zero_grad();
  auto input = torch::from_blob(const_cast<float*>(b.planes.data()),
                                {b.size, encoding::kNumChannels, 5, 5}, torch::kFloat32);
  auto policy = torch::from_blob(const_cast<float*>(b.policy.data()), {b.size, 26});
  auto value = torch::from_blob(const_cast<float*>(b.value.data()), {b.size});
  NetOutputs out = module.forward(input);
  auto loss = -(policy * torch::log_softmax(out.policy_logits, 1)).sum(1).mean() +
              (out.value - value).square().mean();
  loss.backward();
}

std::vector<torch::Tensor> gradients(PolicyValueNet& net) {
  std::vector<torch::Tensor> g;
  for (auto& p : net.impl().parameters(true)) {
    if (p.grad().defined()) g.push_back(p.grad().clone());
  }
  return g;
}

}  // namespace

TEST_CASE("two learner ranks with half a batch each average to one rank's gradients",
          "[distributed]") {
  const TrainingBatch batch = make_batch(32, 7);
  PolicyValueNet whole(test::tiny_net(), 3);
  backward_eval_mode(whole, batch);
  const std::vector<torch::Tensor> expected = gradients(whole);
  REQUIRE(expected.size() > 10);

  const int port = free_port();
  std::vector<std::vector<torch::Tensor>> got(2);
  std::vector<int64_t> bytes(2);
  on_ranks(2, [&](int rank) {
    // Rank 1 starts from other weights: the broadcast makes them rank 0's.
    PolicyValueNet net(test::tiny_net(), rank == 0 ? 3 : 99);
    LearnerGroup group(rank_env(rank, 2, port), options("run-a"));
    group.broadcast_from_rank0(net);
    backward_eval_mode(net, slice(batch, rank * 16, 16));
    group.average_gradients(net);
    got[rank] = gradients(net);
    bytes[rank] = group.last_all_reduce_bytes();
  });
  for (int rank = 0; rank < 2; ++rank) {
    REQUIRE(got[rank].size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      const double error = (got[rank][i] - expected[i]).abs().max().item<double>();
      const double scale = expected[i].abs().max().item<double>();
      INFO("rank " << rank << " gradient " << i);
      CHECK(error <= 1e-5 * std::max(scale, 1e-3));
    }
  }
  int64_t parameters = 0;
  for (const auto& g : expected) parameters += g.numel();
  CHECK(bytes[0] == 4 * parameters);  // one float32 buffer of every gradient
}

TEST_CASE("learner ranks training on their own halves keep bit-identical weights",
          "[distributed]") {
  const int port = free_port();
  std::vector<std::vector<torch::Tensor>> weights(2);
  on_ranks(2, [&](int rank) {
    auto net = std::make_shared<PolicyValueNet>(test::tiny_net(), 5 + rank);
    LearnerGroup group(rank_env(rank, 2, port), options("run-b"));
    group.broadcast_from_rank0(*net);
    TrainerConfig config;
    config.device = "cpu";
    Trainer trainer(net, config);
    trainer.set_after_backward([&](PolicyValueNet& n) { group.average_gradients(n); });
    for (int step = 0; step < 4; ++step) trainer.step(make_batch(16, 100 * step + rank));
    CHECK(group.all_reduces() == 4);
    for (auto& p : net->impl().parameters(true)) weights[rank].push_back(p.detach().clone());
  });
  REQUIRE(weights[0].size() == weights[1].size());
  PolicyValueNet start(test::tiny_net(), 5);
  bool moved = false;
  auto initial = start.impl().parameters(true);
  for (size_t i = 0; i < weights[0].size(); ++i) {
    INFO("parameter " << i);
    CHECK(torch::equal(weights[0][i], weights[1][i]));
    moved = moved || !torch::equal(weights[0][i], initial[i]);
  }
  CHECK(moved);
}

TEST_CASE("a learner of another run, a taken port, no rendezvous and a dead rank fail in time",
          "[distributed]") {
  // Another run's token: both sides say so.
  {
    const int port = free_port();
    std::vector<std::string> messages(2);
    on_ranks(2, [&](int rank) {
      try {
        LearnerGroup group(rank_env(rank, 2, port), options(rank == 0 ? "run-c" : "run-x"));
      } catch (const InputError& e) {
        messages[rank] = e.what();
      }
    });
    CHECK_THAT(messages[0], Contains("refused rank 1 belongs to another run"));
    CHECK_THAT(messages[1], Contains("belongs to another run"));
  }
  // A port in use by a running rank 0.
  {
    const int port = free_port();
    LearnerGroup first(rank_env(0, 1, port), options("run-d"));
    CHECK_THROWS_WITH(LearnerGroup(rank_env(0, 1, port), options("run-d")),
                      Contains("cannot serve the rendezvous on port " + std::to_string(port)));
  }
  // Nobody serves the rendezvous.
  {
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(LearnerGroup(rank_env(1, 2, free_port()), options("run-e", 1500)),
                      Contains("learner rank 1 of 2"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  }
  // A rank that leaves: the other's all-reduce fails within the timeout plus a margin.
  {
    const int port = free_port();
    std::string message;
    const auto start = std::chrono::steady_clock::now();
    on_ranks(2, [&](int rank) {
      PolicyValueNet net(test::tiny_net(), 1);
      LearnerGroup group(rank_env(rank, 2, port), options("run-f", 2000));
      if (rank == 1) return;  // gone before the first step
      backward_eval_mode(net, make_batch(4, 1));
      try {
        group.average_gradients(net);
      } catch (const std::runtime_error& e) {
        message = e.what();
      }
    });
    CHECK_THAT(message, Contains("gradient all-reduce failed"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(15));
  }
}
