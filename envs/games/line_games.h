#pragma once
// k-in-a-row games: Tic-tac-toe, Gomoku and Connect Four are one engine with different settings.
#include <string>

#include "envs/games/grid_state.h"

namespace tenuki {

struct LineGameRules {
  int rows = 3;
  int cols = 3;
  int k = 3;             // stones in a row that win
  bool exact = false;    // only exactly k wins (Gomoku's "exact five"); longer lines do not
  bool gravity = false;  // stones drop to the lowest empty cell of a column (Connect Four)
};

class LineGame : public Game {
 public:
  // `traits` is the family's (a static object that outlives the game).
  LineGame(std::string name, std::string spec, LineGameRules rules, uint64_t salt,
           const GameTraits* traits);
  std::string spec() const override { return spec_; }
  int max_game_length() const override { return num_cells(); }
  std::vector<int> symmetries() const override;
  std::unique_ptr<State> new_initial_state() const override;
  const GameTraits& traits() const override { return *traits_; }
  const LineGameRules& rules() const { return rules_; }

 private:
  std::string spec_;
  LineGameRules rules_;
  uint64_t salt_;
  const GameTraits* traits_;
};

class LineState : public GridState {
 public:
  LineState(std::shared_ptr<const Game> game, const LineGameRules& rules, uint64_t salt);
  void legal_actions(std::vector<Action>* out) const override;
  bool is_legal(Action action) const override;
  bool is_terminal() const override { return winner_ >= 0 || filled_ == game().num_cells(); }
  std::array<double, kNumPlayers> returns() const override;
  std::unique_ptr<State> clone() const override {
    return std::unique_ptr<State>(new LineState(*this));
  }
  Action sample_playout_action(Rng& rng) const override;
  // Game plane 0: cells where the player to move would complete a winning line;
  // plane 1: the same for the opponent.
  void fill_game_planes(float* planes, int height, int width) const override;

 protected:
  LineState(const LineState&) = default;
  bool do_apply_action(Action action) override;
  void do_undo_action(Action action) override;

 private:
  bool wins_at(int cell, int player) const;
  const LineGameRules* rules_;   // owned by the game, which this state keeps alive
  std::vector<int8_t> heights_;  // stones per column (gravity only)
  int filled_ = 0;
  int winner_ = -1;
};

}  // namespace tenuki
