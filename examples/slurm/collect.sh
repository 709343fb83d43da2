#!/bin/sh
# The job that examples/slurm/submit.sh makes wait for the whole array
# (--dependency=afterok): collect.sh MAKEFILE [VARIABLE=value ...] merges
# every (scene, configuration)'s scores into $(OUT)/results.tsv and
# results.md (make's target tables).  POSIX sh.
#SBATCH --job-name=sgs-tables
set -eu
[ $# -ge 1 ] || { echo "usage: collect.sh MAKEFILE [VARIABLE=value ...]" >&2; exit 2; }
mk=$1
shift
make -f "$mk" "$@" tables
cat "$(make -s -f "$mk" "$@" print-OUT)/results.tsv"
