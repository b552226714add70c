#pragma once
// Where a learner rank stands in a multi-process training job, read from the variables the
// launchers set: torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), Slurm
// (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID) and a Kubernetes Indexed Job
// (JOB_COMPLETION_INDEX, with WORLD_SIZE from the manifest). torchrun's variables win over
// Slurm's, Slurm's over Kubernetes'. MASTER_ADDR and MASTER_PORT are always needed for more than
// one rank (Slurm and Kubernetes do not set them: the launch files do). Under torchrun's static
// rendezvous (TORCHELASTIC_USE_AGENT_STORE=True) torchrun's agent already serves the store at
// MASTER_ADDR:MASTER_PORT and every rank joins it as a client. The restart generation
// (TORCHELASTIC_RESTART_COUNT, else SLURM_RESTART_COUNT, else 0) keeps one launch's rendezvous
// keys apart from an earlier one's. No LibTorch. Thread-safe (pure functions).
#include <functional>
#include <string>

namespace tenuki {

struct LaunchEnv {
  bool distributed = false;  // false: no launcher variables; a single-process run
  std::string launcher;      // "torchrun", "slurm" or "kubernetes" (when distributed)
  int rank = 0;              // 0 .. world_size - 1
  int world_size = 1;
  int local_rank = 0;        // rank on this machine
  std::string master_addr;   // where rank 0 serves the rendezvous
  int master_port = 0;       // 1 .. 65535
  bool agent_store = false;  // torchrun's agent serves the store: rank 0 only joins it
  int generation = 0;        // restarts of this job so far (0 on the first launch)
};

// Reads the variables through `get` (nullptr: unset), e.g. std::getenv. Throws InputError naming
// the variable: WORLD_SIZE without RANK (or the reverse), a value that is not a whole number, a
// rank outside 0 .. WORLD_SIZE - 1, a missing MASTER_ADDR or MASTER_PORT, a port outside
// 1 .. 65535.
LaunchEnv read_launch_env(const std::function<const char*(const char*)>& get);

// read_launch_env(std::getenv).
LaunchEnv launch_env_from_process();

}  // namespace tenuki
