#!/usr/bin/env bash
# Trains from zero with a training config for a time budget and prints the learning curve: the
# win rate of the current net (search with the config's evaluation playouts) against each of the
# config's reference agents at every evaluation, beside the mean self-play game length, the
# share of passes and the first player's win rate over the self-play window at that point.
#
# Usage: bench/train_curve.sh CONFIG MINUTES RUN_DIR
# Re-running with the same RUN_DIR resumes the run up to the new budget (total minutes).
# Ctrl-C stops training cleanly (checkpoint written); the curve so far is still printed.
# bench/go_curve.sh and bench/connect_four_curve.sh call this with their games' configs.
#
# With FINAL_OPPONENT set (an agent spec), a run that has used up its budget ends with a final
# match: its final net with FINAL_VISITS visits a move (default 800) against that agent over
# FINAL_GAMES games (default 32; 0 skips it), 2 random opening plies, colours alternating, seed 7,
# two games at a time, in RUN_DIR/final_match (a stopped match resumes there). The final net is
# the mean of the run's last FINAL_AVERAGE checkpoints (default 5; 1 = the latest alone), written
# by `tenuki net-average` as RUN_DIR/final_net_avgK_<latest checkpoint> (README: Training).
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: bench/train_curve.sh CONFIG MINUTES RUN_DIR" >&2; exit 2; }
config="$(realpath -m "$1")"
minutes="$2"
run_dir="$(realpath -m "$3")"
cd "$(dirname "$0")/.."
tenuki="${TENUKI:-build/tenuki}"
final_visits="${FINAL_VISITS:-800}"
final_games="${FINAL_GAMES:-32}"
final_average="${FINAL_AVERAGE:-5}"
if [[ ! -x "$tenuki" ]]; then
  cmake -S . -B build >/dev/null
  cmake --build build --target tenuki -j"$(nproc)"
fi
if grep -q gnugo "$config" && [[ ! -x /usr/games/gnugo ]]; then
  echo "warning: /usr/games/gnugo missing (apt-get install gnugo)" >&2
fi

status=0
"$tenuki" train "$config" --out "$run_dir" --budget-minutes "$minutes" || status=$?

metrics="$run_dir/metrics.jsonl"
[[ -f "$metrics" ]] || { echo "no $metrics" >&2; exit 1; }
echo
echo "learning curve ($metrics): win rate of the net (wins + draws/2) per reference agent"
# Lines are nlohmann-json dumps: compact, keys sorted. Eval lines are written when an evaluation
# ends, so each is matched with the self-play window ending at the first train line at or after
# its snapshot's step (two passes over the file).
awk '
  function num(key,   m) { if (match($0, "\"" key "\":-?[0-9.eE+-]+")) {
      m = substr($0, RSTART, RLENGTH); sub(/^"[^"]*":/, "", m); return m } return "" }
  function str(key,   m) { if (match($0, "\"" key "\":\"([^\"\\\\]|\\\\.)*\"")) {
      m = substr($0, RSTART, RLENGTH); sub(/^"[^"]*":"/, "", m); sub(/"$/, "", m); return m }
      return "" }
  function short(spec,   l) {
    if (spec ~ /gnugo/) { l = spec; sub(/.*--level /, "", l); sub(/ .*/, "", l); return "gnugo-" l }
    return spec
  }
  FNR == NR {
    if ($0 ~ /"type":"train"/) {
      n++; tstep[n] = num("step") + 0; tlen[n] = num("mean_game_length")
      tpass[n] = num("pass_share"); tbwin[n] = num("first_player_win_rate")
    }
    if ($0 ~ /"type":"dtype"/) dtype = $0
    next
  }
  FNR == 1 { printf "%8s %7s %7s  %-22s %6s %8s %7s   %7s %6s %6s\n", "wall_min", "step", "games",
                    "opponent", "win", "W-D-L", "margin", "length", "pass%", "B-win%" }
  /"type":"eval"/ {
    step = num("step") + 0; k = 0
    for (i = 1; i <= n; i++) if (tstep[i] >= step && tstep[i] > 0) { k = i; break }
    shape = k > 0 ? sprintf("%7.1f %6.1f %6.1f", tlen[k], 100 * tpass[k], 100 * tbwin[k]) \
                  : sprintf("%7s %6s %6s", "-", "-", "-")
    margin = num("mean_area_margin"); if (margin == "") margin = "-"
    printf "%8.1f %7d %7d  %-22s %6.2f %8s %7s   %s\n", num("wall_s") / 60, step, num("games"),
           short(str("opponent")), num("win_rate"), num("wins") "-" num("draws") "-" num("losses"),
           margin, shape
  }
  END { if (dtype != "") { $0 = dtype; print "\ninference dtype: " str("chosen") " (" $0 ")" } }
' "$metrics" "$metrics"
[[ $status -eq 0 && -n "${FINAL_OPPONENT:-}" && "$final_games" -gt 0 ]] || exit "$status"

# The final match, once the budget is spent (state.json's wall_seconds, the run's own clock).
state="$run_dir/state.json"
wall_s="$(sed -n 's/^ *"wall_seconds": *\([0-9.eE+-]*\),\{0,1\}$/\1/p' "$state")"
if ! awk -v w="${wall_s:-0}" -v m="$minutes" 'BEGIN { exit !(w >= 60 * m) }'; then
  echo "no final match: the run stopped before its $minutes minutes (resume to finish it)"
  exit 0
fi
checkpoint="$run_dir/$(sed -n 's/^ *"latest_checkpoint": *"\(.*\)",\{0,1\}$/\1/p' "$state")"
if [[ "$final_average" -gt 1 ]]; then
  # Zero-padded step numbers: the glob's name order is step order, the latest checkpoint last.
  recent=("$run_dir"/checkpoints/step_*.ckpt)
  if [[ ${#recent[@]} -gt "$final_average" ]]; then recent=("${recent[@]: -$final_average}"); fi
  if [[ ${#recent[@]} -gt 1 ]]; then
    averaged="$run_dir/final_net_avg${#recent[@]}_$(basename "$checkpoint")"
    [[ -f "$averaged" ]] || "$tenuki" net-average "${recent[@]}" --out "$averaged"
    checkpoint="$averaged"
  fi
fi
game="$(sed -n 's/^  "game": *"\(.*\)",\{0,1\}$/\1/p' "$run_dir/config.json")"
echo
echo "final match: $checkpoint with $final_visits visits against $FINAL_OPPONENT"
"$tenuki" tournament "$game" \
  --agents "net(model=$checkpoint,visits=$final_visits),$FINAL_OPPONENT" \
  --format gauntlet --games-per-pair "$final_games" --opening-plies 2 \
  --concurrency 2 --seed 7 --out "$run_dir/final_match"
