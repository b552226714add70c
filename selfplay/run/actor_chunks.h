#pragma once
// Game-record chunks of self-play actors that share a run folder with the learners:
//   games/<actor>/chunk_<seq>.jsonl   (seq from 1, six digits or more)
// Each chunk is written whole (envs/util/atomic_file.h: a temporary name beside it, then a
// rename), so a reader never sees part of one, and an actor killed while writing leaves only a
// temporary file, which no reader picks. Learners ingest by per-actor high-water marks (the next
// sequence to read) kept in state.json with each checkpoint, so a restart neither loses nor
// re-reads a chunk. Also the run's token, which ranks and actors of one run share.
// No LibTorch. Thread-safe (functions over the file system; no shared state).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "selfplay/run/run_folder.h"

namespace tenuki {

// 1 to 64 letters, digits, '-' and '_'. Throws InputError naming the id otherwise.
void check_actor_id(const std::string& id);

// "games/<actor>/chunk_<seq>.jsonl", relative to the run folder.
std::string actor_chunk_name(const std::string& actor, int64_t seq);

// One past the actor's highest complete chunk (1 when it has none): where it resumes.
int64_t next_actor_chunk(const RunDirectory& dir, const std::string& actor);

struct ActorChunk {
  std::string actor;
  int64_t seq = 0;
  std::string path;  // full path
};

// Per actor, the first chunk sequence not yet ingested (absent: 1).
using IngestMarks = std::map<std::string, int64_t>;

// Every complete chunk at or past its actor's mark, ordered by actor, then sequence: from the
// mark on, up to the first number that is missing (actors number their chunks without gaps).
// Folders whose names are not actor ids are skipped. Costs the new chunks, not the old ones.
std::vector<ActorChunk> chunks_to_ingest(const RunDirectory& dir, const IngestMarks& marks);

// The metrics line of an ingest round: {"chunks": [[actor, seq], ...], "games": games}.
nlohmann::json ingest_line(const std::vector<ActorChunk>& chunks, int64_t games);

// `marks` moved past every chunk of `ingested`.
void advance_marks(IngestMarks* marks, const std::vector<ActorChunk>& ingested);

nlohmann::json ingest_marks_to_json(const IngestMarks& marks);
// Throws InputError naming the actor for a bad id or a mark below 1.
IngestMarks ingest_marks_from_json(const nlohmann::json& j);

// What the learners have ingested and consumed, for the actors' pace (the file learners.json,
// written atomically by rank 0 about once a second).
struct LearnerProgress {
  int64_t step = 0;
  int64_t positions = 0;  // training positions ingested
  int64_t consumed = 0;   // training samples consumed
};
void write_learner_progress(const RunDirectory& dir, const LearnerProgress& progress);
// False when there is none yet (or it does not read: it is being replaced).
bool read_learner_progress(const RunDirectory& dir, LearnerProgress* progress);

// The run's token (32 hex digits): created on the first call, with the folder's file run_token
// (atomically: concurrent first calls agree on one token), read afterwards. Throws
// std::runtime_error when it can be neither created nor read.
std::string run_token(const RunDirectory& dir);

}  // namespace tenuki
