#pragma once
// The policy/value network: a fully convolutional residual net (KataGo-style global pooling) that
// reads the shared encoding (envs/encoding.h) at any board size, so one set of weights serves
// every game and size. This header does not include LibTorch; code that needs the torch module
// (the trainer) includes agents/net/network_torch.h.
//
// Inputs: [batch, encoding::kNumChannels, height, width] float planes. The game's board may sit
// at the top-left of a larger tensor: cells whose encoding::kOnBoard plane is 0 are off-board and
// are excluded from every pooling; their policy logits are kOffBoardLogit and their ownership 0.
// In eval mode, a board padded into a larger tensor gives the same outputs over its cells as the
// unpadded board (up to float rounding).
//
// Outputs, from the point of view of the player to move:
// - policy logits: height * width cell logits (row-major) followed by one pass logit,
// - value: tanh, in [-1, 1],
// - ownership (optional head): per cell tanh in [-1, 1], +1 = owned by the player to move.
// - opponent policy (optional head, training only: KataGo's auxiliary target): logits of the
//   opponent's reply, laid out like the policy; computed in training mode alone, so inference
//   never pays for it.
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace tenuki {

// The architecture. Every field is part of the checkpoint; two nets with equal configs have
// parameters of the same names and shapes.
struct NetworkConfig {
  int blocks = 6;             // residual blocks, [1, 64]
  int channels = 64;          // trunk channels, [8, 1024]
  int global_pool_every = 3;  // every k-th block is a global-pooling block; 0 = none. [0, 64]
  int head_channels = 32;     // channels of the heads and of the pooled branch, [4, 512]
  int value_hidden = 64;      // hidden units of the value MLP, [4, 4096]
  bool ownership_head = true;
  // An auxiliary head predicting the opponent's reply (a second policy output sharing the policy
  // head's features); it only trains the trunk. Parameters: policy_opponent_out,
  // pass_linear_opponent.
  bool opponent_policy_head = false;

  bool operator==(const NetworkConfig&) const = default;
  // Throws std::invalid_argument naming the first field outside its range.
  void validate() const;
  // One line, e.g. "6x64 gpool/3 head32 vh64 own".
  std::string summary() const;
};

// JSON with every field. from_json rejects unknown keys and out-of-range values with
// std::invalid_argument naming the key; missing keys keep their defaults.
void to_json(nlohmann::json& j, const NetworkConfig& config);
void from_json(const nlohmann::json& j, NetworkConfig& config);

// Logit given to off-board cells.
inline constexpr float kOffBoardLogit = -1e4f;

// kFloat32Winograd: float32 on the CPU through tenuki's own Winograd convolutions
// (agents/net/winograd_net.h) instead of LibTorch's kernels, in eval mode; LibTorch still holds
// the parameters and runs the net in training mode.
enum class NetDtype { kFloat32, kBFloat16, kHalf, kFloat32Winograd };
// "float32" | "bfloat16" | "half" (also "float16") | "float32-winograd" (also "winograd");
// throws std::invalid_argument otherwise.
NetDtype parse_net_dtype(const std::string& name);
std::string net_dtype_name(NetDtype dtype);

// Where and how the net runs.
struct DeviceOptions {
  // "cpu", "cuda", "cuda:N", or "auto" (CUDA device 0 when available, else CPU). Asking for CUDA
  // when it is unavailable throws std::runtime_error.
  std::string device = "cpu";
  // Inference dtype. kHalf is CUDA-only, kFloat32Winograd CPU-only (std::invalid_argument
  // elsewhere). Parameters are stored and checkpointed as float32 regardless.
  NetDtype dtype = NetDtype::kFloat32;
  // Intra-op CPU threads for LibTorch (process-wide setting); 0 leaves the current value.
  int threads = 0;
};

// The device a DeviceOptions::device name resolves to on this machine: "cpu" or "cuda:N".
// Throws like the PolicyValueNet constructor for a bad name or an unavailable CUDA device.
std::string resolve_device_name(const std::string& device);

// The device for a process that is `local_rank` on its machine: with several CUDA devices, "auto"
// and "cuda" become cuda:(local_rank mod their count), so learner ranks on one machine take one
// GPU each; any other name comes back as it is.
std::string device_for_local_rank(const std::string& device, int local_rank);

// Makes glibc keep large freed buffers instead of returning them to the OS (M_MMAP_THRESHOLD and
// M_TRIM_THRESHOLD at 1 GiB); batched CPU inference is several times faster with it. Idempotent;
// PolicyValueNet's constructor calls it. Thread-safe.
void tune_allocator_for_inference();

class PolicyValueNetImpl;  // defined in agents/net/network_torch.h

// A policy/value net with its parameters on one device. Constructed in eval mode.
// Thread-safety: forward() may be called concurrently from several threads while nobody changes
// the net; every non-const method needs exclusive access.
class PolicyValueNet {
 public:
  // Deterministic initialisation: equal config and seed give bitwise-equal float32 parameters
  // on any machine. Throws std::invalid_argument for a bad config or options.
  PolicyValueNet(const NetworkConfig& config, uint64_t seed, const DeviceOptions& options = {});
  ~PolicyValueNet();
  PolicyValueNet(const PolicyValueNet&) = delete;
  PolicyValueNet& operator=(const PolicyValueNet&) = delete;

  const NetworkConfig& config() const { return config_; }
  bool has_ownership() const { return config_.ownership_head; }

  // Runs the net without gradients in its current mode (eval unless train() was called). With
  // dtype kFloat32Winograd in eval mode it runs a WinogradNet copy of the parameters, rebuilt
  // whenever a parameter or buffer changed since (LibTorch's version counters tell).
  // `input` is batch * kNumChannels * height * width floats (row-major NCHW, host memory).
  // Writes batch * (height * width + 1) policy logits, batch values, and, when `ownership` is not
  // null, batch * height * width ownership values (zeros when the net has no ownership head).
  // Preconditions: batch >= 1, 1 <= height, width <= 64.
  void forward(const float* input, int batch, int height, int width, float* policy_logits,
               float* values, float* ownership) const;

  // Moves and converts the parameters (threads: see set_threads). Converting to a 16-bit dtype
  // rounds the parameters; converting back does not restore them, so keep a float32 net for
  // training and checkpoints. Throws like the constructor.
  void set_device(const DeviceOptions& options);
  // "cpu" or "cuda:N".
  std::string device_name() const;
  NetDtype dtype() const { return dtype_; }
  // Sets LibTorch's intra-op thread count (process-wide). n >= 1.
  static void set_threads(int n);

  void train();
  void eval();
  bool is_training() const;

  // Number of trainable parameters (scalars).
  int64_t parameter_count() const;

  // The torch module (see agents/net/network_torch.h); owned by this net.
  PolicyValueNetImpl& impl() { return *impl_; }
  const PolicyValueNetImpl& impl() const { return *impl_; }
  const std::shared_ptr<PolicyValueNetImpl>& impl_ptr() const { return impl_; }

 private:
  struct WinogradCopy;  // defined in network.cpp

  NetworkConfig config_;
  NetDtype dtype_ = NetDtype::kFloat32;
  std::shared_ptr<PolicyValueNetImpl> impl_;
  std::unique_ptr<WinogradCopy> winograd_;  // never null; empty unless dtype_ is kFloat32Winograd
};

}  // namespace tenuki
