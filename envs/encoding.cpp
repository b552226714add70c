#include "envs/encoding.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace tenuki::encoding {

const std::vector<std::string>& channel_names() {
  static const std::vector<std::string> names = {
      "own stones",         "opponent stones", "empty",
      "on board",           "last move",       "second-last move",
      "last move was pass", "legal moves",     "first player to move",
      "game plane 0",       "game plane 1",    "game plane 2",
      "game plane 3",       "game plane 4",    "game plane 5",
      "game plane 6"};
  return names;
}

const std::vector<PlaneTag>& plane_tags() {
  static const std::vector<PlaneTag> tags = {
      {"mover_gain", "the mover wins or captures here (winning cell, capturable stones, flips)"},
      {"opponent_threat",
       "the opponent wins or captures here (threatened line, own stones in atari)"},
      {"own_two_liberties", "own chains with exactly 2 liberties"},
      {"opponent_two_liberties", "opponent chains with exactly 2 liberties"},
      {"komi", "komi from the mover's view / 15 on every cell"},
      {"forbidden", "empty cells where the mover may not play (ko, superko, suicide)"},
      {"own_goal_edge", "the edges the mover has to connect"},
      {"opponent_goal_edge", "the edges the opponent has to connect"},
      {"laddered", "stones (either colour) whose chain can be captured in a ladder"},
  };
  return tags;
}

std::vector<std::string> game_plane_tags(const Game& game) {
  std::vector<std::string> tags = game.traits().plane_tags;
  tags.resize(kNumGamePlanes);
  return tags;
}

void encode(const State& state, int height, int width, float* out) {
  const Game& game = state.game();
  const int rows = game.rows(), cols = game.cols();
  if (height < rows || width < cols)
    throw std::invalid_argument("encode: tensor smaller than board");
  const size_t plane = static_cast<size_t>(height) * width;
  std::fill(out, out + plane * kNumChannels, 0.0f);
  auto at = [&](int channel, int cell) -> float& {
    return out[channel * plane + static_cast<size_t>(cell / cols) * width + cell % cols];
  };
  const bool terminal = state.is_terminal();
  // In a terminal state nobody is to move; encode from player 0's point of view then.
  const int me = terminal ? 0 : state.current_player();
  for (int cell = 0; cell < game.num_cells(); ++cell) {
    int owner = state.cell_owner(cell);
    at(kOnBoard, cell) = 1;
    if (owner < 0) {
      at(kEmpty, cell) = 1;
    } else {
      at(owner == me ? kOwnStones : kOpponentStones, cell) = 1;
    }
    if (me == 0) at(kFirstPlayerToMove, cell) = 1;
  }
  const auto& history = state.history();
  const Action pass = game.pass_action();
  if (!history.empty()) {
    Action last = history.back();
    if (last == pass) {
      for (int cell = 0; cell < game.num_cells(); ++cell) at(kLastMoveWasPass, cell) = 1;
    } else {
      at(kLastMove, last) = 1;
    }
  }
  if (history.size() >= 2 && history[history.size() - 2] != pass) {
    at(kSecondLastMove, history[history.size() - 2]) = 1;
  }
  if (!terminal) {
    std::vector<Action> legal;
    state.legal_actions(&legal);
    for (Action a : legal) {
      if (a != pass) at(kLegalMoves, a) = 1;
    }
  }
  state.fill_game_planes(out + kGamePlanes * plane, height, width);
}

void map_planes(int s, int rows, int cols, int height, int width, const float* in, float* out) {
  const size_t plane = static_cast<size_t>(height) * width;
  std::fill(out, out + plane * kNumChannels, 0.0f);
  for (int ch = 0; ch < kNumChannels; ++ch) {
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        int r2, c2;
        symmetry::map_cell(s, rows, cols, r, c, &r2, &c2);
        out[ch * plane + static_cast<size_t>(r2) * width + c2] =
            in[ch * plane + static_cast<size_t>(r) * width + c];
      }
    }
  }
}

std::string describe(const State& state) {
  const Game& game = state.game();
  std::vector<float> planes = encode(state);
  std::string out = std::string("encoding ") + kSchemaName + " v" + std::to_string(kSchemaVersion) +
                    ", " + std::to_string(kNumChannels) + " channels of " +
                    std::to_string(game.rows()) + "x" + std::to_string(game.cols()) + "\n";
  const size_t plane = game.num_cells();
  for (int ch = 0; ch < kNumChannels; ++ch) {
    const float* p = planes.data() + ch * plane;
    bool any = std::any_of(p, p + plane, [](float v) { return v != 0; });
    out += "[" + std::to_string(ch) + "] " + channel_names()[ch] + (any ? "\n" : ": all zero\n");
    if (!any) continue;
    for (int r = 0; r < game.rows(); ++r) {
      out += "   ";
      for (int c = 0; c < game.cols(); ++c) {
        float v = p[r * game.cols() + c];
        char buf[16];
        if (v == 0) {
          std::snprintf(buf, sizeof buf, " .");
        } else if (v == 1) {
          std::snprintf(buf, sizeof buf, " 1");
        } else {
          std::snprintf(buf, sizeof buf, " %.2f", v);
        }
        out += buf;
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace tenuki::encoding
