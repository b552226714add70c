#include "envs/games/go/board.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace tenuki::go {

void Board::copy_from(const Board& other) {
  rows_ = other.rows_;
  cols_ = other.cols_;
  stride_ = other.stride_;
  std::copy_n(other.neighbour_offsets_, 4, neighbour_offsets_);
  hash_ = other.hash_;
  num_empty_ = other.num_empty_;
  std::copy_n(other.num_stones_, 3, num_stones_);
  loc_of_cell_ = other.loc_of_cell_;
  cell_of_loc_ = other.cell_of_loc_;
  // Every location a method reads: the board, its wall rows and columns, and the diagonal
  // neighbour past the last wall; color_ whole, since is_on_board accepts any location.
  const int used = (rows_ + 2) * stride_ + 1;
  color_ = other.color_;
  std::copy_n(other.head_.begin(), used, head_.begin());
  std::copy_n(other.next_.begin(), used, next_.begin());
  std::copy_n(other.chains_.begin(), used, chains_.begin());
  std::copy_n(other.neighbour_counts_.begin(), used, neighbour_counts_.begin());
  std::copy_n(other.empty_index_.begin(), used, empty_index_.begin());
  std::copy_n(other.lost_colors_.begin(), used, lost_colors_.begin());
  std::copy_n(other.empties_.begin(), num_empty_, empties_.begin());
}

Board::Board(int rows, int cols) : rows_(rows), cols_(cols), stride_(cols + 1) {
  if (rows < 1 || cols < 1 || rows > kMaxSide || cols > kMaxSide) {
    throw std::invalid_argument("go board size " + std::to_string(rows) + "x" +
                                std::to_string(cols) + " outside 1..19");
  }
  loc_of_cell_ = kCellTables.loc_of_cell[cols];
  cell_of_loc_ = kCellTables.cell_of_loc[cols];
  lost_colors_.fill(0);
  neighbour_offsets_[0] = -stride_;
  neighbour_offsets_[1] = -1;
  neighbour_offsets_[2] = 1;
  neighbour_offsets_[3] = stride_;
  color_.fill(kWall);
  head_.fill(0);
  next_.fill(0);
  chains_.fill(Chain{0, 0, 0, 0});
  chains_[0].libs = kScratchLibs;
  empties_.fill(0);
  empty_index_.fill(-1);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      Loc l = loc(r, c);
      color_[l] = kEmpty;
      add_empty(l);
    }
  }
  for (Loc l = 0; l < kMaxLocs; ++l) {
    uint32_t counts = 0;
    for (int off : neighbour_offsets_) {
      Loc n = l + off;
      if (n >= 0 && n < kMaxLocs) counts += 1u << (8 * color_[n]);
    }
    neighbour_counts_[l] = counts;
  }
}

Board Board::parse(int rows, int cols, std::string_view ascii) {
  Board board(rows, cols);
  int cell = 0;
  for (char ch : ascii) {
    if (std::isspace(static_cast<unsigned char>(ch))) continue;
    Color c;
    if (ch == '.' || ch == '+') {
      c = kEmpty;
    } else if (ch == 'x' || ch == 'X') {
      c = kBlack;
    } else if (ch == 'o' || ch == 'O') {
      c = kWhite;
    } else {
      throw std::invalid_argument(std::string("go board diagram: unknown character '") + ch + "'");
    }
    if (cell >= rows * cols) {
      throw std::invalid_argument("go board diagram: more than " + std::to_string(rows * cols) +
                                  " cells");
    }
    if (c != kEmpty) board.place_setup_stone(board.loc_of_cell(cell), c);
    ++cell;
  }
  if (cell != rows * cols) {
    throw std::invalid_argument("go board diagram: " + std::to_string(cell) + " cells, expected " +
                                std::to_string(rows * cols));
  }
  for (int i = 0; i < rows * cols; ++i) {
    Loc l = board.loc_of_cell(i);
    if (board.color(l) != kEmpty && board.chains_[board.head_[l]].libs == 0) {
      throw std::invalid_argument("go board diagram: chain without liberties at cell " +
                                  std::to_string(i));
    }
  }
  return board;
}

Loc Board::loc_from_string(std::string_view vertex) const {
  auto bad = [&] { return std::invalid_argument("bad vertex '" + std::string(vertex) + "'"); };
  if (vertex.size() < 2) throw bad();
  char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(vertex[0])));
  if (letter < 'a' || letter > 'z' || letter == 'i') throw bad();
  int c = letter - 'a' - (letter > 'i' ? 1 : 0);
  int row = 0;
  for (size_t i = 1; i < vertex.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(vertex[i])) || row > 100) throw bad();
    row = row * 10 + (vertex[i] - '0');
  }
  if (c >= cols_ || row < 1 || row > rows_) throw bad();
  return loc(rows_ - row, c);
}

int Board::liberties(Loc l) const {
  std::array<bool, kMaxLocs> seen{};
  int count = 0;
  Loc s = l;
  do {
    for (int off : neighbour_offsets_) {
      Loc n = s + off;
      if (color_[n] == kEmpty && !seen[n]) {
        seen[n] = true;
        ++count;
      }
    }
    s = next_[s];
  } while (s != l);
  return count;
}

int Board::liberty_locs(Loc l, Loc* out, int max) const {
  int count = 0;
  Loc s = l;
  do {
    for (int off : neighbour_offsets_) {
      const Loc n = s + off;
      if (color_[n] != kEmpty) continue;
      bool seen = false;
      for (int i = 0; i < count; ++i) seen |= out[i] == n;
      if (seen) continue;
      if (count == max) return count;
      out[count++] = n;
    }
    s = next_[s];
  } while (s != l);
  return count;
}

uint64_t Board::hash_after(Loc l, Color c) const {
  const Color opp = opponent(c);
  const auto& z = kZobrist;
  uint64_t h = hash_;
  Loc seen[4];
  int num_seen = 0;
  bool captures = false;
  for (int off : neighbour_offsets_) {
    Loc n = l + off;
    if (color_[n] != opp || !has_one_liberty(head_[n])) continue;
    Loc hd = head_[n];
    bool dup = false;
    for (int i = 0; i < num_seen; ++i) dup = dup || seen[i] == hd;
    if (dup) continue;
    seen[num_seen++] = hd;
    captures = true;
    Loc s = hd;
    do {
      h ^= z.stone[opp][s];
      s = next_[s];
    } while (s != hd);
  }
  if (captures || !is_suicide(l, c)) return h ^ z.stone[c][l];
  // Suicide: the placed stone and every own neighbouring chain disappear.
  num_seen = 0;
  for (int off : neighbour_offsets_) {
    Loc n = l + off;
    if (color_[n] != c) continue;
    Loc hd = head_[n];
    bool dup = false;
    for (int i = 0; i < num_seen; ++i) dup = dup || seen[i] == hd;
    if (dup) continue;
    seen[num_seen++] = hd;
    Loc s = hd;
    do {
      h ^= z.stone[c][s];
      s = next_[s];
    } while (s != hd);
  }
  return h;
}

void Board::put_stone(Loc l, Color c) {
  color_[l] = c;
  hash_ ^= kZobrist.stone[c][l];
  remove_empty(l);
  num_stones_[c]++;
  head_[l] = static_cast<int16_t>(l);
  next_[l] = static_cast<int16_t>(l);
  // Branch-free on the neighbours' colours: empty points and walls have head 0, a scratch chain
  // that absorbs the liberty update meant for stones.
  const uint32_t delta = (1u << (8 * c)) - 1u;  // one empty neighbour becomes colour c
  const uint32_t l_sq = static_cast<uint32_t>(l * l);
  uint32_t libs = 0, sum = 0, sum_sq = 0;
  const Loc nbrs[4] = {l - stride_, l - 1, l + 1, l + stride_};
  for (Loc n : nbrs) {
    neighbour_counts_[n] += delta;
    const uint32_t empty = color_[n] == kEmpty;
    libs += empty;
    sum += empty * static_cast<uint32_t>(n);
    sum_sq += empty * static_cast<uint32_t>(n * n);
    Chain& ch = chains_[head_[n]];
    ch.libs--;
    ch.lib_sum -= static_cast<uint32_t>(l);
    ch.lib_sum_sq -= l_sq;
  }
  chains_[l] = Chain{sum, sum_sq, static_cast<int16_t>(libs), 1};
  chains_[0].libs = kScratchLibs;  // never reads as "captured" or "in atari"
  if (neighbour_count(l, c) == 0) return;
  // The stone joins the first friendly neighbour's chain directly (no relabelling); any other
  // friendly chain is merged into that one.
  Loc h = kNullLoc;
  for (Loc n : nbrs) {
    if (color_[n] != c) continue;
    const Loc hn = head_[n];
    if (h == kNullLoc) {
      h = hn;
      head_[l] = static_cast<int16_t>(h);
      next_[l] = next_[h];
      next_[h] = static_cast<int16_t>(l);
      Chain& ch = chains_[h];
      ch.libs = static_cast<int16_t>(ch.libs + libs);
      ch.size++;
      ch.lib_sum += sum;
      ch.lib_sum_sq += sum_sq;
    } else if (hn != h) {
      merge_chains(h, hn);
      h = head_[l];
    }
  }
}

void Board::merge_chains(Loc a, Loc b) {
  if (chains_[a].size < chains_[b].size) std::swap(a, b);
  // Relabel b's stones to head a, then splice the two circular lists.
  Loc s = b;
  do {
    head_[s] = static_cast<int16_t>(a);
    s = next_[s];
  } while (s != b);
  std::swap(next_[a], next_[b]);
  Chain& ca = chains_[a];
  const Chain& cb = chains_[b];
  ca.libs = static_cast<int16_t>(ca.libs + cb.libs);
  ca.size = static_cast<int16_t>(ca.size + cb.size);
  ca.lib_sum += cb.lib_sum;
  ca.lib_sum_sq += cb.lib_sum_sq;
}

int Board::remove_chain(Loc h) {
  const auto& z = kZobrist;
  Color c = static_cast<Color>(color_[h]);
  int count = 0;
  Loc s = h;
  do {
    color_[s] = kEmpty;
    lost_colors_[s] |= c;
    head_[s] = 0;
    hash_ ^= z.stone[c][s];
    add_empty(s);
    ++count;
    s = next_[s];
  } while (s != h);
  num_stones_[c] -= count;
  const uint32_t delta = 1u - (1u << (8 * c));  // one colour-c neighbour becomes empty
  s = h;
  do {
    for (int off : neighbour_offsets_) {
      Loc n = s + off;
      neighbour_counts_[n] += delta;
      add_lib(head_[n], s);  // empty points and walls feed the scratch chain
    }
    s = next_[s];
  } while (s != h);
  chains_[0].libs = kScratchLibs;
  return count;
}

MoveResult Board::play(Loc l, Color c) {
  MoveResult result;
  put_stone(l, c);
  const Color opp = opponent(c);
  Loc last_captured = kNullLoc;
  if (neighbour_count(l, opp) > 0) {
    for (int off : neighbour_offsets_) {
      Loc n = l + off;
      if (chains_[head_[n]].libs == 0 && color_[n] == opp) {
        result.captured += remove_chain(head_[n]);
        last_captured = n;
      }
    }
  }
  const Chain& own = chains_[head_[l]];
  if (own.libs == 0) {
    result.suicided = remove_chain(head_[l]);
  } else if (result.captured == 1 && own.size == 1 && own.libs == 1) {
    result.ko_loc = last_captured;
  }
  return result;
}

void Board::place_setup_stone(Loc l, Color c) { put_stone(l, c); }

void Board::area_owners(std::array<uint8_t, kMaxLocs>* owners) const {
  std::array<uint8_t, kMaxLocs>& own = *owners;
  own.fill(kEmpty);
  std::array<bool, kMaxLocs> visited{};
  int16_t region[kMaxCells];
  for (int r = 0; r < rows_; ++r) {
    for (int c = 0; c < cols_; ++c) {
      Loc l = loc(r, c);
      if (color_[l] != kEmpty) {
        own[l] = color_[l];
        continue;
      }
      if (visited[l]) continue;
      int touches = 0;
      const int size = fill_empty_region(l, visited.data(), region, &touches);
      uint8_t owner = touches == kBlack ? kBlack : touches == kWhite ? kWhite : kEmpty;
      for (int i = 0; i < size; ++i) own[region[i]] = owner;
    }
  }
}

int Board::fill_empty_region(Loc start, bool* visited, int16_t* region, int* touches) const {
  int size = 0, head = 0;
  region[size++] = static_cast<int16_t>(start);
  visited[start] = true;
  while (head < size) {
    const Loc p = region[head++];
    for (int off : neighbour_offsets_) {
      const Loc n = p + off;
      const uint8_t nc = color_[n];
      if (nc == kEmpty) {
        if (!visited[n]) {
          visited[n] = true;
          region[size++] = static_cast<int16_t>(n);
        }
      } else if (nc != kWall) {
        *touches |= nc;
      }
    }
  }
  return size;
}

int Board::area_score() const {
  // Stones, then empty regions. A one-point region (no empty neighbour) is scored from its
  // neighbour counts; larger regions (rare at the end of a playout) are flood-filled.
  int score = num_stones_[kBlack] - num_stones_[kWhite];
  bool has_larger_regions = false;
  for (int i = 0; i < num_empty_; ++i) {
    const uint32_t counts = neighbour_counts_[empties_[i]];
    if ((counts & 0xff) != 0) {
      has_larger_regions = true;
      continue;
    }
    const bool black = ((counts >> (8 * kBlack)) & 0xff) != 0;
    const bool white = ((counts >> (8 * kWhite)) & 0xff) != 0;
    score += static_cast<int>(black && !white) - static_cast<int>(white && !black);
  }
  if (!has_larger_regions) return score;
  std::array<bool, kMaxLocs> visited{};
  int16_t region[kMaxCells];
  for (int i = 0; i < num_empty_; ++i) {
    const Loc l = empties_[i];
    if (visited[l] || (neighbour_counts_[l] & 0xff) == 0) continue;
    int touches = 0;
    const int size = fill_empty_region(l, visited.data(), region, &touches);
    score += touches == kBlack ? size : touches == kWhite ? -size : 0;
  }
  return score;
}

std::string Board::to_string() const {
  std::string out;
  for (int r = 0; r < rows_; ++r) {
    for (int c = 0; c < cols_; ++c) {
      uint8_t v = color_[loc(r, c)];
      out += v == kBlack ? 'X' : v == kWhite ? 'O' : '.';
    }
    out += '\n';
  }
  return out;
}

std::string Board::check_invariants() const {
  Board fresh(rows_, cols_);
  for (int r = 0; r < rows_; ++r) {
    for (int c = 0; c < cols_; ++c) {
      Loc l = loc(r, c);
      if (color_[l] == kBlack || color_[l] == kWhite) {
        fresh.place_setup_stone(l, static_cast<Color>(color_[l]));
      }
    }
  }
  if (fresh.hash_ != hash_) return "hash mismatch";
  if (fresh.num_empty_ != num_empty_) return "empty count mismatch";
  for (int i = 0; i < 3; ++i) {
    if (fresh.num_stones_[i] != num_stones_[i]) return "stone count mismatch";
  }
  for (int r = 0; r < rows_; ++r) {
    for (int c = 0; c < cols_; ++c) {
      if (fresh.neighbour_counts_[loc(r, c)] != neighbour_counts_[loc(r, c)]) {
        return "neighbour counts mismatch";
      }
    }
  }
  for (int i = 0; i < num_empty_; ++i) {
    Loc l = empties_[i];
    if (color_[l] != kEmpty || empty_index_[l] != i) return "empty list broken";
  }
  for (int r = 0; r < rows_; ++r) {
    for (int c = 0; c < cols_; ++c) {
      Loc l = loc(r, c);
      if (color_[l] == kEmpty) continue;
      if (color_[l] == kWall) return "wall on the board";
      for (int r2 = 0; r2 < rows_; ++r2) {
        for (int c2 = 0; c2 < cols_; ++c2) {
          Loc m = loc(r2, c2);
          if (color_[m] != kEmpty && fresh.same_chain(l, m) != same_chain(l, m)) {
            return "chain membership mismatch at " + std::to_string(cell_of_loc(l));
          }
        }
      }
      const Chain& a = chains_[head_[l]];
      const Chain& b = fresh.chains_[fresh.head_[l]];
      if (a.libs != b.libs || a.size != b.size || a.lib_sum != b.lib_sum ||
          a.lib_sum_sq != b.lib_sum_sq) {
        return "chain data mismatch at cell " + std::to_string(cell_of_loc(l));
      }
      if (a.libs == 0) return "chain without liberties at cell " + std::to_string(cell_of_loc(l));
    }
  }
  return "";
}

}  // namespace tenuki::go
