#include "agents/net/net_agent.h"

#include "agents/net/checkpoint.h"
#include "agents/net/network.h"
#include "agents/net/torch_evaluator.h"
#include "agents/search/search_agent.h"
#include "envs/spec.h"

namespace tenuki {

std::string NetEvaluatorOptions::key() const {
  return model + "|" + device + "|" + dtype + "|" + std::to_string(threads) + "|" +
         std::to_string(max_batch);
}

NetEvaluatorOptions read_net_evaluator_options(const Spec& spec) {
  NetEvaluatorOptions o;
  o.model = spec.get_string("model", "");
  if (o.model.empty()) {
    throw SpecError("in '" + spec.text() + "': " + spec.name() +
                    " needs model=PATH (a checkpoint)");
  }
  o.device = spec.get_choice("device", "cpu", {"cpu", "cuda", "auto"});
  o.threads = spec.get_int("threads", 0, 0, 1024);
  o.dtype =
      spec.get_choice("dtype", "float32", {"float32", "bfloat16", "half", "float32-winograd"});
  o.max_batch = spec.get_int("max_batch", 256, 1, 65536);
  return o;
}

std::shared_ptr<Evaluator> load_net_evaluator(const Spec& spec) {
  const NetEvaluatorOptions o = read_net_evaluator_options(spec);
  const std::string& model = o.model;
  DeviceOptions options;
  options.device = o.device;
  options.threads = o.threads;
  try {
    options.dtype = parse_net_dtype(o.dtype);
  } catch (const std::invalid_argument& e) {
    throw SpecError(std::string("in '") + spec.text() + "': " + e.what());
  }
  const int max_batch = o.max_batch;
  std::shared_ptr<PolicyValueNet> net;
  try {
    net = load_checkpoint(model, options);
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    throw SpecError("in '" + spec.text() + "': " + e.what());
  }
  return make_torch_evaluator(net, TorchEvaluatorOptions{max_batch});
}

std::unique_ptr<Agent> make_net_agent(const Spec& spec, uint64_t seed,
                                      const NetEvaluatorSource& source) {
  SearchConfig config;
  config.playouts = spec.get_int("visits", 200, 1, 100000000);
  config.seed = seed;
  apply_search_options(spec, &config);
  return std::make_unique<SearchAgent>(spec.text(), config, source(spec));
}

}  // namespace tenuki
