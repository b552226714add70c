#pragma once
// The shared board encoding: one versioned channel schema that every game fills with the same
// meaning, so that one network can read Go, Othello, Hex, ... The full table, with the
// game-specific planes, is in envs/ENCODING.md; keep the two in step and bump the version when
// the meaning of any plane changes.
//
// Layout: float planes [kNumChannels][height][width], row-major; the game's rows x cols board sits
// at the top-left and every cell outside it is 0 in every plane (kOnBoard tells the network where
// the board is). All planes are from the point of view of the player to move.
#include <string>
#include <vector>

#include "envs/game.h"

namespace tenuki::encoding {

inline constexpr char kSchemaName[] = "tenuki-board";
inline constexpr int kSchemaVersion = 1;

enum Channel : int {
  kOwnStones = 0,          // stones of the player to move
  kOpponentStones = 1,     // stones of the opponent
  kEmpty = 2,              // empty on-board cells
  kOnBoard = 3,            // 1 on every cell of the board
  kLastMove = 4,           // cell of the last move (the opponent's), if it was a placement
  kSecondLastMove = 5,     // cell of the move before (the player to move's own), if a placement
  kLastMoveWasPass = 6,    // whole board 1 when the last move was a pass
  kLegalMoves = 7,         // cells where the player to move may play
  kFirstPlayerToMove = 8,  // whole board 1 when player 0 is to move
  kGamePlanes = 9,  // first of kNumGamePlanes game-specific planes (zero unless a game fills)
};
inline constexpr int kNumGamePlanes = 7;
inline constexpr int kNumChannels = kGamePlanes + kNumGamePlanes;

// Human-readable channel names, index = channel.
const std::vector<std::string>& channel_names();

// Semantic tags of the game planes (table in envs/ENCODING.md), so that weights trained on one
// game's planes can be mapped onto another game's planes that mean the same thing. A tag is a
// short snake_case name; "" marks a plane the game leaves 0.
struct PlaneTag {
  std::string tag;
  std::string meaning;
};
// Every tag any game uses, with its meaning.
const std::vector<PlaneTag>& plane_tags();
// The tags of game planes 0..kNumGamePlanes-1 of `game` (its traits' plane_tags, padded with "").
std::vector<std::string> game_plane_tags(const Game& game);

// Fills `out` (kNumChannels * height * width floats) for `state`.
// Preconditions: height >= rows, width >= cols. When terminal, kLegalMoves is all zero.
void encode(const State& state, int height, int width, float* out);
inline std::vector<float> encode(const State& state) {
  std::vector<float> out(static_cast<size_t>(kNumChannels) * state.game().num_cells());
  encode(state, state.game().rows(), state.game().cols(), out.data());
  return out;
}

// Applies symmetry s to planes of a rows x cols board in place of `in` -> `out` (both
// kNumChannels * height * width; height/width must fit the transposed board when s & 4).
void map_planes(int s, int rows, int cols, int height, int width, const float* in, float* out);

// Prints every non-empty plane of `state` as a grid of digits (for `tenuki encoding`).
std::string describe(const State& state);

}  // namespace tenuki::encoding
