#pragma once
// A policy-value net's three outputs for one batch, for tests that compare nets or dtypes.
#include <cstddef>
#include <vector>

#include "agents/net/network.h"

namespace tenuki::test {

struct Outputs {
  std::vector<float> logits, values, ownership;
};

// Runs `net` on `batch` encoded positions of `height` x `width` (the input planes in `input`).
inline Outputs run(const PolicyValueNet& net, const std::vector<float>& input, int batch,
                   int height, int width) {
  Outputs o;
  const size_t cells = static_cast<size_t>(height) * width;
  o.logits.resize(batch * (cells + 1));
  o.values.resize(batch);
  o.ownership.resize(batch * cells);
  net.forward(input.data(), batch, height, width, o.logits.data(), o.values.data(),
              o.ownership.data());
  return o;
}

}  // namespace tenuki::test
