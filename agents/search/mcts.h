#pragma once
// Game-agnostic Monte Carlo tree search (PUCT), split into stages so that one thread can drive
// many trees and fill one evaluator batch (after lc0's gather / run / backup):
//
//   Mcts tree(config);
//   tree.set_root(state);
//   while (!tree.done()) {
//     auto batch = evaluator.new_batch();
//     tree.gather(*batch);        // stage 1: select leaves, add them to the batch
//     batch->compute();           // stage 2: evaluate (possibly shared with other trees)
//     tree.backup(*batch);        // stage 3: expand leaves and back values up
//   }
//   SearchResult r = tree.result();
//
// Several leaves of one tree per batch are gathered with virtual loss. Not thread-safe: one
// thread per tree (many trees per thread is the intended use).
#include <memory>
#include <utility>
#include <vector>

#include "agents/eval/evaluator.h"
#include "agents/search/search_config.h"
#include "envs/game.h"

namespace tenuki {

struct SearchResult {
  Action action = -1;       // the move chosen (temperature / Gumbel rules applied)
  bool resign = false;      // root value below the resignation threshold
  bool full_search = true;  // false for a playout-cap-randomized fast search or a forced move
  // Chosen without a search: a decided root (one legal action, or every action ends the game:
  // the best return is played) or the pass rule (SearchConfig::safe_pass). No visits; the
  // policy target is the chosen action.
  bool forced = false;
  float root_value = 0;  // mean value for the player to move
  int root_visits = 0;
  std::vector<float> policy_target;  // num_actions probabilities for training
  std::vector<int> visits;           // num_actions child visit counts (raw)
};

// One root move of a search, for analysis output (GTP lz-analyze / kata-analyze).
struct RootMoveStats {
  Action action = -1;
  int visits = 0;
  float prior = 0;         // the evaluator's policy probability
  float value = 0;         // mean value of the move for the player to move at the root, [-1, 1]
  std::vector<Action> pv;  // the move, then the most visited reply, and so on
};

class Mcts {
 public:
  explicit Mcts(const SearchConfig& config);
  ~Mcts();
  Mcts(Mcts&&) noexcept;
  Mcts& operator=(Mcts&&) noexcept;

  const SearchConfig& config() const { return config_; }

  // Starts a search from `state` (copied). With reuse_tree, if `state` extends the previous root
  // by moves already in the tree, that subtree is kept. `fast_only`: this search is a fast one
  // (fast_playouts, not for training) whatever full_search_prob would draw. Precondition:
  // !state.is_terminal().
  void set_root(const State& state, bool fast_only = false);
  static constexpr int kMaxTerminalBackupsPerGather = 256;
  // Stage 1: adds up to leaves_per_batch leaves to `batch` and returns how many it added
  // (terminal leaves are backed up at once and not added, at most kMaxTerminalBackupsPerGather
  // of them per call). May add 0 when all paths collide or end in terminal states.
  int gather(EvaluatorBatch& batch);
  // Stage 3: expands and backs up the leaves this tree added to `batch` in the last gather.
  void backup(const EvaluatorBatch& batch);
  // Stages 1-3 once: gathers a batch from `evaluator`, evaluates it when it holds leaves, and
  // backs it up. A search is a loop of steps until done() (or a caller's time limit).
  void step(Evaluator& evaluator);
  // True once the root has received the playouts of this search.
  bool done() const;
  // Runs stages 1-3 with `evaluator` until done(); returns result().
  SearchResult search(const State& state, Evaluator& evaluator);
  // The outcome of the finished search (move choice, training target). Advances the internal
  // move-choice generator, so call once per search.
  SearchResult result();

  // Statistics: nodes in the tree, and playouts run in the current search.
  int tree_size() const;
  int playouts_done() const;

  // The root's children with at least one visit, most visited first (ties: higher prior), each
  // with a principal variation of at most pv_length moves. Empty before the root is expanded.
  // Read-only: may be called between backup() and the next gather(), and after result().
  std::vector<RootMoveStats> root_move_stats(int pv_length) const;
  // The evaluator's policy at the root as this search sees it before root noise (the pass rule's
  // blocked pass left out, the rest renormalised): (action, probability) pairs in increasing
  // action order. Empty before the root is expanded and at a decided root (no search).
  std::vector<std::pair<Action, float>> root_policy() const;

 private:
  // Gumbel MuZero's completed-Q logit of a root child: log prior + sigma(q), with
  // sigma(q) = (c_visit + max_visits) * c_scale * (q + 1) / 2 for q in [-1, 1] (Danihelka et al.).
  double gumbel_logit(float prior, double q, int max_visits) const;
  struct Impl;
  SearchConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tenuki
