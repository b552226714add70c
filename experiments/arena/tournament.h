#pragma once
// Tournaments between any agent specs (baselines, checkpoints, external GTP engines): the config
// (with JSON read/write), a deterministic schedule of colour-swapped game pairs, a concurrent
// runner that appends every finished game to DIR/games.jsonl and resumes from it, and the
// reports (ratings.json, crosstable.csv, SGF of Go games).
//
// Schedule. The pairings are every pair of agents (round-robin) or agent 0 against each other
// agent (gauntlet). With P pairings and R = games_per_pair / 2 rounds, game index g plays
// pairing (g / 2) % P in round (g / 2) / P; the even game of the two has the pairing's first
// agent move first, the odd game the second. Both games of a pair start from the same opening,
// so a first-move advantage cancels out. The opening of pairing p in round r is, with
// k = index r * P + p: line k % N of the openings list, or k random plies drawn from the seed and
// k (uniform over legal non-pass moves), or none.
//
// Determinism. Every game builds its own agents through the factory with seeds derived from the
// tournament seed and the game index, so a game's moves do not depend on which worker plays it or
// when (for deterministic agents). `tenuki tournament` passes SharedInference's factory
// (agents/net/shared_inference.h): network agents of one checkpoint share one batching service
// across the concurrent games.
//
// Adjudication. A game ends when the state is terminal (the game's returns), when an agent
// resigns (kResign: it loses), when the game reaches the move cap (a draw; the cap is the
// game's max_game_length(), lowered to max_moves plies in total when max_moves > 0), or by
// forfeit: an agent that returns an illegal move or throws (a crashed engine, a failed start)
// loses, and the reason is recorded.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agents/agent.h"
#include "envs/game.h"
#include "experiments/arena/ratings.h"
#include "experiments/arena/sprt.h"

namespace tenuki {

struct TournamentConfig {
  std::string game;                    // game spec; canonical after resolve_config
  std::vector<std::string> agents;     // agent specs, distinct
  std::string format = "round-robin";  // or "gauntlet" (agent 0 against every other agent)
  int games_per_pair = 2;              // games per pairing; even (colour-swapped pairs)
  int concurrency = 1;                 // worker threads
  int opening_plies = 0;               // random opening length (exclusive with openings)
  std::string openings_file;           // one opening per line: space-separated GTP vertices
  std::vector<std::string> openings;   // the lines (loaded from openings_file by resolve_config)
  int max_moves = 0;                   // total plies cap; 0: only the game's own max length
  uint64_t seed = 1;
  std::string anchor;  // agent spec fixed at anchor_elo; "" means mean anchor_elo
  double anchor_elo = 0;
  std::optional<SprtConfig> sprt;  // exactly two agents: is agents[1] stronger than agents[0]?
  std::string out_dir;
};

// JSON with keys game, agents, format, games_per_pair, concurrency, opening_plies, openings,
// max_moves, seed, anchor, anchor_elo, sprt, out. Written openings are the resolved lines.
nlohmann::json config_to_json(const TournamentConfig& config);
// Reads those keys (agents: array or comma-separated string; openings: array of lines or a file
// path; sprt: object or "elo0=..,elo1=.." string). Throws InputError naming `source` and the key
// for an unknown key or a value of the wrong type.
TournamentConfig config_from_json(const nlohmann::json& json, const std::string& source);
// Reads and parses a JSON config file; throws InputError when unreadable or malformed.
TournamentConfig read_config_file(const std::string& path);

// Checks every value and range, canonicalizes the game spec, builds each agent once (so an
// unknown agent or option fails now), and loads and checks the openings. Throws InputError or
// SpecError naming the bad input. Has no effect on the file system.
TournamentConfig resolve_config(const TournamentConfig& config);

struct ScheduledGame {
  int index = 0;
  int pair = 0;    // pairing index
  int round = 0;   // round within the pairing
  int first = 0;   // agent index that moves first (player 0)
  int second = 0;  // agent index that moves second
};

// The pairings (agent index pairs) of a format among num_agents agents.
std::vector<std::pair<int, int>> tournament_pairings(const std::string& format, int num_agents);
// Every game of the tournament in index order.
std::vector<ScheduledGame> make_schedule(const TournamentConfig& config);
// The opening of pairing `pair` in round `round` (see the header comment). Throws
// std::runtime_error when no opening of opening_plies plies that leaves the game open is found.
std::vector<Action> make_opening(const Game& game, const TournamentConfig& config, int pair,
                                 int round);
// The seed of the agent in `slot` (0 first, 1 second) of game `index`.
uint64_t agent_seed(uint64_t tournament_seed, int index, int slot);

struct GameRecord {
  int index = 0;
  int pair = 0;
  int round = 0;
  int first_agent = 0;
  int second_agent = 0;
  std::string first;  // specs
  std::string second;
  std::vector<std::string> opening;  // GTP vertices
  std::vector<std::string> moves;    // GTP vertices played by the agents after the opening
  double first_score = 0.5;          // 1 first won, 0.5 draw, 0 second won
  // "terminal", "resign", "move_cap", "illegal_move" or "crash"
  std::string reason;
  std::string detail;  // e.g. the Go score "B+3.5", the illegal move, the exception text
  int plies = 0;       // opening included
  double duration_s = 0;
  // The result from the first agent's view: "first", "second" or "draw".
  std::string result() const;
};

nlohmann::json record_to_json(const GameRecord& record);
// Throws std::runtime_error when a field is missing or has the wrong type.
GameRecord record_from_json(const nlohmann::json& json);

// Replays an opening line (GTP vertices) from the start; throws std::invalid_argument naming the
// bad vertex, or when the opening ends the game.
std::vector<Action> parse_opening(const Game& game, const std::string& line);

// Plays one scheduled game (see Adjudication above). Never throws for agent failures; the
// final state is returned through `final_state` when non-null (for SGF).
GameRecord play_scheduled_game(const Game& game, const TournamentConfig& config,
                               const ScheduledGame& scheduled, const std::vector<Action>& opening,
                               const AgentFactory& factory,
                               std::unique_ptr<State>* final_state = nullptr);

struct TournamentOutcome {
  std::vector<GameRecord> records;  // every finished game (resumed ones too), by index
  int total_games = 0;              // scheduled
  int resumed_games = 0;            // found in games.jsonl at the start
  RatingTable ratings;
  std::optional<SprtResult> sprt;
  bool stopped_by_sprt = false;  // scheduling stopped early on an SPRT decision
};

// Runs or resumes the tournament in config.out_dir (precondition: the config came from
// resolve_config). Creates the directory; refuses (InputError) a directory whose config.json
// holds a different tournament (concurrency, out, anchor and anchor_elo may differ); reads
// games.jsonl, drops a truncated last line, and plays only the missing games, config.concurrency
// at a time. Each finished game is appended to games.jsonl at once (flushed and fsync'ed); SGF,
// ratings.json, crosstable.csv and config.json are written atomically. Notices (resuming, a
// dropped truncated line) go to `log`; with `progress`, so does one line per finished game (from
// the worker threads under a lock: games done, result, rate, ETA and the current leader by
// score).
TournamentOutcome run_tournament(const TournamentConfig& config, std::ostream& log,
                                 const AgentFactory& factory = make_agent, bool progress = true);

// Ratings of a set of records with the config's anchor.
RatingTable rate_records(const TournamentConfig& config, const std::vector<GameRecord>& records);
// B's (agents[1]) wins, draws and losses against agents[0].
Wdl sprt_counts(const std::vector<GameRecord>& records);

// The terminal table: rank, agent, Elo, +-95% CI, games, score, LOS over the next-ranked agent.
void print_rating_table(const TournamentConfig& config, const TournamentOutcome& outcome,
                        std::ostream& out);
nlohmann::json ratings_to_json(const TournamentConfig& config, const TournamentOutcome& outcome);
std::string crosstable_csv(const TournamentConfig& config, const RatingTable& ratings);

}  // namespace tenuki
