// One conformance test run on every game (after OpenSpiel's RandomSimTest): random games checking
// legality, apply/undo, clone, hashes, terminal returns, the encoding and the symmetry maps.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "envs/encoding.h"
#include "envs/registry.h"

using namespace tenuki;

namespace {

struct Snapshot {
  uint64_t hash;
  std::string text;
  std::vector<Action> legal;
  std::vector<Action> history;
  bool terminal;
  int player;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const State& s) {
  return {s.hash(),    s.to_string(),   s.legal_actions(),
          s.history(), s.is_terminal(), s.is_terminal() ? -1 : s.current_player()};
}

void check_encoding(const State& state) {
  const Game& game = state.game();
  // Encode into a tensor larger than the board: the padding must stay zero.
  const int h = game.rows() + 2, w = game.cols() + 3;
  const size_t plane = static_cast<size_t>(h) * w;
  std::vector<float> planes(encoding::kNumChannels * plane, -7.0f);
  encoding::encode(state, h, w, planes.data());
  std::set<Action> legal;
  if (!state.is_terminal()) {
    for (Action a : state.legal_actions()) legal.insert(a);
  }
  // A game without pass (its traits) never offers it.
  if (!game.traits().has_pass) REQUIRE(legal.count(game.pass_action()) == 0);
  // Game planes without a tag in the traits stay empty.
  const std::vector<std::string> tags = encoding::game_plane_tags(game);
  for (int g = 0; g < encoding::kNumGamePlanes; ++g) {
    if (!tags[g].empty()) continue;
    const float* p = planes.data() + (encoding::kGamePlanes + g) * plane;
    REQUIRE(std::all_of(p, p + plane, [](float v) { return v == 0; }));
  }
  // Every stone counts for its owner when the position is scored.
  const std::vector<int> scoring = state.scoring_owners();
  REQUIRE(scoring.size() == static_cast<size_t>(game.num_cells()));
  for (int cell = 0; cell < game.num_cells(); ++cell) {
    REQUIRE(scoring[cell] >= -1);
    REQUIRE(scoring[cell] <= 1);
    if (state.cell_owner(cell) >= 0) REQUIRE(scoring[cell] == state.cell_owner(cell));
  }
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      size_t at = static_cast<size_t>(r) * w + c;
      bool on = r < game.rows() && c < game.cols();
      if (!on) {
        for (int ch = 0; ch < encoding::kNumChannels; ++ch) REQUIRE(planes[ch * plane + at] == 0);
        continue;
      }
      int cell = r * game.cols() + c;
      REQUIRE(planes[encoding::kOnBoard * plane + at] == 1);
      float own = planes[encoding::kOwnStones * plane + at];
      float opp = planes[encoding::kOpponentStones * plane + at];
      float empty = planes[encoding::kEmpty * plane + at];
      REQUIRE(own + opp + empty == 1);
      REQUIRE((empty == 1) == (state.cell_owner(cell) < 0));
      REQUIRE((planes[encoding::kLegalMoves * plane + at] == 1) == (legal.count(cell) == 1));
      if (!state.is_terminal()) {
        REQUIRE((own == 1) == (state.cell_owner(cell) == state.current_player()));
        REQUIRE(planes[encoding::kFirstPlayerToMove * plane + at] ==
                (state.current_player() == 0 ? 1.0f : 0.0f));
      }
    }
  }
  if (!state.history().empty() && state.history().back() != game.pass_action()) {
    Action last = state.history().back();
    REQUIRE(planes[encoding::kLastMove * plane + (last / game.cols()) * w + last % game.cols()] ==
            1);
  }
}

// Plays a random game and checks every invariant at every step.
void random_game(const Game& game, Rng& rng, bool playout_policy) {
  auto state = game.new_initial_state();
  REQUIRE_FALSE(state->is_terminal());
  REQUIRE(state->current_player() == 0);
  std::set<uint64_t> hashes_seen;
  while (true) {
    Snapshot before = snapshot(*state);
    check_encoding(*state);
    auto ret = state->returns();
    if (state->is_terminal()) {
      REQUIRE(before.legal.empty());
      REQUIRE(ret[0] + ret[1] == 0);
      REQUIRE((ret[0] == 1 || ret[0] == 0 || ret[0] == -1));
      REQUIRE(state->move_number() <= game.max_game_length());
      for (Action a = 0; a < game.num_actions(); ++a) REQUIRE_FALSE(state->is_legal(a));
      REQUIRE_THROWS_AS(state->apply_action(0), std::invalid_argument);
      break;
    }
    REQUIRE(ret[0] == 0);
    REQUIRE(ret[1] == 0);
    REQUIRE_FALSE(before.legal.empty());
    REQUIRE(std::is_sorted(before.legal.begin(), before.legal.end()));
    REQUIRE(std::adjacent_find(before.legal.begin(), before.legal.end()) == before.legal.end());
    std::vector<Action> illegal;
    for (Action a = 0; a < game.num_actions(); ++a) {
      bool listed = std::binary_search(before.legal.begin(), before.legal.end(), a);
      REQUIRE(state->is_legal(a) == listed);
      if (!listed) illegal.push_back(a);
    }
    REQUIRE_FALSE(state->is_legal(-1));
    REQUIRE_FALSE(state->is_legal(game.num_actions()));
    // A few illegal actions are refused without changing anything.
    for (int i = 0; i < 3 && !illegal.empty(); ++i) {
      Action a = illegal[rng.below(static_cast<uint32_t>(illegal.size()))];
      REQUIRE_THROWS_AS(state->apply_action(a), std::invalid_argument);
      REQUIRE(snapshot(*state) == before);
    }
    Action action = playout_policy
                        ? state->sample_playout_action(rng)
                        : before.legal[rng.below(static_cast<uint32_t>(before.legal.size()))];
    REQUIRE(state->is_legal(action));
    auto copy = state->clone();
    // Apply and undo restore everything; a clone is independent of its original.
    state->apply_action(action);
    REQUIRE(state->move_number() == static_cast<int>(before.history.size()) + 1);
    REQUIRE(state->hash() != before.hash);
    REQUIRE(snapshot(*copy) == before);
    state->undo_action();
    REQUIRE(snapshot(*state) == before);
    state->apply_action(action);
    copy->apply_action(action);
    REQUIRE(snapshot(*copy) == snapshot(*state));
  }
}

// Plays a game and its image under symmetry s side by side: legality, encodings and results must
// correspond. Only meaningful for symmetries that fix the initial position.
void symmetric_game(const Game& game, int s, Rng& rng) {
  auto a = game.new_initial_state();
  auto b = game.new_initial_state();
  const int rows = game.rows(), cols = game.cols();
  std::vector<float> mapped(encoding::kNumChannels * game.num_cells());
  while (!a->is_terminal()) {
    auto ea = encoding::encode(*a);
    encoding::map_planes(s, rows, cols, rows, cols, ea.data(), mapped.data());
    REQUIRE(encoding::encode(*b) == mapped);
    auto legal = a->legal_actions();
    for (Action x : legal) REQUIRE(b->is_legal(game.map_action(s, x)));
    REQUIRE(b->legal_actions().size() == legal.size());
    Action x = legal[rng.below(static_cast<uint32_t>(legal.size()))];
    a->apply_action(x);
    b->apply_action(game.map_action(s, x));
  }
  REQUIRE(b->is_terminal());
  REQUIRE(a->returns() == b->returns());
}

bool fixes_initial_state(const Game& game, int s) {
  auto state = game.new_initial_state();
  auto e = encoding::encode(*state);
  std::vector<float> mapped(e.size());
  encoding::map_planes(s, game.rows(), game.cols(), game.rows(), game.cols(), e.data(),
                       mapped.data());
  return mapped == e;
}

// The traits: one object per family, known plane tags, bench specs of this family.
void check_traits(const Game& game) {
  const GameTraits& traits = game.traits();
  REQUIRE(&traits == &make_game(game.spec())->traits());
  REQUIRE(traits.plane_tags.size() <= static_cast<size_t>(encoding::kNumGamePlanes));
  std::set<std::string> known;
  for (const auto& t : encoding::plane_tags()) known.insert(t.tag);
  for (const auto& tag : traits.plane_tags) {
    if (!tag.empty()) REQUIRE(known.count(tag) == 1);
  }
  REQUIRE_FALSE(traits.bench_specs.empty());
  for (const auto& bench : traits.bench_specs) REQUIRE(make_game(bench)->name() == game.name());
  for (const auto& engine : traits.reference_engines) REQUIRE_FALSE(engine.program.empty());
}

void check_game_conformance(const std::string& spec, int games) {
  auto game = make_game(spec);
  INFO("game " << game->spec());
  check_traits(*game);
  // The canonical spec rebuilds the same game.
  REQUIRE(make_game(game->spec())->spec() == game->spec());
  REQUIRE(game->num_actions() == game->num_cells() + 1);
  // Symmetry maps are permutations whose inverses undo them.
  auto syms = game->symmetries();
  REQUIRE(syms.front() == symmetry::kIdentity);
  for (int s : syms) {
    std::set<Action> image;
    for (Action a = 0; a < game->num_actions(); ++a) {
      Action m = game->map_action(s, a);
      REQUIRE(m >= 0);
      REQUIRE(m < game->num_actions());
      image.insert(m);
      REQUIRE(game->map_action(symmetry::inverse(s), m) == a);
    }
    REQUIRE(static_cast<int>(image.size()) == game->num_actions());
  }
  Rng rng(std::hash<std::string>()(spec));
  for (int i = 0; i < games; ++i) random_game(*game, rng, i % 2 == 1);
  int checked = 0;
  for (int s : syms) {
    if (!fixes_initial_state(*game, s)) continue;
    ++checked;
    for (int i = 0; i < std::max(1, games / 4); ++i) symmetric_game(*game, s, rng);
  }
  REQUIRE(checked >= 2);
}

}  // namespace

TEST_CASE("symmetry inverses compose to the identity", "[conformance]") {
  for (int s = 0; s < 8; ++s) {
    for (int r = 0; r < 5; ++r) {
      for (int c = 0; c < 5; ++c) {
        int r1, c1, r2, c2;
        symmetry::map_cell(s, 5, 5, r, c, &r1, &c1);
        symmetry::map_cell(symmetry::inverse(s), 5, 5, r1, c1, &r2, &c2);
        REQUIRE(r2 == r);
        REQUIRE(c2 == c);
      }
    }
  }
}

TEST_CASE("conformance: tictactoe", "[conformance]") { check_game_conformance("tictactoe", 60); }
TEST_CASE("conformance: connect_four", "[conformance]") {
  check_game_conformance("connect_four", 30);
  check_game_conformance("connect_four(rows=5,cols=4,connect=3)", 20);
}
TEST_CASE("conformance: gomoku", "[conformance]") {
  check_game_conformance("gomoku(size=9)", 8);
  check_game_conformance("gomoku(size=7,exact=true)", 8);
}
TEST_CASE("conformance: othello", "[conformance]") {
  check_game_conformance("othello(size=6)", 10);
  check_game_conformance("othello", 6);
}
TEST_CASE("conformance: hex", "[conformance]") {
  check_game_conformance("hex(size=5)", 20);
  check_game_conformance("hex(size=4,swap=true)", 20);
}
TEST_CASE("conformance: go", "[conformance]") {
  check_game_conformance("go(size=5)", 10);
  check_game_conformance("go(size=7,ko=simple)", 6);
  check_game_conformance("go(size=5,suicide=true)", 6);
  check_game_conformance("go(rows=4,cols=6)", 6);
  check_game_conformance("go(size=2)", 20);
  check_game_conformance("go(size=7,ladders=true)", 6);
}
TEST_CASE("conformance: atari_go", "[conformance]") {
  check_game_conformance("atari_go(size=7)", 10);
  check_game_conformance("atari_go(size=6,ladders=true)", 6);
}
TEST_CASE("conformance: larger boards", "[conformance][slow]") {
  check_game_conformance("go(size=9)", 10);
  check_game_conformance("go(size=19)", 2);
  check_game_conformance("go(size=19,ladders=true)", 2);
  check_game_conformance("gomoku(size=15)", 6);
  check_game_conformance("othello(size=10)", 4);
  check_game_conformance("hex(size=11)", 6);
}
