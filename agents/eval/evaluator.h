#pragma once
// Position evaluation for search, after lc0's Backend / BackendComputation: a batch takes
// positions one by one, computes them all at once, then answers per position.
//
// Outputs are from the point of view of the player to move in each added position:
// - value in [-1, 1] (expected return),
// - policy: probabilities over game.num_actions() actions, zero on illegal actions, summing to 1
//   over the legal ones,
// - optional ownership: per cell in [-1, 1], +1 = owned by the player to move at the end.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "envs/game.h"

namespace tenuki {

struct EvaluatorAttributes {
  int max_batch = 1;           // largest useful batch (adding more is allowed but may split)
  std::string device = "cpu";  // "cpu" or "cuda:N"
  bool has_ownership = false;
};

// One computation. Not thread-safe: one thread adds, computes and reads.
class EvaluatorBatch {
 public:
  virtual ~EvaluatorBatch() = default;
  // Copies what it needs from `state` (which need not outlive the call); returns the index of
  // the position in this batch. Precondition: !state.is_terminal().
  virtual int add(const State& state) = 0;
  virtual int size() const = 0;
  // Evaluates every added position; blocks until done. Call once.
  virtual void compute() = 0;
  // Results, valid after compute() for 0 <= i < size().
  virtual float value(int i) const = 0;
  // Pointer to num_actions() probabilities, valid until the batch is destroyed.
  virtual const float* policy(int i) const = 0;
  // Pointer to num_cells() values, or nullptr when the evaluator has no ownership output.
  virtual const float* ownership(int i) const { return nullptr; }
};

// A factory of batches. Implementations state their own thread-safety; new_batch() of the
// evaluators in this folder may be called from several threads unless noted.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual EvaluatorAttributes attributes() const = 0;
  virtual std::unique_ptr<EvaluatorBatch> new_batch() = 0;
};

// out[a] = softmax of logits over the actions with legal[a] != 0, and 0 elsewhere (n actions). With
// no legal action, out is all zero.
void masked_softmax(const float* logits, const uint8_t* legal, int n, float* out);

// A batch implementation that keeps results in plain vectors; subclasses fill them in compute().
class VectorBatch : public EvaluatorBatch {
 public:
  explicit VectorBatch(int num_actions) : num_actions_(num_actions) {}
  int size() const override { return static_cast<int>(values_.size()); }
  float value(int i) const override { return values_[i]; }
  const float* policy(int i) const override {
    return policies_.data() + static_cast<size_t>(i) * num_actions_;
  }

 protected:
  // Appends a slot with the legal mask of `state`; returns its index.
  int add_slot(const State& state);
  // Sets slot i's policy to softmax(logits) over its legal actions (`logits` has num_actions
  // entries; illegal ones are ignored).
  void set_policy_from_logits(int i, const float* logits);
  // Sets slot i's policy to uniform over its legal actions.
  void set_uniform_policy(int i);

  int num_actions_;
  std::vector<float> values_;
  std::vector<float> policies_;  // size() * num_actions_
  std::vector<uint8_t> legal_;   // size() * num_actions_, 1 where legal
};

// Uniform policy over legal moves and value 0. Thread-safe.
std::unique_ptr<Evaluator> make_uniform_evaluator();
// Deterministic pseudo-random policy and value from the position hash (after lc0's "random"
// backend): the same position always gets the same output. Thread-safe.
std::unique_ptr<Evaluator> make_hash_random_evaluator(uint64_t seed);
// Uniform policy; value = result of `rollouts` random playouts (State::sample_playout_action)
// from the position. Thread-safe (each batch has its own generator seeded from `seed`).
std::unique_ptr<Evaluator> make_rollout_evaluator(int rollouts, uint64_t seed);
// Wraps `inner` with a cache keyed on State::hash() (and the game spec), holding up to `capacity`
// positions. Thread-safe (one mutex around the table).
std::unique_ptr<Evaluator> make_caching_evaluator(std::shared_ptr<Evaluator> inner,
                                                  size_t capacity);

}  // namespace tenuki
