#pragma once
// Go test helpers shared by the rules tests: games from option strings, moves by vertex name and
// boards as ASCII rows.
#include <memory>
#include <string>

#include "envs/games/go/go_game.h"
#include "envs/spec.h"

namespace tenuki::test {

inline std::shared_ptr<const go::GoGame> make_go(const std::string& options) {
  auto spec = Spec::parse("go(" + options + ")");
  auto game = go::GoGame::from_spec(spec, false);
  spec.check_all_used();
  return game;
}

inline std::shared_ptr<const go::GoGame> make_atari(const std::string& options) {
  return go::GoGame::from_spec(Spec::parse("atari_go(" + options + ")"), true);
}

inline Action at(const go::GoState& s, const std::string& vertex) {
  return s.game().string_to_action(vertex);
}

inline void play(go::GoState& s, const std::string& vertex) { s.apply_action(at(s, vertex)); }

// The board as rows of X/O/. (Board::to_string format).
inline std::string rows_of(const go::GoState& s) { return s.board().to_string(); }

// A diagram written with spaces and x/o, as rows of X/O/. (blank lines dropped).
inline std::string strip(const std::string& diagram) {
  std::string out, row;
  for (char c : diagram) {
    if (c == '\n') {
      if (!row.empty()) out += row + "\n";
      row.clear();
    } else if (c != ' ') {
      row += static_cast<char>(c == 'x' ? 'X' : c == 'o' ? 'O' : c);
    }
  }
  if (!row.empty()) out += row + "\n";
  return out;
}

}  // namespace tenuki::test
