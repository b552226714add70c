#pragma once
#include "agents/agent.h"

namespace tenuki {

// Plays a uniformly random legal action (pass included where legal).
class RandomAgent : public Agent {
 public:
  explicit RandomAgent(uint64_t seed) : rng_(seed) {}
  std::string spec() const override { return "random"; }
  Action select_action(const State& state) override {
    state.legal_actions(&legal_);
    return legal_[rng_.below(static_cast<uint32_t>(legal_.size()))];
  }

 private:
  Rng rng_;
  std::vector<Action> legal_;
};

}  // namespace tenuki
