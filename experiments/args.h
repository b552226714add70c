#pragma once
// Minimal command-line parsing: positional arguments plus `--flag value` and boolean `--flag`.
// Unknown flags are errors naming the flag.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tenuki {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // `value_flags` take a value, `switches` do not. Throws UsageError on an unknown flag or a
  // missing value.
  Args(const std::vector<std::string>& args, const std::set<std::string>& value_flags,
       const std::set<std::string>& switches);
  const std::vector<std::string>& positional() const { return positional_; }
  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::string get(const std::string& flag, const std::string& def) const;
  long get_int(const std::string& flag, long def, long min, long max) const;
  double get_double(const std::string& flag, double def, double min, double max) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
};

}  // namespace tenuki
