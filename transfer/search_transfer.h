#pragma once
// Search transfer: which search settings a transferred network plays and trains with on the
// target game. A checkpoint records the self-play search it was trained with
// (CheckpointMeta::search, search_max_moves). Modes (transfer/plan.h SearchMode):
// - source: reuse them unchanged (except the seed, which is the target run's);
// - scaled: reuse what does not depend on the game and adapt what does, from random-play
//   profiles of both games: the self-play move cap and the temperature moves scale with the
//   typical game length; the Dirichlet noise keeps its total concentration, so that alpha =
//   total / legal moves follows the target's number of legal moves as in AlphaZero
//   (alpha ~ 10 / typical legal moves);
// - target: ignore them.
// With no recorded source settings every mode falls back to the target's, and says so.
// No LibTorch. Thread-safe (no shared state).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agents/search/search_config.h"
#include "envs/game.h"
#include "transfer/plan.h"

namespace tenuki::transfer {

// Statistics of a game under its random playout policy (State::sample_playout_action).
struct GameProfile {
  double mean_legal_moves = 0;  // legal actions per non-terminal position, averaged
  double mean_length = 0;       // actions per game, averaged
  int max_length = 0;           // Game::max_game_length()
};
// Plays `games` random games (deterministic for a seed).
GameProfile profile_game(const Game& game, int games = 64, uint64_t seed = 1);

// One search setting of the result and where its value came from.
struct SearchSetting {
  std::string key;
  nlohmann::json value;
  std::string origin;  // source | scaled | target | target (no source settings)
  std::string why;
};

struct SearchTransfer {
  SearchConfig search;
  int max_moves = 0;                    // self-play move cap (0 = none)
  std::vector<SearchSetting> settings;  // every SearchConfig key, then "max_moves"
  nlohmann::json to_json() const;
};

// `source` / `source_max_moves`: the source checkpoint's settings (nullopt when it has none);
// `source_game` may be null when the checkpoint names no game (scaled then acts like source).
// `target` / `target_max_moves`: what the target would use without transfer.
SearchTransfer transfer_search(SearchMode mode, const std::optional<SearchConfig>& source,
                               int source_max_moves, const Game* source_game,
                               const SearchConfig& target, int target_max_moves,
                               const Game& target_game);

}  // namespace tenuki::transfer
