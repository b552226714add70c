#pragma once
// The replay buffer: a sliding window over the newest self-play positions, sampled uniformly,
// with optional symmetry augmentation. It stores whole game records (selfplay/game_record.h) and
// rebuilds a position's planes by replaying its game when sampled, so it costs a few bytes per
// position at any board size.
//
// Targets of a sample at move i of a game, all from the point of view of the player to move:
// - policy: the search's policy target of move i (num_actions entries),
// - value: the game's final return for that player, mixed with the search's root value at move i
//   when search_value_weight w > 0: (1 - w) * return + w * root value (records without root
//   values keep the return),
// - ownership: per cell +1 own, -1 opponent, 0 nobody's, as the final position is scored
//   (State::scoring_owners: Go counts territory), with weight 1 when the game reached its end and
//   0 when it did not (resigned or cut off by max_moves): its final position then says nothing
//   about who owns what (dead stones still stand, territory is open).
// - opponent policy: the search's policy target of move i + 1 (the opponent's reply; KataGo's
//   auxiliary policy target), with weight 1, or weight 0 at a game's last move (no reply) and
//   where the record has no policy for the reply.
// With augmentation each sample gets a symmetry s drawn uniformly from game.symmetries():
// planes through encoding::map_planes, policy and ownership through Game::map_action /
// symmetry::map_cell, so the sample equals the position reached by the mapped moves.
//
// Thread-safety: every method may be called from several threads (one mutex); sampling replays
// games outside the lock.
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "envs/game.h"
#include "envs/util/random.h"
#include "selfplay/game_record.h"

namespace tenuki {

// A batch of training samples for one board shape, row-major arrays.
struct TrainingBatch {
  int size = 0;
  int rows = 0, cols = 0, num_actions = 0;
  std::vector<float> planes;                  // size * kNumChannels * rows * cols
  std::vector<float> policy;                  // size * num_actions
  std::vector<float> value;                   // size
  std::vector<float> ownership;               // size * rows * cols
  std::vector<float> ownership_weight;        // size: 1 where the ownership target is known, else 0
  std::vector<float> opponent_policy;         // size * num_actions: the reply's policy target
  std::vector<float> opponent_policy_weight;  // size: 1 where there is a reply, else 0
  std::vector<int> symmetries;                // the symmetry applied to each sample
  std::vector<int64_t> net_steps;  // each sample's SelfPlayRecord::net_step (-1: not recorded)
};

class ReplayBuffer {
 public:
  // `window`: positions kept (>= 1); whole oldest games are dropped once the newest games alone
  // hold at least `window` positions. `search_value_weight` in [0, 1] (see the value target).
  ReplayBuffer(std::shared_ptr<const Game> game, int64_t window, double search_value_weight = 0);

  // Adds a finished game. Throws std::invalid_argument when the record is for another game or
  // does not replay (illegal move).
  void add(const SelfPlayRecord& record);
  // Samples `n` positions uniformly (with replacement) from the window. Precondition: size() > 0.
  TrainingBatch sample(int n, Rng& rng, bool augment) const;
  // Builds the sample for position `move` of `record` under symmetry `s` (for tests and tools).
  TrainingBatch make_sample(const SelfPlayRecord& record, int move, int s) const;

  // Training positions in the window.
  int64_t size() const;
  int64_t games() const;
  // Training positions ever added (including those that left the window).
  int64_t total_added() const;

 private:
  struct StoredGame {
    SelfPlayRecord record;
    std::vector<int8_t> final_owner;  // per cell: -1 nobody, 0 or 1: scoring owner at the end
    bool reached_end = false;         // the record's moves end the game
  };
  struct Position {
    std::shared_ptr<const StoredGame> game;
    int move;
  };
  std::shared_ptr<const StoredGame> store(const SelfPlayRecord& record) const;
  void fill(const StoredGame& game, int move, int s, TrainingBatch& batch, int slot) const;

  std::shared_ptr<const Game> game_;
  int64_t window_;
  double search_value_weight_;
  mutable std::mutex mutex_;
  std::deque<Position> positions_;
  std::deque<std::shared_ptr<const StoredGame>> games_;
  int64_t total_added_ = 0;
};

}  // namespace tenuki
