#!/usr/bin/env bats
# Interoperability: the web viewers' .splat export (sgs-render --export),
# the PLY layout Inria's loader expects, COLMAP text export (sgs-init -x)
# read back by the COLMAP importer, instant-ngp frames without images.

load helper
bats_require_minimum_version 1.5.0

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	sgs-init -f synthetic -W 64 -H 48 -N 8 -o "$FIX/scene.sgs"
	python3 "$BATS_TEST_DIRNAME/make_splat.py" "$FIX/m.ply" 300 1 11
}

@test "--export splat writes 32 bytes a Gaussian: values of the model, the viewers' order" {
	run sgs-render --export splat out.splat "$FIX/m.ply"
	assert_success
	assert_output ''
	run python3 "$BATS_TEST_DIRNAME/check_web_splat.py" "$FIX/m.ply" out.splat
	assert_success
	assert_output '300 Gaussians, 9600 bytes, sorted'
}

@test "--export splat: degree 0 and 3 models, stdout, options after the operand" {
	python3 "$BATS_TEST_DIRNAME/make_splat.py" d0.ply 40 0 5
	python3 "$BATS_TEST_DIRNAME/make_splat.py" d3.ply 40 3 6
	sgs-render --export splat - d0.ply > d0.splat
	sgs-render d3.ply --export splat d3.splat
	run python3 "$BATS_TEST_DIRNAME/check_web_splat.py" d0.ply d0.splat
	assert_output '40 Gaussians, 1280 bytes, sorted'
	run python3 "$BATS_TEST_DIRNAME/check_web_splat.py" d3.ply d3.splat
	assert_output '40 Gaussians, 1280 bytes, sorted'
}

@test "--export splat of a trained model: the bytes decode to its Gaussians" {
	sgs-train -b cpu -n 20 -N 500 -o t.ply "$FIX/scene.sgs" 2>/dev/null
	sgs-render --export splat t.splat t.ply
	run python3 "$BATS_TEST_DIRNAME/check_web_splat.py" t.ply t.splat
	assert_success
	assert_output --regexp '^[0-9]+ Gaussians, [0-9]+ bytes, sorted$'
}

@test "--export splat: usage errors exit 2 with the synopsis, nothing written" {
	run sgs-render --export splat out.splat "$FIX/scene.sgs" "$FIX/m.ply"
	assert_failure 2
	assert_output --partial 'a splat export needs no scene'
	assert_output --partial 'sgs-render --export splat file splat'
	run sgs-render --export splat -s test out.splat "$FIX/m.ply"
	assert_failure 2
	assert_output --partial 'missing the output file'
	run sgs-render -s test --export splat out.splat "$FIX/m.ply"
	assert_failure 2
	assert_output --partial '-s: not used with --export'
	run sgs-render --export ply out.splat "$FIX/m.ply"
	assert_failure 2
	assert_output --partial "unknown format 'ply'"
	run sgs-render --export splat
	assert_failure 2
	assert_output --partial 'usage:'
	assert_no_output_file out.splat
}

@test "--export splat: a bad model fails with exit 1 and leaves no file" {
	printf 'ply\nformat ascii 1.0\nend_header\n' > bad.ply
	run sgs-render --export splat out.splat bad.ply
	assert_failure 1
	assert_output --partial 'sgs-render: bad.ply:'
	assert_no_output_file out.splat
}

# Inria's 3DGS (scene/gaussian_model.py) reads and writes exactly this.
inria_header() { # $1: SH degree
	printf 'ply\nformat binary_little_endian 1.0\nelement vertex N\n'
	for p in x y z nx ny nz f_dc_0 f_dc_1 f_dc_2; do echo "property float $p"; done
	i=0; n=$((3 * (($1 + 1) * ($1 + 1) - 1)))
	while [ $i -lt $n ]; do echo "property float f_rest_$i"; i=$((i + 1)); done
	for p in opacity scale_0 scale_1 scale_2 rot_0 rot_1 rot_2 rot_3; do echo "property float $p"; done
	echo end_header
}

# The header of a PLY file, its vertex count replaced by N.
ply_header() {
	python3 -c '
import sys
f = open(sys.argv[1], "rb")
while True:
    line = f.readline().decode().rstrip("\n")
    if line.startswith("element vertex "):
        line = "element vertex N"
    print(line)
    if line == "end_header":
        break' "$1"
}

@test "sgs-train writes Inria's PLY properties in Inria's order (degree 3: 45 f_rest)" {
	sgs-train -b cpu -n 5 -N 200 --sh 3 -o t3.ply "$FIX/scene.sgs" 2>/dev/null
	run ply_header t3.ply
	assert_output "$(inria_header 3)"
	run grep -c 'f_rest_' <(ply_header t3.ply)
	assert_output 45
}

@test "the PLY header at lower SH degrees keeps the order, fewer f_rest" {
	sgs-train -b cpu -n 5 -N 200 --sh 0 -o t0.ply "$FIX/scene.sgs" 2>/dev/null
	run ply_header t0.ply
	assert_output "$(inria_header 0)"
	sgs-train -b cpu -n 5 -N 200 --sh 1 -o t1.ply "$FIX/scene.sgs" 2>/dev/null
	run ply_header t1.ply
	assert_output "$(inria_header 1)"
}

# Three points at the origin, where every synthetic camera looks.
three_points() {
	printf 'ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n0 0 0 10 20 30\n0.3 0.2 0.1 40 50 60\n-0.4 0.1 0.2 70 80 90\n' > "$1"
}

@test "sgs-init -x writes a COLMAP text model that sgs-init -f colmap reads back: cameras, poses, pixels, points" {
	three_points p.ply
	sgs-init -f synthetic -W 64 -H 48 -N 8 --points p.ply -o s.sgs
	run sgs-init -v -x model s.sgs
	assert_success
	assert_output 'sgs-init: model: 8 images, 3 points, 24 observations'
	run sh -c 'cd model && find . -type f | sort | tr "\n" " "'
	assert_output './images/view_000.png ./images/view_001.png ./images/view_002.png ./images/view_003.png ./images/view_004.png ./images/view_005.png ./images/view_006.png ./images/view_007.png ./sparse/0/cameras.txt ./sparse/0/images.txt ./sparse/0/points3D.txt '
	run grep -c '^[0-9]* PINHOLE 64 48 ' model/sparse/0/cameras.txt
	assert_output 8
	run grep '^2 ' model/sparse/0/points3D.txt
	assert_output --regexp '^2 0.300000012 0.200000003 0.100000001 40 50 60 0 1 1 2 1 3 1 4 1 5 1 6 1 7 1 8 1$'
	ids=$(python3 "$BATS_TEST_DIRNAME/scene_tool.py" train-ids s.sgs)
	assert_equal "$ids" 1,2,3,4,5,6,7
	sgs-init -f colmap -t "$ids" -o back.sgs model
	run python3 "$BATS_TEST_DIRNAME/scene_tool.py" compare s.sgs back.sgs
	assert_success
	assert_output '8 views, 3 points: equal'
}

@test "sgs-init -x reads a scene from a pipe; the POINTS2D line of an image without points is empty" {
	sgs-init -f synthetic -W 32 -H 24 -N 4 -n 2 | sgs-init -x out
	run sed -n '5,6p' out/sparse/0/images.txt
	assert_line --index 0 --regexp '^1 [-0-9.e]+( [-0-9.e]+){6} 1 view_000.png$'
	assert_equal "$(sed -n 6p out/sparse/0/images.txt)" ''
	run grep -vc '^#' out/sparse/0/points3D.txt
	assert_output 0
	sgs-init -f colmap -p all -o back.sgs out
	run sgs-init -i back.sgs
	assert_line --partial 'views       4 (4 train, 0 test)'
}

@test "sgs-init -x on a real capture (LLFF fern, 3 views) reads back equal" {
	need_data llff/fern
	sgs-init -f llff -p llff -n 3 -o fern.sgs "$DATA/llff/fern"
	sgs-init -x fern fern.sgs
	sgs-init -f colmap -t "$(python3 "$BATS_TEST_DIRNAME/scene_tool.py" train-ids fern.sgs)" -o back.sgs fern
	run python3 "$BATS_TEST_DIRNAME/scene_tool.py" compare fern.sgs back.sgs
	assert_success
	assert_output '6 views, 0 points: equal'
}

@test "sgs-init -x fills an empty folder, refuses a full one and leaves it alone" {
	mkdir empty full
	echo keep > full/note
	run sgs-init -x empty "$FIX/scene.sgs"
	assert_success
	[ -f empty/sparse/0/cameras.txt ]
	run sgs-init -x full "$FIX/scene.sgs"
	assert_failure 1
	assert_output "sgs-init: $FIX/scene.sgs: full: exists and is not empty (the export makes a new folder)"
	run ls -A full
	assert_output note
	run sh -c 'ls -A | grep -c tmp'
	assert_output 0
}

@test "sgs-init -x: usage errors exit 2 with the synopsis" {
	run sgs-init -x out -f synthetic
	assert_failure 2
	assert_output --partial '-f: not used with -x'
	assert_output --partial 'sgs-init -x dir [-v] [scene]'
	run sgs-init -i -x out "$FIX/scene.sgs"
	assert_failure 2
	assert_output --partial '-x: not used with -i'
	run sgs-init -x out a.sgs b.sgs
	assert_failure 2
	assert_output --partial "extra operand 'b.sgs'"
	run sgs-init -x
	assert_failure 2
	[ ! -e out ]
}

@test "--export-colmap is -x; a bad scene fails with exit 1 and no folder" {
	run sgs-init --export-colmap out "$FIX/scene.sgs"
	assert_success
	[ -f out/sparse/0/points3D.txt ]
	echo junk > bad.sgs
	run sgs-init -x out2 bad.sgs
	assert_failure 1
	assert_output --partial 'sgs-init: bad.sgs: not a scene file'
	[ ! -e out2 ]
}

@test "instant-ngp frames whose image files are absent are skipped with one warning" {
	cp -r "$ROOT/tests/fixtures/ngp" ngp
	rm ngp/images/f1.png
	run --separate-stderr sgs-init -f ngp -o s.sgs ngp
	assert_success
	assert_equal "$stderr" 'sgs-init: ngp/transforms.json: skipped 1 of 2 frames whose image files are absent'
	run sgs-init -i s.sgs
	assert_line 'views       1 (1 train, 0 test)'
	assert_line --regexp '^ +0  images_f0 +train +0 +32x24 '
	# detected as ngp too, and the one frame left trains with -t 0
	run --separate-stderr sgs-init -p all -t 0 -o s2.sgs ngp
	assert_success
	assert_equal "$stderr" 'sgs-init: ngp/transforms.json: skipped 1 of 2 frames whose image files are absent'
}

@test "instant-ngp: with every image file absent the import fails, naming the first" {
	cp -r "$ROOT/tests/fixtures/ngp" ngp
	rm ngp/images/f0.png ngp/images/f1.png
	run sgs-init -f ngp -o s.sgs ngp
	assert_failure 1
	assert_output 'sgs-init: ngp/transforms.json: none of the 2 frames has its image file (the first: ngp/images/f0.png)'
	assert_no_output_file s.sgs
}

@test "instant-ngp: an image that is there but broken is still an error" {
	cp -r "$ROOT/tests/fixtures/ngp" ngp
	echo junk > ngp/images/f1.png
	run sgs-init -f ngp -o s.sgs ngp
	assert_failure 1
	assert_output --partial 'ngp/images/f1.png: not a PNG or JPEG file'
	assert_no_output_file s.sgs
}
