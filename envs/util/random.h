#pragma once
// Small, fast, seedable random number generator (xoshiro256**, seeded through splitmix64).
// Not thread-safe: give each thread its own instance.
#include <cstdint>
#include <limits>
#include <span>

namespace tenuki {

inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  using result_type = uint64_t;
  explicit Rng(uint64_t seed = 0x5eed) {
    for (auto& word : s_) word = splitmix64(seed);
  }
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }
  result_type operator()() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform integer in [0, n); n > 0. Lemire's multiply-shift (bias below 2^-32 for small n).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((*this)() >> 32) * static_cast<uint64_t>(n) >> 32);
  }
  // Uniform double in [0, 1).
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Draws index k with probability weights[k] / sum(weights), using one rng.uniform(). Weights must
// be >= 0. Returns -1 when they sum to zero or rounding runs past the last one: each caller keeps
// its own fallback (its best move, say).
inline int draw_weighted(Rng& rng, std::span<const double> weights) {
  double total = 0;
  for (double w : weights) total += w;
  double x = rng.uniform() * total;
  for (size_t k = 0; k < weights.size(); ++k) {
    x -= weights[k];
    if (x < 0) return static_cast<int>(k);
  }
  return -1;
}

}  // namespace tenuki
