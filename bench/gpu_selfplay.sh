#!/usr/bin/env bash
# Builds tenuki against the LibTorch of an installed PyTorch 2.x (CUDA) and runs the self-play
# benchmark on the GPU: evaluations per second, mean batch size and batching efficiency
# (self-play evaluations/s over the raw forward throughput of the same net at the same batch).
# Needs no internet: Boost, Eigen and nlohmann-json headers come from Debian .deb files unpacked
# with `dpkg -x PACKAGE.deb DEPS_DIR` (libboost1.74-dev, libeigen3-dev, nlohmann-json3-dev, ...).
#
# LibTorch's CMake config of a CUDA build also needs the CUDA toolkit (nvcc, headers) installed;
# pass e.g. CUDAToolkit_ROOT=/usr/local/cuda in the environment when CMake does not find it.
#
# Usage: bench/gpu_selfplay.sh DEPS_DIR [SECONDS=60] [CONFIG=experiments/train/go9_gpu.json]
#        environment: BUILD_DIR (default build-gpu), RUN_DIR (default runs/gpu_selfplay_bench)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 ]]; then
  sed -n '2,15p' "$0" >&2
  exit 2
fi
deps="$(cd "$1" && pwd)"
seconds="${2:-60}"
config="${3:-experiments/train/go9_gpu.json}"
build_dir="${BUILD_DIR:-build-gpu}"
run_dir="${RUN_DIR:-runs/gpu_selfplay_bench}"

torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
      "available", torch.cuda.is_available())'
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv || true

# CMake finds the unpacked packages' config files under DEPS_DIR/usr (lib/<arch>/cmake/Boost-*,
# share/cmake/nlohmann_json, share/eigen3/cmake); the include folder is added for plain headers.
prefixes="$torch_prefix;$deps/usr"
for d in "$deps"/usr/lib/*/cmake "$deps"/usr/share/cmake "$deps"/usr/share/eigen3/cmake; do
  [[ -d "$d" ]] && prefixes="$prefixes;$d"
done
boost_dir=()
for d in "$deps"/usr/lib/*/cmake/Boost-*; do
  [[ -f "$d/BoostConfig.cmake" ]] && boost_dir=(-DBoost_DIR="$d")
done
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DTENUKI_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$prefixes" \
  -DBoost_INCLUDE_DIR="$deps/usr/include" "${boost_dir[@]}" \
  -DCMAKE_CXX_FLAGS="-isystem $deps/usr/include"
cmake --build "$build_dir" --target tenuki -j"$(nproc)"

rm -rf "$run_dir"
echo
echo "self-play benchmark: $config for $seconds s (no training)"
"$build_dir/tenuki" train "$config" --out "$run_dir" --selfplay-bench "$seconds"
echo
echo "metrics: $run_dir/metrics.jsonl"
tail -n 1 "$run_dir/metrics.jsonl"
