# Shared set-up for the Bats suites: Debian's bats-support and bats-assert,
# the built tools on PATH, a scratch directory per test.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
# SGS_BIN: the tools under test (make check-asan points it at its own build)
PATH="${SGS_BIN:-$ROOT/bin}:$PATH"
DATA="${SGS_DATA:-$ROOT/../shared/data}"
# The suites test sgs-train's recipe option by option: its automatic
# --preset (sparse for at most 9 train views) is off unless a test turns
# it back on (sgs-train.bats tests the preset itself).
export SGS_PRESET=none

setup() {
	TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/sgs.XXXXXX")"
	cd "$TMP" || return 1
}

teardown() {
	cd / && rm -rf "$TMP"
}

need_data() {
	# SGS_TEST_QUICK (make check-asan): the real captures are left out
	[ -z "${SGS_TEST_QUICK:-}" ] || [ "$SGS_TEST_QUICK" = 0 ] || skip "SGS_TEST_QUICK: real captures left out"
	[ -d "$DATA/$1" ] || skip "$DATA/$1 absent"
}

# No file left behind whose name starts with $1 (temporaries included).
assert_no_output_file() {
	run sh -c "ls -A | grep -F \"$1\""
	assert_output ''
}

# An NVIDIA GPU that the driver sees (the CUDA backend can then start).
gpu_present() {
	command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1
}
