#include "envs/registry.h"

#include "envs/games/builtin_games.h"

namespace tenuki {

void GameRegistry::add(GameInfo info) { games_.push_back(std::move(info)); }

std::shared_ptr<const Game> GameRegistry::make(const std::string& text) const {
  Spec spec = Spec::parse(text);
  for (const auto& info : games_) {
    if (info.name == spec.name()) {
      auto game = info.make(spec);
      spec.check_all_used();
      return game;
    }
  }
  std::string names;
  for (const auto& info : games_) names += (names.empty() ? "" : ", ") + info.name;
  throw SpecError("unknown game '" + spec.name() + "' in '" + text + "'; games: " + names);
}

void register_builtin_games(GameRegistry& registry) {
  registry.add(go_game_info());
  registry.add(atari_go_game_info());
  registry.add(gomoku_game_info());
  registry.add(othello_game_info());
  registry.add(hex_game_info());
  registry.add(connect_four_game_info());
  registry.add(tictactoe_game_info());
}

std::shared_ptr<const Game> make_game(const std::string& spec) {
  GameRegistry registry;
  register_builtin_games(registry);
  return registry.make(spec);
}

}  // namespace tenuki
