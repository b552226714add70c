// NetworkConfig, dtypes and allocator tuning: the parts of agents/net/network.h without LibTorch.
#include <malloc.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "agents/net/network.h"

namespace tenuki {

// ----------------------------------------------------------------------------------------------
// NetworkConfig

namespace {

void check_range(const char* key, int value, int min, int max) {
  if (value < min || value > max) {
    throw std::invalid_argument("network config: " + std::string(key) + "=" +
                                std::to_string(value) + " is outside [" + std::to_string(min) +
                                ", " + std::to_string(max) + "]");
  }
}

}  // namespace

void NetworkConfig::validate() const {
  check_range("blocks", blocks, 1, 64);
  check_range("channels", channels, 8, 1024);
  check_range("global_pool_every", global_pool_every, 0, 64);
  check_range("head_channels", head_channels, 4, 512);
  check_range("value_hidden", value_hidden, 4, 4096);
}

std::string NetworkConfig::summary() const {
  std::string s = std::to_string(blocks) + "x" + std::to_string(channels);
  if (global_pool_every > 0) s += " gpool/" + std::to_string(global_pool_every);
  s += " head" + std::to_string(head_channels) + " vh" + std::to_string(value_hidden);
  if (ownership_head) s += " own";
  if (opponent_policy_head) s += " opp";
  return s;
}

void to_json(nlohmann::json& j, const NetworkConfig& c) {
  j = nlohmann::json{{"blocks", c.blocks},
                     {"channels", c.channels},
                     {"global_pool_every", c.global_pool_every},
                     {"head_channels", c.head_channels},
                     {"value_hidden", c.value_hidden},
                     {"ownership_head", c.ownership_head}};
  // Written only when on, so that the configs (and checkpoints) of nets without the head read as
  // they did before it existed.
  if (c.opponent_policy_head) j["opponent_policy_head"] = true;
}

void from_json(const nlohmann::json& j, NetworkConfig& c) {
  if (!j.is_object()) throw std::invalid_argument("network config: expected a JSON object");
  NetworkConfig out;
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    auto get_int = [&](int* field) {
      if (!value.is_number_integer()) {
        throw std::invalid_argument("network config: " + key + " must be an integer, got " +
                                    value.dump());
      }
      const int64_t v = value.get<int64_t>();
      if (v < -(int64_t{1} << 30) || v > (int64_t{1} << 30)) {
        throw std::invalid_argument("network config: " + key + "=" + value.dump() +
                                    " is out of range");
      }
      *field = static_cast<int>(v);
    };
    if (key == "blocks") {
      get_int(&out.blocks);
    } else if (key == "channels") {
      get_int(&out.channels);
    } else if (key == "global_pool_every") {
      get_int(&out.global_pool_every);
    } else if (key == "head_channels") {
      get_int(&out.head_channels);
    } else if (key == "value_hidden") {
      get_int(&out.value_hidden);
    } else if (key == "ownership_head" || key == "opponent_policy_head") {
      if (!value.is_boolean()) {
        throw std::invalid_argument("network config: " + key + " must be true or false, got " +
                                    value.dump());
      }
      (key == "ownership_head" ? out.ownership_head : out.opponent_policy_head) = value.get<bool>();
    } else {
      throw std::invalid_argument(
          "network config: unknown key '" + key +
          "' (known: blocks, channels, global_pool_every, head_channels, value_hidden, "
          "ownership_head, opponent_policy_head)");
    }
  }
  out.validate();
  c = out;
}

NetDtype parse_net_dtype(const std::string& name) {
  if (name == "float32" || name == "float") return NetDtype::kFloat32;
  if (name == "bfloat16" || name == "bf16") return NetDtype::kBFloat16;
  if (name == "half" || name == "float16" || name == "fp16") return NetDtype::kHalf;
  if (name == "float32-winograd" || name == "winograd") return NetDtype::kFloat32Winograd;
  throw std::invalid_argument("unknown dtype '" + name +
                              "' (known: float32, bfloat16, half, float32-winograd)");
}

std::string net_dtype_name(NetDtype dtype) {
  switch (dtype) {
    case NetDtype::kFloat32:
      return "float32";
    case NetDtype::kBFloat16:
      return "bfloat16";
    case NetDtype::kHalf:
      return "half";
    case NetDtype::kFloat32Winograd:
      return "float32-winograd";
  }
  return "?";
}

void tune_allocator_for_inference() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
}

}  // namespace tenuki
