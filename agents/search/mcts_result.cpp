// Mcts: what a finished search returns (move choice and training target: visit counts, policy
// target pruning, Gumbel completed Q, temperature sampling) and its root statistics for analysis.
#include <algorithm>
#include <cmath>
#include <limits>

#include "agents/search/mcts.h"
#include "agents/search/mcts_tree.h"

namespace tenuki {

using search_tree::Node;

SearchResult Mcts::result() {
  Impl& m = *impl_;
  const Game& game = m.root_state->game();
  const int num_actions = game.num_actions();
  const int player = m.root_player();
  const Node& root = m.root();
  SearchResult r;
  if (m.forced_action >= 0) {
    r.action = m.forced_action;
    r.forced = true;
    r.full_search = false;
    r.root_value = m.forced_value;
    r.visits.assign(num_actions, 0);
    r.policy_target.assign(num_actions, 0.0f);
    r.policy_target[r.action] = 1;
    return r;
  }
  r.full_search = m.full_search;
  r.root_visits = root.visits;
  r.root_value = root.visits > 0 ? static_cast<float>(Impl::q_for(root, player, 0)) : 0.0f;
  r.visits.assign(num_actions, 0);
  r.policy_target.assign(num_actions, 0.0f);
  if (root.num_children == 0) {
    // No search happened (zero playouts): fall back to the first legal move.
    r.action = m.root_state->legal_actions().front();
    r.policy_target[r.action] = 1;
    return r;
  }
  int max_visits = 0;
  int32_t most_visited = root.first_child;
  for (int32_t c = root.first_child; c < root.first_child + root.num_children; ++c) {
    const Node& child = m.nodes[c];
    r.visits[child.action] = child.visits;
    if (child.visits > max_visits ||
        (child.visits == max_visits && child.prior > m.nodes[most_visited].prior)) {
      max_visits = child.visits;
      most_visited = c;
    }
  }
  r.resign = config_.resign_threshold > -1 && r.root_value < config_.resign_threshold;

  if (config_.gumbel && m.gumbel_ready) {
    // Completed Q: visited children keep their Q; the others get the mixed value estimate.
    double visited_prior = 0, weighted_q = 0;
    int sum_visits = 0;
    for (int32_t c = root.first_child; c < root.first_child + root.num_children; ++c) {
      const Node& child = m.nodes[c];
      if (child.visits == 0) continue;
      sum_visits += child.visits;
      visited_prior += child.prior;
      weighted_q += child.prior * Impl::q_for(child, player, 0);
    }
    // The root's own first evaluation is its value_sum minus what came from children.
    double raw_value = r.root_value;
    double v_mix = visited_prior > 0
                       ? (raw_value + sum_visits / visited_prior * weighted_q) / (1 + sum_visits)
                       : raw_value;
    std::vector<double> logits(root.num_children);
    double max_logit = -std::numeric_limits<double>::infinity();
    for (int32_t k = 0; k < root.num_children; ++k) {
      const Node& child = m.nodes[root.first_child + k];
      const double q = child.visits > 0 ? Impl::q_for(child, player, 0) : v_mix;
      logits[k] = gumbel_logit(child.prior, q, max_visits);
      max_logit = std::max(max_logit, logits[k]);
    }
    double total = 0;
    for (double& l : logits) total += (l = std::exp(l - max_logit));
    for (int32_t k = 0; k < root.num_children; ++k) {
      r.policy_target[m.nodes[root.first_child + k].action] = static_cast<float>(logits[k] / total);
    }
    double best_score = -std::numeric_limits<double>::infinity();
    for (int32_t c : m.candidates) {
      const Node& child = m.nodes[root.first_child + c];
      const double q = child.visits > 0 ? Impl::q_for(child, player, 0) : v_mix;
      const double score = m.gumbel[c] + gumbel_logit(child.prior, q, max_visits);
      if (score > best_score) {
        best_score = score;
        r.action = child.action;
      }
    }
    return r;
  }

  std::vector<double> target(num_actions, 0.0);
  for (int32_t c = root.first_child; c < root.first_child + root.num_children; ++c) {
    target[m.nodes[c].action] = m.nodes[c].visits;
  }
  if (config_.forced_playouts) {
    // Policy target pruning: take back forced visits that PUCT would not have given.
    const Node& best = m.nodes[most_visited];
    const double sqrt_total = std::sqrt(std::max(1, root.visits));
    auto puct = [&](const Node& n, double visits) {
      double q = n.visits > 0 ? Impl::q_for(n, player, 0) : 0;
      return q + config_.c_puct * n.prior * sqrt_total / (1 + visits);
    };
    const double best_puct = puct(best, best.visits);
    for (int32_t c = root.first_child; c < root.first_child + root.num_children; ++c) {
      const Node& child = m.nodes[c];
      if (c == most_visited || child.visits == 0) continue;
      const double forced = std::sqrt(config_.forced_k * child.prior * root.visits);
      double n = child.visits;
      while (n > 0 && child.visits - n < forced && puct(child, n - 1) < best_puct) n -= 1;
      target[child.action] = n <= 1 ? 0 : n;
    }
  }
  double total = 0;
  for (double t : target) total += t;
  for (int a = 0; a < num_actions; ++a) {
    r.policy_target[a] = total > 0 ? static_cast<float>(target[a] / total) : 0.0f;
  }

  const bool sample =
      config_.temperature > 0 && m.root_state->move_number() < config_.temperature_moves;
  r.action = m.nodes[most_visited].action;
  if (sample) {
    std::vector<double> weights(root.num_children);
    for (int32_t k = 0; k < root.num_children; ++k) {
      const Node& child = m.nodes[root.first_child + k];
      weights[k] = child.visits > 0 ? std::pow(child.visits, 1.0 / config_.temperature) : 0;
    }
    const int k = draw_weighted(m.rng, weights);
    if (k >= 0) r.action = m.nodes[root.first_child + k].action;
  }
  return r;
}

std::vector<RootMoveStats> Mcts::root_move_stats(int pv_length) const {
  const Impl& m = *impl_;
  std::vector<RootMoveStats> out;
  if (m.nodes.empty() || !m.root_state) return out;
  const Node& root = m.nodes[0];
  const int player = m.root_player();
  for (int32_t c = root.first_child; c < root.first_child + root.num_children; ++c) {
    const Node& child = m.nodes[c];
    if (child.visits == 0) continue;
    RootMoveStats s;
    s.action = child.action;
    s.visits = child.visits;
    s.prior = child.prior;
    s.value = static_cast<float>(Impl::q_for(child, player, 0));
    for (int32_t node = c; node >= 0 && static_cast<int>(s.pv.size()) < pv_length;) {
      const Node& n = m.nodes[node];
      s.pv.push_back(n.action);
      int32_t next = -1;
      int best = 0;
      for (int32_t k = n.first_child; k >= 0 && k < n.first_child + n.num_children; ++k) {
        if (m.nodes[k].visits > best) {
          best = m.nodes[k].visits;
          next = k;
        }
      }
      node = next;
    }
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const RootMoveStats& a, const RootMoveStats& b) {
    return a.visits != b.visits ? a.visits > b.visits : a.prior > b.prior;
  });
  return out;
}
std::vector<std::pair<Action, float>> Mcts::root_policy() const {
  const Impl& m = *impl_;
  std::vector<std::pair<Action, float>> out;
  if (m.nodes.empty() || m.forced_action >= 0) return out;
  const Node& root = m.nodes[0];
  if (!root.expanded || m.raw_root_priors.size() != static_cast<size_t>(root.num_children)) {
    return out;
  }
  for (int32_t k = 0; k < root.num_children; ++k) {
    out.emplace_back(m.nodes[root.first_child + k].action, m.raw_root_priors[k]);
  }
  return out;
}

}  // namespace tenuki
