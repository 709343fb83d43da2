#!/bin/sh
# make bench-quality: the default sparse-view recipe on the real captures
# (fern 3 views, lego 8 views, DTU scan24 3 views), scored on their
# held-out views, in named configurations:
#   random  the scene as imported (no seed points: random initialisation)
#   mvs     sgs-depth --points first: plane-sweep depth priors (the depth
#           loss term), initialised from the fused points (-I seeds)
#   mvs-depth  the same scene initialised from the prior pixels (-I depth,
#           what -I auto chooses for a scene with priors)
#   mvs-depth+dropout, mvs-depth+decay, mvs-depth+scale, mvs-depth+floaters,
#   mvs-depth+coreg, mvs-depth+unpool
#           mvs-depth with one regulariser of sgs-train(1) on (not in the
#           default list; name them in SGS_BENCH_CONFIGS): --dropout 0.2,
#           --opacity-decay 0.995, --scale-ratio-weight 0.01
#           --scale-max-weight 0.1, --prune-floaters 3, --coreg (two
#           fields: about 3.6x the time), --unpool 3
#   mvs-depth+warp
#           mvs-depth with warp consistency from virtual binocular views
#           (--warp, its defaults; about twice the time per iteration
#           once it starts: a second render and backward)
#   mvs-depth+patch, +relative, +rank, +continuity, +smooth
#           mvs-depth with one local depth term of weight 0.1 (also
#           outside the default list)
#   combo   mvs-depth with --dropout 0.2 and --depth-smooth-weight 0.1 (the
#           two that helped fern alone; what sgs-train --preset sparse
#           turns on); combo+warp adds --warp, combo+floaters adds
#           --prune-floaters 3 (which helped DTU alone)
#   hull, hull+sparse  NOT the DTU protocol (nor the Blender one): the
#           train views' masks shape the run (sgs-train --train-masks).
#           The first Gaussians on the surface of a visual hull carved
#           from the train masks (-I hull; lego's alpha is its mask, so
#           its scene keeps alpha, sgs-init -a), with the plane-sweep
#           priors' depth term as mvs-depth; hull+sparse adds --preset
#           sparse.  Trained on scenes of their own (mvs-masks.sgs), scored
#           against the protocol's scene like every other configuration.
# Every configuration names its options: sgs-train's automatic preset is
# off here (SGS_PRESET=none), so mvs-depth is the recipe without it and
# combo is what a newcomer's defaults give on these scenes.
# Resumable: every stage writes its output under a temporary name and
# renames it, finished stages are skipped, and training checkpoints every
# 250 iterations and resumes from there, so a stopped run loses at most a
# few minutes.  Results go to bench-out/quality/results.tsv, one line per
# configuration and scene, with the machine named; the priors' scores
# go to bench-out/quality/priors.tsv.
#   SGS_DATA (../shared/data)      where the captures are
#   SGS_BENCH_SCENES               subset, e.g. "fern dtu"
#   SGS_BENCH_CONFIGS              subset, e.g. "mvs" (default "random mvs mvs-depth")
#   SGS_BENCH_ARGS                 extra sgs-train options (e.g. "-n 2000")
#   SGS_BENCH_OUT (bench-out/quality)
#   SGS_BIN (bin)                   where the tools are
set -eu
cd "$(dirname "$0")/../.."
export SGS_PRESET=none
data=${SGS_DATA:-../shared/data}
out=${SGS_BENCH_OUT:-bench-out/quality}
scenes=${SGS_BENCH_SCENES:-fern lego dtu}
configs=${SGS_BENCH_CONFIGS:-random mvs mvs-depth}
args=${SGS_BENCH_ARGS:-}
bin=${SGS_BIN:-bin}
if [ ! -d "$data" ]; then
	echo "bench-quality: $data: no real captures (set SGS_DATA)" >&2
	exit 1
fi
mkdir -p "$out"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
machine="$(uname -n), $cpu, $(nproc) threads"

scene_args() {
	case $1 in
	fern) echo "-f llff -p llff -n 3 $data/llff/fern" ;;
	lego) echo "-f blender -p blender -n 8 $data/blender/lego" ;;
	dtu) echo "-f dtu -p dtu -n 3 $data/dtu/scan24" ;;
	*) echo "bench-quality: unknown scene $1" >&2; exit 2 ;;
	esac
}

# $1 = scene: the import options of the scene that keeps what masks the
# capture has for training (lego's alpha; DTU's train masks are kept)
mask_scene_args() {
	case $1 in
	lego) echo "-a $(scene_args "$1")" ;;
	*) scene_args "$1" ;;
	esac
}

# $1 = configuration, $2 = scene folder: the scene that configuration
# trains on (made once)
config_scene() {
	case $1 in
	random) echo "$2/scene.sgs" ;;
	hull*)
		# shellcheck disable=SC2046
		[ -s "$2/scene-masks.sgs" ] || { "$bin"/sgs-init $(mask_scene_args "$(basename "$2")") \
			-o "$2/scene-masks.sgs.tmp" && mv "$2/scene-masks.sgs.tmp" "$2/scene-masks.sgs"; } ||
			return 1
		[ -s "$2/mvs-masks.sgs" ] || { echo "bench-quality: plane sweep for $2 (masks kept)" >&2 &&
			"$bin"/sgs-depth -v --points "$2/scene-masks.sgs" > "$2/mvs-masks.sgs.tmp" \
				2>> "$2/depth.err" && mv "$2/mvs-masks.sgs.tmp" "$2/mvs-masks.sgs"; } || return 1
		echo "$2/mvs-masks.sgs" ;;
	mvs | mvs-depth | mvs-depth+* | combo*)
		[ -s "$2/mvs.sgs" ] || { echo "bench-quality: plane sweep for $2" >&2 &&
			"$bin"/sgs-depth -v --points "$2/scene.sgs" > "$2/mvs.sgs.tmp" 2>> "$2/depth.err" &&
			mv "$2/mvs.sgs.tmp" "$2/mvs.sgs"; } || return 1
		echo "$2/mvs.sgs" ;;
	*) echo "bench-quality: unknown configuration $1" >&2; return 2 ;;
	esac
}

# $1 = configuration: its sgs-train options
config_args() {
	case $1 in
	random) echo "" ;;
	mvs) echo "-I seeds" ;;
	mvs-depth) echo "-I depth" ;;
	mvs-depth+dropout) echo "-I depth --dropout 0.2" ;;
	mvs-depth+decay) echo "-I depth --opacity-decay 0.995" ;;
	mvs-depth+scale) echo "-I depth --scale-ratio-weight 0.01 --scale-max-weight 0.1" ;;
	mvs-depth+floaters) echo "-I depth --prune-floaters 3" ;;
	mvs-depth+coreg) echo "-I depth --coreg" ;;
	mvs-depth+unpool) echo "-I depth --unpool 3" ;;
	mvs-depth+patch) echo "-I depth --depth-patch-weight 0.1" ;;
	mvs-depth+relative) echo "-I depth --depth-relative-weight 0.1" ;;
	mvs-depth+rank) echo "-I depth --depth-rank-weight 0.1" ;;
	mvs-depth+continuity) echo "-I depth --depth-continuity-weight 0.1" ;;
	mvs-depth+smooth) echo "-I depth --depth-smooth-weight 0.1" ;;
	mvs-depth+warp) echo "-I depth --warp" ;;
	combo) echo "-I depth --preset sparse" ;;
	combo+warp) echo "-I depth --preset sparse --warp" ;;
	combo+floaters) echo "-I depth --dropout 0.2 --depth-smooth-weight 0.1 --prune-floaters 3" ;;
	hull) echo "-I hull --train-masks" ;;
	hull+sparse) echo "-I hull --train-masks --preset sparse" ;;
	*) echo "bench-quality: unknown configuration $1" >&2; return 2 ;;
	esac
}

for s in $scenes; do
	sd=$out/$s
	mkdir -p "$sd"
	# shellcheck disable=SC2046
	[ -s "$sd/scene.sgs" ] || { "$bin"/sgs-init $(scene_args "$s") -o "$sd/scene.sgs.tmp" &&
		mv "$sd/scene.sgs.tmp" "$sd/scene.sgs"; }
	for c in $configs; do
		d=$out/$c/$s
		mkdir -p "$d"
		sc=$(config_scene "$c" "$sd")
		cargs=$(config_args "$c") || exit 2
		if [ ! -s "$d/model.ply" ]; then
			resume=
			[ -s "$d/train.ckpt" ] && resume="--resume $d/train.ckpt"
			echo "bench-quality: training $s ($c)${resume:+ (resuming)}" >&2
			[ -n "$resume" ] && cargs= # the checkpoint has them
			# shellcheck disable=SC2086
			"$bin"/sgs-train -b cpu -v $cargs $args $resume -c 250 --checkpoint "$d/train.ckpt" \
				-l "$d/train.tsv" -o "$d/model.ply" "$sc" 2>>"$d/train.err"
			rm -f "$d/train.ckpt"
		fi
		if [ ! -s "$d/eval.tsv" ]; then
			rm -rf "$d/renders"
			# scored against the protocol's scene (what hull* trained on
			# differs in its train views only, or in keeping lego's alpha)
			"$bin"/sgs-render -b cpu -s test -o "$d/renders" "$sd/scene.sgs" "$d/model.ply"
			"$bin"/sgs-eval -s test "$sd/scene.sgs" "$d/renders" > "$d/eval.tsv.tmp"
			mv "$d/eval.tsv.tmp" "$d/eval.tsv"
		fi
	done
done

# One line per configuration and scene: the log's last line gives
# iterations, Gaussians and seconds (resumed runs included); the
# evaluation's mean line the scores.  Every configuration measured so
# far is listed, not only this run's.
configs=$(for d in "$out"/*/*/eval.tsv; do [ -s "$d" ] && basename "$(dirname "$(dirname "$d")")"; done |
	sort -u)
scenes_done() { for s in fern lego dtu; do [ -s "$out/$1/$s/eval.tsv" ] && echo "$s"; done; }
{
	printf '# %s, %s\n' "$machine" "$(date -u +%Y-%m-%dT%H:%MZ)"
	printf 'config\tscene\titerations\tseconds\tgaussians\ttest_psnr\ttest_ssim\n'
	for c in $configs; do
		for s in $(scenes_done "$c"); do
			d=$out/$c/$s
			last=$(tail -n 1 "$d/train.tsv")
			col() { head -n 1 "$d/train.tsv" | tr '\t' '\n' | grep -nx "$1" | cut -d: -f1; }
			it=$(echo "$last" | cut -f "$(col iteration)")
			sec=$(echo "$last" | cut -f "$(col seconds)")
			g=$(echo "$last" | cut -f "$(col gaussians)")
			mean=$(grep '^mean' "$d/eval.tsv")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$s" "$it" "$sec" "$g" \
				"$(echo "$mean" | cut -f 2)" "$(echo "$mean" | cut -f 3)"
		done
	done
} > "$out/results.tsv"
cat "$out/results.tsv"

# The plane-sweep priors the mvs configurations train with: completeness
# (confident pixels) on every scene, and their errors against ground-truth
# depth where a scene has it (the synthetic one, 8 train views 45 degrees
# apart: its 3-view split has no overlap to match; added here for that
# alone).
syn=$out/synthetic
mkdir -p "$syn"
[ -s "$syn/scene.sgs" ] || { "$bin"/sgs-init -f synthetic -N 12 -n 8 -o "$syn/scene.sgs.tmp" &&
	mv "$syn/scene.sgs.tmp" "$syn/scene.sgs"; }
config_scene mvs "$syn" > /dev/null
{
	printf 'scene\tprior_absrel\tprior_delta1\tprior_completeness\n'
	for s in $scenes synthetic; do
		[ -s "$out/$s/mvs.sgs" ] || continue
		"$bin"/sgs-eval --prior "$out/$s/mvs.sgs" | awk -F '\t' -v s="$s" \
			'$1 == "mean" { printf "%s\t%s\t%s\t%s\n", s, $2, $3, $4 }'
	done
} > "$out/priors.tsv"
cat "$out/priors.tsv"
