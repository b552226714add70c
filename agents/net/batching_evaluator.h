#pragma once
// The batching inference service: an Evaluator over one PolicyValueNet whose batches, computed
// concurrently by several worker threads, are merged into one forward pass (after OpenSpiel's
// VPNetEvaluator and KataGo's NNEvaluator server thread).
//
// A batch's compute() queues its positions and blocks. A server thread owned by the service takes
// the queued requests of one board shape and runs them as one forward pass as soon as
// `expected_clients` requests are queued or `max_batch` positions are, and otherwise at most
// `wait_ms` after the oldest request arrived. Policies are softmaxed over each position's legal
// actions by the requesting thread. Outputs equal those of a direct forward of the same net (up to
// the float rounding of different batch compositions); with a cache (options.cache_positions),
// a position whose encoded planes were evaluated since the last publish_weights() gets that
// forward pass's outputs again without a new one.
//
// Thread-safety: new_batch(), a batch's compute(), publish_weights(), benchmark_forward() and
// stats() may be called from any threads concurrently; one batch belongs to one thread. The
// service must outlive its batches; its destructor stops the server thread (no compute() may be
// in flight then).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "agents/eval/evaluator.h"
#include "agents/net/forward_cache.h"
#include "agents/net/network.h"

namespace tenuki {

struct BatchingOptions {
  int max_batch = 4096;      // most positions per forward pass, >= 1
  double wait_ms = 2.0;      // longest wait for more requests after the first, >= 0
  int expected_clients = 1;  // run at once when this many requests are queued, >= 1
  // Positions kept in an exact cache of network outputs (agents/net/forward_cache.h), shared by
  // every batch and emptied by publish_weights(); 0 = no cache.
  size_t cache_positions = 0;
};

// Cumulative counters since construction.
struct BatchingStats {
  int64_t positions = 0;       // positions evaluated
  int64_t forwards = 0;        // forward passes
  int64_t requests = 0;        // compute() calls served
  double forward_seconds = 0;  // time inside forward passes
  int64_t cache_lookups = 0;   // positions looked up in the cache (0 without one)
  int64_t cache_hits = 0;      // of which answered without the network
};

class BatchingEvaluator : public Evaluator {
 public:
  // `net` is the inference copy (any device and dtype); the service owns a share of it.
  // Throws std::invalid_argument for a null net or bad options.
  BatchingEvaluator(std::shared_ptr<PolicyValueNet> net, BatchingOptions options);
  ~BatchingEvaluator() override;
  BatchingEvaluator(const BatchingEvaluator&) = delete;
  BatchingEvaluator& operator=(const BatchingEvaluator&) = delete;

  EvaluatorAttributes attributes() const override;
  std::unique_ptr<EvaluatorBatch> new_batch() override;

  // Copies every parameter and buffer of `source` (same architecture, any device/dtype) into the
  // inference net between two forward passes. Throws std::invalid_argument on a mismatch.
  void publish_weights(const PolicyValueNet& source);
  // Raw forward throughput of the inference net: runs `planes` (n positions of rows x cols)
  // repeatedly for about `seconds` (at least twice, after one warm-up pass) and returns
  // positions per second.
  double benchmark_forward(const std::vector<float>& planes, int n, int rows, int cols,
                           double seconds);
  BatchingStats stats() const;
  void set_expected_clients(int n);

  struct Request;  // internal

 private:
  void serve();
  void run_forward(const float* planes, int n, int rows, int cols, float* logits, float* values,
                   float* ownership);

  std::shared_ptr<PolicyValueNet> net_;
  BatchingOptions options_;
  std::mutex net_mutex_;  // held during forward passes and weight copies
  mutable std::mutex mutex_;
  std::condition_variable cv_;           // wakes the server
  std::condition_variable done_cv_;      // wakes requesters whose request is done
  std::deque<Request*> queue_;           // guarded by mutex_
  bool stopping_ = false;                // guarded by mutex_
  BatchingStats stats_;                  // guarded by mutex_
  std::shared_ptr<ForwardCache> cache_;  // null without one; thread-safe itself
  std::thread server_;
};

}  // namespace tenuki
