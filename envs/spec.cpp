#include "envs/spec.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

namespace tenuki {
namespace {

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '/' || c == '+' || c == ':' || c == '~';
}

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  [[noreturn]] void fail(const std::string& what) const {
    std::ostringstream out;
    out << "bad spec '" << text_ << "' at column " << pos_ + 1 << ": " << what;
    throw SpecError(out.str());
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  std::string word(const char* what) {
    skip_space();
    size_t start = pos_;
    while (!at_end() && is_word_char(text_[pos_])) ++pos_;
    if (start == pos_) fail(std::string("expected ") + what);
    return text_.substr(start, pos_ - start);
  }
  std::string value() {
    skip_space();
    if (peek() != '"') return word("a value");
    ++pos_;
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated quoted string");
      char c = text_[pos_++];
      if (c == '"') break;
      if (c == '\\') {
        if (at_end()) fail("unterminated escape");
        out += text_[pos_++];
      } else {
        out += c;
      }
    }
    return out;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  size_t pos_ = 0;

 private:
  const std::string& text_;
};

}  // namespace

std::vector<std::string> split_top_level(const std::string& text, char separator) {
  std::vector<std::string> out(1);
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\\' && i + 1 < text.size()) {
        out.back() += c;
        c = text[++i];
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == separator && depth == 0) {
      out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  for (auto& piece : out) {
    size_t b = piece.find_first_not_of(" \t"), e = piece.find_last_not_of(" \t");
    piece = b == std::string::npos ? "" : piece.substr(b, e - b + 1);
  }
  return out;
}

Spec Spec::parse(const std::string& text) {
  Spec spec;
  spec.text_ = text;
  Parser p(text);
  spec.name_ = p.word("a name");
  p.skip_space();
  if (p.peek() == '(') {
    ++p.pos_;
    p.skip_space();
    if (p.peek() == ')') {
      ++p.pos_;
    } else {
      while (true) {
        std::string key = p.word("an option name");
        p.expect('=');
        std::string val = p.value();
        if (spec.options_.count(key)) p.fail("option '" + key + "' given twice");
        spec.options_[key] = val;
        p.skip_space();
        if (p.peek() == ',') {
          ++p.pos_;
          continue;
        }
        p.expect(')');
        break;
      }
    }
  }
  p.skip_space();
  if (!p.at_end()) p.fail("unexpected text after the spec");
  return spec;
}

const std::string* Spec::lookup(const std::string& key) const {
  used_.insert(key);
  auto it = options_.find(key);
  return it == options_.end() ? nullptr : &it->second;
}

int Spec::get_int(const std::string& key, int def, int min, int max) const {
  const std::string* v = lookup(key);
  if (!v) return def;
  int out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size()) {
    throw SpecError("in '" + text_ + "': option " + key + "='" + *v + "' is not an integer");
  }
  if (out < min || out > max) {
    throw SpecError("in '" + text_ + "': option " + key + "=" + *v + " is outside [" +
                    std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return out;
}

double Spec::get_double(const std::string& key, double def, double min, double max) const {
  const std::string* v = lookup(key);
  if (!v) return def;
  double out = 0;
  size_t used = 0;
  try {
    out = std::stod(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v->size() || v->empty() || !std::isfinite(out)) {
    throw SpecError("in '" + text_ + "': option " + key + "='" + *v + "' is not a number");
  }
  if (out < min || out > max) {
    std::ostringstream msg;
    msg << "in '" << text_ << "': option " << key << "=" << *v << " is outside [" << min << ", "
        << max << "]";
    throw SpecError(msg.str());
  }
  return out;
}

bool Spec::get_bool(const std::string& key, bool def) const {
  const std::string* v = lookup(key);
  if (!v) return def;
  if (*v == "1" || *v == "true" || *v == "yes" || *v == "on") return true;
  if (*v == "0" || *v == "false" || *v == "no" || *v == "off") return false;
  throw SpecError("in '" + text_ + "': option " + key + "='" + *v +
                  "' is not a boolean (use true/false or 1/0)");
}

std::string Spec::get_string(const std::string& key, const std::string& def) const {
  const std::string* v = lookup(key);
  return v ? *v : def;
}

std::string Spec::get_choice(const std::string& key, const std::string& def,
                             const std::vector<std::string>& choices) const {
  std::string v = get_string(key, def);
  for (const auto& c : choices) {
    if (c == v) return v;
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  throw SpecError("in '" + text_ + "': option " + key + "='" + v + "' must be one of: " + list);
}

void Spec::check_all_used() const {
  std::string unknown;
  for (const auto& [key, value] : options_) {
    if (!used_.count(key)) unknown += (unknown.empty() ? "" : ", ") + key;
  }
  if (unknown.empty()) return;
  std::string valid;
  for (const auto& key : used_) valid += (valid.empty() ? "" : ", ") + key;
  throw SpecError("in '" + text_ + "': unknown option(s) " + unknown + " for '" + name_ +
                  "'; valid options: " + (valid.empty() ? "none" : valid));
}

std::string Spec::format(const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& options) {
  std::string out = name;
  if (options.empty()) return out;
  out += '(';
  bool first = true;
  for (const auto& [key, value] : options) {
    if (!first) out += ',';
    first = false;
    out += key + '=';
    bool bare = !value.empty();
    for (char c : value) bare = bare && is_word_char(c);
    if (bare) {
      out += value;
    } else {
      out += '"';
      for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    }
  }
  out += ')';
  return out;
}

}  // namespace tenuki
