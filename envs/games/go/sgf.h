#pragma once
// SGF (FF[4]) reading and writing for Go games.
//
// Reading understands SZ (square, or SZ[cols:rows]), KM, RU (kept as text, any value), PB, PW,
// RE, PL, setup AB/AW (single points and compressed lists [aa:cc]) and moves B/W (pass as [] or
// [tt]). Only the first variation is followed; other properties (comments included) are skipped.
// Games are always scored by area: the game spec built from a record is `go(...)` with its size
// and komi and the default ko/suicide rules, unless the caller supplies its own game.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/games/go/go_game.h"

namespace tenuki::go {

// A malformed SGF or an impossible game record. The message names the line and column (1-based).
class SgfError : public std::runtime_error {
 public:
  SgfError(const std::string& what, int line, int column);
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  int line_;
  int column_;
};

struct SgfMove {
  int player = 0;     // 0 black, 1 white
  Action action = 0;  // cell r * cols + c, or rows * cols for pass
  int line = 0;       // where the move's value starts in the text (1-based)
  int column = 0;
};

struct SgfGame {
  int rows = 19;
  int cols = 19;
  double komi = 0;        // KM, 0 when absent
  std::string game_spec;  // e.g. "go(komi=6.5,size=19)" (pass to make_game or GoGame::from_spec)
  std::string rules;      // RU as written
  std::string black_name;
  std::string white_name;
  std::string result;            // RE as written
  std::vector<int> setup_black;  // cells
  std::vector<int> setup_white;
  int player_to_move = 0;  // PL, else the colour of the first move, else black
  std::vector<SgfMove> moves;
};

// Parses SGF text. Throws SgfError on a syntax error, a bad or off-board coordinate, a bad SZ or
// KM, or a record that is not Go (GM other than 1).
SgfGame parse_sgf(const std::string& text);
// Reads and parses a file; throws SgfError (line 0) when it cannot be read.
SgfGame read_sgf_file(const std::string& path);

// Replays a record: setup, then every move. `game` must be a Go game of the record's size; when
// null, GoGame::from_spec(record.game_spec) is used. Throws SgfError naming the move's line and
// column when a move is illegal or out of turn.
std::unique_ptr<GoState> sgf_to_state(const SgfGame& record,
                                      std::shared_ptr<const Game> game = nullptr);

struct SgfWriteOptions {
  std::string black_name;
  std::string white_name;
  // RE value; "" means GoState::result_string() ("" too while the game goes on: RE is omitted).
  std::string result;
};

// SGF text of `state`'s game: the root (FF, GM, SZ, KM, RU[Chinese], names, result, initial
// setup and PL) then every move of its history. Atari Go is written as Go with KM[0].
std::string write_sgf(const GoState& state, const SgfWriteOptions& options = {});
// The same with the player names given directly (RE from the state).
std::string write_sgf(const GoState& state, const std::string& black_name,
                      const std::string& white_name);

// Writes `text` to `path` atomically (write_file_atomically in envs/util/atomic_file.h). Throws
// std::runtime_error on failure (the temporary file is removed).
void write_sgf_file(const std::string& path, const std::string& text);

}  // namespace tenuki::go
