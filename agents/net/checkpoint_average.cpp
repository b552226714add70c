#include "agents/net/checkpoint_average.h"

#include <cstring>
#include <map>
#include <stdexcept>

#include "agents/net/checkpoint_format.h"

namespace tenuki {

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

}  // namespace

AverageSummary average_checkpoints(const std::vector<std::string>& paths,
                                   const std::string& out_path) {
  if (paths.empty()) throw std::invalid_argument("no checkpoint to average");
  // Sums in double, by tensor name.
  std::map<std::string, std::pair<std::vector<int64_t>, std::vector<double>>> sums;
  NetworkConfig first_config;
  CheckpointMeta last_meta;
  for (size_t k = 0; k < paths.size(); ++k) {
    const std::string& path = paths[k];
    const std::vector<uint8_t> bytes = read_checked_file(path);
    CheckpointMeta meta;
    const std::map<std::string, StoredTensor> stored = parse_checkpoint(path, bytes, &meta);
    if (k == 0) {
      first_config = meta.config;
      for (const auto& [name, t] : stored) {
        sums[name] = {t.shape, std::vector<double>(static_cast<size_t>(numel(t.shape)), 0.0)};
      }
    } else if (!(meta.config == first_config)) {
      checkpoint_fail(path, "a different network (" + meta.config.summary() + ") from '" +
                                paths[0] + "' (" + first_config.summary() + ")");
    } else if (stored.size() != sums.size()) {
      checkpoint_fail(path, std::to_string(stored.size()) + " tensors where '" + paths[0] +
                                "' has " + std::to_string(sums.size()));
    }
    for (const auto& [name, t] : stored) {
      auto it = sums.find(name);
      if (it == sums.end()) {
        checkpoint_fail(path, "tensor " + name + " is not in '" + paths[0] + "'");
      }
      auto& [shape, sum] = it->second;
      if (t.shape != shape) {
        checkpoint_fail(path, "tensor " + name + " has shape " + shape_text(t.shape) + " where '" +
                                  paths[0] + "' has " + shape_text(shape));
      }
      for (size_t i = 0; i < sum.size(); ++i) {
        float v;  // the stored data are unaligned little-endian float32
        std::memcpy(&v, t.data + i * sizeof(float), sizeof v);
        sum[i] += v;
      }
    }
    last_meta = std::move(meta);
  }

  std::vector<std::vector<float>> means;
  std::vector<TensorView> views;
  means.reserve(sums.size());
  AverageSummary summary;
  summary.inputs = static_cast<int>(paths.size());
  for (const auto& [name, entry] : sums) {
    const auto& [shape, sum] = entry;
    std::vector<float>& mean = means.emplace_back(sum.size());
    for (size_t i = 0; i < sum.size(); ++i) {
      mean[i] = static_cast<float>(sum[i] / static_cast<double>(paths.size()));
    }
    views.push_back({name, shape, mean.data()});
    summary.tensors++;
    summary.values += static_cast<long long>(mean.size());
  }
  CheckpointMeta meta = last_meta;
  meta.parent = paths.back();
  meta.derivation = "average of " + std::to_string(paths.size()) + " checkpoints";
  meta.notes = "averaged:";
  for (const auto& p : paths) meta.notes += " " + p;
  meta.created_at.clear();
  write_checkpoint_file(out_path, serialize_checkpoint(meta, views));
  return summary;
}

}  // namespace tenuki
