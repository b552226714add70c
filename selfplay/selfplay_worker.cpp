#include "selfplay/selfplay_worker.h"

#include <stdexcept>

namespace tenuki {

SelfPlayWorker::SelfPlayWorker(std::shared_ptr<const Game> game, const SearchConfig& search,
                               SelfPlayWorkerOptions options, Evaluator& evaluator,
                               RateController& rate, GameSink sink)
    : game_(std::move(game)),
      search_(search),
      options_(options),
      evaluator_(evaluator),
      rate_(rate),
      sink_(std::move(sink)),
      rng_(options_.seed ^ 0x7265736967ull) {
  if (options_.games < 1) throw std::invalid_argument("SelfPlayWorker: games must be >= 1");
  if (!(options_.branch_games >= 0 && options_.branch_games < 1)) {
    throw std::invalid_argument("SelfPlayWorker: branch_games must be in [0, 1)");
  }
  slots_.reserve(static_cast<size_t>(options_.games));
  for (int i = 0; i < options_.games; ++i) {
    SearchConfig config = search_;
    config.seed = options_.seed * 0x9E3779B97F4A7C15ull + i * 7919 + 1;
    slots_.emplace_back(std::make_unique<Mcts>(config), options_.resign);
  }
}

void check_game_in_progress(const Game& game, const SelfPlayRecord& r) {
  const std::string which = "game in progress '" + r.id + "'";
  if (r.game_spec != game.spec()) {
    throw std::invalid_argument(which + " is of " + r.game_spec + ", not " + game.spec());
  }
  if (r.policies.size() != r.moves.size() || r.full_search.size() != r.moves.size() ||
      r.root_values.size() != r.moves.size()) {
    throw std::invalid_argument(which + ": moves, policies, full and value differ in length");
  }
  if (r.branch_moves < 0 || r.branch_moves > static_cast<int>(r.moves.size()) + 1) {
    throw std::invalid_argument(which + ": branch_moves is beyond its moves");
  }
  auto state = game.new_initial_state();
  for (size_t k = 0; k < r.moves.size(); ++k) {
    if (state->is_terminal() || !state->is_legal(r.moves[k])) {
      throw std::invalid_argument(which + ": move " + std::to_string(k + 1) + " is illegal");
    }
    state->apply_action(r.moves[k]);
  }
  if (state->is_terminal()) throw std::invalid_argument(which + " is already over");
}

void SelfPlayWorker::resume_games(std::vector<SelfPlayRecord> games) {
  for (const SelfPlayRecord& r : games) check_game_in_progress(*game_, r);
  // Taken from the back: the first record is resumed first.
  to_resume_.insert(to_resume_.end(), std::make_move_iterator(games.rbegin()),
                    std::make_move_iterator(games.rend()));
}

std::vector<SelfPlayRecord> SelfPlayWorker::games_in_progress() const {
  std::vector<SelfPlayRecord> out;
  for (const auto& slot : slots_) {
    if (slot.searching && !slot.record.moves.empty()) out.push_back(slot.record);
  }
  out.insert(out.end(), to_resume_.rbegin(), to_resume_.rend());
  return out;
}

void SelfPlayWorker::start_game(Slot& slot) {
  slot.state = game_->new_initial_state();
  slot.resign.reset();
  if (!to_resume_.empty()) {  // checked by resume_games()
    slot.record = std::move(to_resume_.back());
    to_resume_.pop_back();
    for (Action a : slot.record.moves) slot.state->apply_action(a);
    slot.branch_pending = slot.record.branch_moves > static_cast<int>(slot.record.moves.size());
    slot.tree->set_root(*slot.state, finishing_fast(slot) || slot.branch_pending);
    slot.searching = true;
    return;
  }
  slot.record = SelfPlayRecord{};
  slot.record.game_spec = game_->spec();
  slot.record.no_resign =
      options_.resign.enabled() && rng_.uniform() < options_.resign.no_resign_fraction;
  if (!options_.id_prefix.empty()) {
    slot.record.id = options_.id_prefix + std::to_string(games_started_++);
  }
  slot.branch_pending = false;
  slot.searching = true;
  if (options_.branch_games > 0 && !branch_points_.empty() &&
      rng_.uniform() < options_.branch_games) {
    start_branch(slot);
    return;
  }
  // The slot's tree is kept (its generator keeps advancing); a new root with an unrelated
  // history discards the old nodes.
  slot.tree->set_root(*slot.state);
}

void SelfPlayWorker::start_branch(Slot& slot) {
  SelfPlayRecord& r = slot.record;
  r.moves = std::move(branch_points_.back());
  branch_points_.pop_back();
  const size_t copied = r.moves.size();
  r.policies.assign(copied, {});
  r.full_search.assign(copied, 0);
  r.root_values.assign(copied, 0.0f);
  r.branch_moves = static_cast<int>(copied) + 1;
  for (Action a : r.moves) slot.state->apply_action(a);
  slot.branch_pending = true;
  // A fast search: the branch move needs only the root's raw policy.
  slot.tree->set_root(*slot.state, true);
}

void SelfPlayWorker::finish_game(Slot& slot, double result_player0, bool resigned) {
  const std::vector<Action>& moves = slot.record.moves;
  if (options_.branch_games > 0 && !moves.empty()) {
    const auto k = static_cast<std::ptrdiff_t>(rng_.below(static_cast<uint32_t>(moves.size())));
    branch_points_.emplace_back(moves.begin(), moves.begin() + k);
    if (static_cast<int>(branch_points_.size()) > options_.games) branch_points_.pop_front();
  }
  slot.record.result = result_player0;
  slot.record.resigned = resigned;
  sink_(std::move(slot.record));
  slot.searching = false;
}

bool SelfPlayWorker::finishing_fast(const Slot& slot) const {
  return options_.resign.fast_finish && slot.record.would_resign >= 0 && !slot.record.no_resign;
}

bool SelfPlayWorker::play_move(Slot& slot) {
  SearchResult r = slot.tree->result();
  const int mover = slot.state->current_player();
  if (r.full_search) {
    const int loser = slot.resign.observe(mover, r.root_value);
    if (loser >= 0 && !slot.record.no_resign && !options_.resign.fast_finish) {
      finish_game(slot, loser == 0 ? -1.0 : 1.0, true);
      return true;
    }
    if (loser >= 0 && slot.record.would_resign < 0) slot.record.would_resign = loser;
  }
  Action action = r.action;
  std::vector<std::pair<Action, float>> sparse;
  if (slot.branch_pending) {
    // The branch move: drawn from the raw policy, not trained on (a decided root has none, and
    // keeps its move).
    slot.branch_pending = false;
    r.full_search = false;
    const auto policy = slot.tree->root_policy();
    if (!policy.empty()) {
      std::vector<double> weights;
      weights.reserve(policy.size());
      for (const auto& [a, p] : policy) weights.push_back(p);
      const int k = draw_weighted(rng_, weights);
      action = (k >= 0 ? policy[k] : policy.back()).first;
    }
  } else {
    for (int a = 0; a < static_cast<int>(r.policy_target.size()); ++a) {
      if (r.policy_target[a] > 0) sparse.emplace_back(a, r.policy_target[a]);
    }
  }
  slot.record.moves.push_back(action);
  slot.record.policies.push_back(std::move(sparse));
  slot.record.full_search.push_back(r.full_search ? 1 : 0);
  slot.record.root_values.push_back(r.root_value);
  slot.state->apply_action(action);
  if (slot.state->is_terminal()) {
    finish_game(slot, slot.state->returns()[0], false);
    return true;
  }
  if (options_.max_moves > 0 && slot.state->move_number() >= options_.max_moves) {
    finish_game(slot, 0.0, false);
    return true;
  }
  slot.tree->set_root(*slot.state, finishing_fast(slot));
  return false;
}

void SelfPlayWorker::run(const std::atomic<bool>& stop) {
  for (auto& slot : slots_) start_game(slot);
  while (rate_.wait_selfplay(stop)) {
    auto batch = evaluator_.new_batch();
    for (auto& slot : slots_) slot.tree->gather(*batch);
    if (batch->size() > 0) batch->compute();
    for (auto& slot : slots_) {
      slot.tree->backup(*batch);
      if (slot.tree->done()) {
        if (play_move(slot)) start_game(slot);
      }
    }
    iterations_.fetch_add(1);
  }
}

}  // namespace tenuki
