// Learner ranks (`tenuki train --role learner`) and actors (`tenuki selfplay`) as separate
// processes of the real binary on one machine: 2 learners with Gloo on 127.0.0.1 and actors
// sharing a run folder.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agents/net/checkpoint.h"
#include "selfplay/game_record.h"
#include "selfplay/run/actor_chunks.h"
#include "tests/experiments/experiment_test_helpers.h"
#include "tests/support/free_port.h"

namespace tenuki::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Starts `tenuki ARGS` with extra environment variables; its output goes to `log`.
pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& log) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  if (!std::freopen(log.c_str(), "w", stdout) || !std::freopen(log.c_str(), "a", stderr)) {
    _exit(126);
  }
  std::vector<char*> argv = {const_cast<char*>(TENUKI_BINARY)};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(TENUKI_BINARY, argv.data());
  _exit(127);
}

// The exit status of `pid` (-1: killed by a signal), or -2 if it runs past `seconds`.
int wait_for(pid_t pid, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -2;
}

std::map<std::string, std::string> rank(int r, int world, int port) {
  return {{"RANK", std::to_string(r)},
          {"WORLD_SIZE", std::to_string(world)},
          {"LOCAL_RANK", std::to_string(r)},
          {"MASTER_ADDR", "127.0.0.1"},
          {"MASTER_PORT", std::to_string(port)}};
}

// Every ingest line's chunks, in order.
std::vector<std::pair<std::string, int64_t>> ingested_chunks(const std::string& run) {
  std::vector<std::pair<std::string, int64_t>> out;
  std::ifstream in(run + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("type", "") != "ingest") continue;
    for (const auto& c : j["chunks"])
      out.emplace_back(c[0].get<std::string>(), c[1].get<int64_t>());
  }
  return out;
}

}  // namespace

TEST_CASE("2 learners and actors on one machine: every actor's games are trained on once",
          "[learners]") {
  TempDir dir;
  const std::string config = write_tiny_ttt_config(dir.path), run = dir.path + "/run";
  const int port = free_port();
  auto learners = [&](int steps, const std::string& tag) {
    std::vector<pid_t> pids;
    for (int r = 0; r < 2; ++r) {
      pids.push_back(spawn({"train", config, "--out", run, "--role", "learner", "--budget-steps",
                            std::to_string(steps), "--group-timeout", "20"},
                           rank(r, 2, port), dir.path + "/" + tag + std::to_string(r) + ".log"));
    }
    return pids;
  };
  std::vector<pid_t> ranks = learners(12, "learner");
  const pid_t a = spawn({"selfplay", "--run", run, "--id", "a", "--progress-seconds", "0"}, {},
                        dir.path + "/a.log");
  const pid_t b = spawn({"selfplay", "--run", run, "--id", "b", "--progress-seconds", "0"}, {},
                        dir.path + "/b.log");
  for (int r = 0; r < 2; ++r) {
    INFO(read_text(dir.path + "/learner" + std::to_string(r) + ".log"));
    CHECK(wait_for(ranks[r], 180) == 0);
  }
  // A third actor joins; actor b is killed mid-run; the learners come back for 8 more steps.
  const pid_t c = spawn({"selfplay", "--run", run, "--id", "c", "--progress-seconds", "0"}, {},
                        dir.path + "/c.log");
  ::kill(b, SIGKILL);
  ::waitpid(b, nullptr, 0);
  ranks = learners(20, "again");
  for (int r = 0; r < 2; ++r) {
    INFO(read_text(dir.path + "/again" + std::to_string(r) + ".log"));
    CHECK(wait_for(ranks[r], 180) == 0);
  }
  ::kill(a, SIGINT);
  ::kill(c, SIGINT);
  CHECK(wait_for(a, 60) == 0);
  CHECK(wait_for(c, 60) == 0);
  INFO(read_text(dir.path + "/again0.log"));
  CHECK_THAT(read_text(dir.path + "/again0.log"), Catch::Matchers::Contains("resuming at step 12"));

  const auto state = nlohmann::json::parse(read_text(run + "/state.json"));
  CHECK(state["step"] == 20);
  for (const auto& entry : fs::directory_iterator(run + "/checkpoints")) {
    CHECK_NOTHROW(load_checkpoint(entry.path().string()));
  }
  // The ledger: each chunk ingested once, in sequence per actor, and every game of a chunk below
  // the marks was trained on; the killed actor lost only games not yet in a chunk.
  const auto chunks = ingested_chunks(run);
  std::set<std::pair<std::string, int64_t>> unique(chunks.begin(), chunks.end());
  CHECK(unique.size() == chunks.size());
  std::set<std::string> actors;
  for (const auto& [actor, seq] : chunks) actors.insert(actor);
  CHECK(actors.count("a") == 1);
  std::set<std::string> ids_written_below_marks, ids_ingested;
  for (const auto& chunk : chunks_to_ingest(RunDirectory(run), {})) {
    const auto mark = state["ingested"].find(chunk.actor);
    for (const auto& r : read_records_file(chunk.path)) {
      if (mark != state["ingested"].end() && chunk.seq < mark->get<int64_t>()) {
        ids_written_below_marks.insert(r.id);
      }
      if (unique.count({chunk.actor, chunk.seq})) ids_ingested.insert(r.id);
    }
  }
  CHECK(ids_ingested == ids_written_below_marks);
  CHECK(ids_ingested.size() >= 30);

  // Every actor game names the step of the net that played it, and the learners report the
  // policy lag of what they trained on.
  for (const auto& chunk : chunks_to_ingest(RunDirectory(run), {})) {
    for (const auto& r : read_records_file(chunk.path)) {
      CHECK(r.net_step >= 0);
      CHECK(r.net_step <= 20);
    }
  }
  int lag_lines = 0;
  std::istringstream metrics(read_text(run + "/metrics.jsonl"));
  for (std::string line; std::getline(metrics, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("type", "") != "train" || !j.contains("policy_lag_p50")) continue;
    ++lag_lines;
    CHECK(j["policy_lag_p50"].get<int64_t>() >= 0);
    CHECK(j["policy_lag_p95"].get<int64_t>() >= j["policy_lag_p50"].get<int64_t>());
    CHECK(j["policy_lag_p95"].get<int64_t>() <= j["step"].get<int64_t>());
  }
  CHECK(lag_lines > 0);
}

TEST_CASE("learners with bad launch variables, a second job or a dead rank fail in time",
          "[learners]") {
  TempDir dir;
  const std::string config = write_tiny_ttt_config(dir.path), run = dir.path + "/run";
  // WORLD_SIZE without RANK.
  pid_t p = spawn({"train", config, "--out", run, "--role", "learner", "--budget-steps", "4"},
                  {{"WORLD_SIZE", "2"}}, dir.path + "/bad.log");
  CHECK(wait_for(p, 30) == 2);
  CHECK_THAT(read_text(dir.path + "/bad.log"),
             Catch::Matchers::Contains("WORLD_SIZE is set but RANK is not"));
  // Rank 1 alone: nobody serves the rendezvous.
  const auto start = Clock::now();
  p = spawn({"train", config, "--out", run, "--role", "learner", "--budget-steps", "4",
             "--group-timeout", "2"},
            rank(1, 2, free_port()), dir.path + "/alone.log");
  CHECK(wait_for(p, 60) != 0);
  CHECK(Clock::now() - start < std::chrono::seconds(30));
  CHECK_THAT(read_text(dir.path + "/alone.log"), Catch::Matchers::Contains("learner rank 1 of 2"));

  // A dead rank: rank 0 says so and stops within the timeout plus a margin.
  const int port = free_port();
  const pid_t r0 = spawn({"train", config, "--out", run, "--role", "learner", "--budget-steps",
                          "100000", "--group-timeout", "5"},
                         rank(0, 2, port), dir.path + "/r0.log");
  const pid_t r1 = spawn({"train", config, "--out", run, "--role", "learner", "--budget-steps",
                          "100000", "--group-timeout", "5"},
                         rank(1, 2, port), dir.path + "/r1.log");
  // A second learner job on the same folder is refused while the first holds it.
  const auto wait_state = Clock::now() + std::chrono::seconds(60);
  while (!fs::exists(run + "/state.json") && Clock::now() < wait_state) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(fs::exists(run + "/state.json"));
  p = spawn({"train", config, "--out", run, "--role", "learner", "--budget-steps", "4"}, {},
            dir.path + "/second.log");
  CHECK(wait_for(p, 30) == 2);
  CHECK_THAT(read_text(dir.path + "/second.log"), Catch::Matchers::Contains("in use by another"));
  ::kill(r1, SIGKILL);
  const auto killed = Clock::now();
  const int status = wait_for(r0, 60);
  INFO(read_text(dir.path + "/r0.log"));
  CHECK(status != 0);
  CHECK(status != -2);  // no hang
  CHECK(Clock::now() - killed < std::chrono::seconds(5 + 15));
  CHECK_THAT(read_text(dir.path + "/r0.log"), Catch::Matchers::Contains("a rank gone?"));
  ::waitpid(r1, nullptr, 0);
}

}  // namespace tenuki::test
