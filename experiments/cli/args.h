#pragma once
// Parsed command-line values of one subcommand. experiments/cli/cli.cpp tokenizes the command line
// with CLI11 (flags, help, unknown-flag errors) and hands each command an Args: its positional
// arguments and the flags the user gave, as text. The typed getters check the value and its
// range and throw UsageError naming the flag, so every command reports bad values the same way.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/util/input_error.h"

namespace tenuki {

// Bad command-line usage; the command line exits with status 2 and prints the message.
class UsageError : public InputError {
 public:
  using InputError::InputError;
};

class Args {
 public:
  Args() = default;
  // `values` maps flag names (without "--") to their text; a switch given has the value "1".
  Args(std::vector<std::string> positional, std::map<std::string, std::string> values)
      : positional_(std::move(positional)), values_(std::move(values)) {}
  // Tokenizes `args` by hand: `--flag value`, `--flag=value` and boolean `--flag`. `value_flags`
  // take a value, `switches` do not. Throws UsageError on an unknown flag or a missing value.
  // Kept for small in-process parses (a list item, a test); the program uses CLI11.
  Args(const std::vector<std::string>& args, const std::set<std::string>& value_flags,
       const std::set<std::string>& switches);
  const std::vector<std::string>& positional() const { return positional_; }
  // The same flags with the first positional word removed (a subcommand's name).
  Args without_first_positional() const {
    return Args(positional_.empty()
                    ? positional_
                    : std::vector<std::string>(positional_.begin() + 1, positional_.end()),
                values_);
  }
  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::string get(const std::string& flag, const std::string& def) const;
  // The flag's value as an integer in [min, max] (def when absent); throws UsageError naming the
  // flag and the value otherwise.
  long get_int(const std::string& flag, long def, long min, long max) const;
  // The flag's value as a finite number in [min, max] (def when absent).
  double get_double(const std::string& flag, double def, double min, double max) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
};

}  // namespace tenuki
