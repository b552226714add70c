#include "agents/match.h"

#include <stdexcept>

#include "envs/util/random.h"

namespace tenuki {

namespace {

// Plays game `index` from `opening`; throws what the agents throw, and std::runtime_error for an
// illegal move. Returns false (and plays nothing more) once `stop` is set.
bool play_one(const Game& game, const std::array<Agent*, 2>& agents, int index,
              const std::vector<Action>& opening, const std::atomic<bool>* stop,
              PlayedGame* played) {
  played->index = index;
  played->first_agent = index % 2;
  played->opening = opening;
  for (Agent* agent : agents) agent->new_game(game);
  const std::array<Agent*, 2> seats = {agents[played->first_agent],
                                       agents[1 - played->first_agent]};
  PlayOptions options;
  options.stop = stop;
  GameOutcome outcome = play_game(game, seats, opening, options);
  switch (outcome.ending) {
    case GameEnding::kStopped:
      return false;
    case GameEnding::kAgentFailed:
      std::rethrow_exception(outcome.failure);
    case GameEnding::kIllegalMove:
      throw std::runtime_error("agent " + seats[outcome.seat]->spec() + " chose illegal move " +
                               game.action_to_string(outcome.illegal_action) + " at move " +
                               std::to_string(outcome.final_state->move_number() + 1));
    default:
      break;
  }
  played->resigned = outcome.ending == GameEnding::kResigned;
  played->agent_returns[played->first_agent] = outcome.seat_returns[0];
  played->agent_returns[1 - played->first_agent] = outcome.seat_returns[1];
  played->final_state = std::move(outcome.final_state);
  return true;
}

}  // namespace

GameOutcome play_game(const Game& game, const std::array<Agent*, 2>& seats,
                      const std::vector<Action>& opening, const PlayOptions& options) {
  GameOutcome out;
  auto state = game.new_initial_state();
  for (Action a : opening) state->apply_action(a);
  auto lose = [&](int seat, GameEnding ending) {
    out.ending = ending;
    out.seat = seat;
    out.seat_returns[seat] = -1;
    out.seat_returns[1 - seat] = 1;
  };
  while (!state->is_terminal()) {
    if (options.stop != nullptr && options.stop->load()) {
      out.ending = GameEnding::kStopped;
      break;
    }
    if (options.move_cap > 0 && state->move_number() >= options.move_cap) {
      out.ending = GameEnding::kMoveCap;
      break;
    }
    const int seat = state->current_player() == 0 ? 0 : 1;
    Action action = 0;
    try {
      action = seats[seat]->select_action(*state);
    } catch (const std::exception& e) {
      out.failure = std::current_exception();
      out.detail = e.what();
      lose(seat, GameEnding::kAgentFailed);
      break;
    } catch (...) {
      out.failure = std::current_exception();
      out.detail = "unknown exception";
      lose(seat, GameEnding::kAgentFailed);
      break;
    }
    if (action == kResign) {
      lose(seat, GameEnding::kResigned);
      break;
    }
    if (!state->is_legal(action)) {
      out.illegal_action = action;
      lose(seat, GameEnding::kIllegalMove);
      break;
    }
    state->apply_action(action);
  }
  if (out.ending == GameEnding::kTerminal) out.seat_returns = state->returns();
  out.final_state = std::move(state);
  return out;
}

MatchSummary play_match(const Game& game, std::array<Agent*, 2> agents, int games,
                        const std::function<void(const PlayedGame&)>& on_game,
                        const std::atomic<bool>* stop, const MatchOpenings& openings,
                        const MatchFailureHandler& on_failure) {
  MatchSummary summary;
  auto count = [&](const PlayedGame& played) {
    for (int a = 0; a < 2; ++a) {
      double r = played.agent_returns[a];
      auto& tally = summary.tallies[a];
      (r > 0 ? tally.wins : r < 0 ? tally.losses : tally.draws)++;
    }
    ++summary.games;
    if (on_game) on_game(played);
  };
  for (int pair = 0; 2 * pair < games; ++pair) {
    const std::vector<Action> opening =
        openings.plies > 0
            ? random_opening(game, openings.plies,
                             openings.seed ^ (0x6d61746368ULL +
                                              static_cast<uint64_t>(pair) * 0x9E3779B97F4A7C15ULL))
            : std::vector<Action>{};
    // With a failure handler, a pair's games are counted once both are played.
    std::vector<PlayedGame> pending;
    try {
      for (int i = 2 * pair; i < games && i < 2 * pair + 2; ++i) {
        PlayedGame played;
        if (!play_one(game, agents, i, opening, stop, &played)) {
          summary.stopped = true;
          return summary;
        }
        if (on_failure) {
          pending.push_back(std::move(played));
        } else {
          count(played);
        }
      }
    } catch (const std::exception& e) {
      if (!on_failure) throw;
      ++summary.failed_pairs;
      summary.last_error = e.what();
      on_failure(e.what(), agents);
      continue;
    }
    for (const PlayedGame& played : pending) count(played);
  }
  return summary;
}

std::vector<Action> random_opening(const Game& game, int plies, uint64_t seed) {
  if (plies <= 0) return {};
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Rng rng(splitmix64(seed));  // advances `seed`: each attempt draws anew
    auto state = game.new_initial_state();
    std::vector<Action> actions, legal, placements;
    while (static_cast<int>(actions.size()) < plies && !state->is_terminal()) {
      state->legal_actions(&legal);
      placements.clear();
      for (Action a : legal) {
        if (a != game.pass_action()) placements.push_back(a);
      }
      const std::vector<Action>& pool = placements.empty() ? legal : placements;
      const Action a = pool[rng.below(static_cast<uint32_t>(pool.size()))];
      state->apply_action(a);
      actions.push_back(a);
    }
    if (!state->is_terminal()) return actions;
  }
  throw std::runtime_error("no random opening of " + std::to_string(plies) +
                           " plies leaves the game open");
}

}  // namespace tenuki
