// Fuzz target: JSON configs (search and network settings) must parse or be rejected cleanly.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "agents/net/network.h"
#include "agents/search/search_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tenuki;
  nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  try {
    SearchConfig config = search_config_from_json(j);
    // What was accepted must write out and read back to the same settings.
    if (search_config_to_json(search_config_from_json(search_config_to_json(config))) !=
        search_config_to_json(config)) {
      throw std::logic_error("search config round trip changed it");
    }
  } catch (const std::invalid_argument&) {
  }
  try {
    NetworkConfig config = j.get<NetworkConfig>();
    config.validate();
  } catch (const std::invalid_argument&) {
  } catch (const nlohmann::json::exception&) {
  }
  return 0;
}
