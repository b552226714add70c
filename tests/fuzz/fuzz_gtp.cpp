// Fuzz target: GTP command lines into the engine. Every line must get a well-formed answer.
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

#include "agents/gtp/gtp_engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tenuki;
  GtpEngine engine("go(size=9,komi=7.5)", "random", 1);
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  int lines = 0;
  for (std::string line; std::getline(in, line) && lines < 200 && !engine.quit_requested();
       ++lines) {
    std::string answer = engine.handle(line);
    if (answer.empty()) continue;
    if ((answer[0] != '=' && answer[0] != '?') || answer.size() < 3 ||
        answer.compare(answer.size() - 2, 2, "\n\n") != 0) {
      throw std::logic_error("malformed GTP answer: " + answer);
    }
  }
  return 0;
}
