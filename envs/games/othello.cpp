// Othello (Reversi) on an even square board. Black (player 0) moves first from the standard
// four-disc centre. A player with no placement must pass (pass is then the only legal action);
// the game ends when neither player can place. More discs wins. Boards up to 8x8 use bitboards;
// larger ones (10..16) a cell array scanned along the eight directions.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#include "envs/games/builtin_games.h"
#include "envs/games/grid_state.h"

namespace tenuki {
namespace {

constexpr int kDirs[8][2] = {{-1, -1}, {-1, 0}, {-1, 1}, {0, -1}, {0, 1}, {1, -1}, {1, 0}, {1, 1}};

// The standard four-disc centre of an n x n board: place(cell, player) for each disc.
template <typename Place>
void place_start_discs(int n, Place place) {
  const int m = n / 2;
  place((m - 1) * n + (m - 1), 1);
  place((m - 1) * n + m, 0);
  place(m * n + (m - 1), 0);
  place(m * n + m, 1);
}

// The returns of a finished game with these disc counts: more discs wins.
std::array<double, kNumPlayers> returns_by_discs(int black, int white) {
  if (black == white) return {0, 0};
  return black > white ? std::array<double, 2>{1, -1} : std::array<double, 2>{-1, 1};
}

class OthelloGame : public Game {
 public:
  explicit OthelloGame(int size) : Game("othello", size, size) {}
  std::string spec() const override {
    return Spec::format("othello", {{"size", std::to_string(rows())}});
  }
  // The rules are invariant under the whole dihedral group (the start position only under
  // {0, 3, 4, 7}); augmentation may use all eight.
  // Every placement fills a cell; passes only happen singly between placements.
  int max_game_length() const override { return 2 * num_cells(); }
  std::vector<int> symmetries() const override { return board_symmetries(rows(), cols()); }
  std::unique_ptr<State> new_initial_state() const override;
  const GameTraits& traits() const override {
    static const GameTraits othello_traits{
        .has_pass = true,
        .scores_ownership = true,
        .plane_tags = {"mover_gain"},
        .reference_engines = {{"gtp-rhino", "", "rows=top,passes=skip"}},
        .bench_specs = {"othello(size=8)"}};
    return othello_traits;
  }
  std::string player_name(int player) const override { return player == 0 ? "black" : "white"; }
};

class OthelloState : public GridState {
 public:
  explicit OthelloState(std::shared_ptr<const Game> game) : GridState(game, 0x0e110) {
    place_start_discs(game->rows(), [this](int cell, int player) { place(cell, player); });
    refresh_status();
  }

  void legal_actions(std::vector<Action>* out) const override {
    out->clear();
    if (terminal_) return;
    if (!has_placement_) {
      out->push_back(game().pass_action());
      return;
    }
    for (int cell = 0; cell < game().num_cells(); ++cell) {
      if (cells_[cell] < 0 && flips_from(cell, to_move_, nullptr) > 0) out->push_back(cell);
    }
  }
  bool is_legal(Action action) const override {
    if (terminal_) return false;
    if (action == game().pass_action()) return !has_placement_;
    return on_board_empty(action) && flips_from(action, to_move_, nullptr) > 0;
  }
  bool is_terminal() const override { return terminal_; }
  std::array<double, kNumPlayers> returns() const override {
    if (!terminal_) return {0, 0};
    int black = 0, white = 0;
    for (int8_t v : cells_) {
      black += v == 0;
      white += v == 1;
    }
    return returns_by_discs(black, white);
  }
  std::unique_ptr<State> clone() const override {
    return std::unique_ptr<State>(new OthelloState(*this));
  }
  // Game plane 0: for each legal cell, the number of discs it would flip / 8.
  void fill_game_planes(float* planes, int height, int width) const override {
    if (terminal_) return;
    const int n = game().cols();
    for (int cell = 0; cell < game().num_cells(); ++cell) {
      if (cells_[cell] >= 0) continue;
      int k = flips_from(cell, to_move_, nullptr);
      if (k > 0) planes[(cell / n) * width + cell % n] = std::min(1.0f, k / 8.0f);
    }
  }

 protected:
  OthelloState(const OthelloState&) = default;

  bool do_apply_action(Action action) override {
    if (!is_legal(action)) return false;
    undo_info_.push_back(static_cast<int32_t>(flipped_.size()));
    if (action != game().pass_action()) {
      place(action, to_move_);
      flips_from(action, to_move_, &flipped_);
      for (size_t i = undo_info_.back(); i < flipped_.size(); ++i) flip(flipped_[i]);
    }
    to_move_ = 1 - to_move_;
    refresh_status();
    return true;
  }
  void do_undo_action(Action action) override {
    size_t start = undo_info_.back();
    undo_info_.pop_back();
    if (action != game().pass_action()) {
      for (size_t i = start; i < flipped_.size(); ++i) flip(flipped_[i]);
      flipped_.resize(start);
      remove(action);
    }
    to_move_ = 1 - to_move_;
    refresh_status();
  }

 private:
  // Discs that placing at `cell` for `player` would flip; appends them to `out` when given.
  int flips_from(int cell, int player, std::vector<uint8_t>* out) const {
    const int n = game().cols();
    const int r0 = cell / n, c0 = cell % n;
    int total = 0;
    for (const auto& d : kDirs) {
      int r = r0 + d[0], c = c0 + d[1], run = 0;
      while (r >= 0 && r < n && c >= 0 && c < n && cells_[r * n + c] == 1 - player) {
        r += d[0];
        c += d[1];
        ++run;
      }
      if (run == 0 || r < 0 || r >= n || c < 0 || c >= n || cells_[r * n + c] != player) continue;
      total += run;
      if (out) {
        for (int i = 1; i <= run; ++i)
          out->push_back(static_cast<uint8_t>((r0 + i * d[0]) * n + c0 + i * d[1]));
      }
    }
    return total;
  }
  bool any_placement(int player) const {
    for (int cell = 0; cell < game().num_cells(); ++cell) {
      if (cells_[cell] < 0 && flips_from(cell, player, nullptr) > 0) return true;
    }
    return false;
  }
  void refresh_status() {
    has_placement_ = any_placement(to_move_);
    terminal_ = !has_placement_ && !any_placement(1 - to_move_);
  }

  bool has_placement_ = true;
  bool terminal_ = false;
  std::vector<uint8_t> flipped_;    // discs flipped by every move so far, in order
  std::vector<int32_t> undo_info_;  // start of each move's entries in flipped_
};

// Boards up to 8x8 as two bitboards in an 8x8 frame (bit r * 8 + c; cells past the board's size
// stay empty and outside `valid_`). Moves and flips come from shifts along the eight directions,
// the legal placements of the player to move are kept after every move. The cell array and hash
// of GridState are kept too (cell_owner, hash and the encoding read them).
class OthelloBitboardState : public GridState {
 public:
  explicit OthelloBitboardState(std::shared_ptr<const Game> game)
      : GridState(game, 0x0e110), n_(game->rows()) {
    for (int r = 0; r < n_; ++r) {
      for (int c = 0; c < n_; ++c) valid_ |= bit(r, c);
    }
    place_start_discs(n_, [this](int cell, int player) { set_disc(cell, player); });
    refresh_status();
  }

  void legal_actions(std::vector<Action>* out) const override {
    out->clear();
    if (terminal_) return;
    if (legal_ == 0) {
      out->push_back(game().pass_action());
      return;
    }
    for (uint64_t m = legal_; m; m &= m - 1) out->push_back(cell_of(std::countr_zero(m)));
  }
  bool is_legal(Action action) const override {
    if (terminal_) return false;
    if (action == game().pass_action()) return legal_ == 0;
    return on_board_empty(action) && (legal_ & bit_of(action)) != 0;
  }
  bool is_terminal() const override { return terminal_; }
  std::array<double, kNumPlayers> returns() const override {
    if (!terminal_) return {0, 0};
    return returns_by_discs(std::popcount(discs_[0]), std::popcount(discs_[1]));
  }
  std::unique_ptr<State> clone() const override {
    return std::unique_ptr<State>(new OthelloBitboardState(*this));
  }
  // Game plane 0: for each legal cell, the number of discs it would flip / 8.
  void fill_game_planes(float* planes, int height, int width) const override {
    (void)height;
    if (terminal_) return;
    for (uint64_t m = legal_; m; m &= m - 1) {
      const int b = std::countr_zero(m);
      const int k = std::popcount(flips(b, discs_[to_move_], discs_[1 - to_move_]));
      planes[(b >> 3) * width + (b & 7)] = std::min(1.0f, k / 8.0f);
    }
  }

 protected:
  OthelloBitboardState(const OthelloBitboardState&) = default;

  bool do_apply_action(Action action) override {
    if (!is_legal(action)) return false;
    uint64_t flipped = 0;
    if (action != game().pass_action()) {
      const int b = bit_index(action);
      flipped = flips(b, discs_[to_move_], discs_[1 - to_move_]);
      set_disc(action, to_move_);
      flip_discs(flipped);
    }
    flipped_.push_back(flipped);
    to_move_ = 1 - to_move_;
    refresh_status();
    return true;
  }
  void do_undo_action(Action action) override {
    const uint64_t flipped = flipped_.back();
    flipped_.pop_back();
    if (action != game().pass_action()) {
      flip_discs(flipped);
      discs_[cells_[action]] &= ~bit_of(action);
      remove(action);
    }
    to_move_ = 1 - to_move_;
    refresh_status();
  }

 private:
  static constexpr uint64_t bit(int r, int c) { return uint64_t{1} << (r * 8 + c); }
  int bit_index(int cell) const { return (cell / n_) * 8 + cell % n_; }
  uint64_t bit_of(int cell) const { return uint64_t{1} << bit_index(cell); }
  int cell_of(int b) const { return (b >> 3) * n_ + (b & 7); }

  // `b` moved one step along direction d (0..7: N, S, E, W, NE, NW, SE, SW); bits that would
  // wrap around a row edge are dropped.
  static uint64_t shift(uint64_t b, int d) {
    constexpr uint64_t kNotFirstColumn = 0xfefefefefefefefeull;
    constexpr uint64_t kNotLastColumn = 0x7f7f7f7f7f7f7f7full;
    switch (d) {
      case 0:
        return b >> 8;
      case 1:
        return b << 8;
      case 2:
        return (b << 1) & kNotFirstColumn;
      case 3:
        return (b >> 1) & kNotLastColumn;
      case 4:
        return (b >> 7) & kNotFirstColumn;
      case 5:
        return (b >> 9) & kNotLastColumn;
      case 6:
        return (b << 9) & kNotFirstColumn;
      default:
        return (b << 7) & kNotLastColumn;
    }
  }
  // Empty cells where the owner of `own` can place against `opp`.
  uint64_t moves(uint64_t own, uint64_t opp) const {
    const uint64_t empty = valid_ & ~(own | opp);
    uint64_t result = 0;
    for (int d = 0; d < 8; ++d) {
      uint64_t run = shift(own, d) & opp;
      for (int k = 0; k < 5; ++k) run |= shift(run, d) & opp;
      result |= shift(run, d) & empty;
    }
    return result;
  }
  // Discs of `opp` that a placement at bit `b` by the owner of `own` flips.
  static uint64_t flips(int b, uint64_t own, uint64_t opp) {
    uint64_t result = 0;
    for (int d = 0; d < 8; ++d) {
      uint64_t run = 0, x = shift(uint64_t{1} << b, d);
      while (x & opp) {
        run |= x;
        x = shift(x, d);
      }
      if (x & own) result |= run;
    }
    return result;
  }
  void set_disc(int cell, int player) {
    discs_[player] |= bit_of(cell);
    place(cell, player);
  }
  void flip_discs(uint64_t mask) {
    discs_[0] ^= mask;
    discs_[1] ^= mask;
    for (uint64_t m = mask; m; m &= m - 1) flip(cell_of(std::countr_zero(m)));
  }
  void refresh_status() {
    legal_ = moves(discs_[to_move_], discs_[1 - to_move_]);
    terminal_ = legal_ == 0 && moves(discs_[1 - to_move_], discs_[to_move_]) == 0;
  }

  int n_;
  uint64_t valid_ = 0;
  std::array<uint64_t, 2> discs_{0, 0};
  uint64_t legal_ = 0;  // placements of the player to move
  bool terminal_ = false;
  std::vector<uint64_t> flipped_;  // discs flipped by every move so far (0 for a pass)
};

std::unique_ptr<State> OthelloGame::new_initial_state() const {
  if (rows() <= 8) return std::make_unique<OthelloBitboardState>(shared_from_this());
  return std::make_unique<OthelloState>(shared_from_this());
}

}  // namespace

GameInfo othello_game_info() {
  return {"othello", "Othello: flip discs by bracketing; a player with no move passes",
          "size=8 (even, 4..16; 6, 8 and 10 are the usual ones)", [](const Spec& spec) {
            int size = spec.get_int("size", 8, 4, 16);
            if (size % 2) throw SpecError("in '" + spec.text() + "': othello size must be even");
            return std::shared_ptr<const Game>(std::make_shared<OthelloGame>(size));
          }};
}

}  // namespace tenuki
