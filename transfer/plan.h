#pragma once
// Transfer plans and transplant options, written in the one spec grammar (envs/spec.h):
//
//   zero-shot                                   copy, no training (evaluate as is)
//   fine-tune                                   copy, train everything
//   frozen-trunk(unfreeze_after=N,warmup=W)     copy; the heads train first, the trunk (stem,
//                                               blocks, trunk_bn) unfreezes at step N with a
//                                               linear learning-rate warm-up over W steps;
//                                               unfreeze_after=never (default) keeps it frozen
//   partial(blocks=k)                           copy the stem and the first k residual blocks,
//                                               re-initialise the others; train everything
//
// Per-prefix learning-rate multipliers stay in training.lr_multipliers. No LibTorch. Parsing
// throws SpecError naming the problem (unknown plan, unknown key, bad value).
#include <cstdint>
#include <set>
#include <string>

namespace tenuki::transfer {

struct TransferPlan {
  enum class Kind { kZeroShot, kFineTune, kFrozenTrunk, kPartial };
  Kind kind = Kind::kFineTune;
  int64_t unfreeze_after = 0;  // frozen-trunk: first step the trunk trains; 0 = never
  int64_t warmup = 0;          // frozen-trunk: warm-up steps after unfreezing
  int blocks = 0;              // partial: residual blocks copied (>= 0)

  // Canonical spec text, e.g. "frozen-trunk(unfreeze_after=2000,warmup=100)".
  std::string text() const;
  // Whether the plan trains at all (zero-shot does not).
  bool trains() const { return kind != Kind::kZeroShot; }
};

TransferPlan parse_plan(const std::string& text);

// The trunk's parameter-name prefixes of a net with `blocks` residual blocks: "stem",
// "block0".."block{blocks-1}", "trunk_bn".
std::set<std::string> trunk_prefixes(int blocks);

// How the game planes 9-15 of the stem's input weights are carried over.
enum class GamePlanes { kSemantic, kKeep, kDrop };
// "semantic" | "keep" | "drop"; throws SpecError otherwise.
GamePlanes parse_game_planes(const std::string& text);
std::string game_planes_name(GamePlanes mode);

// Which heads to re-initialise. `automatic`: the pass logit when the target game has no pass and
// the ownership head when it has no ownership target; `forced`: heads named in reinit(...).
// Head names: policy, value, ownership, pass.
struct HeadsChoice {
  bool automatic = true;
  std::set<std::string> forced;
  std::string text() const;
};
// "auto" | "keep" (no automatic re-initialisation) | "reinit(policy,value,...)" (automatic plus
// the listed ones; a listed head is a key with no value or =true). Throws SpecError.
HeadsChoice parse_heads(const std::string& text);

// How search settings carry over (transfer/search_transfer.h).
enum class SearchMode { kSource, kScaled, kTarget };
SearchMode parse_search_mode(const std::string& text);
std::string search_mode_name(SearchMode mode);

}  // namespace tenuki::transfer
