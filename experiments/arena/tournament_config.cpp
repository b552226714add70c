// Tournament configs: JSON read/write, checks and resolution (see tournament.h).
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "envs/registry.h"
#include "envs/spec.h"
#include "envs/util/input_error.h"
#include "envs/util/text.h"
#include "experiments/arena/tournament.h"

namespace tenuki {
namespace {

using json = nlohmann::json;

const char* const kConfigKeys[] = {"game",        "agents",        "format",     "games_per_pair",
                                   "concurrency", "opening_plies", "openings",   "max_moves",
                                   "seed",        "anchor",        "anchor_elo", "sprt",
                                   "out"};

std::string known_keys() {
  std::string text;
  for (const char* key : kConfigKeys) text += std::string(text.empty() ? "" : " ") + key;
  return text;
}

[[noreturn]] void config_error(const std::string& source, const std::string& key,
                               const std::string& what) {
  throw InputError(source + ": '" + key + "' " + what);
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
    throw InputError(key + " (" + flag + ") must be in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], got " + std::to_string(value));
  }
  return static_cast<int>(value);
}

}  // namespace

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
  if (!j.is_object()) throw InputError(source + ": the config must be a JSON object");
  const std::set<std::string> known(std::begin(kConfigKeys), std::end(kConfigKeys));
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!known.count(it.key())) {
      throw InputError(source + ": unknown key '" + it.key() + "'; known keys: " + known_keys());
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
    } catch (const InputError&) {
      throw;
    } catch (const std::invalid_argument& e) {
      throw InputError(source + ": " + e.what());
    }
  }
  if (j.contains("out")) c.out_dir = json_string(j["out"], source, "out");
  return c;
}

TournamentConfig read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot read config file '" + path + "'");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw InputError("config file '" + path + "' is not valid JSON: " + e.what());
  }
  return config_from_json(j, path);
}

TournamentConfig resolve_config(const TournamentConfig& input) {
  TournamentConfig c = input;
  if (trim(c.game).empty()) throw InputError("no game given (GAME or \"game\" in the config)");
  const std::shared_ptr<const Game> game = make_game(c.game);
  c.game = game->spec();

  std::vector<std::string> agents;
  for (const std::string& a : c.agents) agents.push_back(trim(a));
  c.agents = agents;
  if (c.agents.size() < 2) {
    throw InputError("agents (--agents) needs at least two agent specs, A,B,...");
  }
  std::set<std::string> seen;
  for (const std::string& a : c.agents) {
    if (a.empty()) throw InputError("agents (--agents) has an empty agent spec");
    if (!seen.insert(a).second) throw InputError("agent '" + a + "' is listed twice");
    make_agent(a, *game, 0);  // throws SpecError for an unknown agent or option
  }
  if (c.format != "round-robin" && c.format != "gauntlet") {
    throw InputError("format (--format) must be round-robin or gauntlet, got '" + c.format + "'");
  }
  checked_int(c.games_per_pair, 2, 1000000, "games_per_pair", "--games-per-pair");
  if (c.games_per_pair % 2 != 0) {
    throw InputError("games_per_pair (--games-per-pair) must be even (colour-swapped pairs), got " +
                     std::to_string(c.games_per_pair));
  }
  checked_int(c.concurrency, 1, 256, "concurrency", "--concurrency");
  checked_int(c.opening_plies, 0, 10000, "opening_plies", "--opening-plies");
  checked_int(c.max_moves, 0, 100000000, "max_moves", "--max-moves");
  if (c.seed > (1ULL << 62)) throw InputError("seed (--seed) must be in [0, 2^62]");
  if (!std::isfinite(c.anchor_elo) || std::fabs(c.anchor_elo) > 1e6) {
    throw InputError("anchor_elo (--anchor-elo) must be a number in [-1e6, 1e6]");
  }
  if (!c.anchor.empty()) {
    c.anchor = trim(c.anchor);
    if (!seen.count(c.anchor)) {
      throw InputError("anchor (--anchor) '" + c.anchor + "' is not one of the agents");
    }
  }
  if (c.sprt) {
    try {
      validate_sprt_config(*c.sprt);
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
    if (c.agents.size() != 2) throw InputError("--sprt needs exactly two agents, A,B");
  }
  if (!c.openings_file.empty()) {
    if (!c.openings.empty()) throw InputError("openings given both as a file and as lines");
    std::ifstream in(c.openings_file);
    if (!in) throw InputError("cannot read openings file '" + c.openings_file + "'");
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      const std::string t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      try {
        parse_opening(*game, t);
      } catch (const std::invalid_argument& e) {
        throw InputError(c.openings_file + ":" + std::to_string(number) + ": " + e.what());
      }
      c.openings.push_back(t);
    }
    if (c.openings.empty()) throw InputError("openings file '" + c.openings_file + "' is empty");
    c.openings_file.clear();
  } else {
    for (size_t i = 0; i < c.openings.size(); ++i) {
      c.openings[i] = trim(c.openings[i]);
      try {
        parse_opening(*game, c.openings[i]);
      } catch (const std::invalid_argument& e) {
        throw InputError("openings line " + std::to_string(i + 1) + ": " + e.what());
      }
    }
  }
  if (!c.openings.empty() && c.opening_plies > 0) {
    throw InputError("--opening-plies and --openings exclude each other");
  }
  if (c.opening_plies > 0) {
    try {
      make_opening(*game, c, 0, 0);
    } catch (const std::runtime_error& e) {
      throw InputError("opening_plies (--opening-plies): " + std::string(e.what()));
    }
  }
  if (trim(c.out_dir).empty()) throw InputError("no output directory (--out DIR)");
  return c;
}

}  // namespace tenuki
