#!/usr/bin/env bats
# Hostile inputs (issue 11): scenes with names that leave the output
# folder, scenes the tools must all refuse alike, corrupt checkpoints,
# failing log writes, stale temporary files, binary output to a terminal.
# Files are damaged with patch_chunk.py, one field at a time.

bats_require_minimum_version 1.5.0
load helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	sgs-init -f synthetic -W 32 -H 24 -N 6 -o "$FIX/s.sgs"
	python3 "$BATS_TEST_DIRNAME/make_splat.py" "$FIX/m.ply" 200 1 3
}

# $1 = output, then TAG[:k] OFFSET TYPE VALUE: $FIX/s.sgs with one field changed.
patch_scene() {
	local out=$1
	shift
	python3 "$BATS_TEST_DIRNAME/patch_chunk.py" "$FIX/s.sgs" "$out" "$@"
}

@test "a view name with ../ is refused by every tool; nothing is written outside the folder" {
	mkdir -p work/r && cd work
	patch_scene bad.sgs VIEW:0 4 s64 ../../x
	run --separate-stderr sgs-render -b cpu -o r/a bad.sgs "$FIX/m.ply"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-render: bad.sgs: view 0: view name '../../x' cannot name a file inside a folder"
	sgs-render -b cpu -o r/a "$FIX/s.sgs" "$FIX/m.ply"
	run --separate-stderr sgs-eval -e errs/a bad.sgs r/a
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-eval: bad.sgs: view 0: view name '../../x' cannot name a file inside a folder"
	for t in sgs-train sgs-depth; do
		run --separate-stderr "$t" -b cpu -o out bad.sgs
		assert_equal "$status" 1
		assert_equal "$stderr" "$t: bad.sgs: view 0: view name '../../x' cannot name a file inside a folder"
	done
	run sgs-init -i bad.sgs
	assert_failure 1
	cd ..
	[ ! -e x.png ] && [ ! -e x_error.png ] && [ ! -e work/x.png ] && [ ! -e work/x_error.png ]
	# Nor can a render stream on stdin name a file outside -e's folder.
	cd work
	run sh -c "sgs-eval -s all -e errs bad.sgs - < bad.sgs"
	assert_failure 1
	run sh -c "sgs-eval -s all -e errs '$FIX/s.sgs' - < bad.sgs"
	assert_failure 1
	assert_output "sgs-eval: <stdin>: view 0: view name '../../x' cannot name a file inside a folder"
	[ ! -e ../x_error.png ] && [ ! -e x_error.png ]
}

@test "names '', '.', '..', duplicates: refused by sgs-render and sgs-init -i like sgs-train" {
	patch_scene empty.sgs VIEW:1 4 s64 ''
	patch_scene dot.sgs VIEW:1 4 s64 .
	patch_scene dotdot.sgs VIEW:1 4 s64 ..
	patch_scene dup.sgs VIEW:1 4 s64 view_000
	local f want
	for f in empty dot dotdot dup; do
		case $f in
		empty) want="view 1: empty view name cannot name a file" ;;
		dot) want="view 1: view name '.' cannot name a file" ;;
		dotdot) want="view 1: view name '..' cannot name a file" ;;
		dup) want="two views are named 'view_000'" ;;
		esac
		for t in sgs-render sgs-train sgs-init; do
			case $t in
			sgs-render) run --separate-stderr sgs-render -b cpu -s all -o r $f.sgs "$FIX/m.ply" ;;
			sgs-train) run --separate-stderr sgs-train -b cpu -n 1 -o m.ply $f.sgs ;;
			sgs-init) run --separate-stderr sgs-init -i $f.sgs ;;
			esac
			assert_equal "$status" 1
			assert_equal "$output" ''
			assert_equal "$stderr" "$t: $f.sgs: $want"
		done
	done
	[ ! -e r ] || [ -z "$(ls -A r)" ]
}

@test "a non-rotation R, a NaN background, a negative focal length: every reader refuses, naming the file" {
	patch_scene rot.sgs VIEW:1 120 f64 2
	patch_scene bg.sgs HEAD 64 f32 nan
	patch_scene fx.sgs VIEW:2 88 f64 -30
	local f want
	for f in rot bg fx; do
		case $f in
		rot) want="view 1 ('view_001'): R is not a rotation" ;;
		bg) want="background colour is not finite" ;;
		fx) want="view 2 ('view_002'): focal lengths must be positive (fx -30, fy 36.8)" ;;
		esac
		run --separate-stderr sgs-render -b cpu -s all -o r $f.sgs "$FIX/m.ply"
		assert_equal "$status" 1
		[[ "$stderr" == "sgs-render: $f.sgs: $want"* ]] || fail "sgs-render: $stderr"
		run --separate-stderr sgs-init -i $f.sgs
		assert_equal "$status" 1
		[[ "$stderr" == "sgs-init: $f.sgs: $want"* ]] || fail "sgs-init -i: $stderr"
		run --separate-stderr sgs-eval $f.sgs - < "$FIX/s.sgs"
		assert_equal "$status" 1
		[[ "$stderr" == "sgs-eval: $f.sgs: $want"* ]] || fail "sgs-eval: $stderr"
	done
	[ ! -e r ]
	# The untouched scene is still fine everywhere.
	run sgs-init -i "$FIX/s.sgs"
	assert_success
}

@test "a NaN in a model: sgs-render and sgs-depth name the file" {
	python3 - "$FIX/m.ply" nan.ply <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
body = b.find(b'end_header\n') + len('end_header\n')
props = b[:body].count(b'property float')
struct.pack_into('<f', b, body + 4 * props * 5, float('nan'))  # Gaussian 5: x
open(sys.argv[2], 'wb').write(b)
PY
	run --separate-stderr sgs-render -b cpu -o r "$FIX/s.sgs" nan.ply
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-render: nan.ply: Gaussian 5: a position coordinate is nan"
	run --separate-stderr sh -c "sgs-render -b cpu -o r '$FIX/s.sgs' - < nan.ply"
	assert_equal "$stderr" "sgs-render: <stdin>: Gaussian 5: a position coordinate is nan"
	run --separate-stderr sgs-depth -b cpu -m render -s nan.ply -o d.sgs "$FIX/s.sgs"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-depth: nan.ply: Gaussian 5: a position coordinate is nan"
	[ ! -e r ] && [ ! -e d.sgs ]
}

# $1 = name, then TAG[:k] OFFSET TYPE VALUE: the checkpoint with one field changed.
patch_ckpt() {
	local out=$1
	shift
	python3 "$BATS_TEST_DIRNAME/patch_chunk.py" "$FIX/m.ckpt" "$out" "$@"
}

@test "corrupt checkpoints are refused at load, before allocating, naming the checkpoint" {
	[ -s "$FIX/m.ckpt" ] ||
		sgs-train -b cpu -I random -N 200 -n 4 -c 2 --checkpoint "$FIX/m.ckpt" -o /dev/null "$FIX/s.sgs"
	patch_ckpt big.ckpt FSTA 0 u32 +16777216            # the count + 2^24
	patch_ckpt huge.ckpt FSTA 0 u32 2147483647          # a count of 2^31 - 1
	patch_ckpt cap.ckpt TOPT 32 u32 10                  # max_gaussians below the count
	patch_ckpt capbig.ckpt TOPT 32 u32 4294967295       # a cap no run can set
	patch_ckpt capbig2.ckpt TOPT 32 u32 4294967295      # ... and a count to match it
	python3 "$BATS_TEST_DIRNAME/patch_chunk.py" capbig2.ckpt capbig2.ckpt FSTA 0 u32 +16777216
	patch_ckpt init.ckpt TOPT 20 u32 9                  # an unknown init kind
	patch_ckpt ssim.ckpt TOPT 36 f32 nan                # a NaN SSIM weight
	patch_ckpt param.ckpt GPAR 20 f32 nan               # a NaN parameter
	local f want
	for f in big huge cap capbig capbig2 init ssim param; do
		case $f in
		big | huge) want="'FSTA' chunk at offset "*": "*" Gaussians, more than the cap of 960" ;;
		cap) want="'FSTA' chunk at offset "*": 200 Gaussians, more than the cap of 10" ;;
		capbig | capbig2) want="'TOPT' chunk at offset 8: a cap of 4294967295 Gaussians (1 to 2000000000)" ;;
		init) want="'TOPT' chunk at offset 8: unknown initialisation kind 9" ;;
		ssim) want="'TOPT' chunk at offset 8: SSIM weight nan outside \\[0, 1\\]" ;;
		param) want="'GPAR' chunk at offset "*": parameter 5 is nan" ;;
		esac
		# The message comes from the count checks made before anything is
		# allocated (no clock here: a loaded machine must not fail it).
		run --separate-stderr sgs-train -b cpu --resume $f.ckpt -o out.ply "$FIX/s.sgs"
		assert_equal "$status" 1
		[[ "$stderr" == "sgs-train: $f.ckpt: "$want ]] || fail "$f: $stderr"
	done
	assert_no_output_file out.ply
	# the intact checkpoint resumes
	run sgs-train -b cpu --resume "$FIX/m.ckpt" -o out.ply "$FIX/s.sgs"
	assert_success
}

@test "-l: a log that cannot be written is not left half-written" {
	# A full disk, as a file-size limit: writes past 2 KiB fail with EFBIG
	# (SIGXFSZ ignored) while the model goes to /dev/null, unlimited.
	run --separate-stderr sh -c "trap '' XFSZ; ulimit -f 2
		sgs-train -b cpu -I random -N 200 -n 50 -l log.tsv -o /dev/null '$FIX/s.sgs'"
	assert_equal "$status" 1
	assert_equal "$stderr" 'sgs-train: log.tsv: write error: File too large'
	[ ! -e log.tsv ]
	# A resumed run that fails leaves the log as it was at the checkpoint.
	sgs-train -b cpu -I random -N 200 -n 50 -c 25 -l log.tsv -o m.ply "$FIX/s.sgs"
	head -n 26 log.tsv > want.tsv # the header and iterations 1 to 25
	run --separate-stderr sh -c "trap '' XFSZ; ulimit -f 4
		sgs-train -b cpu --resume m.ply.ckpt -n 300 -l log.tsv -o /dev/null '$FIX/s.sgs'"
	assert_equal "$status" 1
	assert_equal "$stderr" 'sgs-train: log.tsv: write error: File too large'
	cmp want.tsv log.tsv
	# A run that fails keeps the rows up to its last checkpoint, where
	# --resume continues, and no row after it.
	SGS_TEST_INJECT_NAN_AT=15 run sgs-train -b cpu -I random -N 200 -n 25 -c 10 -l crash.tsv \
		-o crash.ply "$FIX/s.sgs"
	assert_failure 1
	run sh -c "tail -n 1 crash.tsv | cut -f 1; wc -l < crash.tsv"
	assert_output "$(printf '10\n11')"
	# A device is written in place and stays one.
	run --separate-stderr sgs-train -b cpu -I random -N 200 -n 50 -l /dev/full -o /dev/null "$FIX/s.sgs"
	assert_equal "$status" 1
	assert_equal "$stderr" 'sgs-train: /dev/full: write error: No space left on device'
	[ -c /dev/full ]
}

@test "binary to a terminal: sgs-init refuses like sgs-train, sgs-render and sgs-depth (exit 2)" {
	command -v script >/dev/null || skip "script(1) absent: no terminal to test with"
	local cmd
	for cmd in "sgs-init -f synthetic -W 16 -H 12 -N 2" "sgs-init -f synthetic -o - -W 16 -H 12 -N 2" \
		"sgs-train -b cpu -n 1 $FIX/s.sgs" "sgs-render -b cpu $FIX/s.sgs $FIX/m.ply" \
		"sgs-depth -b cpu $FIX/s.sgs"; do
		run script -qec "$cmd" /dev/null
		assert_equal "$status" 2
		[[ "$output" == "${cmd%% *}: refusing to write a binary "*" to a terminal; "* ]] || fail "$cmd: $output"
		assert_output --partial "usage: ${cmd%% *} "
	done
	# a summary is text: -i still prints on a terminal
	run script -qec "sgs-init -i $FIX/s.sgs" /dev/null
	assert_success
	assert_output --partial 'views       6 (5 train, 1 test)'
}

@test "temporary files of a killed run are removed by the next run writing the same output" {
	local dead host
	dead=$(sh -c 'echo $$')   # a pid that has ended
	host=$(uname -n)
	touch "o.sgs.tmp-$dead@$host-Ab3dEf" \
		"o.sgs.tmp-$$@$host-Ab3dEf" \
		"o.sgs.tmp-$dead@elsewhere-Ab3dEf" \
		"other.sgs.tmp-$dead@$host-Ab3dEf"
	run sgs-init -f synthetic -W 16 -H 12 -N 2 -o o.sgs
	assert_success
	# gone: the dead process's; kept: a live process's, another host's,
	# another target's
	run sh -c 'ls -A | sort | tr "\n" " "'
	assert_output "o.sgs o.sgs.tmp-$$@$host-Ab3dEf o.sgs.tmp-$dead@elsewhere-Ab3dEf other.sgs.tmp-$dead@$host-Ab3dEf "
	# A real SIGKILL while the output is open (it is opened before the
	# work starts): the next run's output removes what it left.
	sgs-init -f synthetic -W 640 -H 480 -N 10 -o big.sgs &
	local pid=$!
	while ! ls -A | grep -q '^big\.sgs\.tmp-'; do sleep 0.05; done
	kill -9 "$pid"
	wait "$pid" || true
	run sh -c "ls -A | grep -c '^big\.sgs\.tmp-$pid@'"
	assert_output 1
	sgs-init -f synthetic -W 16 -H 12 -N 2 -o big.sgs
	run sh -c 'ls -A | grep -c "^big\.sgs"'
	assert_output 1
	# the same for the files of a render folder
	mkdir r
	touch "r/view_000.png.tmp-$dead@$host-Zz9Zz9"
	sgs-render -b cpu -o r "$FIX/s.sgs" "$FIX/m.ply"
	run ls -A r
	assert_output 'view_000.png'
}

@test "sgs-init -x: the temporary folder of a killed export is removed by the next export there" {
	local dead host
	dead=$(sh -c 'echo $$')   # a pid that has ended
	host=$(uname -n)
	mkdir -p "ex.tmp-$dead@$host-Ab3dEf/images" "ex.tmp-$dead@elsewhere-Ab3dEf" keep
	touch "ex.tmp-$dead@$host-Ab3dEf/images/view_000.png" keep/precious
	# a link inside is removed, never followed out of the folder
	ln -s "$PWD/keep" "ex.tmp-$dead@$host-Ab3dEf/images/out"
	sgs-init -x ex "$FIX/s.sgs"
	run sh -c 'ls -A | sort | tr "\n" " "'
	assert_output "ex ex.tmp-$dead@elsewhere-Ab3dEf keep "
	[ -f keep/precious ]
	# the export's own temporary folder is named so (a real SIGKILL)
	sgs-init -f synthetic -W 64 -H 48 -N 300 -n 3 -o big.sgs
	sgs-init -x big big.sgs &
	local pid=$!
	while ! ls -A | grep -q '^big\.tmp-' && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || true
	if [ ! -e big ]; then
		run sh -c "ls -A | grep -c '^big\.tmp-$pid@$host-'"
		assert_output 1
	fi
	rm -rf big
	sgs-init -x big big.sgs
	run sh -c 'ls -A | grep -c "^big"'
	assert_output 2   # big and big.sgs
}

@test "sgs-render --export splat: a log-scale whose scale overflows a float is refused, not written as inf" {
	# three Gaussians, the first with log-scale $1 on every axis
	make_ply() {
		python3 - "$1" "$2" <<'PY'
import struct, sys
props = ["x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity",
         "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
head = ["ply", "format binary_little_endian 1.0", "element vertex 3"]
with open(sys.argv[1], "wb") as f:
    f.write(("\n".join(head + ["property float " + p for p in props] + ["end_header"]) + "\n").encode())
    for i in range(3):
        s = float(sys.argv[2]) if i == 0 else -3.0
        f.write(struct.pack("<14f", 0.1 * i, 0, 0, 0.5, 0.5, 0.5, 0, s, s, s, 1, 0, 0, 0))
PY
	}
	make_ply big.ply 89
	run --separate-stderr sgs-render --export splat o.splat big.ply
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-render: big.ply: Gaussian 0: log-scale 89 is too large for a .splat file (its scale, exp(89), overflows a float; at most 88.72)"
	assert_no_output_file o.splat
	run sh -c 'sgs-render --export splat - big.ply 2>/dev/null | wc -c'
	assert_output 0
	# the largest that fits is written, finite
	make_ply edge.ply 88.7
	sgs-render --export splat o.splat edge.ply
	run python3 -c "import math, struct; b = open('o.splat', 'rb').read(); print(len(b), all(math.isfinite(v) for v in struct.unpack_from('<3f', b, 12)))"
	assert_output '96 True'
}

@test "sgs-eval -e/-g into the renders or --baseline folder: never over another view's render" {
	patch_scene t1.sgs VIEW:1 4 s64 index
	python3 "$BATS_TEST_DIRNAME/patch_chunk.py" t1.sgs t.sgs VIEW:2 4 s64 view_000_compare
	patch_scene e.sgs VIEW:3 4 s64 view_000_error
	sgs-render -b cpu -s all -o r t.sgs "$FIX/m.ply"
	sgs-render -b cpu -s all -o re e.sgs "$FIX/m.ply"
	sgs-render -b cpu -s all -o plain "$FIX/s.sgs" "$FIX/m.ply"
	local before
	before=$(md5sum r/* re/*)
	run --separate-stderr sgs-eval -s all -g r t.sgs r
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-eval: t.sgs: -g r: would overwrite index.png, the render of view 'index' (the folder is also the renders'); give -g a folder of its own"
	run --separate-stderr sgs-eval -s test -e re e.sgs re
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-eval: e.sgs: -e re: would overwrite view_000_error.png, the render of view 'view_000_error' (the folder is also the renders'); give -e a folder of its own"
	run --separate-stderr sgs-eval -s test -g cmp -e re --baseline re e.sgs re/
	assert_equal "$status" 1
	run --separate-stderr sgs-eval -s test -g cmp -e ./re/ --baseline re e.sgs plain
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-eval: e.sgs: -e ./re/: would overwrite view_000_error.png, the render of view 'view_000_error' (the folder is also --baseline's); give -e a folder of its own"
	assert_equal "$(md5sum r/* re/*)" "$before"
	# names that cannot collide may share the folder
	sgs-eval -s all -g plain -e plain "$FIX/s.sgs" plain > /dev/null
	[ -f plain/index.png ] && [ -f plain/view_001_compare.png ] && [ -f plain/view_001_error.png ]
}

@test "sgs-render --scene-out unwritable: refused before any frame is rendered" {
	touch file
	run --separate-stderr sgs-render -b cpu -p between -N 4 --scene-out file/p.sgs -o frames "$FIX/s.sgs" "$FIX/m.ply"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-render: file/p.sgs: cannot create: Not a directory"
	[ ! -e frames ]
	run --separate-stderr sgs-render -b cpu -p between -N 4 --scene-out /dev/full -o frames "$FIX/s.sgs" "$FIX/m.ply"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-render: /dev/full: write error: No space left on device"
	# the stream is the same whichever way it leaves
	sgs-render -b cpu -p between -N 4 --scene-out p.sgs -o frames "$FIX/s.sgs" "$FIX/m.ply"
	sgs-render -b cpu -p between -N 4 "$FIX/s.sgs" "$FIX/m.ply" | cmp - p.sgs
	assert_no_output_file p.sgs.tmp
}

@test "SGS_PRESET garbage: an error naming it, unless --preset replaces it; -h still helps" {
	run --separate-stderr env SGS_PRESET=dense sgs-train -b cpu -n 1 -o a.ply "$FIX/s.sgs"
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "sgs-train: SGS_PRESET: unknown preset 'dense' (expected auto, sparse or none)"
	assert_equal "${stderr_lines[1]%% *}" "usage:"
	assert_no_output_file a.ply
	run env SGS_PRESET=dense sgs-train -h
	assert_success
	assert_line --index 0 --partial 'usage: sgs-train '
	run --separate-stderr env SGS_PRESET=dense sgs-train -b cpu -I random -N 50 -n 1 --preset none -o b.ply "$FIX/s.sgs"
	assert_success
	[ -s b.ply ]
}

@test "sgs-train: -o, -P, -l, --checkpoint naming one file are refused; unwritable -o or -P fail before training" {
	local t="sgs-train -b cpu -I random -N 50 -n 2 --refine-poses"
	run --separate-stderr $t -o m.ply -P m.ply "$FIX/s.sgs"
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "sgs-train: -o m.ply, -P m.ply: the same file; each output needs its own"
	assert_equal "${stderr_lines[1]%% *}" "usage:"
	run --separate-stderr $t -o m.ply -P ./m.ply.ckpt "$FIX/s.sgs"
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "sgs-train: -P ./m.ply.ckpt, --checkpoint m.ply.ckpt: the same file; each output needs its own"
	mkdir d
	run --separate-stderr sgs-train -b cpu -I random -N 50 -n 2 -o d/../m.ply -l m.ply "$FIX/s.sgs"
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "sgs-train: -o d/../m.ply, -l m.ply: the same file; each output needs its own"
	assert_no_output_file m.ply
	# an unwritable -P or -o: refused at once (-n is far more than the test
	# could wait for), nothing written
	touch file
	run --separate-stderr timeout 60 $t -n 100000000 -o m.ply -P file/p.sgs "$FIX/s.sgs"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-train: file/p.sgs: cannot create: Not a directory"
	run --separate-stderr timeout 60 $t -n 100000000 -o file/m.ply -P p.sgs "$FIX/s.sgs"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-train: file/m.ply: cannot create: Not a directory"
	# a -P that fails to write leaves no model either
	run --separate-stderr $t -o m.ply -P /dev/full "$FIX/s.sgs"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-train: /dev/full: write error: No space left on device"
	assert_no_output_file m.ply
	assert_no_output_file p.sgs
	$t -o m.ply -P p.sgs "$FIX/s.sgs"
	[ -s m.ply ] && [ -s p.sgs ]
}

@test "an output file that is an existing folder is refused before the work; -o and --scene-out cannot share a name" {
	mkdir out
	run --separate-stderr sgs-init -f synthetic -W 16 -H 12 -N 2 -o out
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-init: out: is a folder"
	run --separate-stderr sgs-render -b cpu -p between -N 2 --scene-out out -o frames "$FIX/s.sgs" "$FIX/m.ply"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-render: out: is a folder"
	[ ! -e frames ]
	run --separate-stderr timeout 60 sgs-train -b cpu -I random -N 50 -n 100000000 -o out "$FIX/s.sgs"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-train: out: is a folder"
	run --separate-stderr sgs-render -b cpu -p between -N 2 --scene-out both -o ./both/ "$FIX/s.sgs" "$FIX/m.ply"
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "sgs-render: -o ./both/, --scene-out both: a folder and a file cannot have one name"
	assert_equal "${stderr_lines[1]%% *}" "usage:"
	[ ! -e both ]
	assert_equal "$(ls -A out)" ""
	# nor can an empty name be renamed to, after the work
	run --separate-stderr sgs-init -f synthetic -W 16 -H 12 -N 2 -o ''
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-init: an empty name cannot name an output file"
	run --separate-stderr sgs-render --export splat '' "$FIX/m.ply"
	assert_equal "$status" 1
	assert_equal "$stderr" "sgs-render: an empty name cannot name an output file"
	assert_equal "$(ls -A | tr '\n' ' ')" "out "
}

@test "sgs-eval -j: a view name that is not UTF-8 still gives valid JSON (U+FFFD for the stray byte)" {
	patch_scene l1.sgs VIEW:0 4 s64 "$(printf 'caf\351_\303\251')" # Latin-1 e-acute, then a UTF-8 one
	sgs-render -b cpu -s all -o r l1.sgs "$FIX/m.ply"
	run --separate-stderr sgs-eval -j -s all l1.sgs r
	assert_success
	run python3 -c '
import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print(d["views"][0]["view"])' <<<"$output"
	assert_success
	assert_output "$(printf 'caf\357\277\275_\303\251')"
}
