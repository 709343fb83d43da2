#!/bin/sh
# One task of the job array that examples/slurm/submit.sh submits:
# task.sh MAKEFILE [VARIABLE=value ...] builds every configuration of the
# scene numbered SLURM_ARRAY_TASK_ID (from 0) in SCENES: make's target
# scene-<name>, -j on the task's CPUs, -k so that one failed configuration
# does not stop the others (the task still fails, and the tables job with
# it).  POSIX sh.
#SBATCH --job-name=sgs-batch
set -eu
me=sgs-batch-task
[ $# -ge 1 ] || { echo "usage: task.sh MAKEFILE [VARIABLE=value ...]" >&2; exit 2; }
mk=$1
shift
i=${SLURM_ARRAY_TASK_ID:-}
case $i in '' | *[!0-9]*) echo "$me: not a task of a Slurm job array (no SLURM_ARRAY_TASK_ID)" >&2; exit 2 ;; esac
scenes=$(make -s -f "$mk" "$@" print-SCENES)
k=0 scene=
for s in $scenes; do
	[ "$k" -eq "$i" ] && scene=$s
	k=$((k + 1))
done
[ -n "$scene" ] || { echo "$me: task $i: SCENES has $k scenes" >&2; exit 2; }
echo "$me: task $i on $(uname -n): scene $scene" >&2
exec make -k -f "$mk" -j "${SLURM_CPUS_PER_TASK:-1}" "$@" "scene-$scene"
