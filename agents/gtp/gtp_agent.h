#pragma once
// `gtp(cmd="...", rows=bottom|top, passes=play|skip, timeout=60)`: any external GTP engine as an
// agent, for any game whose actions are cells (GNU Go for Go, gtp-rhino for Othello, ...). Vertices
// are named A1, B1, ... (skipping I); rows count from the bottom as in Go, or from the top
// (`rows=top`) as in Othello notation. `passes=skip` never sends pass moves, for engines that pass
// on their own (gtp-rhino moves the turn on by itself when a player has no move). Before each
// genmove the engine is brought in step with the game's history (only new moves are sent; after an
// undo or a new game, it is replayed from clear_board).
#include <memory>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "agents/gtp/gtp_client.h"

namespace tenuki {

class Spec;

class GtpAgent : public Agent {
 public:
  // Starts the engine at once; throws GtpEngineError when it cannot be started.
  GtpAgent(std::string spec_text, std::string command, bool rows_from_top, bool send_passes,
           double timeout_seconds);
  std::string spec() const override { return spec_; }
  void new_game(const Game& game) override;
  // Throws GtpEngineError when the engine dies or answers with a move that is not a vertex.
  Action select_action(const State& state) override;

  // Vertex text for an action in this agent's row convention, and back.
  std::string vertex(const Game& game, Action action) const;
  Action parse_vertex(const Game& game, const std::string& text) const;

 private:
  void sync(const State& state);
  static std::string color(int player) { return player == 0 ? "b" : "w"; }

  std::string spec_;
  bool rows_from_top_;
  bool send_passes_;
  std::unique_ptr<GtpClient> client_;
  std::vector<Action> sent_;  // the moves the engine has, from the initial position
  std::string game_spec_;     // the game the engine was set up for
};

std::unique_ptr<Agent> make_gtp_agent(const Spec& spec);

}  // namespace tenuki
