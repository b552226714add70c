#pragma once
// The search tree of Mcts, private to agents/search/mcts*.cpp: its node and the state of one
// Mcts (Mcts::Impl). Owned by one Mcts; not thread-safe.
#include <cstdint>
#include <memory>
#include <vector>

#include "agents/search/mcts.h"

namespace tenuki {
namespace search_tree {

struct Node {
  Action action = -1;  // the move into this node
  int mover = 0;       // the player who played `action`
  float prior = 0;
  int32_t first_child = -1;
  int32_t num_children = 0;
  int32_t visits = 0;
  int32_t in_flight = 0;     // gathered, not yet backed up (virtual loss)
  double value_sum = 0;      // sum of values from `mover`'s point of view
  float terminal_value = 0;  // for `mover`, when terminal
  bool expanded = false;
  bool terminal = false;
  bool pending = false;  // waiting in an evaluator batch
};

}  // namespace search_tree

struct Mcts::Impl {
  using Node = search_tree::Node;
  std::vector<Node> nodes;
  std::unique_ptr<State> root_state;
  Rng rng{1};
  int target = 0;
  bool full_search = true;
  int playouts = 0;
  bool noise_applied = false;
  // The root children's priors before noise (prepare_root), one per child.
  std::vector<float> raw_root_priors;
  // Pass rule (SearchConfig::safe_pass) for the current root: the pass to leave out of the
  // root's children, or the pass to play without a search; -1 when none.
  Action blocked_root_action = -1;
  Action forced_action = -1;
  // The forced action's value for the player to move (a decided root's best return; 1 for the
  // pass rule's winning pass; 0 for a single legal move, whose value no search has seen).
  float forced_value = 0;

  struct PendingLeaf {
    int32_t node;
    int batch_index;
    int to_move;
    std::vector<int32_t> path;
  };
  std::vector<PendingLeaf> pending;

  // Gumbel root state.
  std::vector<double> gumbel;       // per root child
  std::vector<int32_t> candidates;  // root child indices (offsets) still in play
  int phase_target = 0;             // visits each candidate should reach in this phase
  int num_phases = 1;
  bool gumbel_ready = false;

  Node& root() { return nodes[0]; }
  // Whether this search explores (root noise, forced playouts): full searches, and fast ones
  // with SearchConfig::fast_exploration.
  bool explores(const SearchConfig& config) const { return full_search || config.fast_exploration; }
  // Once the root is expanded: the pass rule, then Dirichlet noise or the Gumbel-top-m
  // candidates.
  void prepare_root(const SearchConfig& config);
  // Sets blocked_root_action / forced_action for `state` (the new root).
  void apply_pass_rule(const SearchConfig& config, const State& state);
  // A decided root needs no search: one legal action (besides a blocked pass), or every legal
  // action ends the game (then the best return for the mover is played). Sets forced_action.
  void decide_root(const State& state);
  static constexpr size_t kMaxDecidedRootActions = 16;  // more: not worth trying every action
  // Removes the blocked action from the expanded root's children, renormalising the priors.
  void remove_blocked_root_child();
  void init_gumbel(const SearchConfig& config);
  int root_player() const { return root_state->current_player(); }

  static double q_for(const Node& n, int player, double virtual_loss) {
    double visits = n.visits + n.in_flight;
    double sum = n.value_sum - virtual_loss * n.in_flight;
    double q = sum / visits;
    return n.mover == player ? q : -q;
  }
};

}  // namespace tenuki
