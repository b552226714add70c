#include "envs/game.h"

#include <stdexcept>
#include <utility>

namespace tenuki {

namespace symmetry {
void map_cell(int s, int rows, int cols, int r, int c, int* out_r, int* out_c) {
  if (s & 4) {
    std::swap(r, c);
    std::swap(rows, cols);
  }
  if (s & 1) r = rows - 1 - r;
  if (s & 2) c = cols - 1 - c;
  *out_r = r;
  *out_c = c;
}

int inverse(int s) {
  // Flips commute with each other; with a transpose, the inverse applies the swapped flips.
  if (!(s & 4)) return s;
  int flips = s & 3;
  int swapped = ((flips & 1) << 1) | ((flips & 2) >> 1);
  return 4 | swapped;
}
}  // namespace symmetry

Game::Game(std::string name, int rows, int cols)
    : name_(std::move(name)), rows_(rows), cols_(cols) {
  if (rows < 1 || cols < 1 || rows > kMaxBoardSide || cols > kMaxBoardSide) {
    throw std::invalid_argument("board size out of range");
  }
}

std::string Game::player_name(int player) const { return player == 0 ? "first" : "second"; }

std::string Game::action_to_string(Action action) const {
  if (action == pass_action()) return "pass";
  if (action < 0 || action > pass_action()) return "invalid(" + std::to_string(action) + ")";
  int r = action / cols_, c = action % cols_;
  char letter = static_cast<char>('A' + c + (c >= 8 ? 1 : 0));
  return std::string(1, letter) + std::to_string(rows_ - r);
}

Action Game::string_to_action(const std::string& text) const {
  std::string t;
  for (char ch : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (t == "pass") return pass_action();
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("bad vertex '" + text + "': " + why);
  };
  if (t.size() < 2 || t[0] < 'a' || t[0] > 'z' || t[0] == 'i') throw bad("expected e.g. C4");
  int c = t[0] - 'a' - (t[0] > 'i' ? 1 : 0);
  int row = 0;
  for (size_t i = 1; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9' || row > 100) throw bad("expected a row number");
    row = row * 10 + (t[i] - '0');
  }
  if (c >= cols_ || row < 1 || row > rows_) throw bad("outside the board");
  return (rows_ - row) * cols_ + c;
}

Action Game::map_action(int s, Action action) const {
  if (action == pass_action()) return action;
  int r, c;
  symmetry::map_cell(s, rows_, cols_, action / cols_, action % cols_, &r, &c);
  int out_cols = (s & 4) ? rows_ : cols_;
  return r * out_cols + c;
}

std::vector<Action> State::legal_actions() const {
  std::vector<Action> out;
  legal_actions(&out);
  return out;
}

void State::apply_action(Action action) {
  if (action < 0 || action >= game_->num_actions() || !do_apply_action(action)) {
    throw std::invalid_argument("illegal move " + game_->action_to_string(action) + " in " +
                                game_->spec() + " at move " + std::to_string(move_number() + 1));
  }
  history_.push_back(action);
}

void State::undo_action() {
  if (history_.empty()) throw std::logic_error("undo_action: no move to take back");
  Action last = history_.back();
  history_.pop_back();
  do_undo_action(last);
}

std::vector<int> State::scoring_owners() const {
  std::vector<int> owners(static_cast<size_t>(game().num_cells()));
  for (int c = 0; c < game().num_cells(); ++c) owners[c] = cell_owner(c);
  return owners;
}

std::string State::to_string() const {
  const Game& g = *game_;
  std::string out;
  auto column_labels = [&] {
    std::string line = "   ";
    for (int c = 0; c < g.cols(); ++c) {
      line += ' ';
      line += static_cast<char>('A' + c + (c >= 8 ? 1 : 0));
    }
    return line + "\n";
  };
  out += column_labels();
  for (int r = 0; r < g.rows(); ++r) {
    std::string num = std::to_string(g.rows() - r);
    out += std::string(3 - num.size(), ' ') + num;
    for (int c = 0; c < g.cols(); ++c) {
      int owner = cell_owner(r * g.cols() + c);
      out += ' ';
      out += owner < 0 ? '.' : g.stone_char(owner);
    }
    out += "  " + num + "\n";
  }
  out += column_labels();
  if (is_terminal()) {
    auto ret = returns();
    out += "game over: " +
           (ret[0] > 0   ? g.player_name(0) + " wins"
            : ret[1] > 0 ? g.player_name(1) + " wins"
                         : std::string("draw")) +
           "\n";
  } else {
    out += g.player_name(current_player()) + " (" + g.stone_char(current_player()) + ") to move\n";
  }
  return out;
}

Action State::sample_playout_action(Rng& rng) const {
  std::vector<Action> legal;
  legal_actions(&legal);
  return legal[rng.below(static_cast<uint32_t>(legal.size()))];
}

void State::fill_game_planes(float*, int, int) const {}

int play_random_playout(State& state, Rng& rng) {
  int moves = 0;
  while (!state.is_terminal()) {
    state.apply_action(state.sample_playout_action(rng));
    ++moves;
  }
  return moves;
}

}  // namespace tenuki
