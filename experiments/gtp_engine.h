#pragma once
// `tenuki gtp`: a GTP version 2 engine around any agent, for GoGui, Sabaki, gogui-twogtp and
// other controllers. Works for Go and for any game whose actions are cells (vertices A1, B1, ...
// skipping I; rows from the bottom). Malformed or failing commands get a `?` answer, never a
// crash. Not thread-safe.
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agents/agent.h"
#include "envs/game.h"

namespace tenuki {

class GtpEngine {
 public:
  // `game_spec` is the starting game (boardsize and komi rebuild it with new options).
  // Throws SpecError for a bad game or agent spec.
  GtpEngine(const std::string& game_spec, const std::string& agent_spec, uint64_t seed);
  ~GtpEngine();

  // Handles one input line; returns the whole response ("= ...\n\n" or "? ...\n\n"), or "" for a
  // blank or comment line.
  std::string handle(const std::string& line);
  bool quit_requested() const { return quit_; }
  // Reads commands until quit or end of input.
  void run(std::istream& in, std::ostream& out);

  const State& state() const { return *state_; }

 private:
  std::string execute(const std::string& command, const std::vector<std::string>& args);
  void rebuild_game(const std::string& spec);
  int parse_color(const std::string& text) const;
  // A GTP colour and vertex as (player, action); throws a GTP failure naming the bad word.
  std::pair<int, Action> parse_move(const std::string& color, const std::string& vertex) const;
  // Makes `player` the player to move by inserting a pass when the rules allow it.
  void ensure_to_move(int player);

  std::string agent_spec_;
  uint64_t seed_;
  std::shared_ptr<const Game> game_;
  std::unique_ptr<State> state_;
  std::unique_ptr<Agent> agent_;
  bool quit_ = false;
};

}  // namespace tenuki
