// Experiments through the real binary, with networks: an existing checkpoint as the source, and a
// miniature experiment (seconds of training) run end to end, killed in the middle and resumed.
// (Specs and run folders without training: test_experiment_spec.cpp.)
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agents/net/checkpoint_format.h"
#include "envs/util/subprocess.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/experiments/experiment_test_helpers.h"
#include "tests/support/test_files.h"

namespace tenuki::test {
namespace {

// Every tensor of a checkpoint file by name, as float values.
std::map<std::string, std::vector<float>> checkpoint_tensors(const std::string& path) {
  CheckpointMeta meta;
  const std::vector<uint8_t> bytes = read_checked_file(path);
  std::map<std::string, std::vector<float>> tensors;
  for (const auto& [name, stored] : parse_checkpoint(path, bytes, &meta)) {
    int64_t numel = 1;
    for (int64_t d : stored.shape) numel *= d;
    std::vector<float> values(static_cast<size_t>(numel));
    std::memcpy(values.data(), stored.data, values.size() * sizeof(float));
    tensors[name] = std::move(values);
  }
  return tensors;
}

}  // namespace

TEST_CASE("an existing checkpoint as the source gives every arm its architecture", "[experiment]") {
  TempDir dir;
  // An existing checkpoint as the source: its architecture becomes every arm's.
  REQUIRE(run_tenuki("net-init " + dir.path +
                         "/go5.ckpt --game 'go(size=5)' --blocks 1 "
                         "--channels 8",
                     dir.path)
              .status == 0);
  nlohmann::json from_checkpoint = miniature_spec();
  from_checkpoint["source"] = {{"checkpoint", "go5.ckpt"}, {"cost", 1000}};
  // A control arm needs the given source's untrained checkpoint.
  const CommandResult refused = run_tenuki(
      "experiment run " + write_spec(dir.path, from_checkpoint) + " --dry-run", dir.path);
  CHECK(refused.status != 0);
  CHECK(refused.output.find("source.initial_checkpoint") != std::string::npos);
  from_checkpoint["source"]["initial_checkpoint"] = "no/such_0.ckpt";
  const CommandResult missing = run_tenuki(
      "experiment run " + write_spec(dir.path, from_checkpoint) + " --dry-run", dir.path);
  CHECK(missing.status != 0);
  CHECK(missing.output.find("source.initial_checkpoint: no such file") != std::string::npos);
  from_checkpoint["source"]["initial_checkpoint"] = "go5.ckpt";  // net-init: step 0
  const CommandResult planned = run_tenuki(
      "experiment run " + write_spec(dir.path, from_checkpoint) + " --dry-run", dir.path);
  INFO(planned.output);
  CHECK(planned.status == 0);
  CHECK(planned.output.find("(copy the source checkpoint)") != std::string::npos);
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
  REQUIRE(target["arms"].size() == 3);
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
  // Fine-tune and control vs scratch, fine-tune vs control, each on Elo and win rate; and the
  // total-time view of fine-tune vs scratch, which the source's cost (12000) pushes past the
  // arms' budget (6000): no shared range, said so.
  REQUIRE(target["metrics"].size() == 8);
  std::set<std::string> comparisons;
  for (const auto& m : target["metrics"]) {
    if (m["total_time"] == true) {
      CHECK(m["arm"] == "fine-tune");
      CHECK(m["versus"] == "scratch");
      CHECK_THAT(m["error"].get<std::string>(),
                 Catch::Matchers::Contains("source's cost (12000 evaluations) pushes") &&
                     Catch::Matchers::Contains("times to the threshold"));
      continue;
    }
    CHECK(m["result"]["verdict"] == "inconclusive (2 seeds)");
    comparisons.insert(m["arm"].get<std::string>() + " vs " + m["versus"].get<std::string>() +
                       " (" + m["versus_kind"].get<std::string>() + ")");
  }
  CHECK(comparisons == std::set<std::string>{"fine-tune vs scratch (scratch)",
                                             "fine-tune vs control (control)",
                                             "control vs scratch (scratch)"});
  REQUIRE(target["final"]["agents"].size() == 7);  // random + 3 arms x 2 seeds
  REQUIRE(target["cka"].size() == 6);
  // The control arm starts from a transfer of the source run's step-0 weights, tensor by tensor.
  REQUIRE(run_tenuki("transfer " + out + "/source/run/milestones/evaluations_0.ckpt" +
                         " --to tictactoe --out " + dir.path + "/control.ckpt --plan fine-tune" +
                         " --seed 1",
                     dir.path)
              .status == 0);
  const auto expected = checkpoint_tensors(dir.path + "/control.ckpt");
  const auto control =
      checkpoint_tensors(out + "/targets/ttt/control/s1/run/milestones/evaluations_0.ckpt");
  const auto fine_tune =
      checkpoint_tensors(out + "/targets/ttt/fine-tune/s1/run/milestones/evaluations_0.ckpt");
  CHECK(control == expected);
  CHECK(fine_tune != expected);
  CHECK(expected.size() > 10);
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
