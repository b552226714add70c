#pragma once
// The LibTorch side of agents/net/network.h, for code that trains or inspects the net. Including
// this header pulls in <torch/torch.h> (slow to compile): include it only from .cpp files that need
// tensors.
#include <torch/torch.h>

#include <vector>

#include "agents/net/network.h"

namespace tenuki {

// Batch norm whose statistics (in training) ignore off-board cells; its output is multiplied by
// the mask. Parameters: gamma, beta; buffers: running_mean, running_var.
class MaskedBatchNormImpl : public torch::nn::Module {
 public:
  explicit MaskedBatchNormImpl(int channels);
  // x: [B, C, H, W]; mask: [B, 1, H, W] of 0/1; mask_count: number of on-board cells in the
  // whole batch (a scalar tensor).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask,
                        const torch::Tensor& mask_count);

  torch::Tensor gamma, beta, running_mean, running_var;
  double momentum = 0.01;
  double eps = 1e-5;
};
TORCH_MODULE(MaskedBatchNorm);

// One pre-activation residual block: x + conv2(act(bn2(conv1(act(bn1(x)))))), where act is ReLU
// then masking. A global-pooling block adds to conv1's output a per-channel bias computed from
// the masked mean, size-scaled mean and max of a second branch (KataGo's gpool block).
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(int channels, int pool_channels /* 0 = plain block */);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask,
                        const torch::Tensor& mask_count, const torch::Tensor& area);

  MaskedBatchNorm bn1{nullptr}, bn2{nullptr}, pool_bn{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, pool_conv{nullptr};
  torch::nn::Linear pool_linear{nullptr};
};
TORCH_MODULE(ResidualBlock);

// Outputs of PolicyValueNetImpl::forward, in the module's dtype and on its device.
struct NetOutputs {
  torch::Tensor policy_logits;  // [B, H*W + 1]; off-board cells kOffBoardLogit, pass last
  torch::Tensor value;          // [B], tanh
  torch::Tensor ownership;      // [B, H*W], tanh, 0 off-board; undefined without the head
  // [B, H*W + 1] like policy_logits, for the opponent's reply; defined only with the head and in
  // training mode.
  torch::Tensor opponent_policy_logits;
};

// The module. Parameter names ("stem.weight", "block0.bn1.gamma", ...) are what checkpoints store.
class PolicyValueNetImpl : public torch::nn::Module {
 public:
  explicit PolicyValueNetImpl(const NetworkConfig& config);
  // input: [B, kNumChannels, H, W] in the module's dtype and device.
  NetOutputs forward(const torch::Tensor& input);
  // Overwrites every parameter and buffer with the deterministic initialisation for `seed`.
  void initialize(uint64_t seed);

  const NetworkConfig& config() const { return config_; }
  torch::Device device() const;
  torch::Dtype dtype() const;

 private:
  NetworkConfig config_;
  torch::nn::Conv2d stem{nullptr};
  std::vector<ResidualBlock> blocks;
  MaskedBatchNorm trunk_bn{nullptr};
  // Policy head.
  torch::nn::Conv2d policy_conv{nullptr}, policy_pool_conv{nullptr}, policy_out{nullptr};
  MaskedBatchNorm policy_bn{nullptr}, policy_pool_bn{nullptr};
  torch::nn::Linear policy_pool_linear{nullptr}, pass_linear{nullptr};
  // Opponent-policy head (optional): the same features as the policy, its own outputs.
  torch::nn::Conv2d policy_opponent_out{nullptr};
  torch::nn::Linear pass_linear_opponent{nullptr};
  // Value and ownership heads.
  torch::nn::Conv2d value_conv{nullptr}, ownership_out{nullptr};
  MaskedBatchNorm value_bn{nullptr};
  torch::nn::Linear value_fc1{nullptr}, value_fc2{nullptr};
};

// Torch dtype of a NetDtype.
torch::Dtype to_torch_dtype(NetDtype dtype);

}  // namespace tenuki
