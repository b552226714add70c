#include "agents/gtp/gtp_analysis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace tenuki {
namespace {

bool parse_int(const std::string& text, long* out) {
  size_t used = 0;
  try {
    *out = std::stol(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size();
}

std::string fixed(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

}  // namespace

AnalyzeRequest parse_analyze_args(const std::vector<std::string>& args, bool kata,
                                  int (*parse_color)(const std::string&)) {
  AnalyzeRequest r;
  r.kata = kata;
  size_t i = 0;
  long n = 0;
  if (i < args.size() && !parse_int(args[i], &n)) {
    const std::string& word = args[i];
    if (word != "interval" && word != "maxmoves" && word != "minmoves" && word != "ownership") {
      r.player = parse_color(word);
      ++i;
    }
  }
  if (i < args.size() && parse_int(args[i], &n)) {
    if (n < 0) throw std::invalid_argument("interval must be >= 0, got " + args[i]);
    r.interval_s = n / 100.0;
    ++i;
  }
  while (i < args.size()) {
    const std::string& key = args[i];
    if (i + 1 >= args.size()) throw std::invalid_argument(key + " needs a value");
    const std::string& value = args[i + 1];
    i += 2;
    if (key == "interval" || key == "maxmoves" || key == "minmoves") {
      if (!parse_int(value, &n) || n < 0) {
        throw std::invalid_argument(key + " needs a non-negative integer, got '" + value + "'");
      }
      if (key == "interval") r.interval_s = n / 100.0;
      if (key == "maxmoves") r.max_moves = static_cast<int>(std::min<long>(n, 1 << 20));
    } else if (key == "ownership" && kata) {
      if (value != "true" && value != "false") {
        throw std::invalid_argument("ownership needs true or false, got '" + value + "'");
      }
      r.ownership = value == "true";
    } else {
      throw std::invalid_argument("unknown analysis option '" + key + "'");
    }
  }
  return r;
}

std::string gtp_vertex(const Game& game, Action action) {
  if (action == game.pass_action()) return "pass";
  return game.action_to_string(action);
}

std::string format_analysis(const Game& game, const std::vector<RootMoveStats>& moves,
                            const AnalyzeRequest& request, const std::vector<float>& ownership) {
  // No line before the first visited move: an ownership-only line tells a GUI nothing it can
  // show, and a fast machine reported one at the first interval.
  if (moves.empty()) return "";
  std::string line;
  const size_t count =
      request.max_moves > 0 ? std::min<size_t>(moves.size(), request.max_moves) : moves.size();
  for (size_t order = 0; order < count; ++order) {
    const RootMoveStats& m = moves[order];
    const double winrate = std::clamp((m.value + 1.0) / 2.0, 0.0, 1.0);
    const double lcb = std::clamp(
        winrate - 1.96 * std::sqrt(winrate * (1 - winrate) / std::max(1, m.visits)), 0.0, 1.0);
    if (!line.empty()) line += " ";
    line += "info move " + gtp_vertex(game, m.action) + " visits " + std::to_string(m.visits);
    if (request.kata) {
      line += " utility " + fixed(m.value, 6) + " winrate " + fixed(winrate, 6) + " prior " +
              fixed(m.prior, 6) + " lcb " + fixed(lcb, 6);
    } else {
      line += " winrate " + std::to_string(std::lround(winrate * 10000)) + " prior " +
              std::to_string(std::lround(std::clamp(m.prior, 0.0f, 1.0f) * 10000)) + " lcb " +
              std::to_string(std::lround(lcb * 10000));
    }
    line += " order " + std::to_string(order) + " pv";
    for (Action a : m.pv) line += " " + gtp_vertex(game, a);
  }
  if (request.kata && request.ownership && !ownership.empty()) {
    line += line.empty() ? "ownership" : " ownership";
    for (float v : ownership) line += " " + fixed(v, 4);
  }
  return line;
}

}  // namespace tenuki
