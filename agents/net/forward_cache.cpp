#include "agents/net/forward_cache.h"

#include <cstring>
#include <stdexcept>

namespace tenuki {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

ForwardCache::ForwardCache(size_t capacity) {
  if (capacity < 1) throw std::invalid_argument("ForwardCache: capacity must be >= 1");
  size_t size = 1;
  while (size < capacity) size <<= 1;
  slots_.resize(size);
  mask_ = size - 1;
}

ForwardCache::Key ForwardCache::key_of(const float* planes, size_t num_floats, int rows, int cols) {
  // Two independent 64-bit lanes over the planes' bytes, four bytes (one float) at a time.
  uint64_t a = mix(0x9e3779b97f4a7c15ULL ^
                   (static_cast<uint64_t>(rows) << 32 | static_cast<uint32_t>(cols)));
  uint64_t b = mix(a ^ 0xd6e8feb86659fd93ULL ^ num_floats);
  for (size_t i = 0; i < num_floats; ++i) {
    uint32_t bits;
    std::memcpy(&bits, planes + i, sizeof bits);
    a = mix(a ^ (bits + 0x632be59bd9b4e019ULL * (i + 1)));
    b = (b ^ bits) * 0x100000001b3ULL + (b >> 29);
  }
  return {a, mix(b ^ a)};
}

bool ForwardCache::lookup(const Key& key, uint64_t generation, Outputs* out) {
  lookups_.fetch_add(1, std::memory_order_relaxed);
  const size_t index = key.a & mask_;
  std::lock_guard<std::mutex> lock(stripe(index));
  const Slot& slot = slots_[index];
  if (!slot.used || slot.generation != generation || slot.key.a != key.a || slot.key.b != key.b) {
    return false;
  }
  out->logits = slot.outputs.logits;
  out->value = slot.outputs.value;
  out->ownership = slot.outputs.ownership;
  hits_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void ForwardCache::insert(const Key& key, uint64_t generation, const float* logits,
                          size_t num_logits, float value, const float* ownership,
                          size_t num_ownership) {
  if (generation != this->generation()) return;
  const size_t index = key.a & mask_;
  std::lock_guard<std::mutex> lock(stripe(index));
  Slot& slot = slots_[index];
  slot.key = key;
  slot.generation = generation;
  slot.used = true;
  slot.outputs.logits.assign(logits, logits + num_logits);
  slot.outputs.value = value;
  slot.outputs.ownership.assign(ownership, ownership + num_ownership);
  inserts_.fetch_add(1, std::memory_order_relaxed);
}

ForwardCacheStats ForwardCache::stats() const {
  return {lookups_.load(), hits_.load(), inserts_.load()};
}

}  // namespace tenuki
