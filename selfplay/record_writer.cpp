#include "selfplay/record_writer.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <utility>

#include "envs/games/go/go_game.h"
#include "envs/games/go/sgf.h"

namespace tenuki {

RecordWriter::RecordWriter(RunDirectory& dir, std::shared_ptr<const Game> game,
                           ReplayBuffer& buffer, RateController& rate, int chunk_games, bool sgf,
                           int64_t next_chunk, int64_t games_done)
    : dir_(dir),
      game_(std::move(game)),
      buffer_(buffer),
      rate_(rate),
      chunk_games_(chunk_games),
      sgf_(sgf),
      next_chunk_(next_chunk),
      games_(games_done) {}

void RecordWriter::add(SelfPlayRecord&& record) {
  buffer_.add(record);
  rate_.add_generated(record.training_positions());
  games_.fetch_add(1);
  std::vector<SelfPlayRecord> full;
  int64_t chunk = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shape_.games += 1;
    shape_.moves += static_cast<int64_t>(record.moves.size());
    shape_.passes += std::count(record.moves.begin(), record.moves.end(), game_->pass_action());
    shape_.first_player_wins += record.result > 0 ? 1 : 0;
    shape_.draws += record.result == 0 ? 1 : 0;
    shape_.resigned += record.resigned ? 1 : 0;
    shape_.branched += record.branch_moves > 0 ? 1 : 0;
    shape_.fast_finished +=
        !record.resigned && !record.no_resign && record.would_resign >= 0 ? 1 : 0;
    if (!record.resigned && record.would_resign >= 0) {
      shape_.resign_checks += 1;
      const double loser_return = record.would_resign == 0 ? record.result : -record.result;
      shape_.false_resigns += loser_return >= 0 ? 1 : 0;
    }
    pending_.push_back(std::move(record));
    if (static_cast<int>(pending_.size()) < chunk_games_) return;
    full.swap(pending_);
    chunk = next_chunk_++;
  }
  write_chunk(std::move(full), chunk);
}

GameShape RecordWriter::shape() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return shape_;
}

void RecordWriter::flush() {
  std::vector<SelfPlayRecord> rest;
  int64_t chunk = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_.empty()) return;
    rest.swap(pending_);
    chunk = next_chunk_++;
  }
  write_chunk(std::move(rest), chunk);
}

int64_t RecordWriter::next_chunk() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_chunk_;
}

void RecordWriter::write_chunk(std::vector<SelfPlayRecord> records, int64_t chunk) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  char name[64];
  std::snprintf(name, sizeof(name), "chunk_%06" PRId64, chunk);
  write_records_file(dir_.file(std::string("games/") + name + ".jsonl"), records);
  if (!sgf_) return;
  std::string text;
  for (const auto& r : records) {
    auto state = game_->new_initial_state();
    for (Action a : r.moves) state->apply_action(a);
    const auto* go_state = dynamic_cast<const go::GoState*>(state.get());
    if (go_state == nullptr) return;  // not Go
    go::SgfWriteOptions options;
    options.black_name = options.white_name = "tenuki self-play";
    if (r.resigned) options.result = r.result > 0 ? "B+R" : "W+R";
    text += go::write_sgf(*go_state, options);
    text += "\n";
  }
  go::write_sgf_file(dir_.file(std::string("sgf/") + name + ".sgf"), text);
}

}  // namespace tenuki
