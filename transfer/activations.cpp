// Per-layer trunk activations (transfer/cka.h): the LibTorch side of CKA. Runs the trunk the way
// PolicyValueNetImpl::forward does (stem, then each residual block with the board mask).
#include <stdexcept>

#include "agents/net/network_torch.h"
#include "envs/encoding.h"
#include "transfer/cka.h"

namespace tenuki::transfer {

std::vector<LayerActivations> trunk_activations(const PolicyValueNet& net,
                                                const std::vector<float>& planes, int n, int rows,
                                                int cols) {
  const size_t per = static_cast<size_t>(encoding::kNumChannels) * rows * cols;
  if (n < 1 || planes.size() < per * n) {
    throw std::invalid_argument("trunk_activations: planes hold fewer than n positions");
  }
  auto& module = const_cast<PolicyValueNetImpl&>(net.impl());
  const bool was_training = module.is_training();
  module.eval();
  auto children = module.named_children();
  auto stem = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(children["stem"]);
  std::vector<std::shared_ptr<ResidualBlockImpl>> blocks;
  for (int i = 0; i < net.config().blocks; ++i) {
    blocks.push_back(
        std::dynamic_pointer_cast<ResidualBlockImpl>(children["block" + std::to_string(i)]));
  }
  if (!stem) throw std::logic_error("trunk_activations: the net has no stem");
  const int channels = net.config().channels;
  const int features = channels * rows * cols;
  std::vector<LayerActivations> out(1 + blocks.size());
  out[0].name = "stem";
  for (size_t i = 0; i < blocks.size(); ++i) out[i + 1].name = "block" + std::to_string(i);
  for (auto& l : out) l.values.resize(n, features);
  torch::NoGradGuard no_grad;
  constexpr int kChunk = 64;
  for (int begin = 0; begin < n; begin += kChunk) {
    const int b = std::min(kChunk, n - begin);
    auto input = torch::from_blob(const_cast<float*>(planes.data()) + per * begin,
                                  {b, encoding::kNumChannels, rows, cols}, torch::kFloat32)
                     .to(module.device(), module.dtype());
    auto mask = input.narrow(1, encoding::kOnBoard, 1);
    auto area = mask.sum({2, 3}, false, torch::kFloat32);
    auto mask_count = mask.sum();
    auto x = stem->forward(input);
    auto store = [&](size_t layer, const torch::Tensor& t) {
      auto cpu = t.to(torch::kCPU, torch::kFloat32).contiguous().view({b, features});
      const float* p = cpu.data_ptr<float>();
      for (int r = 0; r < b; ++r) {
        for (int f = 0; f < features; ++f) {
          out[layer].values(begin + r, f) = p[static_cast<size_t>(r) * features + f];
        }
      }
    };
    store(0, x);
    for (size_t i = 0; i < blocks.size(); ++i) {
      x = blocks[i]->forward(x, mask, mask_count, area);
      store(i + 1, x);
    }
  }
  if (was_training) module.train();
  return out;
}

}  // namespace tenuki::transfer
