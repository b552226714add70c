#pragma once
// The part every network-backed batch shares: encoding positions (envs/encoding.h) at their own
// board size, grouping them by board shape, and turning raw network outputs (cell logits plus a
// pass logit, value, ownership) into EvaluatorBatch results, answering from a ForwardCache when
// one is given (only the misses reach the network). Subclasses only run one group.
// Batches may mix games and sizes; each position's policy has its own game's num_actions().
// Not thread-safe (like every EvaluatorBatch).
#include <cstdint>
#include <memory>
#include <vector>

#include "agents/eval/evaluator.h"
#include "agents/net/forward_cache.h"

namespace tenuki {

class NetBatch : public EvaluatorBatch {
 public:
  // `max_group`: most positions per run_group call (larger groups are split).
  // `cache`: shared with other batches, or null for none.
  NetBatch(bool has_ownership, int max_group, std::shared_ptr<ForwardCache> cache = nullptr)
      : has_ownership_(has_ownership), max_group_(max_group), cache_(std::move(cache)) {}

  int add(const State& state) override;
  int size() const override { return static_cast<int>(slots_.size()); }
  void compute() override;
  float value(int i) const override { return values_[i]; }
  const float* policy(int i) const override { return policies_.data() + slots_[i].policy_offset; }
  const float* ownership(int i) const override {
    return has_ownership_ ? ownership_.data() + slots_[i].ownership_offset : nullptr;
  }

 protected:
  // Evaluates n >= 1 positions of one rows x cols shape: `planes` holds n encodings
  // (kNumChannels x rows x cols each); writes n * (rows * cols + 1) logits, n values and, when
  // `ownership` is not null, n * rows * cols ownership values.
  virtual void run_group(const float* planes, int n, int rows, int cols, float* logits,
                         float* values, float* ownership) = 0;

 private:
  struct Slot {
    int rows = 0, cols = 0, num_actions = 0;
    size_t policy_offset = 0, ownership_offset = 0;
    std::vector<float> planes;
    std::vector<uint8_t> legal;
    ForwardCache::Key key;  // set in compute() when there is a cache
  };

  // Slot i's results from its raw outputs (rows * cols + 1 logits; ownership may be null when
  // the network has none).
  void set_outputs(int i, const float* logits, float value, const float* ownership);

  bool has_ownership_;
  int max_group_;
  std::shared_ptr<ForwardCache> cache_;
  std::vector<Slot> slots_;
  std::vector<float> values_, policies_, ownership_;
  std::vector<Action> legal_scratch_;
  std::vector<float> input_, logits_, group_values_, group_ownership_;
};

}  // namespace tenuki
