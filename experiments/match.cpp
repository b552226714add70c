#include "experiments/match.h"

#include <stdexcept>

namespace tenuki {

MatchSummary play_match(const Game& game, std::array<Agent*, 2> agents, int games,
                        const std::function<void(const PlayedGame&)>& on_game,
                        const std::atomic<bool>* stop) {
  MatchSummary summary;
  auto stopped = [&] { return stop != nullptr && stop->load(); };
  for (int i = 0; i < games; ++i) {
    PlayedGame played;
    played.index = i;
    played.first_agent = i % 2;
    for (Agent* agent : agents) agent->new_game(game);
    auto state = game.new_initial_state();
    while (!state->is_terminal()) {
      if (stopped()) {
        summary.stopped = true;
        return summary;
      }
      int player = state->current_player();
      Agent* agent = agents[player == 0 ? played.first_agent : 1 - played.first_agent];
      Action action = agent->select_action(*state);
      if (action == kResign) {
        played.resigned = true;
        break;
      }
      if (!state->is_legal(action)) {
        throw std::runtime_error("agent " + agent->spec() + " chose illegal move " +
                                 game.action_to_string(action) + " at move " +
                                 std::to_string(state->move_number() + 1));
      }
      state->apply_action(action);
    }
    auto returns = state->returns();
    if (played.resigned) {
      const int loser = state->current_player();
      returns[loser] = -1;
      returns[1 - loser] = 1;
    }
    played.agent_returns[played.first_agent] = returns[0];
    played.agent_returns[1 - played.first_agent] = returns[1];
    for (int a = 0; a < 2; ++a) {
      double r = played.agent_returns[a];
      auto& tally = summary.tallies[a];
      (r > 0 ? tally.wins : r < 0 ? tally.losses : tally.draws)++;
    }
    ++summary.games;
    played.final_state = std::move(state);
    if (on_game) on_game(played);
  }
  return summary;
}

}  // namespace tenuki
