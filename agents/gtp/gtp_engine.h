#pragma once
// `tenuki gtp`: a GTP version 2 engine around any agent, for GoGui, Sabaki, Lizzie,
// gogui-twogtp and other controllers. Works for Go and for any game whose actions are cells
// (vertices A1, B1, ... skipping I; rows from the bottom). Malformed or failing commands get a
// `?` answer, never a crash.
//
// Extensions: lz-analyze / kata-analyze stream analysis lines (agents/gtp/gtp_analysis.h) until
// the next command line arrives; lz-genmove_analyze / kata-genmove_analyze stream them while
// choosing a move and end with `play VERTEX`. time_settings, kgs-time_settings and time_left set
// the clocks of a TimeManager; genmove then limits a search agent's thinking time so that it
// never runs out of time (other agents ignore the clock).
//
// Thread-safety: not thread-safe; run() starts one reader thread of its own for `in` and joins it.
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agents/agent.h"
#include "agents/gtp/gtp_analysis.h"
#include "agents/search/time_manager.h"
#include "envs/game.h"

namespace tenuki {

class GtpEngine {
 public:
  // `game_spec` is the starting game (boardsize and komi rebuild it with new options).
  // Throws SpecError for a bad game or agent spec.
  GtpEngine(const std::string& game_spec, const std::string& agent_spec, uint64_t seed);
  ~GtpEngine();

  // Handles one input line; returns the whole response ("= ...\n\n" or "? ...\n\n"), or "" for a
  // blank or comment line. An lz-/kata-analyze command here runs one batch and reports once.
  std::string handle(const std::string& line);
  // Handles one input line, writing (and flushing) the response to `out` as it is produced.
  // `interrupted` is polled by streaming analysis, which ends when it returns true.
  void process(const std::string& line, std::ostream& out,
               const std::function<bool()>& interrupted);
  bool quit_requested() const { return quit_; }
  // Reads commands until quit or end of input. A reader thread queues the lines of `in`, so that
  // a running analysis stops as soon as the next line arrives.
  void run(std::istream& in, std::ostream& out);

  const State& state() const { return *state_; }

 private:
  std::string execute(const std::string& command, const std::vector<std::string>& args);
  // lz-analyze, kata-analyze, lz-genmove_analyze, kata-genmove_analyze: writes the whole
  // response, header first. Throws GtpFailure before writing anything on bad arguments.
  void analyze(const std::string& id, const std::string& command,
               const std::vector<std::string>& args, std::ostream& out,
               const std::function<bool()>& interrupted);
  // genmove for `player` (already to move): the agent's move under the clock, played. Reports
  // search progress through `report` for search agents when interval_s > 0.
  Action generate_move(int player, double interval_s,
                       const std::function<void(const Mcts&)>& report);
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
  TimeManager clock_;
  bool quit_ = false;
};

}  // namespace tenuki
