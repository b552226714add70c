#pragma once
// A float32 CPU forward pass of the policy/value net (agents/net/network.h) without LibTorch, for
// inference in eval mode: 3x3 convolutions by Winograd's F(4x4, 3x3) algorithm (Lavin and Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2016; Leela Zero's CPU path), whose 36
// products per layer are BLAS sgemm calls over every tile of the batch. Activations are
// channels-last, so the transforms, batch norms (folded into per-channel affine maps) and poolings
// run as vector loops over channels, compiled for AVX-512, AVX2 and the baseline and chosen at
// first use (cpu_level()). A block's residual and pooled-branch convolutions share one input
// transform; the three 1x1 head convolutions are one GEMM. F(4x4, 3x3) needs 4x fewer
// multiplications than a direct 3x3 convolution on a board whose sides are multiples of 4 (the
// tiles of other sizes are padded).
//
// Outputs equal the LibTorch net's in eval mode up to float rounding (the transforms lose a few
// more bits than a direct convolution: about 1e-5 relative on the trunk).
//
// Thread-safety: forward() may run concurrently from several threads (each calling thread has its
// own scratch memory); it parallelises with OpenMP over `threads` threads, and its BLAS calls run
// single-threaded inside that team.
#include <vector>

#include "agents/net/checkpoint_format.h"
#include "agents/net/network.h"

namespace tenuki {

class WinogradNet {
 public:
  // `tensors`: every parameter and batch-norm buffer of a net of `config`, float32, under the
  // LibTorch module's names and shapes (stem.weight, block0.bn1.gamma, ...). Only the pointers
  // are read here; the views need not outlive the constructor. Throws std::invalid_argument naming
  // a missing tensor or a wrong shape.
  WinogradNet(const NetworkConfig& config, const std::vector<TensorView>& tensors);

  // As PolicyValueNet::forward in eval mode. Preconditions: batch >= 1, 1 <= height, width <= 64,
  // threads >= 1.
  void forward(const float* input, int batch, int height, int width, float* policy_logits,
               float* values, float* ownership, int threads) const;

  // The instruction set of the vector loops: "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2 and FMA) or
  // "baseline": the best this CPU runs, capped by the environment variable TENUKI_CPU_LEVEL
  // ("x86-64-v3" or "baseline") to measure what an older CPU would get. Thread-safe.
  static const char* cpu_level();

  // Per-channel y = x * scale + shift (a batch norm in eval mode).
  struct Affine {
    std::vector<float> scale, shift;
  };
  // A 3x3 convolution without bias in the Winograd domain: u[e][in][out] for the 36 elements e of
  // the transformed 6x6 kernel.
  struct Conv3x3 {
    int in = 0, out = 0;
    std::vector<float> u;
  };
  // y = W x + b with W [out][in].
  struct Dense {
    int in = 0, out = 0;
    std::vector<float> w, b;
  };
  struct Block {
    Affine bn1;
    // conv1's `channels` outputs, then the pooled branch's (pool_channels) when it has one.
    Conv3x3 conv1;
    int pool_channels = 0;
    Affine pool_bn;
    Dense pool_linear;
    Affine bn2;
    Conv3x3 conv2;
  };

 private:
  NetworkConfig config_;
  Conv3x3 stem_;
  std::vector<Block> blocks_;
  Affine trunk_bn_;
  // The head's 1x1 convolutions as one [channels][3 * head_channels] matrix: policy_conv,
  // policy_pool_conv, value_conv outputs side by side.
  std::vector<float> head_w_;
  Affine policy_pool_bn_, policy_bn_, value_bn_;
  Dense policy_pool_linear_, pass_linear_, value_fc1_, value_fc2_;
  std::vector<float> policy_out_, ownership_out_;  // [head_channels]; ownership empty without it
};

}  // namespace tenuki
