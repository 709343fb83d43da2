#!/bin/sh
# Runs every C unit test program given as an argument (the rasterizer's
# again on the CPU's other vector loops) and every Bats suite
# in tests/bats, all producing TAP, then lints the man pages and checks the
# include layering (tests/layers.sh), one count each; ends with one summary line.
# Per-program output goes to $B/test-logs/ (B: the build folder, default
# build); failures are echoed.  With SGS_SAN_LOGS set (make check-asan), every
# sanitizer report written there is one more failure.
cd "$(dirname "$0")/.." || exit 1
logs=${B:-build}/test-logs
mkdir -p "$logs"
pass=0 fail=0 skipped=0 broken=0

count() { # $1 = log file, $2 = exit status of the program
	p=$(grep -c '^ok ' "$1" || true)
	s=$(grep -c '^ok .*# [Ss][Kk][Ii][Pp]' "$1" || true)
	f=$(grep -c '^not ok ' "$1" || true)
	p=$((p - s))
	pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + s))
	if [ "$f" -gt 0 ] || { [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		[ "$f" -eq 0 ] && { fail=$((fail + 1)); echo "FAIL: $3 exited $2 without a failing test (crash?)"; }
		echo "---- $3 ----"; grep -v '^ok ' "$1" | head -60
	fi
	printf '%-40s %4d passed %3d failed %3d skipped\n' "$3" "$p" "$f" "$s"
}

for t in "$@"; do
	name=$(basename "$t")
	"$t" > "$logs/$name.tap" 2>&1
	count "$logs/$name.tap" $? "$name"
done

# The CPU backend's other vector loops (the widest the CPU runs is the
# default above) run the rasterizer and training-op tests again: the
# portable ones, and AVX2 where the default is AVX-512.
simd_default=$(env -u SGS_CPU_SIMD "$(dirname "$1")/bench_simd_path" 2>/dev/null || echo unknown)
for path in portable avx2; do
	[ "$path" = avx2 ] && [ "$simd_default" != avx512 ] && continue
	for t in "$@"; do
		name=$(basename "$t")
		case $name in test_raster_*|test_train_ops|test_backend_ops) ;; *) continue ;; esac
		SGS_CPU_SIMD=$path "$t" > "$logs/$name-$path.tap" 2>&1
		count "$logs/$name-$path.tap" $? "$name ($path)"
	done
done

if command -v bats >/dev/null 2>&1; then
	for b in tests/bats/*.bats; do
		[ -f "$b" ] || continue
		name=$(basename "$b")
		bats --tap "$b" > "$logs/$name.tap" 2>&1
		count "$logs/$name.tap" $? "$name"
	done
else
	echo "bats not found: CLI suites not run"; fail=$((fail + 1))
fi

if command -v mandoc >/dev/null 2>&1; then
	out=$(mandoc -T lint -W warning man/*.[157] 2>&1)
	if [ -z "$out" ]; then pass=$((pass + 1)); echo "mandoc -T lint man/*                    clean";
	else fail=$((fail + 1)); echo "---- mandoc -T lint ----"; echo "$out"; fi
else
	echo "mandoc not found: man pages not linted"; fail=$((fail + 1))
fi

# Include layering: cmd -> train -> kernels -> libcommon, and the import
# stack's layers inside libcommon (see libcommon/sgs_import.h).
if out=$(sh tests/layers.sh 2>&1); then
	pass=$((pass + 1)); printf '%-40s %s\n' "layers.sh (include layering)" clean
else
	fail=$((fail + 1)); echo "---- tests/layers.sh ----"; echo "$out"
fi

# Sanitizer reports (log_path in ASAN_OPTIONS / UBSAN_OPTIONS): one failure
# each, whatever the exit status of the program that wrote it.
if [ -n "${SGS_SAN_LOGS:-}" ]; then
	n=0
	for r in "$SGS_SAN_LOGS"/*; do
		[ -f "$r" ] || continue
		n=$((n + 1))
		echo "---- sanitizer report $r ----"; head -40 "$r"
	done
	fail=$((fail + n))
	printf '%-40s %4d reports\n' "sanitizer reports" "$n"
fi

line="$pass passed, $fail failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$fail" -eq 0 ]
