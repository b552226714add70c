#!/usr/bin/env bash
# One-command set-up for tenuki on Debian 12.
#   ./setup.sh demo   installs what is missing, builds, plays a demo game and runs the quickstart
#                     experiment (experiments/quickstart.json) into $DEMO_DIR (runs/quickstart)
#   ./setup.sh test   installs what is missing, builds, and runs the whole test suite
#   ./setup.sh build  installs what is missing and builds
#   ./setup.sh lint   checks that every C++ file is formatted as .clang-format says (clang-format)
#   ./setup.sh sanitize  quick tests under AddressSanitizer + UndefinedBehaviorSanitizer (clang,
#                     without the LibTorch parts), the fuzz targets for $FUZZ_SECONDS each
#                     (default 20), and the threaded tests under ThreadSanitizer
# Runs apt-get through sudo when not root. Build type and folder: $BUILD_TYPE (Release), $BUILD_DIR (build).
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-build}
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libopenblas0-openmp libblas-dev libgloo-dev python3-torch slurm-wlm
  libboost-dev libeigen3-dev nlohmann-json3-dev catch2 libcli11-dev
  gnugo grhino leela-zero
  gnuplot-nox chromium
  clang libclang-rt-14-dev clang-format
)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all packages present"
    return
  fi
  echo "setup: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" ${CMAKE_ARGS:-}
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

case "$mode" in
  build)
    install_missing
    build
    ;;
  demo)
    install_missing
    build
    "$BUILD_DIR"/tenuki play connect_four --agents 'mcts(playouts=400)',random --games 2
    # The main command: Go pretraining versus scratch on Go 7x7 and Connect Four (about 10-15
    # minutes on 2 CPU cores); resumes if stopped; prints where the report is.
    "$BUILD_DIR"/tenuki experiment run experiments/quickstart.json --out "${DEMO_DIR:-runs/quickstart}"
    ;;
  test)
    install_missing
    build
    # The whole suite, [slow] tests included; `ctest --test-dir build -LE slow` is the quick run.
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"
    ;;
  lint)
    install_missing
    # Every tracked C++ file as clang-format (Debian 12: version 14) would write it.
    git ls-files -z '*.cpp' '*.h' | xargs -0 clang-format --dry-run --Werror
    echo "lint: $(git ls-files '*.cpp' '*.h' | wc -l) files formatted"
    ;;
  sanitize)
    install_missing
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    # AddressSanitizer + UBSan with clang, the fuzz targets as libFuzzer programs. Debian's
    # LibTorch headers do not compile with clang 14 in C++20 mode, so this build leaves the
    # LibTorch parts out (the checkpoint parser has no LibTorch and is fuzzed here too).
    CC=clang CXX=clang++ cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DTENUKI_SANITIZE=address,undefined -DTENUKI_FUZZ=ON \
      -DTENUKI_WITH_TORCH=OFF
    cmake --build build-fuzz -j "$(nproc)"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ctest --test-dir build-fuzz -LE slow --output-on-failure -j "$(nproc)"
    fuzz_seconds=${FUZZ_SECONDS:-20}
    for target in build-fuzz/tests/fuzz/fuzz_*; do
      name=$(basename "$target" | sed 's/^fuzz_//')
      scratch=$(mktemp -d)
      echo "fuzz: $name for ${fuzz_seconds}s"
      if ! "$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 -rss_limit_mb=4096 \
        "$scratch" "tests/fuzz/corpus/$name" > "$scratch.log" 2>&1; then
        tail -40 "$scratch.log" >&2
        echo "fuzz: $name found a failure (the input is saved as crash-* in $PWD)" >&2
        exit 1
      fi
      grep -E "stat::number_of_executed_units|stat::new_units_added" "$scratch.log" || true
      rm -rf "$scratch" "$scratch.log"
    done
    # ThreadSanitizer on the threaded parts: tournament scheduler, batching service, self-play
    # workers and trainer (LibTorch limited to one thread there).
    cmake -S . -B build-tsan "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DTENUKI_SANITIZE=thread
    cmake --build build-tsan -j "$(nproc)" --target tenuki_tests_experiments tenuki
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/tests/tenuki_tests_experiments "[threads]"
    ;;
  *)
    echo "usage: ./setup.sh demo|test|build|lint|sanitize" >&2
    exit 2
    ;;
esac
