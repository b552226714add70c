#pragma once
// Transplanting a network to a target game (`tenuki transfer SOURCE --to GAME --out TARGET`).
//
// What happens to every tensor of the (unchanged) architecture:
// - the trunk (stem, blocks, trunk_bn) is copied, except the stem's input weights of the game
//   planes 9-15, which are mapped by semantic tag (envs/encoding.h game_plane_tags): a target
//   plane takes the weights of the source plane with its tag, planes without a match get zero
//   weights (GamePlanes::kSemantic; a plane unused by both games keeps its weights, which never
//   meet a non-zero input); kKeep copies the raw weights, kDrop zeroes every game plane.
//   Planes 0-8 mean the same in every game and are copied. partial(blocks=k) re-initialises the
//   blocks from k on;
// - heads: per-cell policy and value are copied; the pass logit (pass_linear) is re-initialised
//   when the target game has no pass, the ownership head when the target has no ownership target
//   (HeadsChoice::automatic); any head can be re-initialised on request;
// - a board-size change needs nothing: the net is fully convolutional with masked global pooling.
// Re-initialised tensors take the deterministic initialisation of PolicyValueNet for `seed`.
//
// The mapping report (JSON) lists every tensor and every input plane (copied / adapted /
// re-initialised / zeroed / dropped, and why) and every search setting with its origin.
// Thread-safety: none needed (no shared state); one call builds its own nets.
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "agents/search/search_config.h"
#include "transfer/plan.h"
#include "transfer/search_transfer.h"

namespace tenuki::transfer {

// Bad input to a transfer (unreadable or incompatible source, unknown game, bad plan): the message
// names the problem. The command exits 2 on it and writes nothing.
class TransferError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TransplantOptions {
  std::string source_path;
  std::string target_game;  // game spec
  // Game of the source when its checkpoint names none ("" = use the checkpoint's game_spec).
  std::string source_game;
  TransferPlan plan;
  GamePlanes game_planes = GamePlanes::kSemantic;
  HeadsChoice heads;
  SearchMode search = SearchMode::kScaled;
  SearchConfig target_search;  // the target's settings without transfer
  int target_max_moves = 0;
  uint64_t seed = 1;  // initialisation of re-initialised tensors
};

struct Transplant {
  std::shared_ptr<PolicyValueNet> net;  // float32 on the CPU, eval mode
  CheckpointMeta meta;  // the target checkpoint's metadata (lineage, report, search)
  nlohmann::json report;
  SearchTransfer search;
};

// Builds the target net and its report. Throws TransferError on bad input.
Transplant transplant(const TransplantOptions& options);

// The report as text: a summary, the planes, the tensors and the search settings.
std::string format_report(const nlohmann::json& report);

// Path of the JSON report beside a checkpoint: "X.ckpt" -> "X.transfer.json".
std::string report_path_for(const std::string& checkpoint_path);

// Writes the checkpoint and its JSON report, each atomically (checkpoint first). Throws
// CheckpointError / std::runtime_error on I/O failure.
void write_transplant(const Transplant& result, const std::string& out_path);

// Copies every parameter and buffer of `from` into `to` (equal architectures; throws
// std::invalid_argument otherwise).
void copy_weights(const PolicyValueNet& from, PolicyValueNet& to);

}  // namespace tenuki::transfer
