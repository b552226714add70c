#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "agents/match.h"
#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "agents/net/policy_agent.h"
#include "agents/net/torch_evaluator.h"
#include "envs/encoding.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "experiments/cli/bench_net.h"
#include "experiments/cli/cli.h"
#include "tests/experiments/net_outputs.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using test::Outputs;
using test::run;

namespace {

NetworkConfig small_config() {
  NetworkConfig c;
  c.blocks = 2;
  c.channels = 16;
  c.global_pool_every = 1;  // every block pools, so pooling is exercised everywhere
  c.head_channels = 8;
  c.value_hidden = 16;
  return c;
}

// A state of `spec` after `moves` random legal moves (stops early at a terminal state).
std::unique_ptr<State> random_state(const std::string& spec, int moves, uint64_t seed) {
  auto game = make_game(spec);
  auto state = game->new_initial_state();
  Rng rng(seed);
  for (int i = 0; i < moves && !state->is_terminal(); ++i) {
    state->apply_action(state->sample_playout_action(rng));
  }
  return state;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("network: config JSON round trip, unknown keys and ranges", "[network]") {
  NetworkConfig c = small_config();
  nlohmann::json j = c;
  REQUIRE(j.get<NetworkConfig>() == c);
  REQUIRE_THROWS_WITH(nlohmann::json::parse(R"({"blocks": 3, "chanels": 8})").get<NetworkConfig>(),
                      Contains("unknown key 'chanels'"));
  REQUIRE_THROWS_WITH(nlohmann::json::parse(R"({"channels": 2})").get<NetworkConfig>(),
                      Contains("channels=2 is outside"));
  REQUIRE_THROWS_WITH(nlohmann::json::parse(R"({"blocks": "six"})").get<NetworkConfig>(),
                      Contains("blocks must be an integer"));
  NetworkConfig partial = nlohmann::json::parse(R"({"blocks": 3})").get<NetworkConfig>();
  REQUIRE(partial.blocks == 3);
  REQUIRE(partial.channels == NetworkConfig{}.channels);
}

TEST_CASE("network: forward shapes on 9x9 and 7x7 with the same weights", "[network]") {
  PolicyValueNet net(small_config(), 11);
  REQUIRE(net.parameter_count() > 1000);
  for (int size : {9, 7}) {
    auto state = random_state("go(size=" + std::to_string(size) + ")", 10, 3);
    auto input = encoding::encode(*state);
    Outputs o = run(net, input, 1, size, size);
    REQUIRE(o.logits.size() == static_cast<size_t>(size * size + 1));
    float min_logit = 1e9f, max_logit = -1e9f;
    for (float x : o.logits) {
      REQUIRE(std::isfinite(x));
      min_logit = std::min(min_logit, x);
      max_logit = std::max(max_logit, x);
    }
    REQUIRE(max_logit - min_logit > 1e-3f);  // not a constant output
    REQUIRE(std::abs(o.values[0]) <= 1.0f);
    for (float x : o.ownership) REQUIRE(std::abs(x) <= 1.0f);
  }
}

TEST_CASE("network: same seed, same weights, and another seed, other weights", "[network]") {
  auto state = random_state("go(size=9)", 6, 1);
  auto input = encoding::encode(*state);
  PolicyValueNet a(small_config(), 5), b(small_config(), 5), c(small_config(), 6);
  Outputs oa = run(a, input, 1, 9, 9), ob = run(b, input, 1, 9, 9), oc = run(c, input, 1, 9, 9);
  REQUIRE(oa.logits == ob.logits);
  REQUIRE(oa.values == ob.values);
  REQUIRE(oa.logits != oc.logits);
}

TEST_CASE("network: a 5x5 board padded into 9x9 gives the unpadded outputs", "[network]") {
  auto state = random_state("go(size=5)", 7, 9);
  std::vector<float> small(encoding::kNumChannels * 25), padded(encoding::kNumChannels * 81);
  encoding::encode(*state, 5, 5, small.data());
  encoding::encode(*state, 9, 9, padded.data());
  PolicyValueNet net(small_config(), 21);
  auto compare = [&](const Outputs& s, const Outputs& p) {
    for (int r = 0; r < 9; ++r) {
      for (int c = 0; c < 9; ++c) {
        if (r < 5 && c < 5) {
          REQUIRE(p.logits[r * 9 + c] == Approx(s.logits[r * 5 + c]).margin(1e-4));
          REQUIRE(p.ownership[r * 9 + c] == Approx(s.ownership[r * 5 + c]).margin(1e-5));
        } else {
          REQUIRE(p.logits[r * 9 + c] == kOffBoardLogit);
          REQUIRE(p.ownership[r * 9 + c] == 0.0f);
        }
      }
    }
    REQUIRE(p.logits[81] == Approx(s.logits[25]).margin(1e-4));  // pass
    REQUIRE(p.values[0] == Approx(s.values[0]).margin(1e-5));
  };
  SECTION("eval mode") { compare(run(net, small, 1, 5, 5), run(net, padded, 1, 9, 9)); }
  SECTION("training mode (masked batch statistics)") {
    net.train();
    Outputs s = run(net, small, 1, 5, 5);
    Outputs p = run(net, padded, 1, 9, 9);
    compare(s, p);
  }
  SECTION("the padding is not ignored trivially: different boards differ") {
    auto other = random_state("go(size=5)", 8, 10);
    std::vector<float> other_small(encoding::kNumChannels * 25);
    encoding::encode(*other, 5, 5, other_small.data());
    REQUIRE(run(net, other_small, 1, 5, 5).values[0] != run(net, small, 1, 5, 5).values[0]);
  }
}

TEST_CASE("torch evaluator: batched results equal one-at-a-time results", "[network]") {
  auto net = std::make_shared<PolicyValueNet>(small_config(), 31);
  auto evaluator = make_torch_evaluator(net, TorchEvaluatorOptions{4});
  REQUIRE(evaluator->attributes().has_ownership);
  REQUIRE(evaluator->attributes().max_batch == 4);
  std::vector<std::unique_ptr<State>> states;
  for (int i = 0; i < 7; ++i) states.push_back(random_state("go(size=9)", 3 * i, 100 + i));
  states.push_back(random_state("go(size=5)", 4, 7));
  states.push_back(random_state("othello(size=6)", 5, 8));
  states.push_back(random_state("go(size=9)", 40, 9));

  auto batch = evaluator->new_batch();
  for (const auto& s : states) batch->add(*s);
  REQUIRE(batch->size() == static_cast<int>(states.size()));
  batch->compute();
  for (size_t i = 0; i < states.size(); ++i) {
    const State& s = *states[i];
    auto one = evaluator->new_batch();
    one->add(s);
    one->compute();
    const int idx = static_cast<int>(i);
    REQUIRE(batch->value(idx) == Approx(one->value(0)).margin(1e-5));
    double sum = 0;
    for (Action a = 0; a < s.game().num_actions(); ++a) {
      REQUIRE(batch->policy(idx)[a] == Approx(one->policy(0)[a]).margin(1e-5));
      if (!s.is_legal(a)) REQUIRE(batch->policy(idx)[a] == 0.0f);
      sum += batch->policy(idx)[a];
    }
    REQUIRE(sum == Approx(1.0).margin(1e-5));
    for (int c = 0; c < s.game().num_cells(); ++c) {
      REQUIRE(batch->ownership(idx)[c] == Approx(one->ownership(0)[c]).margin(1e-5));
    }
  }
}

TEST_CASE("checkpoint: round trip keeps outputs and metadata", "[network][checkpoint]") {
  test::TempDir dir;
  PolicyValueNet net(small_config(), 41);
  CheckpointMeta meta;
  meta.game_spec = "go(size=9)";
  meta.training_step = 1234;
  meta.parent = "runs/a/step1000.tnk";
  meta.derivation = "transfer from othello(size=8)";
  const std::string path = dir.path + "/net.tnk";
  save_checkpoint(path, net, meta);
  REQUIRE(std::filesystem::exists(path));
  // No temporary file is left behind.
  REQUIRE(std::distance(std::filesystem::directory_iterator(dir.path),
                        std::filesystem::directory_iterator()) == 1);

  CheckpointMeta header = read_checkpoint_meta(path);
  REQUIRE(header.config == small_config());
  REQUIRE(header.training_step == 1234);
  REQUIRE(header.encoding_schema == encoding::kSchemaName);
  REQUIRE(header.encoding_version == encoding::kSchemaVersion);
  REQUIRE(!header.created_at.empty());

  CheckpointMeta loaded_meta;
  auto loaded = load_checkpoint(path, {}, &loaded_meta);
  REQUIRE(loaded_meta.derivation == "transfer from othello(size=8)");
  REQUIRE(loaded_meta.parent == "runs/a/step1000.tnk");
  REQUIRE(loaded_meta.game_spec == "go(size=9)");
  auto state = random_state("go(size=9)", 12, 2);
  auto input = encoding::encode(*state);
  Outputs a = run(net, input, 1, 9, 9), b = run(*loaded, input, 1, 9, 9);
  REQUIRE(a.logits == b.logits);
  REQUIRE(a.values == b.values);
  REQUIRE(a.ownership == b.ownership);

  // Loading into an existing net of the same architecture gives the same outputs too.
  PolicyValueNet other(small_config(), 99);
  load_checkpoint_into(path, other);
  REQUIRE(run(other, input, 1, 9, 9).logits == a.logits);
}

TEST_CASE("checkpoint: tenuki net-average writes a net that loads and averages outputs",
          "[network][checkpoint]") {
  test::TempDir dir;
  PolicyValueNet a(small_config(), 61), b(small_config(), 62);
  const std::string pa = dir.path + "/a.ckpt", pb = dir.path + "/b.ckpt";
  save_checkpoint(pa, a, CheckpointMeta{});
  save_checkpoint(pb, b, CheckpointMeta{});
  auto state = random_state("go(size=9)", 12, 3);
  auto input = encoding::encode(*state);
  const Outputs outputs_a = run(a, input, 1, 9, 9);

  // The mean of a net with itself is that net, bit for bit, through the CLI and load_checkpoint.
  const std::string self = dir.path + "/self.ckpt";
  std::ostringstream out, err;
  REQUIRE(run_cli({"net-average", pa, pa, "--out", self}, out, err) == 0);
  REQUIRE_THAT(out.str(), Contains("the mean of 2 checkpoints"));
  CheckpointMeta meta;
  auto loaded = load_checkpoint(self, {}, &meta);
  REQUIRE(meta.derivation == "average of 2 checkpoints");
  const Outputs outputs_self = run(*loaded, input, 1, 9, 9);
  REQUIRE(outputs_self.logits == outputs_a.logits);
  REQUIRE(outputs_self.values == outputs_a.values);

  // Two different nets give a third one.
  const std::string mixed = dir.path + "/mixed.ckpt";
  REQUIRE(run_cli({"net-average", pa, pb, "--out", mixed}, out, err) == 0);
  REQUIRE(run(*load_checkpoint(mixed), input, 1, 9, 9).logits != outputs_a.logits);

  // A net of another size is refused with a message, and nothing is written.
  NetworkConfig bigger = small_config();
  bigger.channels *= 2;
  const std::string pc = dir.path + "/c.ckpt", refused = dir.path + "/refused.ckpt";
  save_checkpoint(pc, PolicyValueNet(bigger, 63), CheckpointMeta{});
  std::ostringstream out2, err2;
  REQUIRE(run_cli({"net-average", pa, pc, "--out", refused}, out2, err2) != 0);
  REQUIRE_THAT(err2.str(), Contains(pc) && Contains("a different network"));
  REQUIRE(!std::filesystem::exists(refused));
  REQUIRE(run_cli({"net-average", pa, "--out", refused}, out2, err2) != 0);
}

TEST_CASE("checkpoint: damaged files give CheckpointError naming the problem",
          "[network][checkpoint]") {
  test::TempDir dir;
  PolicyValueNet net(small_config(), 51);
  const std::string good = dir.path + "/good.tnk";
  save_checkpoint(good, net, CheckpointMeta{});
  const std::vector<uint8_t> bytes = read_bytes(good);
  REQUIRE(bytes.size() > 1000);
  const std::string bad = dir.path + "/bad.tnk";

  SECTION("truncated") {
    write_bytes(bad, std::vector<uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
    REQUIRE_THROWS_AS(load_checkpoint(bad), CheckpointError);
    REQUIRE_THROWS_WITH(load_checkpoint(bad), Contains("truncated") && Contains(bad));
    REQUIRE_THROWS_AS(read_checkpoint_meta(bad), CheckpointError);
  }
  SECTION("truncated inside the header") {
    write_bytes(bad, std::vector<uint8_t>(bytes.begin(), bytes.begin() + 10));
    REQUIRE_THROWS_AS(load_checkpoint(bad), CheckpointError);
    write_bytes(bad, {});
    REQUIRE_THROWS_WITH(load_checkpoint(bad), Contains("too short"));
  }
  SECTION("a flipped byte in the weights") {
    auto copy = bytes;
    copy[copy.size() - 100] ^= 0x10;
    write_bytes(bad, copy);
    REQUIRE_THROWS_AS(load_checkpoint(bad), CheckpointError);
    REQUIRE_THROWS_WITH(load_checkpoint(bad), Contains("checksum mismatch") && Contains(bad));
  }
  SECTION("a flipped byte in the metadata length") {
    auto copy = bytes;
    copy[20 + 5] ^= 0x40;  // high byte of the metadata length: a huge claimed size
    write_bytes(bad, copy);
    REQUIRE_THROWS_AS(load_checkpoint(bad), CheckpointError);
    REQUIRE_THROWS_WITH(read_checkpoint_meta(bad), Contains("does not fit"));
  }
  SECTION("wrong magic") {
    auto copy = bytes;
    copy[0] = 'X';
    write_bytes(bad, copy);
    REQUIRE_THROWS_WITH(load_checkpoint(bad), Contains("wrong magic"));
  }
  SECTION("unknown format version") {
    auto copy = bytes;
    copy[8] = 7;
    write_bytes(bad, copy);
    REQUIRE_THROWS_WITH(load_checkpoint(bad), Contains("unsupported format version 7"));
  }
  SECTION("missing file") {
    REQUIRE_THROWS_WITH(load_checkpoint(dir.path + "/nope.tnk"), Contains("cannot open"));
  }
  SECTION("architecture mismatch") {
    NetworkConfig bigger = small_config();
    bigger.channels = 24;
    PolicyValueNet other(bigger, 1);
    REQUIRE_THROWS_AS(load_checkpoint_into(good, other), CheckpointError);
    REQUIRE_THROWS_WITH(load_checkpoint_into(good, other),
                        Contains("architecture mismatch") && Contains("2x16") && Contains("2x24"));
  }
  SECTION("encoding mismatch") {
    CheckpointMeta meta;
    meta.encoding_schema = encoding::kSchemaName;
    meta.encoding_version = encoding::kSchemaVersion + 1;
    save_checkpoint(bad, net, meta);
    REQUIRE_THROWS_WITH(load_checkpoint(bad), Contains("encoding mismatch"));
  }
}

TEST_CASE("network: bfloat16 outputs are close to float32", "[network]") {
  auto net32 = std::make_shared<PolicyValueNet>(small_config(), 61);
  DeviceOptions bf16;
  bf16.dtype = NetDtype::kBFloat16;
  auto net16 = std::make_shared<PolicyValueNet>(small_config(), 61, bf16);
  REQUIRE(net16->dtype() == NetDtype::kBFloat16);
  auto e32 = make_torch_evaluator(net32), e16 = make_torch_evaluator(net16);
  auto b32 = e32->new_batch(), b16 = e16->new_batch();
  std::vector<std::unique_ptr<State>> states;
  for (int i = 0; i < 4; ++i) states.push_back(random_state("go(size=9)", 8 * i, 70 + i));
  for (const auto& s : states) {
    b32->add(*s);
    b16->add(*s);
  }
  b32->compute();
  b16->compute();
  for (int i = 0; i < 4; ++i) {
    REQUIRE(b16->value(i) == Approx(b32->value(i)).margin(0.03));
    for (Action a = 0; a < 82; ++a) {
      REQUIRE(b16->policy(i)[a] == Approx(b32->policy(i)[a]).margin(0.01));
    }
  }
  DeviceOptions half;
  half.dtype = NetDtype::kHalf;
  REQUIRE_THROWS_WITH(PolicyValueNet(small_config(), 1, half), Contains("half is not supported"));
}

TEST_CASE("policy agent: greedy plays the evaluator's most probable legal move", "[network]") {
  test::TempDir dir;
  auto net = std::make_shared<PolicyValueNet>(small_config(), 71);
  const std::string path = dir.path + "/agent.tnk";
  save_checkpoint(path, *net, CheckpointMeta{});
  auto game = make_game("go(size=7)");
  Spec spec = Spec::parse("policy(model=\"" + path + "\")");
  auto agent = make_policy_agent(spec, *game, 1);
  spec.check_all_used();
  auto evaluator = make_torch_evaluator(net);
  auto state = game->new_initial_state();
  for (int move = 0; move < 6 && !state->is_terminal(); ++move) {
    auto batch = evaluator->new_batch();
    batch->add(*state);
    batch->compute();
    Action best = 0;
    for (Action a = 0; a < game->num_actions(); ++a) {
      if (batch->policy(0)[a] > batch->policy(0)[best]) best = a;
    }
    Action chosen = agent->select_action(*state);
    REQUIRE(chosen == best);
    state->apply_action(chosen);
  }
  REQUIRE_THROWS_AS(make_policy_agent(Spec::parse("policy"), *game, 1), SpecError);
  auto hot =
      make_policy_agent(Spec::parse("policy(model=\"" + path + "\",temperature=1)"), *game, 2);
  auto fresh = game->new_initial_state();
  for (int i = 0; i < 5; ++i) REQUIRE(fresh->is_legal(hot->select_action(*fresh)));
}

TEST_CASE("leela zero weights: line layout of a version-1 file", "[network]") {
  test::TempDir dir;
  const std::string path = dir.path + "/lz.txt";
  write_leela_zero_weights(path, 2, 8, 1);
  std::ifstream in(path);
  std::vector<size_t> counts;
  std::string line;
  while (std::getline(in, line)) {
    size_t n = 0;
    std::istringstream ss(line);
    std::string tok;
    while (ss >> tok) ++n;
    counts.push_back(n);
  }
  REQUIRE(counts.size() == 1 + 4 + 8 * 2 + 14);
  REQUIRE(counts[0] == 1);
  REQUIRE(counts[1] == 8 * 18 * 9);
  REQUIRE(counts[2] == 8);
  REQUIRE(counts[5] == 8 * 8 * 9);
  const size_t head = 1 + 4 + 16;
  REQUIRE(counts[head] == 2 * 8);          // policy conv
  REQUIRE(counts[head + 4] == 362 * 722);  // policy FC
  REQUIRE(counts[head + 5] == 362);
  REQUIRE(counts[head + 6] == 8);           // value conv
  REQUIRE(counts[head + 10] == 256 * 361);  // value FC1
  REQUIRE(counts[head + 13] == 1);
}

TEST_CASE("net agent: a fresh checkpoint plays legal games through MCTS", "[mcts][net]") {
  const std::string path = "test_net_agent.ckpt";
  auto game = make_game("go(size=5)");
  {
    std::ostringstream out, err;
    REQUIRE(run_cli({"net-init", path, "--game", "go(size=5)", "--blocks", "1", "--channels", "16"},
                    out, err) == 0);
  }
  auto net = make_agent("net(model=" + path + ",visits=16,leaves_per_batch=4)", *game, 1);
  auto policy = make_agent("policy(model=" + path + ",temperature=1)", *game, 2);
  auto summary = play_match(*game, {net.get(), policy.get()}, 2, nullptr);
  REQUIRE(summary.games == 2);
  REQUIRE_THROWS_WITH(make_agent("net(visits=5)", *game, 1),
                      Catch::Matchers::Contains("model=PATH"));
  REQUIRE_THROWS_AS(make_agent("net(model=/nonexistent.ckpt)", *game, 1), std::runtime_error);
  std::remove(path.c_str());
}

TEST_CASE("net agent: a Go net and the game it plays must agree on the ladder plane", "[net]") {
  const std::string ladders_path = "test_net_ladders.ckpt", plain_path = "test_net_plain.ckpt";
  for (const auto& [path, spec] :
       {std::pair<std::string, std::string>{ladders_path, "go(size=5,ladders=true)"},
        {plain_path, "go(size=5)"}}) {
    std::ostringstream out, err;
    REQUIRE(run_cli({"net-init", path, "--game", spec, "--blocks", "1", "--channels", "8"}, out,
                    err) == 0);
  }
  const std::string ladders_net = "net(model=" + ladders_path + ",visits=4)";
  const std::string plain_net = "net(model=" + plain_path + ",visits=4)";
  auto ladders_game = make_game("go(size=5,komi=0.5,ladders=true)");
  auto plain_game = make_game("go(size=5)");
  // Other options with the same planes, and another family (deliberate cross-game play), are fine.
  REQUIRE_NOTHROW(make_agent(ladders_net, *ladders_game, 1));
  REQUIRE_NOTHROW(make_agent(plain_net, *plain_game, 1));
  REQUIRE_NOTHROW(make_agent(ladders_net, *make_game("atari_go(size=5)"), 1));
  REQUIRE_THROWS_WITH(make_agent(ladders_net, *plain_game, 1),
                      Contains("game plane 6 is 'laddered'") && Contains("that plane is empty"));
  REQUIRE_THROWS_WITH(make_agent("policy(model=" + ladders_path + ")", *plain_game, 1),
                      Contains("'laddered'"));
  REQUIRE_THROWS_WITH(make_agent(plain_net, *ladders_game, 1),
                      Contains("game plane 6 is empty") && Contains("that plane is 'laddered'"));
  std::remove(ladders_path.c_str());
  std::remove(plain_path.c_str());
}
