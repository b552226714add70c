#include "experiments/arena/tournament.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "agents/match.h"
#include "envs/games/go/go_game.h"
#include "envs/games/go/sgf.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "envs/util/atomic_file.h"
#include "envs/util/input_error.h"
#include "envs/util/random.h"
#include "envs/util/text.h"

namespace tenuki {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

// Keys that may change between runs on one directory (they do not change any game).
const std::set<std::string> kMutableKeys = {"concurrency", "out", "anchor", "anchor_elo"};

// "leader SPEC (61.5%, 13 games)": the agent with the best score so far (ties: lower index).
std::string leader_text(const TournamentConfig& config, const std::vector<GameRecord>& records) {
  const size_t n = config.agents.size();
  std::vector<double> points(n, 0);
  std::vector<int> games(n, 0);
  for (const auto& r : records) {
    points[r.first_agent] += r.first_score;
    points[r.second_agent] += 1 - r.first_score;
    ++games[r.first_agent];
    ++games[r.second_agent];
  }
  int best = -1;
  for (size_t i = 0; i < n; ++i) {
    if (games[i] == 0) continue;
    if (best < 0 || points[i] / games[i] > points[best] / games[best]) best = static_cast<int>(i);
  }
  if (best < 0) return "no leader yet";
  return "leader " + config.agents[best] + " (" +
         format_fixed(100 * points[best] / games[best], 1) + "%, " + std::to_string(games[best]) +
         " games)";
}

// Appends lines to a file with one write per line followed by fsync.
class AppendFile {
 public:
  explicit AppendFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  }
  ~AppendFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  void append(const std::string& line) {
    const char* data = line.data();
    size_t left = line.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, data, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("cannot write '" + path_ + "': " + std::strerror(errno));
      }
      data += n;
      left -= static_cast<size_t>(n);
    }
    if (::fsync(fd_) != 0) throw std::runtime_error("cannot fsync '" + path_ + "'");
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// Reads games.jsonl: complete records by index. A last line that does not parse (a write cut
// short by a kill) is dropped and the file rewritten without it; any other bad line throws.
std::map<int, GameRecord> read_games(const std::string& path, int total_games,
                                     const std::vector<ScheduledGame>& schedule,
                                     std::ostream& log) {
  std::map<int, GameRecord> records;
  std::ifstream in(path, std::ios::binary);
  if (!in) return records;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  bool rewrite = !text.empty() && text.back() != '\n';
  std::string kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) {
      rewrite = true;
      continue;
    }
    GameRecord record;
    try {
      record = record_from_json(json::parse(lines[i]));
    } catch (const std::exception& e) {
      if (i + 1 == lines.size()) {
        log << "tournament: ignoring a truncated last line in " << path << "\n";
        rewrite = true;
        continue;
      }
      throw std::runtime_error(path + " line " + std::to_string(i + 1) +
                               " is corrupt: " + e.what());
    }
    if (record.index < 0 || record.index >= total_games) {
      throw std::runtime_error(path + " line " + std::to_string(i + 1) + ": game index " +
                               std::to_string(record.index) + " is not in this tournament");
    }
    const ScheduledGame& s = schedule[record.index];
    if (record.first_agent != s.first || record.second_agent != s.second) {
      throw std::runtime_error(path + " line " + std::to_string(i + 1) +
                               ": agents do not match the schedule of game " +
                               std::to_string(record.index));
    }
    if (!records.emplace(record.index, record).second) {
      rewrite = true;  // a duplicate: keep the first copy
      continue;
    }
    kept += lines[i] + "\n";
  }
  if (rewrite) write_file_atomically(path, kept);
  return records;
}

// Refuses a directory that holds a different tournament; writes config.json.
void prepare_out_dir(const TournamentConfig& config) {
  const fs::path dir(config.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw std::runtime_error("cannot create directory '" + config.out_dir + "'");
  }
  const json now = config_to_json(config);
  const fs::path config_path = dir / "config.json";
  if (fs::exists(config_path)) {
    json before;
    try {
      std::ifstream in(config_path);
      before = json::parse(in);
    } catch (const std::exception& e) {
      throw InputError(config_path.string() + " is not valid JSON (" + e.what() +
                       "); use another --out");
    }
    std::set<std::string> keys;
    for (auto it = before.begin(); it != before.end(); ++it) keys.insert(it.key());
    for (auto it = now.begin(); it != now.end(); ++it) keys.insert(it.key());
    for (const std::string& key : keys) {
      if (kMutableKeys.count(key)) continue;
      const json a = before.contains(key) ? before[key] : json(nullptr);
      const json b = now.contains(key) ? now[key] : json(nullptr);
      if (a != b) {
        throw InputError("'" + config.out_dir + "' holds a different tournament: " + key + " was " +
                         a.dump() + ", now " + b.dump() +
                         "; rerun with the same settings to resume, or use another --out");
      }
    }
  } else if (fs::exists(dir / "games.jsonl")) {
    throw InputError("'" + config.out_dir +
                     "' has games.jsonl but no config.json; use another --out");
  }
  write_file_atomically(config_path.string(), now.dump(2) + "\n");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Schedule

std::vector<std::pair<int, int>> tournament_pairings(const std::string& format, int num_agents) {
  std::vector<std::pair<int, int>> pairs;
  if (format == "gauntlet") {
    for (int j = 1; j < num_agents; ++j) pairs.emplace_back(0, j);
  } else {
    for (int i = 0; i < num_agents; ++i) {
      for (int j = i + 1; j < num_agents; ++j) pairs.emplace_back(i, j);
    }
  }
  return pairs;
}

std::vector<ScheduledGame> make_schedule(const TournamentConfig& config) {
  const auto pairs = tournament_pairings(config.format, static_cast<int>(config.agents.size()));
  const int num_pairs = static_cast<int>(pairs.size());
  const int total = num_pairs * config.games_per_pair;
  std::vector<ScheduledGame> games(total);
  for (int g = 0; g < total; ++g) {
    ScheduledGame& s = games[g];
    s.index = g;
    s.pair = (g / 2) % num_pairs;
    s.round = (g / 2) / num_pairs;
    s.first = g % 2 == 0 ? pairs[s.pair].first : pairs[s.pair].second;
    s.second = g % 2 == 0 ? pairs[s.pair].second : pairs[s.pair].first;
  }
  return games;
}

std::vector<Action> make_opening(const Game& game, const TournamentConfig& config, int pair,
                                 int round) {
  const int num_pairs = static_cast<int>(
      tournament_pairings(config.format, static_cast<int>(config.agents.size())).size());
  const uint64_t key = static_cast<uint64_t>(round) * num_pairs + pair;
  if (!config.openings.empty()) {
    return parse_opening(game, config.openings[key % config.openings.size()]);
  }
  if (config.opening_plies <= 0) return {};
  return random_opening(game, config.opening_plies,
                        config.seed ^ (0x6f70656e696e6773ULL + key * 0x9E3779B97F4A7C15ULL));
}

uint64_t agent_seed(uint64_t tournament_seed, int index, int slot) {
  uint64_t x = tournament_seed * 0xD1B54A32D192ED03ULL + static_cast<uint64_t>(index) * 2 +
               static_cast<uint64_t>(slot);
  splitmix64(x);
  return splitmix64(x);
}

// ---------------------------------------------------------------------------------------------
// Games

std::string GameRecord::result() const {
  return first_score > 0.5 ? "first" : first_score < 0.5 ? "second" : "draw";
}

json record_to_json(const GameRecord& r) {
  return json{{"index", r.index},
              {"pair", r.pair},
              {"round", r.round},
              {"first_agent", r.first_agent},
              {"second_agent", r.second_agent},
              {"first", r.first},
              {"second", r.second},
              {"opening", r.opening},
              {"moves", r.moves},
              {"result", r.result()},
              {"first_score", r.first_score},
              {"reason", r.reason},
              {"detail", r.detail},
              {"plies", r.plies},
              {"duration_s", r.duration_s}};
}

GameRecord record_from_json(const json& j) {
  GameRecord r;
  try {
    r.index = j.at("index").get<int>();
    r.pair = j.at("pair").get<int>();
    r.round = j.at("round").get<int>();
    r.first_agent = j.at("first_agent").get<int>();
    r.second_agent = j.at("second_agent").get<int>();
    r.first = j.at("first").get<std::string>();
    r.second = j.at("second").get<std::string>();
    r.opening = j.at("opening").get<std::vector<std::string>>();
    r.moves = j.at("moves").get<std::vector<std::string>>();
    r.first_score = j.at("first_score").get<double>();
    r.reason = j.at("reason").get<std::string>();
    r.detail = j.at("detail").get<std::string>();
    r.plies = j.at("plies").get<int>();
    r.duration_s = j.at("duration_s").get<double>();
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("bad game record: ") + e.what());
  }
  if (r.first_score != 0 && r.first_score != 0.5 && r.first_score != 1) {
    throw std::runtime_error("bad game record: first_score must be 0, 0.5 or 1");
  }
  return r;
}

GameRecord play_scheduled_game(const Game& game, const TournamentConfig& config,
                               const ScheduledGame& s, const std::vector<Action>& opening,
                               const AgentFactory& factory, std::unique_ptr<State>* final_state) {
  const auto start = Clock::now();
  GameRecord r;
  r.index = s.index;
  r.pair = s.pair;
  r.round = s.round;
  r.first_agent = s.first;
  r.second_agent = s.second;
  r.first = config.agents[s.first];
  r.second = config.agents[s.second];
  for (Action a : opening) r.opening.push_back(game.action_to_string(a));
  int cap = game.max_game_length();
  if (config.max_moves > 0) cap = std::min(cap, config.max_moves);

  // The slot (0 first, 1 second) that forfeits, and why; -1 while none does.
  int forfeit = -1;
  auto fail = [&](int slot, const std::string& reason, const std::string& detail) {
    forfeit = slot;
    r.reason = reason;
    r.detail = (slot == 0 ? r.first : r.second) + ": " + detail;
  };
  std::unique_ptr<Agent> agents[2];
  const std::string* specs[2] = {&r.first, &r.second};
  for (int slot = 0; slot < 2 && forfeit < 0; ++slot) {
    try {
      agents[slot] = factory(*specs[slot], game, agent_seed(config.seed, s.index, slot));
      agents[slot]->new_game(game);
    } catch (const std::exception& e) {
      fail(slot, "crash", std::string("failed to start: ") + e.what());
    } catch (...) {
      fail(slot, "crash", "failed to start");
    }
  }
  std::unique_ptr<State> state;
  bool capped = false;
  if (forfeit < 0) {
    PlayOptions options;
    options.move_cap = cap;
    GameOutcome outcome = play_game(game, {agents[0].get(), agents[1].get()}, opening, options);
    state = std::move(outcome.final_state);
    const int slot = outcome.seat;
    switch (outcome.ending) {
      case GameEnding::kAgentFailed:
        fail(slot, "crash", outcome.detail);
        break;
      case GameEnding::kResigned:
        forfeit = slot;
        r.reason = "resign";
        r.detail = *specs[slot] + " resigned";
        break;
      case GameEnding::kIllegalMove: {
        const Action action = outcome.illegal_action;
        const std::string name = action >= 0 && action < game.num_actions()
                                     ? game.action_to_string(action)
                                     : "action " + std::to_string(action);
        fail(slot, "illegal_move",
             "illegal move " + name + " at ply " + std::to_string(state->move_number() + 1));
        break;
      }
      case GameEnding::kMoveCap:
        capped = true;
        break;
      default:
        break;
    }
  } else {
    state = game.new_initial_state();
    for (Action a : opening) state->apply_action(a);
  }
  const auto& history = state->history();
  for (size_t i = opening.size(); i < history.size(); ++i) {
    r.moves.push_back(game.action_to_string(history[i]));
  }
  if (forfeit >= 0) {
    r.first_score = forfeit == 0 ? 0.0 : 1.0;
  } else if (capped) {
    r.first_score = 0.5;
    r.reason = "move_cap";
    r.detail = "draw at the move cap of " + std::to_string(cap) + " plies";
  } else {
    const auto returns = state->returns();
    r.first_score = returns[0] > returns[1] ? 1.0 : returns[0] < returns[1] ? 0.0 : 0.5;
    r.reason = "terminal";
    r.detail = state->result_detail();
  }
  r.plies = state->move_number();
  r.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (final_state) *final_state = std::move(state);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Runner

RatingTable rate_records(const TournamentConfig& config, const std::vector<GameRecord>& records) {
  std::vector<RatedGame> games;
  games.reserve(records.size());
  for (const auto& r : records) games.push_back({r.first_agent, r.second_agent, r.first_score});
  RatingOptions options;
  options.anchor_elo = config.anchor_elo;
  for (size_t i = 0; i < config.agents.size(); ++i) {
    if (config.agents[i] == config.anchor) options.anchor = static_cast<int>(i);
  }
  return fit_ratings(static_cast<int>(config.agents.size()), games, options);
}

Wdl sprt_counts(const std::vector<GameRecord>& records) {
  Wdl wdl;
  for (const auto& r : records) {
    const double b_score = r.first_agent == 1 ? r.first_score : 1 - r.first_score;
    if (r.first_agent > 1 || r.second_agent > 1) continue;
    (b_score > 0.5 ? wdl.wins : b_score < 0.5 ? wdl.losses : wdl.draws)++;
  }
  return wdl;
}

TournamentOutcome run_tournament(const TournamentConfig& config, std::ostream& log,
                                 const AgentFactory& factory, bool progress) {
  const std::shared_ptr<const Game> game = make_game(config.game);
  const bool is_go = dynamic_cast<const go::GoGame*>(game.get()) != nullptr;
  const std::vector<ScheduledGame> schedule = make_schedule(config);
  const int total = static_cast<int>(schedule.size());
  prepare_out_dir(config);
  const fs::path dir(config.out_dir);
  const std::string games_path = (dir / "games.jsonl").string();
  if (is_go) fs::create_directories(dir / "sgf");

  TournamentOutcome outcome;
  outcome.total_games = total;
  std::map<int, GameRecord> done = read_games(games_path, total, schedule, log);
  outcome.resumed_games = static_cast<int>(done.size());
  std::vector<GameRecord> finished;
  for (auto& [index, record] : done) finished.push_back(record);

  std::vector<char> started(total, 0);
  for (const auto& [index, record] : done) started[index] = 1;
  std::vector<int> pending;
  for (int g = 0; g < total; ++g) {
    if (!started[g]) pending.push_back(g);
  }
  if (outcome.resumed_games > 0) {
    log << "tournament: resuming " << config.out_dir << ": " << outcome.resumed_games << " of "
        << total << " games already played\n";
  }

  std::mutex mutex;  // guards everything below plus the log and the games file
  bool stop = false;
  size_t cursor = 0;
  auto check_sprt = [&]() {
    if (!config.sprt) return;
    const Wdl wdl = sprt_counts(finished);
    outcome.sprt = sprt_test(wdl.wins, wdl.draws, wdl.losses, *config.sprt);
    if (outcome.sprt->decision != SprtDecision::kContinue) stop = true;
  };
  check_sprt();
  if (stop && !pending.empty()) outcome.stopped_by_sprt = true;

  AppendFile games_file(games_path);
  const auto start = Clock::now();
  int played_now = 0;
  std::exception_ptr failure;

  // Next game to play, or -1. After an SPRT stop only the partners of started games are played.
  auto next_game = [&]() -> int {
    while (cursor < pending.size()) {
      const int g = pending[cursor];
      if (stop && !started[g ^ 1]) {
        ++cursor;
        continue;
      }
      ++cursor;
      started[g] = 1;
      return g;
    }
    return -1;
  };
  auto worker = [&]() {
    for (;;) {
      int g = -1;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (failure) return;
        g = next_game();
      }
      if (g < 0) return;
      try {
        const ScheduledGame& s = schedule[g];
        const std::vector<Action> opening = make_opening(*game, config, s.pair, s.round);
        std::unique_ptr<State> final_state;
        GameRecord record = play_scheduled_game(*game, config, s, opening, factory, &final_state);
        std::string sgf_text;
        if (is_go) {
          const auto& go_state = static_cast<const go::GoState&>(*final_state);
          go::SgfWriteOptions options;
          options.black_name = record.first;
          options.white_name = record.second;
          if (record.reason == "resign" || record.reason == "crash" ||
              record.reason == "illegal_move") {
            const char winner = record.first_score > 0.5 ? 'B' : 'W';
            options.result = std::string(1, winner) + (record.reason == "resign" ? "+R" : "+F");
          } else if (record.reason == "move_cap") {
            options.result = "0";
          }
          sgf_text = go::write_sgf(go_state, options);
        }
        std::lock_guard<std::mutex> lock(mutex);
        if (is_go) {
          char name[32];
          std::snprintf(name, sizeof(name), "game-%04d.sgf", g);
          go::write_sgf_file((dir / "sgf" / name).string(), sgf_text);
        }
        games_file.append(record_to_json(record).dump() + "\n");
        finished.push_back(record);
        ++played_now;
        check_sprt();
        const int done_count = static_cast<int>(finished.size());
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        const double rate = played_now / std::max(elapsed, 1e-9);
        int remaining = total - done_count;
        if (progress) {
          log << "[" << done_count << "/" << total << "] game " << g << ": " << record.first
              << " vs " << record.second << ": "
              << (record.result() == "draw"
                      ? "draw"
                      : (record.first_score > 0.5 ? record.first : record.second) + " wins")
              << " (" << record.reason << (record.detail.empty() ? "" : ", " + record.detail)
              << "), " << record.plies << " plies, " << format_fixed(record.duration_s, 1)
              << " s | " << format_fixed(rate, 2) << " games/s, ETA "
              << (stop ? std::string("stopping") : format_duration(remaining / rate)) << " | "
              << leader_text(config, finished);
          if (outcome.sprt) {
            log << " | SPRT LLR " << format_fixed(outcome.sprt->llr, 2) << " ["
                << format_fixed(outcome.sprt->lower, 2) << ", "
                << format_fixed(outcome.sprt->upper, 2) << "]";
          }
          log << std::endl;
        }
        if (stop) outcome.stopped_by_sprt = true;
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
        return;
      }
    }
  };
  const int threads =
      std::max(1, std::min<int>(config.concurrency, static_cast<int>(pending.size())));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);

  std::sort(finished.begin(), finished.end(),
            [](const GameRecord& a, const GameRecord& b) { return a.index < b.index; });
  outcome.records = std::move(finished);
  outcome.ratings = rate_records(config, outcome.records);
  if (config.sprt) {
    const Wdl wdl = sprt_counts(outcome.records);
    outcome.sprt = sprt_test(wdl.wins, wdl.draws, wdl.losses, *config.sprt);
  }
  write_file_atomically((dir / "ratings.json").string(),
                        ratings_to_json(config, outcome).dump(2) + "\n");
  write_file_atomically((dir / "crosstable.csv").string(), crosstable_csv(config, outcome.ratings));
  return outcome;
}

}  // namespace tenuki
