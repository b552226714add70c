#include "experiments/cli/inference_setup.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <ostream>

#include "experiments/cli/args.h"
#include "experiments/cli/stop_signals.h"
#include "selfplay/trainer.h"

namespace tenuki {

DeviceOptions inference_device(const TrainConfig& config, std::vector<NetDtype>* dtypes) {
  DeviceOptions options;
  try {
    options.device = resolve_device_name(config.inference.device);
    *dtypes = dtype_candidates(config.inference.dtype, options.device != "cpu");
  } catch (const std::exception& e) {
    throw UsageError(std::string("config: inference: ") + e.what());
  }
  return options;
}

BatchingOptions batching_options(const TrainConfig& config) {
  BatchingOptions batching;
  batching.max_batch = config.inference.max_batch;
  batching.wait_ms = config.inference.wait_ms;
  batching.cache_positions = static_cast<size_t>(config.inference.cache_positions);
  batching.expected_clients =
      config.inference.merge_workers > 0
          ? std::min(config.inference.merge_workers, config.selfplay.workers)
          : config.selfplay.workers;
  return batching;
}

int nominal_batch(const TrainConfig& config) {
  return std::min(config.inference.max_batch,
                  config.selfplay.workers * config.selfplay.games_per_worker *
                      std::min(config.search.leaves_per_batch, config.search.playouts));
}

// The fastest of `dtypes` for inference on `options.device`: each candidate copy of `master`
// runs `planes` (n positions) in a few interleaved rounds of about `seconds` in all (a stop
// request ends the measuring early). One candidate is returned unmeasured.
NetDtype fastest_dtype(const std::vector<NetDtype>& dtypes, const PolicyValueNet& master,
                       const DeviceOptions& options, const BatchingOptions& batching,
                       const std::vector<float>& planes, int n, const Game& game, double seconds,
                       std::vector<DtypeTiming>* timings) {
  if (dtypes.size() == 1) return dtypes.front();
  std::vector<std::unique_ptr<BatchingEvaluator>> probes;
  for (NetDtype dtype : dtypes) {
    DeviceOptions o = options;
    o.dtype = dtype;
    probes.push_back(std::make_unique<BatchingEvaluator>(clone_net(master, o), batching));
  }
  constexpr int kRounds = 3;
  return pick_fastest_dtype(
      dtypes,
      [&](NetDtype dtype) {
        if (g_stop_requested.load()) return 0.0;
        const size_t i = std::find(dtypes.begin(), dtypes.end(), dtype) - dtypes.begin();
        return probes[i]->benchmark_forward(planes, n, game.rows(), game.cols(), seconds / kRounds);
      },
      kRounds, timings);
}

// Prints the start-up dtype measurement ("  dtype auto: float32 N/s bfloat16 M/s -> chosen")
// and returns its fields for the metrics line.
nlohmann::json report_dtype_choice(const std::string& setting, const DeviceOptions& chosen,
                                   int batch, const std::vector<DtypeTiming>& timings,
                                   std::ostream& out) {
  out << "  dtype " << setting << ":";
  nlohmann::json line = {{"setting", setting},
                         {"chosen", net_dtype_name(chosen.dtype)},
                         {"batch", batch},
                         {"device", chosen.device}};
  for (const auto& t : timings) {
    out << " " << net_dtype_name(t.dtype) << " ";
    if (t.error.empty()) {
      out << t.positions_per_second << "/s";
    } else {
      out << "failed (" << t.error << ")";
      line["errors"][net_dtype_name(t.dtype)] = t.error;
    }
    line["positions_per_s"][net_dtype_name(t.dtype)] = std::round(t.positions_per_second * 10) / 10;
  }
  out << " -> " << net_dtype_name(chosen.dtype) << "\n";
  return line;
}

}  // namespace tenuki
