#pragma once
// Network-backed agents' shared set-up, and `net(model=PATH, visits=200, ...)`: network + MCTS.
#include <memory>
#include <string>

#include "agents/agent.h"
#include "agents/evaluator.h"

namespace tenuki {

class Spec;

// Reads `model` (required), `device` (cpu|cuda|auto), `threads`, `dtype` (float32|bfloat16|half)
// and `max_batch` from `spec` and returns a LibTorch evaluator over the checkpoint. Throws
// SpecError for a missing model or bad option, CheckpointError when the file does not load.
std::shared_ptr<Evaluator> load_net_evaluator(const Spec& spec);

// `net(model=PATH, visits=200, <any search option>, <load_net_evaluator options>)`.
std::unique_ptr<Agent> make_net_agent(const Spec& spec, uint64_t seed);

}  // namespace tenuki
