#pragma once
// An Evaluator (agents/eval/evaluator.h) backed by a PolicyValueNet.
//
// add() encodes the state at its game's own rows x cols (envs/encoding.h) and records its legal
// actions. compute() groups the added positions by board shape, runs one forward per group (split
// into chunks of at most max_batch), and fills per position: the softmax of the logits over the
// legal actions only, the value as the net gives it (player to move's view) and, when the net has
// an ownership head, the per-cell ownership (player to move's view). Batches may mix games and
// board sizes; each position's policy has its own game's num_actions() entries.
//
// Thread-safety: new_batch() may be called from several threads and batches computed
// concurrently: forward passes on the shared net are serialised by a mutex inside the evaluator.
// Nobody may change the net (device, mode, weights) while the evaluator is in use.
#include <memory>

#include "agents/eval/evaluator.h"
#include "agents/net/network.h"

namespace tenuki {

struct TorchEvaluatorOptions {
  int max_batch = 256;  // positions per forward pass, >= 1
};

// Throws std::invalid_argument when `net` is null or max_batch < 1.
std::unique_ptr<Evaluator> make_torch_evaluator(std::shared_ptr<PolicyValueNet> net,
                                                TorchEvaluatorOptions options = {});

}  // namespace tenuki
