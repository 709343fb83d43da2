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

# -g: renders of a small random model (with depth TIFFs), scored unmasked
# so that the panels are the images themselves.  64x48 views: tiny font,
# a band of 3 + 8 + 3 + 8 + 3 = 25 rows under the panels.
PROBE="${SGS_BUILD:-$ROOT/build}/tests/png_probe"

make_model_renders() {
	make_scene
	python3 "$BATS_TEST_DIRNAME/make_splat.py" sp.ply 400 1 7
	sgs-render -b cpu -s all -d -o r s.sgs sp.ply
}

@test "sgs-eval -g: ground truth | render | error | depth, and a label band" {
	make_model_renders
	run --separate-stderr sgs-eval -m nomask -s all -g cmp -e maps s.sgs r
	assert_success
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 10 ]
	run "$PROBE" size cmp/view_003_compare.png
	assert_output '256 73'
	"$PROBE" view s.sgs view_003 gt3.png
	"$PROBE" same cmp/view_003_compare.png 0 0 gt3.png
	"$PROBE" same cmp/view_003_compare.png 64 0 r/view_003.png
	"$PROBE" same cmp/view_003_compare.png 128 0 maps/view_003_error.png
	run "$PROBE" same cmp/view_003_compare.png 0 0 r/view_003.png
	assert_failure
	# the depth panel is colour-mapped from r/view_003.tiff: none of the
	# "no depth" grey
	run "$PROBE" count cmp/view_003_compare.png 192 0 64 48 96 96 96
	assert_output '3072'
	# text: white glyph pixels on the band's dark grey, in both rows
	for y in 51 62; do
		run "$PROBE" count cmp/view_003_compare.png 0 $y 256 8 32 32 32
		[ "$output" -gt 100 ]
		run "$PROBE" count cmp/view_003_compare.png 0 $y 256 8 255 255 255
		[ "$output" -lt $((256 * 8 - 100)) ]
	done
	# titles alike in every view; the captions (name, PSNR, SSIM) differ
	for v in 000 003; do
		"$PROBE" crop cmp/view_${v}_compare.png 0 51 256 8 title$v.png
		"$PROBE" crop cmp/view_${v}_compare.png 0 62 256 8 caption$v.png
	done
	"$PROBE" same title000.png 0 0 title003.png
	run "$PROBE" same caption000.png 0 0 caption003.png
	assert_failure
	assert_no_output_file '.tmp'
}

@test "sgs-eval -g --baseline: ground truth | baseline | render | error | depth" {
	make_model_renders
	python3 "$BATS_TEST_DIRNAME/make_splat.py" sp2.ply 300 1 11
	sgs-render -b cpu -s all -o base s.sgs sp2.ply
	run --separate-stderr sgs-eval -m nomask -s all -g cmp -e maps --baseline base s.sgs r
	assert_success
	[ -z "$stderr" ]
	# the scores printed are the render's alone
	sgs-eval -m nomask -s all s.sgs r > plain.tsv
	run sh -c "printf '%s\n' \"\$1\" | diff - plain.tsv" sh "$output"
	assert_success
	run "$PROBE" size cmp/view_003_compare.png
	assert_output '320 73'
	"$PROBE" view s.sgs view_003 gt3.png
	"$PROBE" same cmp/view_003_compare.png 0 0 gt3.png
	"$PROBE" same cmp/view_003_compare.png 64 0 base/view_003.png
	"$PROBE" same cmp/view_003_compare.png 128 0 r/view_003.png
	"$PROBE" same cmp/view_003_compare.png 192 0 maps/view_003_error.png
	run "$PROBE" count cmp/view_003_compare.png 256 0 64 48 96 96 96
	assert_output '3072'
	# the titles name the folders: the band differs from a run without
	sgs-eval -m nomask -s all -g cmp2 s.sgs r > /dev/null
	"$PROBE" crop cmp/view_003_compare.png 0 51 128 8 t1.png
	"$PROBE" crop cmp2/view_003_compare.png 0 51 128 8 t2.png
	run "$PROBE" same t1.png 0 0 t2.png
	assert_failure
	# --baseline needs -g, and a folder with every view's render
	run sgs-eval -m nomask --baseline base s.sgs r
	assert_failure 2
	assert_line --index 0 'sgs-eval: --baseline: only with -g (it adds a panel to the comparisons)'
	assert_line --index 1 --partial 'usage: sgs-eval'
	rm base/view_003.png
	run sgs-eval -m nomask -s all -g cmp3 --baseline base s.sgs r
	assert_failure 1
	assert_output --partial "base/view_003.png: missing render of view 'view_003'"
	run sgs-eval -m nomask -g cmp3 --baseline nowhere s.sgs r
	assert_failure 1
	assert_output --partial 'nowhere'
}

@test "sgs-eval -g: index.png holds every comparison, labelled, in a grid" {
	make_model_renders
	run sgs-eval -m nomask -s all -g cmp s.sgs r
	assert_success
	run sh -c 'ls cmp | tr "\n" " "'
	assert_output 'index.png view_000_compare.png view_001_compare.png view_002_compare.png view_003_compare.png view_004_compare.png view_005_compare.png view_006_compare.png view_007_compare.png '
	# 8 cells of 256x73 + a giant-font label (3 + 15 rows): 2 columns
	# (ceil(sqrt(8 * 91 / 256))) of 4 rows, 8 pixels apart and from the edges
	run "$PROBE" size cmp/index.png
	assert_output '536 404'
	"$PROBE" same cmp/index.png 8 8 cmp/view_000_compare.png
	"$PROBE" same cmp/index.png 272 8 cmp/view_001_compare.png
	"$PROBE" same cmp/index.png 272 305 cmp/view_007_compare.png
	# each thumbnail's label under it
	run "$PROBE" count cmp/index.png 8 84 256 15 32 32 32
	[ "$output" -gt 100 ]
	# one test view: a one-cell sheet
	run sgs-eval -m nomask -g one s.sgs r
	assert_success
	run "$PROBE" size one/index.png
	assert_output '272 107'
}

@test "sgs-eval -g: without depth maps the depth panel says so" {
	make_scene
	run --separate-stderr sgs-eval -g cmp s.sgs - < s.sgs
	assert_success
	# grey with a little text in the middle
	run "$PROBE" count cmp/view_000_compare.png 192 0 64 48 96 96 96
	[ "$output" -gt 20 ]
	[ "$output" -lt 400 ]
	# ground truth against itself: the error panel is inferno's 0, 0, 4
	run "$PROBE" count cmp/view_000_compare.png 128 0 64 48 0 0 4
	assert_output '0'
	run --separate-stderr sgs-eval --prior -g cmp s.sgs
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-g does not apply"* ]]
	[[ "$stderr" == *"usage: sgs-eval"* ]]
}

@test "sgs-eval -g: a folder that cannot be made is an error, nothing on stdout" {
	make_scene
	touch file
	run --separate-stderr sgs-eval -g file/cmp s.sgs - < s.sgs
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "sgs-eval: file/cmp"* ]]
}
