// Fuzz target: the spec grammar, game construction from specs, and a few moves of the game;
// agent specs for the agents that run no outside program and load no file.
#include <cstdint>
#include <string>

#include "agents/agent.h"
#include "envs/registry.h"
#include "envs/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tenuki;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    split_top_level(text, ',');
    Spec spec = Spec::parse(text);
    Spec::format(spec.name(), {spec.options().begin(), spec.options().end()});
  } catch (const SpecError&) {
  }
  std::shared_ptr<const Game> game;
  try {
    game = make_game(text);
  } catch (const SpecError&) {
  } catch (const std::invalid_argument&) {
  }
  if (game) {
    // Keep each input cheap: big boards get a few moves only.
    Rng rng(size);
    auto state = game->new_initial_state();
    for (int i = 0; i < 8 && !state->is_terminal(); ++i) {
      state->apply_action(state->sample_playout_action(rng));
    }
    state->to_string();
  }
  // Agents: only those that start no process and read no file.
  try {
    Spec spec = Spec::parse(text);
    if (spec.name() == "random" || spec.name() == "mcts") {
      const bool cheap = spec.get_int("playouts", 1, 1, 1 << 30) <= 200 &&
                         spec.get_int("rollouts", 1, 1, 1 << 30) <= 4;
      auto tiny = make_game("tictactoe");
      auto agent = make_agent(text, *tiny, 1);
      if (cheap) {
        agent->select_action(*tiny->new_initial_state());
      }
    }
  } catch (const SpecError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
