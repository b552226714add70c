#pragma once
// Network checkpoints in tenuki's own file format, independent of LibTorch's serialisation so
// that files load under any LibTorch version.
//
// Layout (all integers little-endian):
//   magic           8 bytes  "TENUKINN"
//   format version  u32      kCheckpointFormatVersion
//   file length     u64      total bytes, checksum included
//   metadata        u64 length + UTF-8 JSON (CheckpointMeta, see to_json below)
//   tensor count    u32
//   per tensor      u32 name length + name, u32 rank, rank x i64 dims, float32 data
//                   (every parameter and buffer of the module, in module order)
//   checksum        u64      FNV-1a 64 of every byte before it
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "agents/net/network.h"
#include "agents/search/search_config.h"

namespace tenuki {

inline constexpr char kCheckpointMagic[8] = {'T', 'E', 'N', 'U', 'K', 'I', 'N', 'N'};
inline constexpr uint32_t kCheckpointFormatVersion = 1;

// Every checkpoint problem: unreadable, truncated, corrupt, wrong magic or version, a different
// encoding schema, or an architecture mismatch. The message names the file and the problem.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a checkpoint says about itself.
struct CheckpointMeta {
  NetworkConfig config;
  // The input encoding the weights expect (envs/encoding.h). save_checkpoint fills the current
  // schema when these are empty/0.
  std::string encoding_schema;
  int encoding_version = 0;
  std::string game_spec;      // game(s) trained on, e.g. "go(size=9)"; may be empty
  int64_t training_step = 0;  // optimiser steps taken
  // Lineage: the checkpoint this one came from ("" when none) and how, e.g. "from scratch",
  // "continued", "transfer from othello(size=8)".
  std::string parent;
  std::string derivation = "from scratch";
  std::string created_at;  // UTC ISO-8601; save_checkpoint fills it when empty
  std::string notes;
  // Optional (absent in older files): the self-play search settings the net was trained with and
  // the self-play move cap (selfplay.max_moves, 0 = none), for search transfer (transfer/).
  std::optional<SearchConfig> search;
  int search_max_moves = 0;
  // Optional: the mapping report of the transfer that made this checkpoint, as JSON text ("" when
  // none); stored as the JSON object "transfer".
  std::string transfer_report;
};

void to_json(nlohmann::json& j, const CheckpointMeta& meta);
// Throws std::invalid_argument on a malformed field.
void from_json(const nlohmann::json& j, CheckpointMeta& meta);

// Writes `net`'s parameters and buffers (converted to float32) and `meta` (whose config is
// replaced by net.config()) to `path` atomically: a temporary file in the same folder, fsync,
// rename. Throws CheckpointError on I/O failure (the destination is then untouched).
// Precondition: nobody changes `net` during the call.
void save_checkpoint(const std::string& path, const PolicyValueNet& net,
                     const CheckpointMeta& meta);

// Reads only the header and metadata (checks magic, version and length, not the checksum).
CheckpointMeta read_checkpoint_meta(const std::string& path);

// Builds a net from a checkpoint on the given device. Verifies everything: magic, version,
// length, checksum, encoding schema (must equal this build's), and that every tensor matches
// the architecture in name and shape. Throws CheckpointError.
std::shared_ptr<PolicyValueNet> load_checkpoint(const std::string& path,
                                                const DeviceOptions& options = {},
                                                CheckpointMeta* meta_out = nullptr);

// Loads a checkpoint into an existing net (keeping its device and dtype). Throws CheckpointError
// when the checkpoint's architecture differs from net.config(); `net` is unchanged then.
void load_checkpoint_into(const std::string& path, PolicyValueNet& net,
                          CheckpointMeta* meta_out = nullptr);

}  // namespace tenuki
