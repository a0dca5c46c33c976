#!/usr/bin/env bash
# make test-slurm: run `runexp slurm` on a real, single-node Slurm cluster
# started here, and check that the merged database's report equals a
# single-process run of the same spec, cell for cell.
#
#   1. installs slurm-wlm and munge from Debian's packages when missing;
#   2. writes a single-node slurm.conf for this host in a temporary directory
#      (state, spool, logs and pid files all under it) and starts munged,
#      slurmctld and slurmd (stopped again, by pid, however the script ends);
#   3. runs experiments/slurm_smoke.yaml in one process (-j 2) for reference;
#   4. submits `runexp slurm SPEC --array 4 --submit` (4 tasks of one CPU and
#      the merge-and-report job, afterok), waits on `scontrol show job`
#      (no accounting, so no sacct), and compares the reports.
#
# It needs root (to install packages and run slurmd); elsewhere it skips with
# a message. Environment: NMFBENCH_DATA (the datasets), RUNEXP (default
# bin/runexp), SLURM_TEST_TIMEOUT (seconds to wait for the jobs, default 600),
# SLURMCTLD_PORT (slurmd takes the next port; default: the first free pair of
# 6817, 16817, …), KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

skip() { echo "test-slurm: SKIPPED: $*"; exit 0; }
die() { echo "test-slurm: FAILED: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || skip "needs root (installs slurm-wlm and munge, runs slurmd as root); run it as root or in CI"
RUNEXP=${RUNEXP:-$root/bin/runexp}
[ -x "$RUNEXP" ] || die "$RUNEXP not found: make build first"
DATA=${NMFBENCH_DATA:-$(cd .. && pwd)/shared/datasets}
[ -f "$DATA/COIL20.mat" ] || skip "COIL20.mat not in $DATA (set NMFBENCH_DATA to the datasets directory)"
DATA=$(cd "$DATA" && pwd)
SPEC=$root/experiments/slurm_smoke.yaml
WAIT=${SLURM_TEST_TIMEOUT:-600}

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  echo "test-slurm: installing slurm-wlm and munge"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
echo "test-slurm: $(slurmctld -V), $(munged --version 2>&1 | head -n 1)"
[ -f /etc/munge/munge.key ] || die "/etc/munge/munge.key missing (the munge package creates it; mungekey --create makes one)"

T=$(mktemp -d /tmp/nmfbench-slurm.XXXXXX)
chmod 755 "$T"
pids=()
cleanup() {
  status=$?
  for ((k = ${#pids[@]} - 1; k >= 0; k--)); do
    kill "${pids[k]}" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ "$status" != 0 ]; then
    for f in "$T"/log/*.log "$T"/job/logs/*.out; do
      [ -f "$f" ] && { echo "--- $f (last 30 lines)"; tail -n 30 "$f"; }
    done
    echo "test-slurm: temporary directory kept: $T"
  elif [ "${KEEP:-0}" = 1 ]; then
    echo "test-slurm: temporary directory kept: $T"
  else
    rm -rf "$T"
  fi
  exit "$status"
}
trap cleanup EXIT

# 3. The reference: one process, the same spec.
echo "test-slurm: single process: runexp run $SPEC -j 2"
t0=$(now)
"$RUNEXP" run "$SPEC" --db "$T/single.db" --data-dir "$DATA" -j 2 >"$T/single.log" 2>&1 || { cat "$T/single.log"; die "the single-process run failed"; }
single_secs=$(secs "$t0" "$(now)")
"$RUNEXP" report --db "$T/single.db" --out "$T/report-single" --no-plots >/dev/null

# 2. The cluster, on the first pair of free ports (a system slurmctld may hold 6817).
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ctld_port=${SLURMCTLD_PORT:-}
if [ -z "$ctld_port" ]; then
  for p in 6817 16817 26817 36817; do
    if ! listening "$p" && ! listening $((p + 1)); then ctld_port=$p; break; fi
  done
  [ -n "$ctld_port" ] || die "no free port pair for slurmctld/slurmd (tried 6817, 16817, 26817, 36817; set SLURMCTLD_PORT)"
fi
host=$(hostname -s)
cpus=$(( $(nproc) < 2 ? $(nproc) : 2 ))
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/log"
cat >"$T/slurm.conf" <<EOF
# Single-node test cluster of scripts/test_slurm.sh (everything under $T).
ClusterName=nmfbench-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$((ctld_port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/slurm.conf
t0=$(now)
munged --force --foreground --socket="$T/munge/munge.socket" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/log/munged.log" --seed-file="$T/munge/munge.seed" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$T/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$T/munge/munge.socket" ] || die "munged did not create its socket within 10 s"
slurmctld -D -f "$T/slurm.conf" >"$T/log/slurmctld.stdout" 2>&1 &
pids+=($!)
slurmd -D -f "$T/slurm.conf" >"$T/log/slurmd.stdout" 2>&1 &
pids+=($!)
up=""
for _ in $(seq 120); do
  if scontrol show node "$host" 2>/dev/null | grep -q "State=IDLE"; then up=1; break; fi
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || die "a daemon (pid $p) exited during start-up"; done
  sleep 0.5
done
[ -n "$up" ] || die "node $host not idle within 60 s: $(scontrol show node "$host" 2>&1 | grep -o 'State=[^ ]*')"
bringup_secs=$(secs "$t0" "$(now)")
echo "test-slurm: cluster up in ${bringup_secs} s (munged, slurmctld, slurmd: pids ${pids[*]}; node $host, $cpus CPUs; ports $ctld_port, $((ctld_port + 1)))"

# 4. The job array and the merge job.
t0=$(now)
"$RUNEXP" slurm "$SPEC" --array 4 --cpus-per-task 1 --time 30:00 --dir "$T/job" --data-dir "$DATA" --runexp "$RUNEXP" --submit | tee "$T/submit.out"
array=$(awk '/^array job/ { sub(":", "", $3); print $3 }' "$T/submit.out")
merge=$(awk '/^merge job/ { sub(":", "", $3); print $3 }' "$T/submit.out")
[ -n "$array" ] && [ -n "$merge" ] || die "runexp slurm --submit printed no job ids"
echo "test-slurm: array job $array, merge job $merge"

# Wait for the merge job (it starts once every array task completed).
state=""
deadline=$(( $(date +%s) + WAIT ))
while :; do
  info=$(scontrol show job "$merge" 2>&1 || true)
  state=$(grep -o 'JobState=[A-Z_]*' <<<"$info" | head -n 1 | cut -d= -f2)
  case "$state" in
    COMPLETED) break ;;
    FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
      die "merge job $merge ended $state" ;;
  esac
  grep -q "Reason=DependencyNeverSatisfied" <<<"$info" && die "merge job $merge will never run: an array task failed"
  [ "$(date +%s)" -lt "$deadline" ] || die "jobs not done within $WAIT s (merge job: ${state:-unknown})"
  sleep 1
done
total_secs=$(secs "$t0" "$(now)")
echo "test-slurm: array tasks:"
scontrol -o show job "$array" >"$T/array.jobs"
grep -oE 'ArrayTaskId=[0-9]+ |JobState=[A-Z]+ |RunTime=[0-9:]+ |StartTime=[^ ]+ |EndTime=[^ ]+ ' "$T/array.jobs" | paste -d' ' - - - - - | sed 's/^/  /'
[ "$(grep -c 'JobState=COMPLETED' "$T/array.jobs")" = 4 ] || die "not all 4 array tasks COMPLETED"
# The array's wall time: from its submission to the end of its last task (Slurm's clock, 1 s resolution).
field() { grep -oE "$1=[^ ]+" "$T/array.jobs" | cut -d= -f2 | xargs -I{} date -d {} +%s | sort -n; }
array_secs=$(( $(field EndTime | tail -n 1) - $(field SubmitTime | head -n 1) ))
echo "test-slurm: shard databases:"
for i in 0 1 2 3; do
  f=$T/job/shards/shard-$i.db
  [ -f "$f" ] || die "shard database $f missing"
  echo "  $f: $("$RUNEXP" status "$SPEC" --shard "$i/4" --db "$f" 2>/dev/null | tail -n 1 || true)"
done

# The comparison: the merged report against the single-process one, every
# cell of the CSV table (full precision) except the seconds per run.
merged=$T/job/report/COIL20.csv
single=$T/report-single/COIL20.csv
[ -s "$merged" ] || die "merged report $merged missing"
strip() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "fit_seconds") skip = i }
           { out = ""; for (i = 1; i <= NF; i++) if (i != skip) out = out (out == "" && i == 1 ? "" : ",") $i; print out }' "$1"
}
if ! diff <(strip "$single") <(strip "$merged") >"$T/report.diff"; then
  cat "$T/report.diff"
  die "the merged report differs from the single-process one"
fi
cells=$(strip "$merged" | awk -F, 'NR > 1 { n += NF } END { print n }')
rows=$(( $(wc -l <"$merged") - 1 ))
echo "test-slurm: merged report (4 shards via Slurm):"
cat "$T/job/report/COIL20.md"
echo "test-slurm: single-process report:"
cat "$T/report-single/COIL20.md"
echo "test-slurm: merged report equals the single-process one: $rows rows, $cells cells identical (seconds per run excluded)"
echo "test-slurm: wall time: single process (-j 2) ${single_secs} s; Slurm array of 4 one-CPU tasks ${array_secs} s from submission to the end of its last task (${total_secs} s until the merge-and-report job completed); cluster bring-up ${bringup_secs} s"
echo "test-slurm: PASSED"
