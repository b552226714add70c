#pragma once
// GTP analysis output for GUIs (Sabaki, Lizzie, q5Go, KaTrain), in the formats documented by
// Leela Zero (lz-analyze) and KataGo (kata-analyze, docs/GTP_Extensions.md):
//
//   lz:   info move D4 visits 10 winrate 5123 prior 1234 lcb 4980 order 0 pv D4 Q16 info move ...
//   kata: info move D4 visits 10 utility 0.0246 winrate 0.5123 prior 0.1234 lcb 0.498 order 0
//         pv D4 Q16 info move ... [ownership v1 v2 ...]
//
// One line per report, all moves on it. Values are from the analysed player's point of view;
// winrate = (value + 1) / 2 (lz: times 10000, rounded); lcb is a lower confidence bound of the
// winrate, winrate - 1.96 * sqrt(w(1-w) / visits) (tenuki keeps no value variance per node, so
// this is the binomial bound, not Leela Zero's t-distribution one); utility (kata) is the value in
// [-1, 1]. No score fields: tenuki's networks have no score head. ownership (kata, when asked and
// the evaluator has it): rows*cols values in [-1, 1], row-major from the top-left (A19 on 19x19),
// +1 owned by the analysed player.
#include <string>
#include <vector>

#include "agents/search/mcts.h"
#include "envs/game.h"

namespace tenuki {

struct AnalyzeRequest {
  bool kata = false;       // kata-analyze format (else lz)
  int player = -1;         // analysed player; -1: the player to move
  double interval_s = 0;   // seconds between reports; 0: none until the end
  int max_moves = 0;       // most moves per report; 0: all visited moves
  bool ownership = false;  // kata only
};

// Parses the arguments of lz-analyze / kata-analyze / *-genmove_analyze: [COLOR] [INTERVAL]
// then key-value pairs interval N (centiseconds), maxmoves N, minmoves N (accepted, ignored),
// ownership true|false (kata). `parse_color` maps a word to 0/1 or throws. Throws
// std::invalid_argument naming the bad word.
AnalyzeRequest parse_analyze_args(const std::vector<std::string>& args, bool kata,
                                  int (*parse_color)(const std::string&));

// One report line (without the newline); "" while no move has visits (a line of ownership alone
// tells a GUI nothing). `ownership` is num_cells values or empty.
std::string format_analysis(const Game& game, const std::vector<RootMoveStats>& moves,
                            const AnalyzeRequest& request, const std::vector<float>& ownership);

// The GTP name of an action: the game's vertex, "pass" for the pass action.
std::string gtp_vertex(const Game& game, Action action);

}  // namespace tenuki
