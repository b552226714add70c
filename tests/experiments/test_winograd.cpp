// The Winograd CPU net (agents/net/winograd_net.h, dtype float32-winograd) against LibTorch's
// float32 forward pass of the same parameters.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "agents/net/checkpoint.h"
#include "agents/net/net_agent.h"
#include "agents/net/network.h"
#include "agents/net/network_torch.h"
#include "envs/encoding.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "envs/util/random.h"
#include "tests/experiments/net_outputs.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using test::Outputs;
using test::run;

namespace {

NetworkConfig net_config(int blocks, int channels, int head_channels, int value_hidden) {
  NetworkConfig c;
  c.blocks = blocks;
  c.channels = channels;
  c.head_channels = head_channels;
  c.value_hidden = value_hidden;
  return c;
}

// Batch-norm statistics and affine parameters away from their initial 0/1, so that folding them
// is tested.
void randomize_batch_norms(PolicyValueNet& net, uint64_t seed) {
  torch::NoGradGuard no_grad;
  Rng rng(seed);
  auto fill = [&](torch::Tensor& t, double low, double high) {
    auto values = t.clone();
    auto* p = values.data_ptr<float>();
    for (int64_t i = 0; i < values.numel(); ++i) {
      p[i] = static_cast<float>(low + (high - low) * rng.uniform());
    }
    t.copy_(values);
  };
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (auto& item : net.impl().named_parameters(true)) {
    if (ends_with(item.key(), ".gamma")) fill(item.value(), 0.5, 1.5);
    if (ends_with(item.key(), ".beta")) fill(item.value(), -0.3, 0.3);
  }
  for (auto& item : net.impl().named_buffers(true)) {
    if (ends_with(item.key(), ".running_mean")) fill(item.value(), -0.5, 0.5);
    if (ends_with(item.key(), ".running_var")) fill(item.value(), 0.5, 2.0);
  }
}

void copy_parameters(const PolicyValueNet& from, PolicyValueNet& to) {
  torch::NoGradGuard no_grad;
  auto& src = const_cast<PolicyValueNetImpl&>(from.impl());
  auto params = src.named_parameters(true);
  auto buffers = src.named_buffers(true);
  for (auto& item : to.impl().named_parameters(true)) item.value().copy_(params[item.key()]);
  for (auto& item : to.impl().named_buffers(true)) item.value().copy_(buffers[item.key()]);
}

// Planes of `batch` random positions of `spec` encoded into height x width.
std::vector<float> random_batch(const std::string& spec, int batch, int height, int width,
                                uint64_t seed) {
  auto game = make_game(spec);
  Rng rng(seed);
  const size_t size = static_cast<size_t>(encoding::kNumChannels) * height * width;
  std::vector<float> planes(batch * size);
  for (int b = 0; b < batch; ++b) {
    auto state = game->new_initial_state();
    const int moves = 3 + 5 * b;
    for (int i = 0; i < moves && !state->is_terminal(); ++i) {
      state->apply_action(state->sample_playout_action(rng));
    }
    encoding::encode(*state, height, width, planes.data() + b * size);
  }
  return planes;
}

void require_close(const Outputs& got, const Outputs& want) {
  REQUIRE(got.logits.size() == want.logits.size());
  for (size_t i = 0; i < want.logits.size(); ++i) {
    if (want.logits[i] == kOffBoardLogit) {
      REQUIRE(got.logits[i] == kOffBoardLogit);
    } else {
      REQUIRE(got.logits[i] == Approx(want.logits[i]).margin(2e-4));
    }
  }
  for (size_t i = 0; i < want.values.size(); ++i) {
    REQUIRE(got.values[i] == Approx(want.values[i]).margin(1e-4));
  }
  for (size_t i = 0; i < want.ownership.size(); ++i) {
    REQUIRE(got.ownership[i] == Approx(want.ownership[i]).margin(1e-4));
  }
}

}  // namespace

TEST_CASE("float32-winograd gives LibTorch's float32 outputs", "[network]") {
  NetworkConfig pooled = net_config(3, 16, 8, 12);
  pooled.global_pool_every = 2;
  NetworkConfig plain = net_config(3, 12, 6, 12);
  plain.global_pool_every = 0;
  plain.ownership_head = false;
  struct Case {
    std::string spec;
    int batch, height, width;  // the tensor; the game's board may be smaller (padding)
  };
  const std::vector<Case> cases = {{"go(size=9)", 3, 9, 9},     {"go(size=7)", 1, 7, 7},
                                   {"go(size=19)", 2, 19, 19},  {"connect_four", 2, 6, 7},
                                   {"hex(size=11)", 2, 11, 11}, {"go(size=5)", 2, 9, 9},
                                   {"tictactoe", 1, 3, 3},      {"othello(size=6)", 4, 8, 8}};
  for (const NetworkConfig& config : {pooled, plain}) {
    PolicyValueNet reference(config, 17);
    randomize_batch_norms(reference, 3);
    DeviceOptions winograd_options;
    winograd_options.dtype = NetDtype::kFloat32Winograd;
    PolicyValueNet winograd(config, 99, winograd_options);  // other weights until copied
    copy_parameters(reference, winograd);
    for (const Case& c : cases) {
      INFO(config.summary() << " " << c.spec << " in " << c.height << "x" << c.width << " batch "
                            << c.batch);
      const auto planes = random_batch(c.spec, c.batch, c.height, c.width, 5);
      require_close(run(winograd, planes, c.batch, c.height, c.width),
                    run(reference, planes, c.batch, c.height, c.width));
    }
  }
}

TEST_CASE("float32-winograd follows parameter changes and training mode", "[network]") {
  const NetworkConfig config = net_config(2, 8, 4, 8);
  DeviceOptions winograd_options;
  winograd_options.dtype = NetDtype::kFloat32Winograd;
  PolicyValueNet reference(config, 1), winograd(config, 2, winograd_options);
  const auto planes = random_batch("go(size=9)", 2, 9, 9, 8);
  const Outputs before = run(winograd, planes, 2, 9, 9);
  // A copy into the parameters (as publish_weights and checkpoint loads do) is seen at once.
  copy_parameters(reference, winograd);
  const Outputs after = run(winograd, planes, 2, 9, 9);
  REQUIRE(after.values != before.values);
  require_close(after, run(reference, planes, 2, 9, 9));
  // In training mode (batch statistics) the LibTorch path runs: equal to the float32 net's.
  reference.train();
  winograd.train();
  const Outputs trained_ref = run(reference, planes, 2, 9, 9);
  const Outputs trained = run(winograd, planes, 2, 9, 9);
  REQUIRE(trained.values == trained_ref.values);
  REQUIRE(trained.logits == trained_ref.logits);
}

TEST_CASE("float32-winograd: names and devices", "[network]") {
  REQUIRE(parse_net_dtype("float32-winograd") == NetDtype::kFloat32Winograd);
  REQUIRE(parse_net_dtype("winograd") == NetDtype::kFloat32Winograd);
  REQUIRE(net_dtype_name(NetDtype::kFloat32Winograd) == "float32-winograd");
  REQUIRE_THROWS_WITH(parse_net_dtype("wino"), Contains("float32-winograd"));
}

TEST_CASE("net(dtype=float32-winograd) loads a checkpoint and evaluates like float32",
          "[network]") {
  test::TempDir dir;
  PolicyValueNet net(net_config(2, 16, 8, 16), 23);
  randomize_batch_norms(net, 4);
  const std::string path = dir.path + "/net.tnk";
  save_checkpoint(path, net, CheckpointMeta{});
  auto load = [&](const std::string& dtype) {
    Spec spec = Spec::parse("net(model=\"" + path + "\",dtype=" + dtype + ")");
    auto evaluator = load_net_evaluator(spec);
    spec.check_all_used();
    return evaluator;
  };
  auto winograd = load("float32-winograd"), reference = load("float32");
  auto game = make_game("go(size=9)");
  Rng rng(6);
  std::vector<std::unique_ptr<State>> states;
  for (int i = 0; i < 5; ++i) {
    states.push_back(game->new_initial_state());
    for (int k = 0; k < 7 * i && !states.back()->is_terminal(); ++k) {
      states.back()->apply_action(states.back()->sample_playout_action(rng));
    }
  }
  auto bw = winograd->new_batch(), br = reference->new_batch();
  for (const auto& state : states) {
    bw->add(*state);
    br->add(*state);
  }
  bw->compute();
  br->compute();
  for (int i = 0; i < 5; ++i) {
    REQUIRE(bw->value(i) == Approx(br->value(i)).margin(1e-4));
    for (Action a = 0; a < 82; ++a)
      REQUIRE(bw->policy(i)[a] == Approx(br->policy(i)[a]).margin(1e-5));
  }
}
