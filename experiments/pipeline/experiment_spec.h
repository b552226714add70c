#pragma once
// The declarative experiment spec (`tenuki experiment run SPEC.json`): a Go (or any) source, the
// targets it is transferred to, a scratch arm and transfer arms per target, seeds, one
// compute-matched budget for every arm, the evaluation schedule against a fixed reference pool,
// the final tournament and CKA. Read from JSON with unknown keys refused and every value checked;
// the resolved spec (training configs inlined) is written to the run folder as experiment.json.
//
//   {"name": "quickstart", "description": "...",
//    "source": {"config": "train/quickstart_go5.json", "budget": 400000},   // or
//              {"checkpoint": "go9.ckpt", "cost": 0, "initial_checkpoint": "go9_0.ckpt"},
//    "targets": [{"name": "go7", "config": "train/quickstart_go7.json",
//                 "arms": [{"name": "scratch"},
//                          {"name": "fine-tune", "transfer": {"plan": "fine-tune",
//                           "game_planes": "semantic", "heads": "auto", "search": "scaled"}},
//                          {"name": "control", "transfer": {"plan": "fine-tune",
//                           "source_weights": "initial"}}],
//                 "pool": ["random", "mcts(playouts=100)", "mcts(playouts=1000)"],
//                 "elo_threshold_agent": "mcts(playouts=1000)"}],
//    "seeds": 2,
//    "budget": {"unit": "evaluations", "amount": 300000},
//    "evaluation": {"every": 100000, "games": 8, "visits": 32, "pool_games": 8,
//                   "threshold": 0.6, "opening_plies": 0},
//    "final": {"games_per_pair": 4},
//    "cka": {"positions": 256},
//    "estimate": {"units_per_second": 4000, "seconds_per_game": 1.5}}
//
// A transfer arm's "source_weights" is "trained" (default) or "initial" (a control arm).
// Paths inside the spec ("config", "checkpoint", "initial_checkpoint") are relative to the spec
// file's folder. A target's "config" is a `tenuki train` config (a path or an inline object); its
// "game" may be overridden by the target's "game". Plain data; thread-safe to read.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "envs/util/input_error.h"
#include "selfplay/train_config.h"

namespace tenuki {

struct ArmSpec {
  std::string name;         // unique within its target: letters, digits, '-', '_'
  bool is_scratch = true;   // no "transfer" section: trains from a random initialisation
  TransferConfig transfer;  // for transfer arms; `from` is the source checkpoint (filled later)
  // A control arm ("source_weights": "initial"): the same transplant (plan, planes, heads,
  // search) of the source run's step-0 weights, so that "transfer vs control" isolates what the
  // source learned from what the transfer path itself does.
  bool control = false;
};

struct TargetSpec {
  std::string name;       // unique: letters, digits, '-', '_'
  std::string game;       // canonical game spec
  nlohmann::json config;  // the target's training config (validated, game set)
  std::vector<ArmSpec> arms;
  std::vector<std::string> pool;  // reference agents, "random" first
  // A pool agent whose Elo is the threshold of the Elo curves' "time to threshold" (the net
  // expects to score 50% against it there); "" = none.
  std::string elo_threshold_agent;
};

struct SourceSpec {
  bool train = false;      // true: train `config` for `budget` units; false: `checkpoint`
  nlohmann::json config;   // training config of the source (train)
  double budget = 0;       // in the experiment's unit (train)
  std::string checkpoint;  // absolute path of an existing checkpoint (!train)
  // The untrained (step 0) checkpoint of the run that gave `checkpoint`, for control arms
  // (!train; optional, absolute). A trained source's own step-0 milestone is used instead.
  std::string initial_checkpoint;
  double cost = 0;         // what the checkpoint cost, in the unit (!train; for "total time")
  std::string game;        // canonical game spec of the source
  nlohmann::json network;  // the source's network config (every arm trains this architecture)
};

struct ExperimentSpec {
  std::string name;
  std::string description;  // free text (what it compares, how long it takes)
  bool has_source = false;
  SourceSpec source;
  std::vector<TargetSpec> targets;
  int seeds = 3;  // seeds 1..seeds per arm
  BudgetUnit unit = BudgetUnit::kEvaluations;
  double amount = 0;               // the budget of every arm, in `unit`
  double eval_every = 0;           // milestones every this many units
  int eval_games = 8;              // per pool agent and milestone (even)
  int eval_visits = 32;            // the net's search playouts in evaluations and the final
  int pool_games = 8;              // per pool pairing in the pool's calibration (even)
  int opening_plies = 0;           // random opening plies of every tournament game (the two
                                   // games of a colour-swapped pair share it), for diversity
                                   // against deterministic engines
  double threshold = 0.6;          // win rate for "time to threshold"
  int final_games_per_pair = 4;    // final tournament (even)
  int cka_positions = 256;         // 0: no CKA
  int tournament_concurrency = 1;  // games in parallel in each tournament
  double units_per_second = 0;     // --dry-run and ETA estimate of training speed
  double seconds_per_game = 1.5;   // and of evaluation games

  // The milestones of every arm: 0, every, 2 every, ..., amount.
  std::vector<double> milestones() const;
};

class ExperimentSpecError : public InputError {
 public:
  using InputError::InputError;
};

// Parses and checks everything that can be checked before any work: keys, types, ranges, games,
// the training configs, transfer options, pool agents (built and given a new game, which starts
// an external engine; skipped when `build_pool_agents` is false, so that a stored spec is read
// on machines without the pool's engines), the source checkpoint's existence and metadata, and
// the evaluation schedule. `base_dir` resolves relative paths.
// Throws ExperimentSpecError "spec: KEY: PROBLEM".
ExperimentSpec experiment_spec_from_json(const nlohmann::json& j, const std::string& base_dir,
                                         bool build_pool_agents = true);
// Reads SPEC.json (paths relative to its folder). Throws ExperimentSpecError naming the file.
ExperimentSpec read_experiment_spec(const std::string& path);
// The resolved spec: configs inlined, the checkpoint path absolute, every default written out.
// experiment_spec_from_json(experiment_spec_to_json(s), any) gives s back.
nlohmann::json experiment_spec_to_json(const ExperimentSpec& spec);

// The default reference pool of a game: random, rollout MCTS with 100 and 1000 playouts, and
// GNU Go level 1 for Go or gtp-rhino for Othello (from /usr/games).
std::vector<std::string> default_pool(const std::string& game_spec);

}  // namespace tenuki
