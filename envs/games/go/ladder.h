#pragma once
// Ladder reading (after KataGo's ladder input features): can a chain with one or two liberties be
// captured by a ladder, i.e. by ataris the defender can only answer by extending at its last
// liberty or by capturing an attacking chain in atari, until the chain is taken?
//
// A chain with 1 liberty is read with its owner (the defender) to move first: laddered means no
// defence works. A chain with 2 liberties is read with the attacker to move first: laddered means
// some atari starts a ladder that works. Either way it does not matter who is really to move.
// Within a reading a single-stone capture may not be retaken at once (simple ko; the game's own ko
// and superko are not consulted).
//
// The reading explores every line to its end (no cut-offs), so its result and its cost do not
// depend on the order in which moves are tried: a position and its mirror image or rotation get
// the same answer (the encoding's symmetry contract). A reading that needs more than the budget
// of board plays, or a defender with more than kMaxDefences defences, counts as "not laddered".
//
// Not thread-safe (a LadderReader keeps scratch boards); use one per thread. Cost: one board copy
// (~3 KB on 9x9, ~11 KB on 19x19) per play read; most readings end after a play or two.
#include <array>
#include <cstdint>
#include <vector>

#include "envs/games/go/board.h"

namespace tenuki::go {

class LadderReader {
 public:
  // Board plays one reading may make (both sides together) before it gives up.
  static constexpr int kDefaultPlayBudget = 600;
  // Most defences (extending, capturing an attacking chain in atari) a reading considers at once.
  static constexpr int kMaxDefences = 64;

  explicit LadderReader(int play_budget = kDefaultPlayBudget) : play_budget_(play_budget) {}

  // Whether the chain at `stone` is laddered (see above). Precondition: `stone` holds a stone;
  // a chain with 3 or more liberties is never laddered.
  bool is_laddered(const Board& board, Loc stone);

  // Marks (*out)[l] = 1 at every stone of every laddered chain of either colour and 0 elsewhere.
  void mark_laddered_stones(const Board& board, std::array<uint8_t, kMaxLocs>* out);

 private:
  // Makes `board` the position readings start from (boards_[0]).
  void set_root(const Board& board);
  // Reads the chain at `stone` on boards_[0].
  bool read(Loc stone);
  // Defender to move; the chain has exactly one liberty on boards_[depth]. True when every
  // defence fails.
  bool defence_fails(int depth);
  // Attacker to move; the chain has exactly two liberties, `libs`, on boards_[depth]. True when
  // an atari at one of them leads to a capture.
  bool attack_works(int depth, const Loc libs[2]);
  // Copies boards_[depth] to boards_[depth + 1] and plays `c` at l there (recording the ko point
  // it makes); false once the budget is spent (the reading is then abandoned).
  bool play_next(int depth, Loc l, Color c);

  int play_budget_;
  int plays_left_ = 0;
  bool abandoned_ = false;
  Loc stone_ = kNullLoc;
  Color defender_ = kEmpty;
  Color attacker_ = kEmpty;
  std::vector<Board> boards_;  // boards_[d]: the position d plays into the reading
  std::vector<Loc> kos_;       // kos_[d]: where the side to move on boards_[d] may not retake
};

}  // namespace tenuki::go
