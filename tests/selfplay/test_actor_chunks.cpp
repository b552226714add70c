// selfplay/run/actor_chunks.h: actors' chunk files in a shared run folder, the learners'
// per-actor ingest marks and the run token.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "envs/util/atomic_file.h"
#include "envs/util/input_error.h"
#include "selfplay/run/actor_chunks.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using Catch::Matchers::Contains;

namespace {

void write_chunk(const RunDirectory& dir, const std::string& actor, int64_t seq) {
  std::filesystem::create_directories(dir.file("games/" + actor));
  write_file_atomically(dir.file(actor_chunk_name(actor, seq)), "{}\n");
}

std::vector<std::string> names(const std::vector<ActorChunk>& chunks) {
  std::vector<std::string> out;
  for (const auto& c : chunks) out.push_back(c.actor + "/" + std::to_string(c.seq));
  return out;
}

}  // namespace

TEST_CASE("actor chunks are ingested once each, in order, past a killed writer's leftovers",
          "[run_folder]") {
  test::TempDir tmp;
  RunDirectory dir(tmp.path + "/run");
  CHECK(actor_chunk_name("a-1", 7) == "games/a-1/chunk_000007.jsonl");
  CHECK(next_actor_chunk(dir, "a-1") == 1);
  write_chunk(dir, "b", 1);
  write_chunk(dir, "a-1", 2);
  write_chunk(dir, "a-1", 1);
  // What an actor killed mid-chunk leaves, and things that are not chunks.
  std::ofstream(dir.file("games/a-1/chunk_000003.jsonl.tmp.Xy12ab")) << "{\"half";
  std::ofstream(dir.file("games/a-1/notes.txt")) << "x";
  std::filesystem::create_directories(dir.file("games/not an actor"));
  std::ofstream(dir.file("games/not an actor/chunk_000001.jsonl")) << "{}";
  std::ofstream(dir.file("games/chunk_000001.jsonl")) << "{}";  // the single-process layout
  CHECK(next_actor_chunk(dir, "a-1") == 3);

  IngestMarks marks;
  const auto first = chunks_to_ingest(dir, marks);
  CHECK(names(first) == std::vector<std::string>{"a-1/1", "a-1/2", "b/1"});
  advance_marks(&marks, first);
  CHECK(chunks_to_ingest(dir, marks).empty());
  write_chunk(dir, "a-1", 3);  // the actor, restarted, writes its next chunk
  write_chunk(dir, "c", 1);    // a new actor joins
  const auto second = chunks_to_ingest(dir, marks);
  CHECK(names(second) == std::vector<std::string>{"a-1/3", "c/1"});
  advance_marks(&marks, second);
  CHECK(marks == IngestMarks{{"a-1", 4}, {"b", 2}, {"c", 2}});

  // The marks travel in state.json with the checkpoint.
  RunState state;
  state.ingested = marks;
  dir.write_state(state);
  CHECK(dir.read_state().ingested == marks);
  CHECK(ingest_marks_from_json(ingest_marks_to_json(marks)) == marks);
  CHECK_THROWS_WITH(ingest_marks_from_json(nlohmann::json{{"x y", 2}}), Contains("actor id 'x y'"));
  CHECK_THROWS_WITH(ingest_marks_from_json(nlohmann::json{{"a", 0}}), Contains("ingested.a"));
  CHECK_THROWS_AS(check_actor_id(""), InputError);
  CHECK_THROWS_AS(check_actor_id(std::string(65, 'a')), InputError);
  CHECK_NOTHROW(check_actor_id("gpu-node_07"));
}

TEST_CASE("a run folder's token is created once and shared by every caller", "[run_folder]") {
  test::TempDir tmp;
  RunDirectory dir(tmp.path + "/run");
  std::vector<std::string> tokens(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { tokens[i] = run_token(dir); });
  for (auto& t : threads) t.join();
  CHECK(std::set<std::string>(tokens.begin(), tokens.end()).size() == 1);
  CHECK(tokens[0].size() == 32);
  CHECK(run_token(RunDirectory(tmp.path + "/run")) == tokens[0]);
  CHECK(run_token(RunDirectory(tmp.path + "/other")) != tokens[0]);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
  }
}
