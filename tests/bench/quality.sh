#!/bin/sh
# make bench-quality: the default sparse-view recipe on the real captures
# (fern 3 views, lego 8 views, DTU scan24 3 views, random initialisation),
# scored on their held-out views.  Resumable: every stage writes its output
# under a temporary name and renames it, finished stages are skipped, and
# training checkpoints every 250 iterations and resumes from there, so a
# stopped run loses at most a few minutes.  Results go to
# bench-out/quality/results.tsv, one line per scene, with the machine named.
#   SGS_DATA (../shared/data)      where the captures are
#   SGS_BENCH_SCENES               subset, e.g. "fern dtu"
#   SGS_BENCH_ARGS                 extra sgs-train options (e.g. "-n 2000")
#   SGS_BENCH_OUT (bench-out/quality)
#   SGS_BIN (bin)                   where the tools are
set -eu
cd "$(dirname "$0")/../.."
data=${SGS_DATA:-../shared/data}
out=${SGS_BENCH_OUT:-bench-out/quality}
scenes=${SGS_BENCH_SCENES:-fern lego dtu}
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

for s in $scenes; do
	d=$out/$s
	mkdir -p "$d"
	# shellcheck disable=SC2046
	[ -s "$d/scene.sgs" ] || { "$bin"/sgs-init $(scene_args "$s") -o "$d/scene.sgs.tmp" &&
		mv "$d/scene.sgs.tmp" "$d/scene.sgs"; }
	if [ ! -s "$d/model.ply" ]; then
		resume=
		[ -s "$d/train.ckpt" ] && resume="--resume $d/train.ckpt"
		echo "bench-quality: training $s${resume:+ (resuming)}" >&2
		# shellcheck disable=SC2086
		"$bin"/sgs-train -b cpu -v $args $resume -c 250 --checkpoint "$d/train.ckpt" \
			-l "$d/train.tsv" -o "$d/model.ply" "$d/scene.sgs" 2>>"$d/train.err"
		rm -f "$d/train.ckpt"
	fi
	if [ ! -s "$d/eval.tsv" ]; then
		rm -rf "$d/renders"
		"$bin"/sgs-render -b cpu -s test -o "$d/renders" "$d/scene.sgs" "$d/model.ply"
		"$bin"/sgs-eval -s test "$d/scene.sgs" "$d/renders" > "$d/eval.tsv.tmp"
		mv "$d/eval.tsv.tmp" "$d/eval.tsv"
	fi
done

# One line per scene: the log's last line gives iterations, Gaussians and
# seconds (resumed runs included); the evaluation's mean line the scores.
{
	printf '# %s, %s\n' "$machine" "$(date -u +%Y-%m-%dT%H:%MZ)"
	printf 'scene\titerations\tseconds\tgaussians\ttest_psnr\ttest_ssim\n'
	for s in $scenes; do
		d=$out/$s
		last=$(tail -n 1 "$d/train.tsv")
		col() { head -n 1 "$d/train.tsv" | tr '\t' '\n' | grep -nx "$1" | cut -d: -f1; }
		it=$(echo "$last" | cut -f "$(col iteration)")
		sec=$(echo "$last" | cut -f "$(col seconds)")
		g=$(echo "$last" | cut -f "$(col gaussians)")
		mean=$(grep '^mean' "$d/eval.tsv")
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$it" "$sec" "$g" \
			"$(echo "$mean" | cut -f 2)" "$(echo "$mean" | cut -f 3)"
	done
} > "$out/results.tsv"
cat "$out/results.tsv"
