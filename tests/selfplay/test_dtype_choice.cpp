// Choosing the inference dtype by measurement ("dtype": "auto"), with stubbed measurements, and
// the shipped training configs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "agents/net/dtype_choice.h"
#include "selfplay/train_config.h"

using namespace tenuki;
using Catch::Matchers::Contains;

TEST_CASE("dtype auto picks the fastest measured dtype", "[dtype]") {
  const auto cpu = dtype_candidates("auto", false);
  REQUIRE(cpu == std::vector<NetDtype>{NetDtype::kFloat32, NetDtype::kBFloat16,
                                       NetDtype::kFloat32Winograd});
  const auto cuda = dtype_candidates("auto", true);
  REQUIRE(cuda.size() == 3);
  CHECK(cuda[2] == NetDtype::kHalf);

  // An AVX2-only CPU (bfloat16 emulated, ~10x slower), one with AVX-512 BF16 (~2x faster), and
  // one where the Winograd convolutions win.
  constexpr NetDtype kWinograd = NetDtype::kFloat32Winograd;
  for (const auto& [rates, expected] : std::vector<std::pair<std::map<NetDtype, double>, NetDtype>>{
           {{{NetDtype::kFloat32, 584}, {NetDtype::kBFloat16, 46}, {kWinograd, 400}},
            NetDtype::kFloat32},
           {{{NetDtype::kFloat32, 2379}, {NetDtype::kBFloat16, 4165}, {kWinograd, 3000}},
            NetDtype::kBFloat16},
           {{{NetDtype::kFloat32, 584}, {NetDtype::kBFloat16, 46}, {kWinograd, 900}}, kWinograd}}) {
    std::vector<DtypeTiming> timings;
    std::map<NetDtype, int> calls;
    const NetDtype chosen = pick_fastest_dtype(
        cpu,
        [&, &rates = rates](NetDtype d) {
          ++calls[d];
          return rates.at(d);
        },
        3, &timings);
    CHECK(chosen == expected);
    REQUIRE(timings.size() == 3);
    CHECK(timings[0].dtype == NetDtype::kFloat32);
    CHECK(timings[0].positions_per_second == rates.at(NetDtype::kFloat32));
    CHECK(calls[NetDtype::kFloat32] == 3);
    CHECK(calls[NetDtype::kBFloat16] == 3);
    CHECK(calls[kWinograd] == 3);
  }
}

TEST_CASE("dtype auto keeps each candidate's best round, so a noisy round does not decide",
          "[dtype]") {
  // bfloat16 is faster, but its first round was slowed down by other load.
  std::map<NetDtype, std::vector<double>> rounds = {{NetDtype::kFloat32, {1000, 1010, 990}},
                                                    {NetDtype::kBFloat16, {300, 1900, 1950}},
                                                    {NetDtype::kFloat32Winograd, {900, 980, 970}}};
  std::map<NetDtype, size_t> next;
  const NetDtype chosen = pick_fastest_dtype(
      dtype_candidates("auto", false), [&](NetDtype d) { return rounds[d][next[d]++]; }, 3,
      nullptr);
  CHECK(chosen == NetDtype::kBFloat16);
}

TEST_CASE("dtype auto leaves out a dtype that fails to run", "[dtype]") {
  // oneDNN limited to AVX2 (ONEDNN_MAX_CPU_ISA=AVX2) has no bfloat16 convolution and throws.
  std::vector<DtypeTiming> timings;
  const NetDtype chosen = pick_fastest_dtype(
      dtype_candidates("auto", false),
      [](NetDtype d) -> double {
        if (d == NetDtype::kBFloat16) throw std::runtime_error("no primitive");
        return 500;
      },
      3, &timings);
  CHECK(chosen == NetDtype::kFloat32);  // float32-winograd ties at 500: the earlier is kept
  REQUIRE(timings.size() == 3);
  CHECK(timings[1].error == "no primitive");
  CHECK(timings[1].positions_per_second == 0);
  CHECK_THROWS_WITH(pick_fastest_dtype(
                        dtype_candidates("auto", false),
                        [](NetDtype) -> double { throw std::runtime_error("broken"); }, 1, nullptr),
                    Contains("no dtype runs here"));
}

TEST_CASE("a named dtype is used without measuring, and an unavailable one is refused", "[dtype]") {
  int calls = 0;
  const NetDtype chosen = pick_fastest_dtype(
      dtype_candidates("bfloat16", false), [&](NetDtype) { return ++calls, 1.0; }, 3, nullptr);
  CHECK(chosen == NetDtype::kBFloat16);
  CHECK(calls == 0);
  CHECK_THROWS_WITH(dtype_candidates("half", false), Contains("half needs a CUDA device"));
  CHECK(dtype_candidates("half", true) == std::vector<NetDtype>{NetDtype::kHalf});
  CHECK_THROWS_WITH(dtype_candidates("float32-winograd", true), Contains("runs on the CPU"));
  CHECK(dtype_candidates("float32-winograd", false) ==
        std::vector<NetDtype>{NetDtype::kFloat32Winograd});
  CHECK_THROWS_WITH(dtype_candidates("fp8", false), Contains("unknown dtype 'fp8'"));
}

TEST_CASE("shipped training configs parse and measure their dtype", "[dtype]") {
  int configs = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(TENUKI_SOURCE_DIR) + "/experiments/train")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path());
    TrainConfig c;
    REQUIRE_NOTHROW(c = read_train_config(entry.path().string()));
    CHECK(c.inference.dtype == "auto");
    ++configs;
  }
  CHECK(configs >= 5);
  // The default is auto too, and the config reader refuses other names.
  CHECK(train_config_from_json({{"game", "tictactoe"}}).inference.dtype == "auto");
  CHECK_THROWS_WITH(
      train_config_from_json({{"game", "tictactoe"}, {"inference", {{"dtype", "fp8"}}}}),
      Contains("inference.dtype"));
}
