#include "agents/net/dtype_choice.h"

#include <algorithm>
#include <stdexcept>

namespace tenuki {

std::vector<NetDtype> dtype_candidates(const std::string& name, bool cuda) {
  if (name == "auto") {
    std::vector<NetDtype> out = {NetDtype::kFloat32, NetDtype::kBFloat16};
    out.push_back(cuda ? NetDtype::kHalf : NetDtype::kFloat32Winograd);
    return out;
  }
  NetDtype dtype;
  try {
    dtype = parse_net_dtype(name);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("unknown dtype '" + name +
                                "' (auto, float32, bfloat16, half or float32-winograd)");
  }
  if (dtype == NetDtype::kHalf && !cuda) {
    throw std::invalid_argument(
        "dtype half needs a CUDA device and this one is the CPU; use auto, float32 or bfloat16");
  }
  if (dtype == NetDtype::kFloat32Winograd && cuda) {
    throw std::invalid_argument(
        "dtype float32-winograd runs on the CPU and this device is CUDA; use auto, float32, "
        "bfloat16 or half");
  }
  return {dtype};
}

NetDtype pick_fastest_dtype(const std::vector<NetDtype>& candidates,
                            const std::function<double(NetDtype)>& measure, int rounds,
                            std::vector<DtypeTiming>* timings) {
  if (candidates.empty()) throw std::invalid_argument("pick_fastest_dtype: no candidates");
  if (candidates.size() == 1) return candidates.front();
  std::vector<double> best(candidates.size(), 0.0);
  std::vector<std::string> errors(candidates.size());
  for (int round = 0; round < std::max(1, rounds); ++round) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (!errors[i].empty()) continue;
      try {
        best[i] = std::max(best[i], measure(candidates[i]));
      } catch (const std::exception& e) {
        errors[i] = e.what();
        best[i] = 0;
      }
    }
  }
  size_t fastest = candidates.size();
  std::string why;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (timings) timings->push_back({candidates[i], best[i], errors[i]});
    if (!errors[i].empty()) {
      why += " " + net_dtype_name(candidates[i]) + ": " + errors[i] + ";";
      continue;
    }
    if (fastest == candidates.size() || best[i] > best[fastest]) fastest = i;
  }
  if (fastest == candidates.size()) throw std::runtime_error("no dtype runs here:" + why);
  return candidates[fastest];
}

}  // namespace tenuki
