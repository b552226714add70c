#pragma once
// The list of games a user can name. No global state: build a registry where needed (it is cheap),
// usually through make_game().
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "envs/game.h"
#include "envs/spec.h"

namespace tenuki {

struct GameInfo {
  std::string name;
  std::string summary;
  std::string options;  // one line: "size=9 komi=7.5 ..." with defaults and ranges
  // Builds the game; reads its options from the spec and must call check_all_used().
  std::function<std::shared_ptr<const Game>(const Spec&)> make;
};

class GameRegistry {
 public:
  void add(GameInfo info);
  // Builds a game from a spec string. Throws SpecError for an unknown game (listing the valid
  // ones), an unknown option or a bad value.
  std::shared_ptr<const Game> make(const std::string& spec) const;
  const std::vector<GameInfo>& games() const { return games_; }

 private:
  std::vector<GameInfo> games_;
};

// Adds Go, Atari Go, Gomoku, Othello, Hex, Connect Four and Tic-tac-toe.
void register_builtin_games(GameRegistry& registry);

// A registry with the built-in games, then make(spec).
std::shared_ptr<const Game> make_game(const std::string& spec);

}  // namespace tenuki
