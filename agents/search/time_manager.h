#pragma once
// The GTP clock of one engine: time_settings / kgs-time_settings / time_left, and how long the
// engine may think about its next move so that it never loses on time.
//
// Clocks. Each colour has its own clock. A clock is in main time until that runs out, then in
// overtime: Canadian (byo_s seconds for every byo_stones moves) or Japanese byo-yomi (byo_s
// seconds per move, `periods` periods). With no main time and no overtime the time is absolute.
// time_left(colour, seconds, stones) replaces the engine's own bookkeeping (GTP: stones 0 means
// main time; KGS sends the periods left instead of stones for Japanese byo-yomi).
//
// Budget. In main time: the main time left divided by the moves the engine still expects to play
// (at least kMinMovesToGo, estimated from the board size and the move number), minus a safety
// margin; in overtime: the time left in the period divided by the stones left in it (Canadian) or
// the period (Japanese), times kOvertimeFraction, minus the margin. The margin (kLagSeconds, plus
// a share of the budget) covers the search's last batch and the GTP round trip.
//
// Units: seconds. Not thread-safe.
#include <array>
#include <limits>
#include <string>
#include <vector>

namespace tenuki {

class TimeManager {
 public:
  enum class Kind { kNone, kAbsolute, kCanadian, kJapanese };

  static constexpr double kLagSeconds = 0.15;
  static constexpr double kOvertimeFraction = 0.8;
  static constexpr int kMinMovesToGo = 12;

  // GTP time_settings MAIN BYO STONES (byo > 0 with stones 0 means no time limit).
  void set_gtp(double main_s, double byo_s, int stones);
  // KGS kgs-time_settings: args after the command. Throws std::invalid_argument on bad input.
  void set_kgs(const std::vector<std::string>& args);
  // GTP time_left for `player` (0 black, 1 white).
  void set_time_left(int player, double seconds, int stones);
  // Charges `seconds` of thinking for one move of `player` to its clock.
  void record_move(int player, double seconds);

  Kind kind() const { return kind_; }
  // Seconds `player` may think about its next move at `move_number` (plies so far) on a board of
  // `cells` cells; +infinity without time control. Always > 0.
  double budget(int player, int move_number, int cells) const;

 private:
  struct Clock {
    double main_left = 0;
    bool overtime = false;
    double period_left = 0;  // seconds left in the current overtime period
    int stones_left = 0;     // Canadian: moves left in the period; Japanese: periods left
  };
  void reset_clocks();

  Kind kind_ = Kind::kNone;
  double main_s_ = 0;
  double byo_s_ = 0;
  int stones_ = 0;  // Canadian stones per period, Japanese periods
  std::array<Clock, 2> clocks_;
};

}  // namespace tenuki
