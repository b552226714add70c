#pragma once
// Text helpers: CSV fields, fixed decimals, durations, words and trimming. No dependencies.
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

namespace tenuki {

// `text` as one CSV field (quoted when it holds a comma, quote or newline).
inline std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// `x` rounded to the nearest multiple of 1 / scale (scale 1e3 keeps three decimals).
inline double round_to(double x, double scale) { return std::round(x * scale) / scale; }

// `value` with `decimals` digits after the point ("%.*f"), locale-independent; "n/a" for NaN,
// "inf"/"-inf" for infinities; a negative number that rounds to zero prints without its sign.
inline std::string format_fixed(double value, int decimals) {
  if (std::isnan(value)) return "n/a";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[400];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string text = buffer;
  if (text[0] == '-' && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
  return text;
}

// Seconds, rounded, as "42s", "5m03s" or "1h05m" (for progress lines and ETAs); "?" when
// negative, not finite or beyond 1e8 s.
inline std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "?";
  const long long s = std::llround(seconds);
  std::ostringstream out;
  out << std::setfill('0');
  if (s >= 3600) {
    out << s / 3600 << "h" << std::setw(2) << (s % 3600) / 60 << "m";
  } else if (s >= 60) {
    out << s / 60 << "m" << std::setw(2) << s % 60 << "s";
  } else {
    out << s << "s";
  }
  return out.str();
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

}  // namespace tenuki
