#pragma once
// A cache of raw network outputs keyed by the network's exact input (after KataGo's NN cache):
// the key is a 128-bit hash of the encoded planes and the board shape, so a hit returns what the
// forward pass returned for those very planes (a 2^-128 collision chance aside), whatever
// State::hash says: positions with the same stones but another history or last move encode
// differently and never share an entry. Outputs are stored before the softmax (cell logits plus
// pass, value, ownership); each position's own legal actions mask them on the way out.
//
// Entries belong to a weights generation: advance_generation() (called when new weights are
// published) makes every older entry a miss, and an insert is dropped when the generation moved
// while its forward pass ran, so no answer of old weights outlives a publication.
//
// Fixed capacity, one entry per slot (a new entry replaces the slot's old one). Thread-safe:
// lookups and inserts from any threads (striped locks).
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace tenuki {

struct ForwardCacheStats {
  int64_t lookups = 0;
  int64_t hits = 0;
  int64_t inserts = 0;
};

class ForwardCache {
 public:
  struct Key {
    uint64_t a = 0, b = 0;
  };
  // Raw outputs of one position: rows * cols + 1 logits, the value, rows * cols ownership values
  // (empty when the network has no ownership head).
  struct Outputs {
    std::vector<float> logits;
    float value = 0;
    std::vector<float> ownership;
  };

  // `capacity` >= 1 positions (rounded up to a power of two).
  explicit ForwardCache(size_t capacity);

  static Key key_of(const float* planes, size_t num_floats, int rows, int cols);

  // The generation entries are stored under now; read it before a forward pass.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  void advance_generation() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  // True and `out` filled when `key` is stored under `generation`.
  bool lookup(const Key& key, uint64_t generation, Outputs* out);
  // Stores `outputs` for `key` computed with the weights of `generation`; dropped when the
  // generation has moved since.
  void insert(const Key& key, uint64_t generation, const float* logits, size_t num_logits,
              float value, const float* ownership, size_t num_ownership);

  size_t capacity() const { return slots_.size(); }
  ForwardCacheStats stats() const;

 private:
  struct Slot {
    Key key;
    uint64_t generation = 0;
    bool used = false;
    Outputs outputs;
  };
  static constexpr size_t kStripes = 64;
  std::mutex& stripe(size_t index) { return stripes_[index % kStripes]; }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  std::array<std::mutex, kStripes> stripes_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> lookups_{0}, hits_{0}, inserts_{0};
};

}  // namespace tenuki
