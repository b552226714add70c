#include <algorithm>
#include <cmath>
#include <list>
#include <mutex>
#include <unordered_map>

#include "agents/eval/evaluator.h"

namespace tenuki {

int VectorBatch::add_slot(const State& state) {
  const int i = size();
  values_.push_back(0);
  policies_.resize(policies_.size() + num_actions_, 0.0f);
  legal_.resize(legal_.size() + num_actions_, 0);
  uint8_t* mask = legal_.data() + static_cast<size_t>(i) * num_actions_;
  std::vector<Action> legal;
  state.legal_actions(&legal);
  for (Action a : legal) mask[a] = 1;
  return i;
}

void masked_softmax(const float* logits, const uint8_t* legal, int n, float* out) {
  float max_logit = -INFINITY;
  for (int a = 0; a < n; ++a) {
    if (legal[a]) max_logit = std::max(max_logit, logits[a]);
  }
  double sum = 0;
  for (int a = 0; a < n; ++a) {
    const double e = legal[a] ? std::exp(static_cast<double>(logits[a]) - max_logit) : 0.0;
    out[a] = static_cast<float>(e);
    sum += e;
  }
  if (sum > 0) {
    for (int a = 0; a < n; ++a) out[a] = static_cast<float>(out[a] / sum);
  }
}

void VectorBatch::set_policy_from_logits(int i, const float* logits) {
  masked_softmax(logits, legal_.data() + static_cast<size_t>(i) * num_actions_, num_actions_,
                 policies_.data() + static_cast<size_t>(i) * num_actions_);
}

void VectorBatch::set_uniform_policy(int i) {
  const uint8_t* mask = legal_.data() + static_cast<size_t>(i) * num_actions_;
  float* out = policies_.data() + static_cast<size_t>(i) * num_actions_;
  int n = 0;
  for (int a = 0; a < num_actions_; ++a) n += mask[a];
  for (int a = 0; a < num_actions_; ++a) out[a] = mask[a] && n ? 1.0f / n : 0.0f;
}

namespace {

// Batches whose outputs depend on one state at a time: evaluated eagerly in add().
class EagerBatch : public VectorBatch {
 public:
  using VectorBatch::VectorBatch;
  void compute() override {}
};

// Num_actions is only known at the first add(); these batches size themselves lazily.
class LazyBatch : public EagerBatch {
 public:
  LazyBatch() : EagerBatch(0) {}

 protected:
  int begin_add(const State& state) {
    if (num_actions_ == 0) num_actions_ = state.game().num_actions();
    return add_slot(state);
  }
};

class UniformBatch : public LazyBatch {
 public:
  int add(const State& state) override {
    int i = begin_add(state);
    set_uniform_policy(i);
    return i;
  }
};

class UniformEvaluator : public Evaluator {
 public:
  EvaluatorAttributes attributes() const override { return {.max_batch = 1 << 20}; }
  std::unique_ptr<EvaluatorBatch> new_batch() override { return std::make_unique<UniformBatch>(); }
};

class HashRandomBatch : public LazyBatch {
 public:
  explicit HashRandomBatch(uint64_t seed) : seed_(seed) {}
  int add(const State& state) override {
    int i = begin_add(state);
    uint64_t x = state.hash() ^ seed_;
    std::vector<float> logits(num_actions_);
    for (float& l : logits) l = static_cast<float>((splitmix64(x) >> 40) * 0x1.0p-24 * 4.0 - 2.0);
    set_policy_from_logits(i, logits.data());
    values_[i] = static_cast<float>((splitmix64(x) >> 40) * 0x1.0p-24 * 2.0 - 1.0);
    return i;
  }

 private:
  uint64_t seed_;
};

class HashRandomEvaluator : public Evaluator {
 public:
  explicit HashRandomEvaluator(uint64_t seed) : seed_(seed) {}
  EvaluatorAttributes attributes() const override { return {.max_batch = 1 << 20}; }
  std::unique_ptr<EvaluatorBatch> new_batch() override {
    return std::make_unique<HashRandomBatch>(seed_);
  }

 private:
  uint64_t seed_;
};

class RolloutBatch : public LazyBatch {
 public:
  RolloutBatch(int rollouts, uint64_t seed) : rollouts_(rollouts), rng_(seed) {}
  int add(const State& state) override {
    int i = begin_add(state);
    set_uniform_policy(i);
    const int me = state.current_player();
    double total = 0;
    for (int r = 0; r < rollouts_; ++r) {
      auto copy = state.clone();
      play_random_playout(*copy, rng_);
      total += copy->returns()[me];
    }
    values_[i] = static_cast<float>(total / rollouts_);
    return i;
  }

 private:
  int rollouts_;
  Rng rng_;
};

class RolloutEvaluator : public Evaluator {
 public:
  RolloutEvaluator(int rollouts, uint64_t seed) : rollouts_(rollouts), seed_(seed) {}
  EvaluatorAttributes attributes() const override { return {.max_batch = 1 << 20}; }
  std::unique_ptr<EvaluatorBatch> new_batch() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::make_unique<RolloutBatch>(rollouts_, seed_ + 0x9E37 * batches_++);
  }

 private:
  int rollouts_;
  uint64_t seed_;
  std::mutex mutex_;
  uint64_t batches_ = 0;
};

// Cache of (value, policy) by position hash; least recently inserted entries go first.
class EvalCache {
 public:
  explicit EvalCache(size_t capacity) : capacity_(capacity) {}
  struct Entry {
    float value = 0;
    std::vector<float> policy;
  };
  bool lookup(uint64_t key, Entry* out) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    *out = it->second;
    return true;
  }
  void insert(uint64_t key, Entry entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (map_.count(key)) return;
    if (map_.size() >= capacity_ && !order_.empty()) {
      map_.erase(order_.front());
      order_.pop_front();
    }
    map_.emplace(key, std::move(entry));
    order_.push_back(key);
  }

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::unordered_map<uint64_t, Entry> map_;
  std::list<uint64_t> order_;
};

class CachingBatch : public EvaluatorBatch {
 public:
  CachingBatch(std::unique_ptr<EvaluatorBatch> inner, std::shared_ptr<EvalCache> cache)
      : inner_(std::move(inner)), cache_(std::move(cache)) {}
  int add(const State& state) override {
    Slot slot;
    slot.key = state.hash() ^ std::hash<std::string>()(state.game().spec());
    slot.num_actions = state.game().num_actions();
    if (cache_->lookup(slot.key, &slot.entry)) {
      slot.inner_index = -1;
    } else {
      slot.inner_index = inner_->add(state);
    }
    slots_.push_back(std::move(slot));
    return static_cast<int>(slots_.size()) - 1;
  }
  int size() const override { return static_cast<int>(slots_.size()); }
  void compute() override {
    if (inner_->size() > 0) inner_->compute();
    for (auto& slot : slots_) {
      if (slot.inner_index < 0) continue;
      const float* p = inner_->policy(slot.inner_index);
      slot.entry.value = inner_->value(slot.inner_index);
      slot.entry.policy.assign(p, p + slot.num_actions);
      cache_->insert(slot.key, slot.entry);
    }
  }
  float value(int i) const override { return slots_[i].entry.value; }
  const float* policy(int i) const override { return slots_[i].entry.policy.data(); }

  // Number of positions that missed the cache (and went to the inner evaluator).
  int misses() const { return inner_->size(); }

 private:
  struct Slot {
    uint64_t key = 0;
    int num_actions = 0;
    int inner_index = -1;
    EvalCache::Entry entry;
  };
  std::unique_ptr<EvaluatorBatch> inner_;
  std::shared_ptr<EvalCache> cache_;
  std::vector<Slot> slots_;
};

class CachingEvaluator : public Evaluator {
 public:
  CachingEvaluator(std::shared_ptr<Evaluator> inner, size_t capacity)
      : inner_(std::move(inner)), cache_(std::make_shared<EvalCache>(capacity)) {}
  EvaluatorAttributes attributes() const override { return inner_->attributes(); }
  std::unique_ptr<EvaluatorBatch> new_batch() override {
    return std::make_unique<CachingBatch>(inner_->new_batch(), cache_);
  }

 private:
  std::shared_ptr<Evaluator> inner_;
  std::shared_ptr<EvalCache> cache_;
};

}  // namespace

std::unique_ptr<Evaluator> make_uniform_evaluator() { return std::make_unique<UniformEvaluator>(); }
std::unique_ptr<Evaluator> make_hash_random_evaluator(uint64_t seed) {
  return std::make_unique<HashRandomEvaluator>(seed);
}
std::unique_ptr<Evaluator> make_rollout_evaluator(int rollouts, uint64_t seed) {
  return std::make_unique<RolloutEvaluator>(rollouts, seed);
}
std::unique_ptr<Evaluator> make_caching_evaluator(std::shared_ptr<Evaluator> inner,
                                                  size_t capacity) {
  return std::make_unique<CachingEvaluator>(std::move(inner), capacity);
}

}  // namespace tenuki
