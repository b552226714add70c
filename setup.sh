#!/usr/bin/env bash
# One-command set-up for tenuki on Debian 12.
#   ./setup.sh demo   installs what is missing, builds, and plays a few demo games
#   ./setup.sh test   installs what is missing, builds, and runs the whole test suite
#   ./setup.sh build  installs what is missing and builds
# Runs apt-get through sudo when not root. Build type and folder: $BUILD_TYPE (Release), $BUILD_DIR (build).
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-build}
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libopenblas0-openmp
  libboost-dev libeigen3-dev nlohmann-json3-dev catch2
  gnugo grhino leela-zero
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
    "$BUILD_DIR"/tenuki play 'go(size=9,komi=7.5)' --agents random,random --games 2 --show
    "$BUILD_DIR"/tenuki play connect_four --agents random,random --games 4
    "$BUILD_DIR"/tenuki bench rules --seconds 0.5
    ;;
  test)
    install_missing
    build
    # The whole suite, [slow] tests included; `ctest --test-dir build -LE slow` is the quick run.
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"
    ;;
  *)
    echo "usage: ./setup.sh demo|test|build" >&2
    exit 2
    ;;
esac
