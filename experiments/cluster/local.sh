#!/usr/bin/env bash
# One machine, several processes: LEARNERS learner ranks (Gloo on 127.0.0.1) and ACTORS self-play
# actors sharing one run folder. Ctrl-C stops them all (the learners save a checkpoint).
#   experiments/cluster/local.sh CONFIG.json RUN_DIR [extra tenuki train flags, e.g. --budget-steps 2000]
# Environment: LEARNERS (2), ACTORS (3), PORT (29500), TENUKI (build/tenuki), LAUNCHER: torchrun
# (the default when python3-torch's torchrun is installed: it starts the ranks, serves their
# rendezvous and restarts them all, up to RESTARTS (0) times, when one fails) or env (this script
# sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT itself).
set -euo pipefail
config=${1:?usage: local.sh CONFIG.json RUN_DIR [train flags]}
run=${2:?usage: local.sh CONFIG.json RUN_DIR [train flags]}
shift 2
learners=${LEARNERS:-2}
actors=${ACTORS:-3}
port=${PORT:-29500}
tenuki=${TENUKI:-build/tenuki}
launcher=${LAUNCHER:-$(command -v torchrun > /dev/null && echo torchrun || echo env)}
mkdir -p "$run/logs"
pids=()
trap 'kill -INT "${pids[@]}" 2>/dev/null; wait' INT TERM
if [[ $launcher == torchrun ]]; then
  # Underscored flags: the spelling both torchrun 1.13 and 2.x accept. --redirects 2 (each rank's
  # stderr to logs/torchrun/, and teed here) also avoids Debian's torchrun 1.13 failing under
  # Python 3.11 with its default "0".
  torchrun --no_python --nnodes=1 --nproc_per_node="$learners" --master_addr=127.0.0.1 \
    --master_port="$port" --max_restarts="${RESTARTS:-0}" --redirects=2 --tee=2 \
    --log_dir="$run/logs/torchrun" "$tenuki" train "$config" --out "$run" --role learner "$@" \
    > "$run/logs/learners.log" 2>&1 &
  pids+=($!)
  learners=1  # one process to wait for below
else
  for ((r = 0; r < learners; r++)); do
    RANK=$r WORLD_SIZE=$learners LOCAL_RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
      "$tenuki" train "$config" --out "$run" --role learner "$@" > "$run/logs/learner$r.log" 2>&1 &
    pids+=($!)
  done
fi
for ((a = 0; a < actors; a++)); do
  "$tenuki" selfplay --run "$run" --id "local-$a" > "$run/logs/actor$a.log" 2>&1 &
  pids+=($!)
done
echo "learners ($launcher): ${pids[*]:0:learners}; actors: ${pids[*]:learners}; logs in $run/logs"
# The job ends when the learners do; then the actors are stopped.
status=0
for ((r = 0; r < learners; r++)); do wait "${pids[$r]}" || status=$?; done
kill -INT "${pids[@]:learners}" 2>/dev/null || true
wait || true
exit $status
