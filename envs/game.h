#pragma once
// The game interface shared by every board game in tenuki (after OpenSpiel's Game/State split).
//
// Conventions every game follows:
// - Two players, 0 and 1. Player 0 moves first (Black in Go, Othello and Hex; X in Tic-tac-toe and
//   Gomoku; the first player in Connect Four).
// - Board cells are numbered `r * cols + c`, row 0 at the top as printed. Action `num_cells()` is
//   pass. Games whose moves are not placements map them onto cells (Connect Four: the cell where
//   the disc lands). Every game has `num_cells() + 1` actions; pass is simply illegal in games
//   that have no pass (Othello allows it only as the forced move of a player with no placement).
// - Returns are +1 win, -1 loss, 0 draw, per player, once the state is terminal.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "envs/util/random.h"

namespace tenuki {

using Action = int32_t;
inline constexpr int kNumPlayers = 2;
inline constexpr int kMaxBoardSide = 19;

class State;

// Dihedral symmetries of a rows x cols board. A symmetry id s in [0, 8) means: transpose first if
// (s & 4) (square boards only), then flip rows if (s & 1), then flip columns if (s & 2).
// Id 0 is the identity and id 3 is the 180-degree rotation.
namespace symmetry {
inline constexpr int kIdentity = 0;
inline constexpr int kRotate180 = 3;
inline constexpr int kMirrorColumns = 2;
// Maps cell (r, c) of a rows x cols board; the result lies on the transposed board when s & 4.
void map_cell(int s, int rows, int cols, int r, int c, int* out_r, int* out_c);
// The id t with map(t, map(s, x)) == x.
int inverse(int s);
}  // namespace symmetry

// A program that plays a game through GTP, as a reference opponent: `program` (looked up in
// /usr/games, then on PATH) started with `arguments`; `agent_options` are extra options of the
// `gtp(...)` agent spec (e.g. "rows=top,passes=skip").
struct ReferenceEngine {
  std::string program;
  std::string arguments;
  std::string agent_options;
};

// What a game family is beyond its rules (after OpenSpiel's GameType). The encoding, network
// transfer, benchmarks and the experiments' reference pools read these, so a new game states
// them once, beside its rules.
struct GameTraits {
  // Pass is an action of the game: a free choice (Go) or forced when no placement is legal
  // (Othello). Without it the pass action is never legal and networks need no pass logit.
  bool has_pass = false;
  // The final position says who owns each cell (area scoring), so networks can learn an ownership
  // target.
  bool scores_ownership = false;
  // The semantic tag of each game plane the game fills (envs/ENCODING.md, encoding::plane_tags),
  // in plane order; "" for a plane it leaves empty. At most encoding::kNumGamePlanes entries.
  std::vector<std::string> plane_tags;
  // Reference opponents for evaluations (besides random and rollout MCTS).
  std::vector<ReferenceEngine> reference_engines;
  // The specs `tenuki bench rules` measures by default.
  std::vector<std::string> bench_specs;
};

// An immutable game definition: a factory for states plus the shapes the rest of tenuki needs.
// Thread-safe: all methods are const and may be called from any thread. Always held by
// shared_ptr (states keep their game alive).
class Game : public std::enable_shared_from_this<Game> {
 public:
  Game(std::string name, int rows, int cols);
  virtual ~Game() = default;
  Game(const Game&) = delete;
  Game& operator=(const Game&) = delete;

  // Short registry name, e.g. "go".
  const std::string& name() const { return name_; }
  // Canonical spec with every option spelled out; make_game(spec()) builds an equal game.
  virtual std::string spec() const = 0;

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int num_cells() const { return rows_ * cols_; }
  int num_actions() const { return num_cells() + 1; }
  Action pass_action() const { return num_cells(); }

  // Upper bound on the number of actions in any game (passes included).
  virtual int max_game_length() const = 0;
  // Symmetry ids (see `symmetry`) under which the rules are invariant; always starts with 0.
  virtual std::vector<int> symmetries() const = 0;
  virtual std::unique_ptr<State> new_initial_state() const = 0;
  // The family's traits (the same object for every game of the family).
  virtual const GameTraits& traits() const = 0;

  // Display names of the players and their stones, e.g. "black"/'X'.
  virtual std::string player_name(int player) const;
  virtual char stone_char(int player) const { return player == 0 ? 'X' : 'O'; }

  // GTP-style vertex names: columns A..Z skipping I, rows numbered from the bottom (row 0 at the
  // top is row `rows`), "pass" for pass. Throws std::invalid_argument on a bad name.
  std::string action_to_string(Action action) const;
  Action string_to_action(const std::string& text) const;

  // Maps an action through symmetry s (pass maps to pass).
  Action map_action(int s, Action action) const;

 private:
  std::string name_;
  int rows_;
  int cols_;
};

// A mutable game position with its history. Copyable through clone(). Not thread-safe: one thread
// at a time, but distinct states may be used concurrently.
class State {
 public:
  explicit State(std::shared_ptr<const Game> game) : game_(std::move(game)) {}
  virtual ~State() = default;

  const Game& game() const { return *game_; }
  const std::shared_ptr<const Game>& game_ptr() const { return game_; }

  // The player to move (0 or 1). Meaningless once terminal.
  virtual int current_player() const = 0;
  // Legal actions in increasing order; empty when terminal. Fills `out` (cleared first).
  virtual void legal_actions(std::vector<Action>* out) const = 0;
  std::vector<Action> legal_actions() const;
  // False for out-of-range actions and in terminal states.
  virtual bool is_legal(Action action) const = 0;
  // Plays an action. Throws std::invalid_argument (and leaves the state unchanged) when illegal.
  void apply_action(Action action);
  // Takes back the last action. Throws std::logic_error when there is none.
  void undo_action();

  virtual bool is_terminal() const = 0;
  // Per-player returns (+1/-1/0); all zero while the game goes on.
  virtual std::array<double, kNumPlayers> returns() const = 0;
  virtual std::unique_ptr<State> clone() const = 0;
  // 64-bit hash of everything that decides future play: position, player to move, and any
  // rule state (ko, passes). Equal states have equal hashes.
  virtual uint64_t hash() const = 0;
  // Which player owns a cell: -1 for empty, otherwise 0 or 1.
  virtual int cell_owner(int cell) const = 0;
  // The player each cell counts for when the position is scored as it stands (the target of a
  // network's ownership head at the end of a game): num_cells() entries, -1 for a cell that
  // counts for nobody. The default is cell_owner; Go counts an empty region that reaches stones
  // of one colour only for that colour (Tromp-Taylor area).
  virtual std::vector<int> scoring_owners() const;
  // For games that can end by passing and are then scored on the board (Go: two passes, area
  // scoring): writes the returns the game would have if it ended now, as the position stands,
  // and returns true. Games that are not scored that way return false (the default). Used by
  // the search's pass rule (SearchConfig::safe_pass).
  virtual bool returns_if_ended_now(std::array<double, kNumPlayers>* returns) const {
    return false;
  }
  // True when passing is the only sensible move left: every legal placement would fill one of the
  // mover's own eyes (Go; the same test as the playout policy's). False by default.
  virtual bool only_pass_is_sensible() const { return false; }

  // ASCII board with GTP coordinates and a status line.
  virtual std::string to_string() const;
  // How a finished game ended beyond who won, e.g. Go's "B+3.5"; "" when the game has nothing to
  // add (the default) or is not over.
  virtual std::string result_detail() const { return ""; }
  // Actions played since the initial state.
  const std::vector<Action>& history() const { return history_; }
  int move_number() const { return static_cast<int>(history_.size()); }

  // One move of a random playout: uniform over legal actions by default; games override it with
  // a faster or more sensible playout policy (Go never fills its own eyes). Precondition: not
  // terminal.
  virtual Action sample_playout_action(Rng& rng) const;

  // Game-specific encoding planes (see envs/encoding.h): writes up to kNumGamePlanes planes of
  // `height x width` floats each, the board at the top-left; planes arrive zeroed.
  virtual void fill_game_planes(float* planes, int height, int width) const;

 protected:
  State(const State&) = default;
  State& operator=(const State&) = default;
  // Game-specific legality-checked move; returns false (state unchanged) when illegal.
  virtual bool do_apply_action(Action action) = 0;
  // Reverts `action`, which was the last one applied; history_ already has it removed.
  virtual void do_undo_action(Action action) = 0;

 private:
  std::shared_ptr<const Game> game_;
  std::vector<Action> history_;
};

// Plays uniformly random playout moves until terminal; returns the number of moves played.
int play_random_playout(State& state, Rng& rng);

}  // namespace tenuki
