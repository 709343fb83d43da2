#!/usr/bin/env bats
# examples/photos.sh: a folder of photos through COLMAP and the sparse-view
# pipeline, on six of fern's 504x378 photos (and lego's, which do not
# belong), downscaled to 63x47 and trained briefly so that a run takes
# seconds.  Skipped when colmap or the real captures are absent.

load helper

PHOTOS="$ROOT/examples/photos.sh"
FERN="IMG_4026 IMG_4028 IMG_4030 IMG_4032 IMG_4034 IMG_4036"

need_colmap() {
	command -v colmap >/dev/null 2>&1 || skip "colmap absent"
}

# $1 = folder: fern's six photos there
fern_photos() {
	mkdir -p "$1"
	for f in $FERN; do cp "$DATA/llff/fern/images_8/$f.png" "$1/"; done
}

quick() {
	SGS_PHOTOS_SIZE=64 SGS_PHOTOS_ITERATIONS=20 SGS_PHOTOS_FRAMES=3 SGS_PHOTOS_THREADS=2 \
		SGS_PHOTOS_BACKEND=cpu OMP_WAIT_POLICY=passive "$@"
}

@test "photos.sh: six of fern's photos register and give a scene, a model, renders and scores" {
	need_colmap
	need_data llff/fern
	fern_photos in
	echo notes > in/notes.txt
	run quick "$PHOTOS" in out
	assert_success
	assert_output --partial 'photos.sh: 1 file(s) in'
	assert_output --partial 'photos.sh: COLMAP registered 6 of 6 photos'
	assert_output --partial 'downscaled by 8'
	# COLMAP's model: the six photos, each with a pose
	run awk '!/^#/ { if (++k % 2 == 1) print $10 }' out/colmap/sparse/0/images.txt
	assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "IMG_4026.png IMG_4028.png IMG_4030.png IMG_4032.png IMG_4034.png IMG_4036.png "
	run sgs-init -i out/scene.sgs
	assert_line --index 1 --partial colmap
	assert_line --index 3 --partial '6 (5 train, 1 test)'
	assert_line --regexp '^ +0 +IMG_4026 +test .* 63x47 '
	run sgs-init -i out/depth.sgs
	assert_line --regexp '^chunks .*DPRI 5'
	n=$(sed -n 's/^element vertex //p' out/model.ply | head -n 1)
	[ "$n" -gt 100 ]
	assert_equal "$(ls out/renders | tr '\n' ' ')" "IMG_4026.png IMG_4028.png IMG_4030.png IMG_4032.png IMG_4034.png IMG_4036.png "
	assert_equal "$(ls out/flythrough/*.png | wc -l)" 3
	# the video, when ffmpeg is there (examples/video.sh makes it)
	if [ -x "$ROOT/examples/video.sh" ] && command -v ffmpeg >/dev/null 2>&1; then
		[ -s out/flythrough.mp4 ]
	fi
	[ -s out/errors/IMG_4026_error.png ]
	# scores: the one test view, a plausible PSNR for 20 iterations
	run awk -F '\t' '$1 == "mean" { print ($2 > 10 && $2 < 60 && $3 > 0 && $3 <= 1) }' out/scores.tsv
	assert_output 1
	# nothing outside OUT, no temporaries in it
	assert_equal "$(ls | tr '\n' ' ')" "in out "
	run sh -c "find out -name '*.tmp*' | wc -l"
	assert_output 0
	# a second run resumes: only the deleted model and what follows are made
	rm out/model.ply
	cp out/scores.tsv old-scores.tsv
	run quick "$PHOTOS" in out
	assert_success
	refute_output --partial 'COLMAP feature extraction'
	refute_output --partial 'sgs-depth:'
	assert_output --partial 'sgs-train --preset sparse'
	[ -s out/model.ply ]
	assert_equal "$(ls out/renders | wc -l)" 6
	for f in out/renders out/scores.tsv out/flythrough; do [ out/model.ply -ot "$f" ]; done
	[ ! -e out/flythrough.mp4 ] || [ out/model.ply -ot out/flythrough.mp4 ]
	rm old-scores.tsv
}

@test "photos.sh: a photo that does not belong is named and left out" {
	need_colmap
	need_data llff/fern
	need_data blender/lego
	fern_photos in
	rm in/IMG_4036.png
	cp "$DATA/blender/lego/train/r_0.png" "in/lego shot.png"
	# lego is 400x400: one camera for all would refuse it before matching
	SGS_PHOTOS_SINGLE_CAMERA=0 run quick "$PHOTOS" in out
	assert_success
	assert_output --partial 'warning: only 5 of the 6 photos registered; left out: lego_shot.png'
	assert_output --partial 'what to try:'
	run sgs-init -i out/scene.sgs
	assert_line --index 3 --partial '5 (4 train, 1 test)'
	refute_output --partial lego
}

@test "photos.sh: photos that share nothing fail with exit 3 and say what to try" {
	need_colmap
	need_data llff/fern
	need_data blender/lego
	mkdir in
	cp "$DATA/llff/fern/images_8/IMG_4026.png" "$DATA/blender/lego/train/r_0.png" in/
	run quick "$PHOTOS" in out
	assert_failure 3
	assert_output --partial 'COLMAP could not use 1 of the 2 photos'
	assert_output --partial 'r_0.png'
	assert_output --partial 'need SGS_PHOTOS_SINGLE_CAMERA=0'
	assert_output --partial 'photos.sh: structure from motion failed'
	assert_output --partial 'more overlap'
	[ ! -e out/scene.sgs ]
	[ ! -e out/model.ply ]
}

@test "photos.sh: usage errors exit 2 before running anything" {
	run "$PHOTOS"
	assert_failure 2
	assert_line --index 0 'usage: photos.sh DIR [OUT]'
	run "$PHOTOS" nonexistent
	assert_failure 2
	assert_output --partial 'photos.sh: nonexistent: not a folder'
	mkdir in
	SGS_PHOTOS_SIZE=big run "$PHOTOS" in out
	assert_failure 2
	assert_output --partial 'SGS_PHOTOS_SIZE=big'
	SGS_PHOTOS_PROTOCOL=dtu run "$PHOTOS" in out
	assert_failure 2
	[ ! -e out ]
}

@test "photos.sh: a folder with fewer than two photos fails with exit 3" {
	need_colmap
	mkdir in
	echo not a photo > in/readme.txt
	run "$PHOTOS" in out
	assert_failure 3
	assert_output --partial '0 JPEG or PNG photos; at least 2 are needed'
}

@test "photos.sh: photos whose names differ only in replaced characters each get a link; '-' names are folders" {
	mkdir -- -in fake
	printf 'a' > "-in/a b.png"
	printf 'b' > "-in/a_b.png"
	printf 'c' > "-in/a?b.png"
	# a colmap that fails at once: the links are made before it runs
	printf '#!/bin/sh\nexit 1\n' > fake/colmap
	chmod +x fake/colmap
	PATH="$PWD/fake:$PATH" run quick "$PHOTOS" -in -out
	assert_failure
	assert_output --partial 'photos.sh: 3 photos from '
	run sh -c 'cd ./-out/colmap/images && for l in *; do printf "%s>%s " "$l" "$(basename "$(readlink "$l")")"; done'
	assert_output 'a_b.png>a b.png a_b_2.png>a?b.png a_b_3.png>a_b.png '
	# a second run finds the same links
	PATH="$PWD/fake:$PATH" run quick "$PHOTOS" -in -out
	run ls ./-out/colmap/images
	assert_output $'a_b.png\na_b_2.png\na_b_3.png'
}
