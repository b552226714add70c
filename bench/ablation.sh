#!/usr/bin/env bash
# Ablation at equal minutes: trains from zero once per arm, each arm being the base training
# config with one JSON merge patch applied (RFC 7386: objects merge, other values replace), for
# the same wall-clock budget; evaluates only the start and the final net (the config's
# evaluation agents and games) and prints one row per arm: evaluations/s, games/s, training steps,
# mean batch, batching efficiency (the rates of each arm's last session) and the final win rate
# against each reference agent (W-D-L, then, in Go and Othello, the mean area margin of the
# net's games: its cells minus the opponent's at the end).
#
# Usage: bench/ablation.sh CONFIG MINUTES OUT_DIR NAME='PATCH' [NAME='PATCH' ...]
#   bench/ablation.sh experiments/train/go7.json 16 runs/ablation base='{}' \
#     no_forced='{"search":{"forced_playouts":false}}' \
#     value_mix='{"replay":{"search_value_weight":0.5}}'
# An arm whose run folder exists resumes up to MINUTES (Ctrl-C stops the arm in progress
# cleanly); run it alone on the machine: arms compared at equal minutes share the cores with
# nothing else.
set -euo pipefail
[[ $# -ge 4 ]] || {
  echo "usage: bench/ablation.sh CONFIG MINUTES OUT_DIR NAME='PATCH' [NAME='PATCH' ...]" >&2
  exit 2
}
config="$(realpath -m "$1")"
minutes="$2"
out="$(realpath -m "$3")"
shift 3
cd "$(dirname "$0")/.."
tenuki="${TENUKI:-build/tenuki}"
[[ -x "$tenuki" ]] || { echo "no $tenuki (./setup.sh build)" >&2; exit 2; }
mkdir -p "$out"

names=()
for arm in "$@"; do
  name="${arm%%=*}"
  patch="${arm#*=}"
  [[ "$name" != "$arm" && "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || {
    echo "arm '$arm': expected NAME='JSON merge patch'" >&2
    exit 2
  }
  python3 - "$config" "$patch" "$minutes" "$out/$name.json" <<'PY'
import json, os, sys
base_path, patch_text, minutes, out_path = sys.argv[1:]
def merge(target, patch):
    if not isinstance(patch, dict):
        return patch
    target = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = merge(target.get(key), value)
    return target
try:
    patch = json.loads(patch_text)
except json.JSONDecodeError as e:
    sys.exit(f"arm patch {patch_text!r}: {e}")
config = merge(json.load(open(base_path)), patch)
evaluation = config.get("evaluation", {})
if evaluation.get("agents"):
    evaluation.pop("every_steps", None)
    evaluation["every_minutes"] = 1e5  # the start and the final net only
tmp = out_path + ".tmp"
with open(tmp, "w") as f:
    json.dump(config, f, indent=1)
os.replace(tmp, out_path)
PY
  names+=("$name")
done

failed=0
for name in "${names[@]}"; do
  echo "== $name ($(date +%T))"
  status=0
  "$tenuki" train "$out/$name.json" --out "$out/$name" --budget-minutes "$minutes" \
    > "$out/$name.log" 2>&1 || status=$?
  tail -1 "$out/$name.log"
  if [[ $status -ne 0 ]]; then
    echo "arm $name stopped (exit $status; see $out/$name.log)" >&2
    failed=1
    break
  fi
done

echo
python3 - "$out" "${names[@]}" <<'PY'
import json, re, sys
out, names = sys.argv[1], sys.argv[2:]
def short(spec):
    m = re.search(r"gnugo.*--level (\d+)", spec)
    return f"gnugo-{m.group(1)}" if m else spec
rows, opponents = [], []
for name in names:
    try:
        lines = [json.loads(l) for l in open(f"{out}/{name}/metrics.jsonl")]
    except OSError:
        continue
    summary = next((l for l in reversed(lines) if l.get("type") == "summary"), {})
    last_step = max((l["step"] for l in lines if l.get("type") == "eval"), default=None)
    wins = {}
    for l in lines:
        if l.get("type") == "eval" and l["step"] == last_step and last_step:
            opp = short(l["opponent"])
            wins[opp] = f'{l["win_rate"]:.2f} ({l["wins"]}-{l["draws"]}-{l["losses"]})'
            if "mean_area_margin" in l:
                wins[opp] += f' {l["mean_area_margin"]:+.1f}'
            if opp not in opponents:
                opponents.append(opp)
    rows.append((name, summary, wins))
head = f'{"arm":<22}{"evals/s":>9}{"games/s":>9}{"steps":>7}{"batch":>7}{"eff":>6}'
print(head + "".join(f"  {o:<28}" for o in opponents))
for name, s, wins in rows:
    line = (f'{name:<22}{s.get("evals_per_s", 0):>9.0f}{s.get("games_per_s", 0):>9.2f}'
            f'{s.get("step", 0):>7}{s.get("mean_batch", 0):>7.0f}'
            f'{s.get("batching_efficiency", 0):>6.2f}')
    print(line + "".join(f'  {wins.get(o, "-"):<28}' for o in opponents))
PY
exit "$failed"
