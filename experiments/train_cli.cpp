#include "experiments/train_cli.h"

#include <stdexcept>

namespace tenuki {
int cmd_train(const std::vector<std::string>&, std::ostream&, std::ostream&) {
  throw std::runtime_error("train: not built yet");
}
}  // namespace tenuki
