#include "selfplay/distributed/learner_group.h"

#include <torch/torch.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <vector>
#ifdef USE_C10D_NCCL  // PyTorch's CUDA LibTorch; Debian's has Gloo only
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "agents/net/network_torch.h"
#include "envs/util/input_error.h"

namespace tenuki {
namespace {

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }
std::string text_of(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }

// The first line of a c10d error (its messages carry a C++ backtrace after it).
std::string first_line(const std::string& what) { return what.substr(0, what.find('\n')); }

bool is_loopback(const std::string& addr) {
  return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

}  // namespace

struct LearnerGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;  // CPU tensors, and CUDA ones without NCCL
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;  // CUDA tensors, when CUDA is available
#endif

  // Runs `collective(group)` on the backend that carries `tensor`'s device. Every rank holds its
  // net on the same kind of device (one config), so all ranks pick the same backend.
  template <class Collective>
  void run_for(const at::Tensor& tensor, Collective&& collective) {
#ifdef USE_C10D_NCCL
    if (tensor.is_cuda() && nccl) {
      collective(*nccl);
      return;
    }
#endif
    collective(*gloo);
  }
};

LearnerGroup::LearnerGroup(const LaunchEnv& env, const LearnerGroupOptions& options)
    : impl_(std::make_unique<Impl>()), rank_(env.rank), world_size_(env.world_size) {
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  const std::string me =
      "learner rank " + std::to_string(rank_) + " of " + std::to_string(world_size_);
  const double seconds = options.timeout.count() / 1000.0;
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<uint16_t>(env.master_port);
  store_options.isServer = rank_ == 0 && !env.agent_store;
  store_options.numWorkers = world_size_;
  store_options.waitWorkers = false;  // the token exchange below waits, with its own messages
  store_options.timeout = options.timeout;
  c10::intrusive_ptr<c10d::Store> tcp;
  try {
    tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
  } catch (const std::exception& e) {
    throw InputError(me + ": " +
                     (store_options.isServer ? "cannot serve the rendezvous on port " +
                                                   std::to_string(env.master_port) + " (in use?)"
                                             : "no rendezvous at " + where + " within " +
                                                   std::to_string(seconds) + " s") +
                     ": " + first_line(e.what()));
  }
  impl_->store = c10::make_intrusive<c10d::PrefixStore>(
      "tenuki/generation_" + std::to_string(env.generation), tcp);
  c10d::Store& store = *impl_->store;

  // Tokens first: a stranger is refused before it can join a collective.
  try {
    store.set("token/" + std::to_string(rank_), bytes_of(options.run_token));
    if (rank_ == 0) {
      std::string verdict = "ok";
      for (int r = 1; r < world_size_; ++r) {
        const std::string key = "token/" + std::to_string(r);
        store.wait({key}, options.timeout);
        if (text_of(store.get(key)) != options.run_token) {
          verdict = "rank " + std::to_string(r) + " belongs to another run";
          break;
        }
      }
      store.set("verdict", bytes_of(verdict));
      // Every rank reads the verdict before rank 0 (and its store) may go.
      for (int r = 1; r < world_size_; ++r)
        store.wait({"seen/" + std::to_string(r)}, options.timeout);
      if (verdict != "ok") throw InputError(me + ": refused " + verdict + " (run token differs)");
    } else {
      store.wait({"verdict"}, options.timeout);
      const std::string verdict = text_of(store.get("verdict"));
      store.set("seen/" + std::to_string(rank_), bytes_of("1"));
      if (verdict == "rank " + std::to_string(rank_) + " belongs to another run") {
        throw InputError(me + ": the rendezvous at " + where +
                         " belongs to another run (run token differs)");
      }
      if (verdict != "ok") throw InputError(me + ": rank 0 refused the group: " + verdict);
    }
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(me + ": not every rank came to " + where + " within " +
                     std::to_string(seconds) + " s: " + first_line(e.what()));
  }

  auto gloo = c10d::ProcessGroupGloo::Options::create(options.timeout);
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  if (interface && *interface) {
    gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  } else if (is_loopback(env.master_addr)) {
    gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    gloo->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  gloo->threads = 2;
  try {
    impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gloo/", impl_->store), rank_, world_size_, gloo);
  } catch (const std::exception& e) {
    throw InputError(me + ": the Gloo group did not form within " + std::to_string(seconds) +
                     " s: " + first_line(e.what()));
  }
#ifdef USE_C10D_NCCL
  // NCCL forms its communicators at the first collective, on the device of its tensors.
  if (torch::cuda::is_available()) {
    auto nccl = c10d::ProcessGroupNCCL::Options::create();
    nccl->timeout = options.timeout;
    impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(
        c10::make_intrusive<c10d::PrefixStore>("nccl/", impl_->store), rank_, world_size_, nccl);
  }
#endif
}

LearnerGroup::~LearnerGroup() = default;

void LearnerGroup::broadcast_from_rank0(PolicyValueNet& net) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors;
  for (auto& p : net.impl().parameters(true)) tensors.push_back(p);
  for (auto& b : net.impl().buffers(true)) tensors.push_back(b);
  try {
    for (auto& t : tensors) {
      std::vector<at::Tensor> one = {t};
      impl_->run_for(t, [&](auto& group) { group.broadcast(one)->wait(); });
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(
        "learner rank " + std::to_string(rank_) +
        ": broadcast of rank 0's weights failed (a rank gone?): " + first_line(e.what()));
  }
}

std::string LearnerGroup::share_from_rank0(const std::string& value) {
  try {
    std::vector<at::Tensor> size = {
        torch::full({1}, static_cast<int64_t>(value.size()), torch::kInt64)};
    impl_->gloo->broadcast(size)->wait();
    const int64_t n = size[0].item<int64_t>();
    if (n == 0) return "";
    std::vector<at::Tensor> bytes = {torch::empty({n}, torch::kUInt8)};
    if (rank_ == 0) std::memcpy(bytes[0].data_ptr<uint8_t>(), value.data(), value.size());
    impl_->gloo->broadcast(bytes)->wait();
    return std::string(reinterpret_cast<const char*>(bytes[0].data_ptr<uint8_t>()), n);
  } catch (const std::exception& e) {
    throw std::runtime_error(
        "learner rank " + std::to_string(rank_) +
        ": exchange with rank 0 failed (a rank gone?): " + first_line(e.what()));
  }
}

void LearnerGroup::average_gradients(PolicyValueNet& net) {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (auto& p : net.impl().parameters(true)) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return;
  std::vector<at::Tensor> flat_views;
  for (auto& g : grads) flat_views.push_back(g.reshape({-1}));
  std::vector<at::Tensor> buffer = {torch::cat(flat_views)};
  try {
    impl_->run_for(buffer[0], [&](auto& group) { group.allreduce(buffer)->wait(); });
  } catch (const std::exception& e) {
    throw std::runtime_error(
        "learner rank " + std::to_string(rank_) +
        ": gradient all-reduce failed (a rank gone?): " + first_line(e.what()));
  }
  buffer[0].div_(world_size_);
  int64_t offset = 0;
  for (auto& g : grads) {
    const int64_t n = g.numel();
    g.copy_(buffer[0].narrow(0, offset, n).view_as(g));
    offset += n;
  }
  ++all_reduces_;
  last_bytes_ = buffer[0].numel() * static_cast<int64_t>(buffer[0].element_size());
  all_reduce_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace tenuki
