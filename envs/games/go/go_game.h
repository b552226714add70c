#pragma once
// Go and Atari Go on the tenuki Game/State interface, on top of the fast go::Board core.
//
// Rules (spec `go(...)`):
// - Area scoring (Tromp-Taylor): stones plus empty regions reaching only one colour; black wins
//   when area(black) - area(white) - komi > 0, white when < 0, a draw at 0.
// - ko=positional (default): a placement may not recreate any earlier position (stones only,
//   the initial setup included). ko=simple: only the immediate retake of a single-stone ko is
//   forbidden.
// - suicide=false (default): a placement that captures nothing and leaves its own chain without
//   liberties is illegal. suicide=true allows it and removes the chain (one stone or several).
// - Two consecutive passes end the game, as does reaching max_moves actions (passes count;
//   default 3 * rows * cols); either way the position is scored as it stands.
// - Player 0 is black ('X') and moves first, player 1 is white ('O').
//
// Atari Go (spec `atari_go(...)`): the same rules without komi; the first player to capture wins
// at once (a suicide, when allowed, loses at once). Two passes or the move cap with no capture is
// a draw.
//
// Game-specific encoding planes (see envs/encoding.h), written by GoState::fill_game_planes, all
// from the point of view of the player to move:
//   0: own chains with exactly 1 liberty        1: opponent chains with exactly 1 liberty
//   2: own chains with exactly 2 liberties      3: opponent chains with exactly 2 liberties
//   4: komi from the mover's view on every board cell: komi / 15 when white is to move,
//      -komi / 15 when black is to move (0 in Atari Go)
//   5: empty cells where the mover may not play (ko, superko or suicide); all 0 when terminal
//   6: with option ladders=true, the stones of either colour whose chain can be captured in a
//      ladder (envs/games/go/ladder.h: a chain in atari that cannot escape with its owner to
//      move, or a chain with 2 liberties that the opponent, moving first, ladders); else 0
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "envs/game.h"
#include "envs/games/go/board.h"
#include "envs/registry.h"
#include "envs/spec.h"

namespace tenuki {
namespace go {

struct GoOptions {
  int rows = 19;
  int cols = 19;
  double komi = 7.5;
  bool positional_superko = true;  // false: simple ko
  bool allow_suicide = false;
  int max_moves = 0;  // 0 means 3 * rows * cols
  bool atari_go = false;
  bool ladder_plane = false;  // spec option ladders: fill game plane 6 (see above)
};

class GoState;

// Immutable; thread-safe like every Game.
class GoGame : public Game {
 public:
  // Throws std::invalid_argument when a size is outside 2..19 or max_moves < 1.
  explicit GoGame(const GoOptions& options);

  // Builds a game from `go(...)` (atari_go false) or `atari_go(...)` options; throws SpecError on
  // a bad value. Does not call check_all_used() (the registry does).
  static std::shared_ptr<const GoGame> from_spec(const Spec& spec, bool atari_go);

  const GoOptions& options() const { return options_; }
  double komi() const { return options_.komi; }
  bool atari_go() const { return options_.atari_go; }
  bool positional_superko() const { return options_.positional_superko; }
  bool allow_suicide() const { return options_.allow_suicide; }
  int max_moves() const { return options_.max_moves; }
  bool ladder_plane() const { return options_.ladder_plane; }

  // Canonical: `go(ko=...,komi=...,max_moves=...,size=N,suicide=...)` on square boards and
  // `go(cols=C,ko=...,komi=...,max_moves=...,rows=R,suicide=...)` otherwise (no komi in
  // atari_go), with `ladders=true` after komi when the ladder plane is on.
  std::string spec() const override;
  int max_game_length() const override { return options_.max_moves; }
  std::vector<int> symmetries() const override;
  std::unique_ptr<State> new_initial_state() const override;
  const GameTraits& traits() const override;
  std::unique_ptr<GoState> new_go_state() const;
  std::string player_name(int player) const override;

 private:
  GoOptions options_;
};

// An open-addressing set of 64-bit position hashes (linear probing, backward-shift deletion).
// Copyable value; not thread-safe.
class PositionSet {
 public:
  bool contains(uint64_t key) const;
  void insert(uint64_t key);
  void erase(uint64_t key);
  int size() const { return count_; }
  // Makes room for n keys without growing.
  void reserve(int n);

 private:
  static uint64_t fix(uint64_t key) { return key == 0 ? 1 : key; }
  void grow();
  std::vector<uint64_t> slots_;  // 0 = free; size is a power of two or 0
  int count_ = 0;
};

// A Go position with its history. Not thread-safe; clone() for other threads.
// undo_action() replays the game from the initial setup (O(moves)); apply_action() is O(1)
// amortized apart from captures.
class GoState : public State {
 public:
  // The empty board with black to move.
  explicit GoState(std::shared_ptr<const GoGame> game);
  // A setup position (e.g. SGF AB/AW or a handicap) with `player_to_move` to play; the setup
  // counts as the first position for superko. Throws std::invalid_argument when the board size
  // differs from the game's.
  GoState(std::shared_ptr<const GoGame> game, const go::Board& setup, int player_to_move);

  // Parses an ASCII diagram (go::Board::parse format) of the game's size. Throws
  // std::invalid_argument when `game` is not a Go game or the diagram is bad.
  static std::unique_ptr<GoState> from_ascii(const std::shared_ptr<const Game>& game,
                                             std::string_view ascii, int player_to_move = 0);
  // Setup from cell lists (r * cols + c). Throws std::invalid_argument on a bad or repeated
  // cell or a chain without liberties.
  static std::unique_ptr<GoState> from_setup(const std::shared_ptr<const Game>& game,
                                             const std::vector<int>& black_cells,
                                             const std::vector<int>& white_cells,
                                             int player_to_move = 0);

  const GoGame& go_game() const { return *go_game_; }

  int current_player() const override { return to_move_; }
  void legal_actions(std::vector<Action>* out) const override;
  using State::legal_actions;
  bool is_legal(Action action) const override;
  bool is_terminal() const override;
  std::array<double, kNumPlayers> returns() const override;
  // Tromp-Taylor area score with komi as the position stands (Atari Go: a draw unless someone
  // has captured).
  bool returns_if_ended_now(std::array<double, kNumPlayers>* returns) const override;
  // No legal placement is left that does not fill an eye-like point of the mover
  // (go::Board::is_eye_like). O(empty points).
  bool only_pass_is_sensible() const override;
  std::unique_ptr<State> clone() const override;
  uint64_t hash() const override;
  int cell_owner(int cell) const override;
  // Go: Tromp-Taylor area owners (stones are never removed as dead). Atari Go: the stones.
  std::vector<int> scoring_owners() const override;
  // Uniform over legal placements that do not fill one of the mover's eye-like points
  // (go::Board::is_eye_like); pass when there is none. Allocation-free.
  Action sample_playout_action(Rng& rng) const override;
  void fill_game_planes(float* planes, int height, int width) const override;

  const go::Board& board() const { return board_; }
  const go::Board& initial_board() const { return *initial_board_; }
  int initial_player() const { return initial_player_; }
  // Tromp-Taylor area of black minus that of white, before komi.
  double area_score_black_minus_white() const { return board_.area_score(); }
  // Stones `player` has captured so far (a suicide counts for the opponent).
  int captures(int player) const { return captures_[player]; }
  int consecutive_passes() const { return consecutive_passes_; }
  // Cell the player to move may not play because of a simple ko, or -1.
  int ko_cell() const;
  // Atari Go: the player who captured first, or -1.
  int capture_winner() const { return capture_winner_; }
  // SGF-style result of a terminal state: "B+3.5", "W+0.5", "0" (draw), "B+"/"W+" for an
  // Atari Go capture win; "" while the game goes on.
  std::string result_string() const;
  std::string result_detail() const override { return result_string(); }

 protected:
  GoState(const GoState&) = default;
  bool do_apply_action(Action action) override;
  void do_undo_action(Action action) override;

 private:
  bool is_legal_placement(go::Loc l, go::Color c) const;
  // Plays a known-legal action (no checks); shared by do_apply_action and replay.
  void play_unchecked(Action action);

  const GoGame* go_game_;
  // Copies of the game's options read on every move (saves a pointer chase).
  bool positional_superko_;
  bool allow_suicide_;
  int max_moves_;
  std::shared_ptr<const go::Board> initial_board_;
  int initial_player_;
  go::Board board_;
  int to_move_;
  int consecutive_passes_ = 0;
  go::Loc ko_loc_ = go::kNullLoc;
  int captures_[2] = {0, 0};
  int capture_winner_ = -1;
  // Adds the current position to seen_positions_ (positional superko only).
  void remember_position();

  PositionSet seen_positions_;  // positional superko only: every position so far
  int max_seen_stones_ = 0;     // most stones in any position of seen_positions_
  // The action sample_playout_action() last found legal here; reset by every change of state.
  // (A cache written by a const method: a GoState is used by one thread at a time.)
  mutable Action verified_action_ = -1;
};

}  // namespace go

// Registry entries (envs/games/builtin_games.h).
GameInfo go_game_info();
GameInfo atari_go_game_info();

}  // namespace tenuki
