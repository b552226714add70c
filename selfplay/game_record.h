#pragma once
// Self-play game records: everything training needs to rebuild its samples, in JSON Lines (one
// game per line) so that records are readable by other tools. A line looks like
//   {"game":"tictactoe","moves":[4,0,8],"policy":[[4,0.91,0,0.09],[0,1.0],[8,1.0]],
//    "full":[1,1,0],"value":[0.12,-0.3,0.9],"result":1,"resigned":false}
// (plus "id" when the game has one, "no_resign"/"would_resign" for resignation's control games,
// "net_step", and "branch_moves" for a game branched from another)
// where policy[i] is move i's sparse search policy target as flat (action, probability) pairs,
// full[i] says whether move i had a full search (only those are trained on), value[i] is the
// search's root value for the mover (optional: a record without it has empty root_values and trains
// on its result alone), and result is the final return of player 0 (+1/0/-1). Free functions;
// thread-safe (no shared state).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "envs/game.h"
#include "envs/util/atomic_file.h"

namespace tenuki {

struct SelfPlayRecord {
  std::string id;  // unique within a run ("<actor>-<chunk>-<k>" from actors); "" when not given
  std::string game_spec;
  std::vector<Action> moves;
  // Per move: (action, probability) pairs with probability > 0.
  std::vector<std::vector<std::pair<Action, float>>> policies;
  std::vector<uint8_t> full_search;
  std::vector<float> root_values;  // one per move, or empty when the record has none
  double result = 0;               // return of player 0
  bool resigned = false;
  // Resignation (selfplay/resign_rule.h): the game was chosen as a control that plays to the end,
  // and the player its resignation rule named first (-1: none) in a game that did not end there
  // (a control game, or one finished with fast searches).
  bool no_resign = false;
  int would_resign = -1;
  // The learner step of the net that played the game (actors: the net in use when it ended);
  // -1: not recorded. With the step that trains on a position it gives the policy lag.
  int64_t net_step = -1;
  // A branch game (SelfPlayWorkerOptions::branch_games): its first branch_moves - 1 moves are
  // copied from an earlier game, and move branch_moves - 1 was drawn from the net's raw policy;
  // none of them is trained on (full 0, no policy). 0: a game played from the start. In a game
  // in progress it may be moves.size() + 1 (the branch move is still to be drawn).
  int branch_moves = 0;

  // Number of moves with a full search (the training positions of this game).
  int training_positions() const;
};

// One JSON line (no newline).
std::string record_to_json_line(const SelfPlayRecord& record);
// Throws std::invalid_argument for a malformed line.
SelfPlayRecord record_from_json_line(const std::string& line);

// Writes records to `path` atomically (temporary file beside it, then rename). Throws
// std::runtime_error on I/O failure.
void write_records_file(const std::string& path, const std::vector<SelfPlayRecord>& records);
// Reads every record of a file. Throws std::runtime_error naming the file and line.
std::vector<SelfPlayRecord> read_records_file(const std::string& path);

}  // namespace tenuki
