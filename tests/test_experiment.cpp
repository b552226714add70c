// Experiments through the real binary: bad specs refused before any work, and a miniature
// experiment (seconds of training) run end to end, killed in the middle and resumed.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "agents/subprocess.h"
#include "train_test_helpers.h"

namespace tenuki::test {
namespace {

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult run_tenuki(const std::string& arguments, const std::string& dir) {
  const std::string log = dir + "/command.log";
  const int rc =
      std::system((std::string(TENUKI_BINARY) + " " + arguments + " > " + log + " 2>&1").c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_text(log)};
}

// A miniature experiment: Go 5x5 source, a Tic-tac-toe target, scratch and fine-tune arms, two
// seeds, a few thousand network evaluations each.
nlohmann::json miniature_spec() {
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
  return {
      {"name", "mini"},
      {"source", {{"config", source}, {"budget", 12000}}},
      {"targets",
       {{{"name", "ttt"},
         {"config", target},
         {"arms",
          {{{"name", "scratch"}}, {{"name", "fine-tune"}, {"transfer", {{"plan", "fine-tune"}}}}}},
         {"pool", {"random", "mcts(playouts=20)"}}}}},
      {"seeds", 2},
      {"budget", {{"unit", "evaluations"}, {"amount", 6000}}},
      {"evaluation",
       {{"every", 3000}, {"games", 2}, {"visits", 8}, {"pool_games", 2}, {"opening_plies", 1}}},
      {"final", {{"games_per_pair", 2}}},
      {"cka", {{"positions", 32}}},
      {"estimate", {{"units_per_second", 2000}, {"seconds_per_game", 0.1}}}};
}

std::string write_spec(const std::string& dir, const nlohmann::json& spec) {
  const std::string path = dir + "/spec.json";
  std::ofstream(path) << spec.dump(2);
  return path;
}

}  // namespace

TEST_CASE("experiment specs with mistakes fail before any work, naming the problem",
          "[experiment]") {
  TempDir dir;
  struct Case {
    std::string what;
    std::function<void(nlohmann::json&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"unknown key", [](nlohmann::json& s) { s["seed_count"] = 3; }, "unknown key 'seed_count'"},
      {"unknown key in an arm",
       [](nlohmann::json& s) { s["targets"][0]["arms"][1]["transfer"]["plans"] = "x"; },
       "unknown key 'targets[0].arms[1].transfer.plans'"},
      {"unknown game", [](nlohmann::json& s) { s["targets"][0]["game"] = "chess"; }, "chess"},
      {"missing source checkpoint",
       [](nlohmann::json& s) {
         s["source"] = {{"checkpoint", "no/such.ckpt"}};
       },
       "source.checkpoint: no such file"},
      {"zero budget", [](nlohmann::json& s) { s["budget"]["amount"] = 0; },
       "budget.amount: must be > 0"},
      {"impossible schedule", [](nlohmann::json& s) { s["evaluation"]["every"] = 7000; },
       "evaluation.every"},
      {"odd games", [](nlohmann::json& s) { s["evaluation"]["games"] = 3; }, "even"},
      {"transfer without a source", [](nlohmann::json& s) { s.erase("source"); },
       "needs a \"source\""},
      {"unknown pool agent", [](nlohmann::json& s) { s["targets"][0]["pool"][1] = "alphago"; },
       "pool[1]"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    nlohmann::json spec = miniature_spec();
    c.edit(spec);
    const std::string path = write_spec(dir.path, spec);
    const std::string out = dir.path + "/run_" + std::to_string(&c - cases.data());
    const CommandResult r = run_tenuki("experiment run " + path + " --out " + out, dir.path);
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find(c.message) != std::string::npos);
    CHECK_FALSE(fs::exists(out));  // nothing started
  }
  // The same spec without mistakes is accepted (--dry-run prints the plan and runs nothing).
  const std::string path = write_spec(dir.path, miniature_spec());
  const CommandResult ok = run_tenuki("experiment run " + path + " --dry-run", dir.path);
  INFO(ok.output);
  CHECK(ok.status == 0);
  CHECK(ok.output.find("ttt/fine-tune/s2/eval/6000") != std::string::npos);
  CHECK(ok.output.find("estimated total") != std::string::npos);

  // An existing checkpoint as the source: its architecture becomes every arm's.
  REQUIRE(run_tenuki("net-init " + dir.path +
                         "/go5.ckpt --game 'go(size=5)' --blocks 1 "
                         "--channels 8",
                     dir.path)
              .status == 0);
  nlohmann::json from_checkpoint = miniature_spec();
  from_checkpoint["source"] = {{"checkpoint", "go5.ckpt"}, {"cost", 1000}};
  const CommandResult planned = run_tenuki(
      "experiment run " + write_spec(dir.path, from_checkpoint) + " --dry-run", dir.path);
  INFO(planned.output);
  CHECK(planned.status == 0);
  CHECK(planned.output.find("(copy the source checkpoint)") != std::string::npos);
}

TEST_CASE("a run folder's status is read where the pool's engines are missing", "[experiment]") {
  TempDir dir;
  nlohmann::json spec = miniature_spec();
  spec["targets"][0]["pool"][1] = "gtp(cmd=\"/nonexistent/engine --mode gtp\")";
  // A new run builds the pool agents first, so the missing engine is refused ...
  const CommandResult refused =
      run_tenuki("experiment run " + write_spec(dir.path, spec) + " --dry-run", dir.path);
  INFO(refused.output);
  CHECK(refused.status == 2);
  CHECK(refused.output.find("pool[1]") != std::string::npos);
  // ... but a folder made elsewhere is read without starting them.
  const std::string run_dir = dir.path + "/made_elsewhere";
  fs::create_directories(run_dir);
  std::ofstream(run_dir + "/experiment.json") << spec.dump(2);
  const CommandResult status = run_tenuki("experiment status " + run_dir, dir.path);
  INFO(status.output);
  CHECK(status.status == 0);
  CHECK(status.output.find("ttt/scratch/s1/train") != std::string::npos);
}

TEST_CASE("a miniature experiment runs end to end, survives a kill and reports every section",
          "[experiment][slow]") {
  TempDir dir;
  const std::string spec = write_spec(dir.path, miniature_spec());
  const std::string out = dir.path + "/run";
  const std::string run = std::string(TENUKI_BINARY) + " experiment run " + spec + " --out " + out +
                          " --progress-seconds 1";
  {
    // Killed (with every stage process: SIGKILL to the group) once an arm is training.
    Subprocess child = Subprocess::shell("exec " + run + " 2>&1");
    std::string line, log;
    bool training = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (!training && std::chrono::steady_clock::now() < deadline) {
      if (child.read_line(&line, std::chrono::milliseconds(200)) == Subprocess::ReadStatus::kEof) {
        break;
      }
      log += line + "\n";
      training = line.find("start ttt/fine-tune/s1/train") != std::string::npos;
    }
    INFO(log);
    REQUIRE(training);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    child.kill();
  }
  const nlohmann::json done_before = nlohmann::json::parse(read_text(out + "/stages.json"));
  CHECK(done_before["done"].contains("source"));
  CHECK_FALSE(done_before["done"].contains("report"));

  // Status works on the stopped folder.
  const CommandResult status = run_tenuki("experiment status " + out, dir.path);
  CHECK(status.status == 0);
  CHECK(status.output.find("no runner is active") != std::string::npos);
  CHECK(status.output.find("ttt/scratch/s1/train") != std::string::npos);

  // The same command resumes and finishes (two stages at a time this time).
  const CommandResult resumed =
      run_tenuki(run.substr(std::string(TENUKI_BINARY).size() + 1) + " --jobs 2", dir.path);
  INFO(resumed.output);
  REQUIRE(resumed.status == 0);
  CHECK(resumed.output.find("resuming") != std::string::npos);
  CHECK(resumed.output.find("done source") == std::string::npos);  // not run twice

  const nlohmann::json results = nlohmann::json::parse(read_text(out + "/report/results.json"));
  CHECK(results["complete"] == true);
  const auto& target = results["targets"][0];
  REQUIRE(target["arms"].size() == 2);
  for (const auto& arm : target["arms"]) {
    REQUIRE(arm["seeds"].size() == 2);
    for (const auto& seed : arm["seeds"]) {
      REQUIRE(seed["curve"].size() == 3);  // milestones 0, 3000, 6000
      for (const auto& point : seed["curve"]) {
        CHECK(point["games"] == 4);  // 2 games against each of the 2 pool agents
        CHECK(point["win_rate"].get<double>() >= 0);
        CHECK(point["win_rate"].get<double>() <= 1);
      }
      CHECK(seed["curve"][2]["x"] == 6000);
      CHECK_FALSE(seed["train"].empty());
    }
  }
  CHECK(target["pool"][0]["elo"] == 0);
  REQUIRE(target["metrics"].size() == 2);  // fine-tune vs scratch on Elo and win rate
  CHECK(target["metrics"][0]["result"]["verdict"].is_string());
  REQUIRE(target["final"]["agents"].size() == 5);  // random + 2 arms x 2 seeds
  REQUIRE(target["cka"].size() == 4);
  CHECK(target["cka"][0]["matrix"].size() == 2);  // stem and one block of the source
  CHECK_FALSE(results["source"]["train"].empty());
  // The arms stopped at their budget of network evaluations (checked between training steps, so
  // self-play may overshoot it a little).
  const nlohmann::json state =
      nlohmann::json::parse(read_text(out + "/targets/ttt/scratch/s1/run/state.json"));
  CHECK(state["evaluations"].get<int64_t>() >= 6000);
  CHECK(state["evaluations"].get<int64_t>() < 9000);

  // The page has every section, each with plots or numbers in it.
  const std::string page = read_text(out + "/report/index.html");
  for (const std::string section :
       {"Learning curves", "Transfer metrics", "Final ratings", "Crosstable",
        "Representation similarity (linear CKA)", "Training: losses and throughput", "Source"}) {
    INFO(section);
    const bool found = page.find("<h3>" + section + "</h3>") != std::string::npos ||
                       page.find(">" + section + "</h2>") != std::string::npos;
    CHECK(found);
  }
  CHECK(page.find("not yet available") == std::string::npos);
  CHECK(page.find("<svg") != std::string::npos);
  CHECK(page.find("fine-tune/2") != std::string::npos);  // a final-ratings row
  CHECK(fs::exists(out + "/report/curves.csv"));
  CHECK(fs::exists(out + "/report/metrics.csv"));

  // A second report on the finished folder gives the same files.
  const std::string first = read_text(out + "/report/results.json");
  const std::string first_page = read_text(out + "/report/index.html");
  const CommandResult again = run_tenuki("experiment report " + out, dir.path);
  CHECK(again.status == 0);
  CHECK(read_text(out + "/report/results.json") == first);
  CHECK(read_text(out + "/report/index.html") == first_page);
}

}  // namespace tenuki::test
