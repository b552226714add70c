#!/usr/bin/env bash
# One machine, several processes: LEARNERS learner ranks (Gloo on 127.0.0.1) and ACTORS self-play
# actors sharing one run folder. Ctrl-C stops them all (the learners save a checkpoint).
#   experiments/cluster/local.sh CONFIG.json RUN_DIR [extra tenuki train flags, e.g. --budget-steps 2000]
# Environment: LEARNERS (2), ACTORS (3), PORT (29500), TENUKI (build/tenuki). With Debian's
# python3-torch installed, `torchrun --no-python` can start the learners instead (see README).
set -euo pipefail
config=${1:?usage: local.sh CONFIG.json RUN_DIR [train flags]}
run=${2:?usage: local.sh CONFIG.json RUN_DIR [train flags]}
shift 2
learners=${LEARNERS:-2}
actors=${ACTORS:-3}
port=${PORT:-29500}
tenuki=${TENUKI:-build/tenuki}
mkdir -p "$run/logs"
pids=()
trap 'kill -INT "${pids[@]}" 2>/dev/null; wait' INT TERM
for ((r = 0; r < learners; r++)); do
  RANK=$r WORLD_SIZE=$learners LOCAL_RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
    "$tenuki" train "$config" --out "$run" --role learner "$@" > "$run/logs/learner$r.log" 2>&1 &
  pids+=($!)
done
for ((a = 0; a < actors; a++)); do
  "$tenuki" selfplay --run "$run" --id "local-$a" > "$run/logs/actor$a.log" 2>&1 &
  pids+=($!)
done
echo "learners: ${pids[*]:0:learners}; actors: ${pids[*]:learners}; logs in $run/logs"
# The job ends when the learners do; then the actors are stopped.
status=0
for ((r = 0; r < learners; r++)); do wait "${pids[$r]}" || status=$?; done
kill -INT "${pids[@]:learners}" 2>/dev/null || true
wait || true
exit $status
