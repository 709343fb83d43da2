#!/bin/sh
# The demo behind `make demo`: the built-in synthetic scene through the
# whole pipeline -- import, train, render the test views, evaluate -- in
# about a minute on two CPU cores.  Everything goes to demo-out/:
#   synthetic.sgs   the scene (12 views of 128x96, 10 train, 2 test)
#   model.ply       the trained Gaussians (Inria PLY, opens in any viewer)
#   train.tsv       the training log (sgs-train -l)
#   renders/        the test views rendered from the model
#   errors/         colour-mapped absolute error against the ground truth
#   pictures/       ground truth | render | error | depth per test view, and
#                   index.png, all of them on one sheet (sgs-eval -g)
# SGS_DEMO_ITERATIONS and SGS_DEMO_BACKEND change the run.
set -eu
cd "$(dirname "$0")/.."
out=demo-out
iterations=${SGS_DEMO_ITERATIONS:-1000}
backend=${SGS_DEMO_BACKEND:-auto}
mkdir -p "$out/renders" "$out/errors"

bin/sgs-init -f synthetic -W 128 -H 96 -N 12 -o "$out/synthetic.sgs"
bin/sgs-init -i "$out/synthetic.sgs" | sed -n '3,6p'

# The synthetic scene has no seed points: start from random points in the
# train frusta.  The cap keeps the CPU time per iteration bounded.  An
# opacity reset every 300 iterations prunes the floaters that the test
# views see (test PSNR 12.6 dB without it, 17.4 with it, at 1000
# iterations).
start=$(date +%s)
bin/sgs-train -b "$backend" -I random -N 5000 --max-gaussians 10000 --reset 300 -n "$iterations" \
	-l "$out/train.tsv" -o "$out/model.ply" "$out/synthetic.sgs"
end=$(date +%s)
# Columns by name: the log has one column per loss term.
awk -F'\t' -v s=$((end - start)) '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ last = $0 }
	END { split(last, f, "\t"); printf "trained %d iterations in %d s: %d Gaussians, last train view %.2f dB\n",
		f[col["iteration"]], s, f[col["gaussians"]], f[col["psnr"]] }' "$out/train.tsv"

bin/sgs-render -b "$backend" -s test -d -o "$out/renders" "$out/synthetic.sgs" "$out/model.ply"
# Every synthetic view has an object mask; -m nomask scores whole images
# (the masked DTU rule would score the objects only).
echo "test views (PSNR dB, SSIM):"
bin/sgs-eval -m nomask -s test -e "$out/errors" -g "$out/pictures" "$out/synthetic.sgs" "$out/renders"
echo "renders in $out/renders, error maps in $out/errors, pictures in $out/pictures (index.png)"
