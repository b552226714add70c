#pragma once
// Averaging saved networks of one architecture, tensor by tensor: the mean of a run's last few
// checkpoints (stochastic weight averaging over snapshots, as KataGo publishes averaged nets)
// smooths the noise a constant learning rate leaves in any single snapshot. No LibTorch;
// thread-safe (no shared state).
#include <string>
#include <vector>

namespace tenuki {

struct AverageSummary {
  int inputs = 0;        // checkpoints averaged
  int tensors = 0;       // tensors in each (parameters and batch-norm buffers)
  long long values = 0;  // float32 values in each
};

// Writes to `out_path`, atomically (a temporary file, then rename), a checkpoint whose every
// tensor (parameters and batch-norm statistics alike) is the mean of the same tensor in
// `paths`. Every input is verified as load_checkpoint verifies it (checksum, encoding schema)
// and must have the same network config and the same tensor names and shapes as the first.
// The metadata are the last input's (game, step, search settings), with parent = the last
// input, derivation "average of N checkpoints" and notes naming every input.
// Throws CheckpointError naming the file and the problem (out_path is then untouched), and
// std::invalid_argument when `paths` is empty.
AverageSummary average_checkpoints(const std::vector<std::string>& paths,
                                   const std::string& out_path);

}  // namespace tenuki
