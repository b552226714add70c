#include "experiments/cli/args.h"

#include <cmath>

namespace tenuki {

Args::Args(const std::vector<std::string>& args, const std::set<std::string>& value_flags,
           const std::set<std::string>& switches) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value = "1";
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (value_flags.count(name)) {
        if (eq == std::string::npos) {
          if (i + 1 >= args.size()) throw UsageError("flag --" + name + " needs a value");
          value = args[++i];
        }
      } else if (!switches.count(name)) {
        std::string known;
        for (const auto& f : value_flags) known += " --" + f;
        for (const auto& f : switches) known += " --" + f;
        throw UsageError("unknown flag --" + name + (known.empty() ? "" : "; known:" + known));
      }
      values_[name] = value;
    } else {
      positional_.push_back(a);
    }
  }
}

std::string Args::get(const std::string& flag, const std::string& def) const {
  auto it = values_.find(flag);
  return it == values_.end() ? def : it->second;
}

long Args::get_int(const std::string& flag, long def, long min, long max) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return def;
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != it->second.size()) {
    throw UsageError("--" + flag + " expects an integer, got '" + it->second + "'");
  }
  if (v < min || v > max) {
    throw UsageError("--" + flag + "=" + it->second + " is outside [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
  }
  return v;
}

double Args::get_double(const std::string& flag, double def, double min, double max) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return def;
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != it->second.size() || !std::isfinite(v)) {
    throw UsageError("--" + flag + " expects a number, got '" + it->second + "'");
  }
  if (v < min || v > max) throw UsageError("--" + flag + "=" + it->second + " is out of range");
  return v;
}

}  // namespace tenuki
