#pragma once
// The stages of an experiment and its run folder. Every stage is one `tenuki` command run in the
// run folder (relative paths), except the source copy and the report, which the runner does
// itself. Stages are pure data derived from the resolved spec, so `run`, `status`, `report` and
// `--dry-run` all see the same plan.
//
// Run folder:
//   experiment.json, version.json, stages.json (done stages), lock, logs/STAGE.log
//   source/config.json, source/run/ (a `tenuki train` run) | source/source.ckpt (a given one,
//                                                   with source/initial.ckpt for control arms)
//   targets/T/pool.json, targets/T/pool/            reference pool round-robin (tournament)
//   targets/T/ARM/sSEED/config.json, .../run/       the arm's training run; its milestones/ hold
//                                                   the net at every evaluation point
//   targets/T/ARM/sSEED/evals/X.json, .../evals/X/  gauntlet of the milestone-X net vs the pool
//   targets/T/ARM/sSEED/cka.json                    CKA between the source and the final net
//   targets/T/final.json, targets/T/final/          round-robin of every arm's final nets
//   report/index.html (+ CSV/JSON)
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "experiments/pipeline/experiment_spec.h"
#include "selfplay/run/run_folder.h"

namespace tenuki {

enum class StageKind { kSourceTrain, kSourceCopy, kPool, kTrain, kEval, kFinal, kCka, kReport };

struct Stage {
  std::string id;  // e.g. "go7/fine-tune/s2/eval/100000"
  StageKind kind = StageKind::kTrain;
  std::vector<std::string> deps;  // ids of stages that must be done first
  // The tenuki arguments (no program name), run with the run folder as working directory;
  // empty for kSourceCopy and kReport.
  std::vector<std::string> argv;
  // Files (relative path, contents) written atomically before the command runs.
  std::vector<std::pair<std::string, std::string>> files;
  // Exists once the work is complete (checked besides a zero exit status); "" = exit status only.
  std::string done_file;
  double estimated_seconds = 0;
  // For training stages: the metrics file and the unit count that completes the stage.
  std::string metrics_file;
  double units_total = 0;
  // What it belongs to, for progress lines and results ("" / 0 when not applicable).
  std::string target, arm;
  int seed = 0;
  double x = 0;  // eval: the milestone
};

// Paths relative to the run folder.
std::string arm_dir(const std::string& target, const std::string& arm, int seed);
std::string milestone_path(const ExperimentSpec& spec, const std::string& target,
                           const std::string& arm, int seed, double x);
// The source checkpoint every transfer arm starts from.
std::string source_checkpoint_path(const ExperimentSpec& spec);
// The source run's untrained (step 0) checkpoint, which control arms start from: the trained
// source's milestone 0, or the folder's copy of source.initial_checkpoint ("" when none).
std::string source_initial_checkpoint_path(const ExperimentSpec& spec);
// The spec of the network agent that plays a checkpoint in evaluations and the final.
std::string net_agent_spec(const ExperimentSpec& spec, const std::string& checkpoint);

// The training config of one arm and seed (budget, milestones, seed, transfer section).
nlohmann::json arm_training_config(const ExperimentSpec& spec, const TargetSpec& target,
                                   const ArmSpec& arm, int seed);

// Every stage, dependencies before dependents.
std::vector<Stage> plan_experiment(const ExperimentSpec& spec);

}  // namespace tenuki
