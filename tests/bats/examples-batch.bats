#!/usr/bin/env bats
# examples/Makefile: a batch of two tiny synthetic scenes x two
# configurations with make -j2, its merged tables, and restarts that
# rebuild only what is missing.

load helper

batch() {
	OMP_WAIT_POLICY=passive make -f "$ROOT/examples/Makefile" BIN="${SGS_BIN:-$ROOT/bin}" \
		SCENES='a b' CONFIGS='default sparse' \
		SCENE_a='-f synthetic -W 48 -H 36 -N 8 -n 4' \
		SCENE_b='-f synthetic -W 48 -H 36 -N 8 -n 4 -S 2' \
		EVAL_ARGS='-m nomask' TRAIN_ARGS='-n 30' BACKEND=cpu "$@"
}

# modification times (nanoseconds) of every model and score file
stamps() {
	for f in out/*/*/model.ply out/*/*/scores.tsv; do printf '%s %s\n' "$f" "$(stat -c %y "$f")"; done
}

@test "Makefile: 2 scenes x 2 configurations with -j2, merged into TSV and Markdown tables" {
	run batch -j2
	assert_success
	assert_output --partial 'examples/Makefile: out/results.tsv: 2 scenes x 2 configurations'
	for s in a b; do
		[ -s out/$s/scene.sgs ] && [ -s out/$s/depth.sgs ]
		for c in default sparse; do
			[ -s out/$s/$c/model.ply ] && [ -s out/$s/$c/train.tsv ] && [ -s out/$s/$c/scores.tsv ]
			assert_equal "$(ls out/$s/$c/renders | tr '\n' ' ')" "view_001.png view_003.png view_005.png view_007.png "
		done
	done
	run sh -c "find out -name '*tmp*' | wc -l"
	assert_output 0
	run cut -f 1-3 out/results.tsv
	assert_output "$(printf 'scene\tconfig\titerations\na\tdefault\t30\na\tsparse\t30\nb\tdefault\t30\nb\tsparse\t30')"
	# each row's scores are its own evaluation's mean line, and plausible
	for s in a b; do for c in default sparse; do
		want=$(awk -F '\t' '$1 == "mean" { print $2 "\t" $3 }' out/$s/$c/scores.tsv)
		got=$(awk -F '\t' -v s=$s -v c=$c '$1 == s && $2 == c { print $6 "\t" $7 }' out/results.tsv)
		assert_equal "$got" "$want"
		awk -F '\t' -v s=$s -v c=$c '$1 == s && $2 == c && !($6 > 8 && $6 < 60 && $5 > 0) { exit 1 }' out/results.tsv
	done; done
	run cat out/results.md
	assert_line --index 0 '| scene | config | iterations | seconds | gaussians | test_psnr | test_ssim |'
	assert_line --index 1 '|---|---|---:|---:|---:|---:|---:|'
	assert_line --index 2 --regexp '^\| a \| default \| 30 \| [0-9.]+ \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \|$'
	assert_equal "${#lines[@]}" 6
	# everything is up to date now
	run batch -q
	assert_success
}

@test "Makefile: a deleted output is the only thing rebuilt (with what depends on it)" {
	batch -j2 > /dev/null 2>&1
	before=$(stamps)
	rm out/b/sparse/scores.tsv
	run batch -j2
	assert_success
	refute_output --partial sgs-train
	refute_output --partial sgs-init
	refute_output --partial sgs-depth
	assert_equal "$(echo "$output" | grep -c 'bin/sgs-render')" 1
	assert_output --partial 'sgs-render -b cpu -s test -o out/b/sparse/renders.tmp'
	after=$(stamps)
	assert_equal "$(diff <(echo "$before") <(echo "$after") | grep -c '^>')" 1
	assert_equal "$(diff <(echo "$before") <(echo "$after") | grep '^>' | cut -d ' ' -f 2)" out/b/sparse/scores.tsv
	# a model: retrained, rescored, the others left alone
	rm out/a/default/model.ply
	run batch -j2
	assert_success
	assert_equal "$(echo "$output" | grep -c 'bin/sgs-train')" 1
	assert_output --partial 'model.tmp.ply out/a/depth.sgs'
	assert_equal "$(echo "$output" | grep -c 'bin/sgs-render')" 1
	assert_equal "$(sed 1d out/results.tsv | wc -l)" 4
}

@test "Makefile: a failing run leaves no output that looks finished; -k finishes the others" {
	run batch -j2 -k CONFIGS='default bad' CONFIG_bad='--dropout 7'
	assert_failure
	assert_output --partial 'sgs-train: '
	[ -s out/a/default/scores.tsv ] && [ -s out/b/default/scores.tsv ]
	[ ! -e out/a/bad/model.ply ] && [ ! -e out/a/bad/scores.tsv ] && [ ! -e out/results.tsv ]
	run sh -c "find out -name '*tmp*' | wc -l"
	assert_output 0
	# fixed on the command line, only the failed runs are made
	run batch -j2 CONFIGS='default bad' CONFIG_bad='--dropout 0.2'
	assert_success
	assert_equal "$(echo "$output" | grep -c 'bin/sgs-train')" 2
	assert_equal "$(cut -f 2 out/results.tsv | LC_ALL=C sort | uniq -c | awk '{ printf "%s %s,", $1, $2 }')" "2 bad,1 config,2 default,"
}

@test "Makefile: undefined scenes and configurations are named; list shows the definitions" {
	run batch SCENES='a nope'
	assert_failure
	assert_output --partial 'examples/Makefile: scene nope: no SCENE_nope (sgs-init arguments) defined'
	run batch CONFIGS='sparse other'
	assert_failure
	assert_output --partial 'configuration other: no CONFIG_other'
	[ ! -e out ]
	run batch list
	assert_success
	assert_line 'scene b: sgs-init -f synthetic -W 48 -H 36 -N 8 -n 4 -S 2'
	assert_line 'config sparse: sgs-train --preset sparse -n 30'
}
