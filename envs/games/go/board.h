#pragma once
// Fast Go board core: stones, chains, captures and Zobrist hashing for one position. It knows
// nothing of history (beyond has_lost_stone's record of where stones were removed), ko,
// superko, passes, scoring rules beyond Tromp-Taylor area counting, or whose turn it is;
// envs/games/go/go_game.h builds the rules on top.
//
// Layout: a padded 1-D array (after KataGo). A cell (r, c) of a rows x cols board (row 0 at the
// top) lives at Loc (c + 1) + (r + 1) * stride with stride = cols + 1; the extra column and rows
// hold kWall, so every on-board point has four neighbours at Loc +-1 and +-stride and four
// diagonals, none of which is out of the array.
//
// Chains keep pseudo-liberties: the number of (stone, empty neighbour) adjacencies, with the sum
// and sum of squares of those empty Locs. A chain has no liberty iff the count is 0, and exactly
// one distinct liberty iff count * sum_sq == sum * sum (all pseudo-liberties equal), so capture,
// atari and suicide tests are O(1). Exact liberty counts are computed on demand.
//
// Not thread-safe; a Board is a plain value (no heap memory), cheap to copy (~10 KB).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tenuki::go {

// An index into the padded array. Loc 0 is always a wall; kNullLoc means "no point".
using Loc = int;
inline constexpr Loc kNullLoc = 0;

enum Color : uint8_t { kEmpty = 0, kBlack = 1, kWhite = 2, kWall = 3 };
inline constexpr Color opponent(Color c) { return static_cast<Color>(c ^ 3); }
// Player 0 (black) and player 1 (white) of tenuki::Game.
inline constexpr Color color_of_player(int player) { return player == 0 ? kBlack : kWhite; }

inline constexpr int kMaxSide = 19;
inline constexpr int kMaxLocs = (kMaxSide + 2) * (kMaxSide + 1) + 1;
inline constexpr int kMaxCells = kMaxSide * kMaxSide;

// Zobrist keys, fixed for all runs (splitmix64 from a constant seed), indexed by Loc.
struct Zobrist {
  uint64_t stone[3][kMaxLocs];  // [color][loc], colors kBlack and kWhite used
  uint64_t ko[kMaxLocs];
  uint64_t white_to_move;
  uint64_t passes[3];
};
// splitmix64 from a fixed seed: hashes are stable across runs and builds.
constexpr uint64_t zobrist_next(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
constexpr Zobrist make_zobrist() {
  Zobrist z{};
  uint64_t seed = 0x7e40c1601dULL;
  for (auto& per_color : z.stone) {
    for (auto& key : per_color) key = zobrist_next(seed);
  }
  for (auto& key : z.ko) key = zobrist_next(seed);
  z.white_to_move = zobrist_next(seed);
  for (auto& key : z.passes) key = zobrist_next(seed);
  return z;
}
inline constexpr Zobrist kZobrist = make_zobrist();
inline const Zobrist& zobrist() { return kZobrist; }

// Cell <-> Loc conversion tables for every column count (so the hot paths do no division).
// loc_of_cell[cols][r * cols + c] is the Loc of (r, c) for any rows; cell_of_loc[cols][l] is the
// cell of an on-board Loc (meaningless for walls).
struct CellTables {
  int16_t loc_of_cell[kMaxSide + 1][kMaxCells];
  int16_t cell_of_loc[kMaxSide + 1][kMaxLocs];
};
constexpr CellTables make_cell_tables() {
  CellTables t{};
  for (int cols = 1; cols <= kMaxSide; ++cols) {
    const int stride = cols + 1;
    for (int cell = 0; cell < kMaxCells; ++cell) {
      const int r = cell / cols, c = cell % cols;
      const int l = (c + 1) + (r + 1) * stride;
      t.loc_of_cell[cols][cell] = static_cast<int16_t>(l < kMaxLocs ? l : 0);
    }
    for (int l = 0; l < kMaxLocs; ++l) {
      t.cell_of_loc[cols][l] = static_cast<int16_t>((l / stride - 1) * cols + (l % stride - 1));
    }
  }
  return t;
}
inline constexpr CellTables kCellTables = make_cell_tables();

// What one placement did.
struct MoveResult {
  int captured = 0;       // opponent stones removed
  int suicided = 0;       // own stones removed (only when the move was a suicide)
  Loc ko_loc = kNullLoc;  // the point the opponent may not retake at once (simple ko), if any
};

class Board {
 public:
  // An empty rows x cols board; 1 <= rows, cols <= kMaxSide. Throws std::invalid_argument.
  Board(int rows, int cols);

  // Reads an ASCII diagram: '.' or '+' empty, 'x'/'X' black, 'o'/'O' white, whitespace ignored,
  // cells in row-major order from the top row. Throws std::invalid_argument when a character is
  // unknown, the cell count is not rows * cols, or a chain has no liberty.
  static Board parse(int rows, int cols, std::string_view ascii);
  static Board parse(int size, std::string_view ascii) { return parse(size, size, ascii); }

  // Copies copy only the locations a board of the source's size uses (a 9x9 board is about a
  // quarter of the 19x19-sized arrays), and the whole colour array; past the used locations the
  // other arrays keep stale values, which no method reads for a board of that size.
  Board(const Board& other) { copy_from(other); }
  Board& operator=(const Board& other) {
    if (this != &other) copy_from(other);
    return *this;
  }

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int stride() const { return stride_; }
  Loc loc(int r, int c) const { return (c + 1) + (r + 1) * stride_; }
  // tenuki cell r * cols + c <-> Loc.
  Loc loc_of_cell(int cell) const { return loc_of_cell_[cell]; }
  int cell_of_loc(Loc l) const { return cell_of_loc_[l]; }
  // Loc of a GTP vertex such as "C4" (rows counted from the bottom); throws on a bad name.
  Loc loc_from_string(std::string_view vertex) const;

  Color color(Loc l) const { return color_[l]; }
  bool is_on_board(Loc l) const { return l > 0 && l < kMaxLocs && color_[l] != kWall; }
  // Zobrist hash of the stones alone.
  uint64_t hash() const { return hash_; }
  int num_stones(Color c) const { return num_stones_[c]; }
  // True when a stone of colour c (kBlack or kWhite) has ever been removed from l (captured or
  // suicided) on this board or the board it was copied from. Any earlier position with a c stone
  // at the now-empty l must have lost it, so a placement of c at l with this false cannot
  // recreate an earlier position (the superko filter of envs/games/go/go_game.h).
  bool has_lost_stone(Loc l, Color c) const { return (lost_colors_[l] & c) != 0; }

  // Empty points, in no particular order; valid until the next play().
  int num_empty() const { return num_empty_; }
  const int16_t* empty_locs() const { return empties_.data(); }

  // Chain queries; precondition: l holds a stone.
  int chain_size(Loc l) const { return chains_[head_[l]].size; }
  // Exact number of distinct liberties (O(chain size)).
  int liberties(Loc l) const;
  // Writes up to `max` distinct liberties of l's chain to `out` (in no particular order) and
  // returns how many it wrote: min(liberties(l), max). O(chain size * max).
  int liberty_locs(Loc l, Loc* out, int max) const;
  // The chain's stones form a circular list: the next stone of l's chain (l itself for a single
  // stone). Iterate with `Loc s = l; do { ...; s = next_stone(s); } while (s != l);`.
  Loc next_stone(Loc l) const { return next_[l]; }
  // The same Loc for every stone of a chain (until the next play()).
  Loc chain_head(Loc l) const { return head_[l]; }
  bool in_atari(Loc l) const { return has_one_liberty(head_[l]); }
  // True when l and m hold stones of the same chain.
  bool same_chain(Loc l, Loc m) const { return head_[l] == head_[m]; }

  // Number of neighbours of l (any Loc) holding colour c (kEmpty, kBlack, kWhite or kWall).
  int neighbour_count(Loc l, Color c) const { return (neighbour_counts_[l] >> (8 * c)) & 0xff; }

  // Precondition for the four below: l is empty.
  // True when playing `c` at l leaves its chain without liberties and captures nothing.
  bool is_suicide(Loc l, Color c) const {
    if (neighbour_count(l, kEmpty) > 0) return false;
    const Color opp = opponent(c);
    for (int off : neighbour_offsets_) {
      Loc n = l + off;
      uint8_t nc = color_[n];
      if (nc == c) {
        if (!has_one_liberty(head_[n])) return false;  // its other liberty survives
      } else if (nc == opp) {
        if (has_one_liberty(head_[n])) return false;  // captures
      }
    }
    return true;
  }
  // Both facts at once for an l without empty neighbours (precondition, besides l empty):
  // *captures is set to would_capture(l, c), and the result is is_suicide(l, c).
  bool is_surrounded_suicide(Loc l, Color c, bool* captures) const {
    const Color opp = opponent(c);
    bool capture = false, own_liberty = false;
    for (int off : neighbour_offsets_) {
      Loc n = l + off;
      uint8_t nc = color_[n];
      if (nc == kWall) continue;
      bool one = has_one_liberty(head_[n]);
      capture |= nc == opp && one;
      own_liberty |= nc == c && !one;
    }
    *captures = capture;
    return !capture && !own_liberty;
  }
  // True when playing `c` at l captures at least one opponent chain.
  bool would_capture(Loc l, Color c) const {
    const Color opp = opponent(c);
    if (neighbour_count(l, opp) == 0) return false;
    for (int off : neighbour_offsets_) {
      Loc n = l + off;
      if (color_[n] == opp && has_one_liberty(head_[n])) return true;
    }
    return false;
  }
  // The stones-only hash after `c` plays at l (captures and, if it is one, the suicide applied).
  uint64_t hash_after(Loc l, Color c) const;
  // MC-Go eye test: all four neighbours are `c` or wall, and the diagonals hold at most one
  // opponent stone (none when the point is on the edge).
  bool is_eye_like(Loc l, Color c) const {
    if (neighbour_count(l, c) + neighbour_count(l, kWall) != 4) return false;
    return is_eye_like_diagonals(l, c);
  }

  // Places `c` at l, removes captured opponent chains, then removes the mover's own chain when it
  // has no liberty (suicide: callers that forbid it must check is_suicide() first).
  // Precondition: l is an empty on-board point.
  MoveResult play(Loc l, Color c);
  // Puts a stone without capturing (for setup). Precondition: l empty.
  void place_setup_stone(Loc l, Color c);

  // Tromp-Taylor area: stones of a colour plus empty regions that reach only that colour.
  // Returns black area minus white area.
  int area_score() const;
  // Owner of each cell for area scoring: kBlack, kWhite or kEmpty (neutral), indexed by Loc.
  void area_owners(std::array<uint8_t, kMaxLocs>* owners) const;

  // Rows of 'X', 'O', '.' separated by '\n' (the parse() format).
  std::string to_string() const;
  // Recomputes chains, pseudo-liberties, hash and the empty list from scratch and compares;
  // returns an empty string when consistent, else a description (for tests).
  std::string check_invariants() const;

 private:
  // Flood-fills the empty region containing `start` into `region` (Locs), marking `visited`
  // (indexed by Loc); ORs the colours of the stones it touches into *touches. Returns its size.
  int fill_empty_region(Loc start, bool* visited, int16_t* region, int* touches) const;
  static constexpr int16_t kScratchLibs = 10000;
  struct Chain {
    uint32_t lib_sum;
    uint32_t lib_sum_sq;
    int16_t libs;  // pseudo-liberties
    int16_t size;
  };

  bool has_one_liberty(Loc head) const {
    const Chain& ch = chains_[head];
    return ch.libs > 0 && static_cast<uint64_t>(ch.libs) * ch.lib_sum_sq ==
                              static_cast<uint64_t>(ch.lib_sum) * ch.lib_sum;
  }
  void add_lib(Loc head, Loc lib) {
    Chain& ch = chains_[head];
    ch.libs++;
    ch.lib_sum += lib;
    ch.lib_sum_sq += static_cast<uint32_t>(lib * lib);
  }
  void remove_lib(Loc head, Loc lib) {
    Chain& ch = chains_[head];
    ch.libs--;
    ch.lib_sum -= lib;
    ch.lib_sum_sq -= static_cast<uint32_t>(lib * lib);
  }
  void add_empty(Loc l) {
    empty_index_[l] = static_cast<int16_t>(num_empty_);
    empties_[num_empty_++] = static_cast<int16_t>(l);
  }
  void remove_empty(Loc l) {
    int i = empty_index_[l];
    Loc last = empties_[--num_empty_];
    empties_[i] = static_cast<int16_t>(last);
    empty_index_[last] = static_cast<int16_t>(i);
  }
  bool is_eye_like_diagonals(Loc l, Color c) const {
    const Color opp = opponent(c);
    const Color d[4] = {color_[l - stride_ - 1], color_[l - stride_ + 1], color_[l + stride_ - 1],
                        color_[l + stride_ + 1]};
    const int opp_diagonals = (d[0] == opp) + (d[1] == opp) + (d[2] == opp) + (d[3] == opp);
    const bool edge = (d[0] == kWall) | (d[1] == kWall) | (d[2] == kWall) | (d[3] == kWall);
    return opp_diagonals + (edge ? 1 : 0) < 2;
  }
  void copy_from(const Board& other);
  void put_stone(Loc l, Color c);
  void merge_chains(Loc a_head, Loc b_head);
  // Removes the chain with head h; returns the number of stones.
  int remove_chain(Loc h);

  int rows_;
  int cols_;
  int stride_;
  int neighbour_offsets_[4];
  uint64_t hash_ = 0;
  int num_empty_ = 0;
  int num_stones_[3] = {0, 0, 0};
  std::array<Color, kMaxLocs> color_;   // Color, not uint8_t: stores must not alias everything
  std::array<int16_t, kMaxLocs> head_;  // chain head of a stone; 0 for empty points and walls
  std::array<int16_t, kMaxLocs> next_;  // circular list of a chain's stones
  std::array<Chain, kMaxLocs> chains_;  // valid at chain heads; chains_[0] is scratch
  std::array<uint32_t, kMaxLocs> neighbour_counts_;  // byte k: neighbours of colour k
  std::array<int16_t, kMaxCells> empties_;
  std::array<int16_t, kMaxLocs> empty_index_;
  std::array<uint8_t, kMaxLocs> lost_colors_;  // bit c set: a stone of colour c was removed
  const int16_t* loc_of_cell_;                 // kCellTables rows for cols_
  const int16_t* cell_of_loc_;
};

}  // namespace tenuki::go
