#pragma once
// Helpers for the experiment tests: the real `tenuki` binary run on a miniature spec.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/test_files.h"

namespace tenuki::test {

struct CommandResult {
  int status = -1;
  std::string output;
};

inline CommandResult run_tenuki(const std::string& arguments, const std::string& dir) {
  const std::string log = dir + "/command.log";
  const int rc =
      std::system((std::string(TENUKI_BINARY) + " " + arguments + " > " + log + " 2>&1").c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_text(log)};
}

// The tiny Tic-tac-toe training config of tests/support/tiny_ttt.json (1x8 net, chunks of 10
// games, also used by tests/cluster/), copied to DIR/ttt.json for runs with learners and actors;
// returns the copy's path.
inline std::string write_tiny_ttt_config(const std::string& dir) {
  const std::string config = dir + "/ttt.json";
  std::filesystem::copy_file(std::string(TENUKI_SOURCE_DIR) + "/tests/support/tiny_ttt.json",
                             config, std::filesystem::copy_options::overwrite_existing);
  return config;
}

// A miniature experiment: Go 5x5 source, a Tic-tac-toe target, scratch, fine-tune and control
// arms, two seeds, a few thousand network evaluations each.
inline nlohmann::json miniature_spec() {
  const nlohmann::json train = {
      {"network",
       {{"blocks", 1},
        {"channels", 16},
        {"head_channels", 8},
        {"value_hidden", 16},
        {"global_pool_every", 0},
        {"ownership_head", true}}},
      {"search", {{"playouts", 8}, {"leaves_per_batch", 4}, {"root_noise", true}}},
      {"selfplay", {{"workers", 1}, {"games_per_worker", 16}, {"chunk_games", 50}}},
      {"inference", {{"device", "cpu"}, {"dtype", "float32"}, {"threads", 1}, {"wait_ms", 1}}},
      {"replay", {{"window", 5000}, {"min_positions", 100}}},
      {"training",
       {{"device", "cpu"},
        {"batch_size", 32},
        {"train_ratio", 2},
        {"checkpoint_every", 20},
        {"metrics_every", 5},
        {"progress_seconds", 0}}}};
  nlohmann::json source = train, target = train;
  source["game"] = "go(size=5,komi=0.5)";
  target["game"] = "tictactoe";
  return {{"name", "mini"},
          {"source", {{"config", source}, {"budget", 12000}}},
          {"targets",
           {{{"name", "ttt"},
             {"config", target},
             {"arms",
              {{{"name", "scratch"}},
               {{"name", "fine-tune"}, {"transfer", {{"plan", "fine-tune"}}}},
               {{"name", "control"},
                {"transfer", {{"plan", "fine-tune"}, {"source_weights", "initial"}}}}}},
             {"pool", {"random", "mcts(playouts=20)"}}}}},
          {"seeds", 2},
          {"budget", {{"unit", "evaluations"}, {"amount", 6000}}},
          {"evaluation",
           {{"every", 3000}, {"games", 2}, {"visits", 8}, {"pool_games", 2}, {"opening_plies", 1}}},
          {"final", {{"games_per_pair", 2}}},
          {"cka", {{"positions", 32}}},
          {"estimate", {{"units_per_second", 2000}, {"seconds_per_game", 0.1}}}};
}

inline std::string write_spec(const std::string& dir, const nlohmann::json& spec) {
  const std::string path = dir + "/spec.json";
  std::ofstream(path) << spec.dump(2);
  return path;
}

}  // namespace tenuki::test
