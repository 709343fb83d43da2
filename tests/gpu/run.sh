#!/bin/sh
# GPU checks, in one go, for a borrowed GPU machine (see tests/gpu/README):
# build for sm_90, run the CUDA-vs-CPU operation checks (test_backend_ops:
# one row per render and training operation), the other tests that use
# the CUDA backend and the CPU rasterizer tests, the benchmark, and
# compute-sanitizer on a reduced set of checks.
#
#   sh tests/gpu/run.sh          (from anywhere; works in the repository root)
#
# Logs go to build/gpu-logs/ and, when $OUT names a directory, are copied
# there (at most 8 files).  Exit status 0 only when every check passed.
# Environment: CUDA_ARCH (sm_90), CUDA_HOME (/usr/local/cuda), JOBS (16),
# BUDGET (seconds for everything, 290).

cd "$(dirname "$0")/../.." || exit 1
START=$(date +%s)
CUDA_ARCH=${CUDA_ARCH:-sm_90}
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
JOBS=${JOBS:-16}
BUDGET=${BUDGET:-290}
LOG=build/gpu-logs
mkdir -p "$LOG"
rm -f "$LOG"/*
SUMMARY=$LOG/summary.txt
fail=0

say() { echo "$*" | tee -a "$SUMMARY"; }
elapsed() { echo $(($(date +%s) - START)); }
left() { echo $((BUDGET - $(elapsed))); }
# result NAME STATUS NOTE: STATUS 0 pass, 1 fail, 2 skip
result() {
	case $2 in
	0) say "PASS  $1 $3" ;;
	2) say "SKIP  $1 $3" ;;
	*) say "FAIL  $1 $3"; fail=1 ;;
	esac
}
# limit MAX: a step's timeout, MAX or what the budget leaves
limit() {
	l=$(left)
	[ "$l" -lt 1 ] && l=1
	[ "$l" -lt "$1" ] && echo "$l" || echo "$1"
}
copy_out() {
	if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
		cp "$LOG"/* "$OUT"/ 2>/dev/null
	fi
}
trap copy_out EXIT

# ---- the machine ----
{
	echo "== date"; date -u
	echo "== nvidia-smi"; timeout 30 nvidia-smi 2>&1
	echo "== nvcc"; "$CUDA_HOME/bin/nvcc" --version 2>&1 || nvcc --version 2>&1
	echo "== cc"; cc --version 2>&1 | head -1
	echo "== os"; head -2 /etc/os-release 2>/dev/null
	echo "== cpus"; nproc
} > "$LOG/env.txt" 2>&1
gpu_name=$(timeout 30 nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
say "sgs GPU checks: ${gpu_name:-no GPU visible to nvidia-smi}, CUDA_ARCH=$CUDA_ARCH"
NVCC=$(command -v nvcc 2>/dev/null || { [ -x "$CUDA_HOME/bin/nvcc" ] && echo "$CUDA_HOME/bin/nvcc"; })
if [ -z "$NVCC" ]; then
	result build 1 "(nvcc not found; set CUDA_HOME)"
	exit 1
fi
say "nvcc: $("$NVCC" --version | tail -2 | head -1)"
if ! command -v make >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
	result build 1 "(make or cc not found)"
	exit 1
fi

# ---- Debian/Ubuntu development packages the full build needs ----
have_deps() {
	printf '#include <stdio.h>\n#include <png.h>\n#include <tiffio.h>\n#include <jpeglib.h>\n#include <cjson/cJSON.h>\n#include <zip.h>\n#include <zlib.h>\nint main(void) { return 0; }\n' > build/gpu-deps.c
	cc $(pkg-config --cflags libpng libtiff-4 libcjson libzip 2>/dev/null) build/gpu-deps.c \
		-lpng -ltiff -ljpeg -lcjson -lzip -lz -o build/gpu-deps >> "$LOG/build.log" 2>&1
}
PKGS="libpng-dev libtiff-dev libjpeg-dev libcjson-dev libzip-dev zlib1g-dev pkg-config"
full=1
if ! have_deps; then
	# only when a package mirror resolves: without a network apt-get
	# would spend minutes failing
	if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
		{ timeout 5 getent hosts deb.debian.org >/dev/null 2>&1 ||
			timeout 5 getent hosts archive.ubuntu.com >/dev/null 2>&1; }; then
		say "installing: $PKGS"
		{ timeout 60 apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			timeout 90 apt-get install -y -qq --no-install-recommends $PKGS; } \
			>> "$LOG/build.log" 2>&1
	fi
	have_deps || full=0
fi
[ "${SGS_GPU_MINIMAL:-0}" = 1 ] && full=0 # to try the fallback
# the minimal build gets its own directory: archives of the full build
# hold objects that need the image libraries
BD=build
[ $full = 0 ] && BD=build/gpu-min
if [ $full = 1 ]; then
	say "build: full (image libraries present)"
else
	say "build: MINIMAL - missing and not installable: $PKGS"
	say "       building only what links without the image libraries (test_backend_ops does)"
fi

# ---- build ----
# tests that use the CUDA backend, and the CPU rasterizer tests
TESTS=$(grep -l 'sgs_backend_get("cuda")\|sgs_backend_get("auto")' tests/unit/test_*.c 2>/dev/null)
TESTS=$(printf '%s\n' $TESTS tests/unit/test_raster*.c tests/unit/test_backend_ops.c | sort -u)
TARGETS=""
for t in $TESTS; do
	[ -f "$t" ] && TARGETS="$TARGETS $BD/tests/$(basename "$t" .c)"
done
[ -f tests/bench/bench_render.c ] && TARGETS="$TARGETS $BD/tests/bench_render"
MAKEVARS="WITH_CUDA=1 CUDA_ARCH=$CUDA_ARCH CUDA_HOME=$CUDA_HOME NVCC=$NVCC B=$BD"
if [ $full = 1 ]; then
	timeout "$(limit 200)" make $MAKEVARS -j"$JOBS" -k all $TARGETS >> "$LOG/build.log" 2>&1
else
	# libcommon without the files that need the image libraries, linked
	# without them
	common=$(grep -L '#include <\(png\|tiffio\|jpeglib\|cjson/cJSON\|zip\|zlib\)' libcommon/*.c | tr '\n' ' ')
	timeout "$(limit 200)" make $MAKEVARS -j"$JOBS" -k COMMON_SRC="$common" \
		LDLIBS="-lm -fopenmp -L$CUDA_HOME/lib64 -lcudart_static -ldl -lrt -lpthread -lstdc++" \
		$TARGETS >> "$LOG/build.log" 2>&1
fi
build_rc=$?
say "build: $(elapsed) s so far (make exit $build_rc; log build.log)"
if [ ! -x $BD/tests/test_backend_ops ]; then
	result build 1 "(test_backend_ops did not build; see build.log)"
	grep -E 'error|Error' "$LOG/build.log" | head -20 | tee -a "$SUMMARY"
	exit 1
fi
[ $full = 1 ] && result build $((build_rc != 0)) "(full build)"

# ---- CUDA vs CPU, operation by operation (render and training rows) ----
t=$(limit 180)
timeout "$t" $BD/tests/test_backend_ops > "$LOG/test_backend_ops.tap" 2>&1
rc=$?
nok=$(grep -c '^not ok' "$LOG/test_backend_ops.tap")
nskip=$(grep -c '# SKIP' "$LOG/test_backend_ops.tap")
npass=$(grep -c '^ok' "$LOG/test_backend_ops.tap")
grep -E '^# (cuda|cpu):|max rel err .*\(threshold|entries differ' "$LOG/test_backend_ops.tap" |
	grep '^#' | tee -a "$SUMMARY"
if [ $rc = 124 ]; then
	result test_backend_ops 1 "(timed out after ${t}s)"
elif [ "$nskip" -gt 0 ]; then
	# on this machine the checks must run, not skip
	result test_backend_ops 1 "(skipped: $(grep -m1 '# SKIP' "$LOG/test_backend_ops.tap" | sed 's/.*# SKIP //'))"
else
	result test_backend_ops $((rc != 0 || nok != 0)) "($npass ok, $nok not ok)"
fi
grep -A1 '^not ok' "$LOG/test_backend_ops.tap" | head -40 | tee -a "$SUMMARY"

# ---- the training loop: CUDA against CPU over 200 iterations ----
if [ $full = 1 ] && [ -x bin/sgs-train ]; then
	t=$(limit 90)
	echo "==== train_compare" >> "$LOG/unit.log"
	timeout "$t" sh tests/gpu/train_compare.sh bin build/gpu-train >> "$LOG/unit.log" 2>&1
	rc=$?
	tail -2 "$LOG/unit.log" | tee -a "$SUMMARY"
	result "train cuda vs cpu" $((rc != 0)) "(exit $rc)"
	t=$(limit 120)
	echo "==== train_compare --coreg --unpool --warp" >> "$LOG/unit.log"
	timeout "$t" sh tests/gpu/train_compare.sh bin build/gpu-train-coreg \
		"--coreg --coreg-start 40 --coprune 100 --unpool 3 --warp --warp-start 40" \
		>> "$LOG/unit.log" 2>&1
	rc=$?
	tail -2 "$LOG/unit.log" | tee -a "$SUMMARY"
	result "train cuda vs cpu, --coreg --unpool --warp" $((rc != 0)) "(exit $rc)"
else
	result "train cuda vs cpu" 2 "(tools not built: minimal build)"
fi

# ---- benchmark ----
if [ ! -f tests/bench/bench_render.c ]; then
	result bench 1 "(tests/bench/bench_render.c missing)"
elif [ "$(left)" -lt 20 ]; then
	result bench 2 "(time budget spent)"
elif [ $full = 1 ]; then
	t=$(limit 120)
	timeout "$t" make $MAKEVARS -j"$JOBS" bench > "$LOG/bench.log" 2>&1
	rc=$?
	tail -20 "$LOG/bench.log" | tee -a "$SUMMARY"
	result bench $((rc != 0)) "($( [ $rc = 124 ] && echo "timed out after ${t}s" || echo "exit $rc"))"
elif [ -x $BD/tests/bench_render ]; then
	t=$(limit 120)
	timeout "$t" $BD/tests/bench_render > "$LOG/bench.log" 2>&1
	rc=$?
	tail -20 "$LOG/bench.log" | tee -a "$SUMMARY"
	result bench $((rc != 0)) "(exit $rc)"
else
	result bench 2 "(did not link without the image libraries)"
fi

# ---- the other tests that use the CUDA backend, the CPU rasterizer tests ----
for src in $TESTS; do
	name=$(basename "$src" .c)
	[ "$name" = test_backend_ops ] && continue
	bin=$BD/tests/$name
	if [ ! -x "$bin" ]; then
		result "$name" $((full == 1 ? 1 : 2)) "(not built)"
		continue
	fi
	if [ "$(left)" -lt 15 ]; then
		result "$name" 2 "(time budget spent)"
		continue
	fi
	t=$(limit 90)
	echo "==== $name" >> "$LOG/unit.log"
	timeout "$t" "$bin" >> "$LOG/unit.log" 2>&1
	rc=$?
	n=$(sed -n "/^==== $name\$/,\$p" "$LOG/unit.log" | grep -c '^not ok')
	result "$name" $((rc != 0 || n != 0)) "($n not ok, exit $rc)"
done

# ---- compute-sanitizer on the small cases: out-of-bounds accesses, races ----
SAN=$(command -v compute-sanitizer 2>/dev/null || { [ -x "$CUDA_HOME/bin/compute-sanitizer" ] && echo "$CUDA_HOME/bin/compute-sanitizer"; })
for tool in memcheck racecheck; do
	if [ -z "$SAN" ]; then
		result "sanitizer $tool" 2 "(compute-sanitizer not found)"
		continue
	fi
	if [ "$(left)" -lt 30 ]; then
		result "sanitizer $tool" 2 "(time budget spent)"
		continue
	fi
	t=$(limit 60)
	SGS_TEST_QUICK=1 timeout "$t" "$SAN" --tool "$tool" --error-exitcode 86 \
		$BD/tests/test_backend_ops > "$LOG/sanitizer-$tool.log" 2>&1
	rc=$?
	tail -3 "$LOG/sanitizer-$tool.log" | sed "s/^/  $tool: /" | tee -a "$SUMMARY"
	case $rc in
	0) result "sanitizer $tool" 0 "" ;;
	86) result "sanitizer $tool" 1 "(errors reported; see sanitizer-$tool.log)" ;;
	124) result "sanitizer $tool" 2 "(inconclusive: timed out after ${t}s)" ;;
	*) result "sanitizer $tool" 2 "(inconclusive: exit $rc, e.g. device not supported)" ;;
	esac
done

say "total: $(elapsed) s (budget $BUDGET s); $([ $fail = 0 ] && echo 'all checks passed' || echo 'SOME CHECKS FAILED')"
exit $fail
