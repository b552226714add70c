// `tenuki train` with a curriculum (selfplay/train_config.h CurriculumStage): the stages one after
// the other, each a run folder of its own under RUN_DIR/stages/, then the run's own game.
#include <filesystem>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "envs/spec.h"
#include "envs/util/json_reader.h"
#include "experiments/cli/args.h"
#include "experiments/cli/stop_signals.h"
#include "experiments/cli/train_setup.h"
#include "selfplay/run/run_folder.h"

namespace tenuki {
namespace {

// The run's state, or a fresh one when the folder has none yet.
RunState state_of(const std::string& run_path) {
  if (!std::filesystem::exists(run_path + "/state.json")) return RunState{};
  return RunDirectory(run_path).read_state();
}

}  // namespace

int train_with_curriculum(TrainSetup& setup, const std::string& run_path, std::ostream& out,
                          std::ostream& err) {
  const TrainConfig& config = setup.config;
  const size_t count = config.curriculum.size();
  // Every stage's game, agents and folder are checked before any work.
  std::vector<TrainSetup> stages;
  std::vector<std::string> stage_paths;
  for (size_t k = 0; k < count; ++k) {
    stage_paths.push_back(run_path + "/stages/" + std::to_string(k + 1));
    try {
      stages.push_back(complete_train_setup(curriculum_stage_config(config, k), stage_paths[k]));
    } catch (const ConfigError& e) {
      throw UsageError(e.what());
    } catch (const SpecError& e) {
      throw SpecError("curriculum[" + std::to_string(k) + "]: " + e.what());
    }
  }
  if (!state_of(run_path).latest_checkpoint.empty()) {
    return run_training(setup, run_path, false, out, err);  // past the curriculum
  }
  std::string previous_checkpoint;
  double previous_wall_seconds = 0;
  for (size_t k = 0; k < count; ++k) {
    TrainSetup& stage = stages[k];
    const std::string& path = stage_paths[k];
    RunState state = state_of(path);
    const double until_seconds = stage.config.budget.minutes * 60;
    if (state.latest_checkpoint.empty() || state.wall_seconds < until_seconds) {
      std::ostringstream line;  // (not `out`: its number format is set by earlier output)
      line << "curriculum stage " << k + 1 << "/" << count << ": " << stage.config.game
           << " until minute " << stage.config.budget.minutes << " (" << path << ")\n";
      out << line.str();
      out.flush();
      if (k > 0 && state.latest_checkpoint.empty()) {
        start_from_previous_stage(stage, previous_checkpoint, previous_wall_seconds);
      }
      const int status = run_training(stage, path, false, out, err);
      if (status != 0 || g_stop_requested.load()) return status;
      state = state_of(path);
    }
    previous_checkpoint = path + "/" + state.latest_checkpoint;
    previous_wall_seconds = state.wall_seconds;
  }
  out << "curriculum done: " << config.game << " starts from " << previous_checkpoint << "\n";
  start_from_previous_stage(setup, previous_checkpoint, previous_wall_seconds);
  return run_training(setup, run_path, false, out, err);
}

}  // namespace tenuki
