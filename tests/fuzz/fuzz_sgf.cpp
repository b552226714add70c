// Fuzz target: SGF parsing, replay, and the write/read round trip of whatever replays.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "envs/games/go/sgf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tenuki::go;
  const std::string text(reinterpret_cast<const char*>(data), size);
  SgfGame record;
  try {
    record = parse_sgf(text);
  } catch (const SgfError&) {
    return 0;
  }
  std::unique_ptr<GoState> state;
  try {
    state = sgf_to_state(record);
  } catch (const SgfError&) {
    return 0;
  }
  // A record that replays must survive writing and reading back with the same moves.
  const std::string written = write_sgf(*state);
  SgfGame again = parse_sgf(written);
  auto replayed = sgf_to_state(again);
  if (replayed->history() != state->history() || replayed->hash() != state->hash()) {
    throw std::logic_error("SGF round trip changed the game");
  }
  return 0;
}
