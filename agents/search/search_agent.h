#pragma once
// An agent that runs MCTS with some evaluator: random rollouts (`mcts(...)`) or a network
// (`net(...)`). Single-threaded: it drives one tree, batching leaves_per_batch leaves at a time.
// Besides select_action it offers what the GTP engine needs: a time limit per move, progress
// reports during a move, and open-ended analysis of a position. Not thread-safe.
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <thread>

#include "agents/agent.h"
#include "agents/eval/evaluator.h"
#include "agents/search/mcts.h"

namespace tenuki {

class SearchAgent : public Agent {
 public:
  // Called with the tree during a search (between batches); must not keep the reference.
  using Report = std::function<void(const Mcts& tree)>;

  SearchAgent(std::string spec, const SearchConfig& config, std::shared_ptr<Evaluator> evaluator)
      : spec_(std::move(spec)), config_(config), evaluator_(std::move(evaluator)), mcts_(config) {}
  std::string spec() const override { return spec_; }
  void new_game(const Game& game) override { mcts_ = Mcts(config_); }
  Action select_action(const State& state) override { return search_reporting(state, 0, {}); }

  // Limits each following search to `seconds` of wall time (checked after every evaluator batch,
  // so a search may run over by one batch); the search stops at the playout count or the time,
  // whichever comes first. <= 0 or infinity: no time limit.
  void set_time_limit(double seconds) { time_limit_s_ = seconds; }

  // select_action that also calls `report` every `interval_s` seconds (> 0) and once at the end.
  Action search_reporting(const State& state, double interval_s, const Report& report) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto last_report = start;
    const bool timed = time_limit_s_ > 0 && std::isfinite(time_limit_s_);
    mcts_.set_root(state);
    while (!mcts_.done()) {
      mcts_.step(*evaluator_);
      const auto now = Clock::now();
      if (report && interval_s > 0 &&
          std::chrono::duration<double>(now - last_report).count() >= interval_s) {
        report(mcts_);
        last_report = now;
      }
      if (timed && std::chrono::duration<double>(now - start).count() >= time_limit_s_) break;
    }
    if (report) report(mcts_);
    last_ = mcts_.result();
    return last_.resign ? kResign : last_.action;
  }

  static constexpr int kMinAnalysisPlayouts = 16;

  // Searches `state` (not terminal) with no playout limit, without Dirichlet noise, temperature,
  // Gumbel or forced playouts, in a tree of its own (the move tree is untouched), until `stop()`
  // returns true (polled after every batch once kMinAnalysisPlayouts playouts are done). Calls
  // `report` every `interval_s` seconds when interval_s > 0, and once more at the end. Growth stops
  // at max_nodes tree nodes; the reports go on.
  void analyze(const State& state, double interval_s, const Report& report,
               const std::function<bool()>& stop, int max_nodes = 4000000) {
    using Clock = std::chrono::steady_clock;
    SearchConfig config = config_;
    config.playouts = 1 << 30;
    config.root_noise = false;
    config.temperature = 0;
    config.gumbel = false;
    config.forced_playouts = false;
    config.full_search_prob = 1.0;
    config.reuse_tree = false;
    Mcts tree(config);
    tree.set_root(state);
    auto last_report = Clock::now();
    do {
      if (!tree.done() && tree.tree_size() < max_nodes) {
        tree.step(*evaluator_);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      const auto now = Clock::now();
      if (report && interval_s > 0 &&
          std::chrono::duration<double>(now - last_report).count() >= interval_s) {
        report(tree);
        last_report = now;
      }
      // At least kMinAnalysisPlayouts playouts, so that even an analysis stopped at once
      // (in-process GTP) reports some moves.
    } while (!(tree.playouts_done() >= kMinAnalysisPlayouts && stop()));
    if (report && interval_s > 0) report(tree);
  }

  const SearchResult& last_result() const { return last_; }
  Evaluator& evaluator() { return *evaluator_; }
  const SearchConfig& config() const { return config_; }

 private:
  std::string spec_;
  SearchConfig config_;
  std::shared_ptr<Evaluator> evaluator_;
  Mcts mcts_;
  SearchResult last_;
  double time_limit_s_ = 0;
};

}  // namespace tenuki
