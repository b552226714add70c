#include "agents/search/mcts.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "agents/search/mcts_tree.h"

namespace tenuki {

using search_tree::Node;

Mcts::Mcts(const SearchConfig& config) : config_(config), impl_(std::make_unique<Impl>()) {
  impl_->rng = Rng(config.seed);
}
Mcts::~Mcts() = default;
Mcts::Mcts(Mcts&&) noexcept = default;
Mcts& Mcts::operator=(Mcts&&) noexcept = default;

int Mcts::tree_size() const { return static_cast<int>(impl_->nodes.size()); }
int Mcts::playouts_done() const { return impl_->playouts; }
bool Mcts::done() const { return impl_->playouts >= impl_->target; }

namespace {

// Copies the subtree under `old_root` into a fresh arena with the root at index 0.
std::vector<Node> compact_subtree(const std::vector<Node>& old, int32_t old_root) {
  std::vector<Node> out;
  out.reserve(old.size());
  out.push_back(old[old_root]);
  std::vector<int32_t> source = {old_root};
  for (size_t i = 0; i < out.size(); ++i) {
    const Node& from = old[source[i]];
    if (from.num_children == 0) continue;
    out[i].first_child = static_cast<int32_t>(out.size());
    for (int32_t k = 0; k < from.num_children; ++k) {
      out.push_back(old[from.first_child + k]);
      source.push_back(from.first_child + k);
    }
  }
  for (auto& n : out) {
    n.in_flight = 0;
    n.pending = false;
  }
  return out;
}

}  // namespace

void Mcts::set_root(const State& state, bool fast_only) {
  Impl& m = *impl_;
  int32_t reuse = -1;
  if (config_.reuse_tree && m.root_state && !m.nodes.empty() &&
      m.root_state->game().spec() == state.game().spec()) {
    const auto& old_history = m.root_state->history();
    const auto& new_history = state.history();
    if (old_history.size() <= new_history.size() &&
        std::equal(old_history.begin(), old_history.end(), new_history.begin())) {
      auto replay = m.root_state->clone();
      int32_t node = 0;
      for (size_t i = old_history.size(); i < new_history.size() && node >= 0; ++i) {
        Action a = new_history[i];
        const Node& n = m.nodes[node];
        int32_t next = -1;
        for (int32_t k = 0; k < n.num_children; ++k) {
          if (m.nodes[n.first_child + k].action == a) next = n.first_child + k;
        }
        node = next;
        if (node >= 0 && replay->is_legal(a)) {
          replay->apply_action(a);
        } else {
          node = -1;
        }
      }
      if (node >= 0 && replay->hash() == state.hash()) reuse = node;
    }
  }
  if (reuse >= 0) {
    m.nodes = compact_subtree(m.nodes, reuse);
  } else {
    m.nodes.assign(1, Node{});
    m.root().mover = 1 - state.current_player();
  }
  m.root_state = state.clone();
  m.pending.clear();
  m.playouts = 0;
  m.noise_applied = false;
  m.raw_root_priors.clear();
  m.gumbel_ready = false;
  m.full_search =
      !fast_only && (config_.full_search_prob >= 1.0 || m.rng.uniform() < config_.full_search_prob);
  m.target = m.full_search ? config_.playouts : config_.fast_playouts;
  m.apply_pass_rule(config_, state);
  if (m.forced_action < 0) m.decide_root(state);
  if (m.forced_action >= 0) m.target = 0;
  // A reused root must still see its noise / Gumbel set-up for this search.
  if (m.root().expanded) {
    if (config_.gumbel) {
      // Reused visits would distort sequential halving; keep priors, restart the statistics.
      m.nodes = compact_subtree(m.nodes, 0);
      Node root = m.root();
      std::vector<Node> children(m.nodes.begin() + root.first_child,
                                 m.nodes.begin() + root.first_child + root.num_children);
      m.nodes.assign(1, root);
      m.root().first_child = 1;
      m.root().visits = 0;
      m.root().value_sum = 0;
      for (auto c : children) {
        c.first_child = -1;
        c.num_children = 0;
        c.visits = 0;
        c.value_sum = 0;
        c.expanded = false;
        c.terminal = false;
        m.nodes.push_back(c);
      }
    }
    m.prepare_root(config_);
  }
}

namespace {

void apply_dirichlet_noise(std::vector<Node>& nodes, const SearchConfig& config, Rng& rng) {
  Node& root = nodes[0];
  if (root.num_children == 0) return;
  double alpha = config.dirichlet_total / root.num_children;
  std::gamma_distribution<double> gamma(alpha, 1.0);
  std::vector<double> noise(root.num_children);
  double total = 0;
  for (double& x : noise) total += (x = gamma(rng));
  if (total <= 0) return;
  for (int32_t k = 0; k < root.num_children; ++k) {
    Node& c = nodes[root.first_child + k];
    c.prior = static_cast<float>((1 - config.noise_fraction) * c.prior +
                                 config.noise_fraction * noise[k] / total);
  }
}

}  // namespace

int Mcts::gather(EvaluatorBatch& batch) {
  Impl& m = *impl_;
  m.pending.clear();
  int added = 0;
  int terminal_backups = 0;
  // Each pass either backs up a terminal leaf, adds a leaf, or stops at a collision. Terminal
  // backups per call are bounded too, so that a tree whose paths all end in terminal states
  // returns to its caller (time limits, stop requests) instead of running to its target here.
  while (added < config_.leaves_per_batch && terminal_backups < kMaxTerminalBackupsPerGather &&
         m.playouts + added < m.target) {
    auto state = m.root_state->clone();
    std::vector<int32_t> path = {0};
    int32_t node = 0;
    while (m.nodes[node].expanded && !m.nodes[node].terminal) {
      const Node& n = m.nodes[node];
      const int player = state->current_player();
      int32_t best = -1;
      if (node == 0 && config_.gumbel && m.gumbel_ready) {
        // Sequential halving: the candidate furthest below this phase's visit target.
        int fewest = std::numeric_limits<int>::max();
        for (int32_t c : m.candidates) {
          const Node& child = m.nodes[n.first_child + c];
          int v = child.visits + child.in_flight;
          if (v < fewest) {
            fewest = v;
            best = n.first_child + c;
          }
        }
        if (m.candidates.size() > 1 && fewest >= m.phase_target) {
          // Phase complete: keep the better half, raise the target.
          std::vector<std::pair<double, int32_t>> scored;
          int max_visits = 0;
          for (int32_t c : m.candidates)
            max_visits = std::max(max_visits, m.nodes[n.first_child + c].visits);
          for (int32_t c : m.candidates) {
            const Node& child = m.nodes[n.first_child + c];
            const double q = child.visits > 0 ? Impl::q_for(child, player, 0) : 0.0;
            scored.push_back({m.gumbel[c] + gumbel_logit(child.prior, q, max_visits), c});
          }
          std::sort(scored.begin(), scored.end(), std::greater<>());
          size_t keep = (scored.size() + 1) / 2;
          m.candidates.clear();
          for (size_t i = 0; i < keep; ++i) m.candidates.push_back(scored[i].second);
          int per = std::max(1, m.target / (m.num_phases * static_cast<int>(keep)));
          m.phase_target += per;
          if (m.candidates.size() == 1) m.phase_target = std::numeric_limits<int>::max();
          best = n.first_child + m.candidates.front();
        }
      } else {
        const bool root_forcing = node == 0 && config_.forced_playouts && m.explores(config_);
        const double parent_n = std::max(1, n.visits + n.in_flight);
        const double sqrt_parent = std::sqrt(parent_n);
        double visited_prior = 0;
        for (int32_t c = n.first_child; c < n.first_child + n.num_children; ++c) {
          if (m.nodes[c].visits + m.nodes[c].in_flight > 0) visited_prior += m.nodes[c].prior;
        }
        const double parent_q = n.visits > 0 ? Impl::q_for(n, player, 0) : 0.0;
        const double fpu = parent_q - config_.fpu_reduction * std::sqrt(visited_prior);
        double best_score = -std::numeric_limits<double>::infinity();
        for (int32_t c = n.first_child; c < n.first_child + n.num_children; ++c) {
          const Node& child = m.nodes[c];
          const int cn = child.visits + child.in_flight;
          double score;
          // A child with a playout in flight is not forced again in this batch: its leaf may
          // be the one pending, and forcing it would end the gather at a collision.
          if (root_forcing && child.prior > 0 && child.in_flight == 0 &&
              cn < std::sqrt(config_.forced_k * child.prior * parent_n)) {
            score = 1e9 + child.prior;
          } else {
            double q = cn > 0 ? Impl::q_for(child, player, config_.virtual_loss) : fpu;
            score = q + config_.c_puct * child.prior * sqrt_parent / (1 + cn);
          }
          if (score > best_score) {
            best_score = score;
            best = c;
          }
        }
      }
      node = best;
      state->apply_action(m.nodes[node].action);
      path.push_back(node);
    }
    Node& leaf = m.nodes[node];
    if (!leaf.terminal && state->is_terminal()) {
      leaf.terminal = true;
      leaf.terminal_value = static_cast<float>(state->returns()[leaf.mover]);
    }
    if (leaf.terminal) {
      for (int32_t i : path) {
        Node& n = m.nodes[i];
        ++n.visits;
        n.value_sum += n.mover == leaf.mover ? leaf.terminal_value : -leaf.terminal_value;
      }
      ++m.playouts;
      ++terminal_backups;
      continue;
    }
    if (leaf.pending) break;  // collision with a leaf already in this batch
    leaf.pending = true;
    for (int32_t i : path) ++m.nodes[i].in_flight;
    m.pending.push_back({node, batch.add(*state), state->current_player(), std::move(path)});
    ++added;
  }
  return added;
}

void Mcts::backup(const EvaluatorBatch& batch) {
  Impl& m = *impl_;
  for (auto& p : m.pending) {
    const float value = batch.value(p.batch_index);
    const float* policy = batch.policy(p.batch_index);
    const int num_actions = m.root_state->game().num_actions();
    {
      Node& leaf = m.nodes[p.node];
      leaf.pending = false;
      if (!leaf.expanded) {
        const int32_t first = static_cast<int32_t>(m.nodes.size());
        int32_t count = 0;
        for (Action a = 0; a < num_actions; ++a) {
          if (policy[a] <= 0) continue;
          Node child;
          child.action = a;
          child.mover = p.to_move;
          child.prior = policy[a];
          m.nodes.push_back(child);
          ++count;
        }
        Node& expanded = m.nodes[p.node];  // re-fetch: push_back may have moved the arena
        expanded.first_child = first;
        expanded.num_children = count;
        expanded.expanded = true;
      }
    }
    for (int32_t i : p.path) {
      Node& n = m.nodes[i];
      --n.in_flight;
      ++n.visits;
      n.value_sum += n.mover == p.to_move ? value : -value;
    }
    ++m.playouts;
  }
  m.pending.clear();
  if (m.root().expanded && !m.noise_applied) m.prepare_root(config_);
}

void Mcts::Impl::apply_pass_rule(const SearchConfig& config, const State& state) {
  blocked_root_action = -1;
  forced_action = -1;
  if (!config.safe_pass) return;
  const Action pass = state.game().pass_action();
  std::array<double, kNumPlayers> ended{};
  if (!state.is_legal(pass) || !state.returns_if_ended_now(&ended)) return;
  const int mover = state.current_player();
  const bool opponent_passed = !state.history().empty() && state.history().back() == pass;
  if (opponent_passed && ended[mover] > 0) {
    forced_action = pass;
    forced_value = 1;  // the pass wins
  } else if ((ended[mover] < 0 || !state.only_pass_is_sensible()) &&
             state.legal_actions().size() > 1) {
    blocked_root_action = pass;
  }
}

void Mcts::Impl::decide_root(const State& state) {
  std::vector<Action> legal = state.legal_actions();
  std::erase(legal, blocked_root_action);
  if (legal.size() == 1) {
    forced_action = legal.front();
    forced_value = 0;
    return;
  }
  if (legal.empty() || legal.size() > kMaxDecidedRootActions) return;
  const int mover = state.current_player();
  auto child = state.clone();
  Action best = -1;
  double best_return = -2;
  for (Action a : legal) {
    child->apply_action(a);
    const bool ended = child->is_terminal();
    const double value = ended ? child->returns()[mover] : 0;
    child->undo_action();
    if (!ended) return;
    if (value > best_return) {
      best_return = value;
      best = a;
    }
  }
  forced_action = best;
  forced_value = static_cast<float>(best_return);
}

void Mcts::Impl::remove_blocked_root_child() {
  Node& r = nodes[0];
  if (blocked_root_action < 0 || r.num_children == 0) return;
  // Children are stored in increasing action order; pass (the blocked action) is the last.
  const Node& last = nodes[r.first_child + r.num_children - 1];
  if (last.action != blocked_root_action) return;
  const double removed = last.prior;
  r.num_children -= 1;
  if (removed >= 1 || r.num_children == 0) return;
  for (int32_t c = r.first_child; c < r.first_child + r.num_children; ++c) {
    nodes[c].prior = static_cast<float>(nodes[c].prior / (1 - removed));
  }
}

void Mcts::Impl::prepare_root(const SearchConfig& config) {
  noise_applied = true;
  remove_blocked_root_child();
  const Node& r = nodes[0];
  raw_root_priors.resize(r.num_children);
  for (int32_t k = 0; k < r.num_children; ++k) raw_root_priors[k] = nodes[r.first_child + k].prior;
  if (config.gumbel) {
    init_gumbel(config);
  } else if (config.root_noise && explores(config)) {
    apply_dirichlet_noise(nodes, config, rng);
  }
}

void Mcts::Impl::init_gumbel(const SearchConfig& config) {
  Impl& m = *this;
  const Node& root = m.nodes[0];
  m.gumbel.assign(root.num_children, 0.0);
  std::vector<std::pair<double, int32_t>> scored;
  for (int32_t k = 0; k < root.num_children; ++k) {
    if (config.root_noise) {
      double u = std::max(m.rng.uniform(), 1e-300);
      m.gumbel[k] = -std::log(-std::log(u));
    }
    scored.push_back(
        {m.gumbel[k] + std::log(std::max(m.nodes[root.first_child + k].prior, 1e-20f)), k});
  }
  std::sort(scored.begin(), scored.end(), std::greater<>());
  const int count = std::min<int>(config.gumbel_m, static_cast<int>(scored.size()));
  m.candidates.clear();
  for (int i = 0; i < count; ++i) m.candidates.push_back(scored[i].second);
  m.num_phases = std::max(1, static_cast<int>(std::ceil(std::log2(std::max(count, 1)))));
  m.phase_target = std::max(1, m.target / (m.num_phases * std::max(count, 1)));
  if (count <= 1) m.phase_target = std::numeric_limits<int>::max();
  m.gumbel_ready = true;
}

double Mcts::gumbel_logit(float prior, double q, int max_visits) const {
  const double sigma = (config_.gumbel_c_visit + max_visits) * config_.gumbel_c_scale * (q + 1) / 2;
  return std::log(std::max(prior, 1e-20f)) + sigma;
}

void Mcts::step(Evaluator& evaluator) {
  auto batch = evaluator.new_batch();
  if (gather(*batch) > 0) batch->compute();
  backup(*batch);
}

SearchResult Mcts::search(const State& state, Evaluator& evaluator) {
  set_root(state);
  while (!done()) step(evaluator);
  return result();
}

}  // namespace tenuki
