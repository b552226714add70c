#include "envs/games/go/ladder.h"

namespace tenuki::go {

bool LadderReader::is_laddered(const Board& board, Loc stone) {
  set_root(board);
  return read(stone);
}

void LadderReader::mark_laddered_stones(const Board& board, std::array<uint8_t, kMaxLocs>* out) {
  out->fill(0);
  std::array<uint8_t, kMaxLocs> read_heads{};  // chain heads already read
  bool root_set = false;  // boards_[0] is copied once, for the first chain worth reading
  Loc libs[3];
  for (int cell = 0; cell < board.rows() * board.cols(); ++cell) {
    const Loc l = board.loc_of_cell(cell);
    if (board.color(l) != kBlack && board.color(l) != kWhite) continue;
    const Loc head = board.chain_head(l);
    if (read_heads[head]) continue;
    read_heads[head] = 1;
    if (board.liberty_locs(l, libs, 3) >= 3) continue;
    if (!root_set) {
      set_root(board);
      root_set = true;
    }
    if (!read(l)) continue;
    Loc s = l;
    do {
      (*out)[s] = 1;
      s = board.next_stone(s);
    } while (s != l);
  }
}

void LadderReader::set_root(const Board& board) {
  if (boards_.empty()) {
    boards_.push_back(board);
    kos_.push_back(kNullLoc);
  } else {
    boards_[0] = board;
    kos_[0] = kNullLoc;
  }
}

bool LadderReader::read(Loc stone) {
  Loc libs[3];
  const int count = boards_[0].liberty_locs(stone, libs, 3);
  if (count == 0 || count >= 3) return false;
  stone_ = stone;
  defender_ = boards_[0].color(stone);
  attacker_ = opponent(defender_);
  plays_left_ = play_budget_;
  abandoned_ = false;
  const bool laddered = count == 1 ? defence_fails(0) : attack_works(0, libs);
  return laddered && !abandoned_;
}

bool LadderReader::play_next(int depth, Loc l, Color c) {
  if (--plays_left_ < 0) {
    abandoned_ = true;
    return false;
  }
  if (static_cast<int>(boards_.size()) <= depth + 1) {
    boards_.push_back(boards_[depth]);
    kos_.push_back(kNullLoc);
  } else {
    boards_[depth + 1] = boards_[depth];
  }
  kos_[depth + 1] = boards_[depth + 1].play(l, c).ko_loc;
  return true;
}

// Both readings below look at every move (no early return on the first refutation), so that
// what they cost, and so whether they run out of budget, does not depend on the move order.

bool LadderReader::defence_fails(int depth) {
  Loc defences[kMaxDefences];
  int num = 0;
  {
    // No reference into boards_ outlives this block: play_next may reallocate it.
    const Board& b = boards_[depth];
    b.liberty_locs(stone_, &defences[num++], 1);
    const int offsets[4] = {-b.stride(), -1, 1, b.stride()};
    Loc s = stone_;
    do {
      for (int off : offsets) {
        const Loc n = s + off;
        if (b.color(n) != attacker_ || !b.in_atari(n)) continue;
        Loc capture;
        b.liberty_locs(n, &capture, 1);
        bool listed = false;
        for (int i = 0; i < num; ++i) listed |= defences[i] == capture;
        if (listed) continue;
        if (num == kMaxDefences) {
          abandoned_ = true;
          return false;
        }
        defences[num++] = capture;
      }
      s = b.next_stone(s);
    } while (s != stone_);
  }
  bool all_fail = true;
  for (int i = 0; i < num; ++i) {
    if (defences[i] == kos_[depth] || boards_[depth].is_suicide(defences[i], defender_)) continue;
    if (!play_next(depth, defences[i], defender_)) return false;
    Loc libs[3];
    const int count = boards_[depth + 1].liberty_locs(stone_, libs, 3);
    if (count >= 3) {
      all_fail = false;  // escaped
    } else if (count == 2 && !attack_works(depth + 1, libs)) {
      all_fail = false;
    }
    // One liberty left: the attacker takes the chain.
    if (abandoned_) return false;
  }
  return all_fail;
}

bool LadderReader::attack_works(int depth, const Loc libs[2]) {
  bool works = false;
  for (int i = 0; i < 2; ++i) {
    if (libs[i] == kos_[depth] || boards_[depth].is_suicide(libs[i], attacker_)) continue;
    if (!play_next(depth, libs[i], attacker_)) return false;
    Loc left[2];
    if (boards_[depth + 1].liberty_locs(stone_, left, 2) == 1 && defence_fails(depth + 1)) {
      works = true;
    }
    if (abandoned_) return false;
  }
  return works;
}

}  // namespace tenuki::go
