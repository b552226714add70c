#include "envs/games/line_games.h"

#include <algorithm>

#include "envs/games/builtin_games.h"

namespace tenuki {

LineGame::LineGame(std::string name, std::string spec, LineGameRules rules, uint64_t salt,
                   const GameTraits* traits)
    : Game(std::move(name), rules.rows, rules.cols),
      spec_(std::move(spec)),
      rules_(rules),
      salt_(salt),
      traits_(traits) {}

std::vector<int> LineGame::symmetries() const {
  if (rules_.gravity) return {symmetry::kIdentity, symmetry::kMirrorColumns};
  return board_symmetries(rows(), cols());
}

std::unique_ptr<State> LineGame::new_initial_state() const {
  return std::make_unique<LineState>(shared_from_this(), rules_, salt_);
}

LineState::LineState(std::shared_ptr<const Game> game, const LineGameRules& rules, uint64_t salt)
    : GridState(std::move(game), salt), rules_(&rules) {
  if (rules.gravity) heights_.assign(rules.cols, 0);
}

void LineState::legal_actions(std::vector<Action>* out) const {
  out->clear();
  if (is_terminal()) return;
  const int cols = rules_->cols;
  if (rules_->gravity) {
    for (int c = 0; c < cols; ++c) {
      if (heights_[c] < rules_->rows) out->push_back((rules_->rows - 1 - heights_[c]) * cols + c);
    }
    std::sort(out->begin(), out->end());
    return;
  }
  for (int cell = 0; cell < game().num_cells(); ++cell) {
    if (cells_[cell] < 0) out->push_back(cell);
  }
}

bool LineState::is_legal(Action action) const {
  if (is_terminal() || !on_board_empty(action)) return false;
  if (!rules_->gravity) return true;
  int c = action % rules_->cols;
  return action / rules_->cols == rules_->rows - 1 - heights_[c];
}

bool LineState::wins_at(int cell, int player) const {
  const int r = cell / rules_->cols, c = cell % rules_->cols;
  static constexpr int kDirs[4][2] = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
  for (const auto& d : kDirs) {
    int n = line_length(r, c, d[0], d[1], player);
    if (rules_->exact ? n == rules_->k : n >= rules_->k) return true;
  }
  return false;
}

bool LineState::do_apply_action(Action action) {
  if (!is_legal(action)) return false;
  place(action, to_move_);
  if (rules_->gravity) ++heights_[action % rules_->cols];
  ++filled_;
  if (wins_at(action, to_move_)) winner_ = to_move_;
  to_move_ = 1 - to_move_;
  return true;
}

void LineState::do_undo_action(Action action) {
  remove(action);
  if (rules_->gravity) --heights_[action % rules_->cols];
  --filled_;
  winner_ = -1;
  to_move_ = 1 - to_move_;
}

std::array<double, kNumPlayers> LineState::returns() const {
  if (winner_ < 0) return {0, 0};
  return winner_ == 0 ? std::array<double, 2>{1, -1} : std::array<double, 2>{-1, 1};
}

Action LineState::sample_playout_action(Rng& rng) const {
  if (rules_->gravity) return State::sample_playout_action(rng);
  // Rejection sampling over cells: cheap while the board is not nearly full.
  const int n = game().num_cells();
  for (int tries = 0; tries < 8; ++tries) {
    int cell = static_cast<int>(rng.below(n));
    if (cells_[cell] < 0) return cell;
  }
  int k = static_cast<int>(rng.below(n - filled_));
  for (int cell = 0; cell < n; ++cell) {
    if (cells_[cell] < 0 && k-- == 0) return cell;
  }
  return game().pass_action();  // unreachable while not terminal
}

void LineState::fill_game_planes(float* planes, int height, int width) const {
  if (is_terminal()) return;
  const size_t plane = static_cast<size_t>(height) * width;
  const int cols = rules_->cols;
  for (int cell = 0; cell < game().num_cells(); ++cell) {
    if (!is_legal(cell)) continue;
    for (int who = 0; who < 2; ++who) {
      int player = who == 0 ? to_move_ : 1 - to_move_;
      if (wins_at(cell, player)) planes[who * plane + (cell / cols) * width + cell % cols] = 1;
    }
  }
}

namespace {

std::shared_ptr<const Game> make_line_game(const std::string& name, LineGameRules rules,
                                           std::vector<std::pair<std::string, std::string>> opts,
                                           uint64_t salt, const GameTraits* traits) {
  return std::make_shared<LineGame>(name, Spec::format(name, opts), rules, salt, traits);
}

// Game plane 0: the mover completes a line here; plane 1: the opponent would.
GameTraits line_game_traits(std::string bench_spec) {
  return GameTraits{.has_pass = false,
                    .scores_ownership = false,
                    .plane_tags = {"mover_gain", "opponent_threat"},
                    .reference_engines = {},
                    .bench_specs = {std::move(bench_spec)}};
}

}  // namespace

GameInfo tictactoe_game_info() {
  return {"tictactoe", "Tic-tac-toe: three in a row on 3x3", "(no options)", [](const Spec& spec) {
            static const GameTraits traits = line_game_traits("tictactoe");
            return make_line_game("tictactoe", LineGameRules{.rows = 3, .cols = 3, .k = 3}, {},
                                  0x7177, &traits);
          }};
}

GameInfo gomoku_game_info() {
  return {"gomoku", "Gomoku: five in a row (freestyle: five or more)",
          "size=15 (5..19), exact=false (only exactly five wins)", [](const Spec& spec) {
            int size = spec.get_int("size", 15, 5, kMaxBoardSide);
            bool exact = spec.get_bool("exact", false);
            LineGameRules rules{.rows = size, .cols = size, .k = 5, .exact = exact};
            static const GameTraits traits = line_game_traits("gomoku(size=15)");
            return make_line_game(
                "gomoku", rules,
                {{"size", std::to_string(size)}, {"exact", exact ? "true" : "false"}}, 0x90c0,
                &traits);
          }};
}

GameInfo connect_four_game_info() {
  return {"connect_four", "Connect Four: discs drop to the lowest free cell; four in a row",
          "rows=6 (4..19), cols=7 (4..19), connect=4 (3..rows/cols)", [](const Spec& spec) {
            int rows = spec.get_int("rows", 6, 4, kMaxBoardSide);
            int cols = spec.get_int("cols", 7, 4, kMaxBoardSide);
            int k = spec.get_int("connect", 4, 3, std::max(rows, cols));
            LineGameRules rules{.rows = rows, .cols = cols, .k = k, .gravity = true};
            static const GameTraits traits = line_game_traits("connect_four");
            return make_line_game("connect_four", rules,
                                  {{"cols", std::to_string(cols)},
                                   {"connect", std::to_string(k)},
                                   {"rows", std::to_string(rows)}},
                                  0xc4c4, &traits);
          }};
}

}  // namespace tenuki
