#include "agents/net/network.h"

#include <malloc.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "agents/net/network_torch.h"
#include "agents/net/winograd_net.h"
#include "envs/encoding.h"
#include "envs/util/random.h"

namespace tenuki {

torch::Dtype to_torch_dtype(NetDtype dtype) {
  switch (dtype) {
    case NetDtype::kFloat32:
    case NetDtype::kFloat32Winograd:
      return torch::kFloat32;
    case NetDtype::kBFloat16:
      return torch::kBFloat16;
    case NetDtype::kHalf:
      return torch::kHalf;
  }
  return torch::kFloat32;
}

// ----------------------------------------------------------------------------------------------
// Modules

namespace {

torch::nn::Conv2d make_conv(int in, int out, int kernel) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).padding(kernel / 2).bias(false));
}

// Masked mean, size-scaled mean and max over the board of features g (>= 0, zero off-board):
// [B, C, H, W] -> [B, 3C]. `area` is [B, 1] on-board cell counts (float32). Computed in float32.
torch::Tensor global_pool(const torch::Tensor& g, const torch::Tensor& area) {
  auto sum = g.sum({2, 3}, /*keepdim=*/false, torch::kFloat32);
  auto mean = sum / area;
  auto scaled = mean * (area.sqrt() - 14.0) * 0.1;
  // Features are >= 0 after ReLU and 0 off-board, so the plain max equals the on-board max.
  auto max = g.amax({2, 3}).to(torch::kFloat32);
  return torch::cat({mean, scaled, max}, 1).to(g.scalar_type());
}

}  // namespace

MaskedBatchNormImpl::MaskedBatchNormImpl(int channels) {
  gamma = register_parameter("gamma", torch::ones({channels}));
  beta = register_parameter("beta", torch::zeros({channels}));
  running_mean = register_buffer("running_mean", torch::zeros({channels}));
  running_var = register_buffer("running_var", torch::ones({channels}));
}

torch::Tensor MaskedBatchNormImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                           const torch::Tensor& mask_count) {
  if (!is_training()) {
    return torch::batch_norm(x, gamma, beta, running_mean, running_var, /*training=*/false,
                             momentum, eps, /*cudnn_enabled=*/true) *
           mask;
  }
  auto mean = (x * mask).sum({0, 2, 3}) / mask_count;
  auto centered = (x - mean.view({1, -1, 1, 1})) * mask;
  auto var = centered.square().sum({0, 2, 3}) / mask_count;
  {
    torch::NoGradGuard no_grad;
    running_mean.mul_(1.0 - momentum).add_(mean.detach() * momentum);
    running_var.mul_(1.0 - momentum).add_(var.detach() * momentum);
  }
  auto scale = (var + eps).rsqrt() * gamma;
  return (centered * scale.view({1, -1, 1, 1}) + beta.view({1, -1, 1, 1})) * mask;
}

ResidualBlockImpl::ResidualBlockImpl(int channels, int pool_channels) {
  bn1 = register_module("bn1", MaskedBatchNorm(channels));
  conv1 = register_module("conv1", make_conv(channels, channels, 3));
  if (pool_channels > 0) {
    pool_conv = register_module("pool_conv", make_conv(channels, pool_channels, 3));
    pool_bn = register_module("pool_bn", MaskedBatchNorm(pool_channels));
    pool_linear = register_module(
        "pool_linear", torch::nn::Linear(torch::nn::LinearOptions(3 * pool_channels, channels)));
  }
  bn2 = register_module("bn2", MaskedBatchNorm(channels));
  conv2 = register_module("conv2", make_conv(channels, channels, 3));
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                         const torch::Tensor& mask_count,
                                         const torch::Tensor& area) {
  auto a = torch::relu(bn1(x, mask, mask_count));
  auto h = conv1(a);
  if (pool_conv) {
    auto g = torch::relu(pool_bn(pool_conv(a), mask, mask_count));
    auto bias = pool_linear(global_pool(g, area));
    h = h + bias.view({bias.size(0), bias.size(1), 1, 1});
  }
  h = conv2(torch::relu(bn2(h, mask, mask_count)));
  return x + h;
}

PolicyValueNetImpl::PolicyValueNetImpl(const NetworkConfig& config) : config_(config) {
  config_.validate();
  const int c = config_.channels, hc = config_.head_channels;
  stem = register_module("stem", make_conv(encoding::kNumChannels, c, 3));
  for (int i = 0; i < config_.blocks; ++i) {
    const bool pool = config_.global_pool_every > 0 && (i + 1) % config_.global_pool_every == 0;
    blocks.push_back(register_module("block" + std::to_string(i), ResidualBlock(c, pool ? hc : 0)));
  }
  trunk_bn = register_module("trunk_bn", MaskedBatchNorm(c));

  policy_conv = register_module("policy_conv", make_conv(c, hc, 1));
  policy_pool_conv = register_module("policy_pool_conv", make_conv(c, hc, 1));
  policy_pool_bn = register_module("policy_pool_bn", MaskedBatchNorm(hc));
  policy_pool_linear = register_module("policy_pool_linear",
                                       torch::nn::Linear(torch::nn::LinearOptions(3 * hc, hc)));
  policy_bn = register_module("policy_bn", MaskedBatchNorm(hc));
  policy_out = register_module("policy_out", make_conv(hc, 1, 1));
  pass_linear =
      register_module("pass_linear", torch::nn::Linear(torch::nn::LinearOptions(3 * hc, 1)));

  value_conv = register_module("value_conv", make_conv(c, hc, 1));
  value_bn = register_module("value_bn", MaskedBatchNorm(hc));
  value_fc1 = register_module(
      "value_fc1", torch::nn::Linear(torch::nn::LinearOptions(3 * hc, config_.value_hidden)));
  value_fc2 = register_module("value_fc2",
                              torch::nn::Linear(torch::nn::LinearOptions(config_.value_hidden, 1)));
  if (config_.ownership_head) ownership_out = register_module("ownership_out", make_conv(hc, 1, 1));
  if (config_.opponent_policy_head) {
    policy_opponent_out = register_module("policy_opponent_out", make_conv(hc, 1, 1));
    pass_linear_opponent = register_module("pass_linear_opponent",
                                           torch::nn::Linear(torch::nn::LinearOptions(3 * hc, 1)));
  }
}

NetOutputs PolicyValueNetImpl::forward(const torch::Tensor& input) {
  TORCH_CHECK(input.dim() == 4 && input.size(1) == encoding::kNumChannels,
              "network input must be [B, ", encoding::kNumChannels, ", H, W]");
  const int64_t batch = input.size(0), cells = input.size(2) * input.size(3);
  auto mask = input.narrow(1, encoding::kOnBoard, 1);
  auto area = mask.sum({2, 3}, false, torch::kFloat32);  // [B, 1]
  auto mask_count = mask.sum();

  auto x = stem(input);
  for (auto& block : blocks) x = block(x, mask, mask_count, area);
  auto trunk = torch::relu(trunk_bn(x, mask, mask_count));

  NetOutputs out;
  // Policy.
  auto g = torch::relu(policy_pool_bn(policy_pool_conv(trunk), mask, mask_count));
  auto pooled = global_pool(g, area);
  auto bias = policy_pool_linear(pooled);
  auto p = policy_conv(trunk) + bias.view({batch, bias.size(1), 1, 1});
  p = torch::relu(policy_bn(p, mask, mask_count));
  auto cell_logits = policy_out(p).view({batch, cells});
  cell_logits = cell_logits.masked_fill(mask.view({batch, cells}) == 0, kOffBoardLogit);
  out.policy_logits = torch::cat({cell_logits, pass_linear(pooled)}, 1);
  if (policy_opponent_out && is_training()) {
    auto reply = policy_opponent_out(p).view({batch, cells});
    reply = reply.masked_fill(mask.view({batch, cells}) == 0, kOffBoardLogit);
    out.opponent_policy_logits = torch::cat({reply, pass_linear_opponent(pooled)}, 1);
  }
  // Value.
  auto v = torch::relu(value_bn(value_conv(trunk), mask, mask_count));
  auto hidden = torch::relu(value_fc1(global_pool(v, area)));
  out.value = torch::tanh(value_fc2(hidden)).view({batch});
  if (ownership_out) {
    out.ownership = (torch::tanh(ownership_out(v)) * mask).view({batch, cells});
  }
  return out;
}

void PolicyValueNetImpl::initialize(uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto fill = [&](const std::string& name, torch::Tensor& t) {
    const int64_t n = t.numel();
    std::vector<float> values(static_cast<size_t>(n), 0.0f);
    auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with(".gamma") || ends_with(".running_var")) {
      std::fill(values.begin(), values.end(), 1.0f);
    } else if (ends_with(".weight")) {
      const int64_t fan_in = n / t.size(0);
      // He initialisation for convolutions followed by ReLU; the last conv of each residual
      // branch and the output layers start smaller so the untrained net is well scaled.
      double stddev = std::sqrt((t.dim() == 4 ? 2.0 : 1.0) / static_cast<double>(fan_in));
      if (ends_with(".conv2.weight")) stddev /= std::sqrt(static_cast<double>(config_.blocks));
      if (name.rfind("policy_out", 0) == 0 || name.rfind("ownership_out", 0) == 0 ||
          name.rfind("policy_opponent_out", 0) == 0 || name.rfind("pass_linear", 0) == 0 ||
          name.rfind("value_fc2", 0) == 0) {
        stddev *= 0.5;
      }
      // Each tensor has its own stream, so adding a layer does not change the others.
      uint64_t h = 1469598103934665603ull ^ seed;
      for (char ch : name) h = (h ^ static_cast<uint8_t>(ch)) * 1099511628211ull;
      Rng rng(h);
      const double bound = stddev * std::sqrt(3.0);  // uniform with standard deviation `std`
      for (auto& w : values) w = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
    }
    auto src = torch::from_blob(values.data(), t.sizes(), torch::kFloat32);
    t.copy_(src);
  };
  for (auto& item : named_parameters(/*recurse=*/true)) fill(item.key(), item.value());
  for (auto& item : named_buffers(/*recurse=*/true)) fill(item.key(), item.value());
}

torch::Device PolicyValueNetImpl::device() const { return stem->weight.device(); }
torch::Dtype PolicyValueNetImpl::dtype() const { return stem->weight.scalar_type(); }

// ----------------------------------------------------------------------------------------------
// PolicyValueNet

namespace {

torch::Device resolve_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name == "auto") {
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0)
                                       : torch::Device(torch::kCPU);
  }
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    int index = 0;
    if (name.size() > 5) {
      const std::string digits = name.substr(5);
      if (digits.empty() || digits.size() > 3 ||
          digits.find_first_not_of("0123456789") != std::string::npos) {
        throw std::invalid_argument("bad device '" + name + "' (use cpu, cuda, cuda:N or auto)");
      }
      index = std::stoi(digits);
    }
    if (!torch::cuda::is_available()) {
      throw std::runtime_error("device '" + name + "' requested but CUDA is not available");
    }
    if (index >= static_cast<int>(torch::cuda::device_count())) {
      throw std::runtime_error("device '" + name + "' requested but only " +
                               std::to_string(torch::cuda::device_count()) +
                               " CUDA device(s) exist");
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw std::invalid_argument("unknown device '" + name + "' (use cpu, cuda, cuda:N or auto)");
}

// Identifies the current values of every parameter and buffer: their storage and LibTorch's
// version counter, which every in-place change (copy_, an optimiser step) advances.
uint64_t parameter_fingerprint(PolicyValueNetImpl& impl) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  auto add = [&](const torch::Tensor& t) {
    mix(static_cast<uint64_t>(t._version()));
    mix(reinterpret_cast<uintptr_t>(t.data_ptr()));
  };
  for (const auto& t : impl.parameters(/*recurse=*/true)) add(t);
  for (const auto& t : impl.buffers(/*recurse=*/true)) add(t);
  return h;
}

std::shared_ptr<const WinogradNet> make_winograd_net(PolicyValueNetImpl& impl) {
  std::vector<torch::Tensor> host;  // keeps the float32 copies alive while the net reads them
  std::vector<TensorView> views;
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    host.push_back(t.detach().to(torch::kCPU, torch::kFloat32).contiguous());
    views.push_back({name, host.back().sizes().vec(), host.back().data_ptr<float>()});
  };
  for (const auto& item : impl.named_parameters(/*recurse=*/true)) add(item.key(), item.value());
  for (const auto& item : impl.named_buffers(/*recurse=*/true)) add(item.key(), item.value());
  return std::make_shared<const WinogradNet>(impl.config(), views);
}

}  // namespace

struct PolicyValueNet::WinogradCopy {
  std::mutex mutex;                        // guards the two fields below
  std::shared_ptr<const WinogradNet> net;  // null until the first forward pass needs it
  uint64_t fingerprint = 0;                // parameter_fingerprint when `net` was made
};

PolicyValueNet::PolicyValueNet(const NetworkConfig& config, uint64_t seed,
                               const DeviceOptions& options)
    : config_(config), winograd_(std::make_unique<WinogradCopy>()) {
  config_.validate();
  tune_allocator_for_inference();
  impl_ = std::make_shared<PolicyValueNetImpl>(config_);
  impl_->initialize(seed);
  impl_->eval();
  set_device(options);
}

PolicyValueNet::~PolicyValueNet() = default;

void PolicyValueNet::set_device(const DeviceOptions& options) {
  const torch::Device device = resolve_device(options.device);
  if (options.dtype == NetDtype::kHalf && device.is_cpu()) {
    throw std::invalid_argument(
        "dtype half is not supported on the CPU; use bfloat16 or float32 there, or a CUDA device");
  }
  if (options.dtype == NetDtype::kFloat32Winograd && !device.is_cpu()) {
    throw std::invalid_argument(
        "dtype float32-winograd runs on the CPU only; use float32, bfloat16 or half on CUDA");
  }
  if (options.threads < 0) throw std::invalid_argument("threads must be >= 0");
  if (options.threads > 0) set_threads(options.threads);
  impl_->to(device, to_torch_dtype(options.dtype));
  dtype_ = options.dtype;
  std::lock_guard<std::mutex> lock(winograd_->mutex);
  winograd_->net.reset();
}

namespace {
std::string device_string(const torch::Device& device) {
  if (device.is_cpu()) return "cpu";
  return "cuda:" + std::to_string(device.has_index() ? device.index() : 0);
}
}  // namespace

std::string resolve_device_name(const std::string& device) {
  return device_string(resolve_device(device));
}

std::string device_for_local_rank(const std::string& device, int local_rank) {
  if ((device == "auto" || device == "cuda") && torch::cuda::is_available()) {
    const int count = static_cast<int>(torch::cuda::device_count());
    if (count > 1) return "cuda:" + std::to_string(local_rank % count);
  }
  return device;
}

std::string PolicyValueNet::device_name() const { return device_string(impl_->device()); }

void PolicyValueNet::set_threads(int n) {
  if (n < 1) throw std::invalid_argument("threads must be >= 1");
  torch::set_num_threads(n);
}

void PolicyValueNet::train() { impl_->train(); }
void PolicyValueNet::eval() { impl_->eval(); }
bool PolicyValueNet::is_training() const { return impl_->is_training(); }

int64_t PolicyValueNet::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : impl_->parameters()) n += p.numel();
  return n;
}

void PolicyValueNet::forward(const float* input, int batch, int height, int width,
                             float* policy_logits, float* values, float* ownership) const {
  if (batch < 1 || height < 1 || width < 1 || height > 64 || width > 64) {
    throw std::invalid_argument("PolicyValueNet::forward: bad shape " + std::to_string(batch) +
                                "x" + std::to_string(height) + "x" + std::to_string(width));
  }
  torch::NoGradGuard no_grad;
  if (dtype_ == NetDtype::kFloat32Winograd && !impl_->is_training()) {
    std::shared_ptr<const WinogradNet> net;
    {
      std::lock_guard<std::mutex> lock(winograd_->mutex);
      const uint64_t fingerprint = parameter_fingerprint(*impl_);
      if (!winograd_->net || winograd_->fingerprint != fingerprint) {
        winograd_->net = make_winograd_net(*impl_);
        winograd_->fingerprint = fingerprint;
      }
      net = winograd_->net;
    }
    net->forward(input, batch, height, width, policy_logits, values, ownership,
                 torch::get_num_threads());
    return;
  }
  const int64_t cells = static_cast<int64_t>(height) * width;
  auto host = torch::from_blob(const_cast<float*>(input),
                               {batch, encoding::kNumChannels, height, width}, torch::kFloat32);
  auto x = host.to(impl_->device(), impl_->dtype());
  NetOutputs out = impl_->forward(x);
  auto copy_out = [](const torch::Tensor& t, float* dst, int64_t count) {
    auto cpu = t.to(torch::kCPU, torch::kFloat32).contiguous();
    std::memcpy(dst, cpu.data_ptr<float>(), static_cast<size_t>(count) * sizeof(float));
  };
  copy_out(out.policy_logits, policy_logits, batch * (cells + 1));
  copy_out(out.value, values, batch);
  if (ownership != nullptr) {
    if (out.ownership.defined()) {
      copy_out(out.ownership, ownership, batch * cells);
    } else {
      std::fill(ownership, ownership + batch * cells, 0.0f);
    }
  }
}

}  // namespace tenuki
