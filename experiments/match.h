#pragma once
// Plays games between two agents with colours alternating: in game i (from 0) agent 0 moves first
// when i is even. Single-threaded; the agents are borrowed for the duration of the call.
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "envs/game.h"

namespace tenuki {

struct PlayedGame {
  int index = 0;
  // agent index (0 or 1) that played as player 0 (the first player)
  int first_agent = 0;
  std::unique_ptr<State> final_state;
  bool resigned = false;  // the player to move in final_state resigned
  // Score for each agent (not player): +1 win, 0 draw, -1 loss.
  std::array<double, 2> agent_returns{};
};

struct AgentTally {
  int wins = 0;
  int draws = 0;
  int losses = 0;
};

struct MatchSummary {
  std::array<AgentTally, 2> tallies{};
  int games = 0;         // finished games
  bool stopped = false;  // `stop` ended the match early (the game in progress is not counted)
};

// Plays `games` games; calls `on_game` after each finished game (for printing or saving). When
// `stop` is given it is checked before every move, and the match returns once it is set.
MatchSummary play_match(const Game& game, std::array<Agent*, 2> agents, int games,
                        const std::function<void(const PlayedGame&)>& on_game,
                        const std::atomic<bool>* stop = nullptr);

}  // namespace tenuki
