#include "agents/gtp/gtp_engine.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "agents/search/search_agent.h"
#include "envs/games/go/go_game.h"
#include "envs/games/go/sgf.h"
#include "envs/registry.h"
#include "envs/spec.h"

namespace tenuki {
namespace {

const std::vector<std::string>& known_commands() {
  static const std::vector<std::string> commands = {"protocol_version",
                                                    "name",
                                                    "version",
                                                    "known_command",
                                                    "list_commands",
                                                    "quit",
                                                    "boardsize",
                                                    "clear_board",
                                                    "komi",
                                                    "play",
                                                    "genmove",
                                                    "undo",
                                                    "showboard",
                                                    "final_score",
                                                    "final_status_list",
                                                    "loadsgf",
                                                    "is_legal",
                                                    "time_settings",
                                                    "time_left",
                                                    "kgs-time_settings",
                                                    "lz-analyze",
                                                    "kata-analyze",
                                                    "lz-genmove_analyze",
                                                    "kata-genmove_analyze"};
  return commands;
}

class GtpFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int color_of(const std::string& text) {
  std::string c = lower(text);
  if (c == "b" || c == "black") return 0;
  if (c == "w" || c == "white") return 1;
  throw GtpFailure("invalid color '" + text + "'");
}

// The words of a command line after comment removal and control-character cleaning.
std::vector<std::string> tokenize(const std::string& raw) {
  std::string line;
  for (char c : raw) {
    if (c == '#') break;
    if (c == '\t') c = ' ';
    if (c == '\r' || (static_cast<unsigned char>(c) < 32 && c != '\n')) continue;
    line += c;
  }
  std::istringstream words(line);
  std::vector<std::string> tokens;
  for (std::string w; words >> w;) tokens.push_back(w);
  return tokens;
}

bool is_quit_line(const std::string& raw) {
  const auto tokens = tokenize(raw);
  size_t i = !tokens.empty() && std::isdigit(static_cast<unsigned char>(tokens[0][0])) ? 1 : 0;
  return i < tokens.size() && tokens[i] == "quit";
}

double parse_number(const std::string& text, const std::string& what) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  throw GtpFailure("syntax error: " + what + " must be a number, got '" + text + "'");
}

}  // namespace

GtpEngine::GtpEngine(const std::string& game_spec, const std::string& agent_spec, uint64_t seed)
    : agent_spec_(agent_spec), seed_(seed) {
  rebuild_game(game_spec);
}

GtpEngine::~GtpEngine() = default;

void GtpEngine::rebuild_game(const std::string& spec) {
  auto game = make_game(spec);
  auto agent = make_agent(agent_spec_, *game, seed_);
  game_ = std::move(game);
  agent_ = std::move(agent);
  state_ = game_->new_initial_state();
  agent_->new_game(*game_);
}

int GtpEngine::parse_color(const std::string& text) const { return color_of(text); }

std::pair<int, Action> GtpEngine::parse_move(const std::string& color,
                                             const std::string& vertex) const {
  const int player = parse_color(color);
  try {
    return {player, game_->string_to_action(vertex)};
  } catch (const std::invalid_argument&) {
    throw GtpFailure("invalid vertex '" + vertex + "'");
  }
}

void GtpEngine::ensure_to_move(int player) {
  if (state_->is_terminal() || state_->current_player() == player) return;
  if (!state_->is_legal(game_->pass_action())) {
    throw GtpFailure("it is " + game_->player_name(state_->current_player()) + "'s turn");
  }
  state_->apply_action(game_->pass_action());
}

std::string GtpEngine::handle(const std::string& raw) {
  std::ostringstream out;
  process(raw, out, [] { return true; });
  return out.str();
}

void GtpEngine::process(const std::string& raw, std::ostream& out,
                        const std::function<bool()>& interrupted) {
  std::vector<std::string> tokens = tokenize(raw);
  if (tokens.empty()) return;
  std::string id;
  if (std::isdigit(static_cast<unsigned char>(tokens[0][0]))) {
    id = tokens[0];
    tokens.erase(tokens.begin());
    if (tokens.empty()) {
      out << "?" << id << " missing command\n\n" << std::flush;
      return;
    }
  }
  const std::string command = tokens[0];
  std::vector<std::string> args(tokens.begin() + 1, tokens.end());
  try {
    if (command.size() > 8 && command.compare(command.size() - 7, 7, "analyze") == 0 &&
        (command.rfind("lz-", 0) == 0 || command.rfind("kata-", 0) == 0)) {
      analyze(id, command, args, out, interrupted);
      return;
    }
    std::string answer = execute(command, args);
    out << "=" << id << (answer.empty() ? "" : " " + answer) << "\n\n" << std::flush;
  } catch (const std::exception& e) {
    out << "?" << id << " " << e.what() << "\n\n" << std::flush;
  }
}

Action GtpEngine::generate_move(int player, double interval_s,
                                const std::function<void(const Mcts&)>& report) {
  const auto start = std::chrono::steady_clock::now();
  auto* search = dynamic_cast<SearchAgent*>(agent_.get());
  Action action = 0;
  if (search) {
    search->set_time_limit(clock_.budget(player, state_->move_number(), game_->num_cells()));
    action = search->search_reporting(*state_, interval_s, report);
  } else {
    action = agent_->select_action(*state_);
  }
  clock_.record_move(
      player, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (action != kResign) state_->apply_action(action);
  return action;
}

void GtpEngine::analyze(const std::string& id, const std::string& command,
                        const std::vector<std::string>& args, std::ostream& out,
                        const std::function<bool()>& interrupted) {
  const bool kata = command.rfind("kata-", 0) == 0;
  const bool genmove = command.find("genmove") != std::string::npos;
  if (command != "lz-analyze" && command != "kata-analyze" && command != "lz-genmove_analyze" &&
      command != "kata-genmove_analyze") {
    throw GtpFailure("unknown command");
  }
  AnalyzeRequest request;
  try {
    request = parse_analyze_args(args, kata, &color_of);
  } catch (const std::invalid_argument& e) {
    throw GtpFailure(std::string("syntax error: ") + e.what());
  }
  auto* search = dynamic_cast<SearchAgent*>(agent_.get());
  if (search == nullptr && !genmove) {
    throw GtpFailure("analysis needs a search agent (mcts or net), not " + agent_spec_);
  }
  // The analysed position: the player asked for is made to move (on a copy for analysis).
  std::unique_ptr<State> position = state_->clone();
  if (request.player >= 0 && !position->is_terminal() &&
      position->current_player() != request.player) {
    if (!position->is_legal(game_->pass_action())) {
      throw GtpFailure("it is " + game_->player_name(position->current_player()) + "'s turn");
    }
    position->apply_action(game_->pass_action());
  }
  if (position->is_terminal() && !genmove) throw GtpFailure("the game is over");
  std::vector<float> ownership;
  if (search && request.ownership && !position->is_terminal()) {
    auto batch = search->evaluator().new_batch();
    batch->add(*position);
    batch->compute();
    if (const float* own = batch->ownership(0)) ownership.assign(own, own + game_->num_cells());
  }
  out << "=" << id << "\n" << std::flush;
  auto report = [&](const Mcts& tree) {
    const std::string line = format_analysis(*game_, tree.root_move_stats(15), request, ownership);
    if (!line.empty()) out << line << "\n" << std::flush;
  };
  if (!genmove) {
    search->analyze(*position, request.interval_s, report, interrupted);
    out << "\n" << std::flush;
    return;
  }
  const int player = request.player >= 0 ? request.player : state_->current_player();
  std::string move = "pass";
  if (!state_->is_terminal()) {
    ensure_to_move(player);
    const Action action = generate_move(player, request.interval_s, report);
    move = action == kResign ? "resign" : gtp_vertex(*game_, action);
  }
  out << "play " << move << "\n\n" << std::flush;
}

std::string GtpEngine::execute(const std::string& command, const std::vector<std::string>& args) {
  auto need = [&](size_t n) {
    if (args.size() < n)
      throw GtpFailure("syntax error: " + command + " needs " + std::to_string(n) + " argument(s)");
  };
  Spec spec = Spec::parse(game_->spec());
  auto respec = [&](const std::string& key, const std::string& value) {
    std::vector<std::pair<std::string, std::string>> opts;
    for (const auto& [k, v] : spec.options()) {
      if (k != key && !(key == "size" && (k == "rows" || k == "cols"))) opts.push_back({k, v});
    }
    opts.push_back({key, value});
    return Spec::format(spec.name(), opts);
  };
  if (command == "protocol_version") return "2";
  if (command == "name") return "tenuki";
  if (command == "version") return "0.1 (" + agent_spec_ + ")";
  if (command == "known_command") {
    need(1);
    for (const auto& c : known_commands()) {
      if (c == args[0]) return "true";
    }
    return "false";
  }
  if (command == "list_commands") {
    std::string out;
    for (const auto& c : known_commands()) out += (out.empty() ? "" : "\n") + c;
    return out;
  }
  if (command == "quit") {
    quit_ = true;
    return "";
  }
  if (command == "boardsize") {
    need(1);
    int size = 0;
    try {
      size = std::stoi(args[0]);
    } catch (const std::exception&) {
      throw GtpFailure("syntax error: boardsize needs an integer");
    }
    if (!spec.has("size") && !spec.has("rows")) throw GtpFailure("unacceptable size");
    try {
      rebuild_game(respec("size", std::to_string(size)));
    } catch (const SpecError&) {
      throw GtpFailure("unacceptable size");
    }
    return "";
  }
  if (command == "clear_board") {
    state_ = game_->new_initial_state();
    agent_->new_game(*game_);
    return "";
  }
  if (command == "komi") {
    need(1);
    double komi = 0;
    try {
      komi = std::stod(args[0]);
    } catch (const std::exception&) {
      throw GtpFailure("syntax error: komi needs a number");
    }
    if (!spec.has("komi")) return "";  // games without komi ignore it
    std::ostringstream k;
    k << komi;
    auto history = state_->history();
    rebuild_game(respec("komi", k.str()));
    for (Action a : history) state_->apply_action(a);
    return "";
  }
  if (command == "play") {
    need(2);
    const auto [player, action] = parse_move(args[0], args[1]);
    auto before = state_->clone();
    ensure_to_move(player);
    if (!state_->is_legal(action)) {
      state_ = std::move(before);
      throw GtpFailure("illegal move");
    }
    state_->apply_action(action);
    return "";
  }
  if (command == "genmove") {
    need(1);
    int player = parse_color(args[0]);
    ensure_to_move(player);
    if (state_->is_terminal()) return "pass";
    const Action action = generate_move(player, 0, {});
    if (action == kResign) return "resign";
    return lower(game_->action_to_string(action)) == "pass" ? "pass"
                                                            : game_->action_to_string(action);
  }
  if (command == "undo") {
    if (state_->history().empty()) throw GtpFailure("cannot undo");
    state_->undo_action();
    return "";
  }
  if (command == "showboard") return "\n" + state_->to_string();
  if (command == "is_legal") {
    need(2);
    const auto [player, action] = parse_move(args[0], args[1]);
    auto copy = state_->clone();
    if (!copy->is_terminal() && copy->current_player() != player) {
      if (!copy->is_legal(game_->pass_action())) return "0";
      copy->apply_action(game_->pass_action());
    }
    return copy->is_legal(action) ? "1" : "0";
  }
  if (command == "final_score") {
    const auto* go_state = dynamic_cast<const go::GoState*>(state_.get());
    if (!go_state) throw GtpFailure("final_score is only for Go");
    double score = go_state->area_score_black_minus_white() - go_state->go_game().komi();
    if (score == 0) return "0";
    std::ostringstream out;
    out << (score > 0 ? "B+" : "W+") << std::abs(score);
    return out.str();
  }
  if (command == "final_status_list") {
    need(1);
    // Tromp-Taylor scoring counts every stone as alive.
    std::string status = lower(args[0]);
    if (status == "dead" || status == "seki") return "";
    if (status != "alive") throw GtpFailure("syntax error: status must be alive, dead or seki");
    std::string out;
    for (int cell = 0; cell < game_->num_cells(); ++cell) {
      if (state_->cell_owner(cell) >= 0)
        out += (out.empty() ? "" : " ") + game_->action_to_string(cell);
    }
    return out;
  }
  if (command == "loadsgf") {
    need(1);
    go::SgfGame record;
    try {
      record = go::read_sgf_file(args[0]);
    } catch (const go::SgfError& e) {
      throw GtpFailure(std::string("cannot load file: ") + e.what());
    }
    size_t moves = record.moves.size();
    if (args.size() >= 2) {
      try {
        moves = std::min<size_t>(moves, std::max(0, std::stoi(args[1]) - 1));
      } catch (const std::exception&) {
        throw GtpFailure("syntax error: move number must be an integer");
      }
    }
    record.moves.resize(moves);
    rebuild_game(record.game_spec);
    try {
      state_ = go::sgf_to_state(record, game_);
    } catch (const go::SgfError& e) {
      throw GtpFailure(std::string("cannot load file: ") + e.what());
    }
    return "";
  }
  if (command == "time_settings") {
    need(3);
    const double main_s = parse_number(args[0], "main time");
    const double byo_s = parse_number(args[1], "byo-yomi time");
    const double stones = parse_number(args[2], "byo-yomi stones");
    if (main_s < 0 || byo_s < 0 || stones < 0 || stones != std::floor(stones) || stones > 1e6) {
      throw GtpFailure("syntax error: time_settings needs MAIN BYO STONES >= 0");
    }
    clock_.set_gtp(main_s, byo_s, static_cast<int>(stones));
    return "";
  }
  if (command == "kgs-time_settings") {
    try {
      clock_.set_kgs(args);
    } catch (const std::invalid_argument& e) {
      throw GtpFailure(std::string("syntax error: ") + e.what());
    }
    return "";
  }
  if (command == "time_left") {
    need(3);
    const int player = parse_color(args[0]);
    const double seconds = parse_number(args[1], "time");
    const double stones = parse_number(args[2], "stones");
    if (seconds < 0 || stones < 0 || stones != std::floor(stones) || stones > 1e6) {
      throw GtpFailure("syntax error: time_left needs COLOR TIME STONES >= 0");
    }
    clock_.set_time_left(player, seconds, static_cast<int>(stones));
    return "";
  }
  throw GtpFailure("unknown command");
}

void GtpEngine::run(std::istream& in, std::ostream& out) {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::string> lines;  // guarded by mutex
  bool ended = false;             // guarded by mutex: no more lines will come
  // std::cin is tied to std::cout: a read would flush `out` from the reader thread while this
  // thread writes to it. Untie for the session.
  std::ostream* const tied = in.tie(nullptr);
  // The reader stops after a quit line so that it never blocks in `in` after run() returns.
  std::thread reader([&] {
    for (std::string line; std::getline(in, line);) {
      const bool quit = is_quit_line(line);
      {
        std::lock_guard<std::mutex> lock(mutex);
        lines.push_back(line);
      }
      ready.notify_one();
      if (quit) break;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      ended = true;
    }
    ready.notify_one();
  });
  auto interrupted = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return !lines.empty() || ended;
  };
  while (!quit_) {
    std::string line;
    {
      std::unique_lock<std::mutex> lock(mutex);
      ready.wait(lock, [&] { return !lines.empty() || ended; });
      if (lines.empty()) break;
      line = std::move(lines.front());
      lines.pop_front();
    }
    process(line, out, interrupted);
  }
  reader.join();
  in.tie(tied);
}

}  // namespace tenuki
