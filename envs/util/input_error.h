#pragma once
// The one base of errors in what a user gave: a spec, a config file, a flag, a run folder that is
// not one. The command line prints the message and exits with status 2 (1 for other failures).
// Derived types name the kind of input (SpecError, ConfigError, UsageError, ...); library code
// throws those or InputError itself, never a command-line type.
#include <stdexcept>

namespace tenuki {

class InputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace tenuki
