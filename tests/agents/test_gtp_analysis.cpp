// GTP analysis (lz-analyze, kata-analyze, *-genmove_analyze) through a live engine session, with
// parsers written from Leela Zero's and KataGo's documentation, and the GTP clock.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <regex>
#include <sstream>
#include <streambuf>
#include <thread>

#include "agents/gtp/gtp_engine.h"
#include "agents/search/time_manager.h"
#include "envs/registry.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// An input stream fed line by line from the test thread: reads block until a line is pushed or
// the stream is closed (like a GUI's pipe).
class LineFeed : public std::streambuf {
 public:
  void push(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ += line + "\n";
    cv_.notify_all();
  }
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    cv_.notify_all();
  }

 protected:
  int_type underflow() override {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return !pending_.empty() || closed_; });
    if (pending_.empty()) return traits_type::eof();
    current_ = std::move(pending_);
    pending_.clear();
    setg(current_.data(), current_.data(), current_.data() + current_.size());
    return traits_type::to_int_type(current_[0]);
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::string pending_, current_;
  bool closed_ = false;
};

// An output stream that records what was written and when each line was completed.
class TimedOutput : public std::streambuf {
 public:
  using Clock = std::chrono::steady_clock;
  struct Line {
    std::string text;
    Clock::time_point at;
  };
  std::vector<Line> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c == traits_type::eof()) return c;
    std::lock_guard<std::mutex> lock(mutex_);
    if (c == '\n') {
      lines_.push_back({partial_, Clock::now()});
      partial_.clear();
    } else {
      partial_ += static_cast<char>(c);
    }
    return c;
  }

 private:
  std::mutex mutex_;
  std::string partial_;
  std::vector<Line> lines_;
};

bool is_int(const std::string& s) { return std::regex_match(s, std::regex("-?[0-9]+")); }
bool is_float(const std::string& s) {
  return std::regex_match(s, std::regex("-?[0-9]+(\\.[0-9]+)?(e-?[0-9]+)?"));
}
bool is_vertex(const std::string& s, int size) {
  if (s == "pass") return true;
  std::smatch m;
  if (!std::regex_match(s, m, std::regex("([A-HJ-Z])([0-9]+)"))) return false;
  const int col = m[1].str()[0] - 'A' - (m[1].str()[0] > 'I' ? 1 : 0);
  const int row = std::stoi(m[2].str());
  return col < size && row >= 1 && row <= size;
}

struct MoveInfo {
  std::string move;
  long visits = -1;
  double winrate = -1, prior = -1, lcb = -1;
  long order = -1;
  std::vector<std::string> pv;
};

// Parses one analysis line as Leela Zero / KataGo document it: a sequence of `info` groups of
// key-value pairs, `pv` taking the vertices up to the next `info` (or `ownership`); kata values
// are floats, lz ones integers in [0, 10000]. Returns false (with `why`) on anything else.
bool parse_info_line(const std::string& line, bool kata, int size, std::vector<MoveInfo>* out,
                     std::vector<double>* ownership, std::string* why) {
  std::istringstream in(line);
  std::vector<std::string> t;
  for (std::string w; in >> w;) t.push_back(w);
  size_t i = 0;
  auto fail = [&](const std::string& what) {
    *why = what + " at token " + std::to_string(i) + " of: " + line;
    return false;
  };
  if (t.empty() || t[0] != "info") return fail("no leading info");
  while (i < t.size()) {
    if (t[i] == "ownership") {
      for (++i; i < t.size(); ++i) {
        if (!is_float(t[i])) return fail("bad ownership value");
        ownership->push_back(std::stod(t[i]));
      }
      break;
    }
    if (t[i] != "info") return fail("expected info");
    ++i;
    MoveInfo m;
    while (i < t.size() && t[i] != "info" && t[i] != "ownership") {
      const std::string key = t[i++];
      if (key == "pv") {
        while (i < t.size() && t[i] != "info" && t[i] != "ownership") {
          if (!is_vertex(t[i], size)) return fail("bad pv vertex");
          m.pv.push_back(t[i++]);
        }
        continue;
      }
      if (i >= t.size()) return fail("key without value");
      const std::string value = t[i++];
      if (key == "move") {
        if (!is_vertex(value, size)) return fail("bad move");
        m.move = value;
      } else if (key == "visits" || key == "order") {
        if (!is_int(value)) return fail("bad integer");
        (key == "visits" ? m.visits : m.order) = std::stol(value);
      } else if (key == "winrate" || key == "prior" || key == "lcb") {
        double v = 0;
        if (kata) {
          if (!is_float(value)) return fail("bad float");
          v = std::stod(value);
          if (v < 0 || v > 1) return fail("outside [0, 1]");
        } else {
          if (!is_int(value)) return fail("bad integer");
          v = std::stol(value);
          if (v < 0 || v > 10000) return fail("outside [0, 10000]");
        }
        (key == "winrate" ? m.winrate : key == "prior" ? m.prior : m.lcb) = v;
      } else if (kata && is_float(value)) {
        // utility, scoreLead, ...: consumers must accept fields they do not know.
      } else {
        return fail("unknown key " + key);
      }
    }
    if (m.move.empty() || m.visits < 0 || m.winrate < 0 || m.prior < 0 || m.order < 0) {
      return fail("missing field");
    }
    if (m.pv.empty() || m.pv[0] != m.move) return fail("pv does not start with the move");
    out->push_back(m);
  }
  return true;
}

}  // namespace

TEST_CASE("gtp analysis: parser from the docs accepts Leela Zero's own example", "[gtp]") {
  // The example output in KataGo's GTP_Extensions.md for lz-analyze (19x19).
  const std::string example =
      "info move E4 visits 1178 winrate 4802 prior 2211 lcb 4781 order 0 pv E4 E3 F3 D3 "
      "info move P16 visits 1056 winrate 4796 prior 2206 lcb 4769 order 1 pv P16 P17 O17";
  std::vector<MoveInfo> moves;
  std::vector<double> ownership;
  std::string why;
  REQUIRE(parse_info_line(example, false, 19, &moves, &ownership, &why));
  REQUIRE(moves.size() == 2);
  REQUIRE(moves[1].pv.size() == 3);
  // ... and rejects broken lines.
  moves.clear();
  REQUIRE_FALSE(parse_info_line("info move E4 visits x winrate 1 prior 1 lcb 1 order 0 pv E4",
                                false, 19, &moves, &ownership, &why));
  REQUIRE_FALSE(parse_info_line("info move E4 visits 3 winrate 12000 prior 1 order 0 pv E4", false,
                                19, &moves, &ownership, &why));
  REQUIRE_FALSE(parse_info_line("info move Z4 visits 3 winrate 1 prior 1 order 0 pv Z4", false, 19,
                                &moves, &ownership, &why));
}

TEST_CASE("gtp analysis: lz-analyze streams until the next command, then genmove", "[gtp]") {
  GtpEngine engine("go(size=9,komi=7.5)", "mcts(playouts=300)", 1);
  LineFeed feed;
  TimedOutput sink;
  std::istream in(&feed);
  std::ostream out(&sink);
  std::thread session([&] { engine.run(in, out); });
  feed.push("play b E5");
  feed.push("lz-analyze 10");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const auto genmove_sent = TimedOutput::Clock::now();
  feed.push("genmove w");
  feed.push("quit");
  session.join();

  const auto lines = sink.lines();
  // "=", "", "=", info..., "", "= VERTEX", "", "=", ""
  REQUIRE(lines.size() >= 8);
  REQUIRE(lines[0].text == "=");
  REQUIRE(lines[1].text.empty());
  REQUIRE(lines[2].text == "=");
  size_t i = 3;
  int info_lines = 0;
  for (; i < lines.size() && !lines[i].text.empty(); ++i) {
    std::vector<MoveInfo> moves;
    std::vector<double> ownership;
    std::string why;
    INFO(why);
    REQUIRE(parse_info_line(lines[i].text, false, 9, &moves, &ownership, &why));
    REQUIRE(!moves.empty());
    for (size_t k = 0; k < moves.size(); ++k) {
      CHECK(moves[k].order == static_cast<long>(k));
      CHECK(moves[k].move != "E5");  // occupied
      if (k > 0) CHECK(moves[k].visits <= moves[k - 1].visits);
    }
    ++info_lines;
  }
  // About 60 reports in 0.6 s at 10 cs; at least a few, whatever the machine's load.
  REQUIRE(info_lines >= 3);
  REQUIRE(i + 1 < lines.size());
  // The analysis ended (blank line) once the genmove line arrived, and promptly.
  REQUIRE(lines[i].text.empty());
  CHECK(lines[i].at - genmove_sent < std::chrono::seconds(1));
  REQUIRE_THAT(lines[i + 1].text, StartsWith("= "));
  const std::string move = lines[i + 1].text.substr(2);
  REQUIRE(is_vertex(move, 9));
  for (size_t k = i + 1; k < lines.size(); ++k) CHECK(lines[k].text.rfind("info", 0) != 0);
  REQUIRE(lines.back().text.empty());
  REQUIRE(lines[lines.size() - 2].text == "=");  // quit
}

TEST_CASE("gtp analysis: kata-analyze maxmoves and kata-genmove_analyze", "[gtp]") {
  GtpEngine engine("go(size=9,komi=7.5)", "mcts(playouts=200)", 2);
  // In-process (handle): one batch, then the final report.
  const std::string one = engine.handle("kata-analyze b interval 5 maxmoves 2");
  REQUIRE_THAT(one, StartsWith("=\ninfo move "));
  REQUIRE(one.size() > 4);
  REQUIRE(one.substr(one.size() - 2) == "\n\n");
  const std::string line = one.substr(2, one.find('\n', 2) - 2);
  std::vector<MoveInfo> moves;
  std::vector<double> ownership;
  std::string why;
  INFO(line);
  REQUIRE(parse_info_line(line, true, 9, &moves, &ownership, &why));
  REQUIRE(moves.size() <= 2);
  REQUIRE(ownership.empty());  // rollout MCTS has no ownership

  const std::string played = engine.handle("7 kata-genmove_analyze b 1");
  REQUIRE_THAT(played, StartsWith("=7\n"));
  const auto play_at = played.rfind("\nplay ");
  REQUIRE(play_at != std::string::npos);
  REQUIRE(played.substr(played.size() - 2) == "\n\n");
  const std::string move = played.substr(play_at + 6, played.size() - 2 - (play_at + 6));
  REQUIRE(is_vertex(move, 9));
  REQUIRE(engine.state().history().size() == 1);  // the move was played
  // Interval 0: no periodic reports, only the final one before the move.
  const std::string quiet = engine.handle("lz-genmove_analyze w 0");
  REQUIRE_THAT(quiet, StartsWith("=\ninfo move "));
  REQUIRE(std::count(quiet.begin(), quiet.end(), '\n') == 4);
  REQUIRE_THAT(quiet, Contains("\nplay "));
  REQUIRE(engine.state().history().size() == 2);

  REQUIRE_THAT(engine.handle("lz-analyze b interval x"), StartsWith("? syntax error"));
  REQUIRE_THAT(engine.handle("kata-analyze purple"), StartsWith("? invalid color"));
  REQUIRE_THAT(engine.handle("lz-analyze 10 avoid b D4 1"), StartsWith("? syntax error"));
  GtpEngine random("go(size=9)", "random", 1);
  REQUIRE_THAT(random.handle("lz-analyze 10"), StartsWith("? analysis needs a search agent"));
  REQUIRE_THAT(random.handle("lz-genmove_analyze b 10"), StartsWith("=\nplay "));
}

TEST_CASE("gtp analysis: no report line before the first visited move", "[gtp]") {
  auto game = make_game("go(size=3)");
  AnalyzeRequest request;
  request.kata = true;
  request.ownership = true;
  const std::vector<float> ownership(9, 0.25f);
  // The first interval can come before any move has a visit: nothing to show, no line.
  CHECK(format_analysis(*game, {}, request, ownership).empty());
  RootMoveStats move;
  move.action = game->string_to_action("B2");
  move.visits = 3;
  move.prior = 0.5f;
  move.value = 0.2f;
  move.pv = {move.action};
  const std::string line = format_analysis(*game, {move}, request, ownership);
  CHECK_THAT(line, StartsWith("info move B2 visits 3 ") && Contains(" ownership 0.2500"));
}

TEST_CASE("gtp clock: budgets stay inside every time system", "[gtp]") {
  TimeManager none;
  REQUIRE(std::isinf(none.budget(0, 0, 81)));
  TimeManager byo;
  byo.set_gtp(0, 5, 1);  // 5 s per move
  for (int move = 0; move < 200; move += 10) {
    const double b = byo.budget(0, move, 81);
    REQUIRE(b > 0);
    REQUIRE(b <= 5 * TimeManager::kOvertimeFraction);
    byo.record_move(0, b);
  }
  TimeManager absolute;
  absolute.set_gtp(30, 0, 0);
  double used = 0;
  for (int move = 0; move < 400; move += 2) {  // far longer than any 9x9 game
    const double b = absolute.budget(0, move, 81);
    REQUIRE(b > 0);
    used += b;
    absolute.record_move(0, b);
  }
  // Minimum budgets (10 ms) once the clock is nearly empty keep the total just under 30 s.
  REQUIRE(used < 30 + 0.01 * 200);
  REQUIRE(absolute.budget(0, 0, 81) <= 0.01 + 1e-9);
  absolute.set_time_left(0, 12, 0);  // the controller's clock wins: 12 s over ~48 moves
  REQUIRE(absolute.budget(0, 0, 81) <= 12.0 / TimeManager::kMinMovesToGo);
  REQUIRE(absolute.budget(0, 0, 81) > 0.05);
  REQUIRE(absolute.budget(0, 90, 81) > absolute.budget(0, 0, 81));  // fewer moves to go
  TimeManager canadian;
  canadian.set_kgs({"canadian", "0", "10", "5"});  // 10 s for 5 moves
  REQUIRE(canadian.budget(1, 0, 81) <= 2.0 * TimeManager::kOvertimeFraction);
  canadian.set_time_left(1, 1.0, 1);  // 1 s for the last stone of the period
  REQUIRE(canadian.budget(1, 0, 81) <= 1.0 * TimeManager::kOvertimeFraction);
  TimeManager japanese;
  japanese.set_kgs({"byoyomi", "0", "3", "2"});
  REQUIRE(japanese.budget(0, 50, 81) <= 3 * TimeManager::kOvertimeFraction);
  REQUIRE_THROWS(japanese.set_kgs({"hourglass", "10"}));
  REQUIRE_THROWS(japanese.set_kgs({"canadian", "1", "x", "3"}));
}

TEST_CASE("gtp clock: a search agent answers genmove within byo-yomi", "[gtp]") {
  // Rollout MCTS asked for far more playouts than fit in the time.
  GtpEngine engine("go(size=9,komi=7.5)", "mcts(playouts=100000000)", 3);
  REQUIRE(engine.handle("time_settings 0 1 1") == "=\n\n");
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::string answer = engine.handle(i % 2 == 0 ? "genmove b" : "genmove w");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE_THAT(answer, StartsWith("= "));
    CHECK(seconds < 1.0);
    CHECK(seconds > 0.3);  // it did use its time
  }
  REQUIRE_THAT(engine.handle("time_settings 1 x 1"), StartsWith("? syntax error"));
  REQUIRE_THAT(engine.handle("time_left b 10"), StartsWith("? syntax error"));
  REQUIRE(engine.handle("time_left b 10 0") == "=\n\n");
  REQUIRE(engine.handle("kgs-time_settings none") == "=\n\n");
  REQUIRE_THAT(engine.handle("kgs-time_settings sometimes"), StartsWith("? syntax error"));
}
