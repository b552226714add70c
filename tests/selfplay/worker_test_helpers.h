#pragma once
// Runs one self-play worker until it has finished a number of games, for the worker's tests.
#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "agents/eval/evaluator.h"
#include "agents/search/search_config.h"
#include "envs/game.h"
#include "selfplay/game_record.h"
#include "selfplay/rate_controller.h"
#include "selfplay/selfplay_worker.h"

namespace tenuki::test {

// Plays `count` games of `game` in one worker (no rate limit), continuing `resume` first, and
// returns their records in the order they finished.
inline std::vector<SelfPlayRecord> play_worker_games(std::shared_ptr<const Game> game,
                                                     const SearchConfig& search,
                                                     const SelfPlayWorkerOptions& options,
                                                     Evaluator& evaluator, int count,
                                                     std::vector<SelfPlayRecord> resume = {}) {
  RateController rate(1.0, 0, 1);
  rate.set_unlimited(true);
  std::vector<SelfPlayRecord> records;
  std::atomic<bool> stop{false};
  SelfPlayWorker worker(std::move(game), search, options, evaluator, rate, [&](SelfPlayRecord&& r) {
    if (static_cast<int>(records.size()) < count) {
      records.push_back(std::move(r));
    }
    if (static_cast<int>(records.size()) >= count) stop = true;
  });
  worker.resume_games(std::move(resume));
  worker.run(stop);
  return records;
}

}  // namespace tenuki::test
