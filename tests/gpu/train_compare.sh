#!/bin/sh
# The CUDA training loop against the CPU loop (issue 4): the same tiny
# synthetic scene, seed and schedule on both backends for 200 iterations,
# comparing the logged losses.  Float sums are ordered differently on the
# GPU (atomics), so the runs drift apart slowly instead of matching bit for
# bit; the tolerance below is what that drift allows:
#   - mean relative loss difference over the 200 iterations < 5 %,
#   - mean loss of the last 50 iterations within 5 % of each other,
#   - Gaussian counts after densification within 10 % of each other.
# usage: train_compare.sh BINDIR WORKDIR ["MORE SGS-TRAIN OPTIONS"]
# (run.sh runs it again with --coreg, --unpool and --warp: two fields,
# pseudo views, co-pruning, unpooling and warp consistency)
set -u
bin=$1
work=$2
more=${3:-}
mkdir -p "$work"
"$bin/sgs-init" -f synthetic -W 48 -H 36 -N 8 -o "$work/s.sgs" || exit 1
for be in cpu cuda; do
	# --densify: a 200-iteration run would not densify on the default schedule
	# shellcheck disable=SC2086
	"$bin/sgs-train" -b $be -S 1 -I random -N 2000 -n 200 --densify 20:150:21 $more \
		-l "$work/$be.tsv" -o "$work/$be.ply" "$work/s.sgs" || { echo "sgs-train -b $be failed"; exit 1; }
done
paste "$work/cpu.tsv" "$work/cuda.tsv" | awk -F'\t' '
	NR == 1 { # columns by name; the CUDA log is the second half
		for (i = 1; i <= NF / 2; i++) col[$i] = i
		L = col["loss"]; G = col["gaussians"]; H = NF / 2
		next
	}
	{
		n++; d = ($L - $(L + H)) / ($L > 0 ? $L : 1); if (d < 0) d = -d; sum += d
		if ($1 > 150) { lc += $L; lg += $(L + H); m++ }
		gc = $G; gg = $(G + H)
	}
	END {
		mean = sum / n; tail = (lc - lg) / lc; if (tail < 0) tail = -tail
		cnt = (gc - gg) / gc; if (cnt < 0) cnt = -cnt
		printf "train cpu vs cuda: %d iterations, mean rel loss diff %.4f (< 0.05), " \
			"last-50 mean loss cpu %.5f cuda %.5f (diff %.4f < 0.05), gaussians %d vs %d\n",
			n, mean, lc / m, lg / m, tail, gc, gg
		exit !(n == 200 && mean < 0.05 && tail < 0.05 && cnt < 0.10)
	}'
