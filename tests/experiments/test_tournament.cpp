// Tournaments: config, schedule, adjudication, the runner with resume (in-process and through a
// SIGKILLed `tenuki` process), and small real tournaments whose ranking is obvious.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "envs/games/go/sgf.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "envs/util/remove_tree.h"
#include "experiments/arena/tournament.h"
#include "experiments/cli/args.h"
#include "experiments/cli/cli.h"
#include "experiments/cli/tournament_cli.h"

using namespace tenuki;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// A fresh, empty directory under the system temp directory.
std::string temp_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("tenuki-tournament-" + std::to_string(::getpid()) + "-" + name);
  remove_tree(dir);
  return dir.string();
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<GameRecord> read_records(const std::string& dir) {
  std::vector<GameRecord> records;
  for (const auto& line : read_lines(dir + "/games.jsonl")) {
    records.push_back(record_from_json(nlohmann::json::parse(line)));
  }
  return records;
}

struct Run {
  int code;
  std::string out, err;
};
Run run(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int code = run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

// Agent whose behaviour is scripted for adjudication tests.
class ScriptedAgent : public Agent {
 public:
  enum class Mode { kFirstLegal, kThrow, kIllegal, kResign };
  explicit ScriptedAgent(Mode mode) : mode_(mode) {}
  std::string spec() const override { return "scripted"; }
  Action select_action(const State& state) override {
    switch (mode_) {
      case Mode::kThrow:
        throw std::runtime_error("engine died");
      case Mode::kIllegal:
        return state.history().empty() ? 4 : state.history()[0];  // replays an occupied cell
      case Mode::kResign:
        return kResign;
      default:
        return state.legal_actions()[0];
    }
  }

 private:
  Mode mode_;
};

AgentFactory scripted_factory() {
  return [](const std::string& spec, const Game&, uint64_t) -> std::unique_ptr<Agent> {
    if (spec == "thrower") return std::make_unique<ScriptedAgent>(ScriptedAgent::Mode::kThrow);
    if (spec == "illegal") return std::make_unique<ScriptedAgent>(ScriptedAgent::Mode::kIllegal);
    if (spec == "resigner") return std::make_unique<ScriptedAgent>(ScriptedAgent::Mode::kResign);
    if (spec == "nostart") throw std::runtime_error("cannot start engine");
    return std::make_unique<ScriptedAgent>(ScriptedAgent::Mode::kFirstLegal);
  };
}

std::string find_gnugo() { return fs::exists("/usr/games/gnugo") ? "/usr/games/gnugo" : ""; }

}  // namespace

TEST_CASE("tournament: config JSON round trip, unknown keys and ranges", "[tournament]") {
  TournamentConfig c;
  c.game = "tictactoe";
  c.agents = {"random", "mcts(playouts=10,c_puct=1.5)"};
  c.games_per_pair = 6;
  c.concurrency = 3;
  c.opening_plies = 2;
  c.seed = 99;
  c.anchor = "random";
  c.anchor_elo = 1000;
  c.sprt = SprtConfig{0, 25, 0.1, 0.05};
  c.out_dir = "somewhere";
  const nlohmann::json j = config_to_json(c);
  const TournamentConfig back = config_from_json(j, "test");
  CHECK(config_to_json(back) == j);
  CHECK(back.agents == c.agents);
  CHECK(back.sprt->elo1 == 25);

  auto bad = j;
  bad["colour"] = "black";
  CHECK_THROWS_WITH(config_from_json(bad, "cfg.json"), Contains("colour") && Contains("cfg.json"));
  bad = j;
  bad["games_per_pair"] = "ten";
  CHECK_THROWS_WITH(config_from_json(bad, "cfg.json"), Contains("games_per_pair"));
  bad = j;
  bad["sprt"] = {{"elo0", 0}, {"elo3", 1}};
  CHECK_THROWS_WITH(config_from_json(bad, "cfg.json"), Contains("elo3"));

  const TournamentConfig resolved = resolve_config(c);
  CHECK(resolved.game == make_game("tictactoe")->spec());
  auto expect_usage = [&](TournamentConfig x, const std::string& word) {
    CHECK_THROWS_WITH(resolve_config(x), Contains(word));
    CHECK_THROWS_AS(resolve_config(x), InputError);
  };
  TournamentConfig x = c;
  x.games_per_pair = 5;
  expect_usage(x, "games_per_pair");
  x = c;
  x.concurrency = 0;
  expect_usage(x, "concurrency");
  x = c;
  x.format = "swiss";
  expect_usage(x, "format");
  x = c;
  x.anchor = "mcts(playouts=11)";
  expect_usage(x, "anchor");
  x = c;
  x.agents = {"random", "random"};
  expect_usage(x, "twice");
  x = c;
  x.agents.push_back("random(foo=1)");
  x.sprt.reset();
  CHECK_THROWS_AS(resolve_config(x), SpecError);
  x = c;
  x.agents.push_back("mcts");
  expect_usage(x, "sprt");
  x = c;
  x.opening_plies = 9;  // every 9-ply tictactoe opening is a finished game
  expect_usage(x, "opening_plies");
  x = c;
  x.opening_plies = 0;
  x.openings = {"B2 A1", "B2 Z9"};
  expect_usage(x, "line 2");
}

TEST_CASE("tournament: schedule pairs colours and shares openings", "[tournament]") {
  TournamentConfig c;
  c.game = "connect_four";
  c.agents = {"a", "b", "c", "d"};
  c.games_per_pair = 4;
  c.opening_plies = 4;
  c.seed = 7;
  const auto game = make_game(c.game);
  const auto rr = make_schedule(c);
  REQUIRE(rr.size() == 6 * 4);
  std::map<std::pair<int, int>, int> as_first;
  for (const auto& s : rr) {
    REQUIRE(s.first != s.second);
    as_first[{s.first, s.second}]++;
    if (s.index % 2 == 1) {
      const auto& partner = rr[s.index - 1];
      CHECK(partner.first == s.second);
      CHECK(partner.second == s.first);
      CHECK(partner.pair == s.pair);
      CHECK(partner.round == s.round);
    }
  }
  CHECK(as_first.size() == 12);  // every ordered pair
  for (const auto& [key, count] : as_first) CHECK(count == 2);
  // Openings: deterministic, the same for both games of a pair, different across pairs.
  std::set<std::vector<Action>> distinct;
  for (int pair = 0; pair < 6; ++pair) {
    for (int round = 0; round < 2; ++round) {
      const auto o = make_opening(*game, c, pair, round);
      CHECK(o.size() == 4);
      CHECK(o == make_opening(*game, c, pair, round));
      distinct.insert(o);
    }
  }
  CHECK(distinct.size() >= 10);
  TournamentConfig reseeded = c;
  reseeded.seed = 8;
  CHECK(make_opening(*game, reseeded, 0, 0) != make_opening(*game, c, 0, 0));

  c.format = "gauntlet";
  const auto g = make_schedule(c);
  REQUIRE(g.size() == 3 * 4);
  for (const auto& s : g) CHECK((s.first == 0 || s.second == 0));
  c.openings = {"A1 B1", "C1"};
  c.opening_plies = 0;
  CHECK(make_opening(*game, c, 0, 0).size() == 2);  // key 0
  CHECK(make_opening(*game, c, 1, 0).size() == 1);  // key 1
  CHECK(make_opening(*game, c, 0, 1).size() == 1);  // key 3 % 2
}

TEST_CASE("tournament: adjudication records forfeits, resignations and the move cap",
          "[tournament]") {
  const auto game = make_game("tictactoe");
  TournamentConfig c;
  c.game = game->spec();
  c.agents = {"plain", "thrower", "illegal", "resigner", "nostart"};
  const auto factory = scripted_factory();
  auto play = [&](int first, int second, int max_moves = 0) {
    c.max_moves = max_moves;
    ScheduledGame s;
    s.first = first;
    s.second = second;
    return play_scheduled_game(*game, c, s, {}, factory);
  };
  GameRecord r = play(0, 1);
  CHECK(r.reason == "crash");
  CHECK(r.first_score == 1.0);
  CHECK_THAT(r.detail, Contains("thrower") && Contains("engine died"));
  r = play(2, 0);  // "illegal" opens legally at B2, then tries B2 again
  CHECK(r.reason == "illegal_move");
  CHECK(r.first_score == 0.0);
  CHECK_THAT(r.detail, Contains("illegal move B2 at ply 3"));
  r = play(0, 2);
  CHECK(r.reason == "illegal_move");
  CHECK(r.first_score == 1.0);
  CHECK(r.moves.size() == 1);
  r = play(3, 0);
  CHECK(r.reason == "resign");
  CHECK(r.first_score == 0.0);
  CHECK(r.result() == "second");
  r = play(0, 4);
  CHECK(r.reason == "crash");
  CHECK_THAT(r.detail, Contains("cannot start engine"));
  CHECK(r.first_score == 1.0);
  r = play(0, 0, 3);
  CHECK(r.reason == "move_cap");
  CHECK(r.first_score == 0.5);
  CHECK(r.result() == "draw");
  CHECK(r.plies == 3);
  r = play(0, 0);
  CHECK(r.reason == "terminal");  // A3 B3 C3 A2 B2 C2 A1: the first player wins on C3-B2-A1
  CHECK(r.first_score == 1.0);
  const auto json_back = record_from_json(record_to_json(r));
  CHECK(json_back.moves == r.moves);
  CHECK(json_back.result() == "first");
}

TEST_CASE("tournament: quick connect four tournament ranks agents, resumes and refuses changes",
          "[tournament]") {
  const std::string dir = temp_dir("quick");
  const std::vector<std::string> args = {"tournament",
                                         "connect_four",
                                         "--agents",
                                         "random,mcts(playouts=20),mcts(playouts=200)",
                                         "--games-per-pair",
                                         "10",
                                         "--concurrency",
                                         "2",
                                         "--opening-plies",
                                         "2",
                                         "--progress",
                                         "on",
                                         "--out",
                                         dir};
  Run r = run(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  WARN("connect four tournament:\n" << r.out);
  CHECK_THAT(r.err, Contains("[30/30]") && Contains("games/s") && Contains("ETA") &&
                        Contains("leader mcts(playouts=200)"));
  CHECK_THAT(r.out, Contains("rank") && Contains("LOS"));
  for (const char* f : {"config.json", "games.jsonl", "ratings.json", "crosstable.csv"}) {
    CHECK(fs::exists(fs::path(dir) / f));
  }
  auto records = read_records(dir);
  REQUIRE(records.size() == 30);
  std::set<int> indices;
  for (const auto& rec : records) indices.insert(rec.index);
  CHECK(indices.size() == 30);
  std::ifstream rin(dir + "/ratings.json");
  const auto ratings = nlohmann::json::parse(rin);
  REQUIRE(ratings["ratings"].size() == 3);
  CHECK(ratings["ratings"][0]["agent"] == "mcts(playouts=200)");
  CHECK(ratings["ratings"][1]["agent"] == "mcts(playouts=20)");
  CHECK(ratings["ratings"][2]["agent"] == "random");
  const auto csv = read_lines(dir + "/crosstable.csv");
  REQUIRE(csv.size() == 4);
  CHECK(csv[0] == "agent,random,mcts(playouts=20),mcts(playouts=200),games,score");

  // The same command again plays nothing and keeps the file as it was.
  const auto before = read_lines(dir + "/games.jsonl");
  Run again = run(args);
  REQUIRE(again.code == 0);
  CHECK(read_lines(dir + "/games.jsonl") == before);
  CHECK_THAT(again.err, Contains("30 of 30 games already played"));
  // Concurrency may change; the games may not.
  auto changed = args;
  changed[5] = "12";
  Run refused = run(changed);
  CHECK(refused.code == 2);
  CHECK_THAT(refused.err, Contains("different tournament") && Contains("games_per_pair"));
  CHECK(read_lines(dir + "/games.jsonl") == before);
  remove_tree(dir);
}

TEST_CASE("tournament: results do not depend on concurrency", "[tournament][threads]") {
  TournamentConfig c;
  c.game = "tictactoe";
  c.agents = {"random", "mcts(playouts=30)", "mcts(playouts=5)"};
  c.games_per_pair = 4;
  c.opening_plies = 1;
  c.seed = 3;
  std::ostringstream log;
  c.out_dir = temp_dir("serial");
  c.concurrency = 1;
  const auto serial = run_tournament(resolve_config(c), log);
  c.out_dir = temp_dir("parallel");
  c.concurrency = 4;
  const auto parallel = run_tournament(resolve_config(c), log);
  REQUIRE(serial.records.size() == 12);
  REQUIRE(parallel.records.size() == 12);
  for (size_t i = 0; i < 12; ++i) {
    CHECK(serial.records[i].index == static_cast<int>(i));
    CHECK(parallel.records[i].index == static_cast<int>(i));
    CHECK(serial.records[i].opening == parallel.records[i].opening);
    CHECK(serial.records[i].moves == parallel.records[i].moves);
    CHECK(serial.records[i].first_score == parallel.records[i].first_score);
  }
  // Colour-swapped partners share the opening.
  for (size_t i = 0; i < 12; i += 2)
    CHECK(serial.records[i].opening == serial.records[i + 1].opening);
  remove_tree(c.out_dir);
  remove_tree(temp_dir("serial"));
}

TEST_CASE("tournament: bad input exits 2 and writes nothing", "[tournament]") {
  const std::string dir = temp_dir("bad");
  Run r = run({"tournament", "connect_four", "--agents", "random,mcst(playouts=5)", "--out", dir});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("mcst"));
  r = run({"tournament", "chess", "--agents", "random,random", "--out", dir});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("chess"));
  r = run({"tournament", "connect_four", "--agents", "random,mcts", "--colour", "x", "--out", dir});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--colour"));
  r = run({"tournament", "connect_four", "--agents", "random,mcts", "--games-per-pair", "3",
           "--out", dir});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--games-per-pair"));
  r = run({"tournament", "connect_four", "--agents", "random,mcts,mcts(playouts=9)", "--sprt",
           "elo0=0,elo1=5", "--out", dir});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("exactly two"));
  const std::string cfg = temp_dir("cfg.json");
  std::ofstream(cfg) << R"({"game": "tictactoe", "agents": ["random", "mcts"], "rounds": 3})";
  r = run({"tournament", "--config", cfg, "--out", dir});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("unknown key 'rounds'"));
  std::ofstream(cfg) << R"({"game": "tictactoe", "agents": ["random", "mcts"], "concurrency": 0})";
  r = run({"tournament", "--config", cfg, "--out", dir});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("concurrency"));
  CHECK_FALSE(fs::exists(dir));
  // A valid config file works, and flags override it.
  std::ofstream(cfg) << R"J({"game": "tictactoe", "agents": "random,mcts(playouts=5)",
                              "games_per_pair": 4, "format": "gauntlet"})J";
  r = run({"tournament", "--config", cfg, "--out", dir, "--games-per-pair", "2"});
  CHECK(r.code == 0);
  CHECK(read_records(dir).size() == 2);
  std::ifstream config_in(dir + "/config.json");
  const auto written = nlohmann::json::parse(config_in);
  CHECK(written["games_per_pair"] == 2);
  CHECK(written["format"] == "gauntlet");
  remove_tree(dir);
  fs::remove(cfg);
}

TEST_CASE("tournament: SPRT stops scheduling once a bound is crossed", "[tournament]") {
  const std::string dir = temp_dir("sprt");
  Run r =
      run({"tournament", "tictactoe", "--agents", "random,mcts(playouts=300)", "--games-per-pair",
           "200", "--sprt", "elo0=0,elo1=50,alpha=0.05,beta=0.05", "--out", dir});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("H1") && Contains("stopped early"));
  const auto records = read_records(dir);
  CHECK(records.size() < 100);
  CHECK(records.size() % 2 == 0);  // one worker: every started pair is completed
  std::ifstream ratings_in(dir + "/ratings.json");
  const auto ratings = nlohmann::json::parse(ratings_in);
  CHECK(ratings["sprt"]["decision"] == "H1");
  CHECK(ratings["sprt"]["llr"].get<double>() >= ratings["sprt"]["upper"].get<double>());
  remove_tree(dir);
}

TEST_CASE("tournament: a SIGKILLed run resumes without lost or duplicate games", "[tournament]") {
  const std::string dir = temp_dir("kill");
  const std::string agents = "random,mcts(playouts=300),mcts(playouts=1000)";
  const int total = 3 * 16;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(TENUKI_BINARY, "tenuki", "tournament", "connect_four", "--agents", agents.c_str(),
            "--games-per-pair", "16", "--concurrency", "2", "--opening-plies", "2", "--out",
            dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const std::string games = dir + "/games.jsonl";
  size_t seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    seen = read_lines(games).size();
    if (seen >= 6) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));  // killed, not finished on its own
  const auto before = read_lines(games);
  REQUIRE(before.size() >= 6);
  REQUIRE(before.size() < static_cast<size_t>(total));
  // A write cut short by the kill leaves a partial last line; add one to be sure it is handled.
  std::ofstream(games, std::ios::app) << R"({"index": 47, "pair": 2, "rou)";

  Run r = run({"tournament", "connect_four", "--agents", agents, "--games-per-pair", "16",
               "--concurrency", "2", "--opening-plies", "2", "--out", dir});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.err, Contains("truncated last line"));
  CHECK_THAT(r.err, Contains("resuming"));
  const auto after = read_lines(games);
  REQUIRE(after.size() == static_cast<size_t>(total));
  // Nothing finished before the kill was lost or changed.
  for (size_t i = 0; i < before.size(); ++i) CHECK(after[i] == before[i]);
  std::multiset<int> indices;
  for (const auto& rec : read_records(dir)) indices.insert(rec.index);
  CHECK(indices.size() == static_cast<size_t>(total));
  for (int g = 0; g < total; ++g) CHECK(indices.count(g) == 1);
  std::ifstream ratings_in(dir + "/ratings.json");
  const auto ratings = nlohmann::json::parse(ratings_in);
  CHECK(ratings["ratings"][2]["agent"] == "random");
  remove_tree(dir);
}

TEST_CASE("tournament: 9x9 Go with rollout MCTS and GNU Go", "[tournament][slow]") {
  const std::string gnugo = find_gnugo();
  if (gnugo.empty()) {
    WARN("gnugo not found: Go tournament skipped (install the gnugo package)");
    return;
  }
  const std::string dir = temp_dir("go");
  const std::string gnu =
      "gtp(cmd=\"" + gnugo + " --mode gtp --level 1 --chinese-rules --capture-all-dead\")";
  Run r = run({"tournament", "go(size=9)", "--agents",
               "random,mcts(playouts=20),mcts(playouts=200)," + gnu, "--games-per-pair", "4",
               "--concurrency", "2", "--anchor", "random", "--out", dir});
  INFO(r.err);
  REQUIRE(r.code == 0);
  WARN("9x9 Go tournament:\n" << r.out);
  const auto records = read_records(dir);
  REQUIRE(records.size() == 24);
  for (const auto& rec : records) {
    char name[32];
    std::snprintf(name, sizeof(name), "game-%04d.sgf", rec.index);
    const auto sgf = go::read_sgf_file((fs::path(dir) / "sgf" / name).string());
    CHECK(static_cast<int>(sgf.moves.size()) == rec.plies);
    CHECK(sgf.black_name == rec.first);
    CHECK(rec.reason != "crash");
  }
  std::ifstream ratings_in(dir + "/ratings.json");
  const auto ratings = nlohmann::json::parse(ratings_in);
  std::map<std::string, double> elo;
  for (const auto& a : ratings["ratings"]) elo[a["agent"]] = a["elo"];
  // GNU Go (even at level 1) and 200-playout MCTS are clearly above random play and 20-playout
  // MCTS; the order within each of those two groups is not obvious over a few games.
  for (const std::string& strong : {gnu, std::string("mcts(playouts=200)")}) {
    CHECK(elo[strong] > elo["random"]);
    CHECK(elo[strong] > elo["mcts(playouts=20)"]);
  }
  CHECK(elo["random"] == 0.0);
  remove_tree(dir);
}
