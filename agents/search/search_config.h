#pragma once
// The one typed config of the game-agnostic search. Read from JSON (unknown keys rejected, ranges
// checked) or from agent spec options (same names), so settings tuned on one game carry to
// another unchanged.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace tenuki {

class Spec;

struct SearchConfig {
  int playouts = 800;           // simulations added to the tree per move
  double c_puct = 1.25;         // exploration constant of PUCT
  double fpu_reduction = 0.25;  // unvisited child value: parent value - this*sqrt(visited prior)
  int leaves_per_batch = 8;     // leaves gathered per tree per evaluator batch (virtual loss)
  double virtual_loss = 1.0;    // each pending visit counts as a loss of this size
  bool reuse_tree = true;       // keep the subtree of the played move
  // Root exploration noise (self-play): Dirichlet with total concentration `dirichlet_total`
  // spread over the legal moves (alpha = total / legal), mixed in with weight `noise_fraction`.
  bool root_noise = false;
  double dirichlet_total = 10.83;
  double noise_fraction = 0.25;
  // Move choice: sample proportional to visits^(1/temperature) for the first
  // `temperature_moves` moves of a game, then the most visited move.
  double temperature = 0.0;
  int temperature_moves = 0;
  // Resign when the root value for the player to move falls below this (-1 = never).
  double resign_threshold = -1.0;
  // Playout cap randomization (KataGo): with probability `full_search_prob` a search uses
  // `playouts`, otherwise `fast_playouts` (and is marked as not for training). A fast search
  // explores (root noise, forced playouts) only with `fast_exploration`; without it (KataGo) it
  // looks for the best move alone. Gumbel roots are not affected.
  double full_search_prob = 1.0;
  int fast_playouts = 100;
  bool fast_exploration = false;
  // Forced playouts and policy-target pruning at the root (KataGo): n_forced = sqrt(k P N).
  bool forced_playouts = false;
  double forced_k = 2.0;
  // Gumbel root (Danihelka et al. 2022): sample `gumbel_m` actions without replacement by
  // Gumbel-top-k, sequential halving over the playouts, completed-Q policy target.
  bool gumbel = false;
  int gumbel_m = 16;
  double gumbel_c_visit = 50.0;
  double gumbel_c_scale = 1.0;
  // Pass rule for games scored on the board when passing ends them (Go; State::
  // returns_if_ended_now). At the root a pass is searched only when it would not lose if the
  // game ended now (after Leela Zero) and no sensible move is left (every legal placement fills
  // one of the mover's own eyes; State::only_pass_is_sensible), unless it is the only legal move;
  // so the policy target never teaches an early pass. After the opponent's pass, a pass that wins
  // is played without a search (SearchResult::forced, not a training target). No effect in games
  // without passing. Known limit: in a seki the side to move must fill a shared liberty.
  bool safe_pass = true;
  uint64_t seed = 1;
};

// Throws std::invalid_argument naming the key for unknown keys, wrong types or bad ranges.
SearchConfig search_config_from_json(const nlohmann::json& j);
nlohmann::json search_config_to_json(const SearchConfig& config);
// Reads any option of `spec` that names a SearchConfig field (marking it used).
void apply_search_options(const Spec& spec, SearchConfig* config);

}  // namespace tenuki
