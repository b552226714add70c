#include "selfplay/trainer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "agents/net/network_torch.h"
#include "envs/encoding.h"

namespace tenuki {

bool name_has_prefix(const std::string& name, const std::string& prefix) {
  if (name.size() < prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  return name.size() == prefix.size() || name[prefix.size()] == '.';
}

struct Trainer::Impl {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<double> group_multipliers;  // per optimiser parameter group
  std::vector<bool> group_deferred;       // per group: frozen until unfreezing
  std::vector<std::shared_ptr<torch::nn::Module>> frozen_modules;
  std::vector<torch::Tensor> deferred;  // frozen parameters that unfreeze later
  bool thawed = false;                  // the deferred parameters have been unfrozen
  std::vector<std::pair<std::string, double>> trainable;
  torch::Device device{torch::kCPU};
};

Trainer::Trainer(std::shared_ptr<PolicyValueNet> net, const TrainerConfig& config)
    : net_(std::move(net)), config_(config), impl_(std::make_unique<Impl>()) {
  if (!net_) throw std::invalid_argument("Trainer: null net");
  if (net_->dtype() != NetDtype::kFloat32) {
    throw std::invalid_argument("Trainer: the master net must be float32");
  }
  PolicyValueNetImpl& module = net_->impl();
  impl_->device = module.device();
  auto params = module.named_parameters(true);
  // Every prefix must name something.
  auto check_prefix = [&](const std::string& key, const std::string& prefix) {
    for (const auto& item : params) {
      if (name_has_prefix(item.key(), prefix)) return;
    }
    std::string names;
    for (const auto& item : params) {
      const std::string top = item.key().substr(0, item.key().find('.'));
      if (names.find(top + ",") == std::string::npos) names += top + ", ";
    }
    throw ConfigError("config: " + key + ": '" + prefix +
                      "' matches no parameter (top-level names: " + names +
                      "...; match on whole dotted components)");
  };
  for (const auto& prefix : config_.frozen) check_prefix("training.frozen", prefix);
  for (const auto& [prefix, m] : config_.lr_multipliers) {
    check_prefix("training.lr_multipliers", prefix);
  }
  // Parameter groups by (deferred, multiplier); deferred = frozen now, trained after unfreezing.
  const bool unfreezes = config_.unfreeze_after > 0;
  std::map<std::pair<bool, double>, std::vector<torch::Tensor>> groups;
  bool any_trainable = false;
  for (auto& item : params) {
    bool frozen = false;
    for (const auto& prefix : config_.frozen)
      frozen = frozen || name_has_prefix(item.key(), prefix);
    item.value().set_requires_grad(!frozen);
    if (frozen && !unfreezes) continue;
    double multiplier = 1.0;
    size_t best = 0;
    for (const auto& [prefix, m] : config_.lr_multipliers) {
      if (name_has_prefix(item.key(), prefix) && prefix.size() >= best) {
        best = prefix.size();
        multiplier = m;
      }
    }
    groups[{frozen, multiplier}].push_back(item.value());
    if (frozen) {
      impl_->deferred.push_back(item.value());
    } else {
      any_trainable = true;
      impl_->trainable.emplace_back(item.key(), multiplier);
    }
  }
  for (const auto& item : module.named_modules("", /*include_self=*/false)) {
    for (const auto& prefix : config_.frozen) {
      if (name_has_prefix(item.key(), prefix)) impl_->frozen_modules.push_back(item.value());
    }
  }
  if (!any_trainable && !unfreezes) {
    throw ConfigError("config: training.frozen freezes every parameter");
  }
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  for (auto& [key, tensors] : groups) {
    const double lr = config_.lr * key.second;
    if (config_.optimizer == "adam") {
      param_groups.emplace_back(
          tensors, std::make_unique<torch::optim::AdamWOptions>(
                       torch::optim::AdamWOptions(lr).weight_decay(config_.weight_decay)));
    } else {
      param_groups.emplace_back(tensors, std::make_unique<torch::optim::SGDOptions>(
                                             torch::optim::SGDOptions(lr)
                                                 .momentum(config_.momentum)
                                                 .nesterov(config_.momentum > 0)
                                                 .weight_decay(config_.weight_decay)));
    }
    impl_->group_multipliers.push_back(key.second);
    impl_->group_deferred.push_back(key.first);
  }
  if (config_.optimizer == "adam") {
    impl_->optimizer = std::make_unique<torch::optim::AdamW>(
        param_groups, torch::optim::AdamWOptions(config_.lr).weight_decay(config_.weight_decay));
  } else {
    impl_->optimizer =
        std::make_unique<torch::optim::SGD>(param_groups, torch::optim::SGDOptions(config_.lr)
                                                              .momentum(config_.momentum)
                                                              .nesterov(config_.momentum > 0)
                                                              .weight_decay(config_.weight_decay));
  }
}

Trainer::~Trainer() = default;

double Trainer::lr_at(int64_t step) const {
  if (config_.lr_schedule == "step") {
    return config_.lr *
           std::pow(config_.lr_step_gamma, static_cast<double>(step / config_.lr_step_every));
  }
  if (config_.lr_schedule == "cosine") {
    const double t = std::min(1.0, static_cast<double>(step) / config_.lr_cosine_steps);
    const double lo = config_.lr_min_factor;
    return config_.lr * (lo + (1 - lo) * 0.5 * (1 + std::cos(M_PI * t)));
  }
  return config_.lr;
}

std::vector<std::pair<std::string, double>> Trainer::trainable_parameters() const {
  return impl_->trainable;
}

double Trainer::unfreeze_factor(int64_t step) const {
  if (config_.unfreeze_after <= 0 || step < config_.unfreeze_after) return 0.0;
  if (config_.unfreeze_warmup <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(step - config_.unfreeze_after + 1) /
                           static_cast<double>(config_.unfreeze_warmup));
}

TrainStepStats Trainer::step(const TrainingBatch& batch) {
  PolicyValueNetImpl& module = net_->impl();
  const double thaw = unfreeze_factor(steps_);
  if (thaw > 0 && !impl_->thawed) {
    for (auto& p : impl_->deferred) p.set_requires_grad(true);
    impl_->thawed = true;
  }
  module.train();
  if (!impl_->thawed) {
    for (auto& m : impl_->frozen_modules) m->eval();
  }
  const int64_t n = batch.size;
  const auto device = impl_->device;
  auto to_device = [&](const std::vector<float>& v, std::vector<int64_t> shape) {
    return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).to(device);
  };
  auto input = to_device(batch.planes, {n, encoding::kNumChannels, batch.rows, batch.cols});
  auto policy_target = to_device(batch.policy, {n, batch.num_actions});
  auto value_target = to_device(batch.value, {n});
  NetOutputs out = module.forward(input);
  auto log_p = torch::log_softmax(out.policy_logits, 1);
  auto policy_loss = -(policy_target * log_p).sum(1).mean();
  auto value_loss = (out.value - value_target).square().mean();
  auto loss = policy_loss + config_.value_weight * value_loss;
  torch::Tensor ownership_loss;  // summed over the samples with a known target
  int ownership_samples = 0;
  if (config_.ownership_weight > 0 && out.ownership.defined()) {
    auto ownership_target = to_device(batch.ownership, {n, batch.rows * batch.cols});
    auto weight = to_device(batch.ownership_weight, {n});
    ownership_loss = ((out.ownership - ownership_target).square().mean(1) * weight).sum();
    loss = loss + config_.ownership_weight / static_cast<double>(n) * ownership_loss;
    for (float w : batch.ownership_weight) ownership_samples += w > 0 ? 1 : 0;
  }
  torch::Tensor opponent_loss;  // summed over the samples with a reply
  int opponent_samples = 0;
  if (config_.opponent_policy_weight > 0 && out.opponent_policy_logits.defined()) {
    auto reply_target = to_device(batch.opponent_policy, {n, batch.num_actions});
    auto weight = to_device(batch.opponent_policy_weight, {n});
    auto log_reply = torch::log_softmax(out.opponent_policy_logits, 1);
    opponent_loss = (-(reply_target * log_reply).sum(1) * weight).sum();
    loss = loss + config_.opponent_policy_weight / static_cast<double>(n) * opponent_loss;
    for (float w : batch.opponent_policy_weight) opponent_samples += w > 0 ? 1 : 0;
  }
  const double lr = lr_at(steps_);
  auto& groups = impl_->optimizer->param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].options().set_lr(lr * impl_->group_multipliers[g] *
                               (impl_->group_deferred[g] ? thaw : 1.0));
  }
  impl_->optimizer->zero_grad();
  loss.backward();
  if (after_backward_) after_backward_(*net_);
  impl_->optimizer->step();
  ++steps_;

  TrainStepStats stats;
  torch::NoGradGuard no_grad;
  stats.loss = loss.item<double>();
  stats.policy_loss = policy_loss.item<double>();
  stats.value_loss = value_loss.item<double>();
  stats.ownership_samples = ownership_samples;
  stats.ownership_loss =
      ownership_samples > 0 ? ownership_loss.item<double>() / ownership_samples : 0.0;
  stats.opponent_policy_samples = opponent_samples;
  stats.opponent_policy_loss =
      opponent_samples > 0 ? opponent_loss.item<double>() / opponent_samples : 0.0;
  stats.policy_entropy = (-(log_p.exp() * log_p).sum(1).mean()).item<double>();
  stats.lr = lr;
  module.eval();
  return stats;
}

void Trainer::save_optimizer(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive;
    impl_->optimizer->save(archive);
    archive.save_to(tmp);
  } catch (const std::exception& e) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write optimizer state '" + path + "': " + e.what());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("cannot rename '" + tmp + "': " + ec.message());
}

bool Trainer::load_optimizer(const std::string& path) {
  if (!std::filesystem::exists(path)) return false;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, impl_->device);
    impl_->optimizer->load(archive);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::shared_ptr<PolicyValueNet> clone_net(const PolicyValueNet& source,
                                          const DeviceOptions& options) {
  DeviceOptions float_options = options;
  float_options.dtype = NetDtype::kFloat32;
  auto out = std::make_shared<PolicyValueNet>(source.config(), 0, float_options);
  torch::NoGradGuard no_grad;
  auto& src = const_cast<PolicyValueNetImpl&>(source.impl());
  auto src_params = src.named_parameters(true);
  auto src_buffers = src.named_buffers(true);
  for (auto& item : out->impl().named_parameters(true)) item.value().copy_(src_params[item.key()]);
  for (auto& item : out->impl().named_buffers(true)) item.value().copy_(src_buffers[item.key()]);
  if (options.dtype != NetDtype::kFloat32) out->set_device(options);
  return out;
}

std::map<std::string, std::vector<float>> parameter_snapshot(const PolicyValueNet& net) {
  torch::NoGradGuard no_grad;
  auto& module = const_cast<PolicyValueNetImpl&>(net.impl());
  std::map<std::string, std::vector<float>> out;
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    auto cpu = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    out[name].assign(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
  };
  for (const auto& item : module.named_parameters(true)) add(item.key(), item.value());
  for (const auto& item : module.named_buffers(true)) add(item.key(), item.value());
  return out;
}

}  // namespace tenuki
