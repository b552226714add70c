#include "agents/net/torch_evaluator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "agents/net/net_batch.h"

namespace tenuki {
namespace {

// What batches share: the net and the lock around its forward passes.
struct SharedNet {
  std::shared_ptr<PolicyValueNet> net;
  TorchEvaluatorOptions options;
  std::mutex forward_mutex;
};

class TorchBatch : public NetBatch {
 public:
  explicit TorchBatch(std::shared_ptr<SharedNet> shared)
      : NetBatch(shared->net->has_ownership(), shared->options.max_batch),
        shared_(std::move(shared)) {}

 protected:
  void run_group(const float* planes, int n, int rows, int cols, float* logits, float* values,
                 float* ownership) override {
    std::lock_guard<std::mutex> lock(shared_->forward_mutex);
    shared_->net->forward(planes, n, rows, cols, logits, values, ownership);
  }

 private:
  std::shared_ptr<SharedNet> shared_;
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
