// `tenuki selfplay --run RUN [--id NAME]`: the composition root of a self-play actor. It checks
// the run folder and the actor id, takes the actor's lock (one process per id), waits for the
// learners' first checkpoint, builds the inference net (dtype measured as `tenuki train` does)
// and its batching service, and runs the actor until Ctrl-C or --games.
#include "experiments/cli/selfplay_cli.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <memory>
#include <ostream>
#include <thread>

#include "agents/net/checkpoint.h"
#include "envs/registry.h"
#include "envs/util/atomic_file.h"
#include "envs/util/text.h"
#include "experiments/cli/inference_setup.h"
#include "experiments/cli/stop_signals.h"
#include "selfplay/run/actor_chunks.h"
#include "selfplay/selfplay_actor.h"
#include "selfplay/train_config.h"
#include "selfplay/trainer.h"
#include "selfplay/training_run.h"

namespace tenuki {
namespace {

// "<host>-<pid>", reduced to an actor id's characters.
std::string default_actor_id() {
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  std::string id;
  for (const char* c = host; *c && id.size() < 40; ++c) {
    id += std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' ? *c : '_';
  }
  return (id.empty() ? "actor" : id) + "-" + std::to_string(::getpid());
}

}  // namespace

int cmd_selfplay(const Args& args, std::ostream& out, std::ostream& /*err*/) {
  if (!args.has("run")) throw UsageError("--run RUN_DIR is required (the learners' run folder)");
  const std::string run_path = args.get("run", "");
  const std::string id = args.has("id") ? args.get("id", "") : default_actor_id();
  check_actor_id(id);
  const int64_t max_games = args.get_int("games", 0, 0, 1L << 40);
  const double wait_seconds = args.get_double("wait-seconds", 600, 0, 1e7);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(wait_seconds * 1000));
  StopSignals signals;
  // Actors may start before the learners: wait for the run folder's config.
  namespace fs = std::filesystem;
  bool said_waiting = false;
  while (!fs::exists(run_path + "/config.json")) {
    if (g_stop_requested.load()) return 0;
    if (std::chrono::steady_clock::now() > deadline) {
      throw UsageError("'" + run_path + "' is not a run folder (no config.json after " +
                       format_fixed(wait_seconds, 0) + " s): start the learners first");
    }
    if (!said_waiting) {
      out << "selfplay: waiting for " << run_path << "/config.json (the learners write it)"
          << std::endl;
      said_waiting = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  TrainConfig config;
  try {
    config = read_train_config(run_path + "/config.json");
  } catch (const std::exception& e) {
    throw UsageError(run_path + "/config.json: " + e.what());
  }
  const std::shared_ptr<const Game> game = make_game(config.game);

  const RunDirectory dir(run_path);
  fs::create_directories(dir.file("games/" + id));
  std::unique_ptr<FileLock> lock;
  try {
    lock = std::make_unique<FileLock>(dir.file("games/" + id + "/actor.lock"), 0);
  } catch (const std::runtime_error&) {
    throw UsageError("actor '" + id + "' is running already in " + run_path +
                     " (give another --id)");
  }

  // The learners' latest net (rank 0 writes state.json after the checkpoint it names).
  std::string checkpoint;
  while (checkpoint.empty()) {
    if (dir.has_state()) {
      try {
        checkpoint = dir.read_state().latest_checkpoint;
      } catch (const std::exception&) {
      }
    }
    if (!checkpoint.empty()) break;
    if (g_stop_requested.load()) return 0;
    if (std::chrono::steady_clock::now() > deadline) {
      throw UsageError("no checkpoint in " + run_path + " after " + format_fixed(wait_seconds, 0) +
                       " s (are the learners running?)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CheckpointMeta meta;
  std::shared_ptr<PolicyValueNet> master = load_checkpoint(dir.file(checkpoint), {}, &meta);
  if (!meta.game_spec.empty() && meta.game_spec != game->spec()) {
    throw UsageError(dir.file(checkpoint) + " is a net for " + meta.game_spec + ", the run plays " +
                     game->spec());
  }

  std::vector<NetDtype> dtypes;
  DeviceOptions infer_options = inference_device(config, &dtypes);
  PolicyValueNet::set_threads(config.inference.threads);
  const BatchingOptions batching = batching_options(config);
  const int nominal = nominal_batch(config);
  const auto planes = random_position_planes(*game, nominal, config.seed);
  std::vector<DtypeTiming> timings;
  infer_options.dtype = fastest_dtype(dtypes, *master, infer_options, batching, planes, nominal,
                                      *game, 1.0, &timings);
  BatchingEvaluator evaluator(clone_net(*master, infer_options), batching);
  out << "selfplay " << game->spec() << " in " << run_path << ": actor " << id << ", inference "
      << infer_options.device << " " << net_dtype_name(infer_options.dtype) << "\n";
  if (!timings.empty())
    report_dtype_choice(config.inference.dtype, infer_options, nominal, timings, out);

  ActorOptions options;
  options.id = id;
  options.max_games = max_games;
  options.progress_seconds = args.get_double("progress-seconds", 10, 0, 1e6);
  SelfPlayActor actor(dir, config, game, evaluator, checkpoint, meta.training_step, options, out);
  const ActorTotals totals = actor.run(g_stop_requested);
  out << "selfplay: actor " << id << " wrote " << totals.games << " games (" << totals.positions
      << " positions) in " << totals.chunks << " chunks; nets picked up " << totals.net_updates
      << ", last " << totals.checkpoint;
  if (totals.net_updates > 0) {
    out << "; pick-up after publication: mean "
        << format_fixed(totals.pickup_seconds_sum / totals.net_updates, 2) << " s, most "
        << format_fixed(totals.pickup_seconds_max, 2) << " s";
  }
  out << "\n";
  return 0;
}

}  // namespace tenuki
