#!/bin/sh
# examples/slurm/submit.sh [VARIABLE=value ...]: the batch of
# examples/Makefile on a Slurm cluster.  POSIX sh.  Submits
#   - a job array with one task per scene (task.sh): every configuration
#     of that scene, with make -j on the task's CPUs
#   - a job that waits for the whole array to succeed
#     (--dependency=afterok) and merges the results into
#     $(OUT)/results.tsv and results.md (collect.sh)
# and prints their two job ids.  The arguments are examples/Makefile's
# variables (SCENES, CONFIGS, OUT, TRAIN_ARGS, SCENE_<name>, CONFIG_<name>,
# ...), passed to every make unchanged.  Run it from the folder that should
# hold the results (a file system the compute nodes share); Slurm's logs go
# to $(OUT)/slurm/.  A batch whose task failed can be submitted again with
# the same arguments: what is finished is not made again.
#
#   SGS_SLURM_CPUS (2)   CPUs per array task (--cpus-per-task, make -j)
#   SGS_SLURM_ARGS       more sbatch options for both jobs, e.g.
#                        "--partition=gpu --gres=gpu:1 --time=2:00:00"
#
# Exit status: 0 submitted; 1 sbatch failed; 2 usage error (or an unknown
# scene or configuration: make names it); 4 sbatch not found.
set -eu
me=submit.sh
here=$(cd "$(dirname "$0")" && pwd)
mk=$here/../Makefile
cpus=${SGS_SLURM_CPUS:-2}
extra=${SGS_SLURM_ARGS:-}

for a in "$@"; do
	case $a in
	[A-Za-z_]*=*) ;;
	*) echo "usage: $me [VARIABLE=value ...]" >&2
		echo "$me: $a: not a make variable assignment" >&2
		exit 2 ;;
	esac
done
case $cpus in '' | *[!0-9]* | 0) echo "$me: SGS_SLURM_CPUS=$cpus: not a count" >&2; exit 2 ;; esac
command -v sbatch > /dev/null 2>&1 || { echo "$me: sbatch not found (Slurm's client commands)" >&2; exit 4; }

scenes=$(make -s -f "$mk" "$@" print-SCENES) || exit 2
out=$(make -s -f "$mk" "$@" print-OUT) || exit 2
n=0
for _ in $scenes; do n=$((n + 1)); done
[ "$n" -ge 1 ] || { echo "$me: no scenes (SCENES is empty)" >&2; exit 2; }
mkdir -p "$out/slurm"

# shellcheck disable=SC2086
array=$(sbatch --parsable --job-name=sgs-batch --array="0-$((n - 1))" \
	--cpus-per-task="$cpus" --output="$out/slurm/task-%A_%a.out" $extra \
	"$here/task.sh" "$mk" "$@") || { echo "$me: sbatch of the array failed" >&2; exit 1; }
array=${array%%;*}
# shellcheck disable=SC2086
tables=$(sbatch --parsable --job-name=sgs-tables --dependency="afterok:$array" \
	--output="$out/slurm/tables-%j.out" $extra \
	"$here/collect.sh" "$mk" "$@") || {
	echo "$me: sbatch of the collecting job failed; cancel the array with: scancel $array" >&2
	exit 1
}
tables=${tables%%;*}
echo "$me: array job $array ($n scenes: $scenes), tables job $tables; logs in $out/slurm" >&2
echo "$array $tables"
