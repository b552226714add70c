#include "agents/net/winograd_net.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "agents/net/winograd_kernels.h"
#include "envs/encoding.h"

namespace tenuki {

namespace {

using winograd::kernels;

constexpr int kTile = 4;                // output tile side of F(4x4, 3x3)
constexpr int kInTile = 6;              // input tile side
constexpr int kElements = 36;           // elements of a transformed tile
constexpr double kBatchNormEps = 1e-5;  // MaskedBatchNormImpl's eps

using Affine = WinogradNet::Affine;
using Conv3x3 = WinogradNet::Conv3x3;
using Dense = WinogradNet::Dense;

// ------------------------------------------------------------------------------------------------
// Reading the parameters

class TensorTable {
 public:
  explicit TensorTable(const std::vector<TensorView>& tensors) {
    for (const auto& t : tensors) by_name_[t.name] = &t;
  }
  const float* get(const std::string& name, const std::vector<int64_t>& shape) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) throw std::invalid_argument("WinogradNet: no tensor '" + name + "'");
    if (it->second->shape != shape) {
      throw std::invalid_argument("WinogradNet: tensor '" + name + "' has the wrong shape");
    }
    return it->second->data;
  }

 private:
  std::map<std::string, const TensorView*> by_name_;
};

Affine read_batch_norm(const TensorTable& t, const std::string& prefix, int channels) {
  const int64_t c = channels;
  const float* gamma = t.get(prefix + ".gamma", {c});
  const float* beta = t.get(prefix + ".beta", {c});
  const float* mean = t.get(prefix + ".running_mean", {c});
  const float* var = t.get(prefix + ".running_var", {c});
  Affine a;
  a.scale.resize(channels);
  a.shift.resize(channels);
  for (int i = 0; i < channels; ++i) {
    const double scale = gamma[i] / std::sqrt(static_cast<double>(var[i]) + kBatchNormEps);
    a.scale[i] = static_cast<float>(scale);
    a.shift[i] = static_cast<float>(beta[i] - mean[i] * scale);
  }
  return a;
}

Dense read_linear(const TensorTable& t, const std::string& prefix, int in, int out) {
  Dense d;
  d.in = in;
  d.out = out;
  const float* w = t.get(prefix + ".weight", {out, in});
  const float* b = t.get(prefix + ".bias", {out});
  d.w.assign(w, w + static_cast<size_t>(in) * out);
  d.b.assign(b, b + out);
  return d;
}

// The 6x6 Winograd-domain kernel G g G^T of each (out, in) 3x3 kernel, appended as output rows
// [first_out, first_out + out) of `conv` (whose `out` is the total).
void add_conv3x3(const TensorTable& t, const std::string& name, int in, int out, int first_out,
                 Conv3x3& conv) {
  const float* w = t.get(name, {out, in, 3, 3});
  // G (6x3) of F(4x4, 3x3).
  static const double kG[6][3] = {{1.0 / 4, 0, 0},
                                  {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                  {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                  {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                  {0, 0, 1}};
  for (int k = 0; k < out; ++k) {
    for (int c = 0; c < in; ++c) {
      const float* g = w + (static_cast<size_t>(k) * in + c) * 9;
      double gg[6][3];  // G g
      for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 3; ++j) {
          gg[i][j] = kG[i][0] * g[0 * 3 + j] + kG[i][1] * g[1 * 3 + j] + kG[i][2] * g[2 * 3 + j];
        }
      }
      for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 6; ++j) {
          const double v = gg[i][0] * kG[j][0] + gg[i][1] * kG[j][1] + gg[i][2] * kG[j][2];
          const size_t e = static_cast<size_t>(i) * 6 + j;
          conv.u[(e * conv.in + c) * conv.out + first_out + k] = static_cast<float>(v);
        }
      }
    }
  }
}

Conv3x3 make_conv3x3(int in, int out) {
  Conv3x3 conv;
  conv.in = in;
  conv.out = out;
  conv.u.assign(static_cast<size_t>(kElements) * in * out, 0.0f);
  return conv;
}

// ------------------------------------------------------------------------------------------------
// Layers. Activations are channels-last: [batch * height * width][channels] float32 rows, the
// channels of one cell contiguous, so every loop below runs over channels in vector registers.

struct Shape {
  int batch, height, width;
  int cells() const { return height * width; }
  int tile_rows() const { return (height + kTile - 1) / kTile; }
  int tile_cols() const { return (width + kTile - 1) / kTile; }
  int tiles() const { return tile_rows() * tile_cols(); }
};

// The reusable memory of one calling thread, sized before its team starts (forward()).
struct Workspace {
  std::vector<float> input, x, h, a, heads, mask, area;
};

Workspace& workspace() {
  thread_local Workspace w;
  return w;
}

float* sized(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// The buffers of one thread's convolutions.
struct ConvBuffers {
  std::vector<float> transformed, products, tmp, zeros, sink;
};

// out (+)= conv(in) for the items of `s`, on the calling thread alone: in [cells][conv.in], out
// rows of `out_stride` floats whose first conv.out are written (added to when `accumulate`).
void conv3x3_items(const Conv3x3& conv, const float* in, const Shape& s, float* out, int out_stride,
                   bool accumulate) {
  thread_local ConvBuffers buffers;
  const int tile_cols = s.tile_cols(), tiles = s.tiles(), cells = s.cells();
  const int columns = s.batch * tiles;
  const int cin = conv.in, cout = conv.out;
  float* v = sized(buffers.transformed, static_cast<size_t>(kElements) * columns * cin);
  float* m = sized(buffers.products, static_cast<size_t>(kElements) * columns * cout);
  float* tmp = sized(buffers.tmp, static_cast<size_t>(kElements) * std::max(cin, cout));
  if (buffers.zeros.size() < static_cast<size_t>(cin)) buffers.zeros.assign(cin, 0.0f);
  const float* zeros = buffers.zeros.data();
  float* sink = sized(buffers.sink, static_cast<size_t>(16) * cout);
  const size_t v_stride = static_cast<size_t>(columns) * cin;  // between elements
  const size_t m_stride = static_cast<size_t>(columns) * cout;

  for (int column = 0; column < columns; ++column) {
    const int b = column / tiles, t = column % tiles;
    const int row0 = (t / tile_cols) * kTile - 1, col0 = (t % tile_cols) * kTile - 1;
    const float* d[kElements];
    for (int i = 0; i < kInTile; ++i) {
      const int r = row0 + i;
      for (int j = 0; j < kInTile; ++j) {
        const int q = col0 + j;
        const bool inside = r >= 0 && r < s.height && q >= 0 && q < s.width;
        d[i * kInTile + j] =
            inside ? in + (static_cast<size_t>(b) * cells + r * s.width + q) * cin : zeros;
      }
    }
    // Columns first: tmp[k][j] = sum_i B^T[k][i] d[i][j]; then rows into V[k * 6 + l].
    for (int j = 0; j < kInTile; ++j) {
      const float* col_in[6] = {d[j], d[6 + j], d[12 + j], d[18 + j], d[24 + j], d[30 + j]};
      float* col_out[6];
      for (int k = 0; k < kInTile; ++k) col_out[k] = tmp + static_cast<size_t>(k * 6 + j) * cin;
      kernels().input_transform_rows(col_in, col_out, cin);
    }
    for (int k = 0; k < kInTile; ++k) {
      const float* row_in[6];
      float* row_out[6];
      for (int l = 0; l < kInTile; ++l) {
        row_in[l] = tmp + static_cast<size_t>(k * 6 + l) * cin;
        row_out[l] = v + (k * 6 + l) * v_stride + static_cast<size_t>(column) * cin;
      }
      kernels().input_transform_rows(row_in, row_out, cin);
    }
  }

  for (int e = 0; e < kElements; ++e) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, columns, cout, cin, 1.0f,
                v + e * v_stride, cin, conv.u.data() + static_cast<size_t>(e) * cin * cout, cout,
                0.0f, m + e * m_stride, cout);
  }

  for (int column = 0; column < columns; ++column) {
    const int b = column / tiles, t = column % tiles;
    const int row0 = (t / tile_cols) * kTile, col0 = (t % tile_cols) * kTile;
    // Columns first: tmp[k][j] = sum_i A^T[k][i] M[i][j]; then rows into the output cells.
    for (int j = 0; j < kInTile; ++j) {
      const float* col_in[6];
      for (int i = 0; i < kInTile; ++i) {
        col_in[i] = m + (i * 6 + j) * m_stride + static_cast<size_t>(column) * cout;
      }
      float* col_out[4];
      for (int k = 0; k < kTile; ++k) col_out[k] = tmp + static_cast<size_t>(k * 6 + j) * cout;
      kernels().output_transform_rows(col_in, col_out, cout, false);
    }
    for (int k = 0; k < kTile; ++k) {
      const float* row_in[6];
      for (int l = 0; l < kInTile; ++l) row_in[l] = tmp + static_cast<size_t>(k * 6 + l) * cout;
      float* row_out[4];
      const int r = row0 + k;
      for (int l = 0; l < kTile; ++l) {
        const int q = col0 + l;
        row_out[l] = r < s.height && q < s.width
                         ? out + (static_cast<size_t>(b) * cells + r * s.width + q) * out_stride
                         : sink + static_cast<size_t>(k * 4 + l) * cout;
      }
      kernels().output_transform_rows(row_in, row_out, cout, accumulate);
    }
  }
}

// Tiles transformed per GEMM: the transformed inputs and products of a chunk (36 x tiles x
// channels floats each) then stay in the caches. bench net, 6x48, one thread, positions/s at
// batch 64 for 7x7 / 9x9 / 19x19: 256 tiles 5.9k / 3.0k / 0.80k, 64 tiles 6.5k / 3.3k / 0.94k,
// 16 tiles 6.8k / 2.8k / 0.90k; the whole batch at once 6.2k / 1.6k / 0.38k.
constexpr int kChunkTiles = 64;

// conv3x3_items over the batch in chunks of about kChunkTiles tiles (at least one chunk per
// thread when the batch allows), the chunks shared out among the team: each thread transforms,
// multiplies and transforms back its own chunks, so no tile crosses between cores. Called by every
// thread of the team.
void conv3x3(const Conv3x3& conv, const float* in, const Shape& s, float* out, int out_stride,
             bool accumulate) {
  const int team = omp_get_num_threads();
  const int chunk = std::max(1, std::min(kChunkTiles / s.tiles(), (s.batch + team - 1) / team));
  const int chunks = (s.batch + chunk - 1) / chunk;
  const size_t cells = s.cells();
#pragma omp for schedule(static)
  for (int k = 0; k < chunks; ++k) {
    const int first = k * chunk;
    const Shape part{std::min(chunk, s.batch - first), s.height, s.width};
    conv3x3_items(conv, in + first * cells * conv.in, part, out + first * cells * out_stride,
                  out_stride, accumulate);
  }
}

// kernels().activate over `rows` rows, shared out evenly among the team's threads, then a barrier.
void activate_shared(const float* src, int src_stride, const Affine& bn, const float* mask,
                     int64_t rows, int channels, float* dst, int dst_stride) {
  const int64_t n = omp_get_num_threads(), t = omp_get_thread_num();
  const int64_t first = rows * t / n, last = rows * (t + 1) / n;
  kernels().activate(src + first * src_stride, src_stride, bn.scale.data(), bn.shift.data(),
                     mask + first, last - first, channels, dst + first * dst_stride, dst_stride);
#pragma omp barrier
}

void dense(const Dense& d, const float* x, float* y) {
  for (int o = 0; o < d.out; ++o) {
    const float* w = d.w.data() + static_cast<size_t>(o) * d.in;
    float sum = d.b[o];
    for (int i = 0; i < d.in; ++i) sum += w[i] * x[i];
    y[o] = sum;
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------------

WinogradNet::WinogradNet(const NetworkConfig& config, const std::vector<TensorView>& tensors)
    : config_(config) {
  config_.validate();
  const TensorTable t(tensors);
  const int c = config_.channels, hc = config_.head_channels;
  stem_ = make_conv3x3(encoding::kNumChannels, c);
  add_conv3x3(t, "stem.weight", encoding::kNumChannels, c, 0, stem_);
  for (int i = 0; i < config_.blocks; ++i) {
    const std::string p = "block" + std::to_string(i);
    const bool pool = config_.global_pool_every > 0 && (i + 1) % config_.global_pool_every == 0;
    Block block;
    block.pool_channels = pool ? hc : 0;
    block.bn1 = read_batch_norm(t, p + ".bn1", c);
    block.conv1 = make_conv3x3(c, c + block.pool_channels);
    add_conv3x3(t, p + ".conv1.weight", c, c, 0, block.conv1);
    if (pool) {
      add_conv3x3(t, p + ".pool_conv.weight", c, hc, c, block.conv1);
      block.pool_bn = read_batch_norm(t, p + ".pool_bn", hc);
      block.pool_linear = read_linear(t, p + ".pool_linear", 3 * hc, c);
    }
    block.bn2 = read_batch_norm(t, p + ".bn2", c);
    block.conv2 = make_conv3x3(c, c);
    add_conv3x3(t, p + ".conv2.weight", c, c, 0, block.conv2);
    blocks_.push_back(std::move(block));
  }
  trunk_bn_ = read_batch_norm(t, "trunk_bn", c);
  head_w_.resize(static_cast<size_t>(c) * 3 * hc);
  const char* head_convs[3] = {"policy_conv.weight", "policy_pool_conv.weight",
                               "value_conv.weight"};
  for (int h = 0; h < 3; ++h) {
    const float* w = t.get(head_convs[h], {hc, c, 1, 1});
    for (int k = 0; k < hc; ++k) {
      for (int i = 0; i < c; ++i) {
        head_w_[static_cast<size_t>(i) * 3 * hc + h * hc + k] = w[static_cast<size_t>(k) * c + i];
      }
    }
  }
  policy_pool_bn_ = read_batch_norm(t, "policy_pool_bn", hc);
  policy_bn_ = read_batch_norm(t, "policy_bn", hc);
  value_bn_ = read_batch_norm(t, "value_bn", hc);
  policy_pool_linear_ = read_linear(t, "policy_pool_linear", 3 * hc, hc);
  pass_linear_ = read_linear(t, "pass_linear", 3 * hc, 1);
  value_fc1_ = read_linear(t, "value_fc1", 3 * hc, config_.value_hidden);
  value_fc2_ = read_linear(t, "value_fc2", config_.value_hidden, 1);
  const float* po = t.get("policy_out.weight", {1, hc, 1, 1});
  policy_out_.assign(po, po + hc);
  if (config_.ownership_head) {
    const float* own = t.get("ownership_out.weight", {1, hc, 1, 1});
    ownership_out_.assign(own, own + hc);
  }
}

const char* WinogradNet::cpu_level() { return kernels().level; }

void WinogradNet::forward(const float* input, int batch, int height, int width,
                          float* policy_logits, float* values, float* ownership,
                          int threads) const {
  if (batch < 1 || height < 1 || width < 1 || height > 64 || width > 64 || threads < 1) {
    throw std::invalid_argument("WinogradNet::forward: bad shape or thread count");
  }
  Workspace& ws = workspace();
  const Shape s{batch, height, width};
  const int cells = s.cells(), c = config_.channels, hc = config_.head_channels;
  const int64_t rows = static_cast<int64_t>(batch) * cells;
  constexpr int kIn = encoding::kNumChannels;
  const int hw = 3 * hc;  // the head convolutions' outputs per cell

  // Every buffer is sized here, before the team starts.
  int widest = c;
  for (const Block& block : blocks_) widest = std::max(widest, block.conv1.out);
  float* planes = sized(ws.input, static_cast<size_t>(rows) * kIn);
  float* mask = sized(ws.mask, rows);
  float* area = sized(ws.area, batch);
  float* x = sized(ws.x, static_cast<size_t>(rows) * c);  // the trunk
  float* h = sized(ws.h, static_cast<size_t>(rows) * widest);
  float* a = sized(ws.a, static_cast<size_t>(rows) * c);  // a convolution's activated input
  float* heads = sized(ws.heads, static_cast<size_t>(rows) * hw);
  const size_t scratch = 3 * static_cast<size_t>(std::max({c, hc, config_.value_hidden}));

  // One team for the whole pass: its threads meet at barriers between the steps (cheap while
  // they spin) instead of being woken for a new parallel region each time.
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> pooled(scratch), hidden(scratch);
    // The planes, channels-last, and the on-board mask with each item's cell count.
#pragma omp for schedule(static)
    for (int b = 0; b < batch; ++b) {
      const float* item = input + static_cast<size_t>(b) * kIn * cells;
      float* dst = planes + static_cast<size_t>(b) * cells * kIn;
      for (int ch = 0; ch < kIn; ++ch) {
        for (int i = 0; i < cells; ++i) {
          dst[static_cast<size_t>(i) * kIn + ch] = item[ch * cells + i];
        }
      }
      const float* on_board = item + static_cast<size_t>(encoding::kOnBoard) * cells;
      std::copy(on_board, on_board + cells, mask + static_cast<size_t>(b) * cells);
      float sum = 0.0f;
      for (int i = 0; i < cells; ++i) sum += on_board[i];
      area[b] = sum;
    }

    conv3x3(stem_, planes, s, x, c, false);
    for (const Block& block : blocks_) {
      const int wide = block.conv1.out;
      activate_shared(x, c, block.bn1, mask, rows, c, a, c);
      conv3x3(block.conv1, a, s, h, wide, false);
      if (block.pool_channels > 0) {
        const int pc = block.pool_channels;
#pragma omp for schedule(static)
        for (int b = 0; b < batch; ++b) {
          float* item = h + static_cast<size_t>(b) * cells * wide;
          const float* item_mask = mask + static_cast<size_t>(b) * cells;
          kernels().activate(item + c, wide, block.pool_bn.scale.data(), block.pool_bn.shift.data(),
                             item_mask, cells, pc, item + c, wide);
          kernels().global_pool(item + c, wide, pc, cells, area[b], pooled.data());
          dense(block.pool_linear, pooled.data(), hidden.data());
          for (int i = 0; i < cells; ++i) {
            float* row = item + static_cast<size_t>(i) * wide;
            for (int k = 0; k < c; ++k) row[k] += hidden[k];
          }
        }
      }
      activate_shared(h, wide, block.bn2, mask, rows, c, a, c);
      conv3x3(block.conv2, a, s, x, c, true);
    }
    activate_shared(x, c, trunk_bn_, mask, rows, c, a, c);

    // Heads, item by item: one GEMM for the three 1x1 convolutions ([cells][3 * hc]), then the
    // policy (whose pooled branch gives a per-channel bias, folded into policy_bn's shift, and
    // the pass logit), the value and the ownership.
#pragma omp for schedule(static)
    for (int b = 0; b < batch; ++b) {
      float* item = heads + static_cast<size_t>(b) * cells * hw;
      const float* item_mask = mask + static_cast<size_t>(b) * cells;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cells, hw, c, 1.0f,
                  a + static_cast<size_t>(b) * cells * c, c, head_w_.data(), hw, 0.0f, item, hw);
      kernels().activate(item + hc, hw, policy_pool_bn_.scale.data(), policy_pool_bn_.shift.data(),
                         item_mask, cells, hc, item + hc, hw);
      kernels().activate(item + 2 * hc, hw, value_bn_.scale.data(), value_bn_.shift.data(),
                         item_mask, cells, hc, item + 2 * hc, hw);
      kernels().global_pool(item + hc, hw, hc, cells, area[b], pooled.data());
      float* shift = hidden.data() + hc;  // hidden[0, hc) holds the bias
      dense(policy_pool_linear_, pooled.data(), hidden.data());
      for (int k = 0; k < hc; ++k) {
        shift[k] = policy_bn_.shift[k] + policy_bn_.scale[k] * hidden[k];
      }
      float pass = 0.0f;
      dense(pass_linear_, pooled.data(), &pass);
      float* logits = policy_logits + static_cast<size_t>(b) * (cells + 1);
      for (int i = 0; i < cells; ++i) {
        if (item_mask[i] == 0.0f) {
          logits[i] = kOffBoardLogit;
          continue;
        }
        const float* p = item + static_cast<size_t>(i) * hw;
        float sum = 0.0f;
        for (int k = 0; k < hc; ++k) {
          sum += policy_out_[k] * std::max(0.0f, p[k] * policy_bn_.scale[k] + shift[k]);
        }
        logits[i] = sum;
      }
      logits[cells] = pass;

      kernels().global_pool(item + 2 * hc, hw, hc, cells, area[b], pooled.data());
      dense(value_fc1_, pooled.data(), hidden.data());
      for (int i = 0; i < config_.value_hidden; ++i) hidden[i] = std::max(0.0f, hidden[i]);
      float value = 0.0f;
      dense(value_fc2_, hidden.data(), &value);
      values[b] = std::tanh(value);
      if (ownership == nullptr) continue;
      float* own = ownership + static_cast<size_t>(b) * cells;
      for (int i = 0; i < cells; ++i) {
        float sum = 0.0f;
        if (!ownership_out_.empty()) {
          const float* v = item + static_cast<size_t>(i) * hw + 2 * hc;
          for (int k = 0; k < hc; ++k) sum += ownership_out_[k] * v[k];
          sum = std::tanh(sum);
        }
        own[i] = sum * item_mask[i];
      }
    }
  }
}

}  // namespace tenuki
