#pragma once
// Text helpers shared by the tournament runner and its reports (internal to experiments/).
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "envs/game.h"

namespace tenuki {

// `text` as one CSV field (quoted when it holds a comma, quote or newline).
inline std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// `value` with `precision` decimals.
inline std::string format_fixed(double value, int precision) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << value;
  return out.str();
}

// Seconds as "42 s", "3.5 min" or "1.2 h"; "?" when not finite.
inline std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 120) return format_fixed(seconds, 0) + " s";
  if (seconds < 7200) return format_fixed(seconds / 60, 1) + " min";
  return format_fixed(seconds / 3600, 1) + " h";
}

// The whitespace-separated words of a line.
inline std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

// `text` without leading and trailing whitespace.
inline std::string trim(const std::string& text) {
  const size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = text.find_last_not_of(" \t\r\n");
  return text.substr(b, e - b + 1);
}

// Replays an opening line (GTP vertices) from the start; throws std::invalid_argument naming the
// bad vertex, or when the opening ends the game.
std::vector<Action> parse_opening(const Game& game, const std::string& line);

}  // namespace tenuki
