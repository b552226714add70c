#pragma once
// The vector loops of the Winograd CPU net (agents/net/winograd_net.h) over rows of channels:
// the F(4x4, 3x3) input and output transforms along one tile axis, folded batch norm + ReLU +
// mask, and global pooling. Each is compiled for the x86-64-v4 (AVX-512) and x86-64-v3 (AVX2,
// FMA) levels besides the build's baseline, so the build needs no -march; kernels() picks one.
// No LibTorch; thread-safe (pure functions).
#include <cstdint>

namespace tenuki::winograd {

struct VectorKernels {
  const char* level;  // "x86-64-v4", "x86-64-v3" or "baseline"
  // out[k] = sum_i B^T[k][i] in[i] for the 6 rows of n floats of one tile axis.
  void (*input_transform_rows)(const float* const in[6], float* const out[6], int n);
  // out[k] (+)= sum_i A^T[k][i] in[i]: 4 output rows from 6.
  void (*output_transform_rows)(const float* const in[6], float* const out[4], int n,
                                bool accumulate);
  // dst[r][c] = max(0, src[r][c] * scale[c] + shift[c]) * mask[r] (in place when dst == src).
  void (*activate)(const float* src, int src_stride, const float* scale, const float* shift,
                   const float* mask, int64_t rows, int channels, float* dst, int dst_stride);
  // Masked mean, size-scaled mean and max over `cells` rows (>= 0, 0 off-board):
  // pooled[0..3 * channels).
  void (*global_pool)(const float* rows, int stride, int channels, int cells, float area,
                      float* pooled);
};

// The best level this CPU runs, capped by the environment variable TENUKI_CPU_LEVEL
// ("x86-64-v3" or "baseline") to measure what an older CPU would get. Chosen at the first call.
const VectorKernels& kernels();

}  // namespace tenuki::winograd
