// Transfer with networks (transfer/): transplanting checkpoints to other games and sizes, the
// mapping report, search transfer and bad input.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "envs/encoding.h"
#include "envs/registry.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/selfplay/net_test_helpers.h"
#include "tests/support/test_files.h"
#include "transfer/transplant.h"

using namespace tenuki;
using namespace tenuki::test;
using Catch::Matchers::Contains;

namespace {

// Column `plane` of a [C, kNumChannels, 3, 3] stem weight.
std::vector<float> stem_column(const std::vector<float>& w, int plane) {
  const int per_out = encoding::kNumChannels * 9;
  std::vector<float> out;
  for (size_t o = 0; o < w.size() / per_out; ++o) {
    for (int k = 0; k < 9; ++k) out.push_back(w[o * per_out + plane * 9 + k]);
  }
  return out;
}

const nlohmann::json* find_named(const nlohmann::json& list, const std::string& key,
                                 const nlohmann::json& value, const std::string& side = "") {
  for (const auto& item : list) {
    if (item.at(key) == value && item.value("side", "") == side) return &item;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("transfer Go 9x9 -> Go 13x13 copies every tensor and the net runs", "[transfer]") {
  TempDir dir;
  const std::string src = make_source(dir.path, "go(size=9)", 5);
  const std::string dst = dir.path + "/go13.ckpt";
  std::string output;
  REQUIRE(cli({"transfer", src, "--to", "go(size=13)", "--out", dst}, &output) == 0);
  INFO(output);
  const Snapshot a = snapshot_of(src), b = snapshot_of(dst);
  REQUIRE(a.size() == b.size());
  int trunk = 0;
  for (const auto& [name, values] : a) {
    INFO(name);
    CHECK(b.at(name) == values);  // bit for bit (Go keeps pass and ownership heads too)
    trunk += is_trunk(name);
  }
  CHECK(trunk > 10);
  const nlohmann::json report = read_json(transfer::report_path_for(dst));
  CHECK(report["tensors"].size() == a.size());
  for (const auto& t : report["tensors"]) {
    CHECK(a.count(t["name"].get<std::string>()) == 1);
    CHECK(t["action"] == "copied");
  }
  CHECK_THAT(report["board"]["note"].get<std::string>(), Contains("fully convolutional"));
  CHECK_THAT(output, Contains("9x9 -> 13x13"));
  CheckpointMeta meta;
  auto net = load_checkpoint(dst, {}, &meta);
  CHECK(meta.game_spec == make_game("go(size=13)")->spec());
  CHECK(meta.parent == src);
  CHECK_THAT(meta.derivation, Contains("transfer from go("));
  CHECK(nlohmann::json::parse(meta.transfer_report)["target_game"] == meta.game_spec);
  // The net runs on a 13x13 position.
  auto game = make_game("go(size=13)");
  auto state = game->new_initial_state();
  state->apply_action(game->string_to_action("D4"));
  const std::vector<float> planes = encoding::encode(*state);
  std::vector<float> logits(13 * 13 + 1), value(1);
  net->forward(planes.data(), 1, 13, 13, logits.data(), value.data(), nullptr);
  for (float l : logits) CHECK(std::isfinite(l));
  CHECK(std::abs(value[0]) <= 1.0f);
}

TEST_CASE("transfer Go -> Connect Four maps tagged planes and re-initialises the pass logit",
          "[transfer]") {
  TempDir dir;
  const std::string src = make_source(dir.path, "go(size=9)", 5);
  const std::string dst = dir.path + "/c4.ckpt";
  std::string output;
  REQUIRE(cli({"transfer", src, "--to", "connect_four", "--out", dst, "--seed", "3"}, &output) ==
          0);
  INFO(output);
  const Snapshot a = snapshot_of(src), b = snapshot_of(dst);
  const Snapshot fresh = parameter_snapshot(PolicyValueNet(tiny_net(), 3));
  for (const auto& [name, values] : a) {
    INFO(name);
    if (name == "stem.weight") {
      for (int p = 0; p < encoding::kGamePlanes; ++p) {
        CHECK(stem_column(b.at(name), p) == stem_column(values, p));  // shared planes
      }
      // Connect Four plane 0 (mover_gain) <- Go plane 1 (opponent chains in atari);
      // plane 1 (opponent_threat) <- Go plane 0 (own chains in atari); planes 2-5 (used by Go
      // only) zero; plane 6 (unused by both) as it was.
      CHECK(stem_column(b.at(name), 9) == stem_column(values, 10));
      CHECK(stem_column(b.at(name), 10) == stem_column(values, 9));
      for (int p = 11; p < 15; ++p) {
        for (float w : stem_column(b.at(name), p)) CHECK(w == 0.0f);
      }
      CHECK(stem_column(b.at(name), 15) == stem_column(values, 15));
      CHECK(stem_column(values, 11) != stem_column(b.at(name), 11));
    } else if (name_has_prefix(name, "pass_linear") || name_has_prefix(name, "ownership_out")) {
      CHECK(b.at(name) == fresh.at(name));
      if (name.find("weight") != std::string::npos) CHECK(b.at(name) != values);
    } else {
      CHECK(b.at(name) == values);
    }
  }
  const nlohmann::json report = read_json(transfer::report_path_for(dst));
  REQUIRE(report["tensors"].size() == a.size());
  const auto* pass = find_named(report["tensors"], "name", "pass_linear.weight");
  REQUIRE(pass != nullptr);
  CHECK((*pass)["action"] == "re-initialised");
  CHECK_THAT((*pass)["why"].get<std::string>(), Contains("no pass"));
  CHECK((*find_named(report["tensors"], "name", "stem.weight"))["action"] == "adapted");
  CHECK((*find_named(report["tensors"], "name", "policy_out.weight"))["action"] == "copied");
  const auto* p9 = find_named(report["planes"], "plane", 9);
  REQUIRE(p9 != nullptr);
  CHECK((*p9)["action"] == "adapted");
  CHECK((*p9)["from_plane"] == 10);
  CHECK((*find_named(report["planes"], "plane", 12))["action"] == "zeroed");
  for (int s : {11, 12, 13, 14}) {  // Go's 2-liberty, komi and forbidden planes
    const auto* dropped = find_named(report["planes"], "plane", s, "source");
    REQUIRE(dropped != nullptr);
    CHECK((*dropped)["action"] == "dropped");
  }
  CHECK(find_named(report["planes"], "plane", 15, "source") == nullptr);  // Go plane 6 unused
  CHECK(report["planes"].size() == 16 + 4);

  // --game-planes drop / keep, partial(blocks=1), --heads reinit(policy).
  const std::string drop = dir.path + "/drop.ckpt", keep = dir.path + "/keep.ckpt";
  REQUIRE(cli({"transfer", src, "--to", "connect_four", "--out", drop, "--game-planes", "drop",
               "--plan", "partial(blocks=1)", "--heads", "reinit(policy)", "--seed", "3"}) == 0);
  REQUIRE(cli({"transfer", src, "--to", "connect_four", "--out", keep, "--game-planes", "keep",
               "--heads", "keep"}) == 0);
  const Snapshot d = snapshot_of(drop), k = snapshot_of(keep);
  for (int p = 9; p < encoding::kNumChannels; ++p) {
    for (float w : stem_column(d.at("stem.weight"), p)) CHECK(w == 0.0f);
  }
  CHECK(k.at("stem.weight") == a.at("stem.weight"));
  CHECK(k.at("pass_linear.weight") == a.at("pass_linear.weight"));  // heads keep
  CHECK(d.at("block0.conv1.weight") == a.at("block0.conv1.weight"));
  CHECK(d.at("block1.conv1.weight") == fresh.at("block1.conv1.weight"));
  CHECK(d.at("block1.conv1.weight") != a.at("block1.conv1.weight"));
  CHECK(d.at("policy_out.weight") == fresh.at("policy_out.weight"));
  CHECK(d.at("value_fc2.weight") == a.at("value_fc2.weight"));
}

TEST_CASE("transfer carries search settings: source, scaled, target", "[transfer]") {
  TempDir dir;
  SearchConfig trained;
  trained.c_puct = 2.0;
  trained.temperature = 1.0;
  trained.temperature_moves = 30;
  trained.root_noise = true;
  trained.seed = 5;
  const std::string src = make_source(dir.path, "go(size=9)", 5, trained, 243);
  auto run = [&](const std::string& mode, CheckpointMeta* meta, nlohmann::json* report) {
    const std::string dst = dir.path + "/c4_" + mode + ".ckpt";
    REQUIRE(cli({"transfer", src, "--to", "connect_four", "--out", dst, "--search", mode}) == 0);
    *meta = read_checkpoint_meta(dst);
    *report = read_json(transfer::report_path_for(dst));
  };
  CheckpointMeta m;
  nlohmann::json r;
  run("scaled", &m, &r);
  REQUIRE(m.search);
  CHECK(m.search->c_puct == 2.0);           // game-independent: from the source
  CHECK(m.search->temperature_moves >= 1);  // Connect Four games are much shorter than Go's
  CHECK(m.search->temperature_moves < 30);
  CHECK(m.search_max_moves >= 1);
  CHECK(m.search_max_moves <= 42);  // at most Connect Four's longest game
  CHECK(m.search->dirichlet_total == trained.dirichlet_total);
  CHECK(m.search->seed == SearchConfig{}.seed);  // the target's seed
  CHECK(r["search"].size() == search_config_to_json(SearchConfig{}).size() + 1);
  CHECK((*find_named(r["search"], "key", "temperature_moves"))["origin"] == "scaled");
  CHECK((*find_named(r["search"], "key", "c_puct"))["origin"] == "source");
  CHECK((*find_named(r["search"], "key", "max_moves"))["origin"] == "scaled");
  run("source", &m, &r);
  CHECK(m.search->temperature_moves == 30);
  CHECK(m.search_max_moves == 243);
  run("target", &m, &r);
  CHECK(m.search->c_puct == SearchConfig{}.c_puct);
  CHECK((*find_named(r["search"], "key", "c_puct"))["origin"] == "target");
  // A source without recorded settings falls back to the target's and says so.
  const std::string bare = make_source(dir.path, "go(size=9)", 6);
  REQUIRE(cli({"transfer", bare, "--to", "othello", "--out", dir.path + "/o.ckpt"}) == 0);
  r = read_json(dir.path + "/o.transfer.json");
  CHECK((*find_named(r["search"], "key", "c_puct"))["origin"] == "target (no source settings)");
}

TEST_CASE("transfer refuses bad input with exit 2 and writes nothing", "[transfer]") {
  TempDir dir;
  const std::string src = make_source(dir.path, "go(size=9)", 5);
  const std::string dst = dir.path + "/out.ckpt";
  auto refused = [&](std::vector<std::string> args, const std::string& message) {
    std::string output;
    std::vector<std::string> full = {"transfer"};
    full.insert(full.end(), args.begin(), args.end());
    CHECK(cli(full, &output) == 2);
    CHECK_THAT(output, Contains(message));
    CHECK_FALSE(fs::exists(dst));
    CHECK_FALSE(fs::exists(transfer::report_path_for(dst)));
  };
  // A source of another encoding version (metadata patched, checksum recomputed).
  std::vector<char> bytes;
  {
    std::ifstream in(src, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string text(bytes.begin(), bytes.end());
  const size_t at = text.find("\"encoding_version\":1");
  REQUIRE(at != std::string::npos);
  text[at + std::strlen("\"encoding_version\":")] = '7';
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i + 8 < text.size(); ++i)
    h = (h ^ static_cast<uint8_t>(text[i])) * 1099511628211ull;
  std::memcpy(text.data() + text.size() - 8, &h, 8);
  const std::string other = dir.path + "/other_encoding.ckpt";
  std::ofstream(other, std::ios::binary) << text;
  refused({other, "--to", "go(size=13)", "--out", dst}, "encoding mismatch");
  refused({src, "--to", "go(size=13)", "--out", dst, "--plan", "frozen-trunk(unfreeze_afterr=5)"},
          "unfreeze_afterr");
  refused({src, "--to", "go(size=13)", "--out", dst, "--plan", "partial(blocks=99)"},
          "only 2 residual blocks");
  refused({src, "--to", "chess", "--out", dst}, "unknown game 'chess'");
  const std::string truncated = dir.path + "/truncated.ckpt";
  std::ofstream(truncated, std::ios::binary) << text.substr(0, text.size() / 2);
  refused({truncated, "--to", "go(size=13)", "--out", dst}, "truncated");
  refused({src, "--to", "go(size=13)", "--out", dst, "--heads", "reinit(trunk)"},
          "unknown head 'trunk'");
  refused({src, "--out", dst}, "--to GAME is required");
}
