// Reading a learner's place in a job from the launchers' variables (torchrun, Slurm, Kubernetes
// Indexed Jobs): no LibTorch.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "envs/util/input_error.h"
#include "selfplay/distributed/launch_env.h"

using namespace tenuki;
using Catch::Matchers::Contains;

namespace {

LaunchEnv read(const std::map<std::string, std::string>& vars) {
  return read_launch_env([&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

}  // namespace

TEST_CASE("launch variables of torchrun, Slurm and Kubernetes give the rank", "[distributed]") {
  CHECK_FALSE(read({}).distributed);
  CHECK_FALSE(read({{"MASTER_ADDR", "10.0.0.1"}}).distributed);  // alone: not a launch

  const LaunchEnv torchrun = read({{"RANK", "1"},
                                   {"WORLD_SIZE", "2"},
                                   {"LOCAL_RANK", "1"},
                                   {"MASTER_ADDR", "127.0.0.1"},
                                   {"MASTER_PORT", "29511"},
                                   {"SLURM_PROCID", "5"}});  // torchrun's win
  CHECK(torchrun.distributed);
  CHECK(torchrun.launcher == "torchrun");
  CHECK(torchrun.rank == 1);
  CHECK(torchrun.world_size == 2);
  CHECK(torchrun.local_rank == 1);
  CHECK(torchrun.master_addr == "127.0.0.1");
  CHECK(torchrun.master_port == 29511);
  CHECK_FALSE(torchrun.agent_store);
  CHECK(torchrun.generation == 0);

  // torchrun's static rendezvous: its agent serves the store; a restart is a new generation.
  const LaunchEnv restarted = read({{"RANK", "0"},
                                    {"WORLD_SIZE", "2"},
                                    {"MASTER_ADDR", "127.0.0.1"},
                                    {"MASTER_PORT", "29511"},
                                    {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                    {"TORCHELASTIC_RESTART_COUNT", "2"}});
  CHECK(restarted.agent_store);
  CHECK(restarted.generation == 2);
  CHECK_FALSE(read({{"RANK", "0"},
                    {"WORLD_SIZE", "2"},
                    {"MASTER_ADDR", "127.0.0.1"},
                    {"MASTER_PORT", "29511"},
                    {"TORCHELASTIC_USE_AGENT_STORE", "False"}})
                  .agent_store);

  const LaunchEnv slurm = read({{"SLURM_PROCID", "3"},
                                {"SLURM_NTASKS", "4"},
                                {"SLURM_LOCALID", "1"},
                                {"MASTER_ADDR", "node01"},
                                {"MASTER_PORT", "29500"}});
  CHECK(slurm.launcher == "slurm");
  CHECK(slurm.rank == 3);
  CHECK(slurm.world_size == 4);
  CHECK(slurm.local_rank == 1);
  CHECK(read({{"SLURM_PROCID", "0"},
              {"SLURM_NTASKS", "2"},
              {"SLURM_RESTART_COUNT", "1"},
              {"MASTER_ADDR", "node01"},
              {"MASTER_PORT", "29500"}})
            .generation == 1);  // a requeued job

  const LaunchEnv k8s = read({{"JOB_COMPLETION_INDEX", "2"},
                              {"WORLD_SIZE", "3"},
                              {"MASTER_ADDR", "learners-0.learners"},
                              {"MASTER_PORT", "29500"}});
  CHECK(k8s.launcher == "kubernetes");
  CHECK(k8s.rank == 2);
  CHECK(k8s.world_size == 3);

  // One rank needs no rendezvous address.
  const LaunchEnv one = read({{"RANK", "0"}, {"WORLD_SIZE", "1"}});
  CHECK(one.distributed);
  CHECK(one.master_port == 0);
}

TEST_CASE("bad launch variables name the variable", "[distributed]") {
  const std::map<std::string, std::string> base = {{"MASTER_ADDR", "127.0.0.1"},
                                                   {"MASTER_PORT", "29500"}};
  auto with = [&](std::map<std::string, std::string> extra) {
    extra.insert(base.begin(), base.end());
    return extra;
  };
  CHECK_THROWS_WITH(read(with({{"WORLD_SIZE", "2"}})),
                    Contains("WORLD_SIZE is set but RANK is not"));
  CHECK_THROWS_WITH(read(with({{"RANK", "0"}})), Contains("RANK is set but WORLD_SIZE is not"));
  CHECK_THROWS_WITH(read(with({{"RANK", "2"}, {"WORLD_SIZE", "2"}})),
                    Contains("RANK=2 is outside 0 .. 1"));
  CHECK_THROWS_WITH(read(with({{"RANK", "one"}, {"WORLD_SIZE", "2"}})),
                    Contains("RANK='one' is not a whole number"));
  CHECK_THROWS_WITH(read(with({{"SLURM_PROCID", "0"}})),
                    Contains("SLURM_PROCID is set but SLURM_NTASKS is not"));
  CHECK_THROWS_WITH(read({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "29500"}}),
                    Contains("MASTER_ADDR is not set"));
  CHECK_THROWS_WITH(read({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}),
                    Contains("MASTER_PORT is not set"));
  CHECK_THROWS_WITH(
      read({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}}),
      Contains("MASTER_PORT=70000 is outside 1 .. 65535"));
  CHECK_THROWS_AS(read(with({{"WORLD_SIZE", "2"}})), InputError);
}
