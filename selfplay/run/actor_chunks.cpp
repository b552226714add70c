#include "selfplay/run/actor_chunks.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "envs/util/atomic_file.h"
#include "envs/util/input_error.h"

namespace tenuki {
namespace fs = std::filesystem;
namespace {

bool valid_actor_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// The sequence of "chunk_<digits>.jsonl"; 0 for any other name.
int64_t chunk_seq(const std::string& name) {
  const std::string prefix = "chunk_", suffix = ".jsonl";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return 0;
  }
  const std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 15 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return 0;
  return std::stoll(digits);
}

// The complete chunks of one actor's folder, by sequence.
std::vector<ActorChunk> actor_chunks(const fs::path& folder, const std::string& actor) {
  std::vector<ActorChunk> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const int64_t seq = chunk_seq(entry.path().filename().string());
    if (seq > 0 && entry.is_regular_file(ec)) out.push_back({actor, seq, entry.path().string()});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.seq < b.seq; });
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

void check_actor_id(const std::string& id) {
  if (!valid_actor_id(id)) {
    throw InputError("actor id '" + id + "': use 1 to 64 letters, digits, '-' and '_'");
  }
}

std::string actor_chunk_name(const std::string& actor, int64_t seq) {
  char name[64];
  std::snprintf(name, sizeof(name), "/chunk_%06" PRId64 ".jsonl", seq);
  return "games/" + actor + name;
}

int64_t next_actor_chunk(const RunDirectory& dir, const std::string& actor) {
  const auto chunks = actor_chunks(dir.file("games/" + actor), actor);
  return chunks.empty() ? 1 : chunks.back().seq + 1;
}

std::vector<ActorChunk> chunks_to_ingest(const RunDirectory& dir, const IngestMarks& marks) {
  std::vector<std::string> actors;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir.file("games"), ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory(ec) && valid_actor_id(name)) actors.push_back(name);
  }
  std::sort(actors.begin(), actors.end());
  std::vector<ActorChunk> out;
  for (const std::string& actor : actors) {
    const auto mark = marks.find(actor);
    // Chunks are numbered without gaps (an actor resumes after its highest complete chunk), so
    // probing from the mark costs the new chunks only, however many old ones the folder holds.
    for (int64_t seq = mark == marks.end() ? 1 : mark->second;; ++seq) {
      const std::string path = dir.file(actor_chunk_name(actor, seq));
      if (!fs::is_regular_file(path, ec)) break;
      out.push_back({actor, seq, path});
    }
  }
  return out;
}

nlohmann::json ingest_line(const std::vector<ActorChunk>& chunks, int64_t games) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : chunks) list.push_back({c.actor, c.seq});
  return {{"chunks", std::move(list)}, {"games", games}};
}

void advance_marks(IngestMarks* marks, const std::vector<ActorChunk>& ingested) {
  for (const auto& c : ingested) {
    int64_t& mark = marks->emplace(c.actor, 1).first->second;
    mark = std::max(mark, c.seq + 1);
  }
}

nlohmann::json ingest_marks_to_json(const IngestMarks& marks) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [actor, next] : marks) j[actor] = next;
  return j;
}

IngestMarks ingest_marks_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw InputError("ingested: expected an object of actor -> next chunk");
  IngestMarks marks;
  for (const auto& [actor, next] : j.items()) {
    check_actor_id(actor);
    if (!next.is_number_integer() || next.get<int64_t>() < 1) {
      throw InputError("ingested." + actor + ": expected a chunk number >= 1");
    }
    marks[actor] = next.get<int64_t>();
  }
  return marks;
}

void write_learner_progress(const RunDirectory& dir, const LearnerProgress& p) {
  const nlohmann::json j = {{"step", p.step}, {"positions", p.positions}, {"consumed", p.consumed}};
  write_file_atomically(dir.file("learners.json"), j.dump() + "\n");
}

bool read_learner_progress(const RunDirectory& dir, LearnerProgress* p) {
  const nlohmann::json j = nlohmann::json::parse(read_file(dir.file("learners.json")), nullptr,
                                                 /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("positions") || !j.contains("consumed")) return false;
  p->step = j.value("step", int64_t{0});
  p->positions = j.value("positions", int64_t{0});
  p->consumed = j.value("consumed", int64_t{0});
  return true;
}

std::string run_token(const RunDirectory& dir) {
  const std::string path = dir.file("run_token");
  std::string token = read_file(path);
  if (token.size() == 32) return token;
  std::random_device device;
  char hex[33];
  for (int i = 0; i < 4; ++i) std::snprintf(hex + 8 * i, 9, "%08x", device());
  // Written whole under a temporary name, then linked: link() never replaces an existing file,
  // so of two first callers one wins and both read its token.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + hex;
  write_file_atomically(tmp, std::string(hex, 32));
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_error = errno;
  ::unlink(tmp.c_str());
  if (linked != 0 && link_error != EEXIST) {
    throw std::runtime_error("cannot create '" + path + "': " + std::strerror(link_error));
  }
  token = read_file(path);
  if (token.size() != 32) throw std::runtime_error("'" + path + "' does not hold a run token");
  return token;
}

}  // namespace tenuki
