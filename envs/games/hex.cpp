// Hex on an n x n rhombus. Black (player 0) joins the top and bottom rows, White (player 1) the
// left and right columns. Cell (r, c) touches (r-1, c), (r-1, c+1), (r, c-1), (r, c+1),
// (r+1, c-1), (r+1, c). No draws. With swap=true the second player's first move may be the cell of
// Black's first stone: that swaps, replacing the stone by a White one at the mirrored cell (c, r).
#include <algorithm>

#include "envs/games/builtin_games.h"
#include "envs/games/grid_state.h"

namespace tenuki {
namespace {

constexpr int kNeighbours[6][2] = {{-1, 0}, {-1, 1}, {0, -1}, {0, 1}, {1, -1}, {1, 0}};

class HexGame : public Game {
 public:
  HexGame(int size, bool swap) : Game("hex", size, size), swap_(swap) {}
  std::string spec() const override {
    return Spec::format("hex",
                        {{"size", std::to_string(rows())}, {"swap", swap_ ? "true" : "false"}});
  }
  int max_game_length() const override { return num_cells() + (swap_ ? 1 : 0); }
  std::vector<int> symmetries() const override {
    return {symmetry::kIdentity, symmetry::kRotate180};
  }
  std::unique_ptr<State> new_initial_state() const override;
  const GameTraits& traits() const override {
    static const GameTraits hex_traits{.has_pass = false,
                                       .scores_ownership = false,
                                       .plane_tags = {"own_goal_edge", "opponent_goal_edge"},
                                       .reference_engines = {},
                                       .bench_specs = {"hex(size=11)"}};
    return hex_traits;
  }
  std::string player_name(int player) const override { return player == 0 ? "black" : "white"; }
  bool swap() const { return swap_; }

 private:
  bool swap_;
};

class HexState : public GridState {
 public:
  explicit HexState(std::shared_ptr<const Game> game)
      : GridState(game, 0x4e7), swap_(static_cast<const HexGame&>(*game).swap()) {}

  void legal_actions(std::vector<Action>* out) const override {
    out->clear();
    if (winner_ >= 0) return;
    for (int cell = 0; cell < game().num_cells(); ++cell) {
      if (cells_[cell] < 0 || is_swap(cell)) out->push_back(cell);
    }
  }
  bool is_legal(Action action) const override {
    return winner_ < 0 && (on_board_empty(action) || is_swap(action));
  }
  bool is_terminal() const override { return winner_ >= 0; }
  std::array<double, kNumPlayers> returns() const override {
    if (winner_ < 0) return {0, 0};
    return winner_ == 0 ? std::array<double, 2>{1, -1} : std::array<double, 2>{-1, 1};
  }
  std::unique_ptr<State> clone() const override {
    return std::unique_ptr<State>(new HexState(*this));
  }

  // Game plane 0: the player to move's goal edges; plane 1: the opponent's goal edges.
  void fill_game_planes(float* planes, int height, int width) const override {
    const int n = game().rows();
    const size_t plane = static_cast<size_t>(height) * width;
    for (int i = 0; i < n; ++i) {
      for (int who = 0; who < 2; ++who) {
        int player = who == 0 ? to_move_ : 1 - to_move_;
        float* p = planes + who * plane;
        if (player == 0) {
          p[i] = p[static_cast<size_t>(n - 1) * width + i] = 1;
        } else {
          p[static_cast<size_t>(i) * width] = p[static_cast<size_t>(i) * width + n - 1] = 1;
        }
      }
    }
  }

  std::string to_string() const override {
    // Indent each row by one more space so the rhombus shows the true adjacency.
    std::string board = GridState::to_string();
    std::string out;
    int row = -1;
    size_t start = 0;
    while (start < board.size()) {
      size_t end = board.find('\n', start);
      std::string line = board.substr(start, end - start);
      out += std::string(std::max(row, 0), ' ') + line + "\n";
      if (row >= 0 || line.find_first_not_of(' ') != std::string::npos) ++row;
      start = end + 1;
    }
    return out;
  }

 protected:
  HexState(const HexState&) = default;

  bool do_apply_action(Action action) override {
    if (!is_legal(action)) return false;
    if (is_swap(action)) {
      remove(action);
      place(mirrored(action), 1);
    } else {
      place(action, to_move_);
      if (connects(action, to_move_)) winner_ = to_move_;
    }
    to_move_ = 1 - to_move_;
    return true;
  }
  void do_undo_action(Action action) override {
    to_move_ = 1 - to_move_;
    winner_ = -1;
    // After undoing, history() has this move removed: it was a swap iff it was move 2 on the
    // same cell as move 1.
    const auto& h = history();
    if (swap_ && h.size() == 1 && h[0] == action) {
      remove(mirrored(action));
      place(action, 0);
    } else {
      remove(action);
    }
  }

 private:
  bool is_swap(Action action) const {
    const auto& h = history();
    return swap_ && h.size() == 1 && h[0] == action;
  }
  int mirrored(int cell) const {
    const int n = game().cols();
    return (cell % n) * n + cell / n;
  }
  // True when the group of `player` through `cell` touches both of the player's edges.
  bool connects(int cell, int player) const {
    const int n = game().cols();
    std::vector<int> stack = {cell};
    std::vector<char> seen(cells_.size(), 0);
    seen[cell] = 1;
    bool low = false, high = false;
    while (!stack.empty()) {
      int x = stack.back();
      stack.pop_back();
      int r = x / n, c = x % n;
      int pos = player == 0 ? r : c;
      low |= pos == 0;
      high |= pos == n - 1;
      for (const auto& d : kNeighbours) {
        int rr = r + d[0], cc = c + d[1];
        if (rr < 0 || rr >= n || cc < 0 || cc >= n) continue;
        int y = rr * n + cc;
        if (!seen[y] && cells_[y] == player) {
          seen[y] = 1;
          stack.push_back(y);
        }
      }
    }
    return low && high;
  }

  bool swap_;
  int winner_ = -1;
};

std::unique_ptr<State> HexGame::new_initial_state() const {
  return std::make_unique<HexState>(shared_from_this());
}

}  // namespace

GameInfo hex_game_info() {
  return {"hex", "Hex: Black joins top and bottom, White left and right; no draws",
          "size=11 (3..19), swap=false (pie rule: second player may take over the first stone)",
          [](const Spec& spec) {
            int size = spec.get_int("size", 11, 3, kMaxBoardSide);
            bool swap = spec.get_bool("swap", false);
            return std::shared_ptr<const Game>(std::make_shared<HexGame>(size, swap));
          }};
}

}  // namespace tenuki
