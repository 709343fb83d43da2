#!/bin/sh
# examples/slurm/selftest.sh: the Slurm batch on this machine alone, as a
# test.  POSIX sh.  In a temporary folder it writes a slurm.conf for one
# node (this host: its CPUs and memory as `slurmd -C` reports them, at
# 127.0.0.1, on two free ports; auth/none and cred/none, so no munge;
# proctrack/linuxproc, select/cons_tres), starts slurmctld and slurmd
# there (in the background, -D, as the current user), and submits a tiny
# batch with submit.sh (two synthetic scenes, 20 iterations) twice: first
# with a configuration that fails (the array fails, the tables job never
# runs: DependencyParameters=kill_invalid_depend cancels it), then with
# two that work (only what is missing is made; the merged tables are
# checked).  It waits for the jobs to leave the queue each time, and stops
# the two daemons it started, by their pids -- on failure and
# interruption too (trap), removing the folder unless SGS_SLURM_KEEP=1.
#
#   SGS_BIN (bin next to examples/)   the sgs tools
#   SGS_SLURM_WAIT (600)              seconds to wait for the jobs at most
#
# Exit status: 0 passed; 1 failed (the daemons' and jobs' logs are printed);
# 77 skipped: Slurm is not installed.  Root is not needed: both daemons
# run as the current user (SlurmUser, SlurmdUser), and so do the jobs.
set -eu
me=selftest.sh
here=$(cd "$(dirname "$0")" && pwd)
bin=${SGS_BIN:-$here/../../bin}
wait_max=${SGS_SLURM_WAIT:-600}
for t in slurmctld slurmd sbatch squeue scontrol sinfo; do
	command -v "$t" > /dev/null 2>&1 ||
		[ -x "/usr/sbin/$t" ] || { echo "$me: skipped: $t not installed (Debian: slurm-wlm)"; exit 77; }
done
PATH=$PATH:/usr/sbin
[ -x "$bin/sgs-train" ] || { echo "$me: $bin/sgs-train not found (run make, or set SGS_BIN)" >&2; exit 1; }
bin=$(cd "$bin" && pwd)

T=$(mktemp -d "${TMPDIR:-/tmp}/sgs-slurm.XXXXXX")
ctld='' slurmd_pid='' ok=0
stop() { # $1 = pid: TERM, then wait for it to go (KILL after 20 s)
	kill "$1" 2> /dev/null || return 0
	k=0
	while kill -0 "$1" 2> /dev/null && [ "$k" -lt 40 ]; do sleep 0.5; k=$((k + 1)); done
	kill -9 "$1" 2> /dev/null || true
	wait "$1" 2> /dev/null || true
}
cleanup() {
	trap - EXIT INT TERM HUP
	[ -z "$slurmd_pid" ] || stop "$slurmd_pid"
	[ -z "$ctld" ] || stop "$ctld"
	if [ "$ok" != 1 ]; then
		for f in "$T"/slurmctld.log "$T"/slurmd.log "$T"/batch/out/slurm/*.out; do
			[ -f "$f" ] || continue
			echo "---- $f (last lines)"
			tail -n 15 "$f"
		done
	fi
	if [ "${SGS_SLURM_KEEP:-0}" = 1 ]; then echo "$me: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "$me: $1" >&2; exit 1; }

# Two free TCP ports (not listened on now).
used=$(ss -Hltn 2> /dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
free_port() {
	p=$1
	while printf '%s\n' "$used" | grep -qx "$p"; do p=$((p + 1)); done
	echo "$p"
}
base=$((20000 + $$ % 20000))
p1=$(free_port "$base")
used="$used
$p1"
p2=$(free_port $((p1 + 1)))
host=$(hostname -s)
node=$(slurmd -C | sed -n 's/^NodeName=[^ ]* //p' | sed 's/ *$//')
[ -n "$node" ] || fail "slurmd -C printed no node line"
user=$(id -un)
mkdir -p "$T/state" "$T/spool" "$T/batch"
cat > "$T/slurm.conf" << CONF
ClusterName=sgstest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$p1
SlurmdPort=$p2
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/none
CredType=cred/none
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
DependencyParameters=kill_invalid_depend
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MaxArraySize=100
NodeName=$host NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=sgs Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"

slurmctld -D -i -f "$SLURM_CONF" > "$T/slurmctld.out" 2>&1 &
ctld=$!
slurmd -D -f "$SLURM_CONF" -N "$host" > "$T/slurmd.out" 2>&1 &
slurmd_pid=$!
k=0
until [ "$(sinfo -h -n "$host" -o %t 2> /dev/null)" = idle ]; do
	kill -0 "$ctld" 2> /dev/null || fail "slurmctld stopped: $(tail -n 3 "$T/slurmctld.out")"
	kill -0 "$slurmd_pid" 2> /dev/null || fail "slurmd stopped: $(tail -n 3 "$T/slurmd.out")"
	k=$((k + 1))
	[ "$k" -lt 120 ] || fail "the node did not come up in 60 s: $(sinfo -h -o '%t %E' 2>&1)"
	sleep 0.5
done
echo "$me: slurmctld ($ctld) and slurmd ($slurmd_pid) up in $T, ports $p1 and $p2"

cd "$T/batch"
submit() { # $@ = more make variables: submits the tiny batch, waits for it
	ids=$(SGS_SLURM_CPUS=1 OMP_WAIT_POLICY=passive "$here/submit.sh" BIN="$bin" \
		SCENES='a b' CONFIGS='default sparse' \
		SCENE_a='-f synthetic -W 48 -H 36 -N 8 -n 4' \
		SCENE_b='-f synthetic -W 48 -H 36 -N 8 -n 4 -S 2' \
		EVAL_ARGS='-m nomask' TRAIN_ARGS='-n 20' BACKEND=cpu "$@") || fail "submit.sh failed"
	array=${ids% *} tables=${ids#* }
	echo "$me: submitted array $array, tables $tables"
	k=0
	while [ -n "$(squeue -h -j "$array,$tables" -o %i 2> /dev/null)" ]; do
		k=$((k + 1))
		[ "$k" -lt $((wait_max * 2)) ] || fail "the jobs were still queued after $wait_max s: $(squeue 2>&1)"
		sleep 0.5
	done
}

# A configuration that fails: the array fails, the tables job never runs.
submit CONFIGS='default bad' CONFIG_bad='--dropout 7'
grep -q 'sgs-train: ' "out/slurm/task-${array}_0.out" || fail "task 0's log has no sgs-train error"
[ ! -e "out/slurm/tables-$tables.out" ] || fail "the tables job ran although the array failed"
[ ! -e out/results.tsv ] || fail "tables written although the array failed"
[ -s out/a/default/scores.tsv ] || fail "make -k did not finish the configuration that works"

# Submitted again (the failed configuration dropped): the finished runs
# are not made again.
submit
for i in 0 1; do
	! grep -q 'default/model.tmp.ply' "out/slurm/task-${array}_$i.out" ||
		fail "task $i trained a configuration that was done already"
done

# One log per array task and one for the tables, each saying what it did.
for i in 0 1; do
	[ -s "out/slurm/task-${array}_$i.out" ] || fail "no log of array task $i in out/slurm: $(ls out/slurm)"
done
grep -q 'task 0 on .*: scene a$' "out/slurm/task-${array}_0.out" || fail "task 0 did not make scene a"
grep -q 'task 1 on .*: scene b$' "out/slurm/task-${array}_1.out" || fail "task 1 did not make scene b"
[ -s "out/slurm/tables-$tables.out" ] || fail "the tables job left no log"
{ [ -s out/results.tsv ] && [ -s out/results.md ]; } || fail "no merged tables in out/"
want=$(printf 'scene\tconfig\titerations\na\tdefault\t20\na\tsparse\t20\nb\tdefault\t20\nb\tsparse\t20')
[ "$(cut -f 1-3 out/results.tsv)" = "$want" ] || fail "unexpected table: $(cat out/results.tsv)"
awk -F '\t' 'NR > 1 && !($6 > 8 && $6 < 60) { exit 1 }' out/results.tsv || fail "implausible PSNR: $(cat out/results.tsv)"
[ "$(grep -c '^| [ab] |' out/results.md)" = 4 ] || fail "unexpected Markdown table: $(cat out/results.md)"
cat out/results.md
ok=1
echo "$me: passed"
