#pragma once
// Registry entries of the built-in games; each is defined beside its game.
#include "envs/registry.h"

namespace tenuki {
GameInfo go_game_info();
GameInfo atari_go_game_info();
GameInfo gomoku_game_info();
GameInfo othello_game_info();
GameInfo hex_game_info();
GameInfo connect_four_game_info();
GameInfo tictactoe_game_info();
}  // namespace tenuki
