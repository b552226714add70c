#pragma once
// Shared plumbing for games played by placing stones on cells (Tic-tac-toe, Connect Four, Gomoku,
// Othello, Hex): a cell array, the player to move and an incrementally kept Zobrist hash.
// Not thread-safe (like every State).
#include <cstdint>
#include <vector>

#include "envs/game.h"
#include "envs/util/random.h"

namespace tenuki {

// Deterministic Zobrist key for (cell, player); `salt` separates games.
inline uint64_t zobrist_key(uint64_t salt, int cell, int player) {
  uint64_t x = salt * 0x100000001B3ull + static_cast<uint64_t>(cell) * 2 + player;
  return splitmix64(x);
}
inline constexpr uint64_t kSideToMoveKey = 0x9d39247e33776d41ull;

class GridState : public State {
 public:
  GridState(std::shared_ptr<const Game> game, uint64_t salt)
      : State(game), salt_(salt), cells_(game->num_cells(), -1) {}

  int current_player() const override { return to_move_; }
  int cell_owner(int cell) const override { return cells_[cell]; }
  uint64_t hash() const override { return hash_ ^ (to_move_ ? kSideToMoveKey : 0); }

 protected:
  void place(int cell, int player) {
    cells_[cell] = static_cast<int8_t>(player);
    hash_ ^= zobrist_key(salt_, cell, player);
  }
  void remove(int cell) {
    hash_ ^= zobrist_key(salt_, cell, cells_[cell]);
    cells_[cell] = -1;
  }
  void flip(int cell) {
    int p = cells_[cell];
    hash_ ^= zobrist_key(salt_, cell, p) ^ zobrist_key(salt_, cell, 1 - p);
    cells_[cell] = static_cast<int8_t>(1 - p);
  }
  bool on_board_empty(Action a) const {
    return a >= 0 && a < static_cast<Action>(cells_.size()) && cells_[a] < 0;
  }
  // Length of the line of `player` stones through (r, c) along (dr, dc), both directions.
  int line_length(int r, int c, int dr, int dc, int player) const;

  uint64_t salt_;
  std::vector<int8_t> cells_;
  int to_move_ = 0;
  uint64_t hash_ = 0;
};

inline int GridState::line_length(int r, int c, int dr, int dc, int player) const {
  const int rows = game().rows(), cols = game().cols();
  int n = 1;
  for (int sign : {1, -1}) {
    int rr = r + sign * dr, cc = c + sign * dc;
    while (rr >= 0 && rr < rows && cc >= 0 && cc < cols && cells_[rr * cols + cc] == player) {
      ++n;
      rr += sign * dr;
      cc += sign * dc;
    }
  }
  return n;
}

// Symmetry ids of the full dihedral group when square, else the 4 that keep the shape.
inline std::vector<int> board_symmetries(int rows, int cols) {
  if (rows == cols) return {0, 1, 2, 3, 4, 5, 6, 7};
  return {0, 1, 2, 3};
}

}  // namespace tenuki
