#!/usr/bin/env bash
# Launches a tiny Tic-tac-toe run with 2 learner ranks and 3 actors through one of the launch files
# of experiments/cluster/ and checks the run folder afterwards: the learners reached the step
# budget, every actor's games were ingested, and the last checkpoint loads and plays.
#   tests/cluster/launch_and_check.sh torchrun|slurm TENUKI_BINARY
# Exit 77 (a skip for ctest) when the launcher is not installed or cannot run here.
set -euo pipefail
mode=${1:?usage: launch_and_check.sh torchrun|slurm TENUKI_BINARY}
export TENUKI=$(realpath "${2:?usage: launch_and_check.sh torchrun|slurm TENUKI_BINARY}")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/tenuki-cluster-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
budget=60
config=$root/tests/support/tiny_ttt.json  # the C++ learner tests use it too
run=$work/run
case "$mode" in
  torchrun)
    command -v torchrun > /dev/null || { echo "torchrun not installed (python3-torch)"; exit 77; }
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])') \
      LAUNCHER=torchrun LEARNERS=2 ACTORS=3 timeout 300 "$root/experiments/cluster/local.sh" \
      "$config" "$run" --budget-steps $budget
    ;;
  slurm)
    LEARNERS=2 ACTORS=3 SLURM_TIMEOUT=300 "$root/experiments/cluster/slurm_local.sh" \
      "$config" "$run" --budget-steps $budget
    ;;
  *) echo "unknown launcher $mode" >&2; exit 2 ;;
esac

python3 - "$run" $budget << 'PY'
import json, os, sys
run, budget = sys.argv[1], int(sys.argv[2])
state = json.load(open(os.path.join(run, "state.json")))
assert state["step"] == budget, f"step {state['step']}, expected {budget}"
actors = sorted(os.listdir(os.path.join(run, "games")))
assert len(actors) == 3, f"actors that wrote games: {actors}"
marks = state.get("ingested", {})
missing = [a for a in actors if marks.get(a, 0) < 1]
assert not missing, f"no chunk ingested from {missing} (marks {marks})"
print(f"step {state['step']}, games {state['games']}, chunks ingested per actor {marks}")
PY
latest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latest_checkpoint"])' \
  "$run/state.json")
"$TENUKI" play tictactoe --agents "policy(model=$run/$latest)",random --games 2
