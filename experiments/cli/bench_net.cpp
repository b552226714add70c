#include "experiments/cli/bench_net.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "agents/net/checkpoint.h"
#include "agents/net/dtype_choice.h"
#include "agents/net/network.h"
#include "envs/encoding.h"
#include "envs/registry.h"
#include "envs/util/random.h"

namespace tenuki {
namespace {

std::vector<int> parse_int_list(const std::string& flag, const std::string& text, int min,
                                int max) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    Args one({"--" + flag, item}, {flag}, {});
    out.push_back(static_cast<int>(one.get_int(flag, 0, min, max)));
  }
  if (out.empty()) throw UsageError("--" + flag + " needs a comma-separated list");
  return out;
}

// `count` encoded Go positions of a size x size board, each a few random moves into a game.
std::vector<float> random_positions(int size, int count, uint64_t seed) {
  auto game = make_game("go(size=" + std::to_string(size) + ")");
  const size_t floats = static_cast<size_t>(encoding::kNumChannels) * size * size;
  std::vector<float> out(floats * count);
  Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    auto state = game->new_initial_state();
    const int moves = static_cast<int>(rng.below(static_cast<uint32_t>(size * size / 2)));
    for (int m = 0; m < moves && !state->is_terminal(); ++m) {
      state->apply_action(state->sample_playout_action(rng));
    }
    encoding::encode(*state, size, size, out.data() + floats * i);
  }
  return out;
}

}  // namespace

std::set<std::string> bench_net_flags() {
  return {"blocks",  "channels", "threads", "dtype",     "device",
          "seconds", "batches",  "sizes",   "lz-weights"};
}

int cmd_bench_net(const Args& args, std::ostream& out) {
  NetworkConfig config;
  config.blocks = static_cast<int>(args.get_int("blocks", 6, 1, 64));
  config.channels = static_cast<int>(args.get_int("channels", 64, 8, 1024));
  if (args.has("lz-weights")) {
    const std::string path = args.get("lz-weights", "");
    write_leela_zero_weights(path, config.blocks, config.channels, 1);
    out << "wrote a random Leela Zero network (" << config.blocks << " blocks x " << config.channels
        << " filters) to " << path << "\n";
    return 0;
  }
  const int threads = static_cast<int>(args.get_int("threads", 2, 1, 1024));
  const double seconds = args.get_double("seconds", 1.0, 0.01, 3600);
  const std::vector<int> batches =
      parse_int_list("batches", args.get("batches", "1,8,32,128"), 1, 4096);
  const std::vector<int> sizes = parse_int_list("sizes", args.get("sizes", "9,19"), 2, 19);
  DeviceOptions options;
  options.threads = threads;
  std::vector<NetDtype> dtypes;
  try {
    options.device = resolve_device_name(args.get("device", "auto"));
    dtypes = dtype_candidates(args.get("dtype", "auto"), options.device != "cpu");
  } catch (const std::exception& e) {
    throw UsageError(std::string("--device/--dtype: ") + e.what());
  }
  tune_allocator_for_inference();
  std::vector<std::unique_ptr<PolicyValueNet>> nets;
  for (NetDtype dtype : dtypes) {
    options.dtype = dtype;
    nets.push_back(std::make_unique<PolicyValueNet>(config, 1, options));
  }
  out << "network " << config.summary() << " (" << nets[0]->parameter_count() << " parameters) on "
      << nets[0]->device_name() << ", " << threads
      << " thread(s); positions per second, best of 3 rounds in " << seconds << " s per cell\n";
  // Columns: every size x dtype, then (with several dtypes) each dtype's speed over float32's.
  out << std::setw(8) << "batch";
  for (int size : sizes) {
    for (NetDtype dtype : dtypes) {
      out << std::setw(16)
          << (std::to_string(size) + "x" + std::to_string(size) + " " + net_dtype_name(dtype));
    }
  }
  if (dtypes.size() > 1) {
    for (int size : sizes) {
      for (size_t d = 1; d < dtypes.size(); ++d) {
        out << std::setw(20)
            << (std::to_string(size) + " " + net_dtype_name(dtypes[d]) + "/" +
                net_dtype_name(dtypes[0]));
      }
    }
  }
  out << "\n";
  // rates[batch][size][dtype]
  std::vector<std::vector<std::vector<double>>> rates(
      batches.size(),
      std::vector<std::vector<double>>(sizes.size(), std::vector<double>(dtypes.size())));
  for (size_t s = 0; s < sizes.size(); ++s) {
    const int size = sizes[s];
    const int max_batch = *std::max_element(batches.begin(), batches.end());
    const std::vector<float> input = random_positions(size, max_batch, 7);
    const size_t cells = static_cast<size_t>(size) * size;
    std::vector<float> logits(max_batch * (cells + 1)), values(max_batch);
    for (size_t b = 0; b < batches.size(); ++b) {
      const int batch = batches[b];
      for (size_t d = 0; d < dtypes.size(); ++d) {
        const PolicyValueNet& net = *nets[d];
        // Best of three rounds: other load on the machine only ever slows a round down. A dtype
        // the CPU library cannot run (no kernels) reads 0 and is printed as n/a.
        double best = 0;
        try {
          net.forward(input.data(), batch, size, size, logits.data(), values.data(), nullptr);
          for (int round = 0; round < 3; ++round) {
            const auto start = std::chrono::steady_clock::now();
            int64_t positions = 0;
            double elapsed = 0;
            do {
              net.forward(input.data(), batch, size, size, logits.data(), values.data(), nullptr);
              positions += batch;
              elapsed =
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            } while (elapsed < seconds / 3);
            best = std::max(best, positions / elapsed);
          }
        } catch (const std::exception&) {
          best = 0;
        }
        rates[b][s][d] = best;
      }
    }
  }
  for (size_t b = 0; b < batches.size(); ++b) {
    out << std::setw(8) << batches[b];
    for (size_t s = 0; s < sizes.size(); ++s) {
      for (size_t d = 0; d < dtypes.size(); ++d) {
        if (rates[b][s][d] > 0) {
          out << std::setw(16) << std::fixed << std::setprecision(0) << rates[b][s][d];
        } else {
          out << std::setw(16) << "n/a";
        }
      }
    }
    if (dtypes.size() > 1) {
      for (size_t s = 0; s < sizes.size(); ++s) {
        for (size_t d = 1; d < dtypes.size(); ++d) {
          if (rates[b][s][d] > 0 && rates[b][s][0] > 0) {
            out << std::setw(20) << std::fixed << std::setprecision(2)
                << rates[b][s][d] / rates[b][s][0];
          } else {
            out << std::setw(20) << "n/a";
          }
        }
      }
    }
    out << "\n";
  }
  return 0;
}

void write_leela_zero_weights(const std::string& path, int blocks, int filters, uint64_t seed) {
  constexpr int kInputPlanes = 18, kSquares = 361, kValueHidden = 256;
  if (blocks < 1 || filters < 1) throw std::invalid_argument("LZ weights: blocks, filters >= 1");
  std::ofstream file(path);
  if (!file) throw std::runtime_error("cannot write '" + path + "'");
  Rng rng(seed);
  char buf[32];
  // One line of n uniform values with standard deviation sqrt(gain / fan_in).
  auto random_line = [&](size_t n, size_t fan_in, double gain) {
    const double bound = std::sqrt(3.0 * gain / static_cast<double>(fan_in));
    for (size_t i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "%.5g", (2.0 * rng.uniform() - 1.0) * bound);
      if (i) file << ' ';
      file << buf;
    }
    file << '\n';
  };
  auto constant_line = [&](size_t n, const char* value) {
    for (size_t i = 0; i < n; ++i) file << (i ? " " : "") << value;
    file << '\n';
  };
  // A convolution: weights [out][in][k][k], biases, batch-norm means, batch-norm variances.
  auto conv = [&](int in, int out, int kernel) {
    random_line(static_cast<size_t>(out) * in * kernel * kernel,
                static_cast<size_t>(in) * kernel * kernel, 2.0);
    constant_line(out, "0");
    constant_line(out, "0");
    constant_line(out, "1");
  };
  file << "1\n";
  conv(kInputPlanes, filters, 3);
  for (int b = 0; b < blocks; ++b) {
    conv(filters, filters, 3);
    conv(filters, filters, 3);
  }
  // Policy head: 1x1 conv to 2 filters, then a fully connected layer 2*361 -> 362.
  conv(filters, 2, 1);
  random_line(static_cast<size_t>(kSquares + 1) * 2 * kSquares, 2 * kSquares, 1.0);
  constant_line(kSquares + 1, "0");
  // Value head: 1x1 conv to 1 filter, then 361 -> 256 -> 1.
  conv(filters, 1, 1);
  random_line(static_cast<size_t>(kValueHidden) * kSquares, kSquares, 2.0);
  constant_line(kValueHidden, "0");
  random_line(kValueHidden, kValueHidden, 1.0);
  constant_line(1, "0");
  file.close();
  if (!file) throw std::runtime_error("error writing '" + path + "'");
}

int cmd_net_init(const Args& args, std::ostream& out) {
  if (args.positional().size() != 1) throw UsageError("usage: tenuki net-init OUT.ckpt [--game G]");
  NetworkConfig config;
  if (args.has("config")) {
    try {
      config = nlohmann::json::parse(args.get("config", "{}")).get<NetworkConfig>();
    } catch (const std::exception& e) {
      throw UsageError(std::string("--config: ") + e.what());
    }
  }
  config.blocks = static_cast<int>(args.get_int("blocks", config.blocks, 1, 64));
  config.channels = static_cast<int>(args.get_int("channels", config.channels, 8, 1024));
  auto game = make_game(args.get("game", "go(size=9)"));
  PolicyValueNet net(config, static_cast<uint64_t>(args.get_int("seed", 1, 0, 1L << 62)));
  CheckpointMeta meta;
  meta.game_spec = game->spec();
  meta.derivation = "random initialisation";
  save_checkpoint(args.positional()[0], net, meta);
  out << "wrote " << args.positional()[0] << ": " << config.summary() << ", "
      << net.parameter_count() << " parameters, for " << game->spec() << "\n";
  return 0;
}

}  // namespace tenuki
