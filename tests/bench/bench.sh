#!/bin/sh
# make bench: the trainer's milliseconds per iteration on fern's 3
# protocol views (504x378) at 10k, 100k and 300k Gaussians, by phase, with
# pairs per Gaussian and peak memory, against the numbers committed in
# tests/bench/baseline-cpu.tsv; then the rasterizer's own benchmark.
# Each row is a fresh process (tests/bench/bench_train.c), so its peak
# memory is its own.  Nothing is asserted.
#   SGS_DATA (../shared/data)  where fern is
#   SGS_BENCH_COUNTS            Gaussian counts ("10000 100000 300000")
#   SGS_BENCH_ITERS             measured iterations per row (30)
#   SGS_BENCH_SAVE=file         also write the table as a baseline file
set -eu
cd "$(dirname "$0")/../.."
data=${SGS_DATA:-../shared/data}
counts=${SGS_BENCH_COUNTS:-10000 100000 300000}
iters=${SGS_BENCH_ITERS:-30}
base=tests/bench/baseline-cpu.tsv
bd=${B:-build} # make's build folder
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
threads=${OMP_NUM_THREADS:-$(nproc)}
simd=$("$bd"/tests/bench_simd_path)

if [ -d "$data/llff/fern" ]; then
	scene=$bd/bench/fern3.sgs
	if [ ! -s "$scene" ]; then
		mkdir -p "$bd"/bench
		bin/sgs-init -f llff -p llff -n 3 "$data/llff/fern" -o "$scene.tmp"
		mv "$scene.tmp" "$scene"
	fi
	echo "sgs-train on fern, 3 views at 504x378, random Gaussians, no densification"
	echo "machine: $cpu, $threads threads, SIMD path $simd"
	echo "ms per iteration (mean of $iters after 3 warm-up iterations)"
	[ -s "$base" ] && echo "ratio: baseline time / this time ($(sed -n 's/^# //p' "$base" | head -n 1))"
	rows=$(mktemp)
	trap 'rm -f "$rows"' EXIT
	printf '%9s %8s %8s %7s %8s %8s %6s %8s %7s\n' gaussians forward backward loss optimise \
		total pairs/G peak_MiB ratio
	for n in $counts; do
		row=$("$bd"/tests/bench_train "$scene" "$n" "$iters")
		echo "$row" >> "$rows"
		ratio=-
		if [ -s "$base" ]; then
			ratio=$(awk -F '\t' -v n="$n" -v t="$(echo "$row" | cut -f 6)" \
				'!/^#/ && $1 == n { printf "%.2fx", $6 / t }' "$base")
			bsum=$(awk -F '\t' -v n="$n" '!/^#/ && $1 == n { print $9 }' "$base")
			[ -n "$bsum" ] && [ "$bsum" != "$(echo "$row" | cut -f 9)" ] &&
				echo "warning: the $n Gaussians differ from the baseline's (initialisation changed)" >&2
		fi
		echo "$row" | awk -F '\t' -v r="${ratio:--}" \
			'{ printf "%9s %8s %8s %7s %8s %8s %6s %8s %7s\n", $1, $2, $3, $4, $5, $6, $7, $8, r }'
	done
	if [ -n "${SGS_BENCH_SAVE:-}" ]; then
		{
			printf '# %s, %s threads, %s, %s\n' "$cpu" "$threads" "$simd" \
				"$(git log -1 --format='%h %cs' 2>/dev/null || echo unknown)"
			printf '# gaussians\tforward\tbackward\tloss\toptimise\ttotal\tpairs_per_gaussian\tpeak_rss_mib\tchecksum\n'
			cat "$rows"
		} > "$SGS_BENCH_SAVE"
	fi
else
	echo "bench: $data/llff/fern absent: no training table (set SGS_DATA)"
fi
echo
"$bd"/tests/bench_render
