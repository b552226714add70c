#pragma once
// An agent that runs MCTS with some evaluator: random rollouts (`mcts(...)`) or a network
// (`net(...)`). Single-threaded: it drives one tree, batching leaves_per_batch leaves at a time.
#include <memory>

#include "agents/agent.h"
#include "agents/evaluator.h"
#include "agents/mcts.h"

namespace tenuki {

class SearchAgent : public Agent {
 public:
  SearchAgent(std::string spec, const SearchConfig& config, std::shared_ptr<Evaluator> evaluator)
      : spec_(std::move(spec)), config_(config), evaluator_(std::move(evaluator)), mcts_(config) {}
  std::string spec() const override { return spec_; }
  void new_game(const Game& game) override { mcts_ = Mcts(config_); }
  Action select_action(const State& state) override {
    last_ = mcts_.search(state, *evaluator_);
    return last_.resign ? kResign : last_.action;
  }
  const SearchResult& last_result() const { return last_; }

 private:
  std::string spec_;
  SearchConfig config_;
  std::shared_ptr<Evaluator> evaluator_;
  Mcts mcts_;
  SearchResult last_;
};

}  // namespace tenuki
