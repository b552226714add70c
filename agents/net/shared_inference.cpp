#include "agents/net/shared_inference.h"

#include <map>
#include <mutex>
#include <sstream>

#include "agents/net/batching_evaluator.h"
#include "agents/net/checkpoint.h"
#include "agents/net/net_agent.h"
#include "agents/net/network.h"
#include "envs/spec.h"

namespace tenuki {

struct SharedInference::Impl {
  int expected_clients = 1;
  double wait_ms = 1.0;
  mutable std::mutex mutex;
  // Guarded by mutex; entries are never removed while the object lives.
  std::map<std::string, std::shared_ptr<BatchingEvaluator>> services;

  std::shared_ptr<Evaluator> evaluator_for(const Spec& spec) {
    const NetEvaluatorOptions o = read_net_evaluator_options(spec);
    const std::string key = o.key();
    std::lock_guard<std::mutex> lock(mutex);
    auto it = services.find(key);
    if (it != services.end()) return it->second;
    DeviceOptions device;
    device.device = o.device;
    device.threads = o.threads;
    std::shared_ptr<PolicyValueNet> net;
    try {
      device.dtype = parse_net_dtype(o.dtype);
      net = load_checkpoint(o.model, device);
    } catch (const CheckpointError&) {
      throw;
    } catch (const std::exception& e) {
      throw SpecError("in '" + spec.text() + "': " + e.what());
    }
    BatchingOptions options;
    options.max_batch = o.max_batch;
    options.wait_ms = wait_ms;
    options.expected_clients = expected_clients;
    auto service = std::make_shared<BatchingEvaluator>(net, options);
    services.emplace(key, service);
    return service;
  }
};

SharedInference::SharedInference(int expected_clients, double wait_ms)
    : impl_(std::make_unique<Impl>()) {
  impl_->expected_clients = std::max(1, expected_clients);
  impl_->wait_ms = wait_ms;
}

SharedInference::~SharedInference() = default;

AgentFactory SharedInference::factory() {
  Impl* impl = impl_.get();
  NetEvaluatorSource source = [impl](const Spec& spec) { return impl->evaluator_for(spec); };
  return [source](const std::string& spec, const Game& game, uint64_t seed) {
    return make_agent_with(spec, game, seed, source);
  };
}

int SharedInference::services_created() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return static_cast<int>(impl_->services.size());
}

std::string SharedInference::summary() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::ostringstream out;
  for (const auto& [key, service] : impl_->services) {
    const BatchingStats s = service->stats();
    out << "inference service " << key.substr(0, key.find('|')) << ": " << s.positions
        << " positions in " << s.forwards << " forward passes (mean batch "
        << (s.forwards > 0 ? static_cast<double>(s.positions) / s.forwards : 0.0) << ")\n";
  }
  return out.str();
}

}  // namespace tenuki
