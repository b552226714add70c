#include "agents/net/batching_evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "agents/net/net_batch.h"
#include "agents/net/network_torch.h"
#include "envs/encoding.h"

namespace tenuki {

using Clock = std::chrono::steady_clock;

struct BatchingEvaluator::Request {
  int rows = 0, cols = 0, n = 0;
  const float* planes = nullptr;
  float* logits = nullptr;
  float* values = nullptr;
  float* ownership = nullptr;  // null when not wanted
  Clock::time_point enqueued;
  bool done = false;
  std::exception_ptr error;
};

namespace {

class ServiceBatch : public NetBatch {
 public:
  ServiceBatch(std::mutex* mutex, std::condition_variable* done_cv,
               std::deque<BatchingEvaluator::Request*>* queue, std::condition_variable* server_cv,
               bool has_ownership, std::shared_ptr<ForwardCache> cache)
      : NetBatch(has_ownership, std::numeric_limits<int>::max(), std::move(cache)),
        mutex_(mutex),
        done_cv_(done_cv),
        queue_(queue),
        server_cv_(server_cv) {}

 protected:
  // Hands the group to the service thread and waits until it has been evaluated (possibly
  // together with other workers' groups).
  void run_group(const float* planes, int n, int rows, int cols, float* logits, float* values,
                 float* ownership) override {
    BatchingEvaluator::Request request;
    request.rows = rows;
    request.cols = cols;
    request.n = n;
    request.planes = planes;
    request.logits = logits;
    request.values = values;
    request.ownership = ownership;
    {
      std::unique_lock<std::mutex> lock(*mutex_);
      request.enqueued = Clock::now();
      queue_->push_back(&request);
      server_cv_->notify_one();
      done_cv_->wait(lock, [&] { return request.done; });
    }
    if (request.error) std::rethrow_exception(request.error);
  }

 private:
  std::mutex* mutex_;
  std::condition_variable* done_cv_;
  std::deque<BatchingEvaluator::Request*>* queue_;
  std::condition_variable* server_cv_;
};

}  // namespace

BatchingEvaluator::BatchingEvaluator(std::shared_ptr<PolicyValueNet> net, BatchingOptions options)
    : net_(std::move(net)), options_(options) {
  if (!net_) throw std::invalid_argument("BatchingEvaluator: null net");
  if (options_.max_batch < 1) throw std::invalid_argument("BatchingEvaluator: max_batch < 1");
  if (!(options_.wait_ms >= 0)) throw std::invalid_argument("BatchingEvaluator: wait_ms < 0");
  if (options_.expected_clients < 1) {
    throw std::invalid_argument("BatchingEvaluator: expected_clients < 1");
  }
  if (options_.cache_positions > 0)
    cache_ = std::make_shared<ForwardCache>(options_.cache_positions);
  server_ = std::thread([this] { serve(); });
}

BatchingEvaluator::~BatchingEvaluator() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  server_.join();
}

EvaluatorAttributes BatchingEvaluator::attributes() const {
  EvaluatorAttributes a;
  a.max_batch = options_.max_batch;
  a.device = net_->device_name();
  a.has_ownership = net_->has_ownership();
  return a;
}

std::unique_ptr<EvaluatorBatch> BatchingEvaluator::new_batch() {
  return std::make_unique<ServiceBatch>(&mutex_, &done_cv_, &queue_, &cv_, net_->has_ownership(),
                                        cache_);
}

void BatchingEvaluator::set_expected_clients(int n) {
  std::lock_guard<std::mutex> lock(mutex_);
  options_.expected_clients = std::max(1, n);
  cv_.notify_all();
}

BatchingStats BatchingEvaluator::stats() const {
  BatchingStats stats;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats = stats_;
  }
  if (cache_) {
    const ForwardCacheStats c = cache_->stats();
    stats.cache_lookups = c.lookups;
    stats.cache_hits = c.hits;
  }
  return stats;
}

void BatchingEvaluator::run_forward(const float* planes, int n, int rows, int cols, float* logits,
                                    float* values, float* ownership) {
  const size_t cells = static_cast<size_t>(rows) * cols;
  const size_t plane_floats = encoding::kNumChannels * cells;
  std::lock_guard<std::mutex> lock(net_mutex_);
  for (int begin = 0; begin < n; begin += options_.max_batch) {
    const int m = std::min(n - begin, options_.max_batch);
    net_->forward(planes + begin * plane_floats, m, rows, cols, logits + begin * (cells + 1),
                  values + begin, ownership ? ownership + begin * cells : nullptr);
  }
}

void BatchingEvaluator::serve() {
  const auto wait = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(options_.wait_ms));
  std::unique_lock<std::mutex> lock(mutex_);
  std::vector<Request*> taken;
  std::vector<float> input, logits, values, ownership;
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    const int rows = queue_.front()->rows, cols = queue_.front()->cols;
    const Clock::time_point deadline = queue_.front()->enqueued + wait;
    while (!stopping_) {
      int requests = 0, positions = 0;
      for (Request* r : queue_) {
        if (r->rows == rows && r->cols == cols) {
          ++requests;
          positions += r->n;
        }
      }
      if (requests >= options_.expected_clients || positions >= options_.max_batch) break;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
    }
    // Take same-shape requests in arrival order, up to max_batch positions (at least one).
    taken.clear();
    int total = 0;
    for (auto it = queue_.begin(); it != queue_.end();) {
      Request* r = *it;
      if (r->rows == rows && r->cols == cols &&
          (taken.empty() || total + r->n <= options_.max_batch)) {
        taken.push_back(r);
        total += r->n;
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    const size_t cells = static_cast<size_t>(rows) * cols;
    const size_t plane_floats = encoding::kNumChannels * cells;
    const bool want_ownership = net_->has_ownership();
    std::exception_ptr error;
    const auto start = Clock::now();
    try {
      const float* in = taken[0]->planes;
      if (taken.size() > 1) {
        input.resize(total * plane_floats);
        size_t offset = 0;
        for (Request* r : taken) {
          std::copy(r->planes, r->planes + r->n * plane_floats, input.begin() + offset);
          offset += r->n * plane_floats;
        }
        in = input.data();
      }
      logits.resize(total * (cells + 1));
      values.resize(total);
      ownership.resize(want_ownership ? total * cells : 0);
      run_forward(in, total, rows, cols, logits.data(), values.data(),
                  want_ownership ? ownership.data() : nullptr);
      size_t k = 0;
      for (Request* r : taken) {
        std::copy(logits.begin() + k * (cells + 1), logits.begin() + (k + r->n) * (cells + 1),
                  r->logits);
        std::copy(values.begin() + k, values.begin() + k + r->n, r->values);
        if (r->ownership && want_ownership) {
          std::copy(ownership.begin() + k * cells, ownership.begin() + (k + r->n) * cells,
                    r->ownership);
        }
        k += r->n;
      }
    } catch (...) {
      error = std::current_exception();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    lock.lock();
    stats_.positions += total;
    stats_.forwards += 1;
    stats_.requests += static_cast<int64_t>(taken.size());
    stats_.forward_seconds += seconds;
    for (Request* r : taken) {
      r->error = error;
      r->done = true;
    }
    done_cv_.notify_all();
  }
}

void BatchingEvaluator::publish_weights(const PolicyValueNet& source) {
  if (!(source.config() == net_->config())) {
    throw std::invalid_argument("publish_weights: architectures differ (" +
                                source.config().summary() + " vs " + net_->config().summary() +
                                ")");
  }
  torch::NoGradGuard no_grad;
  auto& src = const_cast<PolicyValueNetImpl&>(source.impl());
  auto src_params = src.named_parameters(true);
  auto src_buffers = src.named_buffers(true);
  std::lock_guard<std::mutex> lock(net_mutex_);
  for (auto& item : net_->impl().named_parameters(true)) {
    item.value().copy_(src_params[item.key()]);
  }
  for (auto& item : net_->impl().named_buffers(true)) {
    item.value().copy_(src_buffers[item.key()]);
  }
  if (cache_) cache_->advance_generation();
}

double BatchingEvaluator::benchmark_forward(const std::vector<float>& planes, int n, int rows,
                                            int cols, double seconds) {
  const size_t cells = static_cast<size_t>(rows) * cols;
  std::vector<float> logits(n * (cells + 1)), values(n), ownership(n * cells);
  float* own = net_->has_ownership() ? ownership.data() : nullptr;
  run_forward(planes.data(), n, rows, cols, logits.data(), values.data(), own);  // warm-up
  const auto start = Clock::now();
  int64_t runs = 0;
  double elapsed = 0;
  do {
    run_forward(planes.data(), n, rows, cols, logits.data(), values.data(), own);
    ++runs;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (runs < 2 || elapsed < seconds);
  return static_cast<double>(runs) * n / elapsed;
}

}  // namespace tenuki
