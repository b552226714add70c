#pragma once
// Helpers shared by the tests with networks (LibTorch): a small net, random source checkpoints
// and parameter snapshots.
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "envs/registry.h"
#include "selfplay/trainer.h"

namespace tenuki::test {

using Snapshot = std::map<std::string, std::vector<float>>;

// `blocks` residual blocks of 8 channels, global pooling in the last one.
inline NetworkConfig tiny_net(int blocks = 2) {
  NetworkConfig c;
  c.blocks = blocks;
  c.channels = 8;
  c.global_pool_every = blocks;
  c.head_channels = 4;
  c.value_hidden = 8;
  return c;
}

// A random net saved as a checkpoint of `game_spec` in `dir`; returns its path.
inline std::string make_source(const std::string& dir, const std::string& game_spec, uint64_t seed,
                               std::optional<SearchConfig> search = std::nullopt,
                               int max_moves = 0) {
  PolicyValueNet net(tiny_net(), seed);
  CheckpointMeta meta;
  meta.game_spec = make_game(game_spec)->spec();
  meta.training_step = 1234;
  meta.search = search;
  meta.search_max_moves = max_moves;
  const std::string path = dir + "/source_" + std::to_string(seed) + ".ckpt";
  save_checkpoint(path, net, meta);
  return path;
}

inline Snapshot snapshot_of(const std::string& ckpt) {
  return parameter_snapshot(*load_checkpoint(ckpt));
}

inline bool is_trunk(const std::string& name) {
  return name_has_prefix(name, "stem") || name.rfind("block", 0) == 0 ||
         name_has_prefix(name, "trunk_bn");
}

}  // namespace tenuki::test
