#pragma once
// Plays games between two agents with colours alternating: in game i (from 0) agent 0 moves first
// when i is even. Single-threaded; the agents are borrowed for the duration of the call.
// Optional random openings: games 2k and 2k+1 (the same pairing with colours swapped) start from
// the same random opening, so deterministic agents do not replay one game over and over.
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "envs/game.h"

namespace tenuki {

// How one game between two agents ended.
enum class GameEnding {
  kTerminal,     // the rules ended it
  kResigned,     // `seat` resigned
  kIllegalMove,  // `seat` chose `illegal_action`, which is not legal
  kAgentFailed,  // `seat`'s agent threw (`failure`, `detail`: its message)
  kMoveCap,      // the move cap was reached (a draw)
  kStopped,      // `stop` was set before the game ended
};

struct GameOutcome {
  std::unique_ptr<State> final_state;
  GameEnding ending = GameEnding::kTerminal;
  int seat = -1;  // the seat (0: the first player) that resigned, failed or moved illegally
  Action illegal_action = 0;
  std::string detail;          // the failure's message
  std::exception_ptr failure;  // what the agent threw
  // Per seat: +1 win, 0 draw, -1 loss. A side that resigns, fails or moves illegally loses; a
  // capped or stopped game counts as a draw.
  std::array<double, 2> seat_returns{};
};

struct PlayOptions {
  int move_cap = 0;                         // plies (opening included); 0: none but the rules'
  const std::atomic<bool>* stop = nullptr;  // checked before every move
};

// The one single-game loop: `seats[0]` plays the first player from the position after
// `opening`, asking each agent for its move in turn. Never throws for what the agents do (see
// GameOutcome); the caller calls new_game on the agents.
GameOutcome play_game(const Game& game, const std::array<Agent*, 2>& seats,
                      const std::vector<Action>& opening, const PlayOptions& options = {});

struct PlayedGame {
  int index = 0;
  // agent index (0 or 1) that played as player 0 (the first player)
  int first_agent = 0;
  std::vector<Action> opening;  // the random opening plies played before the agents moved
  std::unique_ptr<State> final_state;
  bool resigned = false;  // the player to move in final_state resigned
  // Score for each agent (not player): +1 win, 0 draw, -1 loss.
  std::array<double, 2> agent_returns{};
};

struct MatchOpenings {
  int plies = 0;      // random opening plies before the agents move; 0 = from the initial state
  uint64_t seed = 0;  // the openings are a function of (seed, pair = game index / 2)
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
  int failed_pairs = 0;  // pairs dropped because an agent failed (with a failure handler)
  std::string last_error;
};

// Called when an agent throws during a game (an engine that died, an illegal move), with the
// error text and the match's agents, which it may replace (e.g. with a fresh engine process);
// it may throw to end the match.
using MatchFailureHandler =
    std::function<void(const std::string& error, std::array<Agent*, 2>& agents)>;

// Plays `games` games; calls `on_game` after each finished game (for printing or saving). When
// `stop` is given it is checked before every move, and the match returns once it is set. Without
// `on_failure`, what an agent throws propagates, and an illegal move throws std::runtime_error;
// with it, the colour-swapped pair of the failed game is dropped from the counts (its games are
// counted, and given to on_game, once both are played), on_failure is called, and the match goes
// on with the next pair. Throws std::runtime_error when no opening of openings.plies plies that
// leaves the game open is found (see random_opening).
MatchSummary play_match(const Game& game, std::array<Agent*, 2> agents, int games,
                        const std::function<void(const PlayedGame&)>& on_game,
                        const std::atomic<bool>* stop = nullptr, const MatchOpenings& openings = {},
                        const MatchFailureHandler& on_failure = {});

// `plies` uniformly random legal moves from the initial state, passes excluded where another
// move exists, redrawn (up to 1000 times) until the opening leaves the game open; a function of
// (game, plies, seed). Throws std::runtime_error when every draw ends the game.
std::vector<Action> random_opening(const Game& game, int plies, uint64_t seed);

}  // namespace tenuki
