// Checkpoints of PolicyValueNet: the LibTorch side (the format itself is in checkpoint_format.cpp).
#include "agents/net/checkpoint.h"

#include <cstring>
#include <map>
#include <vector>

#include "agents/net/checkpoint_format.h"
#include "agents/net/network_torch.h"

namespace tenuki {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  checkpoint_fail(path, problem);
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Every parameter and buffer of the module, in module order.
std::vector<std::pair<std::string, torch::Tensor>> state_tensors(PolicyValueNetImpl& module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& item : module.named_parameters(true)) out.emplace_back(item.key(), item.value());
  for (auto& item : module.named_buffers(true)) out.emplace_back(item.key(), item.value());
  return out;
}

// Copies stored tensors into `module` after checking names and shapes; throws before changing
// anything when they do not match.
void assign_tensors(const std::string& path, PolicyValueNetImpl& module,
                    const std::map<std::string, StoredTensor>& stored) {
  auto targets = state_tensors(module);
  for (const auto& [name, tensor] : targets) {
    auto it = stored.find(name);
    if (it == stored.end()) fail(path, "architecture mismatch: tensor " + name + " is missing");
    const std::vector<int64_t> want(tensor.sizes().begin(), tensor.sizes().end());
    if (it->second.shape != want) {
      fail(path, "architecture mismatch: tensor " + name + " has shape " +
                     shape_string(it->second.shape) + " but the net expects " + shape_string(want));
    }
  }
  if (stored.size() != targets.size()) {
    for (const auto& [name, t] : stored) {
      bool known = false;
      for (const auto& target : targets) known = known || target.first == name;
      if (!known) fail(path, "architecture mismatch: unexpected tensor " + name);
    }
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : targets) {
    const StoredTensor& s = stored.at(name);
    auto host = torch::empty(s.shape, torch::kFloat32);
    std::memcpy(host.data_ptr<float>(), s.data, static_cast<size_t>(host.numel()) * sizeof(float));
    tensor.copy_(host);
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const PolicyValueNet& net,
                     const CheckpointMeta& meta_in) {
  CheckpointMeta meta = meta_in;
  meta.config = net.config();
  auto tensors = state_tensors(const_cast<PolicyValueNetImpl&>(net.impl()));
  std::vector<torch::Tensor> host;  // keeps the float32 copies alive while serialising
  std::vector<TensorView> views;
  for (const auto& [name, tensor] : tensors) {
    host.push_back(tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous());
    views.push_back({name, std::vector<int64_t>(tensor.sizes().begin(), tensor.sizes().end()),
                     host.back().data_ptr<float>()});
  }
  write_checkpoint_file(path, serialize_checkpoint(meta, views));
}

std::shared_ptr<PolicyValueNet> load_checkpoint(const std::string& path,
                                                const DeviceOptions& options,
                                                CheckpointMeta* meta_out) {
  const std::vector<uint8_t> bytes = read_checked_file(path);
  CheckpointMeta meta;
  auto stored = parse_checkpoint(path, bytes, &meta);
  // Load on the host in float32, then move, so 16-bit dtypes round the stored values once.
  std::shared_ptr<PolicyValueNet> net;
  try {
    net = std::make_shared<PolicyValueNet>(meta.config, 0, DeviceOptions{});
  } catch (const std::invalid_argument& e) {
    fail(path, std::string("bad architecture: ") + e.what());
  }
  assign_tensors(path, net->impl(), stored);
  net->set_device(options);
  if (meta_out != nullptr) *meta_out = meta;
  return net;
}

void load_checkpoint_into(const std::string& path, PolicyValueNet& net, CheckpointMeta* meta_out) {
  const std::vector<uint8_t> bytes = read_checked_file(path);
  CheckpointMeta meta;
  auto stored = parse_checkpoint(path, bytes, &meta);
  if (!(meta.config == net.config())) {
    fail(path, "architecture mismatch: the checkpoint is " + meta.config.summary() +
                   " but the net is " + net.config().summary());
  }
  assign_tensors(path, net.impl(), stored);
  if (meta_out != nullptr) *meta_out = meta;
}

}  // namespace tenuki
