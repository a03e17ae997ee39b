#!/usr/bin/env bash
# End-to-end check of `runexp slurm` on a real one-node Slurm cluster on
# this host (Debian's slurm-wlm and munge, installed with apt-get when
# missing): a small spec as a 3-task job array plus its report job; the
# report's runs.csv must equal a single-process run's (wall times aside).
# Round 2 cancels a task mid-run (scancel), requeues it (scontrol
# requeue) and checks the result again. Every daemon this script starts
# is stopped by PID on exit, failure included. Needs root (or an
# installed slurm-wlm/munge and a user that may run them).
#
#   .ci/slurm-e2e.sh          (from .ci/run; FLOWBENCH_SLURM=0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
export GOFLAGS="${GOFLAGS:--mod=mod}"

need() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || return 1; done; }
if ! need munged mungekey slurmctld slurmd sbatch squeue scontrol scancel; then
	if [ "$(id -u)" != 0 ]; then
		echo "slurm-e2e: slurm-wlm/munge missing and not root: cannot install them" >&2
		exit 1
	fi
	echo "== apt-get install slurm-wlm munge"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends slurm-wlm munge
fi

T=$(mktemp -d /tmp/flowbench-slurm.XXXXXX)
chmod 755 "$T"
pids=()
cleanup() {
	local rc=$?
	# Jobs first (their processes are children of slurmd), then the daemons.
	if [ -n "${SLURM_CONF:-}" ] && [ -f "$T/slurmctld.ready" ]; then
		scancel --quiet --user="$(id -un)" >/dev/null 2>&1 || true
		sleep 1
	fi
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	if [ $rc != 0 ]; then
		echo "slurm-e2e: FAILED (exit $rc); logs:" >&2
		for l in "$T"/*.log "$T"/r*/slurm/*.out; do
			[ -f "$l" ] && { echo "--- $l" >&2; grep -v '^\[' "$l" | tail -n 25 >&2; }
		done
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

echo "== build runexp"
go build -o "$T/runexp" ./cmd/runexp

echo "== munge"
mungekey --create --keyfile="$T/munge.key" --force 2>/dev/null ||
	dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge.key"
mkdir -m 711 "$T/munge"
munged --foreground --force --key-file="$T/munge.key" --socket="$T/munge/munge.sock" \
	--pid-file="$T/munge/munged.pid" --log-file="$T/munged.log" --seed-file="$T/munge/seed" >>"$T/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$T/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$T/munge/munge.sock" ] || { echo "munged did not start" >&2; exit 1; }

echo "== slurm.conf"
host=$(hostname -s)
cpus=$(nproc)
# Two free ports (a previous run's, or another cluster's, may be taken).
read -r cport dport < <(python3 - <<'EOF' 2>/dev/null || echo "16817 16818"
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])
EOF
)
user=$(id -un)
mkdir -p "$T/ctld" "$T/spool"
cat >"$T/slurm.conf" <<EOF
ClusterName=flowbench
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.sock
StateSaveLocation=$T/ctld
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=5
MinJobAge=600
SchedulerParameters=sched_interval=1,bf_interval=1
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"

echo "== slurmctld, slurmd"
slurmctld -D -i -f "$SLURM_CONF" >>"$T/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >>"$T/slurmd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n1 || true)
	case "$state" in idle*|mixed*|allocated*) break ;; esac
	sleep 0.2
done
echo "node $host: ${state:-unknown} ($(($(date +%s) - start)) s since start)"
case "$state" in idle*|mixed*|allocated*) ;; *) echo "the node did not come up" >&2; exit 1 ;; esac
touch "$T/slurmctld.ready"

# The spec: 2 seeds × (OT, rectified with one reflow, OT-CFM) = 6 training
# lineages, long enough trainings (a second or so each) that a task can
# be cancelled mid-run.
cat >"$T/e2e.yaml" <<'EOF'
name: e2e
seeds: [1, 2]
data: {target: 8gaussians, test_size: 200}
model: {hidden: [16, 16]}
training: {steps: 1500, batch: 32, curve_every: 100}
methods:
  - {label: OT, kind: ot}
  - {label: RF, kind: rectified, reflow: {iterations: 1, pairs: 200, steps: 4}}
  - {label: OT-CFM, kind: cfm, coupling: ot}
evaluation:
  samples: 200
  solvers: [{name: euler, steps: [1, 4]}]
  metrics: [sw2, npe, straightness]
  trajectories: 0
EOF

echo "== reference: one process"
"$T/runexp" run -q -j "$cpus" -o "$T/single" "$T/e2e.yaml"

# csv_no_seconds FILE: runs.csv without its *_seconds columns.
csv_no_seconds() {
	python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
keep = [i for i, h in enumerate(rows[0]) if not h.endswith("_seconds")]
w = csv.writer(sys.stdout, lineterminator="\n")
for r in rows: w.writerow([r[i] for i in keep])
' "$1"
}
csv_no_seconds "$T/single/runs.csv" >"$T/want.csv"

# job_state ID: the state of a job (of every task of an array).
job_state() { scontrol show job "$1" -o 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort | uniq -c | tr '\n' ' '; }
# wait_done ID: until the job has ended; fails if it did not complete.
wait_done() {
	local id=$1 s
	for _ in $(seq 600); do
		s=$(job_state "$id")
		case "$s" in *PENDING*|*RUNNING*|*CONFIGURING*|*COMPLETING*|*REQUEUE*|"") sleep 0.5 ;; *) break ;; esac
	done
	echo "job $id: $s"
	case "$s" in *COMPLETED*) ! echo "$s" | grep -qv 'COMPLETED' ;; *) return 1 ;; esac
}
check() {
	local dir=$1
	csv_no_seconds "$dir/runs.csv" >"$T/got.csv"
	if ! diff -q "$T/want.csv" "$T/got.csv" >/dev/null; then
		diff "$T/want.csv" "$T/got.csv" | head -n 20 >&2
		echo "slurm-e2e: $dir/runs.csv differs from the single run's" >&2
		return 1
	fi
	echo "runs.csv of $dir equals the single run's ($(wc -l <"$T/want.csv") rows, wall times aside)"
}
submit() {
	"$T/runexp" slurm -shards 3 -cpus 1 -time 10:00 -o "$1" "$T/e2e.yaml" | tee "$T/submit.out"
	array=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' "$T/submit.out")
	report=$(sed -n 's/^report job \([0-9]*\):.*/\1/p' "$T/submit.out")
	[ -n "$array" ] && [ -n "$report" ]
}

echo "== round 1: 3 shards as a job array, then the report job"
t1=$(date +%s)
submit "$T/r1"
wait_done "$report"
wait_done "$array"
check "$T/r1"
echo "round 1: $(($(date +%s) - t1)) s"

echo "== round 2: cancel task 1 mid-run, requeue it"
t2=$(date +%s)
submit "$T/r2"
scontrol hold "$report" # the report waits for the requeued task
# Mid-run: task 1 holds a claim on an artifact it is computing.
claimed=
for _ in $(seq 1200); do
	if grep -qs '"job":"slurm [0-9]* task 1"' "$T"/r2/leases/*; then claimed=1; break; fi
	sleep 0.05
done
[ -n "$claimed" ] || { echo "task 1 never claimed anything" >&2; exit 1; }
before=$(ls "$T/r2/store" | grep -c '\.json$' || true)
scancel "${array}_1"
for _ in $(seq 100); do
	case "$(job_state "${array}_1")" in *CANCELLED*) break ;; esac
	sleep 0.2
done
echo "task ${array}_1 cancelled mid-run: $(job_state "${array}_1")with $before records stored"
scontrol requeue "${array}_1"
# A requeued job may start no sooner than BeginTime (now + a delay Slurm
# adds, about 2 minutes): let it start at once.
scontrol update JobId="${array}_1" StartTime=now
scontrol release "$report"
wait_done "$report"
wait_done "$array"
"$T/runexp" status "$T/r2"
check "$T/r2"
# Task 1's log (appended to) shows the cancelled run, then the requeued
# one resuming from the store.
log1="$T/r2/slurm/shard-1.out"
grep -q 'CANCELLED' "$log1" || { echo "no cancellation in $log1" >&2; exit 1; }
grep -q '^shard 1/3: ' "$log1" || { echo "the requeued task 1 did not finish" >&2; exit 1; }
echo "task 1 runs: $(grep -E '^[0-9]+ artifacts, ' "$log1" | tr '\n' ';')"
echo "round 2: $(($(date +%s) - t2)) s"
echo "slurm-e2e: ok in $(($(date +%s) - start)) s"
