#include "experiments/tournament.h"

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

#include "envs/go/go_game.h"
#include "envs/go/sgf.h"
#include "envs/random.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "experiments/args.h"

namespace tenuki {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

const char* const kConfigKeys[] = {"game",        "agents",        "format",     "games_per_pair",
                                   "concurrency", "opening_plies", "openings",   "max_moves",
                                   "seed",        "anchor",        "anchor_elo", "sprt",
                                   "out"};
// Keys that may change between runs on one directory (they do not change any game).
const std::set<std::string> kMutableKeys = {"concurrency", "out", "anchor", "anchor_elo"};

std::string known_keys() {
  std::string text;
  for (const char* key : kConfigKeys) text += std::string(text.empty() ? "" : " ") + key;
  return text;
}

[[noreturn]] void config_error(const std::string& source, const std::string& key,
                               const std::string& what) {
  throw UsageError(source + ": '" + key + "' " + what);
}

long long json_int(const json& value, const std::string& source, const std::string& key) {
  if (!value.is_number_integer()) config_error(source, key, "must be an integer");
  return value.get<long long>();
}

double json_number(const json& value, const std::string& source, const std::string& key) {
  if (!value.is_number()) config_error(source, key, "must be a number");
  return value.get<double>();
}

std::string json_string(const json& value, const std::string& source, const std::string& key) {
  if (!value.is_string()) config_error(source, key, "must be a string");
  return value.get<std::string>();
}

int checked_int(long long value, long long min, long long max, const std::string& key,
                const std::string& flag) {
  if (value < min || value > max) {
    throw UsageError(key + " (" + flag + ") must be in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], got " + std::to_string(value));
  }
  return static_cast<int>(value);
}

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

std::string trim(const std::string& text) {
  const size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = text.find_last_not_of(" \t\r\n");
  return text.substr(b, e - b + 1);
}

// Replays an opening line; throws std::invalid_argument naming the bad vertex.
std::vector<Action> parse_opening(const Game& game, const std::string& line) {
  auto state = game.new_initial_state();
  std::vector<Action> actions;
  for (const std::string& word : split_words(line)) {
    Action action = 0;
    try {
      action = game.string_to_action(word);
    } catch (const std::exception&) {
      throw std::invalid_argument("bad vertex '" + word + "'");
    }
    if (state->is_terminal() || !state->is_legal(action)) {
      throw std::invalid_argument("illegal move '" + word + "'");
    }
    state->apply_action(action);
    actions.push_back(action);
  }
  if (state->is_terminal()) throw std::invalid_argument("the opening ends the game");
  return actions;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string format_fixed(double value, int precision) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << value;
  return out.str();
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 120) return format_fixed(seconds, 0) + " s";
  if (seconds < 7200) return format_fixed(seconds / 60, 1) + " min";
  return format_fixed(seconds / 3600, 1) + " h";
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
  if (rewrite) write_file_atomic(path, kept);
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
      throw UsageError(config_path.string() + " is not valid JSON (" + e.what() +
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
        throw UsageError("'" + config.out_dir + "' holds a different tournament: " + key + " was " +
                         a.dump() + ", now " + b.dump() +
                         "; rerun with the same settings to resume, or use another --out");
      }
    }
  } else if (fs::exists(dir / "games.jsonl")) {
    throw UsageError("'" + config.out_dir +
                     "' has games.jsonl but no config.json; use another --out");
  }
  write_file_atomic(config_path.string(), now.dump(2) + "\n");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Config

json config_to_json(const TournamentConfig& c) {
  json j;
  j["game"] = c.game;
  j["agents"] = c.agents;
  j["format"] = c.format;
  j["games_per_pair"] = c.games_per_pair;
  j["concurrency"] = c.concurrency;
  j["opening_plies"] = c.opening_plies;
  j["openings"] = c.openings;
  j["max_moves"] = c.max_moves;
  j["seed"] = c.seed;
  j["anchor"] = c.anchor;
  j["anchor_elo"] = c.anchor_elo;
  if (c.sprt) {
    j["sprt"] = {{"elo0", c.sprt->elo0},
                 {"elo1", c.sprt->elo1},
                 {"alpha", c.sprt->alpha},
                 {"beta", c.sprt->beta}};
  } else {
    j["sprt"] = nullptr;
  }
  j["out"] = c.out_dir;
  return j;
}

TournamentConfig config_from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw UsageError(source + ": the config must be a JSON object");
  const std::set<std::string> known(std::begin(kConfigKeys), std::end(kConfigKeys));
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!known.count(it.key())) {
      throw UsageError(source + ": unknown key '" + it.key() + "'; known keys: " + known_keys());
    }
  }
  TournamentConfig c;
  if (j.contains("game")) c.game = json_string(j["game"], source, "game");
  if (j.contains("agents")) {
    const json& a = j["agents"];
    if (a.is_string()) {
      c.agents = split_top_level(a.get<std::string>(), ',');
    } else if (a.is_array()) {
      for (const json& item : a) c.agents.push_back(json_string(item, source, "agents"));
    } else {
      config_error(source, "agents", "must be an array of agent specs or a string A,B,...");
    }
  }
  if (j.contains("format")) c.format = json_string(j["format"], source, "format");
  auto int_key = [&](const char* key, int* out) {
    if (!j.contains(key)) return;
    const long long v = json_int(j[key], source, key);
    if (v < -(1LL << 31) || v >= (1LL << 31)) config_error(source, key, "is out of range");
    *out = static_cast<int>(v);
  };
  int_key("games_per_pair", &c.games_per_pair);
  int_key("concurrency", &c.concurrency);
  int_key("opening_plies", &c.opening_plies);
  int_key("max_moves", &c.max_moves);
  if (j.contains("openings")) {
    const json& o = j["openings"];
    if (o.is_string()) {
      c.openings_file = o.get<std::string>();
    } else if (o.is_array()) {
      for (const json& item : o) c.openings.push_back(json_string(item, source, "openings"));
    } else {
      config_error(source, "openings", "must be a file path or an array of lines");
    }
  }
  if (j.contains("seed")) {
    const json& s = j["seed"];
    if (s.is_number_unsigned()) {
      c.seed = s.get<uint64_t>();
    } else {
      const long long v = json_int(s, source, "seed");
      if (v < 0) config_error(source, "seed", "must not be negative");
      c.seed = static_cast<uint64_t>(v);
    }
  }
  if (j.contains("anchor")) c.anchor = json_string(j["anchor"], source, "anchor");
  if (j.contains("anchor_elo")) c.anchor_elo = json_number(j["anchor_elo"], source, "anchor_elo");
  if (j.contains("sprt") && !j["sprt"].is_null()) {
    const json& s = j["sprt"];
    try {
      if (s.is_string()) {
        c.sprt = parse_sprt_config(s.get<std::string>());
      } else if (s.is_object()) {
        SprtConfig sprt;
        for (auto it = s.begin(); it != s.end(); ++it) {
          const double v = json_number(it.value(), source, "sprt." + it.key());
          if (it.key() == "elo0") {
            sprt.elo0 = v;
          } else if (it.key() == "elo1") {
            sprt.elo1 = v;
          } else if (it.key() == "alpha") {
            sprt.alpha = v;
          } else if (it.key() == "beta") {
            sprt.beta = v;
          } else {
            config_error(source, "sprt." + it.key(), "is unknown; keys: elo0 elo1 alpha beta");
          }
        }
        validate_sprt_config(sprt);
        c.sprt = sprt;
      } else {
        config_error(source, "sprt", "must be an object {elo0, elo1, alpha, beta} or null");
      }
    } catch (const std::invalid_argument& e) {
      throw UsageError(source + ": " + e.what());
    }
  }
  if (j.contains("out")) c.out_dir = json_string(j["out"], source, "out");
  return c;
}

TournamentConfig read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read config file '" + path + "'");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw UsageError("config file '" + path + "' is not valid JSON: " + e.what());
  }
  return config_from_json(j, path);
}

TournamentConfig resolve_config(const TournamentConfig& input) {
  TournamentConfig c = input;
  if (trim(c.game).empty()) throw UsageError("no game given (GAME or \"game\" in the config)");
  const std::shared_ptr<const Game> game = make_game(c.game);
  c.game = game->spec();

  std::vector<std::string> agents;
  for (const std::string& a : c.agents) agents.push_back(trim(a));
  c.agents = agents;
  if (c.agents.size() < 2) {
    throw UsageError("agents (--agents) needs at least two agent specs, A,B,...");
  }
  std::set<std::string> seen;
  for (const std::string& a : c.agents) {
    if (a.empty()) throw UsageError("agents (--agents) has an empty agent spec");
    if (!seen.insert(a).second) throw UsageError("agent '" + a + "' is listed twice");
    make_agent(a, *game, 0);  // throws SpecError for an unknown agent or option
  }
  if (c.format != "round-robin" && c.format != "gauntlet") {
    throw UsageError("format (--format) must be round-robin or gauntlet, got '" + c.format + "'");
  }
  checked_int(c.games_per_pair, 2, 1000000, "games_per_pair", "--games-per-pair");
  if (c.games_per_pair % 2 != 0) {
    throw UsageError("games_per_pair (--games-per-pair) must be even (colour-swapped pairs), got " +
                     std::to_string(c.games_per_pair));
  }
  checked_int(c.concurrency, 1, 256, "concurrency", "--concurrency");
  checked_int(c.opening_plies, 0, 10000, "opening_plies", "--opening-plies");
  checked_int(c.max_moves, 0, 100000000, "max_moves", "--max-moves");
  if (c.seed > (1ULL << 62)) throw UsageError("seed (--seed) must be in [0, 2^62]");
  if (!std::isfinite(c.anchor_elo) || std::fabs(c.anchor_elo) > 1e6) {
    throw UsageError("anchor_elo (--anchor-elo) must be a number in [-1e6, 1e6]");
  }
  if (!c.anchor.empty()) {
    c.anchor = trim(c.anchor);
    if (!seen.count(c.anchor)) {
      throw UsageError("anchor (--anchor) '" + c.anchor + "' is not one of the agents");
    }
  }
  if (c.sprt) {
    try {
      validate_sprt_config(*c.sprt);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    if (c.agents.size() != 2) throw UsageError("--sprt needs exactly two agents, A,B");
  }
  if (!c.openings_file.empty()) {
    if (!c.openings.empty()) throw UsageError("openings given both as a file and as lines");
    std::ifstream in(c.openings_file);
    if (!in) throw UsageError("cannot read openings file '" + c.openings_file + "'");
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      const std::string t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      try {
        parse_opening(*game, t);
      } catch (const std::invalid_argument& e) {
        throw UsageError(c.openings_file + ":" + std::to_string(number) + ": " + e.what());
      }
      c.openings.push_back(t);
    }
    if (c.openings.empty()) throw UsageError("openings file '" + c.openings_file + "' is empty");
    c.openings_file.clear();
  } else {
    for (size_t i = 0; i < c.openings.size(); ++i) {
      c.openings[i] = trim(c.openings[i]);
      try {
        parse_opening(*game, c.openings[i]);
      } catch (const std::invalid_argument& e) {
        throw UsageError("openings line " + std::to_string(i + 1) + ": " + e.what());
      }
    }
  }
  if (!c.openings.empty() && c.opening_plies > 0) {
    throw UsageError("--opening-plies and --openings exclude each other");
  }
  if (c.opening_plies > 0) {
    try {
      make_opening(*game, c, 0, 0);
    } catch (const std::runtime_error& e) {
      throw UsageError("opening_plies (--opening-plies): " + std::string(e.what()));
    }
  }
  if (trim(c.out_dir).empty()) throw UsageError("no output directory (--out DIR)");
  return c;
}

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
  uint64_t mix = config.seed ^ (0x6f70656e696e6773ULL + key * 0x9E3779B97F4A7C15ULL);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Rng rng(splitmix64(mix));
    auto state = game.new_initial_state();
    std::vector<Action> actions, legal, placements;
    while (static_cast<int>(actions.size()) < config.opening_plies && !state->is_terminal()) {
      state->legal_actions(&legal);
      placements.clear();
      for (Action a : legal) {
        if (a != game.pass_action()) placements.push_back(a);
      }
      const std::vector<Action>& pool = placements.empty() ? legal : placements;
      const Action a = pool[rng.below(static_cast<uint32_t>(pool.size()))];
      state->apply_action(a);
      actions.push_back(a);
    }
    if (!state->is_terminal()) return actions;
  }
  throw std::runtime_error("no random opening of " + std::to_string(config.opening_plies) +
                           " plies leaves the game open");
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
  auto state = game.new_initial_state();
  for (Action a : opening) {
    r.opening.push_back(game.action_to_string(a));
    state->apply_action(a);
  }
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
  bool capped = false;
  while (forfeit < 0 && !state->is_terminal()) {
    if (state->move_number() >= cap) {
      capped = true;
      break;
    }
    const int slot = state->current_player() == 0 ? 0 : 1;
    Action action = 0;
    try {
      action = agents[slot]->select_action(*state);
    } catch (const std::exception& e) {
      fail(slot, "crash", e.what());
      break;
    } catch (...) {
      fail(slot, "crash", "unknown exception");
      break;
    }
    if (action == kResign) {
      forfeit = slot;
      r.reason = "resign";
      r.detail = *specs[slot] + " resigned";
      break;
    }
    if (!state->is_legal(action)) {
      const std::string name = action >= 0 && action < game.num_actions()
                                   ? game.action_to_string(action)
                                   : "action " + std::to_string(action);
      fail(slot, "illegal_move",
           "illegal move " + name + " at ply " + std::to_string(state->move_number() + 1));
      break;
    }
    state->apply_action(action);
    r.moves.push_back(game.action_to_string(action));
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
    if (const auto* go_state = dynamic_cast<const go::GoState*>(state.get())) {
      r.detail = go_state->result_string();
    }
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
                                 const AgentFactory& factory) {
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
        log << "[" << done_count << "/" << total << "] game " << g << ": " << record.first << " vs "
            << record.second << ": "
            << (record.result() == "draw"
                    ? "draw"
                    : (record.first_score > 0.5 ? record.first : record.second) + " wins")
            << " (" << record.reason << (record.detail.empty() ? "" : ", " + record.detail) << "), "
            << record.plies << " plies, " << format_fixed(record.duration_s, 1) << " s | "
            << format_fixed(rate, 2) << " games/s, ETA "
            << (stop ? std::string("stopping") : format_duration(remaining / rate));
        if (outcome.sprt) {
          log << " | SPRT LLR " << format_fixed(outcome.sprt->llr, 2) << " ["
              << format_fixed(outcome.sprt->lower, 2) << ", "
              << format_fixed(outcome.sprt->upper, 2) << "]";
        }
        log << std::endl;
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
  write_file_atomic((dir / "ratings.json").string(),
                    ratings_to_json(config, outcome).dump(2) + "\n");
  write_file_atomic((dir / "crosstable.csv").string(), crosstable_csv(config, outcome.ratings));
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Reports

void print_rating_table(const TournamentConfig& config, const TournamentOutcome& outcome,
                        std::ostream& out) {
  const RatingTable& t = outcome.ratings;
  size_t width = 5;
  for (const auto& a : config.agents) width = std::max(width, a.size());
  const std::vector<int> order = t.ranking();
  out << std::right << std::setw(4) << "rank"
      << "  " << std::left << std::setw(width) << "agent" << std::right << std::setw(9) << "Elo"
      << std::setw(8) << "+-95%" << std::setw(7) << "games" << std::setw(8) << "score"
      << std::setw(11) << "LOS>next"
      << "\n";
  for (size_t k = 0; k < order.size(); ++k) {
    const int i = order[k];
    const AgentRating& r = t.agents[i];
    std::string elo = format_fixed(r.elo, 1);
    if (r.elo >= 0.05) elo = "+" + elo;
    out << std::right << std::setw(4) << k + 1 << "  " << std::left << std::setw(width)
        << config.agents[i] << std::right << std::setw(9) << elo << std::setw(8)
        << format_fixed(r.ci95, 1) << std::setw(7) << r.record.games() << std::setw(7)
        << format_fixed(100 * r.score, 1) << "%";
    if (k + 1 < order.size()) {
      out << std::setw(10) << format_fixed(100 * t.los[i][order[k + 1]], 1) << "%";
    }
    out << "\n";
  }
  out << outcome.records.size() << " of " << outcome.total_games
      << " games; Bradley-Terry maximum-likelihood Elo (draws count half), "
      << (config.anchor.empty() ? "mean " + format_fixed(config.anchor_elo, 0)
                                : config.anchor + " = " + format_fixed(config.anchor_elo, 0))
      << "\n";
  if (outcome.sprt) {
    const Wdl wdl = sprt_counts(outcome.records);
    out << "SPRT " << config.agents[1] << " vs " << config.agents[0]
        << " (elo0=" << config.sprt->elo0 << ", elo1=" << config.sprt->elo1
        << ", alpha=" << config.sprt->alpha << ", beta=" << config.sprt->beta << "): W-D-L "
        << wdl.wins << "-" << wdl.draws << "-" << wdl.losses << ", LLR "
        << format_fixed(outcome.sprt->llr, 2) << " [" << format_fixed(outcome.sprt->lower, 2)
        << ", " << format_fixed(outcome.sprt->upper, 2)
        << "]: " << to_string(outcome.sprt->decision)
        << (outcome.stopped_by_sprt ? " (stopped early)" : "") << "\n";
  }
}

json ratings_to_json(const TournamentConfig& config, const TournamentOutcome& outcome) {
  const RatingTable& t = outcome.ratings;
  const int n = static_cast<int>(config.agents.size());
  json j;
  j["model"] =
      "Bradley-Terry maximum likelihood on the logistic Elo scale, draws counted as half a win; "
      "Gaussian prior sd 1000 Elo; 95% CI from the inverse Hessian";
  j["game"] = config.game;
  j["games"] = outcome.records.size();
  j["total_games"] = outcome.total_games;
  j["anchor"] = config.anchor.empty() ? json(nullptr) : json(config.anchor);
  j["anchor_elo"] = config.anchor_elo;
  j["converged"] = t.converged;
  const std::vector<int> order = t.ranking();
  for (int k = 0; k < n; ++k) {
    const int i = order[k];
    const AgentRating& r = t.agents[i];
    j["ratings"].push_back(
        {{"rank", k + 1},
         {"agent", config.agents[i]},
         {"elo", r.elo},
         {"ci95", r.ci95},
         {"stddev", r.stddev},
         {"games", r.record.games()},
         {"wins", r.record.wins},
         {"draws", r.record.draws},
         {"losses", r.record.losses},
         {"score", r.score},
         {"los_next", k + 1 < n ? json(t.los[i][order[k + 1]]) : json(nullptr)}});
  }
  j["agents"] = config.agents;
  j["los"] = t.los;  // los[i][j] = P(agent i stronger than agent j), agents in config order
  json cross = json::array();
  for (int i = 0; i < n; ++i) {
    json row = json::array();
    for (int k = 0; k < n; ++k) {
      const Wdl& w = t.crosstable[i][k];
      row.push_back({{"wins", w.wins}, {"draws", w.draws}, {"losses", w.losses}});
    }
    cross.push_back(row);
  }
  j["crosstable"] = cross;
  if (outcome.sprt) {
    const Wdl wdl = sprt_counts(outcome.records);
    j["sprt"] = {{"elo0", config.sprt->elo0},
                 {"elo1", config.sprt->elo1},
                 {"alpha", config.sprt->alpha},
                 {"beta", config.sprt->beta},
                 {"wins", wdl.wins},
                 {"draws", wdl.draws},
                 {"losses", wdl.losses},
                 {"llr", outcome.sprt->llr},
                 {"lower", outcome.sprt->lower},
                 {"upper", outcome.sprt->upper},
                 {"decision", to_string(outcome.sprt->decision)},
                 {"stopped_early", outcome.stopped_by_sprt}};
  }
  return j;
}

std::string crosstable_csv(const TournamentConfig& config, const RatingTable& ratings) {
  const int n = static_cast<int>(config.agents.size());
  std::string text = "agent";
  for (const auto& a : config.agents) text += "," + csv_field(a);
  text += ",games,score\n";
  for (int i = 0; i < n; ++i) {
    text += csv_field(config.agents[i]);
    for (int k = 0; k < n; ++k) {
      const Wdl& w = ratings.crosstable[i][k];
      text += ",";
      if (i != k && w.games() > 0) {
        text +=
            std::to_string(w.wins) + "-" + std::to_string(w.draws) + "-" + std::to_string(w.losses);
      }
    }
    text += "," + std::to_string(ratings.agents[i].record.games()) + "," +
            format_fixed(ratings.agents[i].score, 4) + "\n";
  }
  return text;
}

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write '" + tmp + "': " + std::strerror(errno));
  const char* data = text.data();
  size_t left = text.size();
  bool ok = true;
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "'");
  }
}

}  // namespace tenuki
