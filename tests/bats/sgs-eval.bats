#!/usr/bin/env bats
# sgs-eval on the built-in synthetic scene: ground truth against itself,
# renders from a folder, the error cases and the output formats.

bats_require_minimum_version 1.5.0
load helper

# A small scene (view 0 is the only test view of 8) and, in r/, "renders"
# that are the right size but the wrong content: the error images of the
# ground truth against itself, renamed.
make_scene() {
	sgs-init -f synthetic -W 64 -H 48 -N 8 > s.sgs
}

make_renders() {
	make_scene
	sgs-eval -s all -e err s.sgs - < s.sgs > /dev/null
	mkdir r
	for f in err/*_error.png; do
		b=$(basename "$f" _error.png)
		cp "$f" "r/$b.png"
	done
}

@test "sgs-eval -h prints usage on stdout and exits 0" {
	run --separate-stderr sgs-eval -h
	assert_success
	assert_line --index 0 --partial 'usage: sgs-eval'
	assert_output --partial '--ssim-crop'
	[ -z "$stderr" ]
}

@test "sgs-eval: unknown option is a usage error with nothing on stdout" {
	make_scene
	run --separate-stderr sgs-eval -x s.sgs
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"sgs-eval: unknown option -- x"* ]]
	[[ "$stderr" == *"usage: sgs-eval"* ]]
	run --separate-stderr sgs-eval --ssim-crop=1 s.sgs
	[ "$status" -eq 2 ]
	run --separate-stderr sgs-eval -m half s.sgs
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage:"* ]]
	run --separate-stderr sgs-eval -s valid s.sgs
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage:"* ]]
}

@test "sgs-eval: scene and renders cannot both be stdin" {
	make_scene
	run --separate-stderr sgs-eval - < s.sgs
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"usage:"* ]]
}

@test "sgs-eval: ground truth against itself gives PSNR inf and SSIM 1" {
	make_scene
	run --separate-stderr sgs-eval s.sgs - < s.sgs
	assert_success
	assert_line --index 0 "$(printf 'view\tpsnr\tssim\tmasked')"
	assert_line --index 1 "$(printf 'view_000\tinf\t1.000000\tyes')"
	assert_line --index 2 "$(printf 'mean\tinf\t1.000000\tyes')"
	[ "${#lines[@]}" -eq 3 ]
	run --separate-stderr sgs-eval -s all -m nomask --ssim-crop s.sgs < s.sgs
	assert_success
	assert_line --index 0 "$(printf 'view\tpsnr\tssim')"
	assert_line --index 9 "$(printf 'mean\tinf\t1.000000')"
	[ "${#lines[@]}" -eq 10 ]
}

@test "sgs-eval: the scene can come from stdin when renders is a folder" {
	make_renders
	run --separate-stderr sgs-eval -s train - r < s.sgs
	assert_success
	[ "${#lines[@]}" -eq 9 ]
	assert_line --index 8 --regexp $'^mean\t[0-9]+\\.[0-9]{4}\t0\\.[0-9]{6}\tyes$'
}

@test "sgs-eval: wrong renders score low, and JSON parses" {
	make_renders
	run --separate-stderr sgs-eval -j -s all -m nomask r/../s.sgs r
	assert_success
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["split"] == "all" and d["ssim"] == "3dgs", d
assert len(d["views"]) == 8 and d["views"][0]["view"] == "view_000"
assert d["views"][0]["masked"] is False
m = d["mean"]
assert 3 < m["psnr"] < 20, m
assert -0.5 < m["ssim"] < 0.9, m
assert m["views"] == 8 and m["masked_views"] == 0
'
	run --separate-stderr sgs-eval -j --ssim-crop s.sgs - < s.sgs
	assert_success
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ssim"] == "skimage" and d["split"] == "test", d
assert d["views"][0]["psnr"] is None and d["views"][0]["ssim"] == 1, d
assert d["views"][0]["masked"] is True
'
}

@test "sgs-eval -e writes one error image per evaluated view" {
	make_renders
	run sgs-eval -e maps -s test s.sgs r
	assert_success
	[ -s maps/view_000_error.png ]
	[ ! -e maps/view_001_error.png ]
	# PNG signature
	run sh -c 'head -c 8 maps/view_000_error.png | od -An -tx1'
	assert_output --partial '89 50 4e 47 0d 0a 1a 0a'
	assert_no_output_file '.tmp'
}

@test "sgs-eval: missing renders folder is an error" {
	make_scene
	run --separate-stderr sgs-eval s.sgs nowhere
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "sgs-eval: nowhere:"* ]]
}

@test "sgs-eval: missing render file names the file" {
	make_renders
	rm r/view_003.png
	run --separate-stderr sgs-eval -s all s.sgs r
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"r/view_003.png"* ]]
}

@test "sgs-eval: wrong-sized render names the file and both sizes" {
	make_renders
	mkdir small
	sgs-init -f synthetic -W 32 -H 24 -N 8 > small.sgs
	sgs-eval -e small -s test small.sgs - < small.sgs > /dev/null
	cp small/view_000_error.png r/view_000.png
	run --separate-stderr sgs-eval s.sgs r
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"r/view_000.png"* ]]
	[[ "$stderr" == *"32x24"* ]]
	[[ "$stderr" == *"64x48"* ]]
}

@test "sgs-eval: render stream missing a view is an error" {
	make_scene
	sgs-init -f synthetic -W 64 -H 48 -N 1 > one.sgs
	run --separate-stderr sgs-eval -s all s.sgs - < one.sgs
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"no render for view 'view_001'"* ]]
}

@test "sgs-eval: an empty split is an error" {
	sgs-init -f synthetic -W 16 -H 12 -N 1 > one.sgs
	run --separate-stderr sgs-eval -s train one.sgs - < one.sgs
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"no train views"* ]]
}

@test "sgs-eval -D: depth columns, '-' where no depth map exists" {
	make_scene
	mkdir depth
	run --separate-stderr sgs-eval -D depth s.sgs - < s.sgs
	assert_success
	assert_line --index 0 "$(printf 'view\tpsnr\tssim\tabsrel\trmse\tmasked')"
	assert_line --index 1 "$(printf 'view_000\tinf\t1.000000\t-\t-\tyes')"
	[[ "$stderr" == *"no usable depth map"* ]]
	run --separate-stderr sgs-eval -D nowhere s.sgs - < s.sgs
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}
