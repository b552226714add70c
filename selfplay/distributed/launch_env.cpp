#include "selfplay/distributed/launch_env.h"

#include <cerrno>
#include <cstdlib>
#include <string>

#include "envs/util/input_error.h"

namespace tenuki {
namespace {

// `name`'s value as a whole number in [lo, hi]; throws InputError naming it.
int whole_number(const char* name, const char* value, long lo, long hi) {
  const std::string text = value;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) {
    throw InputError(std::string(name) + "='" + text + "' is not a whole number");
  }
  if (v < lo || v > hi) {
    throw InputError(std::string(name) + "=" + text + " is outside " + std::to_string(lo) + " .. " +
                     std::to_string(hi));
  }
  return static_cast<int>(v);
}

}  // namespace

LaunchEnv read_launch_env(const std::function<const char*(const char*)>& get) {
  auto has = [&](const char* name) { return get(name) != nullptr; };
  LaunchEnv env;
  const char* rank_name = nullptr;
  const char* size_name = nullptr;
  const char* local_name = nullptr;
  if (has("RANK") || (has("WORLD_SIZE") && !has("JOB_COMPLETION_INDEX"))) {
    env.launcher = "torchrun";
    rank_name = "RANK";
    size_name = "WORLD_SIZE";
    local_name = "LOCAL_RANK";
  } else if (has("SLURM_PROCID") || has("SLURM_NTASKS")) {
    env.launcher = "slurm";
    rank_name = "SLURM_PROCID";
    size_name = "SLURM_NTASKS";
    local_name = "SLURM_LOCALID";
  } else if (has("JOB_COMPLETION_INDEX")) {
    env.launcher = "kubernetes";
    rank_name = "JOB_COMPLETION_INDEX";
    size_name = "WORLD_SIZE";
  } else {
    return env;  // a single-process run
  }
  if (!has(rank_name) || !has(size_name)) {
    const char* missing = has(rank_name) ? size_name : rank_name;
    const char* present = has(rank_name) ? rank_name : size_name;
    throw InputError(std::string(present) + " is set but " + missing + " is not (" + env.launcher +
                     " launch): set both, or neither for a single-process run");
  }
  env.world_size = whole_number(size_name, get(size_name), 1, 1 << 20);
  env.rank = whole_number(rank_name, get(rank_name), 0, env.world_size - 1);
  env.local_rank = local_name && has(local_name)
                       ? whole_number(local_name, get(local_name), 0, env.world_size - 1)
                       : 0;
  env.distributed = true;
  for (const char* name : {"TORCHELASTIC_RESTART_COUNT", "SLURM_RESTART_COUNT"}) {
    if (has(name)) {
      env.generation = whole_number(name, get(name), 0, 1 << 20);
      break;
    }
  }
  env.agent_store = has("TORCHELASTIC_USE_AGENT_STORE") &&
                    std::string(get("TORCHELASTIC_USE_AGENT_STORE")) == "True";
  if (env.world_size == 1 && !has("MASTER_ADDR") && !has("MASTER_PORT")) return env;
  if (!has("MASTER_ADDR") || std::string(get("MASTER_ADDR")).empty()) {
    throw InputError("MASTER_ADDR is not set (" + env.launcher +
                     " launch): the address where rank 0 serves the rendezvous");
  }
  if (!has("MASTER_PORT")) {
    throw InputError("MASTER_PORT is not set (" + env.launcher + " launch)");
  }
  env.master_addr = get("MASTER_ADDR");
  env.master_port = whole_number("MASTER_PORT", get("MASTER_PORT"), 1, 65535);
  return env;
}

LaunchEnv launch_env_from_process() {
  return read_launch_env([](const char* name) { return std::getenv(name); });
}

}  // namespace tenuki
