#pragma once
// A self-play worker: one thread drives many games in lock-step (after lc0's MultiSelfPlayGames):
// each step gathers leaves from every game's search tree into one evaluator batch, computes it
// once, then backs up every tree and plays the moves of finished searches. Finished games are
// handed to a sink as GameRecords.
//
// Thread-safety: a worker is used by one thread (run()); distinct workers run concurrently over a
// thread-safe Evaluator, RateController and sink.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agents/eval/evaluator.h"
#include "agents/search/mcts.h"
#include "envs/game.h"
#include "envs/util/random.h"
#include "selfplay/game_record.h"
#include "selfplay/rate_controller.h"
#include "selfplay/resign_rule.h"

namespace tenuki {

struct SelfPlayWorkerOptions {
  int games = 64;     // concurrent games, >= 1
  int max_moves = 0;  // adjudicate a draw after this many moves; 0 = never
  uint64_t seed = 1;  // seeds the games' searches
  // Each new game's id is id_prefix + a counter; "" = games without ids.
  std::string id_prefix;
  // When a game resigns (the search config's resign_threshold is not used in self-play). A resumed
  // game keeps its no-resign choice (and, with fast_finish, its fast searches once the rule
  // fired); its streak of agreeing searches starts again.
  ResignRule resign;
  // Share of new games, in [0, 1), that start as a branch (KataGo's forked games): a position of
  // one of this worker's earlier games, drawn uniformly from its moves (newest game first), where
  // the move is drawn from the net's raw policy (Mcts::root_policy, after a fast search) instead
  // of being searched; the game goes on from there with normal searches. Neither the copied moves
  // nor the branch move are trained on (SelfPlayRecord::branch_moves). The branch points (at most
  // `games`, the oldest dropped) live in the worker only: a stop loses them, not the branch games
  // in progress.
  double branch_games = 0;
};

// Called from the worker's thread for every finished game; must be thread-safe across workers.
using GameSink = std::function<void(SelfPlayRecord&&)>;

// Throws std::invalid_argument, naming the record's id, unless `record` is a game of `game` that
// can be continued: moves, policies, full and value of one length, branch_moves at most one past
// them, every move legal, not over.
void check_game_in_progress(const Game& game, const SelfPlayRecord& record);

class SelfPlayWorker {
 public:
  // Borrows `evaluator` and `rate` (they must outlive run()).
  SelfPlayWorker(std::shared_ptr<const Game> game, const SearchConfig& search,
                 SelfPlayWorkerOptions options, Evaluator& evaluator, RateController& rate,
                 GameSink sink);
  // Games to continue before new ones start (before run()): records of games in progress (moves
  // and targets so far, id kept), as games_in_progress() gave them. Throws std::invalid_argument
  // for a record of another game, with inconsistent lengths or an illegal move, or one that is
  // already over.
  void resume_games(std::vector<SelfPlayRecord> games);
  // Plays until `stop` is set or the rate controller stops; games in progress stay in their slots.
  void run(const std::atomic<bool>& stop);
  // After run(): the games left in progress with at least one move, and resumed ones not started.
  std::vector<SelfPlayRecord> games_in_progress() const;
  // Lock-step iterations done (one evaluator batch each).
  int64_t iterations() const { return iterations_.load(); }

 private:
  struct Slot {
    Slot(std::unique_ptr<Mcts> search, const ResignRule& rule)
        : tree(std::move(search)), resign(rule) {}
    std::unique_ptr<State> state;
    std::unique_ptr<Mcts> tree;
    SelfPlayRecord record;
    ResignTracker resign;
    bool searching = false;
    bool branch_pending = false;  // the next move is the branch move, drawn from the raw policy
  };
  void start_game(Slot& slot);
  // Starts `slot`'s new game from the newest branch point (see branch_games).
  void start_branch(Slot& slot);
  // With fast_finish, once the rule has fired in a game that is not a control: only fast searches
  // from here on (read from the record, so a resumed game keeps it).
  bool finishing_fast(const Slot& slot) const;
  // Plays the result of a finished search; returns true when the game ended (and was sunk).
  bool play_move(Slot& slot);
  void finish_game(Slot& slot, double result_player0, bool resigned);

  std::shared_ptr<const Game> game_;
  SearchConfig search_;
  SelfPlayWorkerOptions options_;
  Evaluator& evaluator_;
  RateController& rate_;
  GameSink sink_;
  std::vector<Slot> slots_;
  std::vector<SelfPlayRecord> to_resume_;  // taken from the back
  // Branch points: the moves leading to a position of a finished game; newest at the back.
  std::deque<std::vector<Action>> branch_points_;
  Rng rng_;  // picks the no-resign games, branch points and branch moves
  int64_t games_started_ = 0;
  std::atomic<int64_t> iterations_{0};
};

}  // namespace tenuki
