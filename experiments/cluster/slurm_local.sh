#!/usr/bin/env bash
# A one-machine Slurm cluster from Debian's slurm-wlm, started in a scratch folder and stopped on
# exit, running the same learners.sbatch and actors.sbatch a real cluster would: LEARNERS learner
# tasks (srun) and an array of ACTORS actors on one run folder, until the learners' step budget.
# Needs root (slurmd starts jobs as their users) and no other Slurm on this machine; authentication
# is auth/none (loopback only). Exit 77 when Slurm is not installed (ctest counts that a skip).
#   experiments/cluster/slurm_local.sh CONFIG.json RUN_DIR [train flags, e.g. --budget-steps 200]
# Environment: LEARNERS (2), ACTORS (3), TENUKI (build/tenuki), SLURM_TIMEOUT (seconds, 600).
set -euo pipefail
config=$(realpath "${1:?usage: slurm_local.sh CONFIG.json RUN_DIR [train flags]}")
run=$(realpath -m "${2:?usage: slurm_local.sh CONFIG.json RUN_DIR [train flags]}")
shift 2
here=$(cd "$(dirname "$0")" && pwd)
learners=${LEARNERS:-2}
actors=${ACTORS:-3}
tenuki=$(realpath "${TENUKI:-build/tenuki}")
deadline=$((SECONDS + ${SLURM_TIMEOUT:-600}))

for program in slurmctld slurmd sbatch squeue scontrol; do
  if ! command -v "$program" > /dev/null && [[ ! -x /usr/sbin/$program ]]; then
    echo "slurm_local.sh: $program not found: install slurm-wlm (see README)" >&2
    exit 77
  fi
done
if [[ $(id -u) != 0 ]]; then
  echo "slurm_local.sh: slurmd must run as root to start jobs" >&2
  exit 77
fi

scratch=$(mktemp -d /tmp/tenuki-slurm.XXXXXX)
node=$(hostname -s)
cpus=$((learners + actors))
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export SLURM_CONF=$scratch/slurm.conf
cat > "$SLURM_CONF" << EOF
ClusterName=tenuki-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$scratch/ctld
SlurmdSpoolDir=$scratch/d
SlurmctldPidFile=$scratch/ctld.pid
SlurmdPidFile=$scratch/d.pid
SlurmctldLogFile=$scratch/ctld.log
SlurmdLogFile=$scratch/d.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE
EOF
mkdir -p "$scratch/ctld" "$scratch/d" "$run"
stop_cluster() {
  scancel --quiet -u root 2> /dev/null || true
  for _ in {1..30}; do
    squeue -h 2> /dev/null | grep -q . || break
    sleep 1
  done
  local pids=()
  for pidfile in "$scratch/d.pid" "$scratch/ctld.pid"; do
    [[ -f $pidfile ]] && pids+=("$(cat "$pidfile")")
  done
  kill "${pids[@]}" 2> /dev/null || true
  for _ in {1..20}; do
    kill -0 "${pids[@]}" 2> /dev/null || break
    sleep 0.5
  done
  kill -KILL "${pids[@]}" 2> /dev/null || true
  rm -rf "$scratch"
}
trap stop_cluster EXIT
/usr/sbin/slurmctld -i
/usr/sbin/slurmd
until sinfo -h -o %T 2> /dev/null | grep -q idle; do
  ((SECONDS < deadline)) || { echo "slurm_local.sh: the node never came up" >&2; cat "$scratch"/*.log >&2; exit 1; }
  sleep 1
done

cd "$(dirname "$here")/.."  # the repository root: the sbatch files name build/tenuki by default
export TENUKI=$tenuki
export MASTER_PORT=$(free_port)
learner_job=$(sbatch --parsable --ntasks="$learners" --cpus-per-task=1 -o "$run/slurm-learners-%j.log" \
  "$here/learners.sbatch" "$config" "$run" "$@")
actor_job=$(sbatch --parsable --array=0-$((actors - 1)) --cpus-per-task=1 \
  -o "$run/slurm-actors-%A_%a.log" "$here/actors.sbatch" "$run")
echo "slurm_local.sh: learners job $learner_job, actors array $actor_job; logs in $run"
while squeue -h -j "$learner_job" 2> /dev/null | grep -q .; do
  if ((SECONDS >= deadline)); then
    echo "slurm_local.sh: the learners did not finish in time" >&2
    tail -n 20 "$run"/slurm-*.log >&2
    exit 1
  fi
  sleep 2
done
scancel --signal=INT --full "$actor_job" 2> /dev/null || true  # actors stop after their chunk
state=$(scontrol show job "$learner_job" 2> /dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1)
echo "slurm_local.sh: learners ended with $state"
[[ $state == JobState=COMPLETED ]]
