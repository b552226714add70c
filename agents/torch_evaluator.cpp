#include "agents/torch_evaluator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "envs/encoding.h"

namespace tenuki {
namespace {

// What batches share: the net and the lock around its forward passes.
struct SharedNet {
  std::shared_ptr<PolicyValueNet> net;
  TorchEvaluatorOptions options;
  std::mutex forward_mutex;
};

class TorchBatch : public EvaluatorBatch {
 public:
  explicit TorchBatch(std::shared_ptr<SharedNet> shared) : shared_(std::move(shared)) {}

  int add(const State& state) override {
    const Game& game = state.game();
    Slot slot;
    slot.rows = game.rows();
    slot.cols = game.cols();
    slot.num_actions = game.num_actions();
    slot.policy_offset = policies_.size();
    slot.ownership_offset = ownership_.size();
    slot.planes.resize(static_cast<size_t>(encoding::kNumChannels) * game.num_cells());
    encoding::encode(state, slot.rows, slot.cols, slot.planes.data());
    slot.legal.assign(static_cast<size_t>(slot.num_actions), 0);
    state.legal_actions(&legal_scratch_);
    for (Action a : legal_scratch_) slot.legal[static_cast<size_t>(a)] = 1;
    policies_.resize(policies_.size() + static_cast<size_t>(slot.num_actions), 0.0f);
    if (shared_->net->has_ownership()) {
      ownership_.resize(ownership_.size() + static_cast<size_t>(game.num_cells()), 0.0f);
    }
    slots_.push_back(std::move(slot));
    values_.push_back(0.0f);
    return static_cast<int>(slots_.size()) - 1;
  }

  int size() const override { return static_cast<int>(slots_.size()); }

  void compute() override {
    // Group positions by board shape, keeping their order within a group.
    std::map<std::pair<int, int>, std::vector<int>> groups;
    for (int i = 0; i < size(); ++i) groups[{slots_[i].rows, slots_[i].cols}].push_back(i);
    const int max_batch = shared_->options.max_batch;
    const bool has_ownership = shared_->net->has_ownership();
    std::vector<float> input, logits, values, ownership;
    for (const auto& [shape, members] : groups) {
      const auto [rows, cols] = shape;
      const size_t cells = static_cast<size_t>(rows) * cols;
      const size_t plane_floats = encoding::kNumChannels * cells;
      for (size_t begin = 0; begin < members.size(); begin += static_cast<size_t>(max_batch)) {
        const size_t n = std::min(members.size() - begin, static_cast<size_t>(max_batch));
        input.resize(n * plane_floats);
        for (size_t k = 0; k < n; ++k) {
          const auto& planes = slots_[members[begin + k]].planes;
          std::copy(planes.begin(), planes.end(), input.begin() + k * plane_floats);
        }
        logits.resize(n * (cells + 1));
        values.resize(n);
        ownership.resize(has_ownership ? n * cells : 0);
        {
          std::lock_guard<std::mutex> lock(shared_->forward_mutex);
          shared_->net->forward(input.data(), static_cast<int>(n), rows, cols, logits.data(),
                                values.data(), has_ownership ? ownership.data() : nullptr);
        }
        for (size_t k = 0; k < n; ++k) {
          const int i = members[begin + k];
          values_[i] = values[k];
          set_policy(i, logits.data() + k * (cells + 1));
          if (has_ownership) {
            std::copy(ownership.begin() + k * cells, ownership.begin() + (k + 1) * cells,
                      ownership_.begin() + slots_[i].ownership_offset);
          }
        }
      }
    }
  }

  float value(int i) const override { return values_[i]; }
  const float* policy(int i) const override { return policies_.data() + slots_[i].policy_offset; }
  const float* ownership(int i) const override {
    return shared_->net->has_ownership() ? ownership_.data() + slots_[i].ownership_offset
                                         : nullptr;
  }

 private:
  struct Slot {
    int rows = 0, cols = 0, num_actions = 0;
    size_t policy_offset = 0, ownership_offset = 0;
    std::vector<float> planes;
    std::vector<uint8_t> legal;
  };

  // Softmax of `logits` (num_actions entries) over slot i's legal actions; zero elsewhere.
  void set_policy(int i, const float* logits) {
    const Slot& slot = slots_[i];
    float* out = policies_.data() + slot.policy_offset;
    float max_logit = -INFINITY;
    for (int a = 0; a < slot.num_actions; ++a) {
      if (slot.legal[a]) max_logit = std::max(max_logit, logits[a]);
    }
    double sum = 0;
    for (int a = 0; a < slot.num_actions; ++a) {
      const double e = slot.legal[a] ? std::exp(static_cast<double>(logits[a]) - max_logit) : 0.0;
      out[a] = static_cast<float>(e);
      sum += e;
    }
    if (sum > 0) {
      for (int a = 0; a < slot.num_actions; ++a) out[a] = static_cast<float>(out[a] / sum);
    }
  }

  std::shared_ptr<SharedNet> shared_;
  std::vector<Slot> slots_;
  std::vector<float> values_, policies_, ownership_;
  std::vector<Action> legal_scratch_;
};

class TorchEvaluator : public Evaluator {
 public:
  explicit TorchEvaluator(std::shared_ptr<SharedNet> shared) : shared_(std::move(shared)) {}

  EvaluatorAttributes attributes() const override {
    EvaluatorAttributes a;
    a.max_batch = shared_->options.max_batch;
    a.device = shared_->net->device_name();
    a.has_ownership = shared_->net->has_ownership();
    return a;
  }

  std::unique_ptr<EvaluatorBatch> new_batch() override {
    return std::make_unique<TorchBatch>(shared_);
  }

 private:
  std::shared_ptr<SharedNet> shared_;
};

}  // namespace

std::unique_ptr<Evaluator> make_torch_evaluator(std::shared_ptr<PolicyValueNet> net,
                                                TorchEvaluatorOptions options) {
  if (!net) throw std::invalid_argument("make_torch_evaluator: null net");
  if (options.max_batch < 1) throw std::invalid_argument("make_torch_evaluator: max_batch < 1");
  auto shared = std::make_shared<SharedNet>();
  shared->net = std::move(net);
  shared->options = options;
  return std::make_unique<TorchEvaluator>(std::move(shared));
}

}  // namespace tenuki
