// Checkpoint averaging on hand-made checkpoint files (no LibTorch): exact means, metadata,
// and bad inputs rejected with the file named and nothing written.
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "agents/net/checkpoint.h"
#include "agents/net/checkpoint_average.h"
#include "agents/net/checkpoint_format.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using Catch::Matchers::Contains;

namespace {

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

// Writes a checkpoint file of `tensors` with the given step and network config.
void write_checkpoint(const std::string& path, const std::vector<Tensor>& tensors, int64_t step,
                      const NetworkConfig& config = NetworkConfig{}) {
  CheckpointMeta meta;
  meta.config = config;
  meta.game_spec = "go(size=9)";
  meta.training_step = step;
  std::vector<TensorView> views;
  for (const auto& t : tensors) views.push_back({t.name, t.shape, t.values.data()});
  const std::vector<uint8_t> bytes = serialize_checkpoint(meta, views);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::map<std::string, std::vector<float>> read_values(const std::string& path,
                                                      CheckpointMeta* meta) {
  const std::vector<uint8_t> bytes = read_checked_file(path);
  std::map<std::string, std::vector<float>> out;
  for (const auto& [name, t] : parse_checkpoint(path, bytes, meta)) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    std::memcpy(v.data(), t.data, v.size() * sizeof(float));
    out[name] = v;
  }
  return out;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("net average: every tensor is the mean of the inputs, with the last one's metadata",
          "[checkpoint]") {
  test::TempDir dir;
  const std::string a = dir.path + "/a.ckpt", b = dir.path + "/b.ckpt", c = dir.path + "/c.ckpt";
  write_checkpoint(a, {{"w", {2, 2}, {1, 2, 3, 4}}, {"bn.running_var", {2}, {1, 1}}}, 100);
  write_checkpoint(b, {{"bn.running_var", {2}, {2, 4}}, {"w", {2, 2}, {3, 2, 0, -4}}}, 200);
  write_checkpoint(c, {{"w", {2, 2}, {5, 2, 6, 3}}, {"bn.running_var", {2}, {3, 7}}}, 300);
  const std::string out = dir.path + "/avg.ckpt";
  const AverageSummary summary = average_checkpoints({a, b, c}, out);
  REQUIRE(summary.inputs == 3);
  REQUIRE(summary.tensors == 2);
  REQUIRE(summary.values == 6);

  CheckpointMeta meta;
  const auto values = read_values(out, &meta);
  REQUIRE(values.at("w") == std::vector<float>{3, 2, 3, 1});
  REQUIRE(values.at("bn.running_var") == std::vector<float>{2, 4});
  REQUIRE(meta.training_step == 300);
  REQUIRE(meta.game_spec == "go(size=9)");
  REQUIRE(meta.parent == c);
  REQUIRE(meta.derivation == "average of 3 checkpoints");
  REQUIRE_THAT(meta.notes, Contains(a) && Contains(b) && Contains(c));
}

TEST_CASE("net average: mismatched or damaged inputs are refused and nothing is written",
          "[checkpoint]") {
  test::TempDir dir;
  const std::string a = dir.path + "/a.ckpt", bad = dir.path + "/bad.ckpt";
  write_checkpoint(a, {{"w", {2, 2}, {1, 2, 3, 4}}}, 1);
  const std::string out = dir.path + "/avg.ckpt";
  std::ofstream(out) << "keep me";

  SECTION("a different shape") {
    write_checkpoint(bad, {{"w", {4}, {1, 2, 3, 4}}}, 2);
    REQUIRE_THROWS_WITH(average_checkpoints({a, bad}, out),
                        Contains(bad) && Contains("tensor w has shape [4]"));
  }
  SECTION("a missing tensor") {
    write_checkpoint(bad, {{"v", {2, 2}, {1, 2, 3, 4}}}, 2);
    REQUIRE_THROWS_WITH(average_checkpoints({a, bad}, out),
                        Contains(bad) && Contains("tensor v is not in"));
  }
  SECTION("an extra tensor") {
    write_checkpoint(bad, {{"w", {2, 2}, {1, 2, 3, 4}}, {"v", {1}, {0}}}, 2);
    REQUIRE_THROWS_WITH(average_checkpoints({a, bad}, out), Contains(bad) && Contains("2 tensors"));
  }
  SECTION("a different network") {
    NetworkConfig other;
    other.blocks = 3;
    write_checkpoint(bad, {{"w", {2, 2}, {1, 2, 3, 4}}}, 2, other);
    REQUIRE_THROWS_WITH(average_checkpoints({a, bad}, out),
                        Contains(bad) && Contains("a different network"));
  }
  SECTION("a corrupt file") {
    write_checkpoint(bad, {{"w", {2, 2}, {1, 2, 3, 4}}}, 2);
    std::string bytes = file_text(bad);
    bytes[bytes.size() - 12] ^= 0x5a;  // inside the last tensor's data
    std::ofstream(bad, std::ios::binary) << bytes;
    REQUIRE_THROWS_AS(average_checkpoints({a, bad}, out), CheckpointError);
    REQUIRE_THROWS_WITH(average_checkpoints({a, bad}, out),
                        Contains(bad) && Contains("checksum mismatch"));
  }
  SECTION("a missing file") {
    REQUIRE_THROWS_AS(average_checkpoints({a, dir.path + "/none.ckpt"}, out), CheckpointError);
  }
  REQUIRE(file_text(out) == "keep me");
  REQUIRE_THROWS_AS(average_checkpoints({}, out), std::invalid_argument);
}
