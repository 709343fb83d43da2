#!/usr/bin/env bats
# sgs-init: the synthetic scene, the -i summary, atomic output, every
# error a broken input can cause, and the sparse-view protocols on the
# real captures in $DATA (skipped when absent).
load helper
bats_require_minimum_version 1.5.0

# A small synthetic scene keeps every test fast on two cores.
SMALL=(-f synthetic -W 32 -H 24 -N 6)

# Byte offsets fixed by sgs-formats(5): a chunk header is 16 bytes (tag,
# flags, length); in a VIEW payload, R (9 float64, row-major) starts at 120.
CHUNK_HEADER=16
VIEW_R=120

# $1 = the file (or folder) the message must name, $2... = sgs-init
# arguments that must fail: exit 1, nothing on stdout, one message line
# "sgs-init: $1: ...", and no out.sgs nor temporary left.  The message is
# kept in $err.
check_fails() {
	local name=$1
	shift
	run --separate-stderr sgs-init "$@"
	err=$stderr
	assert_equal "$status" 1
	assert_equal "$output" ''
	[[ "$err" == "sgs-init: $name: "* ]] || fail "message does not start with 'sgs-init: $name: ': $err"
	assert_equal "$(printf '%s\n' "$err" | wc -l)" 1
	assert_no_output_file out.sgs
}

# The value of one line of the -i summary ("views", "source", ...).
summary() { awk -v k="$1" 'index($0, k " ") == 1 { sub(/^[a-z ]+ +/, ""); print; exit }' "$2"; }

# Space-separated ids of the views of one split, from the -i table.
split_ids() { awk -v s="$1" '$1 ~ /^[0-9]+$/ && $3 == s { print $4 }' "$2" | sort -n | paste -sd' '; }

# Write byte values (octal escapes) at an offset of a file, in place.
patch() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# Offset of the first VIEW chunk's header in a scene file.
first_view() { grep -abo VIEW "$1" | head -n 1 | cut -d: -f1; }

@test "synthetic scene to a file: scene magic, nothing on stdout, no temporary" {
	run --separate-stderr sgs-init "${SMALL[@]}" -o s.sgs
	assert_success
	assert_equal "$output" ''
	assert_equal "$stderr" ''
	assert_equal "$(head -c 4 s.sgs)" SGSC
	run ls -A
	assert_output s.sgs
}

@test "synthetic scene to stdout: the same bytes as -o" {
	sgs-init "${SMALL[@]}" -o file.sgs
	sgs-init "${SMALL[@]}" > stdout.sgs
	sgs-init "${SMALL[@]}" -o - > dash.sgs
	cmp file.sgs stdout.sgs
	cmp file.sgs dash.sgs
}

@test "sgs-init -f synthetic | sgs-init -i shows views and split counts" {
	run --separate-stderr bash -c 'sgs-init -f synthetic | sgs-init -i'
	assert_success
	printf '%s\n' "$output" > sum.txt
	assert_equal "$(summary scene sum.txt)" '<stdin>'
	assert_equal "$(summary source sum.txt)" synthetic
	assert_equal "$(summary views sum.txt)" '12 (10 train, 2 test)'
	assert_equal "$(split_ids test sum.txt)" '0 8'
	assert_equal "$(grep -c ' view_0[0-9][0-9] ' sum.txt)" 12
	assert_line --partial 'VIEW 12, IMAG 12, MASK 12, DGT 12'
	assert_line --regexp '^ +3 +view_003 +train +3 +128x96 .* rgb,mask,depth$'
}

@test "sgs-init -i on a file and on '-'; -n and -N set the split" {
	sgs-init "${SMALL[@]}" -n 2 -o s.sgs
	run --separate-stderr sgs-init -i s.sgs
	assert_success
	printf '%s\n' "$output" > sum.txt
	assert_equal "$(summary scene sum.txt)" s.sgs
	assert_equal "$(summary views sum.txt)" '6 (2 train, 4 test)'
	assert_equal "$(split_ids train sum.txt)" '0 3'
	assert_line --regexp '^ +0 +view_000 +train +0 +32x24 '
	run --separate-stderr sgs-init -i - < s.sgs
	assert_success
	assert_line 'scene       <stdin>'
	assert_line 'views       6 (2 train, 4 test)'
}

@test "the synthetic scene is deterministic, and -S changes it" {
	sgs-init "${SMALL[@]}" -o a.sgs
	sgs-init "${SMALL[@]}" -o b.sgs
	sgs-init "${SMALL[@]}" -S 2 -o c.sgs
	cmp a.sgs b.sgs
	! cmp -s a.sgs c.sgs
	# same layout and cameras, other textures and primitives
	assert_equal "$(stat -c %s a.sgs)" "$(stat -c %s c.sgs)"
}

@test "-o into a missing folder fails naming the file and leaves nothing" {
	run --separate-stderr sgs-init "${SMALL[@]}" -o nodir/out.sgs
	assert_equal "$status" 1
	assert_equal "$output" ''
	[[ "$stderr" == "sgs-init: nodir/out.sgs: "* ]] || fail "$stderr"
	[ ! -e nodir ]
}

@test "a failed import leaves an existing output file untouched" {
	echo old > out.sgs
	run sgs-init -o out.sgs nosuch
	assert_equal "$status" 1
	assert_equal "$(cat out.sgs)" old
	run ls -A
	assert_output out.sgs
}

@test "a write error on stdout is reported" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c 'sgs-init -f synthetic -W 32 -H 24 -N 6 -o - > /dev/full'
	assert_equal "$status" 1
	[[ "$stderr" == "sgs-init: <stdout>: write error"* ]] || fail "$stderr"
}

@test "missing input folder" {
	check_fails nosuch -o out.sgs nosuch
	[[ "$err" == *"not a folder"* ]] || fail "$err"
}

@test "folder of unknown format: the message lists what was looked for" {
	mkdir capture
	touch capture/notes.txt
	check_fails capture -o out.sgs capture
	[[ "$err" == *"cannot tell the dataset format"*"poses_bounds.npy"*"use -f"* ]] || fail "$err"
}

@test "unknown -f format lists the valid ones: a usage error" {
	mkdir capture
	run --separate-stderr sgs-init -f bogus -o out.sgs capture
	assert_equal "$status" 2
	assert_equal "$output" ''
	[[ "$stderr" == "sgs-init: -f: unknown format 'bogus' (expected colmap, blender, ngp, llff, dtu or synthetic)"$'\n'"usage: sgs-init "* ]] ||
		fail "$stderr"
	assert_no_output_file out.sgs
}

@test "unknown protocol: the message lists the valid ones, a usage error" {
	mkdir capture
	run --separate-stderr sgs-init -p foo -o out.sgs capture
	assert_equal "$status" 2
	[[ "$stderr" == "sgs-init: -p: unknown protocol 'foo' (expected llff, blender, dtu or all)"$'\n'"usage: sgs-init "* ]] ||
		fail "$stderr"
	assert_no_output_file out.sgs
}

@test "not a scene file: bad magic is printed" {
	printf 'PK\003\004xxxxxxxx' > bad.sgs
	check_fails bad.sgs -i bad.sgs
	# the bytes are shown escaped, 'PK\3\4' or 'PK\003\004'
	[[ "$err" == *"not a scene file (bad magic 'PK\\"*"3\\"*"4')" ]] || fail "$err"
	check_fails '<stdin>' -i - < bad.sgs
	[[ "$err" == *"bad magic"* ]] || fail "$err"
	: > empty.sgs
	check_fails empty.sgs -i empty.sgs
}

@test "missing scene file for -i" {
	check_fails nosuch.sgs -i nosuch.sgs
}

@test "truncated scene: in a chunk, before END, from a pipe" {
	sgs-init "${SMALL[@]}" -o s.sgs
	size=$(stat -c %s s.sgs)
	head -c 1000 s.sgs > cut.sgs
	check_fails cut.sgs -i cut.sgs
	[[ "$err" == *"truncated"* ]] || fail "$err"
	# the END chunk is a bare 16-byte header: drop exactly it
	head -c $((size - CHUNK_HEADER)) s.sgs > noend.sgs
	check_fails noend.sgs -i noend.sgs
	[[ "$err" == *"truncated"*"without an END chunk"* ]] || fail "$err"
	head -c 6 s.sgs > header.sgs
	check_fails header.sgs -i header.sgs
	[[ "$err" == *"truncated"* ]] || fail "$err"
	check_fails '<stdin>' -i < cut.sgs
	[[ "$err" == *"truncated"* ]] || fail "$err"
}

@test "a scene version newer than this sgs is named" {
	sgs-init "${SMALL[@]}" -o s.sgs
	cp s.sgs new.sgs
	patch new.sgs 4 '\002'
	check_fails new.sgs -i new.sgs
	[[ "$err" == *"version 2 is newer than this sgs supports (1)"* ]] || fail "$err"
}

@test "a NaN in a pose is refused" {
	sgs-init "${SMALL[@]}" -o s.sgs
	off=$(first_view s.sgs)
	[ -n "$off" ] || fail "no VIEW chunk found"
	assert_equal "$(dd if=s.sgs bs=1 skip="$off" count=4 status=none)" VIEW
	cp s.sgs nan.sgs
	# float64 quiet NaN, little-endian, over R[4] of the first view
	patch nan.sgs $((off + CHUNK_HEADER + VIEW_R + 4 * 8)) '\000\000\000\000\000\000\370\177'
	check_fails nan.sgs -i nan.sgs
	[[ "$err" == *"view 0 ('view_000'): NaN"* ]] || fail "$err"
	# and the unpatched copy still reads
	sgs-init -i s.sgs > /dev/null
}

@test "empty view set: a capture without frames" {
	mkdir ngp blender
	echo '{"fl_x": 100, "fl_y": 100, "cx": 16, "cy": 12, "w": 32, "h": 24, "frames": []}' \
		> ngp/transforms.json
	check_fails ngp/transforms.json -o out.sgs ngp
	[[ "$err" == *"no frames"* ]] || fail "$err"
	echo '{"camera_angle_x": 0.69, "frames": []}' > blender/transforms_train.json
	cp blender/transforms_train.json blender/transforms_test.json
	check_fails blender -o out.sgs blender
	[[ "$err" == *"no frames"* ]] || fail "$err"
}

# ---- the real captures (SPEC §5) --------------------------------------------

@test "fern, llff protocol, 3 views: train 1,10,19 and test 0,8,16 at 504x378" {
	need_data llff/fern
	run --separate-stderr bash -c "sgs-init -f llff -p llff -n 3 '$DATA/llff/fern' | sgs-init -i"
	assert_success
	printf '%s\n' "$output" > sum.txt
	assert_equal "$(summary views sum.txt)" '6 (3 train, 3 test)'
	assert_equal "$(summary protocol sum.txt)" llff
	assert_equal "$(split_ids train sum.txt)" '1 10 19'
	assert_equal "$(split_ids test sum.txt)" '0 8 16'
	# Opaque photographs train on black unless -B says otherwise.
	assert_equal "$(summary background sum.txt)" '0 0 0'
	assert_line --regexp '^ +0 +IMG_4026 +test +0 +504x378 '
	assert_equal "$(awk '$1 ~ /^[0-9]+$/ && $5 != "504x378"' sum.txt)" ''
}

@test "lego, blender protocol: 8 train views, 25 test views at 400x400" {
	need_data blender/lego
	sgs-init -f blender -p blender -o lego.sgs "$DATA/blender/lego"
	sgs-init -i lego.sgs > sum.txt
	assert_equal "$(summary views sum.txt)" '33 (8 train, 25 test)'
	assert_equal "$(summary background sum.txt)" '1 1 1'
	assert_equal "$(split_ids train sum.txt)" '2 16 26 55 73 75 86 93'
	run grep -c ' test_r_[0-9]* *test ' sum.txt
	assert_output 25
	# f = 0.5 * 400 / tan(0.5 * camera_angle_x)
	run grep -E '^ +[0-9]+ +train_r_26 +train +26 +400x400 +555\.556 +555\.556 +200\.000 +200\.000 ' sum.txt
	assert_success
}

@test "lego: -n picks the first protocol views, -a keeps alpha" {
	need_data blender/lego
	sgs-init -p blender -n 2 -a "$DATA/blender/lego" | sgs-init -i > sum.txt
	assert_equal "$(summary views sum.txt)" '27 (2 train, 25 test)'
	assert_equal "$(split_ids train sum.txt)" '26 86'
	assert_equal "$(awk '$1 ~ /^[0-9]+$/ && $NF != "rgba"' sum.txt)" ''
}

@test "DTU scan24, dtu protocol: train 25,22,28 and 25 test views with masks" {
	need_data dtu/scan24
	sgs-init -f dtu -p dtu "$DATA/dtu/scan24" | sgs-init -i > sum.txt
	assert_equal "$(summary views sum.txt)" '28 (3 train, 25 test)'
	assert_equal "$(split_ids train sum.txt)" '22 25 28'
	assert_equal "$(split_ids test sum.txt)" \
		'1 2 9 10 11 12 14 15 23 24 26 27 29 30 31 32 33 34 35 41 42 43 45 46 47'
	# masks on every view, train views too (the protocol's "masks for
	# evaluation only" is kept by sgs-train, which ignores them unless
	# --train-masks)
	assert_equal "$(awk '$3 == "test" && $NF == "rgb,mask"' sum.txt | wc -l)" 25
	assert_equal "$(awk '$3 == "train" && $NF == "rgb,mask"' sum.txt | wc -l)" 3
	run grep -E '^ +[0-9]+ +000025 +train +25 +400x300 ' sum.txt
	assert_success
}

@test "format detection without -f: llff, blender, dtu" {
	need_data llff/fern
	need_data blender/lego
	need_data dtu/scan24
	sgs-init -p llff -n 3 "$DATA/llff/fern" | sgs-init -i > fern.txt
	assert_equal "$(summary source fern.txt)" llff
	assert_equal "$(summary views fern.txt)" '6 (3 train, 3 test)'
	sgs-init -p blender -n 1 "$DATA/blender/lego" | sgs-init -i > lego.txt
	assert_equal "$(summary source lego.txt)" blender
	sgs-init -p dtu "$DATA/dtu/scan24" | sgs-init -i > dtu.txt
	assert_equal "$(summary source dtu.txt)" dtu
	assert_equal "$(summary views dtu.txt)" '28 (3 train, 25 test)'
}

@test "an id outside the capture is refused" {
	need_data llff/fern
	run --separate-stderr sgs-init -p llff -t 3,20 -o out.sgs "$DATA/llff/fern"
	assert_equal "$status" 1
	[[ "$stderr" == "sgs-init: -t: view id 20 out of range (the dataset has 20 views, 0 to 19)" ]] ||
		fail "$stderr"
	assert_no_output_file out.sgs
}

# ---- --points: seed points from a PLY point cloud ----------------------------

# An ASCII point cloud with intensity and no colour, comments and a face
# element: $1 = file, then x y z triples.
ascii_ply() {
	local file=$1
	shift
	{
		printf 'ply\nformat ascii 1.0\ncomment written by the test\n'
		printf 'element vertex %d\n' $(($# / 3))
		printf 'property float x\nproperty double y\nproperty float z\nproperty float intensity\n'
		printf 'element face 1\nproperty list uchar int vertex_indices\nend_header\n'
		while [ $# -gt 0 ]; do
			printf '%s %s %s 0.5\n' "$1" "$2" "$3"
			shift 3
		done
		printf '3 0 0 0\n'
	} > "$file"
}

@test "--points: an ASCII cloud replaces the synthetic scene's seeds; quiet without -v" {
	ascii_ply p.ply 0 0 0 0 0 0.5 0.25 -0.25 0.1 0 0 1000000
	run --separate-stderr sgs-init "${SMALL[@]}" --points p.ply -o s.sgs
	assert_success
	assert_equal "$stderr" ''
	sgs-init -i s.sgs > sum.txt
	assert_equal "$(summary 'seed points' sum.txt)" 4
	grep -q 'SEED 1' sum.txt
	run --separate-stderr sgs-init "${SMALL[@]}" -v --points p.ply -o s.sgs
	assert_success
	assert_equal "$stderr" \
		'sgs-init: p.ply: 4 seed points (no colour: grey), 75.0% in view of a train camera'
}

@test "--points: a binary little-endian cloud with colour (fused.ply layout) arrives byte for byte" {
	{
		printf 'ply\nformat binary_little_endian 1.0\nelement vertex 2\n'
		printf 'property float x\nproperty float y\nproperty float z\n'
		printf 'property float nx\nproperty float ny\nproperty float nz\n'
		printf 'property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n'
		# (0, 0, 0.5) with a zero normal, red; (0, 0, 1), colour 1 2 3
		printf '\0\0\0\0\0\0\0\0\0\0\0\077' && printf '\0\0\0\0\0\0\0\0\0\0\0\0' && printf '\377\0\0'
		printf '\0\0\0\0\0\0\0\0\0\0\200\077' && printf '\0\0\0\0\0\0\0\0\0\0\0\0' && printf '\1\2\3'
	} > fused.ply
	assert_equal "$(stat -c %s fused.ply)" $(($(grep -abo end_header fused.ply | cut -d: -f1) + 11 + 2 * 27))
	sgs-init "${SMALL[@]}" --points fused.ply -o s.sgs
	# SEED payload: u64 count, then 16-byte records (f32 x y z, u8 r g b, pad)
	local off=$(($(grep -abo SEED s.sgs | head -n 1 | cut -d: -f1) + CHUNK_HEADER))
	assert_equal "$(od -An -tx1 -j "$off" -N 40 s.sgs | tr -d ' \n')" \
		'0200000000000000''00000000000000000000003fff000000''00000000000000000000803f01020300'
}

@test "--points replaces the seeds of an import too (instant-ngp fixture)" {
	ascii_ply p.ply 0.5 -0.25 0
	run --separate-stderr sgs-init -f ngp -v --points p.ply -o s.sgs "$ROOT/tests/fixtures/ngp"
	assert_success
	assert_equal "$stderr" \
		'sgs-init: p.ply: 1 seed point (no colour: grey), 100.0% in view of a train camera'
	sgs-init -i s.sgs > sum.txt
	assert_equal "$(summary 'seed points' sum.txt)" 1
}

@test "--points: no point in view of a train camera is an error naming the file" {
	ascii_ply far.ply 0 0 1000000 0 0 -1000000
	check_fails far.ply "${SMALL[@]}" --points far.ply -o out.sgs
	[[ "$err" == "sgs-init: far.ply: 2 points, none in view of a train camera (in front of it and inside its image); "* ]] ||
		fail "$err"
}

@test "--points: unreadable and broken PLY files fail before the import, naming the file" {
	check_fails nosuch.ply "${SMALL[@]}" --points nosuch.ply -o out.sgs
	[[ "$err" == *"cannot open"* ]] || fail "$err"
	printf 'ply\nformat binary_little_endian 1.0\nelement vertex 1000\nproperty float x\n' > big.ply
	printf 'property float y\nproperty float z\nend_header\n0123456789ab' >> big.ply
	check_fails big.ply "${SMALL[@]}" --points big.ply -o out.sgs
	[[ "$err" == *"declares 1000 vertex rows of at least 12 bytes, more than the 12 bytes after the header hold" ]] ||
		fail "$err"
	printf 'ply\nformat ascii 1.0\nelement vertex 1\nproperty float y\nproperty float z\nend_header\n1 2\n' > nox.ply
	check_fails nox.ply "${SMALL[@]}" --points nox.ply -o out.sgs
	[[ "$err" == *"the vertex element has no property x" ]] || fail "$err"
	ascii_ply nan.ply nan 0 0 0 0 0
	run --separate-stderr sgs-init "${SMALL[@]}" --points nan.ply -o s.sgs
	assert_success
	assert_equal "$stderr" 'sgs-init: nan.ply: skipped 1 vertex with a non-finite coordinate'
	# the import itself is not even started
	check_fails nosuch.ply --points nosuch.ply -o out.sgs no-such-capture
}

@test "--points and -v do not go with -i" {
	run --separate-stderr sgs-init -i --points p.ply
	assert_equal "$status" 2
	[[ "$stderr" == 'sgs-init: --points: not used with -i'* ]] || fail "$stderr"
	run --separate-stderr sgs-init -v -i
	assert_equal "$status" 2
	[[ "$stderr" == 'sgs-init: -v: not used with -i'* ]] || fail "$stderr"
}

@test "an instant-ngp lens that cannot be undistorted (k1 = 1e6) is refused, naming the file and field" {
	cp -r "$ROOT/tests/fixtures/ngp" ngp
	sed -i 's/"k1": -0.1,/"k1": 1e6,/' ngp/transforms.json
	check_fails ngp/transforms.json -f ngp -o out.sgs ngp
	[[ "$err" == "sgs-init: ngp/transforms.json: frame 0: 'k1' is out of range: lens distortion (k1 1e+06, "*"cannot be undistorted over the 32x24 image"* ]] ||
		fail "$err"
	# the fixture as shipped still imports, its lens undistorted
	run sgs-init -f ngp -o out.sgs "$ROOT/tests/fixtures/ngp"
	assert_success
}

# $1 = folder: scan24 with its camera file and images linked, and a mask/
# folder of links to every mask but those named after it.
dtu_without_masks() {
	local dir=$1 f
	shift
	mkdir -p "$dir/mask"
	ln -s "$DATA/dtu/scan24/cameras_sphere.npz" "$DATA/dtu/scan24/image" "$dir/"
	for f in "$DATA"/dtu/scan24/mask/*.png; do
		case " $* " in *" $(basename "$f") "*) ;; *) ln -s "$f" "$dir/mask/" ;; esac
	done
}

@test "DTU: a missing test mask is refused under -p dtu, reported under other protocols" {
	need_data dtu/scan24
	dtu_without_masks dtu 001.png 009.png
	check_fails dtu/mask/001.png -p dtu -o out.sgs dtu
	assert_equal "$err" 'sgs-init: dtu/mask/001.png: no such mask (2 of the 25 test views have none); the dtu protocol scores test views inside their masks'
	# a train view's mask is kept when there is one; its absence is fine
	rm dtu/mask/025.png
	ln -s "$DATA/dtu/scan24/mask/001.png" "$DATA/dtu/scan24/mask/009.png" dtu/mask/
	run sgs-init -p dtu -o s.sgs dtu
	assert_success
	# -p all: the import goes on, saying which views are scored unmasked
	rm dtu/mask/009.png
	ln -s "$DATA/dtu/scan24/mask/025.png" dtu/mask/
	run --separate-stderr sgs-init -f dtu -p all -n 3 -o s.sgs dtu
	assert_success
	assert_equal "$stderr" 'sgs-init: dtu/mask/009.png: no such mask (1 of the 46 test views have none): they are scored over the whole image'
	sgs-init -i s.sgs | awk '$2 == "000009" { print $NF }' > row.txt
	assert_equal "$(cat row.txt)" rgb
	# no mask/ folder at all
	rm -r dtu/mask
	check_fails dtu/mask/001.png -p dtu -o out.sgs dtu
	[[ "$err" == *"(25 of the 25 test views have none)"* ]] || fail "$err"
}
