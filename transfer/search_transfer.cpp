#include "transfer/search_transfer.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace tenuki::transfer {
namespace {

std::string fixed(double x, int digits = 2) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << x;
  return s.str();
}

}  // namespace

GameProfile profile_game(const Game& game, int games, uint64_t seed) {
  GameProfile p;
  p.max_length = game.max_game_length();
  Rng rng(seed);
  std::vector<Action> legal;
  double legal_sum = 0, positions = 0, length_sum = 0;
  for (int g = 0; g < games; ++g) {
    auto state = game.new_initial_state();
    int moves = 0;
    while (!state->is_terminal() && moves < p.max_length) {
      state->legal_actions(&legal);
      legal_sum += static_cast<double>(legal.size());
      positions += 1;
      state->apply_action(state->sample_playout_action(rng));
      ++moves;
    }
    length_sum += moves;
  }
  p.mean_legal_moves = positions > 0 ? legal_sum / positions : 0;
  p.mean_length = games > 0 ? length_sum / games : 0;
  return p;
}

nlohmann::json SearchTransfer::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : settings) {
    list.push_back({{"key", s.key}, {"value", s.value}, {"origin", s.origin}, {"why", s.why}});
  }
  return list;
}

SearchTransfer transfer_search(SearchMode mode, const std::optional<SearchConfig>& source,
                               int source_max_moves, const Game* source_game,
                               const SearchConfig& target, int target_max_moves,
                               const Game& target_game) {
  SearchTransfer out;
  const nlohmann::json target_json = search_config_to_json(target);
  if (mode == SearchMode::kTarget || !source) {
    out.search = target;
    out.max_moves = target_max_moves;
    const std::string origin =
        mode == SearchMode::kTarget ? "target" : "target (no source settings)";
    const std::string why = mode == SearchMode::kTarget
                                ? "search=target ignores the source's settings"
                                : "the source checkpoint records no search settings";
    for (const auto& [key, value] : target_json.items()) {
      out.settings.push_back({key, value, origin, why});
    }
    out.settings.push_back({"max_moves", target_max_moves, origin, why});
    return out;
  }
  SearchConfig s = *source;
  s.seed = target.seed;
  int max_moves = source_max_moves;
  const bool scale = mode == SearchMode::kScaled && source_game != nullptr;
  GameProfile ps, pt;
  double length_ratio = 1;
  if (scale) {
    ps = profile_game(*source_game);
    pt = profile_game(target_game);
    length_ratio = ps.mean_length > 0 ? pt.mean_length / ps.mean_length : 1;
    if (source->temperature_moves > 0) {
      s.temperature_moves =
          std::max(1, static_cast<int>(std::lround(source->temperature_moves * length_ratio)));
    }
    if (source_max_moves > 0) {
      max_moves = std::clamp(static_cast<int>(std::lround(source_max_moves * length_ratio)), 1,
                             pt.max_length);
    }
  }
  const nlohmann::json result_json = search_config_to_json(s);
  const std::string length_note =
      scale
          ? "typical game length " + fixed(ps.mean_length, 1) + " -> " + fixed(pt.mean_length, 1) +
                " actions (random play), ratio " + fixed(length_ratio, 3)
          : "";
  for (const auto& [key, value] : result_json.items()) {
    SearchSetting setting{key, value, "source", "game-independent; kept from the source"};
    if (key == "seed") {
      setting.origin = "target";
      setting.why = "each run has its own seed";
    } else if (scale && key == "temperature_moves" && source->temperature_moves > 0) {
      setting.origin = "scaled";
      setting.why = "from " + std::to_string(source->temperature_moves) + " by " + length_note;
    } else if (scale && key == "dirichlet_total") {
      setting.origin = "scaled";
      setting.why =
          "total concentration kept, so alpha = total / legal moves follows the "
          "target: mean legal moves " +
          fixed(ps.mean_legal_moves, 1) + " -> " + fixed(pt.mean_legal_moves, 1) + ", alpha " +
          fixed(s.dirichlet_total / std::max(1.0, ps.mean_legal_moves), 3) + " -> " +
          fixed(s.dirichlet_total / std::max(1.0, pt.mean_legal_moves), 3);
    } else if (mode == SearchMode::kScaled && !scale) {
      setting.why = "kept from the source (the source names no game, so nothing is scaled)";
    }
    out.settings.push_back(setting);
  }
  SearchSetting cap{"max_moves", max_moves, "source", "self-play move cap kept from the source"};
  if (scale && source_max_moves > 0) {
    cap.origin = "scaled";
    cap.why = "from " + std::to_string(source_max_moves) + " by " + length_note +
              ", at most the target's " + std::to_string(pt.max_length);
  } else if (source_max_moves == 0) {
    cap.why = "no move cap at the source";
  }
  out.settings.push_back(cap);
  out.search = s;
  out.max_moves = max_moves;
  return out;
}

}  // namespace tenuki::transfer
