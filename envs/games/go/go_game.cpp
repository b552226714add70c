#include "envs/games/go/go_game.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "envs/games/go/ladder.h"

namespace tenuki {
namespace go {

namespace {

std::string format_double(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

std::string format_score(double v) {
  // Scores are multiples of 0.5 in practice; print them without trailing zeros.
  return format_double(v);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// GoGame

GoGame::GoGame(const GoOptions& options)
    : Game(options.atari_go ? "atari_go" : "go", options.rows, options.cols), options_(options) {
  if (options.rows < 2 || options.cols < 2 || options.rows > go::kMaxSide ||
      options.cols > go::kMaxSide) {
    throw std::invalid_argument("go: board sides must lie in 2..19");
  }
  if (options_.max_moves == 0) options_.max_moves = 3 * options.rows * options.cols;
  if (options_.max_moves < 1) throw std::invalid_argument("go: max_moves must be >= 1");
  if (options_.atari_go) options_.komi = 0;
}

std::shared_ptr<const GoGame> GoGame::from_spec(const Spec& spec, bool atari_go) {
  GoOptions o;
  o.atari_go = atari_go;
  int size = spec.get_int("size", atari_go ? 9 : 19, 2, go::kMaxSide);
  o.rows = spec.get_int("rows", size, 2, go::kMaxSide);
  o.cols = spec.get_int("cols", size, 2, go::kMaxSide);
  o.komi = atari_go ? 0.0 : spec.get_double("komi", 7.5, -1000, 1000);
  o.positional_superko =
      spec.get_choice("ko", "positional", {"positional", "simple"}) == "positional";
  o.allow_suicide = spec.get_bool("suicide", false);
  o.max_moves = spec.get_int("max_moves", 3 * o.rows * o.cols, 1, 1000000);
  o.ladder_plane = spec.get_bool("ladders", false);
  return std::make_shared<const GoGame>(o);
}

std::string GoGame::spec() const {
  std::vector<std::pair<std::string, std::string>> opts;  // keys in sorted order
  bool square = rows() == cols();
  if (!square) opts.emplace_back("cols", std::to_string(cols()));
  opts.emplace_back("ko", options_.positional_superko ? "positional" : "simple");
  if (!options_.atari_go) opts.emplace_back("komi", format_double(options_.komi));
  // Only when on, so that the specs of games without the plane (and their checkpoints) stay
  // as they were.
  if (options_.ladder_plane) opts.emplace_back("ladders", "true");
  opts.emplace_back("max_moves", std::to_string(options_.max_moves));
  if (!square) opts.emplace_back("rows", std::to_string(rows()));
  if (square) opts.emplace_back("size", std::to_string(rows()));
  opts.emplace_back("suicide", options_.allow_suicide ? "true" : "false");
  return Spec::format(name(), opts);
}

std::vector<int> GoGame::symmetries() const {
  if (rows() == cols()) return {0, 1, 2, 3, 4, 5, 6, 7};
  return {0, 1, 2, 3};
}

std::unique_ptr<State> GoGame::new_initial_state() const { return new_go_state(); }

std::unique_ptr<GoState> GoGame::new_go_state() const {
  return std::make_unique<GoState>(std::static_pointer_cast<const GoGame>(shared_from_this()));
}

std::string GoGame::player_name(int player) const { return player == 0 ? "black" : "white"; }

// ---------------------------------------------------------------------------------------------
// PositionSet

bool PositionSet::contains(uint64_t key) const {
  if (slots_.empty()) return false;
  key = fix(key);
  size_t mask = slots_.size() - 1;
  for (size_t i = key & mask;; i = (i + 1) & mask) {
    if (slots_[i] == key) return true;
    if (slots_[i] == 0) return false;
  }
}

void PositionSet::insert(uint64_t key) {
  if (2 * (count_ + 1) > static_cast<int>(slots_.size())) grow();
  key = fix(key);
  size_t mask = slots_.size() - 1;
  size_t i = key & mask;
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    if (slots_[i] == key) return;
  }
  slots_[i] = key;
  ++count_;
}

void PositionSet::erase(uint64_t key) {
  if (slots_.empty()) return;
  key = fix(key);
  size_t mask = slots_.size() - 1;
  size_t i = key & mask;
  while (slots_[i] != key) {
    if (slots_[i] == 0) return;
    i = (i + 1) & mask;
  }
  // Backward-shift deletion: move later entries of the probe run into the hole when their home
  // slot does not lie cyclically in (hole, j].
  size_t hole = i;
  for (size_t j = (hole + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
    size_t home = slots_[j] & mask;
    bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = 0;
  --count_;
}

void PositionSet::reserve(int n) {
  size_t want = 64;
  while (want < 2 * static_cast<size_t>(n)) want *= 2;
  if (want <= slots_.size()) return;
  std::vector<uint64_t> old;
  old.swap(slots_);
  slots_.assign(want, 0);
  count_ = 0;
  for (uint64_t k : old) {
    if (k != 0) insert(k);
  }
}

void PositionSet::grow() {
  std::vector<uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
  count_ = 0;
  for (uint64_t k : old) {
    if (k != 0) insert(k);
  }
}

// ---------------------------------------------------------------------------------------------
// GoState

GoState::GoState(std::shared_ptr<const GoGame> game)
    : GoState(game, go::Board(game->rows(), game->cols()), 0) {}

GoState::GoState(std::shared_ptr<const GoGame> game, const go::Board& setup, int player_to_move)
    : State(game),
      go_game_(game.get()),
      positional_superko_(game->positional_superko()),
      allow_suicide_(game->allow_suicide()),
      max_moves_(game->max_moves()),
      initial_board_(std::make_shared<const go::Board>(setup)),
      initial_player_(player_to_move),
      board_(setup),
      to_move_(player_to_move) {
  if (setup.rows() != game->rows() || setup.cols() != game->cols()) {
    throw std::invalid_argument("GoState: setup board size differs from the game's");
  }
  if (player_to_move != 0 && player_to_move != 1) {
    throw std::invalid_argument("GoState: player to move must be 0 or 1");
  }
  if (positional_superko_) {
    // Room for most games without growing (a random 9x9 game has ~110 positions, at most 244).
    seen_positions_.reserve(2 * game->num_cells() + 1);
    remember_position();
  }
}

namespace {
std::shared_ptr<const GoGame> as_go_game(const std::shared_ptr<const Game>& game) {
  auto go_game = std::dynamic_pointer_cast<const GoGame>(game);
  if (!go_game) throw std::invalid_argument("not a Go game: " + (game ? game->spec() : "null"));
  return go_game;
}
}  // namespace

std::unique_ptr<GoState> GoState::from_ascii(const std::shared_ptr<const Game>& game,
                                             std::string_view ascii, int player_to_move) {
  auto go_game = as_go_game(game);
  return std::make_unique<GoState>(
      go_game, go::Board::parse(go_game->rows(), go_game->cols(), ascii), player_to_move);
}

std::unique_ptr<GoState> GoState::from_setup(const std::shared_ptr<const Game>& game,
                                             const std::vector<int>& black_cells,
                                             const std::vector<int>& white_cells,
                                             int player_to_move) {
  auto go_game = as_go_game(game);
  go::Board board(go_game->rows(), go_game->cols());
  for (int pass = 0; pass < 2; ++pass) {
    for (int cell : pass == 0 ? black_cells : white_cells) {
      if (cell < 0 || cell >= go_game->num_cells()) {
        throw std::invalid_argument("setup stone outside the board: cell " + std::to_string(cell));
      }
      go::Loc l = board.loc_of_cell(cell);
      if (board.color(l) != go::kEmpty) {
        throw std::invalid_argument("setup stone placed twice on " +
                                    go_game->action_to_string(cell));
      }
      board.place_setup_stone(l, pass == 0 ? go::kBlack : go::kWhite);
    }
  }
  for (int cell = 0; cell < go_game->num_cells(); ++cell) {
    go::Loc l = board.loc_of_cell(cell);
    if (board.color(l) != go::kEmpty && board.liberties(l) == 0) {
      throw std::invalid_argument("setup chain without liberties at " +
                                  go_game->action_to_string(cell));
    }
  }
  return std::make_unique<GoState>(go_game, board, player_to_move);
}

inline bool GoState::is_legal_placement(go::Loc l, go::Color c) const {
  if (board_.color(l) != go::kEmpty || l == ko_loc_) return false;
  // A non-suicidal placement leaves a c stone at l, and no earlier position had one there unless
  // it was removed since (go::Board::has_lost_stone): only then can it repeat a position. Whether
  // the move captures matters only for suicide (impossible next to an empty point) and for that
  // superko test.
  const bool superko = positional_superko_;
  const bool lost_stone = superko && board_.has_lost_stone(l, c);
  bool captures = false, suicide = false;
  if (board_.neighbour_count(l, go::kEmpty) == 0) {
    suicide = board_.is_surrounded_suicide(l, c, &captures);
    if (suicide && !allow_suicide_) return false;
  } else if (lost_stone) {
    captures = board_.would_capture(l, c);
  }
  if (suicide) return !superko || !seen_positions_.contains(board_.hash_after(l, c));
  if (!lost_stone) return true;
  if (captures) return !seen_positions_.contains(board_.hash_after(l, c));
  // A plain placement adds a stone; no earlier position had that many stones.
  int stones_after = board_.num_stones(go::kBlack) + board_.num_stones(go::kWhite) + 1;
  if (stones_after > max_seen_stones_) return true;
  return !seen_positions_.contains(board_.hash() ^ go::zobrist().stone[c][l]);
}

void GoState::remember_position() {
  seen_positions_.insert(board_.hash());
  max_seen_stones_ =
      std::max(max_seen_stones_, board_.num_stones(go::kBlack) + board_.num_stones(go::kWhite));
}

bool GoState::is_legal(Action action) const {
  if (action < 0 || action > game().num_cells() || is_terminal()) return false;
  if (action == game().pass_action()) return true;
  return is_legal_placement(board_.loc_of_cell(action), go::color_of_player(to_move_));
}

void GoState::legal_actions(std::vector<Action>* out) const {
  out->clear();
  if (is_terminal()) return;
  const go::Color c = go::color_of_player(to_move_);
  const int n = game().num_cells();
  for (int cell = 0; cell < n; ++cell) {
    if (is_legal_placement(board_.loc_of_cell(cell), c)) out->push_back(cell);
  }
  out->push_back(game().pass_action());
}

bool GoState::is_terminal() const {
  return capture_winner_ >= 0 || consecutive_passes_ >= 2 || move_number() >= max_moves_;
}

std::array<double, kNumPlayers> GoState::returns() const {
  if (!is_terminal()) return {0.0, 0.0};
  std::array<double, kNumPlayers> out;
  returns_if_ended_now(&out);
  return out;
}

bool GoState::returns_if_ended_now(std::array<double, kNumPlayers>* returns) const {
  double black;
  if (go_game_->atari_go()) {
    black = capture_winner_ < 0 ? 0.0 : capture_winner_ == 0 ? 1.0 : -1.0;
  } else {
    double margin = area_score_black_minus_white() - go_game_->komi();
    black = margin > 0 ? 1.0 : margin < 0 ? -1.0 : 0.0;
  }
  *returns = {black, -black};
  return true;
}

std::string GoState::result_string() const {
  if (!is_terminal()) return "";
  if (go_game_->atari_go()) {
    return capture_winner_ < 0 ? "0" : capture_winner_ == 0 ? "B+" : "W+";
  }
  double margin = area_score_black_minus_white() - go_game_->komi();
  if (margin == 0) return "0";
  return margin > 0 ? "B+" + format_score(margin) : "W+" + format_score(-margin);
}

std::unique_ptr<State> GoState::clone() const { return std::unique_ptr<State>(new GoState(*this)); }

uint64_t GoState::hash() const {
  const auto& z = go::zobrist();
  uint64_t h = board_.hash();
  if (to_move_ == 1) h ^= z.white_to_move;
  if (ko_loc_ != go::kNullLoc) h ^= z.ko[ko_loc_];
  if (consecutive_passes_ > 0) h ^= z.passes[std::min(consecutive_passes_, 2)];
  return h;
}

int GoState::cell_owner(int cell) const {
  go::Color c = board_.color(board_.loc_of_cell(cell));
  return c == go::kBlack ? 0 : c == go::kWhite ? 1 : -1;
}

std::vector<int> GoState::scoring_owners() const {
  if (go_game_->atari_go()) return State::scoring_owners();
  std::array<uint8_t, go::kMaxLocs> area;
  board_.area_owners(&area);
  std::vector<int> owners(static_cast<size_t>(go_game_->num_cells()));
  for (int cell = 0; cell < go_game_->num_cells(); ++cell) {
    const uint8_t c = area[board_.loc_of_cell(cell)];
    owners[cell] = c == go::kBlack ? 0 : c == go::kWhite ? 1 : -1;
  }
  return owners;
}

int GoState::ko_cell() const { return ko_loc_ == go::kNullLoc ? -1 : board_.cell_of_loc(ko_loc_); }

bool GoState::only_pass_is_sensible() const {
  const go::Color c = go::color_of_player(to_move_);
  const int16_t* empties = board_.empty_locs();
  for (int i = 0; i < board_.num_empty(); ++i) {
    if (!board_.is_eye_like(empties[i], c) && is_legal_placement(empties[i], c)) return false;
  }
  return true;
}

Action GoState::sample_playout_action(Rng& rng) const {
  const go::Color c = go::color_of_player(to_move_);
  int k = board_.num_empty();
  if (k == 0) return game().pass_action();
  // Partial Fisher-Yates over the empty points; the first draw reads the board's list directly
  // (it usually succeeds), the copy is made only once a point is rejected.
  const int16_t* empties = board_.empty_locs();
  int first = static_cast<int>(rng.below(static_cast<uint32_t>(k)));
  go::Loc first_loc = empties[first];
  if (!board_.is_eye_like(first_loc, c) && is_legal_placement(first_loc, c)) {
    verified_action_ = board_.cell_of_loc(first_loc);
    return verified_action_;
  }
  int16_t candidates[go::kMaxCells];
  std::memcpy(candidates, empties, sizeof(int16_t) * k);
  candidates[first] = candidates[--k];
  while (k > 0) {
    int i = static_cast<int>(rng.below(static_cast<uint32_t>(k)));
    go::Loc l = candidates[i];
    if (!board_.is_eye_like(l, c) && is_legal_placement(l, c)) {
      verified_action_ = board_.cell_of_loc(l);
      return verified_action_;
    }
    candidates[i] = candidates[--k];
  }
  return game().pass_action();
}

void GoState::fill_game_planes(float* planes, int height, int width) const {
  const int rows = game().rows(), cols = game().cols();
  const size_t plane = static_cast<size_t>(height) * width;
  auto at = [&](int p, int r, int c) -> float& { return planes[p * plane + r * width + c]; };
  const go::Color own = go::color_of_player(to_move_);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      go::Loc l = board_.loc(r, c);
      go::Color col = board_.color(l);
      if (col == go::kEmpty) continue;
      int libs = board_.in_atari(l) ? 1 : board_.liberties(l);
      if (libs <= 2) at((libs - 1) * 2 + (col == own ? 0 : 1), r, c) = 1.0f;
    }
  }
  if (go_game_->ladder_plane()) {
    thread_local go::LadderReader ladders;
    std::array<uint8_t, go::kMaxLocs> laddered;
    ladders.mark_laddered_stones(board_, &laddered);
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        if (laddered[board_.loc(r, c)]) at(6, r, c) = 1.0f;
      }
    }
  }
  float komi_plane = static_cast<float>(go_game_->komi() / 15.0) * (to_move_ == 1 ? 1.0f : -1.0f);
  bool terminal = is_terminal();
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      at(4, r, c) = komi_plane;
      go::Loc l = board_.loc(r, c);
      if (!terminal && board_.color(l) == go::kEmpty && !is_legal_placement(l, own)) {
        at(5, r, c) = 1.0f;
      }
    }
  }
}

void GoState::play_unchecked(Action action) {
  verified_action_ = -1;
  const int player = to_move_;
  if (action == game().pass_action()) {
    ++consecutive_passes_;
    ko_loc_ = go::kNullLoc;
  } else {
    go::MoveResult result = board_.play(board_.loc_of_cell(action), go::color_of_player(player));
    captures_[player] += result.captured;
    captures_[1 - player] += result.suicided;
    ko_loc_ = result.ko_loc;
    consecutive_passes_ = 0;
    if (positional_superko_) remember_position();
    if (go_game_->atari_go() && capture_winner_ < 0) {
      if (result.captured > 0) {
        capture_winner_ = player;
      } else if (result.suicided > 0) {
        capture_winner_ = 1 - player;
      }
    }
  }
  to_move_ = 1 - player;
}

bool GoState::do_apply_action(Action action) {
  // sample_playout_action() has just checked this action on this very position.
  bool verified = action == verified_action_ && !is_terminal();
  if (!verified && !is_legal(action)) return false;
  play_unchecked(action);
  return true;
}

void GoState::do_undo_action(Action action) {
  verified_action_ = -1;
  if (positional_superko_ && action != game().pass_action()) {
    seen_positions_.erase(board_.hash());
  }
  board_ = *initial_board_;
  to_move_ = initial_player_;
  consecutive_passes_ = 0;
  ko_loc_ = go::kNullLoc;
  captures_[0] = captures_[1] = 0;
  capture_winner_ = -1;
  max_seen_stones_ = 0;
  if (positional_superko_) remember_position();
  // Replaying re-inserts hashes that are already in the set; PositionSet::insert ignores them.
  for (Action a : history()) play_unchecked(a);
}

}  // namespace go

// ---------------------------------------------------------------------------------------------
// Traits and registry entries

namespace {
// Own chains in atari are what the opponent can capture; opponent chains in atari are what the
// mover can capture.
const std::vector<std::string> kGoPlaneTags = {
    "opponent_threat",        "mover_gain", "own_two_liberties",
    "opponent_two_liberties", "komi",       "forbidden"};
std::vector<std::string> with_ladder_tag(std::vector<std::string> tags) {
  tags.push_back("laddered");
  return tags;
}

GameTraits go_traits(bool ladders) {
  return {.has_pass = true,
          .scores_ownership = true,
          .plane_tags = ladders ? with_ladder_tag(kGoPlaneTags) : kGoPlaneTags,
          .reference_engines = {{"gnugo", "--mode gtp --level 1 --chinese-rules --capture-all-dead",
                                 ""}},
          .bench_specs = {"go(size=9)", "go(size=19)"}};
}

GameTraits atari_go_traits(bool ladders) {
  return {.has_pass = true,
          .scores_ownership = false,
          .plane_tags = ladders ? with_ladder_tag(kGoPlaneTags) : kGoPlaneTags,
          .reference_engines = {},
          .bench_specs = {"atari_go(size=9)"}};
}
}  // namespace

const GameTraits& go::GoGame::traits() const {
  static const GameTraits by_family[2][2] = {{go_traits(false), go_traits(true)},
                                             {atari_go_traits(false), atari_go_traits(true)}};
  return by_family[options_.atari_go ? 1 : 0][options_.ladder_plane ? 1 : 0];
}

GameInfo go_game_info() {
  return GameInfo{
      "go",
      "Go with area (Tromp-Taylor) scoring, komi, positional superko or simple ko",
      "size=19 (2..19) rows=size cols=size komi=7.5 (-1000..1000) ko=positional|simple "
      "suicide=false max_moves=3*rows*cols ladders=false (true: ladder input plane)",
      [](const Spec& spec) -> std::shared_ptr<const Game> {
        return go::GoGame::from_spec(spec, false);
      },
  };
}

GameInfo atari_go_game_info() {
  return GameInfo{
      "atari_go",
      "Atari Go (capture Go): the first capture wins; no capture by the end is a draw",
      "size=9 (2..19) rows=size cols=size ko=positional|simple suicide=false "
      "max_moves=3*rows*cols ladders=false (true: ladder input plane)",
      [](const Spec& spec) -> std::shared_ptr<const Game> {
        return go::GoGame::from_spec(spec, true);
      },
  };
}

}  // namespace tenuki
