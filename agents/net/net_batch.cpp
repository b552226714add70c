#include "agents/net/net_batch.h"

#include <algorithm>
#include <map>

#include "envs/encoding.h"

namespace tenuki {

int NetBatch::add(const State& state) {
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
  if (has_ownership_) ownership_.resize(ownership_.size() + game.num_cells(), 0.0f);
  slots_.push_back(std::move(slot));
  values_.push_back(0.0f);
  return size() - 1;
}

void NetBatch::set_outputs(int i, const float* logits, float value, const float* ownership) {
  const Slot& slot = slots_[i];
  values_[i] = value;
  masked_softmax(logits, slot.legal.data(), slot.num_actions,
                 policies_.data() + slot.policy_offset);
  if (has_ownership_) {
    const size_t cells = static_cast<size_t>(slot.rows) * slot.cols;
    std::copy(ownership, ownership + cells, ownership_.begin() + slot.ownership_offset);
  }
}

void NetBatch::compute() {
  const uint64_t generation = cache_ ? cache_->generation() : 0;
  // Group positions by board shape, keeping their order within a group.
  std::map<std::pair<int, int>, std::vector<int>> groups;
  for (int i = 0; i < size(); ++i) groups[{slots_[i].rows, slots_[i].cols}].push_back(i);
  ForwardCache::Outputs hit;
  for (auto& [shape, members] : groups) {
    const auto [rows, cols] = shape;
    const size_t cells = static_cast<size_t>(rows) * cols;
    const size_t plane_floats = encoding::kNumChannels * cells;
    if (cache_) {  // hits are answered here; the misses go to the network
      std::vector<int> misses;
      for (int i : members) {
        Slot& slot = slots_[i];
        slot.key = ForwardCache::key_of(slot.planes.data(), plane_floats, rows, cols);
        if (cache_->lookup(slot.key, generation, &hit) &&
            (!has_ownership_ || hit.ownership.size() == cells)) {
          set_outputs(i, hit.logits.data(), hit.value, hit.ownership.data());
        } else {
          misses.push_back(i);
        }
      }
      members = std::move(misses);
    }
    for (size_t begin = 0; begin < members.size(); begin += static_cast<size_t>(max_group_)) {
      const size_t n = std::min(members.size() - begin, static_cast<size_t>(max_group_));
      input_.resize(n * plane_floats);
      for (size_t k = 0; k < n; ++k) {
        const auto& planes = slots_[members[begin + k]].planes;
        std::copy(planes.begin(), planes.end(), input_.begin() + k * plane_floats);
      }
      logits_.resize(n * (cells + 1));
      group_values_.resize(n);
      group_ownership_.resize(has_ownership_ ? n * cells : 0);
      run_group(input_.data(), static_cast<int>(n), rows, cols, logits_.data(),
                group_values_.data(), has_ownership_ ? group_ownership_.data() : nullptr);
      for (size_t k = 0; k < n; ++k) {
        const int i = members[begin + k];
        const float* logits = logits_.data() + k * (cells + 1);
        const float* ownership = has_ownership_ ? group_ownership_.data() + k * cells : nullptr;
        set_outputs(i, logits, group_values_[k], ownership);
        if (cache_) {
          cache_->insert(slots_[i].key, generation, logits, cells + 1, group_values_[k], ownership,
                         has_ownership_ ? cells : 0);
        }
      }
    }
  }
}

}  // namespace tenuki
