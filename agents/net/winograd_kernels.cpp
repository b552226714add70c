#include "agents/net/winograd_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace tenuki::winograd {

namespace {

// `omp simd` vectorises the channel loops, whose rows never overlap.

// B^T d along one axis of a 6x6 tile of channel rows: out[k] = sum_i B^T[k][i] in[i], where in[i]
// and out[k] are rows of n floats.
[[gnu::always_inline]] inline void input_transform_rows_body(const float* const in[6],
                                                             float* const out[6], int n) {
  const float* __restrict d0 = in[0];
  const float* __restrict d1 = in[1];
  const float* __restrict d2 = in[2];
  const float* __restrict d3 = in[3];
  const float* __restrict d4 = in[4];
  const float* __restrict d5 = in[5];
  float* __restrict t0 = out[0];
  float* __restrict t1 = out[1];
  float* __restrict t2 = out[2];
  float* __restrict t3 = out[3];
  float* __restrict t4 = out[4];
  float* __restrict t5 = out[5];
#pragma omp simd
  for (int c = 0; c < n; ++c) {
    const float a = d1[c], b = d2[c], e = d3[c], f = d4[c];
    t0[c] = 4.0f * d0[c] - 5.0f * b + f;
    t1[c] = -4.0f * (a + b) + e + f;
    t2[c] = 4.0f * (a - b) - e + f;
    t3[c] = 2.0f * (e - a) - b + f;
    t4[c] = 2.0f * (a - e) - b + f;
    t5[c] = 4.0f * a - 5.0f * e + d5[c];
  }
}

// A^T m along one axis: out[k] (+)= sum_i A^T[k][i] in[i] for 4 output rows of n floats.
[[gnu::always_inline]] inline void output_transform_rows_body(const float* const in[6],
                                                              float* const out[4], int n,
                                                              bool accumulate) {
  const float* __restrict m0 = in[0];
  const float* __restrict m1 = in[1];
  const float* __restrict m2 = in[2];
  const float* __restrict m3 = in[3];
  const float* __restrict m4 = in[4];
  const float* __restrict m5 = in[5];
  float* __restrict o0 = out[0];
  float* __restrict o1 = out[1];
  float* __restrict o2 = out[2];
  float* __restrict o3 = out[3];
  if (accumulate) {
#pragma omp simd
    for (int c = 0; c < n; ++c) {
      const float s12 = m1[c] + m2[c], d12 = m1[c] - m2[c], s34 = m3[c] + m4[c],
                  d34 = m3[c] - m4[c];
      o0[c] += m0[c] + s12 + s34;
      o1[c] += d12 + 2.0f * d34;
      o2[c] += s12 + 4.0f * s34;
      o3[c] += d12 + 8.0f * d34 + m5[c];
    }
  } else {
#pragma omp simd
    for (int c = 0; c < n; ++c) {
      const float s12 = m1[c] + m2[c], d12 = m1[c] - m2[c], s34 = m3[c] + m4[c],
                  d34 = m3[c] - m4[c];
      o0[c] = m0[c] + s12 + s34;
      o1[c] = d12 + 2.0f * d34;
      o2[c] = s12 + 4.0f * s34;
      o3[c] = d12 + 8.0f * d34 + m5[c];
    }
  }
}

// dst[n][c] = max(0, src[n][c] * scale[c] + shift[c]) * mask[n] for `rows` rows and `channels`
// channels; the rows are `src_stride` and `dst_stride` floats apart (in place when equal).
[[gnu::always_inline]] inline void activate_body(const float* src, int src_stride,
                                                 const float* scale, const float* shift,
                                                 const float* mask, int64_t rows, int channels,
                                                 float* dst, int dst_stride) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * src_stride;
    float* d = dst + r * dst_stride;
    const float m = mask[r];
#pragma omp simd
    for (int c = 0; c < channels; ++c) d[c] = std::max(0.0f, s[c] * scale[c] + shift[c]) * m;
  }
}

// Masked mean, size-scaled mean and max over the cells of one batch item of `channels` channels
// (>= 0, 0 off-board) whose rows are `stride` floats apart: pooled[0..3 * channels).
[[gnu::always_inline]] inline void global_pool_body(const float* rows, int stride, int channels,
                                                    int cells, float area, float* pooled) {
  float* sum = pooled;
  float* max = pooled + 2 * channels;
  for (int c = 0; c < channels; ++c) sum[c] = 0.0f, max[c] = 0.0f;
  for (int i = 0; i < cells; ++i) {
    const float* r = rows + static_cast<size_t>(i) * stride;
#pragma omp simd
    for (int c = 0; c < channels; ++c) {
      sum[c] += r[c];
      max[c] = std::max(max[c], r[c]);
    }
  }
  const float scaled = (std::sqrt(area) - 14.0f) * 0.1f;
  for (int c = 0; c < channels; ++c) {
    const float mean = sum[c] / area;
    pooled[c] = mean;
    pooled[channels + c] = mean * scaled;
  }
}

#define TENUKI_DEFINE_KERNELS(name, level, attribute)                                        \
  attribute void input_transform_rows_##name(const float* const in[6], float* const out[6],  \
                                             int n) {                                        \
    input_transform_rows_body(in, out, n);                                                   \
  }                                                                                          \
  attribute void output_transform_rows_##name(const float* const in[6], float* const out[4], \
                                              int n, bool accumulate) {                      \
    output_transform_rows_body(in, out, n, accumulate);                                      \
  }                                                                                          \
  attribute void activate_##name(const float* src, int src_stride, const float* scale,       \
                                 const float* shift, const float* mask, int64_t rows,        \
                                 int channels, float* dst, int dst_stride) {                 \
    activate_body(src, src_stride, scale, shift, mask, rows, channels, dst, dst_stride);     \
  }                                                                                          \
  attribute void global_pool_##name(const float* rows, int stride, int channels, int cells,  \
                                    float area, float* pooled) {                             \
    global_pool_body(rows, stride, channels, cells, area, pooled);                           \
  }                                                                                          \
  const VectorKernels kKernels_##name = {level, input_transform_rows_##name,                 \
                                         output_transform_rows_##name, activate_##name,      \
                                         global_pool_##name};

TENUKI_DEFINE_KERNELS(baseline, "baseline", )
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define TENUKI_X86_LEVELS 1
TENUKI_DEFINE_KERNELS(v3, "x86-64-v3", __attribute__((target("arch=x86-64-v3"))))
TENUKI_DEFINE_KERNELS(v4, "x86-64-v4", __attribute__((target("arch=x86-64-v4"))))
#endif

}  // namespace

const VectorKernels& kernels() {
  static const VectorKernels* chosen = [] {
    const char* env = std::getenv("TENUKI_CPU_LEVEL");
    const std::string cap = env != nullptr ? env : "";
#ifdef TENUKI_X86_LEVELS
    __builtin_cpu_init();
    if (cap != "baseline" && cap != "x86-64-v3" && __builtin_cpu_supports("x86-64-v4")) {
      return &kKernels_v4;
    }
    if (cap != "baseline" && __builtin_cpu_supports("x86-64-v3")) return &kKernels_v3;
#endif
    return &kKernels_baseline;
  }();
  return *chosen;
}

}  // namespace tenuki::winograd
