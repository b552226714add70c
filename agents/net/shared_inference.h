#pragma once
// Shared inference for tournaments: an agent factory whose network agents (net, policy) take their
// evaluator from one batching inference service (agents/net/batching_evaluator.h) per distinct
// network (checkpoint path, device, dtype, threads, max_batch; see NetEvaluatorOptions::key),
// created on first use. Every game running at once then sends its leaves to the same service, so
// the network sees batches merged across games. Other agents are built by make_agent unchanged.
//
// Ownership and thread-safety: the factory and every method may be called from any thread; the
// agents it makes hold shares of their service, and the SharedInference must outlive the games
// (it owns the services' server threads). In builds without LibTorch no service is ever made.
#include <memory>
#include <string>

#include "agents/agent.h"

namespace tenuki {

class SharedInference {
 public:
  // `expected_clients`: how many searches usually wait on one service at once (the tournament's
  // concurrency); a service runs a forward pass as soon as that many requests are queued, and
  // otherwise `wait_ms` after the first.
  explicit SharedInference(int expected_clients, double wait_ms = 1.0);
  ~SharedInference();
  SharedInference(const SharedInference&) = delete;
  SharedInference& operator=(const SharedInference&) = delete;

  // make_agent with shared network evaluators. The returned function refers to this object.
  AgentFactory factory();
  // Services created so far (one per distinct network).
  int services_created() const;
  // One line per service: the network key, positions, forward passes and mean batch size.
  std::string summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tenuki
