// Fuzz target: checkpoint file images. Any byte string must parse or give CheckpointError, never
// crash, read out of bounds or allocate without bound; what parses must write back identically.
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "agents/net/checkpoint_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tenuki;
  const std::vector<uint8_t> bytes(data, data + size);
  CheckpointMeta meta;
  std::map<std::string, StoredTensor> tensors;
  try {
    tensors = parse_checkpoint("fuzz input", bytes, &meta);
  } catch (const CheckpointError&) {
    return 0;
  }
  // Re-serialise what was read (in name order) and parse it again: same metadata and tensors.
  std::vector<std::vector<float>> copies;
  std::vector<TensorView> views;
  for (const auto& [name, t] : tensors) {
    size_t numel = 1;
    for (int64_t d : t.shape) numel *= static_cast<size_t>(d);
    copies.emplace_back(numel);
    if (numel > 0) std::memcpy(copies.back().data(), t.data, numel * sizeof(float));
    views.push_back({name, t.shape, copies.back().data()});
  }
  const std::vector<uint8_t> again = serialize_checkpoint(meta, views);
  CheckpointMeta meta2;
  auto tensors2 = parse_checkpoint("fuzz output", again, &meta2);
  if (tensors2.size() != tensors.size() || nlohmann::json(meta) != nlohmann::json(meta2)) {
    throw std::logic_error("checkpoint round trip changed it");
  }
  return 0;
}
