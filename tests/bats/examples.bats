#!/usr/bin/env bats
# The scripts of examples/ for pictures: video.sh (sgs-render's camera
# paths encoded by ffmpeg) and plot.sh (sgs-train's log drawn by
# gnuplot), on the synthetic scene with a small random model.  Each skips
# when its program is not installed.

bats_require_minimum_version 1.5.0
load helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	sgs-init -f synthetic -W 64 -H 48 -N 8 -o "$FIX/scene.sgs"
	python3 "$BATS_TEST_DIRNAME/make_splat.py" "$FIX/splat.ply" 400 1 7
}

# "codec,width,height,frames" of the first video stream, frames decoded.
probe() {
	ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=codec_name,width,height,nb_read_frames -of csv=p=0 "$1"
}

@test "video.sh: an orbit of 12 frames, an 80x60 spiral of 5" {
	command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || skip "ffmpeg absent"
	run --separate-stderr sh "$ROOT/examples/video.sh" -N 12 -f 12 -b cpu "$FIX/scene.sgs" "$FIX/splat.ply" orbit.mp4
	assert_success
	[ -z "$output" ]
	[[ "$stderr" == "video.sh: orbit.mp4: 12 frames of the orbit path at 12 fps ("* ]]
	run probe orbit.mp4
	assert_output --regexp '^(h264|mpeg4),64,48,12$'
	run sh "$ROOT/examples/video.sh" -p spiral -N 5 -W 80 -b cpu "$FIX/scene.sgs" "$FIX/splat.ply" spiral.mp4
	assert_success
	run probe spiral.mp4
	assert_output --regexp '^(h264|mpeg4),80,60,5$'
	# frames and temporaries are gone
	run ls -A
	assert_output $'orbit.mp4\nspiral.mp4'
}

@test "video.sh: an odd size is padded to even; a failed render leaves no video" {
	command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || skip "ffmpeg absent"
	run sh "$ROOT/examples/video.sh" -N 2 -W 75 -b cpu "$FIX/scene.sgs" "$FIX/splat.ply" odd.mp4
	assert_success
	run probe odd.mp4
	assert_output --regexp '^(h264|mpeg4),76,56,2$'
	run --separate-stderr sh "$ROOT/examples/video.sh" -N 2 "$FIX/scene.sgs" missing.ply bad.mp4
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"sgs-render: missing.ply"* ]]
	run ls -A
	assert_output 'odd.mp4'
}

@test "video.sh: usage errors exit 2; without ffmpeg it says what to install" {
	run --separate-stderr sh "$ROOT/examples/video.sh" -p zigzag a b c.mp4
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unknown path 'zigzag'"* ]]
	[[ "$stderr" == *"usage: video.sh"* ]]
	run --separate-stderr sh "$ROOT/examples/video.sh" -N 0 a b c.mp4
	[ "$status" -eq 2 ]
	run --separate-stderr sh "$ROOT/examples/video.sh" a b
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage: video.sh"* ]]
	run --separate-stderr env PATH=/nonexistent /bin/sh "$ROOT/examples/video.sh" "$FIX/scene.sgs" "$FIX/splat.ply" v.mp4
	[ "$status" -eq 1 ]
	[[ "$stderr" == "video.sh: ffmpeg not found: install it (Debian: apt-get install ffmpeg)"* ]]
	[ ! -e v.mp4 ]
}

@test "plot.sh: the curves of a log with test scores, as a PNG" {
	command -v gnuplot >/dev/null || skip "gnuplot absent"
	sgs-train -n 30 -N 1000 --eval-every 10 -l run.tsv -o m.ply "$FIX/scene.sgs"
	run --separate-stderr sh "$ROOT/examples/plot.sh" run.tsv
	assert_success
	[ "$stderr" = "plot.sh: run.png: 30 iterations, loss terms: rgb" ]
	run file run.png
	assert_output --partial 'PNG image data, 1000 x 760, 8-bit'
	# lines, labels and a legend: far more than a blank canvas
	[ "$(wc -c < run.png)" -gt 20000 ]
	run sh "$ROOT/examples/plot.sh" run.tsv other.png
	assert_success
	[ -s other.png ]
	run ls -A
	assert_output $'m.ply\nother.png\nrun.png\nrun.tsv'
}

@test "plot.sh: a log without test scores; what is not a log; usage" {
	command -v gnuplot >/dev/null || skip "gnuplot absent"
	sgs-train -n 5 -N 500 -l run.tsv -o m.ply "$FIX/scene.sgs"
	run sh "$ROOT/examples/plot.sh" run.tsv
	assert_success
	[ -s run.png ]
	printf 'a\tb\n1\t2\n' > bad.tsv
	run --separate-stderr sh "$ROOT/examples/plot.sh" bad.tsv
	[ "$status" -eq 1 ]
	[ "$stderr" = "plot.sh: bad.tsv: not an sgs-train log (no 'iteration' column)" ]
	[ ! -e bad.png ]
	run --separate-stderr sh "$ROOT/examples/plot.sh"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "usage: plot.sh"* ]]
}

@test "video.sh, plot.sh: names with spaces, and names starting with '-', are files" {
	command -v ffmpeg >/dev/null || skip "ffmpeg absent"
	command -v gnuplot >/dev/null || skip "gnuplot absent"
	mkdir "a b"
	cp "$FIX/scene.sgs" ./-s.sgs
	cp "$FIX/splat.ply" "a b/m 1.ply"
	run --separate-stderr sh "$ROOT/examples/video.sh" -b cpu -N 2 -W 16 -H 12 -- -s.sgs "a b/m 1.ply" -v.mp4
	assert_success
	[ "$stderr" = "video.sh: ./-v.mp4: 2 frames of the orbit path at 30 fps (libx264)" ] ||
		[ "$stderr" = "video.sh: ./-v.mp4: 2 frames of the orbit path at 30 fps (mpeg4)" ]
	[ -s ./-v.mp4 ]
	sgs-train -b cpu -I random -n 3 -N 200 -l "-r 1.tsv" -o m.ply "$FIX/scene.sgs"
	run --separate-stderr sh "$ROOT/examples/plot.sh" "-r 1.tsv"
	assert_success
	[ "$stderr" = "plot.sh: ./-r 1.png: 3 iterations, loss terms: rgb" ]
	run sh "$ROOT/examples/plot.sh" "-r 1.tsv" "a b/-p.png"
	assert_success
	run ls -A . "a b"
	assert_output $'.:\n-r 1.png\n-r 1.tsv\n-s.sgs\n-v.mp4\na b\nm.ply\n\na b:\n-p.png\nm 1.ply'
}
