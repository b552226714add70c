#pragma once
// The one spec grammar for everything a user names: games, agents, engines.
//
//   spec    := name [ '(' [ option { ',' option } ] ')' ]
//   option  := key '=' value
//   value   := bare-word | '"' { char | '\"' | '\\' } '"'
//
// Examples: `go(size=9,komi=7.5)`, `mcts(playouts=800)`,
// `gtp(cmd="gnugo --mode gtp --level 10")`. Whitespace around tokens is ignored.
// Parsing errors throw SpecError with the offending column.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/util/input_error.h"

namespace tenuki {

// Splits `text` at each `separator` that is outside parentheses and quotes, e.g.
// "mcts(a=1,b=2),random" -> {"mcts(a=1,b=2)", "random"}. Pieces are trimmed of spaces.
std::vector<std::string> split_top_level(const std::string& text, char separator);

class SpecError : public InputError {
 public:
  using InputError::InputError;
};

// A parsed spec. Typed getters record which keys were read so that `check_all_used()` can
// reject unknown options, naming the valid ones. Not thread-safe (getters mutate the used-set).
class Spec {
 public:
  // Parses `text`; throws SpecError naming the position of the first problem.
  static Spec parse(const std::string& text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  bool has(const std::string& key) const { return options_.count(key) > 0; }
  // Every option as written (does not mark anything used).
  const std::map<std::string, std::string>& options() const { return options_; }

  // Each getter returns the default when the key is absent and throws SpecError when the value
  // does not parse or lies outside [min, max].
  int get_int(const std::string& key, int def, int min, int max) const;
  double get_double(const std::string& key, double def, double min, double max) const;
  bool get_bool(const std::string& key, bool def) const;
  std::string get_string(const std::string& key, const std::string& def) const;
  // A string that must be one of `choices`.
  std::string get_choice(const std::string& key, const std::string& def,
                         const std::vector<std::string>& choices) const;

  // Throws SpecError listing unknown keys and the keys that were read (the valid ones).
  void check_all_used() const;

  // Canonical text: name(k=v,...) with keys sorted and strings quoted when needed.
  static std::string format(const std::string& name,
                            const std::vector<std::pair<std::string, std::string>>& options);

 private:
  std::string text_;
  std::string name_;
  std::map<std::string, std::string> options_;
  mutable std::set<std::string> used_;
  const std::string* lookup(const std::string& key) const;
};

}  // namespace tenuki
