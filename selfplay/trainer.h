#pragma once
// The trainer: optimiser steps on a float32 master PolicyValueNet from replay-buffer batches.
//
// Loss per batch (means over the batch):
//   policy cross-entropy  -sum_a target(a) log softmax(logits)(a)
// + value_weight * (value - z)^2          z: the game result for the player to move
// + ownership_weight * w * mean_cells (ownership - final owner)^2   (only with an ownership head;
//   w: the sample's TrainingBatch::ownership_weight, so games that did not reach their end add 0)
// + opponent_policy_weight * w * cross-entropy of the opponent's reply (only with an opponent-
//   policy head; w: TrainingBatch::opponent_policy_weight, 0 at a game's last move)
// plus weight decay in the optimiser (SGD with Nesterov momentum, or AdamW for "adam").
// Learning rate at step t: lr * schedule(t) * multiplier(parameter), see TrainerConfig.
// Frozen parameters get no gradient and their modules' batch-norm statistics stay fixed, until
// step config.unfreeze_after when set (transfer plan frozen-trunk); the schedule depends only on
// steps(), so set_steps() on a resumed run keeps it.
//
// This header does not include LibTorch. Thread-safety: not thread-safe; one thread calls every
// method. Readers of net() (checkpoints, weight publication) must run on that thread too, or
// while no step is in progress.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agents/net/network.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/train_config.h"

namespace tenuki {

struct TrainStepStats {
  double loss = 0;
  double policy_loss = 0;
  double value_loss = 0;
  double ownership_loss = 0;        // mean over the samples with a known ownership target
  int ownership_samples = 0;        // those samples
  double opponent_policy_loss = 0;  // mean over the samples with a reply (opponent-policy head)
  int opponent_policy_samples = 0;  // those samples
  double policy_entropy = 0;        // mean entropy of the net's policy (nats)
  double lr = 0;                    // base learning rate used (before multipliers)
};

class Trainer {
 public:
  // Takes a share of `net` (float32; it is switched to training mode). Throws ConfigError for a
  // frozen or lr-multiplier prefix that matches no parameter, std::invalid_argument for a net that
  // is not float32.
  Trainer(std::shared_ptr<PolicyValueNet> net, const TrainerConfig& config);
  ~Trainer();

  TrainStepStats step(const TrainingBatch& batch);
  // Called on every step between the backward pass and the optimiser step, on the step's thread
  // (data-parallel learners average the gradients here: LearnerGroup::average_gradients).
  void set_after_backward(std::function<void(PolicyValueNet&)> hook) {
    after_backward_ = std::move(hook);
  }
  int64_t steps() const { return steps_; }
  void set_steps(int64_t steps) { steps_ = steps; }
  // Base learning rate at step t (schedule applied, multipliers not).
  double lr_at(int64_t step) const;
  // The learning-rate factor of the frozen parameters at step t when config.unfreeze_after > 0:
  // 0 before unfreeze_after, then the warm-up ramp up to 1 (see TrainerConfig).
  double unfreeze_factor(int64_t step) const;

  PolicyValueNet& net() { return *net_; }
  const std::shared_ptr<PolicyValueNet>& net_ptr() const { return net_; }

  // Optimiser state (momentum / Adam moments) in LibTorch's archive format, written atomically.
  // Throws std::runtime_error on I/O failure.
  void save_optimizer(const std::string& path) const;
  // Returns false (optimiser unchanged) when the file is missing or does not match.
  bool load_optimizer(const std::string& path);

  // The names of the parameters that train, with their learning-rate multipliers.
  std::vector<std::pair<std::string, double>> trainable_parameters() const;

 private:
  struct Impl;
  std::shared_ptr<PolicyValueNet> net_;
  TrainerConfig config_;
  int64_t steps_ = 0;
  std::function<void(PolicyValueNet&)> after_backward_;
  std::unique_ptr<Impl> impl_;
};

// A new float32 net with `source`'s architecture and weights on `options`' device and dtype.
std::shared_ptr<PolicyValueNet> clone_net(const PolicyValueNet& source,
                                          const DeviceOptions& options);
// Every parameter and buffer of `net` as float32 values, by dotted name (tests and tools).
std::map<std::string, std::vector<float>> parameter_snapshot(const PolicyValueNet& net);
// True when `name` equals `prefix` or starts with prefix + "." (dotted parameter names).
bool name_has_prefix(const std::string& name, const std::string& prefix);

}  // namespace tenuki
