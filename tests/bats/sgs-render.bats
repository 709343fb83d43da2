#!/usr/bin/env bats
# sgs-render: file outputs, the scene stream into sgs-eval, camera paths,
# sizes, backgrounds, determinism and errors.

bats_require_minimum_version 1.5.0
load helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	sgs-init -f synthetic -W 64 -H 48 -N 8 -o "$FIX/scene.sgs"
	python3 "$BATS_TEST_DIRNAME/make_splat.py" "$FIX/splat.ply" 400 1 7
}

@test "renders the test views as PNGs named after the views" {
	run sgs-render -b cpu -s test -o out "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_success
	assert_output ''
	run sh -c 'ls out | sort | tr "\n" " "'
	assert_output 'view_000.png '
	run file out/view_000.png
	assert_output --partial '64 x 48, 8-bit/color RGB'
}

@test "-s all renders every view; -d and -a add depth TIFFs and alpha PNGs" {
	run sgs-render -b cpu -s all -d -a -o out "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_success
	run sh -c 'ls out | wc -l'
	assert_output '24'
	run file out/view_003.tiff out/view_003_alpha.png
	assert_output --partial 'TIFF image data'
	assert_output --partial '64 x 48, 8-bit grayscale'
}

@test "the scene stream on stdout evaluates like the PNG folder" {
	sgs-render -b cpu -s all -o out "$FIX/scene.sgs" "$FIX/splat.ply"
	run sh -c "sgs-render -b cpu -s all '$FIX/scene.sgs' '$FIX/splat.ply' | sgs-eval -s all '$FIX/scene.sgs' -"
	assert_success
	piped="$output"
	run sgs-eval -s all "$FIX/scene.sgs" out
	assert_success
	assert_equal "$output" "$piped"
	# Random Gaussians are a bad model of the scene: low but finite PSNR.
	run sh -c "echo \"\$0\" | awk '\$1 == \"mean\" { exit !(\$2 > 3 && \$2 < 25) }'" "$piped"
	assert_success
}

@test "rendering is deterministic" {
	sgs-render -b cpu -s all -o a "$FIX/scene.sgs" "$FIX/splat.ply"
	OMP_NUM_THREADS=1 sgs-render -b cpu -s all -o b "$FIX/scene.sgs" "$FIX/splat.ply"
	run diff -r a b
	assert_success
}

@test "-p orbit -N 5 writes numbered frames; -W/-H and -r resize" {
	run sgs-render -b cpu -p orbit -N 5 -W 80 -o path "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_success
	run sh -c 'ls path | tr "\n" " "'
	assert_output 'frame_0000.png frame_0001.png frame_0002.png frame_0003.png frame_0004.png transforms.json '
	run file path/frame_0003.png
	assert_output --partial '80 x 60'
	run sgs-render -b cpu -r 2 -o small "$FIX/scene.sgs" "$FIX/splat.ply"
	run file small/view_000.png
	assert_output --partial '32 x 24'
}

@test "-p spiral works on the ring of cameras" {
	run sgs-render -b cpu -p spiral -N 3 -o sp "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_success
	[ -f sp/frame_0002.png ]
}

@test "-B sets the background colour" {
	python3 "$BATS_TEST_DIRNAME/make_splat.py" empty.ply 0 0
	run sgs-render -b cpu -B 1,0,0.5 -o red "$FIX/scene.sgs" empty.ply
	assert_success
	sgs-render -b cpu -B 0,0,0 -o black "$FIX/scene.sgs" empty.ply
	sgs-render -b cpu -o default "$FIX/scene.sgs" empty.ply
	run cmp -s red/view_000.png black/view_000.png
	assert_failure
	run cmp -s default/view_000.png black/view_000.png
	assert_failure
	run sgs-render -b cpu -B 1,0 -o x "$FIX/scene.sgs" empty.ply
	assert_failure 2
	assert_output --partial '-B'
}

@test "-b cuda without a usable GPU exits 3" {
	! gpu_present || skip "a GPU is present"
	run sgs-render -b cuda -o out "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_failure 3
	assert_output --partial 'sgs-render: -b cuda: '
	[ ! -e out ]
}

@test "a missing or broken splat is an error naming the file" {
	run sgs-render -b cpu -o out "$FIX/scene.sgs" nothere.ply
	assert_failure 1
	assert_output --partial 'sgs-render: nothere.ply'
	printf 'ply\nformat ascii 1.0\nelement vertex 0\nend_header\n' > ascii.ply
	run sgs-render -b cpu -o out "$FIX/scene.sgs" ascii.ply
	assert_failure 1
	assert_output --partial 'ascii.ply'
	assert_output --partial 'ASCII'
	head -c 1000 "$FIX/splat.ply" > cut.ply
	run sgs-render -b cpu -o out "$FIX/scene.sgs" cut.ply
	assert_failure 1
	assert_output --partial 'cut.ply'
}

@test "a splat that reads but holds a NaN is refused, naming the file" {
	# (its arrays are freed on the way out: make check-asan's leak check)
	python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
at = b.index(b"end_header\n") + len("end_header\n")
b[at:at + 4] = b"\x00\x00\xc0\x7f"  # x of Gaussian 0: a quiet NaN
open(sys.argv[2], "wb").write(b)' "$FIX/splat.ply" nan.ply
	run sgs-render -b cpu -o out "$FIX/scene.sgs" nan.ply
	assert_failure 1
	assert_output 'sgs-render: nan.ply: Gaussian 0: a position coordinate is nan'
	[ ! -e out ]
}

@test "usage errors exit 2" {
	run sgs-render -s sideways "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_failure 2
	run sgs-render -p zigzag "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_failure 2
	assert_output --partial 'zigzag'
	run sgs-render "$FIX/scene.sgs"
	assert_failure 2
	assert_output --partial 'usage:'
}

@test "-p between: frames between the train views, --scene-out, transforms.json for sgs-init -f ngp" {
	run sgs-render -b cpu -p between -N 4 -o pd --scene-out p.sgs "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_success
	assert_output ''
	run sh -c 'ls pd | tr "\n" " "'
	assert_output 'frame_0000.png frame_0001.png frame_0002.png frame_0003.png transforms.json '
	run sgs-init -i p.sgs
	assert_line 'source      render'
	assert_line 'protocol    between'
	assert_line 'views       4 (0 train, 0 test)'
	assert_line --regexp '^   3  frame_0003 +- +0 +64x48 '
	# an external tool may rewrite the PNGs; the JSON rebuilds the scene
	run sh -c "sgs-init -f ngp pd > q.sgs && sgs-init -i q.sgs"
	assert_success
	assert_line 'views       4 (4 train, 0 test)'
	run sh -c "sgs-init -i p.sgs | awk 'NR > 10 { print \$2, \$5, \$6, \$7, \$8, \$9, \$12 }' > a.txt &&
		sgs-init -i q.sgs | awk 'NR > 10 { print \$2, \$5, \$6, \$7, \$8, \$9, \$12 }' > b.txt && diff a.txt b.txt"
	assert_success
	# the same images: a perfect score of the PNGs against either scene
	run sgs-eval -m nomask -s all q.sgs pd
	assert_success
	assert_line --regexp '^mean	inf	1\.0+'
	# an image of another size is refused by name
	sgs-render -b cpu -p between -N 4 -r 2 -o small "$FIX/scene.sgs" "$FIX/splat.ply"
	cp small/frame_0001.png pd/frame_0001.png
	run sgs-init -f ngp pd
	assert_failure 1
	assert_output --partial 'frame 1: w, h say 64x48 but pd/frame_0001.png is 32x24'
}

@test "-p between needs two train views, and leaves no output behind" {
	sgs-init -f synthetic -W 32 -H 24 -N 4 -n 1 -o one.sgs
	run sgs-render -b cpu -p between -N 3 -o out one.sgs "$FIX/splat.ply"
	assert_failure 1
	assert_output --partial 'at least two train views'
	run sgs-render -b cpu -p between -N 3 --scene-out p.sgs one.sgs "$FIX/splat.ply"
	assert_failure 1
	assert_no_output_file p.sgs
}

@test "on a terminal a counter of the frames rendered; not with -v, nor off a terminal" {
	command -v script >/dev/null || skip "script(1) absent"
	run script -qec "sgs-render -b cpu -p orbit -N 4 -o tty '$FIX/scene.sgs' '$FIX/splat.ply'" /dev/null
	assert_success
	assert_output $'\rsgs-render: rendered 1/4 frame_0000\033[K\rsgs-render: rendered 2/4 frame_0001\033[K\rsgs-render: rendered 3/4 frame_0002\033[K\rsgs-render: rendered 4/4 frame_0003\033[K\r'
	run sh -c 'ls tty | tr "\n" " "'
	assert_output 'frame_0000.png frame_0001.png frame_0002.png frame_0003.png transforms.json '
	run script -qec "sgs-render -v -b cpu -s test -o v '$FIX/scene.sgs' '$FIX/splat.ply'" /dev/null
	assert_success
	refute_output --partial 'rendered 1/1'
	assert_output --partial 'sgs-render: view_000: 64x48'
	run --separate-stderr sgs-render -b cpu -p orbit -N 4 -o plain "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_success
	[ -z "$stderr" ]
}

@test "frames that cannot fit in memory are refused before rendering, with the estimate" {
	# 100000 frames of 16384x16384 in a scene stream: 73 TiB, on any machine
	run --separate-stderr sgs-render -b cpu -p orbit -N 100000 -W 16384 -H 16384 \
		--scene-out o.sgs "$FIX/scene.sgs" "$FIX/splat.ply"
	assert_equal "$status" 1
	[[ "$stderr" =~ ^sgs-render:\ [^\ ]*scene\.sgs:\ 100000\ frames\ of\ up\ to\ 16384x16384\ need\ about\ 73\.[0-9]\ TiB\ \(400\ Gaussians,\ a\ scene\ stream\ holding\ every\ image:\ 73\.[0-9]\ TiB\)\ but\ the\ cpu\ backend\ has\ [0-9.]+\ [KMGT]iB\ available\;\ lower\ -W/-H\ or\ -N,\ or\ raise\ -r,\ or\ write\ PNGs\ with\ -o$ ]] ||
		fail "$stderr"
	assert_no_output_file o.sgs
}
