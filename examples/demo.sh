#!/bin/sh
# The demo behind `make demo`: few views of the built-in synthetic scene,
# vanilla Gaussian Splatting next to sgs's sparse-view pipeline, in about
# a minute on two CPU cores.  Everything goes to demo-out/:
#   synthetic.sgs      the scene: 24 views of 192x144 around the objects,
#                      4 of them train (90 degrees apart), 20 test
#   vanilla.ply        Inria's recipe from random points (--preset none)
#   priors.sgs         the scene with sgs-depth's plane-sweep priors and
#                      fused seed points
#   sparse.ply         sgs-train's defaults on it: -I auto starts from the
#                      priors, and --preset auto turns on the sparse preset
#   vanilla/, sparse/  the test views rendered from each model
#   compare/           ground truth | vanilla | sparse | sparse's error |
#                      sparse's depth, one image per test view, and
#                      index.png, all of them (sgs-eval -g --baseline)
#   vanilla.tsv, sparse.tsv  the training logs (sgs-train -l)
# SGS_DEMO_ITERATIONS and SGS_DEMO_BACKEND change the runs.
set -eu
cd "$(dirname "$0")/.."
out=demo-out
iterations=${SGS_DEMO_ITERATIONS:-1000}
backend=${SGS_DEMO_BACKEND:-auto}
rm -rf "$out/vanilla" "$out/sparse" "$out/compare"
mkdir -p "$out"

bin/sgs-init -f synthetic -W 192 -H 144 -N 24 -n 4 -o "$out/synthetic.sgs"
bin/sgs-init -i "$out/synthetic.sgs" | sed -n '4p'

# $1 = name, $2 = scene, the rest sgs-train's options: trains, renders the
# test views (with depth) and prints the seconds it took.
train() {
	name=$1 scene=$2
	shift 2
	start=$(date +%s)
	bin/sgs-train -b "$backend" --max-gaussians 10000 -n "$iterations" "$@" \
		-l "$out/$name.tsv" -o "$out/$name.ply" "$scene"
	end=$(date +%s)
	bin/sgs-render -b "$backend" -s test -d -o "$out/$name" "$scene" "$out/$name.ply"
	echo "$name: trained in $((end - start)) s, $(tail -n 1 "$out/$name.tsv" | cut -f "$(gaussians_col "$out/$name.tsv")") Gaussians"
}
gaussians_col() { head -n 1 "$1" | tr '\t' '\n' | grep -nx gaussians | cut -d: -f1; }

# Vanilla: the synthetic scene has no seed points, so random ones, and
# none of the sparse-view terms.
train vanilla "$out/synthetic.sgs" --preset none -I random -N 5000

# Sparse: plane-sweep depth priors between the train views, then the
# defaults (sgs-train says that it picks the sparse preset).
start=$(date +%s)
bin/sgs-depth -b "$backend" --points "$out/synthetic.sgs" > "$out/priors.sgs"
echo "sparse: depth priors in $(($(date +%s) - start)) s"
train sparse "$out/priors.sgs"

# Every synthetic view has an object mask; -m nomask scores whole images.
score() { bin/sgs-eval -m nomask -s test "$out/synthetic.sgs" "$out/$1" | awk -F'\t' '$1 == "mean" { printf "%.2f dB (SSIM %.3f)", $2, $3 }'; }
echo "test views, mean PSNR: vanilla $(score vanilla), sparse $(score sparse)"
bin/sgs-eval -m nomask -s test -g "$out/compare" --baseline "$out/vanilla" "$out/synthetic.sgs" \
	"$out/sparse" > /dev/null
echo "pictures: $out/compare/index.png (every test view), $out/compare/view_*_compare.png"
