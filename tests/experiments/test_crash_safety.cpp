// Crash safety of the long-running commands: `tenuki train` and `tenuki tournament` are killed
// with SIGKILL at random moments; every file they leave must be whole, the next run must resume,
// and the work lost is measured (at most one checkpoint interval, or the games in progress).
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "agents/net/checkpoint.h"
#include "envs/util/random.h"
#include "envs/util/remove_tree.h"
#include "envs/util/subprocess.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using tenuki::test::read_json;
using tenuki::test::tiny_train_config;
namespace fs = std::filesystem;

namespace {

std::string temp_dir(const std::string& name) {
  auto path =
      fs::temp_directory_path() / ("tenuki_crash_" + name + "_" + std::to_string(::getpid()));
  remove_tree(path);
  fs::create_directories(path);
  return path.string();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Runs `command` in a shell and SIGKILLs it after `seconds`; returns true when it was still
// running (a real kill), false when it had already finished.
bool run_and_kill(const std::string& command, double seconds) {
  Subprocess child =
      Subprocess::shell(command, SubprocessOptions{.stderr_mode = StderrMode::kDiscard});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child.is_alive()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool alive = child.is_alive();
  child.kill();
  return alive;
}

// Every line but possibly the last (cut by the kill) is a JSON object; returns the parsed ones.
std::vector<nlohmann::json> json_lines(const std::string& path, bool allow_cut_last) {
  std::vector<nlohmann::json> out;
  auto lines = lines_of(path);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i], nullptr, false);
    if (j.is_discarded()) {
      INFO(path << " line " << i + 1 << ": " << lines[i]);
      REQUIRE((allow_cut_last && i + 1 == lines.size()));
      continue;
    }
    out.push_back(j);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "crash safety: tenuki train killed at random moments resumes losing at most one "
    "checkpoint interval",
    "[crash][slow]") {
  const std::string dir = temp_dir("train");
  const std::string config = dir + "/ttt.json";
  const int kCheckpointEvery = 20, kBudgetSteps = 400;
  std::ofstream(config) << tiny_train_config(R"({
    "game": "tictactoe", "seed": 5,
    "search": {"root_noise": true},
    "selfplay": {"games_per_worker": 16, "chunk_games": 20},
    "replay": {"min_positions": 40},
    "training": {"train_ratio": 1, "checkpoint_every": 20, "metrics_every": 1},
    "evaluation": {"every_steps": 1000, "games": 2, "agents": ["random"]},
    "budget": {"steps": 400}
  })");
  const std::string run = dir + "/run";
  const std::string command =
      std::string(TENUKI_BINARY) + " train " + config + " --out " + run + " > " + dir + "/log 2>&1";
  Rng rng(2026);
  int kills = 0;
  int64_t worst_lost = 0;
  for (int attempt = 0; attempt < 8 && kills < 4; ++attempt) {
    if (!run_and_kill(command, 0.5 + 2.0 * rng.uniform())) break;  // finished before the kill
    ++kills;
    // Every file left behind is whole: state, config, checkpoints, records.
    REQUIRE_NOTHROW(read_json(run + "/config.json"));
    int64_t resume_step = 0;
    if (fs::exists(run + "/state.json")) {
      resume_step = read_json(run + "/state.json").at("step").get<int64_t>();
    }
    for (const auto& entry : fs::directory_iterator(run + "/checkpoints")) {
      if (entry.path().extension() != ".ckpt") continue;  // a temporary file cut by the kill
      CheckpointMeta meta;
      REQUIRE_NOTHROW(load_checkpoint(entry.path().string(), {}, &meta));
    }
    for (const auto& entry : fs::directory_iterator(run + "/games")) {
      if (entry.path().extension() == ".jsonl") json_lines(entry.path().string(), false);
    }
    int64_t reached = 0;
    for (const auto& j : json_lines(run + "/metrics.jsonl", true)) {
      if (j.contains("step")) reached = std::max<int64_t>(reached, j["step"].get<int64_t>());
    }
    const int64_t lost = std::max<int64_t>(0, reached - resume_step);
    worst_lost = std::max(worst_lost, lost);
    std::cout << "train kill " << kills << ": reached step " << reached << ", resumes at step "
              << resume_step << ", lost " << lost << " steps\n";
    CHECK(lost <= kCheckpointEvery);
  }
  // The last run goes to the end of the budget.
  REQUIRE(std::system(command.c_str()) == 0);
  CHECK(read_json(run + "/state.json").at("step").get<int64_t>() == kBudgetSteps);
  std::cout << "train: " << kills << " kills, at most " << worst_lost
            << " steps lost (checkpoint every " << kCheckpointEvery << ")\n";
  CHECK(kills >= 2);
  remove_tree(dir);
}

TEST_CASE("crash safety: tenuki tournament killed at random moments loses only games in progress",
          "[crash][slow]") {
  const std::string dir = temp_dir("tournament");
  const std::string out = dir + "/t";
  const int kGames = 60, kConcurrency = 2;
  // MCTS(16000) keeps the 60 games busy for well over the kill window (0.5-3 s) even on a fast
  // idle machine (with 2000 playouts an idle run finished 59 games before the first kill).
  const std::string command = std::string(TENUKI_BINARY) +
                              " tournament connect_four --agents random,'mcts(playouts=16000)'"
                              " --games-per-pair 60 --concurrency " +
                              std::to_string(kConcurrency) + " --out " + out + " > " + dir +
                              "/log 2>&1";
  Rng rng(7);
  int kills = 0;
  for (int attempt = 0; attempt < 8 && kills < 4; ++attempt) {
    size_t before =
        fs::exists(out + "/games.jsonl") ? json_lines(out + "/games.jsonl", true).size() : 0;
    if (!run_and_kill(command, 0.5 + 2.5 * rng.uniform())) break;
    ++kills;
    auto games = json_lines(out + "/games.jsonl", true);
    std::set<int> seen;
    for (const auto& g : games) REQUIRE(seen.insert(g.at("index").get<int>()).second);
    // Finished games are appended at once, so a kill loses only the kConcurrency games running.
    std::cout << "tournament kill " << kills << ": " << games.size() << " games kept (" << before
              << " before this run)\n";
  }
  REQUIRE(std::system(command.c_str()) == 0);
  auto games = json_lines(out + "/games.jsonl", false);
  std::set<int> seen;
  for (const auto& g : games) REQUIRE(seen.insert(g.at("index").get<int>()).second);
  REQUIRE(static_cast<int>(seen.size()) == kGames);
  REQUIRE(*seen.rbegin() == kGames - 1);
  REQUIRE_NOTHROW(read_json(out + "/ratings.json"));
  std::cout << "tournament: " << kills << " kills, every game exactly once at the end\n";
  CHECK(kills >= 2);
  remove_tree(dir);
}

namespace {

// Reads the child's output until a line contains `text` (true) or `seconds` pass / it ends.
bool wait_for_line(Subprocess& child, const std::string& text, double seconds, std::string* log) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::string line;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto status = child.read_line(&line, std::chrono::milliseconds(200));
    if (status == Subprocess::ReadStatus::kEof) return false;
    if (status == Subprocess::ReadStatus::kLine) {
      *log += line + "\n";
      if (line.find(text) != std::string::npos) return true;
    }
  }
  return false;
}

// Sends SIGINT and returns the seconds until the child exited (reading its output meanwhile).
double interrupt_and_time(Subprocess& child, std::string* log) {
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(::kill(child.pid(), SIGINT) == 0);
  std::string line;
  while (child.is_alive()) {
    if (child.read_line(&line, std::chrono::milliseconds(50)) == Subprocess::ReadStatus::kLine) {
      *log += line + "\n";
    }
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(60)) break;
  }
  while (child.read_line(&line, std::chrono::milliseconds(50)) == Subprocess::ReadStatus::kLine) {
    *log += line + "\n";
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("SIGINT stops tenuki train in seconds, mid-evaluation too, and the next session runs it",
          "[crash]") {
  const std::string dir = temp_dir("sigint");
  const std::string config = dir + "/go5.json";
  // The reference agent is slow on purpose: one evaluation lasts seconds.
  std::ofstream(config) << tiny_train_config(R"J({
    "game": "go(size=5,komi=0.5)", "seed": 9,
    "search": {"root_noise": true},
    "selfplay": {"games_per_worker": 16, "chunk_games": 20},
    "replay": {"window": 5000, "min_positions": 50},
    "training": {"train_ratio": 1, "checkpoint_every": 50, "metrics_every": 5,
                 "publish_every": 5, "progress_seconds": 1},
    "evaluation": {"every_steps": 300, "games": 20, "agents": ["mcts(playouts=2000)"],
                   "search": {"playouts": 8}},
    "budget": {"steps": 100000}
  })J");
  const std::string run = dir + "/run";
  const std::vector<std::string> argv = {TENUKI_BINARY, "train", config, "--out", run};
  auto check_stopped_cleanly = [&](Subprocess& child, double seconds, const std::string& log) {
    INFO(log);
    CHECK(seconds < 5.0);
    REQUIRE(WIFEXITED(child.exit_status()));
    CHECK(WEXITSTATUS(child.exit_status()) == 0);
    CHECK(log.find("abandoned") != std::string::npos);
    const auto state = read_json(run + "/state.json");
    const std::string ckpt = run + "/" + state.at("latest_checkpoint").get<std::string>();
    CheckpointMeta meta;
    REQUIRE_NOTHROW(load_checkpoint(ckpt, {}, &meta));
    CHECK(meta.training_step == state.at("step").get<int64_t>());
    return state.at("step").get<int64_t>();
  };

  // 1. During the step-0 evaluation of a fresh run.
  std::string log;
  {
    Subprocess child(argv, SubprocessOptions{.stderr_mode = StderrMode::kDiscard});
    REQUIRE(wait_for_line(child, "eval step 0: started", 120, &log));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double seconds = interrupt_and_time(child, &log);
    std::cout << "SIGINT during the step-0 evaluation: stopped in " << seconds << " s\n";
    check_stopped_cleanly(child, seconds, log);
  }
  auto saved_snapshots = [&] {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(run + "/evaluations")) {
      // (evaluations/games/ holds the evaluated games.)
      if (entry.path().extension() == ".ckpt") names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  // Kept: the step-0 snapshot (and any queued behind it).
  REQUIRE_FALSE(saved_snapshots().empty());
  CHECK(saved_snapshots()[0].rfind("step_00000000_wall_", 0) == 0);
  // 2. The resumed run evaluates the step-0 snapshot first; SIGINT during a later evaluation.
  log.clear();
  int64_t eval_step = 0;
  {
    Subprocess child(argv, SubprocessOptions{.stderr_mode = StderrMode::kDiscard});
    REQUIRE(wait_for_line(child, "resuming at step", 120, &log));
    REQUIRE(wait_for_line(child, "queued again: the evaluation of step 0", 60, &log));
    REQUIRE(wait_for_line(child, "eval step 0: started", 60, &log));
    REQUIRE(wait_for_line(child, "eval step 0:  vs", 180, &log));
    REQUIRE(wait_for_line(child, ": started", 180, &log));
    const std::string started = log.substr(log.rfind("eval step "));
    eval_step = std::stoll(started.substr(10));
    CHECK(eval_step > 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double seconds = interrupt_and_time(child, &log);
    std::cout << "SIGINT during the evaluation at step " << eval_step << ": stopped in " << seconds
              << " s\n";
    CHECK(check_stopped_cleanly(child, seconds, log) >= eval_step);
  }
  // 3. A session that ends at once (its budget reached) still runs the evaluation left undone.
  log.clear();
  {
    const int64_t step = read_json(run + "/state.json").at("step").get<int64_t>();
    std::vector<std::string> args = argv;
    args.insert(args.end(), {"--budget-steps", std::to_string(step)});
    Subprocess child(args, SubprocessOptions{.stderr_mode = StderrMode::kDiscard});
    CHECK_FALSE(wait_for_line(child, "no such line", 300, &log));  // reads to the end
    INFO(log);
    CHECK(child.describe_exit(std::chrono::seconds(30)) == "exited with code 0");
  }
  std::map<int64_t, int> eval_lines;
  for (const auto& line : json_lines(run + "/metrics.jsonl", false)) {
    if (line.value("type", "") == "eval") ++eval_lines[line.at("step").get<int64_t>()];
  }
  CHECK(eval_lines.count(0) == 1);
  CHECK(eval_lines.count(eval_step) == 1);
  for (const auto& [step, lines] : eval_lines) CHECK(lines == 1);  // each snapshot once
  CHECK(saved_snapshots().empty());
  remove_tree(dir);
}

TEST_CASE(
    "a curriculum stopped by SIGINT in its first stage resumes there, and its net carries "
    "over stage by stage",
    "[crash][curriculum]") {
  const std::string dir = temp_dir("curriculum");
  const std::string config = dir + "/c4.json";
  std::ofstream(config) << tiny_train_config(R"J({
    "game": "connect_four", "seed": 5,
    "training": {"progress_seconds": 0.5},
    "budget": {"minutes": 0.15},
    "curriculum": [{"game": "tictactoe", "minutes": 0.05, "search": {"playouts": 4}},
                   {"game": "go(size=5,komi=0.5)", "minutes": 0.05}]
  })J");
  const std::string run = dir + "/run", stage1 = run + "/stages/1", stage2 = run + "/stages/2";
  std::string log;
  {
    Subprocess child({TENUKI_BINARY, "train", config, "--out", run},
                     SubprocessOptions{.stderr_mode = StderrMode::kDiscard});
    REQUIRE(wait_for_line(child, "curriculum stage 1/2: tictactoe until minute 0.05", 120, &log));
    REQUIRE(wait_for_line(child, "train tictactoe", 60, &log));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    interrupt_and_time(child, &log);
    INFO(log);
    REQUIRE(WIFEXITED(child.exit_status()));
    CHECK(WEXITSTATUS(child.exit_status()) == 0);
  }
  const nlohmann::json stopped = read_json(stage1 + "/state.json");
  CHECK(stopped.at("wall_seconds").get<double>() < 3.0);
  CHECK(read_json(stage1 + "/config.json").at("search").at("playouts") == 4);
  CHECK_FALSE(fs::exists(stage2));
  CHECK_FALSE(fs::exists(run + "/state.json"));

  // The same command: stage 1 resumes, stage 2 and connect_four start from the previous net.
  std::string output;
  REQUIRE(tenuki::test::run_train({config, "--out", run}, &output) == 0);
  INFO(output);
  CHECK(output.find("resuming at step " + std::to_string(stopped.at("step").get<int64_t>())) !=
        std::string::npos);
  CHECK(output.find("curriculum stage 2/2: go(size=5,komi=0.5) until minute 0.1") !=
        std::string::npos);
  const nlohmann::json first = read_json(stage1 + "/state.json");
  const nlohmann::json second = read_json(stage2 + "/state.json");
  const nlohmann::json main = read_json(run + "/state.json");
  CHECK(first.at("wall_seconds").get<double>() >= 3.0);
  CHECK(second.at("wall_seconds").get<double>() >= 6.0);
  CHECK(main.at("wall_seconds").get<double>() >= 9.0);
  auto derivation_of_first_checkpoint = [](const std::string& run_dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(run_dir + "/checkpoints")) {
      names.push_back(e.path().string());
    }
    REQUIRE_FALSE(names.empty());
    std::sort(names.begin(), names.end());
    CheckpointMeta meta;
    load_checkpoint(names.front(), {}, &meta);
    return meta.derivation;
  };
  CHECK(derivation_of_first_checkpoint(stage1) == "from scratch");
  CHECK(derivation_of_first_checkpoint(stage2).find("transfer from tictactoe") !=
        std::string::npos);
  CHECK(derivation_of_first_checkpoint(run).find("transfer from go(") != std::string::npos);
  CHECK(fs::exists(run + "/transfer.json"));
  // connect_four's clock started where stage 2's ended: its first metrics line is past it.
  for (const auto& line : json_lines(run + "/metrics.jsonl", false)) {
    if (line.value("type", "") != "train") continue;
    CHECK(line.at("wall_s").get<double>() >= second.at("wall_seconds").get<double>());
    break;
  }

  // A larger budget resumes connect_four alone; a budget within the stages is refused.
  REQUIRE(tenuki::test::run_train({config, "--out", run, "--budget-minutes", "0.2"}, &output) == 0);
  CHECK(output.find("curriculum stage") == std::string::npos);
  CHECK(read_json(stage1 + "/state.json") == first);
  CHECK(read_json(stage2 + "/state.json") == second);
  CHECK(read_json(run + "/state.json").at("step").get<int64_t>() >= main.at("step").get<int64_t>());
  CHECK_THROWS_WITH(tenuki::test::run_train({config, "--out", run, "--budget-minutes", "0.1"}),
                    Contains("leaving none for connect_four"));
  remove_tree(dir);
}
