// Self-play actors (`tenuki selfplay`, selfplay/selfplay_actor.h) of a run folder: the real
// binary on a tiny Tic-tac-toe run.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "selfplay/game_record.h"
#include "selfplay/run/actor_chunks.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/experiments/experiment_test_helpers.h"

namespace tenuki::test {
namespace {

namespace fs = std::filesystem;

// A tiny Tic-tac-toe run of `steps` training steps in `dir`/run; returns the run folder.
std::string tiny_run(const std::string& dir, int steps) {
  const std::string config = write_tiny_ttt_config(dir);
  const std::string run = dir + "/run";
  std::string output;
  REQUIRE(run_train({config, "--out", run, "--budget-steps", std::to_string(steps)}, &output) == 0);
  return run;
}

// Every record in the actor's complete chunks; fails the test on a chunk that does not parse.
std::vector<SelfPlayRecord> actor_records(const std::string& run, const std::string& actor) {
  std::vector<SelfPlayRecord> all;
  for (const auto& c : chunks_to_ingest(RunDirectory(run), {})) {
    if (c.actor != actor) continue;
    for (auto& r : read_records_file(c.path)) all.push_back(std::move(r));
  }
  return all;
}

}  // namespace

TEST_CASE("an actor writes whole chunks of uniquely named games and resumes after them",
          "[actor]") {
  TempDir dir;
  const std::string run = tiny_run(dir.path, 4);
  CommandResult r =
      run_tenuki("selfplay --run " + run + " --id a1 --games 25 --progress-seconds 0", dir.path);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Matchers::Contains("actor a1 wrote 25 games"));
  std::vector<SelfPlayRecord> records = actor_records(run, "a1");
  CHECK(records.size() == 25);  // chunks of 10, 10 and the 5 left at the stop
  CHECK(fs::exists(run + "/games/a1/chunk_000003.jsonl"));

  // Again: chunks continue after the last, ids stay unique.
  r = run_tenuki("selfplay --run " + run + " --id a1 --games 5 --progress-seconds 0", dir.path);
  REQUIRE(r.status == 0);
  CHECK(fs::exists(run + "/games/a1/chunk_000004.jsonl"));
  records = actor_records(run, "a1");
  std::set<std::string> ids;
  for (const auto& rec : records) {
    CHECK(rec.id.rfind("a1-", 0) == 0);
    ids.insert(rec.id);
    CHECK(rec.moves.size() >= 5);  // a finished Tic-tac-toe game
  }
  CHECK(ids.size() == 30);

  // Bad input: not a run folder, a bad id, an id in use.
  r = run_tenuki("selfplay --run " + dir.path + " --games 1 --wait-seconds 1", dir.path);
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Matchers::Contains("is not a run folder"));
  r = run_tenuki("selfplay --run " + run + " --id 'a b' --games 1", dir.path);
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Matchers::Contains("actor id 'a b'"));
}

TEST_CASE("an actor killed mid-run leaves no partial chunk that a learner would read", "[actor]") {
  TempDir dir;
  const std::string run = tiny_run(dir.path, 4);
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string log = dir.path + "/actor.log";
    freopen(log.c_str(), "w", stdout);
    freopen(log.c_str(), "a", stderr);
    execl(TENUKI_BINARY, TENUKI_BINARY, "selfplay", "--run", run.c_str(), "--id", "k",
          "--progress-seconds", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait for two chunks, then kill while it keeps writing.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(run + "/games/k/chunk_000002.jsonl") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(fs::exists(run + "/games/k/chunk_000002.jsonl"));
  const std::vector<SelfPlayRecord> records = actor_records(run, "k");  // every chunk parses
  CHECK(records.size() % 10 == 0);                                      // whole chunks only
  CHECK(records.size() >= 20);
  // The next actor with that id takes the lock the dead one held and goes on after its chunks.
  const CommandResult r =
      run_tenuki("selfplay --run " + run + " --id k --games 3 --progress-seconds 0", dir.path);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(actor_records(run, "k").size() == records.size() + 3);
}

TEST_CASE("a training run trains on its actors' games, each chunk once across a restart",
          "[actor]") {
  TempDir dir;
  const std::string run = tiny_run(dir.path, 4);
  REQUIRE(run_tenuki("selfplay --run " + run + " --id a1 --games 20 --progress-seconds 0", dir.path)
              .status == 0);
  REQUIRE(run_tenuki("selfplay --run " + run + " --id b2 --games 10 --progress-seconds 0", dir.path)
              .status == 0);
  // The last summary line of metrics.jsonl: this session's count of actors' games.
  auto last_actor_games = [&] {
    int64_t games = -1;
    std::ifstream in(run + "/metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("type", "") == "summary") games = j.value("actor_games", -1);
    }
    return games;
  };
  const std::string config = dir.path + "/ttt.json";
  std::string output;
  REQUIRE(run_train({config, "--out", run, "--budget-steps", "8"}, &output) == 0);
  INFO(output);
  CHECK(last_actor_games() == 30);
  auto state = nlohmann::json::parse(read_text(run + "/state.json"));
  CHECK(state["ingested"] == nlohmann::json{{"a1", 3}, {"b2", 2}});
  // Resumed: nothing is read twice; a new chunk is read once.
  REQUIRE(run_tenuki("selfplay --run " + run + " --id a1 --games 4 --progress-seconds 0", dir.path)
              .status == 0);
  REQUIRE(run_train({config, "--out", run, "--budget-steps", "12"}, &output) == 0);
  CHECK_THAT(output, Catch::Matchers::Contains("resuming at step 8"));
  CHECK(last_actor_games() == 4);
  state = nlohmann::json::parse(read_text(run + "/state.json"));
  CHECK(state["ingested"] == nlohmann::json{{"a1", 4}, {"b2", 2}});
}

}  // namespace tenuki::test
