#pragma once
// Finished self-play games of a training run: into the replay buffer and the rate controller,
// onto disk in chunks (games/chunk_NNNNNN.jsonl, plus SGF for Go), and counted for the shape of
// the games (length, passes, wins, resignations).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "envs/game.h"
#include "selfplay/game_record.h"
#include "selfplay/rate_controller.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/run/run_folder.h"

namespace tenuki {

// Running totals over the games a RecordWriter received, for the shape of self-play games.
struct GameShape {
  int64_t games = 0;
  int64_t moves = 0;   // actions played, passes included
  int64_t passes = 0;  // pass actions (Game::pass_action())
  int64_t first_player_wins = 0;
  int64_t draws = 0;
  int64_t resigned = 0;
  int64_t fast_finished = 0;  // games finished with fast searches once the rule fired
  int64_t branched = 0;       // branch games (SelfPlayRecord::branch_moves > 0)
  // Games played to the end after the resignation rule fired (SelfPlayRecord::would_resign: the
  // control games, and fast-finished ones), and those of them the player it named did not lose:
  // the false resignations resigning would have made.
  int64_t resign_checks = 0;
  int64_t false_resigns = 0;
};

// Collects finished games from the workers: adds them to the replay buffer and the rate
// controller, and writes them in chunks of `chunk_games` (plus SGF for Go when `sgf`).
// Thread-safety: add() from any thread; flush() from any thread.
class RecordWriter {
 public:
  RecordWriter(RunDirectory& dir, std::shared_ptr<const Game> game, ReplayBuffer& buffer,
               RateController& rate, int chunk_games, bool sgf, int64_t next_chunk,
               int64_t games_done);
  void add(SelfPlayRecord&& record);
  // Writes the pending games (if any) as one chunk. Throws std::runtime_error on I/O failure.
  void flush();
  int64_t games() const { return games_.load(); }
  int64_t next_chunk() const;
  // Totals of the games added in this process.
  GameShape shape() const;

 private:
  void write_chunk(std::vector<SelfPlayRecord> records, int64_t chunk);

  RunDirectory& dir_;
  std::shared_ptr<const Game> game_;
  ReplayBuffer& buffer_;
  RateController& rate_;
  int chunk_games_;
  bool sgf_;
  mutable std::mutex mutex_;
  std::mutex write_mutex_;  // serialises chunk writes
  std::vector<SelfPlayRecord> pending_;
  int64_t next_chunk_;
  std::atomic<int64_t> games_;
  GameShape shape_;  // guarded by mutex_
};

}  // namespace tenuki
