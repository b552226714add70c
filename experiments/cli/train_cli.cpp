// `tenuki train CONFIG.json --out RUN_DIR`: the composition root of a self-play training run. It
// reads and checks the whole configuration before any work, builds the game, the master and
// inference nets, the batching inference service, the replay buffer (refilled from the run's game
// records when resuming), the trainer, the record writer and the training loop, owns them for the
// duration of the run, and turns SIGINT/SIGTERM into a clean stop (checkpoint + state written).
#include "experiments/cli/train_cli.h"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "agents/agent.h"
#include "agents/match.h"
#include "agents/net/batching_evaluator.h"
#include "agents/net/checkpoint.h"
#include "agents/net/dtype_choice.h"
#include "agents/net/policy_agent.h"
#include "agents/net/torch_evaluator.h"
#include "agents/search/search_agent.h"
#include "envs/games/go/sgf.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "envs/util/atomic_file.h"
#include "envs/util/text.h"
#include "experiments/cli/args.h"
#include "experiments/cli/inference_setup.h"
#include "experiments/cli/stop_signals.h"
#include "experiments/cli/train_setup.h"
#include "selfplay/rate_controller.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/run/actor_chunks.h"
#include "selfplay/train_config.h"
#include "selfplay/trainer.h"
#include "selfplay/training_run.h"
#include "transfer/training_transfer.h"

namespace tenuki {
namespace {

// Fresh engine processes an evaluation starts for one opponent before it gives that one up.
constexpr int kMaxEngineRestarts = 3;

// The first key (dotted path) where two JSON values differ, "" when equal.
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b,
                             const std::string& path) {
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      const std::string sub = path.empty() ? key : path + "." + key;
      if (!b.contains(key)) return sub;
      std::string d = first_difference(value, b.at(key), sub);
      if (!d.empty()) return d;
    }
    for (const auto& [key, value] : b.items()) {
      if (!a.contains(key)) return path.empty() ? key : path + "." + key;
    }
    return "";
  }
  return a == b ? "" : (path.empty() ? "(root)" : path);
}

// What the evaluation games against one opponent add beyond the result, from the net's view.
struct EvaluationGames {
  // Games that ended by the rules (not resigned, failed or stopped) and their summed area margin:
  // the cells the net's colour owns at the end minus the opponent's (State::scoring_owners, komi
  // not included). Only for games whose result is decided by ownership (Go, Othello): a measure
  // of progress while the net still loses every game.
  int scored_games = 0;
  double area_margin_sum = 0;
  std::string sgf;  // the games as SGF (Go only, when the run writes SGF), one after the other
  // One JSON line per game (every game): its index, the net's player, the opening plies, the
  // net's result (+1, 0, -1), whether it was resigned, its length and, when scored, its margin.
  // Games of two runs with the same opening and colours pair up (bench/ablation.sh).
  std::string jsonl;
};

void add_evaluation_game(const Game& game, const PlayedGame& played, const std::string& opponent,
                         bool write_sgf, EvaluationGames* out) {
  const State& end = *played.final_state;
  const int net_player = played.first_agent == 0 ? 0 : 1;
  nlohmann::json line = {{"game", played.index},
                         {"net_player", net_player},
                         {"opening", nlohmann::json::array()},
                         {"result", static_cast<int>(played.agent_returns[0])},
                         {"resigned", played.resigned},
                         {"moves", end.move_number()}};
  for (Action a : played.opening) line["opening"].push_back(game.action_to_string(a));
  if (game.traits().scores_ownership && end.is_terminal() && !played.resigned) {
    int margin = 0;
    for (int owner : end.scoring_owners()) margin += owner == net_player ? 1 : owner >= 0 ? -1 : 0;
    ++out->scored_games;
    out->area_margin_sum += margin;
    line["area_margin"] = margin;
  }
  out->jsonl += line.dump() + "\n";
  const auto* go_state = dynamic_cast<const go::GoState*>(&end);
  if (!write_sgf || go_state == nullptr) return;
  go::SgfWriteOptions names;
  names.black_name = net_player == 0 ? "net" : opponent;
  names.white_name = net_player == 0 ? opponent : "net";
  if (played.resigned) names.result = end.current_player() == 0 ? "W+R" : "B+R";
  out->sgf += go::write_sgf(*go_state, names) + "\n";
}

// One evaluation round: `snapshot` (the net at training step `step`) plays
// config.evaluation.games against each reference agent, the agents seeded per round and
// opponent, the openings per opponent only. Runs on the training loop's evaluation thread; `stop`
// ends it between moves. One result object per opponent. Its games are kept in
// `games_folder`/step_<step>_opponent_<k>.jsonl (one line per game), and, with config.selfplay.sgf
// in a Go run, as SGF in the same name .sgf.
std::vector<nlohmann::json> evaluate_against_references(
    const TrainConfig& config, const std::shared_ptr<const Game>& game,
    const std::shared_ptr<PolicyValueNet>& snapshot, uint64_t round, int64_t step,
    const std::string& games_folder, const std::atomic<bool>& stop) {
  std::vector<nlohmann::json> results;
  std::shared_ptr<Evaluator> net_evaluator = make_torch_evaluator(snapshot);
  for (size_t k = 0; k < config.evaluation.agents.size() && !stop.load(); ++k) {
    const std::string& spec = config.evaluation.agents[k];
    const uint64_t seed = config.seed * 7777 + round * 131 + k;
    std::unique_ptr<Agent> me;
    if (config.evaluation.player == "policy") {
      me = std::make_unique<PolicyAgent>("policy(current)", net_evaluator, 0.0, seed);
    } else {
      SearchConfig search = config.evaluation.search;
      search.seed = seed;
      me = std::make_unique<SearchAgent>("net(current)", search, net_evaluator);
    }
    // An engine that dies (GNU Go does, rarely) costs the pair of games it was playing and
    // is started afresh; after kMaxEngineRestarts this opponent's evaluation fails alone.
    std::unique_ptr<Agent> opponent = make_agent(spec, *game, seed + 1);
    int restarts = 0;
    auto restart = [&](const std::string& error, std::array<Agent*, 2>& agents) {
      if (++restarts > kMaxEngineRestarts) throw std::runtime_error(error);
      opponent = make_agent(spec, *game, seed + 1 + restarts);
      agents[1] = opponent.get();
    };
    EvaluationGames games;
    auto on_game = [&](const PlayedGame& played) {
      add_evaluation_game(*game, played, spec, config.selfplay.sgf, &games);
    };
    MatchSummary m;
    try {
      // The openings depend on the run's seed and the opponent only, so that the games of
      // every evaluation, and of runs with the same seed, pair up.
      const uint64_t opening_seed = config.seed * 7777 + k;
      m = play_match(*game, {me.get(), opponent.get()}, config.evaluation.games, on_game, &stop,
                     MatchOpenings{config.evaluation.opening_plies, opening_seed}, restart);
    } catch (const std::exception& e) {
      results.push_back({{"opponent", spec}, {"error", e.what()}});
      continue;
    }
    if (m.stopped) break;
    const AgentTally& t = m.tallies[0];
    nlohmann::json r;
    r["opponent"] = spec;
    if (m.failed_pairs > 0) {
      r["failed_pairs"] = m.failed_pairs;
      r["last_error"] = m.last_error;
    }
    r["eval_games"] = m.games;
    r["wins"] = t.wins;
    r["draws"] = t.draws;
    r["losses"] = t.losses;
    r["win_rate"] = m.games > 0 ? (t.wins + 0.5 * t.draws) / m.games : 0.0;
    if (games.scored_games > 0) {
      r["scored_games"] = games.scored_games;
      r["mean_area_margin"] = round_to(games.area_margin_sum / games.scored_games, 1e2);
    }
    char stem[64];
    std::snprintf(stem, sizeof(stem), "/step_%08" PRId64 "_opponent_%zu", step, k);
    try {  // a failure to keep the games loses them, not the result
      std::filesystem::create_directories(games_folder);
      write_file_atomically(games_folder + stem + ".jsonl", games.jsonl);
      if (!games.sgf.empty()) go::write_sgf_file(games_folder + stem + ".sgf", games.sgf);
    } catch (const std::exception& e) {
      r["games_error"] = e.what();
    }
    results.push_back(r);
  }
  return results;
}

std::string minutes_text(double minutes) {
  std::ostringstream text;
  text << minutes;
  return text.str();
}

}  // namespace

MasterAndTrainer make_master_and_trainer(const TrainConfig& config) {
  DeviceOptions options;
  options.device = config.training.device;
  MasterAndTrainer out;
  out.master = std::make_shared<PolicyValueNet>(config.network, config.seed, options);
  try {
    out.trainer = std::make_unique<Trainer>(out.master, config.training);
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  return out;
}

void refill_replay_buffer(const RunDirectory& dir, const IngestMarks& ingested, int64_t window,
                          ReplayBuffer& buffer) {
  std::vector<std::string> chunks = dir.record_chunks();
  for (const ActorChunk& c : chunks_to_ingest(dir, {})) {
    const auto mark = ingested.find(c.actor);
    if (mark != ingested.end() && c.seq < mark->second) chunks.push_back(c.path);
  }
  std::stable_sort(chunks.begin(), chunks.end(), [](const std::string& a, const std::string& b) {
    return std::filesystem::last_write_time(a) < std::filesystem::last_write_time(b);
  });
  std::vector<std::vector<SelfPlayRecord>> loaded;
  int64_t positions = 0;
  for (auto it = chunks.rbegin(); it != chunks.rend() && positions < window; ++it) {
    loaded.push_back(read_records_file(*it));
    for (const auto& r : loaded.back()) positions += r.training_positions();
  }
  for (auto it = loaded.rbegin(); it != loaded.rend(); ++it) {
    for (const auto& r : *it) buffer.add(r);
  }
}

TrainSetup resolve_train_setup(const Args& args, const std::string& run_path, bool selfplay_only) {
  TrainConfig config;
  try {
    config = read_train_config(args.positional()[0]);
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  if (args.has("budget-games")) config.budget.games = args.get_int("budget-games", 0, 0, LONG_MAX);
  if (args.has("budget-steps")) config.budget.steps = args.get_int("budget-steps", 0, 0, LONG_MAX);
  if (args.has("budget-evaluations")) {
    config.budget.evaluations = args.get_int("budget-evaluations", 0, 0, LONG_MAX);
  }
  if (args.has("budget-minutes")) {
    config.budget.minutes = args.get_double("budget-minutes", 0, 0, 1e9);
  }
  if (selfplay_only) {
    config.budget = BudgetConfig{};
    config.budget.minutes = args.get_double("selfplay-bench", 10, 0.1, 1e6) / 60.0;
    config.curriculum.clear();  // the bench measures the run's own game
  }
  const double stage_minutes = curriculum_minutes(config);
  if (stage_minutes > 0 && config.budget.minutes > 0 && stage_minutes >= config.budget.minutes) {
    throw UsageError("config: curriculum: its stages take " + minutes_text(stage_minutes) +
                     " of the budget's " + minutes_text(config.budget.minutes) +
                     " minutes, leaving none for " + config.game);
  }
  return complete_train_setup(std::move(config), run_path);
}

TrainSetup complete_train_setup(TrainConfig read_config, const std::string& run_path) {
  TrainSetup setup;
  setup.config = std::move(read_config);
  TrainConfig& config = setup.config;
  std::shared_ptr<const Game>& game = setup.game;
  try {
    game = make_game(config.game);
  } catch (const SpecError& e) {
    throw SpecError(std::string("config: game: ") + e.what());
  }
  for (size_t i = 0; i < config.evaluation.agents.size(); ++i) {
    try {
      make_agent(config.evaluation.agents[i], *game, 0);
    } catch (const std::exception& e) {
      throw SpecError("config: evaluation.agents[" + std::to_string(i) + "]: " + e.what());
    }
  }
  // Transfer (the config's "transfer" section): resolves network, frozen prefixes, unfreezing and
  // search from the source checkpoint and the plan, before the config is compared and written.
  if (config.transfer.given()) {
    try {
      setup.transfer = transfer::resolve_training_transfer(config);
    } catch (const transfer::TransferError& e) {
      throw UsageError(std::string("config: transfer: ") + e.what());
    }
  }
  CheckpointMeta& init_meta = setup.init_meta;
  if (!config.loop.init_checkpoint.empty()) {
    init_meta = read_checkpoint_meta(config.loop.init_checkpoint);
    if (!config.network_given) {
      config.network = init_meta.config;
      config.network_given = true;
    } else if (!(config.network == init_meta.config)) {
      throw UsageError("config: network (" + config.network.summary() +
                       ") differs from training.init_checkpoint's (" + init_meta.config.summary() +
                       "); leave network out to use the checkpoint's");
    }
  }
  setup.resolved = train_config_to_json(config);
  const nlohmann::json& resolved = setup.resolved;
  setup.config_path = run_path + "/config.json";
  const std::string& config_path = setup.config_path;
  if (std::filesystem::exists(config_path)) {
    std::ifstream in(config_path);
    nlohmann::json previous;
    try {
      in >> previous;
      // Resolved again by this version, so that keys added since the run began take their
      // defaults instead of counting as changes.
      previous = train_config_to_json(train_config_from_json(previous));
    } catch (const std::exception& e) {
      throw UsageError("cannot read " + config_path + ": " + e.what());
    }
    nlohmann::json a = previous, b = resolved;
    a.erase("budget");
    b.erase("budget");
    const std::string diff = first_difference(a, b, "");
    if (!diff.empty()) {
      throw UsageError("config differs from the run's " + config_path + " at '" + diff +
                       "' (only budget may change when resuming; use another --out)");
    }
  }
  return setup;
}

void start_from_previous_stage(TrainSetup& setup, const std::string& checkpoint,
                               double wall_seconds) {
  TransferConfig& t = setup.config.transfer;
  t = TransferConfig{};
  t.from = checkpoint;
  t.plan = "fine-tune";
  t.search = "target";
  try {
    setup.transfer = transfer::resolve_training_transfer(setup.config);
  } catch (const transfer::TransferError& e) {
    throw UsageError("curriculum: starting " + setup.config.game + " from " + checkpoint + ": " +
                     e.what());
  }
  setup.start_wall_seconds = wall_seconds;
}

int cmd_train(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional().size() != 1) {
    throw UsageError(
        "usage: tenuki train CONFIG.json --out RUN_DIR [--budget-games N] "
        "[--budget-steps N] [--budget-evaluations N] [--budget-minutes M] "
        "[--selfplay-bench SECONDS] [--role learner]");
  }
  if (!args.has("out")) throw UsageError("--out RUN_DIR is required");
  const std::string run_path = args.get("out", "");

  // 1. Configuration, checked completely before any work.
  const bool selfplay_only = args.has("selfplay-bench");
  TrainSetup setup = resolve_train_setup(args, run_path, selfplay_only);
  if (args.has("role")) {
    const std::string role = args.get("role", "");
    if (role != "learner")
      throw UsageError("--role: 'learner' is the only role (got '" + role + "')");
    if (selfplay_only) throw UsageError("--role learner and --selfplay-bench exclude each other");
    if (!setup.config.curriculum.empty()) {
      throw UsageError(
          "--role learner: a curriculum trains in one process (run it without --role, or leave "
          "the curriculum out of the config)");
    }
    return train_as_learner(args, setup, out);
  }
  // SIGINT/SIGTERM from here on stop the run cleanly (checkpoint and state written).
  StopSignals signals;
  if (!setup.config.curriculum.empty()) return train_with_curriculum(setup, run_path, out, err);
  return run_training(setup, run_path, selfplay_only, out, err);
}

int run_training(TrainSetup& setup, const std::string& run_path, bool selfplay_only,
                 std::ostream& out, std::ostream& err) {
  TrainConfig& config = setup.config;
  const std::shared_ptr<const Game>& game = setup.game;
  const std::optional<transfer::TrainingTransfer>& transfer_start = setup.transfer;
  const CheckpointMeta& init_meta = setup.init_meta;
  const nlohmann::json& resolved = setup.resolved;
  const std::string& config_path = setup.config_path;
  // The inference device, and the dtypes to try there (an impossible dtype fails here).
  std::vector<NetDtype> dtypes;
  DeviceOptions infer_options = inference_device(config, &dtypes);

  // The master net and its trainer (checks frozen / lr-multiplier prefixes against the net).
  PolicyValueNet::set_threads(config.inference.threads);
  auto [master, trainer] = make_master_and_trainer(config);

  // 2. Run directory (one writer at a time: a stopping predecessor gets a minute to finish) and
  // counters.
  RunDirectory dir(run_path);
  std::unique_ptr<FileLock> run_lock;
  if (!selfplay_only) {
    try {
      run_lock = std::make_unique<FileLock>(dir.file("lock"), 60);
    } catch (const std::runtime_error& e) {
      throw UsageError(std::string(e.what()) + " (another tenuki train on this run directory?)");
    }
  }
  if (!selfplay_only) write_file_atomically(config_path, resolved.dump(2) + "\n");
  RunState state;
  if (!selfplay_only && dir.has_state()) state = dir.read_state();
  const bool resuming = !state.latest_checkpoint.empty();
  if (!resuming) state.wall_seconds = setup.start_wall_seconds;

  // 3. Networks: the float32 master (trained; built above) and the inference copy (served).
  std::string parent, derivation = "from scratch";
  if (resuming) {
    load_checkpoint_into(dir.file(state.latest_checkpoint), *master);
  } else if (!config.loop.init_checkpoint.empty()) {
    load_checkpoint_into(config.loop.init_checkpoint, *master);
    parent = config.loop.init_checkpoint;
    derivation = init_meta.game_spec == game->spec()
                     ? "fine-tuned"
                     : "transfer from " +
                           (init_meta.game_spec.empty() ? std::string("?") : init_meta.game_spec);
    if (!config.training.frozen.empty()) {
      derivation += " (frozen:";
      for (const auto& f : config.training.frozen) derivation += " " + f;
      derivation += ")";
    }
  } else if (transfer_start) {
    transfer::copy_weights(*transfer_start->transplant.net, *master);
    parent = transfer_start->parent;
    derivation = transfer_start->derivation;
    write_file_atomically(dir.file("transfer.json"),
                          transfer_start->transplant.report.dump(2) + "\n");
  }

  // 4. Services and data.
  const BatchingOptions batching = batching_options(config);
  // Raw forward throughput of each candidate dtype at the nominal lock-step batch; the fastest
  // serves, and its rate is the reference of the batching efficiency.
  const int nominal = nominal_batch(config);
  const auto planes = random_position_planes(*game, nominal, config.seed);
  const double measure_seconds = selfplay_only ? 2.0 : 1.0;
  std::vector<DtypeTiming> timings;
  infer_options.dtype = fastest_dtype(dtypes, *master, infer_options, batching, planes, nominal,
                                      *game, measure_seconds, &timings);
  auto inference_net = clone_net(*master, infer_options);
  BatchingEvaluator evaluator(inference_net, batching);
  double raw = 0;
  for (const auto& t : timings) {
    if (t.dtype == infer_options.dtype) raw = t.positions_per_second;
  }
  if (timings.empty() && !g_stop_requested.load()) {
    raw = evaluator.benchmark_forward(planes, nominal, game->rows(), game->cols(), measure_seconds);
  }
  ReplayBuffer buffer(game, config.replay.window, config.replay.search_value_weight);
  if (!selfplay_only) refill_replay_buffer(dir, state.ingested, config.replay.window, buffer);
  const int64_t slack = 2 * static_cast<int64_t>(config.training.batch_size) +
                        static_cast<int64_t>(config.loop.train_ratio * config.selfplay.workers *
                                             config.selfplay.games_per_worker);
  RateController rate(config.loop.train_ratio, config.replay.min_positions, slack);
  if (resuming) {
    trainer->set_steps(state.step);
    if (!trainer->load_optimizer(dir.file("optimizer.pt"))) {
      err << "train: note: optimizer state not restored (fresh optimizer)\n";
    }
  }
  RecordWriter records(dir, game, buffer, rate,
                       selfplay_only ? INT_MAX : config.selfplay.chunk_games, config.selfplay.sgf,
                       state.next_chunk, state.games);

  // 5. What runs where.
  out << "train " << game->spec() << "  net " << config.network.summary() << " ("
      << master->parameter_count() << " parameters)  inference " << inference_net->device_name()
      << " " << net_dtype_name(inference_net->dtype()) << "  training " << master->device_name()
      << "\n"
      << "  workers " << config.selfplay.workers << " x " << config.selfplay.games_per_worker
      << " games, playouts " << config.search.playouts << ", raw forward " << std::fixed
      << std::setprecision(0) << raw << " positions/s at batch " << nominal << "\n";
  if (!timings.empty()) {
    const nlohmann::json line =
        report_dtype_choice(config.inference.dtype, infer_options, nominal, timings, out);
    if (!selfplay_only) dir.append_metrics(MetricType::kDtype, line);
  }
  if (resuming) {
    out << "  resuming at step " << state.step << ", " << state.games << " games, buffer "
        << buffer.size() << " positions\n";
  }
  out.flush();

  // 6. The loop, with reference-agent evaluation for learning curves.
  TrainingLoop loop(
      LoopDependencies{config, game, dir, evaluator, buffer, *trainer, records, rate, out});
  loop.set_raw_throughput(raw, nominal);
  loop.set_lineage(parent, derivation);
  uint64_t eval_round = 0;
  const std::string eval_games_folder = dir.file("evaluations/games");
  loop.set_evaluation([&](const PolicyValueNet& net, int64_t step) -> EvaluationJob {
    if (config.evaluation.agents.empty()) return {};
    // The job owns a snapshot of the weights; it runs on the loop's evaluation thread.
    std::shared_ptr<PolicyValueNet> snapshot = clone_net(net, infer_options);
    const uint64_t round = ++eval_round;
    return
        [&config, game, snapshot, round, step, eval_games_folder](const std::atomic<bool>& stop) {
          return evaluate_against_references(config, game, snapshot, round, step, eval_games_folder,
                                             stop);
        };
  });

  state = loop.run(state, g_stop_requested, selfplay_only);
  if (selfplay_only) {
    const BatchingStats s = evaluator.stats();
    const double seconds = config.budget.minutes * 60;
    out << std::fixed << std::setprecision(1) << "selfplay-bench: games " << records.games() << " ("
        << std::setprecision(3) << records.games() / seconds << "/s)  moves "
        << records.shape().moves << std::setprecision(1) << "  evals/s " << s.positions / seconds
        << "  cache hits " << (s.cache_lookups > 0 ? 100.0 * s.cache_hits / s.cache_lookups : 0.0)
        << "%  mean batch "
        << (s.forwards > 0 ? static_cast<double>(s.positions) / s.forwards : 0.0)
        << "  raw forward " << raw << "/s at batch " << nominal << "  batching efficiency "
        << std::setprecision(3) << s.positions / seconds / raw << "  forward busy "
        << s.forward_seconds / seconds << "\n";
  } else {
    out << "saved " << dir.file(state.latest_checkpoint) << " (step " << state.step << ", "
        << state.games << " games)\n";
  }
  return 0;
}

}  // namespace tenuki
