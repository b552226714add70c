#include "selfplay/batching_evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "agents/network_torch.h"
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

class ServiceBatch : public EvaluatorBatch {
 public:
  ServiceBatch(BatchingEvaluator* service, std::mutex* mutex, std::condition_variable* done_cv,
               std::deque<BatchingEvaluator::Request*>* queue, std::condition_variable* server_cv,
               bool has_ownership)
      : service_(service), mutex_(mutex), done_cv_(done_cv), queue_(queue),
        server_cv_(server_cv), has_ownership_(has_ownership) {}

  int add(const State& state) override {
    const Game& game = state.game();
    Slot slot;
    slot.rows = game.rows();
    slot.cols = game.cols();
    slot.num_actions = game.num_actions();
    slot.policy_offset = policies_.size();
    slot.ownership_offset = ownership_.size();
    slot.planes.resize(static_cast<size_t>(encoding::kNumChannels) * game.num_cells());
    encoding::encode(state, slot.rows, slot.cols, slot.planes.data());
    slot.legal.assign(static_cast<size_t>(slot.num_actions), 0);
    state.legal_actions(&legal_scratch_);
    for (Action a : legal_scratch_) slot.legal[static_cast<size_t>(a)] = 1;
    policies_.resize(policies_.size() + static_cast<size_t>(slot.num_actions), 0.0f);
    if (has_ownership_) ownership_.resize(ownership_.size() + game.num_cells(), 0.0f);
    slots_.push_back(std::move(slot));
    values_.push_back(0.0f);
    return static_cast<int>(slots_.size()) - 1;
  }

  int size() const override { return static_cast<int>(slots_.size()); }

  void compute() override {
    std::map<std::pair<int, int>, std::vector<int>> groups;
    for (int i = 0; i < size(); ++i) groups[{slots_[i].rows, slots_[i].cols}].push_back(i);
    for (const auto& [shape, members] : groups) {
      const auto [rows, cols] = shape;
      const size_t cells = static_cast<size_t>(rows) * cols;
      const size_t plane_floats = encoding::kNumChannels * cells;
      const size_t n = members.size();
      input_.resize(n * plane_floats);
      for (size_t k = 0; k < n; ++k) {
        const auto& planes = slots_[members[k]].planes;
        std::copy(planes.begin(), planes.end(), input_.begin() + k * plane_floats);
      }
      logits_.resize(n * (cells + 1));
      values_out_.resize(n);
      ownership_out_.resize(has_ownership_ ? n * cells : 0);
      BatchingEvaluator::Request request;
      request.rows = rows;
      request.cols = cols;
      request.n = static_cast<int>(n);
      request.planes = input_.data();
      request.logits = logits_.data();
      request.values = values_out_.data();
      request.ownership = has_ownership_ ? ownership_out_.data() : nullptr;
      {
        std::unique_lock<std::mutex> lock(*mutex_);
        request.enqueued = Clock::now();
        queue_->push_back(&request);
        server_cv_->notify_one();
        done_cv_->wait(lock, [&] { return request.done; });
      }
      if (request.error) std::rethrow_exception(request.error);
      for (size_t k = 0; k < n; ++k) {
        const int i = members[k];
        values_[i] = values_out_[k];
        set_policy(i, logits_.data() + k * (cells + 1));
        if (has_ownership_) {
          std::copy(ownership_out_.begin() + k * cells, ownership_out_.begin() + (k + 1) * cells,
                    ownership_.begin() + slots_[i].ownership_offset);
        }
      }
    }
  }

  float value(int i) const override { return values_[i]; }
  const float* policy(int i) const override { return policies_.data() + slots_[i].policy_offset; }
  const float* ownership(int i) const override {
    return has_ownership_ ? ownership_.data() + slots_[i].ownership_offset : nullptr;
  }

 private:
  struct Slot {
    int rows = 0, cols = 0, num_actions = 0;
    size_t policy_offset = 0, ownership_offset = 0;
    std::vector<float> planes;
    std::vector<uint8_t> legal;
  };

  void set_policy(int i, const float* logits) {
    const Slot& slot = slots_[i];
    float* out = policies_.data() + slot.policy_offset;
    float max_logit = -INFINITY;
    for (int a = 0; a < slot.num_actions; ++a) {
      if (slot.legal[a]) max_logit = std::max(max_logit, logits[a]);
    }
    double sum = 0;
    for (int a = 0; a < slot.num_actions; ++a) {
      const double e = slot.legal[a] ? std::exp(static_cast<double>(logits[a]) - max_logit) : 0.0;
      out[a] = static_cast<float>(e);
      sum += e;
    }
    if (sum > 0) {
      for (int a = 0; a < slot.num_actions; ++a) out[a] = static_cast<float>(out[a] / sum);
    }
  }

  BatchingEvaluator* service_;
  std::mutex* mutex_;
  std::condition_variable* done_cv_;
  std::deque<BatchingEvaluator::Request*>* queue_;
  std::condition_variable* server_cv_;
  bool has_ownership_;
  std::vector<Slot> slots_;
  std::vector<float> values_, policies_, ownership_;
  std::vector<float> input_, logits_, values_out_, ownership_out_;
  std::vector<Action> legal_scratch_;
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
  return std::make_unique<ServiceBatch>(this, &mutex_, &done_cv_, &queue_, &cv_,
                                        net_->has_ownership());
}

void BatchingEvaluator::set_expected_clients(int n) {
  std::lock_guard<std::mutex> lock(mutex_);
  options_.expected_clients = std::max(1, n);
  cv_.notify_all();
}

BatchingStats BatchingEvaluator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
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
