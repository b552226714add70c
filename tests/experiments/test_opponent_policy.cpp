// The opponent-policy head (KataGo's auxiliary policy target): config, parameters, training-only
// outputs, checkpoints, the replay buffer's target and the trainer's loss.
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "agents/net/network_torch.h"
#include "envs/encoding.h"
#include "envs/registry.h"
#include "selfplay/game_record.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/train_config.h"
#include "selfplay/trainer.h"
#include "tests/experiments/net_outputs.h"
#include "tests/selfplay/net_test_helpers.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using namespace tenuki::test;
// Only REQUIRE here: LibTorch's logging (through network_torch.h) redefines CHECK.

namespace {

NetworkConfig with_head() {
  NetworkConfig c = tiny_net(2);
  c.opponent_policy_head = true;
  return c;
}

// A Go 5x5 game of random moves; each move's policy puts 0.6 on the move played and 0.4 on
// another legal action (the first one), so consecutive policies differ.
SelfPlayRecord record_of(const std::shared_ptr<const Game>& game, int moves, uint64_t seed) {
  Rng rng(seed);
  SelfPlayRecord r;
  r.game_spec = game->spec();
  auto state = game->new_initial_state();
  while (!state->is_terminal() && static_cast<int>(r.moves.size()) < moves) {
    const Action a = state->sample_playout_action(rng);
    const Action other = state->legal_actions()[0];
    r.moves.push_back(a);
    if (other == a) {
      r.policies.push_back({{a, 1.0f}});
    } else {
      r.policies.push_back({{a, 0.6f}, {other, 0.4f}});
    }
    r.full_search.push_back(1);
    state->apply_action(a);
  }
  r.result = state->is_terminal() ? state->returns()[0] : 0.0;
  return r;
}

}  // namespace

TEST_CASE("opponent policy head: config, parameters, and no effect on inference",
          "[network][opponent]") {
  const NetworkConfig c = with_head();
  nlohmann::json j = c;
  REQUIRE(j.at("opponent_policy_head") == true);
  REQUIRE(j.get<NetworkConfig>() == c);
  CHECK_FALSE(nlohmann::json(tiny_net(2)).contains("opponent_policy_head"));
  CHECK_THROWS_WITH(nlohmann::json::parse(R"({"opponent_policy_head": 1})").get<NetworkConfig>(),
                    Contains("opponent_policy_head must be true or false"));
  CHECK_THAT(c.summary(), Contains(" opp"));

  PolicyValueNet net(c, 7), plain(tiny_net(2), 7);
  const Snapshot params = parameter_snapshot(net), plain_params = parameter_snapshot(plain);
  REQUIRE(params.count("policy_opponent_out.weight") == 1);
  REQUIRE(params.count("pass_linear_opponent.weight") == 1);
  REQUIRE(plain_params.count("policy_opponent_out.weight") == 0);
  REQUIRE(params.size() == plain_params.size() + 3);  // two weights, the linear layer's bias
  // Every other tensor starts the same: the head changes nothing the search sees.
  for (const auto& [name, values] : plain_params) {
    INFO(name);
    REQUIRE(params.at(name) == values);
  }
  auto game = make_game("go(size=5)");
  auto state = game->new_initial_state();
  Rng rng(3);
  for (int i = 0; i < 6; ++i) state->apply_action(state->sample_playout_action(rng));
  const std::vector<float> input = encoding::encode(*state);
  const Outputs a = run(net, input, 1, 5, 5), b = run(plain, input, 1, 5, 5);
  REQUIRE(a.logits == b.logits);
  REQUIRE(a.values == b.values);

  // Checkpoints keep the head; the float32-winograd inference copy ignores it.
  TempDir dir;
  save_checkpoint(dir.path + "/opp.ckpt", net, CheckpointMeta{});
  auto loaded = load_checkpoint(dir.path + "/opp.ckpt");
  REQUIRE(loaded->config() == c);
  REQUIRE(parameter_snapshot(*loaded) == params);
  DeviceOptions winograd;
  winograd.dtype = NetDtype::kFloat32Winograd;
  loaded->set_device(winograd);
  plain.set_device(winograd);
  REQUIRE(run(*loaded, input, 1, 5, 5).logits == run(plain, input, 1, 5, 5).logits);

  // The module computes the reply's logits in training mode only.
  auto tensor = torch::from_blob(const_cast<float*>(input.data()),
                                 {1, encoding::kNumChannels, 5, 5}, torch::kFloat32);
  torch::NoGradGuard no_grad;
  net.impl().eval();
  CHECK_FALSE(net.impl().forward(tensor).opponent_policy_logits.defined());
  net.impl().train();
  const NetOutputs trained = net.impl().forward(tensor);
  REQUIRE(trained.opponent_policy_logits.defined());
  REQUIRE(trained.opponent_policy_logits.sizes() == trained.policy_logits.sizes());
  CHECK_FALSE(torch::equal(trained.opponent_policy_logits, trained.policy_logits));
  net.impl().eval();
}

TEST_CASE("replay buffer: the opponent-policy target is the next move's policy target",
          "[selfplay][opponent]") {
  auto game = make_game("go(size=5)");
  ReplayBuffer buffer(game, 1000);
  const SelfPlayRecord r = record_of(game, 12, 5);
  REQUIRE(r.moves.size() == 12);
  for (int s : game->symmetries()) {
    for (int move : {0, 4, 10}) {
      INFO("symmetry " << s << " move " << move);
      const TrainingBatch here = buffer.make_sample(r, move, s);
      const TrainingBatch next = buffer.make_sample(r, move + 1, s);
      REQUIRE(here.opponent_policy_weight[0] == 1.0f);
      REQUIRE(here.opponent_policy == next.policy);
      REQUIRE(here.opponent_policy != here.policy);
    }
  }
  // The last move has no reply.
  const TrainingBatch last = buffer.make_sample(r, 11, 0);
  REQUIRE(last.opponent_policy_weight[0] == 0.0f);
  for (float p : last.opponent_policy) REQUIRE(p == 0.0f);
}

TEST_CASE("trainer: the opponent-policy loss trains only where there is a reply",
          "[selfplay][opponent]") {
  auto game = make_game("go(size=5)");
  ReplayBuffer buffer(game, 1000);
  for (int g = 0; g < 4; ++g) buffer.add(record_of(game, 30, 20 + g));
  Rng rng(8);
  const TrainingBatch batch = buffer.sample(16, rng, false);
  TrainingBatch other = batch;  // other reply targets: uniform over the actions
  std::fill(other.opponent_policy.begin(), other.opponent_policy.end(),
            1.0f / static_cast<float>(batch.num_actions));
  TrainerConfig config;
  config.device = "cpu";
  auto step_with = [&](const NetworkConfig& net_config, TrainingBatch b, float weight) {
    std::fill(b.opponent_policy_weight.begin(), b.opponent_policy_weight.end(), weight);
    auto net = std::make_shared<PolicyValueNet>(net_config, 5);
    Trainer trainer(net, config);
    const TrainStepStats stats = trainer.step(b);
    return std::make_pair(parameter_snapshot(*net), stats);
  };
  const auto [none, none_stats] = step_with(with_head(), batch, 0.0f);
  const auto [none_other, none_other_stats] = step_with(with_head(), other, 0.0f);
  REQUIRE(none == none_other);
  REQUIRE(none_stats.opponent_policy_samples == 0);
  REQUIRE(none_stats.opponent_policy_loss == 0.0);
  const auto [known, known_stats] = step_with(with_head(), batch, 1.0f);
  const auto [known_other, known_other_stats] = step_with(with_head(), other, 1.0f);
  REQUIRE(known != known_other);
  REQUIRE(known_stats.opponent_policy_samples == 16);
  REQUIRE(known_stats.opponent_policy_loss > 0);
  REQUIRE(known_stats.loss ==
          Approx(none_stats.loss + 0.15 * known_stats.opponent_policy_loss).epsilon(1e-4));
  // The reply gradient reaches the shared policy features: the trunk moves differently.
  REQUIRE(known.at("stem.weight") != known_other.at("stem.weight"));
  // Without the head the weight does nothing.
  const auto [plain, plain_stats] = step_with(tiny_net(2), batch, 1.0f);
  const auto [plain_other, plain_other_stats] = step_with(tiny_net(2), other, 1.0f);
  REQUIRE(plain == plain_other);
  REQUIRE(plain_stats.opponent_policy_samples == 0);
}
