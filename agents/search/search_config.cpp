#include "agents/search/search_config.h"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <variant>

#include "envs/spec.h"

namespace tenuki {
namespace {

struct Field {
  const char* name;
  std::variant<int SearchConfig::*, double SearchConfig::*, bool SearchConfig::*,
               uint64_t SearchConfig::*>
      member;
  double min;
  double max;
};

const std::vector<Field>& fields() {
  static const std::vector<Field> table = {
      {"playouts", &SearchConfig::playouts, 1, 1e8},
      {"c_puct", &SearchConfig::c_puct, 0, 100},
      {"fpu_reduction", &SearchConfig::fpu_reduction, -2, 2},
      {"leaves_per_batch", &SearchConfig::leaves_per_batch, 1, 4096},
      {"virtual_loss", &SearchConfig::virtual_loss, 0, 100},
      {"reuse_tree", &SearchConfig::reuse_tree, 0, 1},
      {"root_noise", &SearchConfig::root_noise, 0, 1},
      {"dirichlet_total", &SearchConfig::dirichlet_total, 1e-3, 1e4},
      {"noise_fraction", &SearchConfig::noise_fraction, 0, 1},
      {"temperature", &SearchConfig::temperature, 0, 100},
      {"temperature_moves", &SearchConfig::temperature_moves, 0, 1e6},
      {"resign_threshold", &SearchConfig::resign_threshold, -1, 1},
      {"full_search_prob", &SearchConfig::full_search_prob, 0, 1},
      {"fast_playouts", &SearchConfig::fast_playouts, 1, 1e8},
      {"fast_exploration", &SearchConfig::fast_exploration, 0, 1},
      {"forced_playouts", &SearchConfig::forced_playouts, 0, 1},
      {"forced_k", &SearchConfig::forced_k, 0, 100},
      {"gumbel", &SearchConfig::gumbel, 0, 1},
      {"gumbel_m", &SearchConfig::gumbel_m, 1, 4096},
      {"gumbel_c_visit", &SearchConfig::gumbel_c_visit, 0, 1e6},
      {"gumbel_c_scale", &SearchConfig::gumbel_c_scale, 0, 1e6},
      {"safe_pass", &SearchConfig::safe_pass, 0, 1},
      {"seed", &SearchConfig::seed, 0, 1.8e19},
  };
  return table;
}

void check_range(const Field& f, double v) {
  if (!(v >= f.min && v <= f.max)) {
    throw std::invalid_argument("search config: " + std::string(f.name) + "=" + std::to_string(v) +
                                " is outside [" + std::to_string(f.min) + ", " +
                                std::to_string(f.max) + "]");
  }
}

}  // namespace

SearchConfig search_config_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("search config: expected a JSON object");
  SearchConfig config;
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    const Field* field = nullptr;
    for (const auto& f : fields()) {
      if (key == f.name) field = &f;
    }
    if (!field) {
      std::string valid;
      for (const auto& f : fields()) valid += std::string(valid.empty() ? "" : ", ") + f.name;
      throw std::invalid_argument("search config: unknown key '" + key + "'; valid keys: " + valid);
    }
    std::visit(
        [&](auto member) {
          using T = std::remove_reference_t<decltype(config.*member)>;
          bool ok = std::is_same_v<T, bool> ? value.is_boolean() : value.is_number();
          if (std::is_integral_v<T> && !std::is_same_v<T, bool>) ok = value.is_number_integer();
          if (!ok) {
            throw std::invalid_argument("search config: key '" + key + "' has the wrong type (" +
                                        value.dump() + ")");
          }
          if constexpr (!std::is_same_v<T, bool>) check_range(*field, value.get<double>());
          config.*member = value.get<T>();
        },
        field->member);
  }
  return config;
}

nlohmann::json search_config_to_json(const SearchConfig& config) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& f : fields()) {
    std::visit([&](auto member) { j[f.name] = config.*member; }, f.member);
  }
  return j;
}

void apply_search_options(const Spec& spec, SearchConfig* config) {
  for (const auto& f : fields()) {
    if (!spec.has(f.name)) continue;
    std::visit(
        [&](auto member) {
          using T = std::remove_reference_t<decltype(config->*member)>;
          if constexpr (std::is_same_v<T, bool>) {
            config->*member = spec.get_bool(f.name, false);
          } else if constexpr (std::is_same_v<T, int>) {
            config->*member = spec.get_int(f.name, 0, static_cast<int>(f.min),
                                           static_cast<int>(std::min(f.max, 2e9)));
          } else if constexpr (std::is_same_v<T, uint64_t>) {
            config->*member = static_cast<uint64_t>(spec.get_double(f.name, 0, f.min, f.max));
          } else {
            config->*member = spec.get_double(f.name, 0, f.min, f.max);
          }
        },
        f.member);
  }
}

}  // namespace tenuki
