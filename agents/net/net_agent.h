#pragma once
// Network-backed agents' shared set-up, and `net(model=PATH, visits=200, ...)`: network + MCTS.
#include <memory>
#include <string>

#include "agents/agent.h"
#include "agents/eval/evaluator.h"

namespace tenuki {

class Spec;

// Reads `model` (required), `device` (cpu|cuda|auto), `threads`, `dtype`
// (float32|bfloat16|half|float32-winograd) and `max_batch` from `spec` and returns a LibTorch
// evaluator over the checkpoint. Throws SpecError for a missing model or bad option,
// CheckpointError when the file does not load.
std::shared_ptr<Evaluator> load_net_evaluator(const Spec& spec);

// The options load_net_evaluator reads, read (and marked used) from a spec. Throws SpecError for
// a missing model or a bad option.
struct NetEvaluatorOptions {
  std::string model;
  std::string device = "cpu";
  std::string dtype = "float32";
  int threads = 0;
  int max_batch = 256;
  // Equal for specs that would load the same network the same way.
  std::string key() const;
};
NetEvaluatorOptions read_net_evaluator_options(const Spec& spec);

// `net(model=PATH, visits=200, <any search option>, <load_net_evaluator options>)`. The
// evaluator comes from `source` (default: load_net_evaluator, one of its own).
std::unique_ptr<Agent> make_net_agent(
    const Spec& spec, uint64_t seed,
    const NetEvaluatorSource& source = NetEvaluatorSource(load_net_evaluator));

}  // namespace tenuki
