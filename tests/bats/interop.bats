#!/usr/bin/env bats
# Interoperability: the web viewers' .splat export (sgs-render --export),
# the PLY layout Inria's loader expects, COLMAP text export (sgs-init -x)
# read back by the COLMAP importer, instant-ngp frames without images.

load helper

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
