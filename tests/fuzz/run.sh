#!/bin/sh
# make fuzz: runs each libFuzzer harness named on the command line for
# FUZZ_SECONDS seconds (or FUZZ_RUNS executions, whichever ends first:
# a campaign with a target count that a busy machine cannot cut short),
# from its seed corpus ($B/fuzz-seeds/NAME) and what
# earlier runs found ($B/corpus/NAME, kept), with tests/fuzz/NAME.dict when
# there is one.  A crash leaves its input in $B/crashes/NAME/; turn it into
# a regression input under tests/fuzz/regress/NAME/ once fixed.  Prints
# executions, executions per second and findings per harness; exits 1 if
# any harness found something.
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
runs=
[ -n "${FUZZ_RUNS:-}" ] && runs="-runs=$FUZZ_RUNS"
# Most harnesses write their input to a file on every run: on a tmpfs
# (/dev/shm) when there is one, several times faster than a disk.
if [ -d /dev/shm ] && [ -w /dev/shm ] && shm=$(mktemp -d /dev/shm/sgs-fuzz.XXXXXX 2>/dev/null); then
	TMPDIR=$shm
else
	TMPDIR=$(pwd)/$B/tmp
fi
export TMPDIR
# One OpenMP thread: the readers need none, and the ckpt harness's training
# step spent most of its time synchronising threads (6x slower on a busy
# machine).
OMP_NUM_THREADS=1
export OMP_NUM_THREADS
found=0
printf '%-14s %10s %9s %9s  %s\n' harness executions exec/s corpus findings
for name in "$@"; do
	mkdir -p "$B/corpus/$name" "$B/crashes/$name"
	rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	log=$B/fuzz-$name.log
	before=$(ls "$B/crashes/$name" | wc -l)
	# -rss_limit_mb: a reader that allocates what a header claims instead
	# of what the input holds shows up as an out-of-memory finding.
	"$B/fuzz/$name" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$B/crashes/$name/" $dict $runs \
		"$B/corpus/$name" "$B/fuzz-seeds/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	corpus=$(ls "$B/corpus/$name" | wc -l)
	new=$(( $(ls "$B/crashes/$name" | wc -l) - before ))
	what=none
	if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
		found=1
		what="$new new in $B/crashes/$name/ (exit $rc; see $log)"
		grep -m1 -E '^==[0-9]+==ERROR|SUMMARY|fuzz invariant|runtime error' "$log" | sed 's/^/    /'
	fi
	printf '%-14s %10s %9s %9s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "$corpus" "$what"
done
rm -rf "$TMPDIR"
exit "$found"
