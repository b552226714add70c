#!/usr/bin/env bash
# Trains Connect Four from zero with experiments/train/connect_four.json for a time budget and
# prints the learning curve (win rate of the current net against the config's reference agents,
# rollout MCTS with 1000 playouts) from RUN_DIR/metrics.jsonl.
#
# Usage: bench/connect_four_curve.sh [MINUTES=60] [RUN_DIR=runs/c4] [CONFIG]
# Re-running with the same RUN_DIR resumes the run up to the new budget (total minutes).
# Ctrl-C stops training cleanly (checkpoint written); the curve so far is still printed.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-60}"
run_dir="${2:-runs/c4}"
config="${3:-experiments/train/connect_four.json}"
tenuki="${TENUKI:-build/tenuki}"
if [[ ! -x "$tenuki" ]]; then
  cmake -S . -B build >/dev/null
  cmake --build build --target tenuki -j1
fi

status=0
"$tenuki" train "$config" --out "$run_dir" --budget-minutes "$minutes" || status=$?

metrics="$run_dir/metrics.jsonl"
[[ -f "$metrics" ]] || { echo "no $metrics" >&2; exit 1; }
echo
echo "learning curve ($metrics): win rate of the net (wins + draws/2) per reference agent"
printf '%9s %8s %8s  %-28s %8s %s\n' wall_min step games opponent win_rate "W-D-L"
# Lines are nlohmann-json dumps: compact, keys sorted.
awk '
  function num(key,   m) { if (match($0, "\"" key "\":-?[0-9.eE+-]+")) {
      m = substr($0, RSTART, RLENGTH); sub(/^"[^"]*":/, "", m); return m } return "" }
  function str(key,   m) { if (match($0, "\"" key "\":\"([^\"\\\\]|\\\\.)*\"")) {
      m = substr($0, RSTART, RLENGTH); sub(/^"[^"]*":"/, "", m); sub(/"$/, "", m); return m }
      return "" }
  /"type":"eval"/ {
    printf "%9.1f %8d %8d  %-28s %8.2f %s-%s-%s\n", num("wall_s") / 60, num("step"),
           num("games"), str("opponent"), num("win_rate"), num("wins"), num("draws"),
           num("losses")
  }
  /"type":"train"/ { last = $0 }
  END {
    if (last != "") {
      $0 = last
      printf "\nlast train line: step %d, games %d, %.1f games/s, %.0f evals/s, batch %.1f, " \
             "batching efficiency %.2f (raw %.0f/s)\n", num("step"), num("games"),
             num("games_per_s"), num("evals_per_s"), num("mean_batch"),
             num("batching_efficiency"), num("raw_evals_per_s")
    }
  }' "$metrics"
exit "$status"
