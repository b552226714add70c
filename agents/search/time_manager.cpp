#include "agents/search/time_manager.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tenuki {
namespace {

double parse_seconds(const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v) || v < 0) {
    throw std::invalid_argument("bad time '" + text + "'");
  }
  return v;
}

int parse_count(const std::string& text) {
  const double v = parse_seconds(text);
  if (v != std::floor(v) || v > 1e6) throw std::invalid_argument("bad count '" + text + "'");
  return static_cast<int>(v);
}

}  // namespace

void TimeManager::reset_clocks() {
  for (Clock& c : clocks_) {
    c = Clock{};
    c.main_left = main_s_;
    if (main_s_ <= 0 && (kind_ == Kind::kCanadian || kind_ == Kind::kJapanese)) {
      c.overtime = true;
      c.period_left = byo_s_;
      c.stones_left = stones_;
    }
  }
}

void TimeManager::set_gtp(double main_s, double byo_s, int stones) {
  main_s_ = std::max(0.0, main_s);
  byo_s_ = std::max(0.0, byo_s);
  stones_ = std::max(0, stones);
  if (byo_s_ > 0 && stones_ == 0) {
    kind_ = Kind::kNone;  // GTP: no time limit
  } else if (byo_s_ > 0) {
    kind_ = Kind::kCanadian;
  } else {
    kind_ = Kind::kAbsolute;
  }
  reset_clocks();
}

void TimeManager::set_kgs(const std::vector<std::string>& args) {
  if (args.empty()) throw std::invalid_argument("kgs-time_settings needs a kind");
  const std::string& kind = args[0];
  auto need = [&](size_t n) {
    if (args.size() != n + 1) {
      throw std::invalid_argument("kgs-time_settings " + kind + " needs " + std::to_string(n) +
                                  " values");
    }
  };
  if (kind == "none") {
    need(0);
    kind_ = Kind::kNone;
    main_s_ = byo_s_ = 0;
    stones_ = 0;
  } else if (kind == "absolute") {
    need(1);
    kind_ = Kind::kAbsolute;
    main_s_ = parse_seconds(args[1]);
    byo_s_ = 0;
    stones_ = 0;
  } else if (kind == "canadian" || kind == "byoyomi") {
    need(3);
    main_s_ = parse_seconds(args[1]);
    byo_s_ = parse_seconds(args[2]);
    stones_ = parse_count(args[3]);
    kind_ = stones_ == 0 || byo_s_ <= 0 ? Kind::kAbsolute
            : kind == "canadian"        ? Kind::kCanadian
                                        : Kind::kJapanese;
  } else {
    throw std::invalid_argument("unknown time system '" + kind + "'");
  }
  reset_clocks();
}

void TimeManager::set_time_left(int player, double seconds, int stones) {
  if (player < 0 || player > 1) return;
  Clock& c = clocks_[player];
  seconds = std::max(0.0, seconds);
  if (stones == 0 || kind_ == Kind::kAbsolute || kind_ == Kind::kNone) {
    c.overtime = false;
    c.main_left = seconds;
  } else {
    c.overtime = true;
    c.main_left = 0;
    c.period_left = seconds;
    c.stones_left = stones;
  }
}

void TimeManager::record_move(int player, double seconds) {
  if (player < 0 || player > 1 || kind_ == Kind::kNone) return;
  Clock& c = clocks_[player];
  if (!c.overtime) {
    if (seconds <= c.main_left || kind_ == Kind::kAbsolute) {
      c.main_left = std::max(0.0, c.main_left - seconds);
      return;
    }
    seconds -= c.main_left;  // the rest of this move comes out of the first period
    c.main_left = 0;
    c.overtime = true;
    c.period_left = byo_s_;
    c.stones_left = stones_;
  }
  if (kind_ == Kind::kCanadian) {
    c.period_left -= seconds;
    if (--c.stones_left <= 0) {  // a new period
      c.period_left = byo_s_;
      c.stones_left = stones_;
    }
  } else if (kind_ == Kind::kJapanese) {
    if (seconds > byo_s_) c.stones_left = std::max(0, c.stones_left - 1);  // a period lost
    c.period_left = byo_s_;
  }
}

double TimeManager::budget(int player, int move_number, int cells) const {
  if (kind_ == Kind::kNone || player < 0 || player > 1) {
    return std::numeric_limits<double>::infinity();
  }
  const Clock& c = clocks_[player];
  auto with_margin = [](double seconds) { return std::max(0.01, seconds * 0.95 - kLagSeconds); };
  if (!c.overtime && c.main_left > 0) {
    // Own moves still to play: a game lasts about 1.2 plies per cell (passes, captures).
    const double plies_left = std::max(0.0, 1.2 * cells - move_number);
    const double moves_to_go = std::max<double>(kMinMovesToGo, plies_left / 2);
    double share = c.main_left / moves_to_go;
    if (kind_ != Kind::kAbsolute) {
      // Overtime follows: main time may be spent a little faster.
      share = std::max(share, std::min(c.main_left, byo_s_ / std::max(1, stones_)) * 0.5);
    }
    return with_margin(std::min(share, c.main_left * 0.5));
  }
  if (kind_ == Kind::kAbsolute) return 0.01;  // out of time: move at once
  if (kind_ == Kind::kCanadian) {
    // Main time just ran out: the first period starts with this move.
    const double period = c.overtime ? c.period_left : byo_s_;
    const int stones = c.overtime ? c.stones_left : stones_;
    const double per_stone = period / std::max(1, stones);
    return with_margin(per_stone * kOvertimeFraction);
  }
  return with_margin(byo_s_ * kOvertimeFraction);
}

}  // namespace tenuki
