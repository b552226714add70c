#pragma once
// Fixtures of the report tests: a synthetic `tenuki train` run directory and the results of a
// complete transfer experiment (three arms of three seeds on one target).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "transfer/aggregate.h"
#include "transfer/metrics.h"

namespace tenuki::test {

using nlohmann::json;

inline void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A synthetic `tenuki train` run directory: config, state, a dtype line, `train_lines` train
// records (loss 3 - step/1000), evaluations against two opponents every 100 steps, and a
// truncated last line.
inline void make_run_dir(const std::string& dir, int train_lines) {
  std::filesystem::create_directories(dir);
  write(dir + "/config.json",
        R"({"game": "connect_four", "network": {"blocks": 2, "channels": 16}, "seed": 7})");
  write(dir + "/state.json",
        R"({"games": 4321, "latest_checkpoint": "checkpoints/step_00000275.ckpt", "next_chunk": 3,
            "positions": 98765, "samples_consumed": 123456, "step": 275, "wall_seconds": 61.5})");
  std::string lines =
      R"({"batch":64,"chosen":"float32","device":"cpu","positions_per_s":{"float32":5617.5},)"
      R"("setting":"auto","type":"dtype"})"
      "\n";
  for (int i = 1; i <= train_lines; ++i) {
    const int step = 25 * i;
    json t = {{"type", "train"},
              {"step", step},
              {"games", 40 * i},
              {"loss", 3 - step / 1000.0},
              {"policy_loss", 2 - step / 2000.0},
              {"value_loss", 1 - step / 2000.0},
              {"ownership_loss", 0.0},
              {"policy_entropy", 2.5 - step / 1000.0},
              {"lr", 0.02},
              {"games_per_s", 5 + 0.1 * i},
              {"evals_per_s", 4000 + 10 * i},
              {"raw_evals_per_s", 5617.5},
              {"mean_batch", 250 + i},
              {"raw_batch", 384},
              {"batching_efficiency", 0.7},
              {"forward_busy", 0.9},
              {"steps_per_s", 2.5},
              {"mean_game_length", 17 + 0.25 * i},
              {"pass_share", 0.0},
              {"first_player_win_rate", 0.55},
              {"draw_rate", 0.02}};
    lines += t.dump() + "\n";
    if (step % 100 == 0) {
      for (const std::string opponent : {"random", "mcts(playouts=100)"}) {
        const int wins = opponent == "random" ? 10 + step / 50 : step / 100;
        json e = {{"type", "eval"},       {"step", step},
                  {"games", 40 * i},      {"wall_s", step * 0.2},
                  {"opponent", opponent}, {"eval_games", 24},
                  {"wins", wins},         {"draws", 1},
                  {"losses", 23 - wins},  {"win_rate", (wins + 0.5) / 24},
                  {"eval_seconds", 3.5}};
        lines += e.dump() + "\n";
      }
    }
  }
  lines += R"({"type":"train","step":)";  // a run stopped while writing
  write(dir + "/metrics.jsonl", lines);
}

// A curve of `points` evaluations every 50000 x: Elo a + b i, win rate rising from w.
inline json curve(int points, double a, double b, double w) {
  json c = json::array();
  for (int i = 0; i < points; ++i) {
    c.push_back({{"x", 50000 * i},
                 {"elo", a + b * i},
                 {"elo_ci95", 120 - 5 * i},
                 {"win_rate", std::min(1.0, w + 0.1 * i)},
                 {"games", 24},
                 {"step", 20 * i}});
  }
  return c;
}

inline json train_records(int points, double offset) {
  json t = json::array();
  for (int i = 1; i <= points; ++i) {
    t.push_back({{"x", 10000 * i},
                 {"step", 20 * i},
                 {"loss", 3.1 - 0.1 * i + offset},
                 {"policy_loss", 2.5 - 0.08 * i + offset},
                 {"value_loss", 0.6 - 0.02 * i},
                 {"games_per_s", 3.1 + offset},
                 {"evals_per_s", 4000 + 50 * i},
                 {"mean_batch", 120 + i}});
  }
  return t;
}

inline json seed_entry(int seed, const std::string& arm, json curve_points, json train) {
  const std::string run = "targets/go7/" + arm + "/seed" + std::to_string(seed) + "/run";
  return {{"seed", seed},
          {"run_dir", run},
          {"curve", std::move(curve_points)},
          {"train", std::move(train)},
          {"final_checkpoint", run + "/checkpoints/step_00000123.ckpt"}};
}

// transfer::TransferMetrics::to_json of the `y` curves of two arms, as the runner produces it.
inline json metrics_result(const json& transfer_arm, const json& scratch_arm, const char* y,
                           std::optional<double> threshold, double source_cost = 0) {
  auto curves = [&](const json& arm) {
    std::vector<transfer::Curve> out;
    for (const auto& s : arm.at("seeds")) {
      transfer::Curve c;
      c.seed = s.at("seed");
      for (const auto& p : s.at("curve")) {
        c.x.push_back(p.at("x"));
        c.y.push_back(p.at(y));
      }
      out.push_back(c);
    }
    return out;
  };
  transfer::MetricsOptions options;
  options.bootstrap = 200;
  options.threshold = threshold;
  options.source_cost = source_cost;
  return transfer::compute_transfer_metrics(curves(transfer_arm), curves(scratch_arm), options)
      .to_json();
}

inline json comparison(const json& arm, const json& versus, const char* y, bool total_time,
                       std::optional<double> threshold) {
  json entry = {{"arm", arm["name"]},
                {"versus", versus["name"]},
                {"versus_kind", versus["transfer"].is_null() ? "scratch" : "control"},
                {"y", y},
                {"total_time", total_time}};
  if (threshold) entry["threshold"] = *threshold;
  entry["result"] = metrics_result(arm, versus, y, threshold, total_time ? 50000 : 0);
  return entry;
}

// A complete experiment's results: three arms (scratch, fine-tune and its control) of three
// seeds on one target.
inline json complete_results() {
  json scratch = {{"name", "scratch"},
                  {"transfer", nullptr},
                  {"seeds",
                   {seed_entry(1, "scratch", curve(5, 100, 40, 0.2), train_records(4, 0)),
                    seed_entry(2, "scratch", curve(5, 200, 40, 0.3), train_records(4, 0.2)),
                    seed_entry(3, "scratch", curve(5, 150, 40, 0.15), train_records(4, 0.1))}}};
  json fine_tune = {
      {"name", "fine-tune"},
      {"transfer",
       {{"plan", "fine-tune"},
        {"game_planes", "semantic"},
        {"heads", "auto"},
        {"search", "scaled"},
        {"source_weights", "trained"}}},
      {"seeds",
       {seed_entry(1, "fine-tune", curve(5, 300, 50, 0.5), train_records(4, -0.3)),
        seed_entry(2, "fine-tune", curve(5, 340, 45, 0.55), train_records(4, -0.25)),
        seed_entry(3, "fine-tune", curve(5, 320, 48, 0.52), train_records(4, -0.2))}}};
  json control = fine_tune;
  control["name"] = "fine-tune-control";
  control["transfer"]["source_weights"] = "initial";
  control["seeds"] = {
      seed_entry(1, "fine-tune-control", curve(5, 110, 40, 0.2), train_records(4, 0)),
      seed_entry(2, "fine-tune-control", curve(5, 190, 42, 0.3), train_records(4, 0.1)),
      seed_entry(3, "fine-tune-control", curve(5, 160, 38, 0.25), train_records(4, 0.2))};
  json metrics = json::array();
  metrics.push_back(comparison(fine_tune, scratch, "elo", false, std::nullopt));
  metrics.push_back(comparison(fine_tune, scratch, "win_rate", false, 0.6));
  metrics.push_back(comparison(fine_tune, scratch, "win_rate", true, 0.6));
  metrics.push_back(comparison(control, scratch, "elo", false, std::nullopt));
  metrics.push_back(comparison(fine_tune, control, "elo", false, std::nullopt));
  metrics.push_back({{"arm", "fine-tune"},
                     {"versus", "scratch"},
                     {"versus_kind", "scratch"},
                     {"y", "elo"},
                     {"total_time", true},
                     {"error", "the arms' curves share no range"}});
  json differences = {
      {{"arm", "fine-tune"},
       {"versus", "scratch"},
       {"differences", {{{"key", "search.playouts"}, {"scratch", 100}, {"fine-tune", 64}}}}},
      {{"arm", "fine-tune-control"},
       {"versus", "scratch"},
       {"differences",
        {{{"key", "search.playouts"}, {"scratch", 100}, {"fine-tune-control", 64}}}}}};
  json aggregate = transfer::aggregate_to_json(transfer::aggregate_across_targets(
      {{0.6, 0.7, 0.65}, {0.5, 0.55, 0.6}}, {{0.3, 0.4, 0.35}, {0.5, 0.45, 0.4}}, 200));
  aggregate["arm"] = "fine-tune";
  aggregate["versus"] = "scratch";
  aggregate["target_names"] = {"go7", "go9"};
  const std::vector<std::string> labels = {"random", "scratch/1", "scratch/2", "fine-tune/1",
                                           "fine-tune/2"};
  json agents = json::array(), cross = json::array();
  for (size_t i = 0; i < labels.size(); ++i) {
    agents.push_back({{"label", labels[i]},
                      {"spec", i == 0 ? "random" : "net(model=m" + std::to_string(i) + ".ckpt)"},
                      {"elo", 111.5 * i},
                      {"ci95", 60.25},
                      {"score", 0.1 + 0.2 * i},
                      {"games", 40}});
    json row = json::array();
    for (size_t j = 0; j < labels.size(); ++j) {
      const int wins = i == j ? 0 : static_cast<int>(i + 3 * j) % 7;
      const int draws = i == j ? 0 : 1;
      const int losses = i == j ? 0 : 9 - wins;
      row.push_back({{"wins", wins}, {"draws", draws}, {"losses", losses}});
    }
    cross.push_back(row);
  }
  return {{"name", "quickstart"},
          {"version", "v0.3-12-gabc123"},
          {"unit", "evaluations"},
          {"complete", true},
          {"stages_done", 23},
          {"stages_total", 23},
          {"spec", {{"source", {{"game", "go(size=5,komi=3.5)"}}}, {"seeds", 2}, {"note", "<b>"}}},
          {"source",
           {{"game", "go(size=5,komi=3.5)"},
            {"checkpoint", "source/run/checkpoints/step_00000400.ckpt"},
            {"cost", 50000},
            {"train", train_records(5, 0.5)}}},
          {"targets",
           {{{"name", "go7"},
             {"game", "go(size=7,komi=9)"},
             {"pool",
              {{{"agent", "random"}, {"elo", 0}, {"ci95", 0}},
               {{"agent", "mcts(playouts=100)"}, {"elo", 350.2}, {"ci95", 80.1}}}},
             {"arms", {scratch, fine_tune, control}},
             {"metrics", metrics},
             {"differences", differences},
             {"final", {{"labels", labels}, {"agents", agents}, {"crosstable", cross}}},
             {"cka",
              {{{"arm", "fine-tune"},
                {"seed", 1},
                {"layers_a", {"stem", "block0", "block1"}},
                {"layers_b", {"stem", "block0", "block1"}},
                {"matrix", {{0.91, 0.52, 0.33}, {0.47, 0.87, 0.61}, {0.29, 0.58, 0.76}}},
                {"positions", 256}}}}}}},
          {"aggregates", {aggregate}}};
}

}  // namespace tenuki::test
