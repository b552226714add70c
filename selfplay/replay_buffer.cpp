#include "selfplay/replay_buffer.h"

#include <stdexcept>

#include "envs/encoding.h"

namespace tenuki {

ReplayBuffer::ReplayBuffer(std::shared_ptr<const Game> game, int64_t window,
                           double search_value_weight)
    : game_(std::move(game)), window_(window), search_value_weight_(search_value_weight) {
  if (!game_) throw std::invalid_argument("ReplayBuffer: null game");
  if (window_ < 1) throw std::invalid_argument("ReplayBuffer: window must be >= 1");
  if (!(search_value_weight_ >= 0 && search_value_weight_ <= 1)) {
    throw std::invalid_argument("ReplayBuffer: search_value_weight must be in [0, 1]");
  }
}

std::shared_ptr<const ReplayBuffer::StoredGame> ReplayBuffer::store(
    const SelfPlayRecord& record) const {
  if (record.game_spec != game_->spec()) {
    throw std::invalid_argument("ReplayBuffer: record of '" + record.game_spec +
                                "' in a buffer for '" + game_->spec() + "'");
  }
  auto stored = std::make_shared<StoredGame>();
  stored->record = record;
  auto state = game_->new_initial_state();
  for (Action a : record.moves) state->apply_action(a);  // throws on an illegal move
  const std::vector<int> owners = state->scoring_owners();
  stored->final_owner.assign(owners.begin(), owners.end());
  stored->reached_end = state->is_terminal();
  return stored;
}

void ReplayBuffer::add(const SelfPlayRecord& record) {
  auto stored = store(record);
  std::lock_guard<std::mutex> lock(mutex_);
  int added = 0;
  for (int i = 0; i < static_cast<int>(record.moves.size()); ++i) {
    if (!record.full_search[i]) continue;
    positions_.push_back(Position{stored, i});
    ++added;
  }
  games_.push_back(stored);
  total_added_ += added;
  // Drop whole oldest games while the rest still fills the window.
  while (games_.size() > 1) {
    const int64_t oldest = games_.front()->record.training_positions();
    if (static_cast<int64_t>(positions_.size()) - oldest < window_) break;
    for (int64_t k = 0; k < oldest; ++k) positions_.pop_front();
    games_.pop_front();
  }
}

int64_t ReplayBuffer::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(positions_.size());
}

int64_t ReplayBuffer::games() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(games_.size());
}

int64_t ReplayBuffer::total_added() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_added_;
}

namespace {

void init_batch(const Game& game, int n, TrainingBatch& b) {
  b.size = n;
  b.rows = game.rows();
  b.cols = game.cols();
  b.num_actions = game.num_actions();
  const size_t cells = static_cast<size_t>(game.num_cells());
  b.planes.assign(static_cast<size_t>(n) * encoding::kNumChannels * cells, 0.0f);
  b.policy.assign(static_cast<size_t>(n) * b.num_actions, 0.0f);
  b.value.assign(static_cast<size_t>(n), 0.0f);
  b.ownership.assign(static_cast<size_t>(n) * cells, 0.0f);
  b.ownership_weight.assign(static_cast<size_t>(n), 0.0f);
  b.opponent_policy.assign(static_cast<size_t>(n) * b.num_actions, 0.0f);
  b.opponent_policy_weight.assign(static_cast<size_t>(n), 0.0f);
  b.symmetries.assign(static_cast<size_t>(n), 0);
  b.net_steps.assign(static_cast<size_t>(n), -1);
}

}  // namespace

void ReplayBuffer::fill(const StoredGame& g, int move, int s, TrainingBatch& b, int slot) const {
  const Game& game = *game_;
  const int rows = game.rows(), cols = game.cols();
  const size_t cells = static_cast<size_t>(game.num_cells());
  const size_t plane_floats = encoding::kNumChannels * cells;
  auto state = game.new_initial_state();
  for (int i = 0; i < move; ++i) state->apply_action(g.record.moves[i]);
  const int mover = state->current_player();
  std::vector<float> planes(plane_floats);
  encoding::encode(*state, rows, cols, planes.data());
  float* out_planes = b.planes.data() + slot * plane_floats;
  if (s == 0) {
    std::copy(planes.begin(), planes.end(), out_planes);
  } else {
    encoding::map_planes(s, rows, cols, rows, cols, planes.data(), out_planes);
  }
  float* policy = b.policy.data() + static_cast<size_t>(slot) * b.num_actions;
  for (const auto& [a, p] : g.record.policies[move]) policy[game.map_action(s, a)] += p;
  if (move + 1 < static_cast<int>(g.record.policies.size()) &&
      !g.record.policies[move + 1].empty()) {
    float* reply = b.opponent_policy.data() + static_cast<size_t>(slot) * b.num_actions;
    for (const auto& [a, p] : g.record.policies[move + 1]) reply[game.map_action(s, a)] += p;
    b.opponent_policy_weight[slot] = 1.0f;
  }
  const double result = g.record.result;
  double value = mover == 0 ? result : -result;
  if (search_value_weight_ > 0 && move < static_cast<int>(g.record.root_values.size())) {
    value += search_value_weight_ * (g.record.root_values[move] - value);
  }
  b.value[slot] = static_cast<float>(value);
  float* own = b.ownership.data() + slot * cells;
  for (int c = 0; c < static_cast<int>(cells); ++c) {
    const int owner = g.final_owner[c];
    const float v = owner < 0 ? 0.0f : (owner == mover ? 1.0f : -1.0f);
    own[game.map_action(s, c)] = v;
  }
  b.ownership_weight[slot] = g.reached_end ? 1.0f : 0.0f;
  b.symmetries[slot] = s;
  b.net_steps[slot] = g.record.net_step;
}

TrainingBatch ReplayBuffer::sample(int n, Rng& rng, bool augment) const {
  std::vector<Position> picked;
  picked.reserve(static_cast<size_t>(n));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (positions_.empty()) throw std::logic_error("ReplayBuffer::sample: buffer is empty");
    for (int i = 0; i < n; ++i) {
      picked.push_back(positions_[rng.below(static_cast<uint32_t>(positions_.size()))]);
    }
  }
  const std::vector<int> syms = game_->symmetries();
  TrainingBatch b;
  init_batch(*game_, n, b);
  for (int i = 0; i < n; ++i) {
    const int s = augment ? syms[rng.below(static_cast<uint32_t>(syms.size()))] : 0;
    fill(*picked[i].game, picked[i].move, s, b, i);
  }
  return b;
}

TrainingBatch ReplayBuffer::make_sample(const SelfPlayRecord& record, int move, int s) const {
  auto stored = store(record);
  if (move < 0 || move >= static_cast<int>(record.moves.size())) {
    throw std::invalid_argument("ReplayBuffer::make_sample: move out of range");
  }
  TrainingBatch b;
  init_batch(*game_, 1, b);
  fill(*stored, move, s, b, 0);
  return b;
}

}  // namespace tenuki
