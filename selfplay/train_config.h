#pragma once
// The typed configuration of a self-play training run (`tenuki train CONFIG.json`), one struct per
// component. Read from JSON with every key checked: unknown keys, wrong types and out-of-range
// values throw ConfigError naming the dotted key (e.g. "training.lr"). Plain data: thread-safe to
// read, not to modify concurrently.
//
// Example (every section optional except "game"; missing keys keep their defaults):
//   {"game": "tictactoe", "seed": 1,
//    "network": {"blocks": 2, "channels": 32, ...},            // agents/net/network.h
//    "search": {"playouts": 64, "root_noise": true, ...},       // agents/search/search_config.h
//    "selfplay": {"workers": 1, "games_per_worker": 64},
//    "inference": {"device": "auto", "dtype": "auto", "threads": 1, "wait_ms": 2},
//    "replay": {"window": 20000, "min_positions": 1000, "augment": true},
//    "training": {"batch_size": 128, "optimizer": "sgd", "lr": 0.02, "train_ratio": 4},
//    "evaluation": {"every_steps": 500, "games": 20, "agents": ["random"]},
//    "budget": {"games": 0, "steps": 2000, "minutes": 0},
//    "curriculum": [{"game": "go(size=7,komi=9)", "minutes": 20, "search": {"playouts": 64}}]}
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "agents/net/network.h"
#include "agents/search/search_config.h"
#include "envs/util/json_reader.h"
#include "selfplay/resign_rule.h"
#include "selfplay/run/run_folder.h"

namespace tenuki {

// Self-play workers (selfplay/selfplay_worker.h).
struct SelfPlayConfig {
  int workers = 1;            // worker threads, each driving games_per_worker games in lock-step
  int games_per_worker = 64;  // concurrent games per worker
  int max_moves = 0;          // a game longer than this is adjudicated a draw; 0 = no limit
  int chunk_games = 200;      // finished games per record file (selfplay/game_record.h)
  bool sgf = true;            // also write SGF files for Go games
  // Resignation: JSON keys resign_threshold (-1 = never), resign_consecutive, no_resign_fraction.
  ResignRule resign;
  // Share of new games that branch from an earlier game's position with a move of the net's raw
  // policy, in [0, 0.9] (SelfPlayWorkerOptions::branch_games); 0 = none.
  double branch_games = 0;
};

// The batching inference service (agents/net/batching_evaluator.h).
struct InferenceConfig {
  std::string device = "auto";  // cpu | cuda | cuda:N | auto
  // auto (measure float32 and bfloat16, and half on CUDA, at start-up and keep the fastest) |
  // float32 | bfloat16 | half
  std::string dtype = "auto";
  int threads = 1;       // LibTorch intra-op CPU threads, >= 1; process-wide, so the trainer too
  int max_batch = 4096;  // largest forward pass, positions
  double wait_ms = 2.0;  // longest wait for other workers' requests once one is queued
  // A forward pass starts once this many workers' requests are queued (or after wait_ms); 0 =
  // every worker (the largest batches, for a GPU). 1 pipelines on a CPU: one worker's batch runs
  // while another worker searches, so two workers keep two cores busy.
  int merge_workers = 0;
  // Positions kept in the exact cache of network outputs (agents/net/forward_cache.h), keyed by
  // the encoded planes and emptied at each weight publication; 0 = none. A hit costs no network
  // evaluation, so a budget in evaluations buys more games.
  int cache_positions = 0;
};

// The replay buffer (selfplay/replay_buffer.h).
struct ReplayConfig {
  int window = 50000;        // positions kept (the newest whole games), >= 1
  int min_positions = 2000;  // positions generated before training starts
  bool augment = true;       // random board symmetry per sample
  // Value target = (1 - w) * the game's result + w * the search's root value at that move (both
  // for the mover), w in [0, 1]; 0 = the result alone (AlphaZero), 0.5 = their mean.
  double search_value_weight = 0;
};

// The optimiser and losses (selfplay/trainer.h).
struct TrainerConfig {
  std::string device = "auto";  // where the float32 master net trains
  int batch_size = 256;
  std::string optimizer = "sgd";  // sgd (with momentum, Nesterov) | adam (AdamW)
  double lr = 0.02;
  double momentum = 0.9;
  double weight_decay = 1e-4;
  std::string lr_schedule = "constant";  // constant | step | cosine
  int lr_step_every = 1000;              // step: multiply by lr_step_gamma every this many steps
  double lr_step_gamma = 0.3;
  int lr_cosine_steps = 10000;  // cosine: lr decays to lr_min_factor * lr over this many steps
  double lr_min_factor = 0.05;
  double value_weight = 1.0;
  double ownership_weight = 0.0;  // ignored when the net has no ownership head
  // Weight of the opponent's-reply policy loss (KataGo's 0.15); ignored without that head.
  double opponent_policy_weight = 0.15;
  // Parameters whose dotted name equals a prefix or starts with prefix + "." are not trained
  // (their batch-norm statistics are frozen too). Names: agents/net/network_torch.h ("stem",
  // "block0", "block0.conv1", "value_fc2", ...).
  std::vector<std::string> frozen;
  // (prefix, multiplier) pairs, same matching; the longest matching prefix wins; default 1.
  std::vector<std::pair<std::string, double>> lr_multipliers;
  // Unfreezing (the transfer plan frozen-trunk(unfreeze_after=N,warmup=W) sets these): when
  // unfreeze_after > 0, the `frozen` parameters train from optimiser step unfreeze_after on
  // (steps of the whole run, so a stopped and resumed run keeps the schedule), their learning
  // rate scaled by min(1, (step - unfreeze_after + 1) / unfreeze_warmup) (1 when warmup is 0).
  // 0 = frozen for good.
  int64_t unfreeze_after = 0;
  int64_t unfreeze_warmup = 0;
};

// Schedules of the training loop (selfplay/training_run.h).
struct LoopConfig {
  double train_ratio = 4.0;     // trainer samples consumed per new position generated, > 0
  int publish_every = 20;       // steps between weight publications to the workers
  int checkpoint_every = 500;   // steps between checkpoints
  int metrics_every = 20;       // steps between metrics lines
  double progress_seconds = 5;  // seconds between progress lines; 0 = none
  std::string init_checkpoint;  // start from these weights ("" = from scratch)
};

// Learning curves: the current net against reference agents.
struct EvaluationConfig {
  int every_steps = 0;              // evaluate every this many training steps; 0 = never
  double every_minutes = 0;         // and/or every this many minutes of run time; 0 = never
  int games = 20;                   // per reference agent, colours alternating
  int opening_plies = 0;            // random opening plies shared by each colour-swapped pair
  std::vector<std::string> agents;  // agent specs, e.g. "mcts(playouts=1000)"
  std::string player = "net";       // net (search with `search`) | policy (raw policy)
  SearchConfig search;              // playouts default 32, no noise, no temperature
};

// When the run stops; 0 = no limit on that axis. Counted over all sessions of the run.
// Milestones (for experiments, experiments/pipeline/experiment_plan.h): when milestone_every > 0,
// the run saves the net as RUN_DIR/milestones/<milestone_unit>_<x>.ckpt at x = 0 (the starting net)
// and each time the unit's count reaches a multiple of milestone_every (x is that multiple, or the
// unit's budget when that comes first), before the checkpoint that follows it.
struct BudgetConfig {
  int64_t games = 0;
  int64_t steps = 0;
  double minutes = 0;
  int64_t evaluations = 0;  // network evaluations (positions) requested by self-play
  BudgetUnit milestone_unit = BudgetUnit::kEvaluations;
  double milestone_every = 0;
  bool any() const { return games > 0 || steps > 0 || minutes > 0 || evaluations > 0; }
  // The budget on `unit`'s axis (0 = none).
  double limit(BudgetUnit unit) const;
};

// Starting from a network trained on another game or size (transfer/, `tenuki transfer`): the
// section "transfer" of a config. Resolved by the train command (transfer/training_transfer.h),
// which fills network, training.frozen / unfreeze_*, and search from it.
struct TransferConfig {
  std::string from;                      // source checkpoint; "" = no transfer
  std::string plan = "fine-tune";        // transfer plan spec (transfer/plan.h)
  std::string game_planes = "semantic";  // semantic | keep | drop
  std::string heads = "auto";            // auto | keep | reinit(policy,value,ownership,pass)
  std::string search = "target";         // source | scaled | target
  bool given() const { return !from.empty(); }
};

// One stage of a curriculum (the config's "curriculum" array): the same net trained by self-play
// on another game, or with other settings, before the run's own game. A stage is the run's config
// with the stage's sections merged in (a JSON merge patch, RFC 7386: objects merge, arrays and
// values replace, null removes a key) and a budget of `minutes`; "game" and "minutes" are
// required, "network", "transfer", "budget" and "curriculum" cannot be given. The first stage
// starts from a random net, each later stage and then the run's own game from the previous one's
// final net (a fine-tune transfer with the target's search), each with a fresh replay buffer and
// optimiser. Run time counts from the first stage: the run's budget.minutes, its timed
// evaluations and its metrics' wall times include the stages' minutes.
struct CurriculumStage {
  double minutes = 0;        // training time of the stage, > 0
  nlohmann::json overrides;  // the stage's sections (an object with "game"), as given
};

struct TrainConfig {
  std::string game;  // game spec, e.g. "connect_four"
  uint64_t seed = 1;
  NetworkConfig network;
  bool network_given = false;  // "network" was present (else taken from init_checkpoint)
  SearchConfig search;
  SelfPlayConfig selfplay;
  InferenceConfig inference;
  ReplayConfig replay;
  TrainerConfig training;
  LoopConfig loop;
  EvaluationConfig evaluation;
  BudgetConfig budget;
  TransferConfig transfer;
  std::vector<CurriculumStage> curriculum;  // stages before the run's game, in order
};

// Parses and validates (ranges and the game spec's syntax are checked; the game itself is built by
// the caller). Throws ConfigError naming the key.
TrainConfig train_config_from_json(const nlohmann::json& j);
// Every field, so that train_config_from_json(train_config_to_json(c)) == c.
nlohmann::json train_config_to_json(const TrainConfig& config);
// The full config of curriculum stage `k` (0-based): `config` without its curriculum, budget and
// transfer, the stage's overrides merged in, budget.minutes = the minutes of stages 0..k together
// (run time counts from the first stage). Throws ConfigError naming "curriculum[k]".
TrainConfig curriculum_stage_config(const TrainConfig& config, size_t k);
// Minutes of all curriculum stages together.
double curriculum_minutes(const TrainConfig& config);
// Reads a file; throws ConfigError naming the file for unreadable files or bad JSON.
TrainConfig read_train_config(const std::string& path);

}  // namespace tenuki
