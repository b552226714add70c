#include "agents/gtp/gtp_agent.h"

#include <algorithm>
#include <sstream>

#include "envs/games/go/go_game.h"
#include "envs/spec.h"

namespace tenuki {

GtpAgent::GtpAgent(std::string spec_text, std::string command, bool rows_from_top, bool send_passes,
                   double timeout_seconds)
    : spec_(std::move(spec_text)), rows_from_top_(rows_from_top), send_passes_(send_passes) {
  GtpClientOptions options;
  options.timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
  client_ = std::make_unique<GtpClient>(command, options);
}

std::string GtpAgent::vertex(const Game& game, Action action) const {
  if (action == game.pass_action() || !rows_from_top_) return game.action_to_string(action);
  int r = action / game.cols(), c = action % game.cols();
  return game.action_to_string((game.rows() - 1 - r) * game.cols() + c);
}

Action GtpAgent::parse_vertex(const Game& game, const std::string& text) const {
  Action a = game.string_to_action(text);
  if (a == game.pass_action() || !rows_from_top_) return a;
  int r = a / game.cols(), c = a % game.cols();
  return (game.rows() - 1 - r) * game.cols() + c;
}

void GtpAgent::new_game(const Game& game) {
  if (game.rows() != game.cols()) {
    throw std::invalid_argument("gtp agent: GTP boards are square; " + game.spec() + " is not");
  }
  client_->send("boardsize " + std::to_string(game.rows()));
  client_->send("clear_board");
  if (const auto* go_game = dynamic_cast<const go::GoGame*>(&game)) {
    std::ostringstream komi;
    komi << go_game->komi();
    client_->query("komi " + komi.str());
  }
  sent_.clear();
  game_spec_ = game.spec();
}

void GtpAgent::sync(const State& state) {
  const Game& game = state.game();
  const auto& history = state.history();
  const bool prefix = game_spec_ == game.spec() && sent_.size() <= history.size() &&
                      std::equal(sent_.begin(), sent_.end(), history.begin());
  if (!prefix) new_game(game);
  // Players alternate with every action (passes included) in every tenuki game.
  const int first_player = (state.current_player() + static_cast<int>(history.size())) % 2;
  for (size_t i = sent_.size(); i < history.size(); ++i) {
    const int player = (first_player + static_cast<int>(i)) % 2;
    if (history[i] == game.pass_action() && !send_passes_) {
      sent_.push_back(history[i]);
      continue;
    }
    auto response = client_->query("play " + color(player) + " " + vertex(game, history[i]));
    if (!response.success) {
      throw GtpEngineError("gtp engine '" + client_->command() + "' refused the move " +
                           vertex(game, history[i]) + ": " + response.text);
    }
    sent_.push_back(history[i]);
  }
}

Action GtpAgent::select_action(const State& state) {
  sync(state);
  std::string answer = client_->send("genmove " + color(state.current_player()));
  std::string word;
  std::istringstream(answer) >> word;
  std::string lowered = word;
  for (char& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lowered == "resign") return kResign;
  Action action;
  try {
    action = parse_vertex(state.game(), word);
  } catch (const std::invalid_argument&) {
    throw GtpEngineError("gtp engine '" + client_->command() + "' answered genmove with '" +
                         answer + "', not a vertex");
  }
  sent_.push_back(action);
  return action;
}

std::unique_ptr<Agent> make_gtp_agent(const Spec& spec) {
  std::string command = spec.get_string("cmd", "");
  if (command.empty())
    throw SpecError("in '" + spec.text() + "': gtp needs cmd=\"ENGINE COMMAND\"");
  bool from_top = spec.get_choice("rows", "bottom", {"bottom", "top"}) == "top";
  bool send_passes = spec.get_choice("passes", "play", {"play", "skip"}) == "play";
  double timeout = spec.get_double("timeout", 60, 0.1, 86400);
  return std::make_unique<GtpAgent>(spec.text(), command, from_top, send_passes, timeout);
}

}  // namespace tenuki
