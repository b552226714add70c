#!/usr/bin/env bash
# Side-by-side search speed: Leela Zero 0.17 (`leelaz --cpu-only --benchmark`) against tenuki's
# network + MCTS, both with a random-weight 6-block, 64-filter network on 19x19 Go, the same
# number of visits and the same number of threads. Prints both rates and their ratio for float32
# through LibTorch, float32 through tenuki's Winograd forward pass (float32-winograd; Leela Zero's
# CPU path is float32 Winograd too), then bfloat16 when the CPU has AVX-512 BF16 (Leela Zero's CPU
# path has no reduced precision).
#   bench/leela_zero_compare.sh [BUILD_DIR] [VISITS] [THREADS]
# To approximate an AVX2-only CPU on an AVX-512 one, run it under
#   ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=Haswell \
#   TENUKI_CPU_LEVEL=x86-64-v3
# (oneDNN, ATen and tenuki's Winograd loops for tenuki, OpenBLAS's kernels for both).
set -euo pipefail
build=${1:-build}
visits=${2:-800}
threads=${3:-2}
leelaz=$(command -v leelaz || echo /usr/games/leelaz)
[ -x "$leelaz" ] || { echo "leelaz not found (apt-get install leela-zero)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build"/tenuki bench net --lz-weights "$work/lz_6x64.txt" --blocks 6 --channels 64 >/dev/null
"$build"/tenuki net-init "$work/tenuki_6x64.ckpt" --game 'go(size=19)' --blocks 6 --channels 64 >/dev/null

echo "== Leela Zero 0.17: -t $threads -v $visits, 6x64 random weights, 19x19"
lz_out=$("$leelaz" --cpu-only --benchmark -t "$threads" -v "$visits" -w "$work/lz_6x64.txt" 2>&1 || true)
echo "$lz_out" | grep -E "visits, .* n/s" | tail -1
lz_rate=$(echo "$lz_out" | grep -E "visits, .* n/s" | tail -1 | sed -E 's/.* ([0-9.]+) n\/s.*/\1/')

dtypes=(float32 float32-winograd)
if grep -q avx512_bf16 /proc/cpuinfo && [[ "${ONEDNN_MAX_CPU_ISA:-}" != AVX2 ]]; then
  dtypes+=(bfloat16)
fi
echo "== tenuki: $threads LibTorch threads, $visits playouts per search, 6x64, 19x19"
for dtype in "${dtypes[@]}"; do
  for leaves in 8 16; do
    line=$("$build"/tenuki bench mcts 'go(size=19)' --model "$work/tenuki_6x64.ckpt" \
      --threads "$threads" --dtype "$dtype" --playouts "$visits" --leaves "$leaves" --seconds 20)
    echo "$line"
    rate=$(echo "$line" | sed -E 's/.*: ([0-9]+) simulations\/s.*/\1/')
    awk -v a="$rate" -v b="$lz_rate" -v l="$leaves" -v d="$dtype" \
      'BEGIN { if (b > 0) printf "ratio tenuki/leelaz (%s, leaves/batch %d): %.2f\n", d, l, a / b }'
  done
done
