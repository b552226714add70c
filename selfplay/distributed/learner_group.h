#pragma once
// Data-parallel learners on torch.distributed (c10d): one LearnerGroup per learner rank. Weights
// and gradients on the CPU go through Gloo; on CUDA through NCCL where LibTorch has it compiled in
// (USE_C10D_NCCL: PyTorch's CUDA builds), else through Gloo, which carries CUDA tensors too.
// Small exchanges (share_from_rank0) always use Gloo on CPU tensors. Rank 0 serves the rendezvous
// (a c10d TCPStore at MASTER_ADDR:MASTER_PORT; under torchrun's static rendezvous its agent serves
// it), keyed by the launch's restart generation; every rank shows the run's token there first, so a
// rank of another run is refused with a message before any collective starts. Then rank 0's
// parameters and buffers go to every rank, and after each backward pass the gradients are averaged
// over the ranks in one flattened buffer (the C++ API has no DistributedDataParallel). Every wait
// is bounded by `timeout`: a rank that dies or never comes makes the others throw within it, never
// hang.
//
// This header does not include LibTorch. Thread-safety: one thread per object; the ranks of one
// group may be threads of one process (tests) or processes on several machines.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "selfplay/distributed/launch_env.h"

namespace tenuki {

class PolicyValueNet;

struct LearnerGroupOptions {
  std::string run_token;                     // the run folder's token; must match rank 0's
  std::chrono::milliseconds timeout{60000};  // rendezvous and every collective
};

class LearnerGroup {
 public:
  // Joins the group `env` describes (env.distributed and env.world_size >= 1). Throws InputError
  // naming the problem: the port already in use (rank 0), no rendezvous at MASTER_ADDR:PORT within
  // the timeout, ranks missing, a rank with another run's token (on that rank: "belongs to
  // another run"; on rank 0: which rank was refused).
  LearnerGroup(const LaunchEnv& env, const LearnerGroupOptions& options);
  ~LearnerGroup();
  LearnerGroup(const LearnerGroup&) = delete;
  LearnerGroup& operator=(const LearnerGroup&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

  // Every parameter and buffer of `net` replaced by rank 0's (at start and on resume).
  void broadcast_from_rank0(PolicyValueNet& net);

  // Each gradient of `net` replaced by its mean over the ranks: one all-reduce of every defined
  // gradient, flattened, then divided by the world size. Every rank must hold the same set of
  // defined gradients (the same config). Throws std::runtime_error when a rank is gone.
  void average_gradients(PolicyValueNet& net);

  // Rank 0's `value` on every rank (the others' arguments are ignored): a collective, so every
  // rank calls it in the same order. Throws std::runtime_error when a rank is gone.
  std::string share_from_rank0(const std::string& value);

  // Counters for benchmarks: all-reduces done, bytes each carried, seconds spent in them.
  int64_t all_reduces() const { return all_reduces_; }
  int64_t last_all_reduce_bytes() const { return last_bytes_; }
  double all_reduce_seconds() const { return all_reduce_seconds_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, world_size_ = 1;
  int64_t all_reduces_ = 0, last_bytes_ = 0;
  double all_reduce_seconds_ = 0;
};

}  // namespace tenuki
