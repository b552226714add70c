// `tenuki train CONFIG --out RUN --role learner`: the composition root of one learner rank. The
// launcher's variables (selfplay/distributed/launch_env.h) say which; with none it is the only
// rank. Rank 0 holds the run folder's lock (one learner job per folder), writes config.json and
// everything the loop writes; every rank joins the c10d group with the run's token, starts from
// rank 0's weights and trains on the actors' games (selfplay/distributed/learner_loop.h).
#include <chrono>
#include <memory>
#include <ostream>

#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "envs/util/atomic_file.h"
#include "experiments/cli/stop_signals.h"
#include "experiments/cli/train_setup.h"
#include "selfplay/distributed/launch_env.h"
#include "selfplay/distributed/learner_group.h"
#include "selfplay/distributed/learner_loop.h"
#include "selfplay/rate_controller.h"
#include "selfplay/trainer.h"

namespace tenuki {

int train_as_learner(const Args& args, TrainSetup& setup, std::ostream& out) {
  const TrainConfig& config = setup.config;
  const std::string run_path = args.get("out", "");
  if (config.budget.evaluations > 0) {
    throw UsageError(
        "budget.evaluations counts the actors' network evaluations, which learners do not see: "
        "give the learners steps, games or minutes");
  }
  if (setup.transfer) {
    throw UsageError(
        "a transfer start is not supported with --role learner yet: start the run "
        "single-process (tenuki train), then resume it with learners");
  }
  const LaunchEnv env = launch_env_from_process();
  const double timeout = args.get_double("group-timeout", 60, 1, 3600);
  StopSignals signals;

  PolicyValueNet::set_threads(config.inference.threads);
  TrainConfig rank_config = config;
  rank_config.training.device = device_for_local_rank(config.training.device, env.local_rank);
  auto [master, trainer] = make_master_and_trainer(rank_config);

  RunDirectory dir(run_path);
  const bool rank0 = env.rank == 0;
  std::unique_ptr<FileLock> lock;
  if (rank0) {
    try {
      lock = std::make_unique<FileLock>(dir.file("lock"), 0);
    } catch (const std::runtime_error& e) {
      throw UsageError(run_path + " is in use by another learner job or tenuki train (" + e.what() +
                       ")");
    }
    write_file_atomically(setup.config_path, setup.resolved.dump(2) + "\n");
  }
  // Read before the group forms: rank 0 writes state.json only after.
  RunState state;
  if (dir.has_state()) state = dir.read_state();
  std::string parent, derivation = "from scratch";
  if (!state.latest_checkpoint.empty()) {
    load_checkpoint_into(dir.file(state.latest_checkpoint), *master);
    trainer->set_steps(state.step);
    trainer->load_optimizer(dir.file("optimizer.pt"));
  } else if (!config.loop.init_checkpoint.empty()) {
    load_checkpoint_into(config.loop.init_checkpoint, *master);
    parent = config.loop.init_checkpoint;
    derivation = "fine-tuned";
  }

  std::unique_ptr<LearnerGroup> group;
  if (env.distributed && env.world_size > 1) {
    LearnerGroupOptions options;
    options.run_token = run_token(dir);
    options.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
    group = std::make_unique<LearnerGroup>(env, options);
    group->broadcast_from_rank0(*master);
    trainer->set_after_backward(
        [g = group.get()](PolicyValueNet& net) { g->average_gradients(net); });
  }
  ReplayBuffer buffer(setup.game, config.replay.window, config.replay.search_value_weight);
  refill_replay_buffer(dir, state.ingested, config.replay.window, buffer);
  const int64_t slack = 2 * static_cast<int64_t>(config.training.batch_size);
  RateController rate(config.loop.train_ratio, config.replay.min_positions, slack);

  out << "learner rank " << env.rank << " of " << env.world_size
      << (env.distributed ? " (" + env.launcher + ")" : std::string()) << ": " << setup.game->spec()
      << ", net " << config.network.summary() << ", batch "
      << config.training.batch_size / env.world_size << " of " << config.training.batch_size
      << (state.latest_checkpoint.empty() ? std::string(", fresh")
                                          : ", resuming at step " + std::to_string(state.step))
      << std::endl;
  LearnerLoop loop(
      LearnerLoopDependencies{config, setup.game, dir, buffer, *trainer, rate, group.get(), out});
  loop.set_lineage(parent, derivation);
  state = loop.run(state, g_stop_requested);
  if (rank0) {
    out << "saved " << dir.file(state.latest_checkpoint) << " (step " << state.step << ", "
        << state.games << " games ingested)\n";
  }
  return 0;
}

}  // namespace tenuki
