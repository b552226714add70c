#include "experiments/cli/build_info.h"

#if TENUKI_WITH_TORCH
#include <torch/cuda.h>
#include <torch/version.h>
#endif

#ifndef TENUKI_VERSION
#define TENUKI_VERSION "0.1"
#endif
#ifndef CMAKE_BUILD_TYPE_NAME
#define CMAKE_BUILD_TYPE_NAME "unknown"
#endif
#ifndef TENUKI_GIT_COMMIT
#define TENUKI_GIT_COMMIT "unknown"
#endif

namespace tenuki {

std::string git_commit() {
  const std::string commit = TENUKI_GIT_COMMIT;
  return commit.empty() ? "unknown" : commit;
}

std::string build_info() {
  std::string text = std::string("tenuki ") + TENUKI_VERSION + "\n";
  text += "commit: " + git_commit() + "\n";
#if TENUKI_WITH_TORCH
  const bool cuda = torch::cuda::is_available();
  text += std::string("libtorch: ") + TORCH_VERSION + "\n";
  text += "device: " +
          (cuda ? "cuda (" + std::to_string(torch::cuda::device_count()) + " device(s))"
                : std::string("cpu (no CUDA device)")) +
          "\n";
#else
  text += "libtorch: none (built with TENUKI_WITH_TORCH=OFF)\ndevice: cpu\n";
#endif
#if defined(__clang__)
  text += std::string("compiler: clang ") + __clang_version__ + "\n";
#elif defined(__GNUC__)
  text += std::string("compiler: gcc ") + __VERSION__ + "\n";
#else
  text += "compiler: unknown\n";
#endif
  text += "build: " CMAKE_BUILD_TYPE_NAME "\n";
  return text;
}

}  // namespace tenuki
