#!/usr/bin/env bash
# Ablation at equal minutes: trains from zero once per arm, each arm being the base training
# config with one JSON merge patch applied (RFC 7386: objects merge, other values replace), for
# the same wall-clock budget; evaluates only the start and the final net (the config's
# evaluation agents and games) and prints one row per arm: evaluations/s, games/s, training steps,
# mean batch, batching efficiency (the rates of each arm's last session) and the final win rate
# against each reference agent (W-D-L, then, in Go and Othello, the mean area margin of the
# net's games, its cells minus the opponent's at the end, with its standard error). Then every
# arm is compared with the first one game by game: the arms share the config's seed, so their
# evaluation games have the same openings and colours (evaluations/games/*.jsonl); it prints the
# mean difference in score (win 1, draw 1/2) and in area margin, each with its standard error,
# and the wins both arms have, only the first has, and only the arm has.
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
import json, math, re, sys
out, names = sys.argv[1], sys.argv[2:]
def short(spec):
    m = re.search(r"gnugo.*--level (\d+)", spec)
    return f"gnugo-{m.group(1)}" if m else spec
def mean_se(xs):
    n = len(xs)
    mean = sum(xs) / n
    se = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1) / n) if n > 1 else float("nan")
    return mean, se
def read_jsonl(path):
    try:
        return [json.loads(l) for l in open(path) if l.strip()]
    except (OSError, json.JSONDecodeError):  # a line cut short by a kill, or no file
        return None
rows, opponents, games = [], [], {}  # games[(arm, opponent)]: the final evaluation's games
for name in names:
    lines = read_jsonl(f"{out}/{name}/metrics.jsonl")
    if lines is None:
        continue
    try:
        agents = json.load(open(f"{out}/{name}/config.json"))["evaluation"]["agents"]
    except (OSError, KeyError, json.JSONDecodeError):
        agents = []
    summary = next((l for l in reversed(lines) if l.get("type") == "summary"), {})
    last_step = max((l["step"] for l in lines if l.get("type") == "eval"), default=None)
    wins = {}
    for l in lines:
        if l.get("type") == "eval" and l["step"] == last_step and last_step:
            opp = short(l["opponent"])
            wins[opp] = f'{l["win_rate"]:.2f} ({l["wins"]}-{l["draws"]}-{l["losses"]})'
            if l["opponent"] in agents:
                k = agents.index(l["opponent"])
                played = read_jsonl(
                    f"{out}/{name}/evaluations/games/step_{last_step:08d}_opponent_{k}.jsonl")
                if played:
                    games[(name, opp)] = played
            margins = [g["area_margin"] for g in games.get((name, opp), []) if "area_margin" in g]
            if len(margins) > 1:
                wins[opp] += " {:+.1f}±{:.1f}".format(*mean_se(margins))
            elif "mean_area_margin" in l:
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

def keyed(played):  # (net's player, opening, occurrence) -> game
    out, seen = {}, {}
    for g in played:
        key = (g["net_player"], tuple(g["opening"]))
        seen[key] = seen.get(key, 0) + 1
        out[key + (seen[key],)] = g
    return out
base = names[0]
lines = []
for name in names[1:]:
    for opp in opponents:
        a, b = games.get((base, opp)), games.get((name, opp))
        if not a or not b:
            continue
        a, b = keyed(a), keyed(b)
        keys = sorted(set(a) & set(b), key=str)
        if len(keys) < 2:
            lines.append(f"{name:<22}{opp:<28}  fewer than 2 games pair up")
            continue
        score = lambda g: (g["result"] + 1) / 2
        ds, ds_se = mean_se([score(b[k]) - score(a[k]) for k in keys])
        margin_keys = [k for k in keys if "area_margin" in a[k] and "area_margin" in b[k]]
        margin = "-"
        if len(margin_keys) > 1:
            margin = "{:+.1f} ± {:.1f}".format(
                *mean_se([b[k]["area_margin"] - a[k]["area_margin"] for k in margin_keys]))
        both = sum(1 for k in keys if a[k]["result"] > 0 and b[k]["result"] > 0)
        only_a = sum(1 for k in keys if a[k]["result"] > 0 and b[k]["result"] <= 0)
        only_b = sum(1 for k in keys if b[k]["result"] > 0 and a[k]["result"] <= 0)
        lines.append(f"{name:<22}{opp:<28}{len(keys):>6}  {ds:+.2f} ± {ds_se:.2f}  "
                     f"{margin:>15}  {both}/{only_a}/{only_b}")
if lines:
    print(f"\npaired with {base} (the same openings and colours), arm minus {base}:")
    print(f'{"arm":<22}{"opponent":<28}{"games":>6}  {"score":<12}  {"area margin":>15}  '
          f"wins both/only {base}/only arm")
    print("\n".join(lines))
PY
exit "$failed"
