#pragma once
// Self-play resignation (AlphaGo Zero; KataGo's analysis of decided games): the rule fires when
// the root values of `consecutive` full searches in a row say the same player is losing by more
// than the threshold. Then either the game ends (the loser resigns), or, with fast_finish, it is
// played to its end with fast searches only, which are not trained on (KataGo's reduced visits
// for decided games): cheaper than a full game, and its result and final position are real ones
// (an ownership target, no false resignations). A fraction of games ignores the rule, and what
// it would have done there measures the false resignations. Values are the search's root value
// for the player to move, in [-1, 1].
//
// Thread-safety: a ResignTracker belongs to one game (one thread).
namespace tenuki {

struct ResignRule {
  double threshold = -1.0;          // a side resigns when its value is below this; -1 = never
  int consecutive = 3;              // full searches in a row (by either player) that must agree
  double no_resign_fraction = 0.1;  // share of games that play on to the end (the control)
  bool fast_finish = false;         // finish decided games with fast searches instead of ending
  bool enabled() const { return threshold > -1.0; }
};

// Follows one two-player game's full searches.
class ResignTracker {
 public:
  explicit ResignTracker(const ResignRule& rule) : rule_(rule) {}
  void reset() {
    losing_ = -1;
    streak_ = 0;
  }
  // Feeds the root value of a full search for `mover` (0 or 1); returns the player that the rule
  // says resigns now, or -1.
  int observe(int mover, double root_value) {
    if (!rule_.enabled()) return -1;
    int losing = -1;
    if (root_value < rule_.threshold) losing = mover;
    if (root_value > -rule_.threshold) losing = 1 - mover;
    if (losing < 0) {
      reset();
      return -1;
    }
    streak_ = losing == losing_ ? streak_ + 1 : 1;
    losing_ = losing;
    return streak_ >= rule_.consecutive ? losing_ : -1;
  }

 private:
  ResignRule rule_;
  int losing_ = -1;  // the player the current streak says is losing
  int streak_ = 0;
};

}  // namespace tenuki
