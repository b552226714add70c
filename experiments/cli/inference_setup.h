#pragma once
// The inference side of the commands that run self-play (`tenuki train`, `tenuki selfplay`):
// batching options from a training config, the nominal lock-step batch, and the start-up
// measurement that picks the fastest inference dtype ("dtype": "auto"). No LibTorch include.
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/net/batching_evaluator.h"
#include "agents/net/dtype_choice.h"
#include "agents/net/network.h"
#include "envs/game.h"
#include "selfplay/train_config.h"

namespace tenuki {

// The inference device of `config` (resolved: "auto" becomes cuda or cpu) and, in *dtypes, the
// dtypes to try there. Throws UsageError naming config.inference for an impossible choice.
DeviceOptions inference_device(const TrainConfig& config, std::vector<NetDtype>* dtypes);

// The batching service's options for `config`'s self-play workers.
BatchingOptions batching_options(const TrainConfig& config);

// The positions one lock-step iteration of every worker asks for (capped by max_batch).
int nominal_batch(const TrainConfig& config);

// The fastest of `dtypes` for inference on `options.device`: each candidate copy of `master`
// runs `planes` (n positions) in a few interleaved rounds of about `seconds` in all (a stop
// request ends the measuring early). One candidate is returned unmeasured.
NetDtype fastest_dtype(const std::vector<NetDtype>& dtypes, const PolicyValueNet& master,
                       const DeviceOptions& options, const BatchingOptions& batching,
                       const std::vector<float>& planes, int n, const Game& game, double seconds,
                       std::vector<DtypeTiming>* timings);

// Prints the start-up dtype measurement ("  dtype auto: float32 N/s bfloat16 M/s -> chosen")
// and returns its fields for the metrics line.
nlohmann::json report_dtype_choice(const std::string& setting, const DeviceOptions& chosen,
                                   int batch, const std::vector<DtypeTiming>& timings,
                                   std::ostream& out);

}  // namespace tenuki
