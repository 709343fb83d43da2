#!/bin/sh
# photos.sh DIR [OUT]: a folder of your own photos (JPEG or PNG, one scene,
# taken from different places around it) through the whole sparse-view
# pipeline.  POSIX sh.
#
#   1. COLMAP on the CPU: feature_extractor (SIFT), exhaustive_matcher,
#      mapper -- the camera poses and intrinsics, and a sparse point cloud
#   2. sgs-init -f colmap -p llff: the scene (lens distortion removed on
#      import; every 8th photo by name held out to test, the others train;
#      photos larger than SGS_PHOTOS_SIZE downscaled by an integer factor)
#   3. sgs-depth --points: plane-sweep depth priors and seed points
#   4. sgs-train --preset sparse: the model
#   5. sgs-render: every view, and a spiral fly-through (also as a video
#      with examples/video.sh when ffmpeg is installed); sgs-eval on the
#      test views
#
# Everything goes to OUT (default photos-out), nothing elsewhere:
#   colmap/images/       links to the photos used (odd characters -> _,
#                        then _2, _3 ... where two names would meet)
#   colmap/database.db   COLMAP's features and matches
#   colmap/models/N/     every model the mapper made
#   colmap/sparse/0/     the largest, as text (what sgs-init reads)
#   colmap/*.log         COLMAP's output, one log per step
#   scene.sgs  depth.sgs  model.ply  train.tsv
#   renders/             every view rendered from the model (train and test)
#   errors/  scores.tsv  test views' error maps and PSNR/SSIM (when any)
#   flythrough/          spiral frames; flythrough.mp4 when a video was made
# A step whose output exists and is newer than what it is made from is
# skipped, so a stopped run resumes; delete an output (or OUT) to redo it
# and what follows.
#
# Environment:
#   SGS_BIN (bin next to this script)  the sgs tools
#   SGS_PHOTOS_SIZE (1000)        longest side, in pixels, of the scene's
#                                 images: larger photos are downscaled
#   SGS_PHOTOS_ITERATIONS         sgs-train -n (its default otherwise)
#   SGS_PHOTOS_TRAIN              train views (default: every photo that
#                                 does not test)
#   SGS_PHOTOS_PROTOCOL (llff)    llff (every 8th photo tests) or all
#                                 (every photo trains: no scores)
#   SGS_PHOTOS_FRAMES (120)       fly-through frames (0: none)
#   SGS_PHOTOS_BACKEND (auto)     sgs backend: auto, cpu or cuda
#   SGS_PHOTOS_THREADS (-1: all)  COLMAP's threads
#   SGS_PHOTOS_SINGLE_CAMERA (1)  1: one camera (same lens and size) for
#                                 every photo; 0: one per photo
#   SGS_PHOTOS_CAMERA_MODEL (SIMPLE_RADIAL)  COLMAP camera model
#   SGS_PHOTOS_CAMERA_PARAMS      known intrinsics for that model, e.g.
#                                 "f,cx,cy,k" for SIMPLE_RADIAL
#   SGS_PHOTOS_MATCHER_ARGS, SGS_PHOTOS_MAPPER_ARGS  more COLMAP options
#
# Exit status: 0 done (a warning says when some photos did not register);
# 1 a step failed (its message above); 2 usage error; 3 structure from
# motion failed (fewer than two photos registered: what to try is printed);
# 4 colmap or an sgs tool is missing.
set -eu
me=photos.sh
here=$(cd "$(dirname "$0")" && pwd)
bin=${SGS_BIN:-$here/../bin}
size=${SGS_PHOTOS_SIZE:-1000}
iterations=${SGS_PHOTOS_ITERATIONS:-}
ntrain=${SGS_PHOTOS_TRAIN:-}
protocol=${SGS_PHOTOS_PROTOCOL:-llff}
frames=${SGS_PHOTOS_FRAMES:-120}
backend=${SGS_PHOTOS_BACKEND:-auto}
threads=${SGS_PHOTOS_THREADS:--1}
single=${SGS_PHOTOS_SINGLE_CAMERA:-1}
cmodel=${SGS_PHOTOS_CAMERA_MODEL:-SIMPLE_RADIAL}
cparams=${SGS_PHOTOS_CAMERA_PARAMS:-}
matcher_args=${SGS_PHOTOS_MATCHER_ARGS:-}
mapper_args=${SGS_PHOTOS_MAPPER_ARGS:-}

usage() {
	echo "usage: $me DIR [OUT]" >&2
	echo "$me: $1" >&2
	exit 2
}
die() { echo "$me: $1" >&2; exit "${2:-1}"; }
say() { echo "$me: $*" >&2; }
# stale OUTPUT INPUT: the output is missing, or older than what it is made from
stale() { [ ! -e "$1" ] || [ -n "$(find "$2" -prune -newer "$1")" ]; }
is_count() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

{ [ $# -ge 1 ] && [ $# -le 2 ]; } || usage "one photo folder and an optional output folder"
# A name starting with '-' would be read as an option by cd, mkdir and the
# rest: such a folder is ./-name.
case $1 in -*) dir=./$1 ;; *) dir=$1 ;; esac
out=${2:-photos-out}
case $out in -*) out=./$out ;; esac
shift $#
set -- "$dir"
[ -d "$1" ] || usage "$1: not a folder"
{ is_count "$size" && [ "$size" -ge 16 ]; } || usage "SGS_PHOTOS_SIZE=$size: a size in pixels, at least 16"
[ -z "$iterations" ] || is_count "$iterations" || usage "SGS_PHOTOS_ITERATIONS=$iterations: not a count"
[ -z "$ntrain" ] || is_count "$ntrain" || usage "SGS_PHOTOS_TRAIN=$ntrain: not a count"
is_count "$frames" || usage "SGS_PHOTOS_FRAMES=$frames: not a count"
case $protocol in llff | all) ;; *) usage "SGS_PHOTOS_PROTOCOL=$protocol: llff or all" ;; esac
case $single in 0 | 1) ;; *) usage "SGS_PHOTOS_SINGLE_CAMERA=$single: 0 or 1" ;; esac
case $threads in -1 | [1-9] | [1-9][0-9]) ;; *) usage "SGS_PHOTOS_THREADS=$threads: -1 or a count" ;; esac

command -v colmap > /dev/null 2>&1 || die "colmap not found (Debian: apt-get install colmap)" 4
for t in init depth train render eval; do
	[ -x "$bin/sgs-$t" ] || die "$bin/sgs-$t not found (run make, or set SGS_BIN)" 4
done

photos=$(cd "$1" && pwd)
cm=$out/colmap
mkdir -p "$cm/images"
out=$(cd "$out" && pwd)
cm=$out/colmap

# 1. The photos: links under names COLMAP's text model and sgs keep whole.
n=0 others=0
for f in "$photos"/* "$photos"/.[!.]*; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	case $b in
	*.[jJ][pP][gG] | *.[jJ][pP][eE][gG] | *.[pP][nN][gG]) ;;
	*) others=$((others + 1)); continue ;;
	esac
	l=$(printf '%s' "$b" | tr -c 'A-Za-z0-9._-' '_')
	# Photos whose names differ only where characters were replaced
	# ("a b.jpg", "a_b.jpg") get links of their own: a number is added.
	k=1 base=$l
	while { [ -e "$cm/images/$l" ] || [ -L "$cm/images/$l" ]; } &&
		[ "$(readlink "$cm/images/$l")" != "$f" ]; do
		k=$((k + 1))
		l=${base%.*}_$k.${base##*.}
	done
	[ -L "$cm/images/$l" ] || ln -s "$f" "$cm/images/$l"
	n=$((n + 1))
done
[ "$others" -eq 0 ] || say "$others file(s) in $photos not JPEG or PNG: left out"
[ "$n" -ge 2 ] || die "$photos: $n JPEG or PNG photos; at least 2 are needed (3 to 24 of one scene)" 3
say "$n photos from $photos"

# 2. COLMAP, each step's output under a temporary name until it is done.
hint() {
	cat >&2 << EOF
$me: what to try:
  - more overlap: neighbouring photos should share most of what they see
    (move sideways a little between shots rather than turning on the spot)
  - more photos (3 to 24 around the scene; sparse sets register less often)
  - textured, static, sharp, well-lit subjects; no reflections or motion
  - known intrinsics: SGS_PHOTOS_CAMERA_PARAMS='f,cx,cy,k' (SIMPLE_RADIAL),
    or SGS_PHOTOS_CAMERA_MODEL=PINHOLE SGS_PHOTOS_CAMERA_PARAMS='fx,fy,cx,cy'
  - photos from different cameras or zoom settings: SGS_PHOTOS_SINGLE_CAMERA=0
  - more matches: SGS_PHOTOS_MATCHER_ARGS='--SiftMatching.guided_matching 1
    --SiftMatching.max_ratio 0.9'
  - an easier start: SGS_PHOTOS_MAPPER_ARGS='--Mapper.init_min_tri_angle 4
    --Mapper.init_min_num_inliers 50 --Mapper.abs_pose_min_num_inliers 15'
  then delete $cm (or database.db and models/ in it) and run again.
  COLMAP's own output: $cm/*.log
EOF
}
colmap_step() { # $1 = log name, the rest = colmap command line
	log=$cm/$1.log
	shift
	if ! colmap "$@" > "$log" 2>&1; then
		tail -n 5 "$log" | sed "s/^/$me: colmap: /" >&2
		die "colmap $1 failed (its output: $log)"
	fi
}

if [ ! -s "$cm/database.db" ]; then
	say "COLMAP feature extraction (CPU)"
	rm -f "$cm/database.db.tmp"
	# shellcheck disable=SC2086
	colmap_step features feature_extractor --database_path "$cm/database.db.tmp" \
		--image_path "$cm/images" --ImageReader.camera_model "$cmodel" \
		--ImageReader.single_camera "$single" ${cparams:+--ImageReader.camera_params "$cparams"} \
		--SiftExtraction.use_gpu 0 --SiftExtraction.num_threads "$threads" \
		--SiftExtraction.max_image_size 1600
	got=$(grep -c '^ *Features:' "$cm/features.log" || true)
	if [ "$got" -lt "$n" ]; then
		say "COLMAP could not use $((n - got)) of the $n photos (see $cm/features.log):"
		grep -B 1 'ERROR' "$cm/features.log" | sed -n "s/^ *Name: *//p; s/^ *ERROR: */  /p" |
			sed "s/^/$me:   /" >&2
		! grep -q 'different dimensions' "$cm/features.log" ||
			say "photos of different sizes or cameras need SGS_PHOTOS_SINGLE_CAMERA=0"
	fi
	say "COLMAP exhaustive matching (CPU)"
	# shellcheck disable=SC2086
	colmap_step matches exhaustive_matcher --database_path "$cm/database.db.tmp" \
		--SiftMatching.use_gpu 0 --SiftMatching.num_threads "$threads" $matcher_args
	mv "$cm/database.db.tmp" "$cm/database.db"
fi

# The mapper may make several models (groups of photos it could not join);
# min_model_size 2 keeps even small ones, so that they are reported.
registered() { # $1 = model folder: its number of registered images
	colmap model_analyzer --path "$1" 2>&1 | sed -n 's/.*Registered images: *\([0-9]*\).*/\1/p'
}
if [ ! -s "$cm/sparse/0/images.txt" ]; then
	say "COLMAP mapper"
	rm -rf "$cm/models" "$cm/sparse"
	mkdir -p "$cm/models"
	# shellcheck disable=SC2086
	colmap mapper --database_path "$cm/database.db" --image_path "$cm/images" \
		--output_path "$cm/models" --Mapper.num_threads "$threads" \
		--Mapper.min_model_size 2 $mapper_args > "$cm/mapper.log" 2>&1 || true
	best="" bestn=0 models=0
	for m in "$cm"/models/*; do
		[ -d "$m" ] || continue
		models=$((models + 1))
		k=$(registered "$m")
		k=${k:-0}
		[ "$k" -gt "$bestn" ] && { best=$m; bestn=$k; }
	done
	if [ "$bestn" -lt 2 ]; then
		grep -E 'WARNING|ERROR|No good initial' "$cm/mapper.log" | sort -u |
			sed "s/^/$me: colmap: /" >&2 || true
		say "structure from motion failed: COLMAP found no pair of the $n photos" \
			"with enough matched features to start a model"
		hint
		exit 3
	fi
	[ "$models" -le 1 ] || say "COLMAP made $models separate models: the photos form groups that" \
		"it could not join; using the largest ($bestn photos)"
	mkdir -p "$cm/sparse/0.tmp"
	colmap_step convert model_converter --input_path "$best" --output_path "$cm/sparse/0.tmp" \
		--output_type TXT
	mv "$cm/sparse/0.tmp" "$cm/sparse/0"
fi

# Which photos registered: image lines of images.txt (each is followed by
# its POINTS2D line) end with the name.
names=$(awk '!/^#/ { if (++k % 2 == 1) print $10 }' "$cm/sparse/0/images.txt")
reg=$(printf '%s\n' "$names" | grep -c . || true)
if [ "$reg" -lt "$n" ]; then
	missing=
	for f in "$cm"/images/*; do
		b=$(basename "$f")
		printf '%s\n' "$names" | grep -qxF "$b" || missing="$missing $b"
	done
	say "warning: only $reg of the $n photos registered; left out:$missing"
	hint
fi
say "COLMAP registered $reg of $n photos"
[ "$reg" -ge 2 ] || { hint; exit 3; }

# 3. The scene: downscaled by the smallest integer factor that brings the
# longest side within $size.
if stale "$out/scene.sgs" "$cm/sparse/0/images.txt"; then
	long=$(awk '!/^#/ && NF >= 4 { m = ($3 > $4 ? $3 : $4); if (m > l) l = m } END { print l + 0 }' \
		"$cm/sparse/0/cameras.txt")
	r=$(((long + size - 1) / size))
	[ "$r" -ge 1 ] || r=1
	if [ "$protocol" = llff ]; then
		tests=$(((reg + 7) / 8))
		[ -n "$ntrain" ] || ntrain=$((reg - tests))
	fi
	say "sgs-init: $reg views, downscaled by $r"
	"$bin"/sgs-init -f colmap -p "$protocol" ${ntrain:+-n "$ntrain"} -r "$r" -o "$out/scene.sgs" "$cm"
fi
"$bin"/sgs-init -i "$out/scene.sgs" | sed -n '4p' | sed "s/^/$me: /" >&2
ntest=$("$bin"/sgs-init -i "$out/scene.sgs" | sed -n 's/^views .*, \([0-9]*\) test).*/\1/p')

# 4. Depth priors and seed points, then the model.
if stale "$out/depth.sgs" "$out/scene.sgs"; then
	say "sgs-depth: plane sweep between the train views"
	"$bin"/sgs-depth -b "$backend" --points "$out/scene.sgs" > "$out/depth.sgs.tmp"
	mv "$out/depth.sgs.tmp" "$out/depth.sgs"
fi
if stale "$out/model.ply" "$out/depth.sgs"; then
	say "sgs-train --preset sparse${iterations:+, $iterations iterations}"
	rm -f "$out/train.tsv"
	"$bin"/sgs-train -b "$backend" --preset sparse ${iterations:+-n "$iterations"} \
		-l "$out/train.tsv" -o "$out/model.ply" "$out/depth.sgs"
fi

# 5. Pictures and scores.
if stale "$out/renders" "$out/model.ply"; then
	rm -rf "$out/renders.tmp"
	"$bin"/sgs-render -b "$backend" -s all -o "$out/renders.tmp" "$out/depth.sgs" "$out/model.ply"
	rm -rf "$out/renders"
	mv "$out/renders.tmp" "$out/renders"
fi
if [ "${ntest:-0}" -gt 0 ] && stale "$out/scores.tsv" "$out/renders"; then
	rm -rf "$out/errors"
	mkdir -p "$out/errors"
	"$bin"/sgs-eval -s test -e "$out/errors" "$out/depth.sgs" "$out/renders" > "$out/scores.tsv.tmp"
	mv "$out/scores.tsv.tmp" "$out/scores.tsv"
fi
if [ "$frames" -gt 0 ] && stale "$out/flythrough" "$out/model.ply"; then
	rm -rf "$out/flythrough.tmp"
	"$bin"/sgs-render -b "$backend" -p spiral -N "$frames" -o "$out/flythrough.tmp" \
		"$out/depth.sgs" "$out/model.ply"
	rm -rf "$out/flythrough"
	mv "$out/flythrough.tmp" "$out/flythrough"
fi
if [ "$frames" -gt 0 ] && [ -x "$here/video.sh" ] && command -v ffmpeg > /dev/null 2>&1 &&
	stale "$out/flythrough.mp4" "$out/model.ply"; then
	"$here/video.sh" -p spiral -N "$frames" -b "$backend" "$out/depth.sgs" "$out/model.ply" \
		"$out/flythrough.mp4" ||
		say "warning: no video made (examples/video.sh failed); the frames are in $out/flythrough"
fi

say "done: $out/model.ply, renders in $out/renders"
if [ -s "$out/scores.tsv" ]; then
	say "test views (PSNR dB, SSIM):"
	cat "$out/scores.tsv"
fi
