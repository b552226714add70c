#pragma once
// Choosing the inference dtype by measurement ("dtype": "auto"). Which dtype is fastest depends on
// the processor (bfloat16 is about 2x faster than float32 on CPUs with AVX-512 BF16 and about 10x
// slower on AVX2-only ones), so it is measured on the machine at start-up, never assumed.
// No LibTorch; thread-safe (pure functions).
#include <functional>
#include <string>
#include <vector>

#include "agents/net/network.h"

namespace tenuki {

struct DtypeTiming {
  NetDtype dtype;
  double positions_per_second;  // 0 when it failed
  std::string error;            // why the dtype could not run here, "" when it ran
};

// The dtypes a config's `name` allows on a device: "auto" gives float32 and bfloat16, plus half
// on CUDA and float32-winograd on the CPU; a dtype name gives that dtype alone. Throws
// std::invalid_argument naming the problem for an unknown name or a dtype the device cannot run
// (half on a CPU, float32-winograd on CUDA).
std::vector<NetDtype> dtype_candidates(const std::string& name, bool cuda);

// Measures every candidate with `measure` (positions per second) in `rounds` interleaved rounds
// (other load on the machine only slows a measurement down, so each candidate keeps its best)
// and returns the fastest; a tie keeps the earlier candidate. A candidate whose measurement
// throws (e.g. a CPU library without kernels for that dtype) is left out with its error. Appends
// one timing per candidate (its best) to `timings` when not null. A single candidate is returned
// without measuring. Throws std::runtime_error when every candidate fails.
// Preconditions: candidates is not empty, rounds >= 1.
NetDtype pick_fastest_dtype(const std::vector<NetDtype>& candidates,
                            const std::function<double(NetDtype)>& measure, int rounds,
                            std::vector<DtypeTiming>* timings);

}  // namespace tenuki
