#pragma once
// A self-play actor of a run folder that learners train from (`tenuki selfplay --run RUN --id
// NAME`): self-play workers and one batching inference service, as in a training run, connected
// to the learners only through the folder. Finished games go to games/<id>/chunk_<seq>.jsonl
// (selfplay/run/actor_chunks.h), each game with the id "<actor>-<seq>-<k>"; the actor resumes
// after its highest complete chunk, and a clean stop writes the finished games as a last chunk
// (a kill loses only the games since the last chunk). The net is the run's latest checkpoint
// (state.json, written by the learners' rank 0 after the checkpoint itself); a newer one is
// picked up while playing. The actor follows the learners' pace (learners.json): it pauses while
// they have plenty of samples left to take.
//
// Thread-safety: run() once, from one thread; the workers run on their own threads.
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agents/net/batching_evaluator.h"
#include "envs/game.h"
#include "selfplay/game_record.h"
#include "selfplay/run/run_folder.h"
#include "selfplay/train_config.h"

namespace tenuki {

struct ActorOptions {
  std::string id;                // actor id (check_actor_id)
  int64_t max_games = 0;         // stop after this many games (0: until stopped)
  double poll_seconds = 2;       // how often state.json is read for a newer net; > 0
  double progress_seconds = 10;  // progress lines (0: none)
};

struct ActorTotals {
  int64_t games = 0, positions = 0, chunks = 0;
  int64_t net_updates = 0;  // newer nets picked up
  // Seconds from a net's publication (state.json naming it written) to its pick-up: sum and most.
  double pickup_seconds_sum = 0, pickup_seconds_max = 0;
  std::string checkpoint;  // the net playing at the end (relative to the run folder)
};

class SelfPlayActor {
 public:
  // Borrows everything; `evaluator` serves the net of `checkpoint` (relative to the run folder),
  // trained for `net_step` steps.
  SelfPlayActor(const RunDirectory& dir, const TrainConfig& config,
                std::shared_ptr<const Game> game, BatchingEvaluator& evaluator,
                std::string checkpoint, int64_t net_step, ActorOptions options, std::ostream& log);

  // Plays until `stop` is set or max_games are done. Throws std::runtime_error when a chunk
  // cannot be written or a worker fails (chunks written before stay).
  ActorTotals run(const std::atomic<bool>& stop);

 private:
  // A finished game from a worker thread: kept, written as a chunk once chunk_games are kept.
  void add(SelfPlayRecord&& record);
  // Writes the kept games as the next chunk (none kept: nothing). Needs chunk_mutex_.
  void write_chunk_locked();
  // Loads a newer checkpoint named by state.json, if any, into the served net.
  void pick_up_newer_net();

  const RunDirectory& dir_;
  const TrainConfig& config_;
  std::shared_ptr<const Game> game_;
  BatchingEvaluator& evaluator_;
  ActorOptions options_;
  std::ostream& log_;
  std::mutex chunk_mutex_;
  std::vector<SelfPlayRecord> kept_;  // guarded by chunk_mutex_
  int64_t next_seq_ = 1;              // guarded by chunk_mutex_
  ActorTotals totals_;                // games/positions/chunks guarded by chunk_mutex_
  std::atomic<int64_t> net_step_;     // the served net's step, stamped on each finished game
  std::atomic<bool> done_{false};     // max_games reached
};

}  // namespace tenuki
