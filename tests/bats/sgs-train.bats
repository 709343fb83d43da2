#!/usr/bin/env bats
# sgs-train: the whole pipeline through pipes, checkpoints that resume to
# the same bytes, the TSV log, and the errors (NaN, no train views, no
# seeds, CUDA unavailable, usage).

load helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	sgs-init -f synthetic -W 48 -H 36 -N 8 -o "$FIX/scene.sgs"
}

@test "init | train -n 300 | render | eval works through pipes" {
	run sh -c "sgs-init -f synthetic -W 48 -H 36 -N 8 | sgs-train -b cpu -I random -N 2000 -n 300 |
		sgs-render -b cpu -s train '$FIX/scene.sgs' - | sgs-eval -m nomask -s train '$FIX/scene.sgs' -"
	assert_success
	assert_line --index 0 "$(printf 'view\tpsnr\tssim')"
	# The train views: random Gaussians give about 13 dB, 300 iterations
	# 20.8.  (The one test view of 7 overfits: 13.2 dB.)
	run sh -c "echo \"\$0\" | awk '\$1 == \"mean\" { exit !(\$2 > 19) }'" "$output"
	assert_success
}

@test "the model is an Inria PLY with degree-3 SH" {
	run sgs-train -b cpu -I random -N 500 -n 10 -o m.ply "$FIX/scene.sgs"
	assert_success
	assert_output ''
	run sh -c "head -c 2000 m.ply | grep -a -c -E '^property float (x|f_dc_0|f_rest_44|opacity|scale_2|rot_3)\$'"
	assert_output '6'
	assert_no_output_file m.ply.ckpt
}

@test "-c and --resume after a crash give the bytes of an uninterrupted run" {
	sgs-train -b cpu -I random -N 1000 -n 120 -S 4 --random-bg -o a.ply "$FIX/scene.sgs"
	# Crash at iteration 70, after the checkpoint at 50.
	SGS_TEST_INJECT_NAN_AT=70 run sgs-train -b cpu -I random -N 1000 -n 120 -S 4 --random-bg -c 50 \
		-o b.ply "$FIX/scene.sgs"
	assert_failure 1
	[ ! -e b.ply ]
	[ -s b.ply.ckpt ]
	run sgs-train -b cpu --resume b.ply.ckpt -o b.ply "$FIX/scene.sgs"
	assert_success
	run cmp a.ply b.ply
	assert_success
}

# A checkpoint every iteration of 20000 Gaussians (14 MB) takes most of
# the run's time, so the kills land mostly while one is being written
# (each such kill leaves a b.ply.ckpt.tmpXXXXXX behind, counted below).
# Five kills at random moments between a twentieth and a quarter of a
# whole run, resuming from whatever checkpoint is there, then a run to
# the end: the bytes of the uninterrupted run.
@test "SIGKILL at random moments while checkpointing: --resume reaches the uninterrupted bytes" {
	sgs-train -b cpu -I random -N 20000 -n 30 -S 5 -o a.ply "$FIX/scene.sgs"
	t0=$(date +%s%N)
	sgs-train -b cpu -I random -N 20000 -n 30 -S 5 -c 1 -o c.ply "$FIX/scene.sgs"
	full_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	rm c.ply.ckpt
	cmp a.ply c.ply
	kills=0 resumes=0 round=0
	while [ ! -e b.ply ] && [ $round -lt 12 ]; do
		round=$((round + 1))
		if [ -e b.ply.ckpt ]; then
			set -- --resume b.ply.ckpt
			resumes=$((resumes + 1))
		else
			set -- -I random -N 20000 -n 30 -S 5
		fi
		delay_ms=$(( full_ms / 20 + (RANDOM * 32768 + RANDOM) % (full_ms / 5 + 1) ))
		sgs-train -b cpu "$@" -c 1 -o b.ply "$FIX/scene.sgs" &
		pid=$!
		if [ $kills -lt 5 ]; then
			sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
			kill -KILL $pid 2>/dev/null || true
		fi
		status=0
		wait $pid || status=$?
		[ $status -ne 137 ] || kills=$((kills + 1))
		echo "# round $round: $* with a kill at ${delay_ms} ms: exit $status" >&3
		# killed, or done; never a checkpoint that fails to load
		[ $status -eq 137 ] || [ $status -eq 0 ]
	done
	torn=$(ls | grep -c '^b\.ply\.ckpt\.tmp' || true)
	echo "# $kills kills ($torn while writing a checkpoint), $resumes resumes, whole run $full_ms ms" >&3
	[ $kills -ge 3 ]
	[ $resumes -ge 1 ]
	run cmp a.ply b.ply
	assert_success
}

@test "the same seed gives the same bytes whatever the thread count" {
	OMP_NUM_THREADS=1 sgs-train -b cpu -I random -N 800 -n 60 -S 9 -o a.ply "$FIX/scene.sgs"
	OMP_NUM_THREADS=2 sgs-train -b cpu -I random -N 800 -n 60 -S 9 -o b.ply "$FIX/scene.sgs"
	run cmp a.ply b.ply
	assert_success
	sgs-train -b cpu -I random -N 800 -n 60 -S 10 -o c.ply "$FIX/scene.sgs"
	run cmp -s a.ply c.ply
	assert_failure
}

@test "--mcmc --max-gaussians 3000 grows up to the cap and no further" {
	run sgs-train -b cpu --mcmc --max-gaussians 3000 -I random -N 1000 -n 300 -o m.ply \
		"$FIX/scene.sgs"
	assert_success
	n=$(head -c 2000 m.ply | grep -a '^element vertex ' | awk '{ print $3 }')
	[ "$n" -gt 1000 ]
	[ "$n" -le 3000 ]
	run sgs-train -b cpu --mcmc --max-gaussians 500 -I random -N 1000 -n 10 -o m.ply \
		"$FIX/scene.sgs"
	assert_failure 1
	assert_output --partial 'below the 1000 initial'
}

@test "--mcmc resumes from a checkpoint to the bytes of an uninterrupted run" {
	sgs-train -b cpu --mcmc --max-gaussians 1500 -I random -N 1000 -n 120 -S 4 -o a.ply \
		"$FIX/scene.sgs"
	SGS_TEST_INJECT_NAN_AT=70 run sgs-train -b cpu --mcmc --max-gaussians 1500 -I random \
		-N 1000 -n 120 -S 4 -c 50 -o b.ply "$FIX/scene.sgs"
	assert_failure 1
	run sgs-train -b cpu --resume b.ply.ckpt -o b.ply "$FIX/scene.sgs"
	assert_success
	run cmp a.ply b.ply
	assert_success
}

@test "--resume refuses recipe options and another scene" {
	sgs-train -b cpu -I random -N 300 -n 20 -c 10 -o a.ply "$FIX/scene.sgs"
	run sgs-train -b cpu --resume a.ply.ckpt -S 3 -o b.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_output --partial 'come from the checkpoint'
	sgs-init -f synthetic -W 48 -H 36 -N 8 -S 2 -o other.sgs
	run sgs-train -b cpu --resume a.ply.ckpt -o b.ply other.sgs
	assert_failure 1
	assert_output --partial 'another scene'
	[ ! -e b.ply ]
}

@test "-l writes one TSV row per iteration with the documented columns" {
	run sgs-train -b cpu -I random -N 300 -n 25 -l log.tsv -o m.ply "$FIX/scene.sgs"
	assert_success
	run head -n 1 log.tsv
	assert_output "$(printf 'iteration\tview\trgb\tl1\tssim\tloss\tpsnr\tgaussians\tseconds')"
	# one column per loss term: rgb is the whole loss here
	run sh -c "awk -F'\t' 'NR > 1 && (NF != 9 || \$1 != NR - 1 || \$6 <= 0 || \$3 != \$6 || \$8 < 1) { bad++ }
		END { print NR - 1, bad + 0 }' log.tsv"
	assert_output '25 0'
}

@test "--eval-every scores the test views into the log and on stderr" {
	run sh -c "sgs-train -v -b cpu -I random -N 300 -n 25 --eval-every 10 -l log.tsv -o m.ply \
		'$FIX/scene.sgs' 2>&1 | grep 'test views'"
	assert_success
	assert_line --index 0 --regexp '^sgs-train: iteration 10: 1 test views: PSNR [0-9.]+ dB, SSIM 0\.[0-9]+$'
	assert_equal "${#lines[@]}" 3 # 10, 20 and the last
	run sh -c "awk -F'\t' 'NR == 1 { print \$10, \$11 } NR > 1 && (\$1 % 10 == 0 || \$1 == 25) != (\$10 > 5) { bad++ }
		END { print bad + 0 }' log.tsv"
	assert_output "$(printf 'test_psnr test_ssim\n0')"
}

@test "-I auto falls back to random points; -v names the recipe" {
	run sh -c "sgs-train -v -b cpu -N 300 -n 5 -o m.ply '$FIX/scene.sgs' 2>&1 | head -n 2"
	assert_success
	assert_line --index 0 --partial '300 Gaussians (random), 5 iterations on cpu'
	assert_line --index 1 'sgs-train: Inria densification from 0 until 2 every 105, cap 3024, opacity reset every 300'
}

@test "--densify and --reset set the schedule; bad values are usage errors" {
	run sh -c "sgs-train -v -b cpu -N 300 -n 5 --densify 2::7 --reset never -o m.ply '$FIX/scene.sgs' 2>&1 | sed -n 2p"
	assert_output 'sgs-train: Inria densification from 2 until 2 every 7, cap 3024, opacity reset never'
	for bad in 1:2 1:2:3:4 a:: ::0 1:-2: ; do
		run sgs-train --densify "$bad" -o m.ply "$FIX/scene.sgs"
		assert_failure 2
		assert_line --index 0 --partial 'sgs-train: --densify'
		assert_line --index 1 --partial 'usage: sgs-train'
	done
	run sgs-train --reset sometimes -o m.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_line --index 0 --partial 'sgs-train: --reset'
}

@test "the cap: a warning when it is reached, an error below the initial count" {
	run sh -c "sgs-train -b cpu -I random -N 300 --max-gaussians 320 -n 200 --densify 10:190:21 \
		-o m.ply '$FIX/scene.sgs' 2>&1"
	assert_success
	assert_output --regexp '^sgs-train: warning: iteration [0-9]+: reached the cap of 320 Gaussians \(--max-gaussians\)$'
	run sgs-train -b cpu -I random -N 300 --max-gaussians 200 -o m2.ply "$FIX/scene.sgs"
	assert_failure 1
	assert_output "sgs-train: $FIX/scene.sgs: the cap of 200 Gaussians is below the 300 initial ones"
	assert_no_output_file m2.ply
}

@test "a cap that cannot fit in memory is refused before training, with the estimate" {
	run sgs-train -b cpu -I random -N 300 --max-gaussians 2000000000 -o m.ply "$FIX/scene.sgs"
	assert_failure 1
	assert_output --regexp '^sgs-train: [^ ]*scene\.sgs: training needs about 4\.2 TiB \(a cap of 2000000000 Gaussians at 2\.3 KiB each, [0-9.]+ KiB of images, [0-9.]+ KiB of per-pixel buffers\) but the cpu backend has [0-9.]+ [GMT]iB available; lower --max-gaussians$'
	assert_no_output_file m.ply
}

@test "-v prints progress lines on stderr, stdout stays data" {
	run sh -c "sgs-train -v -b cpu -I random -N 300 -n 20 '$FIX/scene.sgs' 2>err.txt | wc -c"
	assert_success
	[ "$output" -gt 1000 ]
	run grep -c 'sgs-train: 20/20  loss' err.txt
	assert_output '1'
}

@test "a NaN loss stops with the iteration named and no model" {
	SGS_TEST_INJECT_NAN_AT=5 run sgs-train -b cpu -I random -N 300 -n 50 -o m.ply "$FIX/scene.sgs"
	assert_failure 1
	assert_output --partial 'sgs-train: iteration 5: the loss is NaN'
	assert_no_output_file m.ply
}

@test "a scene without train views is an error" {
	sgs-init -f synthetic -W 16 -H 12 -N 1 -o one.sgs
	run sgs-train -b cpu -I random -N 10 -o m.ply one.sgs
	assert_failure 1
	assert_output 'sgs-train: one.sgs: the scene has no train views'
	assert_no_output_file m.ply
}

@test "seed initialisation without seed points says to use -I random" {
	run sgs-train -b cpu -I seeds -o m.ply "$FIX/scene.sgs"
	assert_failure 1
	assert_output "sgs-train: $FIX/scene.sgs: the scene has no seed points; use -I random (with -N count)"
}

@test "-b cuda without a usable GPU exits 3" {
	! gpu_present || skip "a GPU is present"
	run sgs-train -b cuda -o m.ply "$FIX/scene.sgs"
	assert_failure 3
	assert_output --partial 'sgs-train: -b cuda:'
}

@test "usage errors exit 2" {
	run sgs-train -I grid "$FIX/scene.sgs"
	assert_failure 2
	run sgs-train -n 0 "$FIX/scene.sgs"
	assert_failure 2
	run sgs-train --sh 4 "$FIX/scene.sgs"
	assert_failure 2
	run sgs-train -b metal "$FIX/scene.sgs"
	assert_failure 2
	run sgs-train a b
	assert_failure 2
	assert_output --partial 'usage:'
}

@test "a resumed run continues its log: every iteration once, same columns" {
	SGS_TEST_INJECT_NAN_AT=15 run sgs-train -b cpu -I random -N 300 -n 25 -c 10 -l log.tsv \
		-o m.ply "$FIX/scene.sgs"
	assert_failure 1
	run sgs-train -b cpu --resume m.ply.ckpt --eval-every 5 -l log.tsv -o m.ply "$FIX/scene.sgs"
	assert_failure 1
	assert_output --partial 'sgs-train: log.tsv: the log has other columns than this run'
	run sgs-train -b cpu --resume m.ply.ckpt -l log.tsv -o m.ply "$FIX/scene.sgs"
	assert_success
	run sh -c "awk -F'\t' 'NR > 1 { if (\$1 != NR - 1 || NF != 9) bad++ } END { print NR - 1, bad + 0 }' log.tsv"
	assert_output '25 0'
}

@test "-l to a pipe gets its header" {
	run sh -c "sgs-train -b cpu -I random -N 300 -n 3 -l /dev/stdout -o m.ply '$FIX/scene.sgs' | head -n 1"
	assert_output "$(printf 'iteration\tview\trgb\tl1\tssim\tloss\tpsnr\tgaussians\tseconds')"
}

@test "the regularisers: -v names them, floater passes, a scale log column" {
	run sh -c "sgs-train -v -b cpu -I random -N 500 -n 30 --densify 5:25:10 --dropout 0.3 \
		--opacity-decay 0.9 --scale-ratio-weight 0.01 --scale-max-weight 0.1 \
		--prune-floaters 2:8 -l log.tsv -o m.ply '$FIX/scene.sgs' 2>&1 >/dev/null |
		grep -E 'regularisers|floaters|opacity reset'"
	assert_success
	assert_line --index 0 --partial 'opacity reset never (opacity decay 0.9)'
	assert_line --index 1 'sgs-train: regularisers: dropout rising to 0.3, opacity decay 0.9, scale ratio above 10 (weight 0.01), largest scale above 0.1 x radius (weight 0.1), floaters: 8-NN distance above mean + 2 std, floaters: 0.1 in front of priors of confidence 0.5'
	assert_line --index 2 --regexp '^sgs-train: iteration 10: floaters: [0-9]+ kNN outliers, 0 in front of the depth prior$'
	assert_line --index 3 --regexp '^sgs-train: iteration 20: floaters: '
	run head -n 1 log.tsv
	assert_output "$(printf 'iteration\tview\trgb\tscale\tl1\tssim\tloss\tpsnr\tgaussians\tseconds')"
	run sh -c "awk -F'\t' 'NR > 1 && (NF != 10 || \$4 < 0 || \$7 - \$3 - \$4 > 1e-5 || \$3 + \$4 - \$7 > 1e-5) { bad++ }
		END { print NR - 1, bad + 0 }' log.tsv"
	assert_output '30 0'
}

@test "-c and --resume with every regulariser on give the bytes of an uninterrupted run" {
	reg="--dropout 0.3 --opacity-decay 0.95 --scale-ratio-weight 0.01 --scale-max-weight 0.1 --prune-floaters 2:8"
	# shellcheck disable=SC2086
	sgs-train -b cpu -I random -N 800 -n 100 -S 4 --densify 5:90:20 $reg -o a.ply "$FIX/scene.sgs"
	# shellcheck disable=SC2086
	SGS_TEST_INJECT_NAN_AT=70 run sgs-train -b cpu -I random -N 800 -n 100 -S 4 --densify 5:90:20 \
		$reg -c 50 -o b.ply "$FIX/scene.sgs"
	assert_failure 1
	run sgs-train -b cpu --resume b.ply.ckpt -o b.ply "$FIX/scene.sgs"
	assert_success
	run cmp a.ply b.ply
	assert_success
	run sgs-train -b cpu --resume b.ply.ckpt --dropout 0.1 -o c.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_output --partial 'come from the checkpoint'
}

@test "the local depth terms: log columns with and without priors, --no-depth, -v, resume" {
	# priors from a quick model (sgs-depth -m render: its depth, opacity as confidence)
	sgs-train -b cpu -I random -N 500 -n 10 -o m0.ply "$FIX/scene.sgs"
	sgs-depth -b cpu -m render -s m0.ply "$FIX/scene.sgs" > d.sgs
	all="--depth-patch-weight 0.1 --depth-relative-weight 0.1 --depth-rank-weight 0.1"
	all="$all --depth-continuity-weight 0.1 --depth-smooth-weight 0.1 --depth-patch-size 8"
	run sgs-train -b cpu -I random -N 300 -n 5 $all -l log.tsv -o m.ply d.sgs
	assert_success
	run head -n 1 log.tsv
	assert_output "$(printf 'iteration\tview\trgb\tdepth\tdepth_patch\tdepth_relative\tdepth_rank\tdepth_continuity\tdepth_smooth\tl1\tssim\tloss\tpsnr\tgaussians\tseconds')"
	run sh -c "awk -F'\t' 'NR > 1 && NF != 15 { bad++ } END { print NR - 1, bad + 0 }' log.tsv"
	assert_output '5 0'
	# without priors (and with --no-depth) only the smoothness stays
	run sgs-train -b cpu -I random -N 300 -n 5 $all -l log.tsv -o m.ply "$FIX/scene.sgs"
	assert_success
	run head -n 1 log.tsv
	assert_output "$(printf 'iteration\tview\trgb\tdepth_smooth\tl1\tssim\tloss\tpsnr\tgaussians\tseconds')"
	run sgs-train -b cpu -I random -N 300 -n 5 --no-depth $all -l log2.tsv -o m.ply d.sgs
	assert_success
	run cmp <(head -n 1 log.tsv) <(head -n 1 log2.tsv)
	assert_success
	run sh -c "sgs-train -v -b cpu -I random -N 300 -n 2 $all -o m.ply d.sgs 2>&1 | sed -n 3p"
	assert_output 'sgs-train: depth terms: pearson 0.05, patch 0.1, relative 0.1 (8 px patches), rank 0.1, continuity 0.1, smooth 0.1'
	# crash and resume: the bytes of an uninterrupted run
	sgs-train -b cpu -I random -N 500 -n 60 -S 2 $all -o a.ply d.sgs
	SGS_TEST_INJECT_NAN_AT=45 run sgs-train -b cpu -I random -N 500 -n 60 -S 2 $all -c 30 \
		-o b.ply d.sgs
	assert_failure 1
	run sgs-train -b cpu --resume b.ply.ckpt -o b.ply d.sgs
	assert_success
	run cmp a.ply b.ply
	assert_success
	run sgs-train -b cpu --resume b.ply.ckpt --depth-rank-weight 1 -o b.ply d.sgs
	assert_failure 2
	assert_output --partial 'come from the checkpoint'
}

@test "regulariser options out of range are usage errors" {
	for bad in "--dropout 1" "--dropout -0.1" "--opacity-decay 1" "--scale-ratio 0.5" \
		"--scale-max 0" "--scale-ratio-weight x" "--prune-floaters x" "--prune-floaters :8" \
		"--prune-floaters 2:0" "--prune-floaters 2:8.5" "--prune-floaters 2:8:1" \
		"--prune-floaters 2:8:0.1:0.5:9" "--prune-floaters 2:65"; do
		# shellcheck disable=SC2086
		run sgs-train -b cpu $bad -o m.ply "$FIX/scene.sgs"
		assert_failure 2
		assert_line --index 0 --partial "sgs-train: ${bad%% *}"
		assert_line --index 1 --partial 'usage: sgs-train'
	done
	run sgs-train -b cpu -I random -N 300 -n 3 --prune-floaters 0::0.2:0.9 --opacity-decay 0 \
		-o m.ply "$FIX/scene.sgs"
	assert_success
}

@test "the local depth options: ranges are usage errors" {
	for bad in "--depth-patch-size 3" "--depth-patch-size 1025" "--depth-rank-weight -1" \
		"--depth-smooth-weight x" "--depth-patch-weight 1e7"; do
		run sgs-train $bad -o m.ply "$FIX/scene.sgs"
		assert_failure 2
		assert_line --index 0 --partial "sgs-train: ${bad%% *}"
		assert_line --index 1 --partial 'usage: sgs-train'
	done
}

@test "--random-bg on opaque train images warns that the background becomes part of the scene" {
	run --separate-stderr sgs-train -b cpu -I random -N 200 -n 2 --random-bg -o m.ply "$FIX/scene.sgs"
	assert_success
	[[ "$stderr" == "sgs-train: $FIX/scene.sgs: --random-bg: no train image has an alpha channel"* ]] ||
		fail "$stderr"
	run --separate-stderr sgs-train -b cpu -I random -N 200 -n 2 -o m.ply "$FIX/scene.sgs"
	assert_success
	assert_equal "$stderr" ''
}

@test "--preset sparse: dropout 0.2 and depth smoothness 0.1 unless given; bad names are usage errors" {
	run sh -c "sgs-train -v -b cpu -I random -N 200 -n 2 --preset sparse -o m.ply '$FIX/scene.sgs' 2>&1 >/dev/null | grep -E 'regularisers|depth terms'"
	assert_success
	assert_line --partial 'smooth 0.1'
	assert_line 'sgs-train: regularisers: dropout rising to 0.2'
	run sh -c "sgs-train -v -b cpu -I random -N 200 -n 2 --dropout 0.05 --preset sparse --depth-smooth-weight 0 -o m.ply '$FIX/scene.sgs' 2>&1 >/dev/null | grep -E 'regularisers|depth terms'"
	assert_success
	assert_output 'sgs-train: regularisers: dropout rising to 0.05'
	run sgs-train -b cpu --preset dense -o m.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_line --index 0 "sgs-train: --preset: unknown preset 'dense' (expected auto, sparse or none)"
	assert_line --index 1 --partial 'usage: sgs-train'
}

@test "--preset auto (the default): sparse up to 9 train views, said on stderr; none above; SGS_PRESET" {
	ntrain=$(sgs-init -i "$FIX/scene.sgs" | awk '$1 == "views" { print substr($3, 2) }')
	run env -u SGS_PRESET sgs-train -b cpu -I random -N 200 -n 2 -o a.ply "$FIX/scene.sgs"
	assert_success
	assert_output "sgs-train: $ntrain train views: --preset sparse (--preset none: without)"
	sgs-train -b cpu -I random -N 200 -n 2 --preset sparse -o b.ply "$FIX/scene.sgs" 2>/dev/null
	run cmp a.ply b.ply
	assert_success
	# SGS_PRESET=none (the suites' setting) and --preset none train as before
	run sgs-train -b cpu -I random -N 200 -n 2 -o c.ply "$FIX/scene.sgs"
	assert_success
	assert_output ''
	run env -u SGS_PRESET sgs-train -b cpu -I random -N 200 -n 2 --preset none -o d.ply "$FIX/scene.sgs"
	assert_output ''
	run sh -c "cmp c.ply d.ply && ! cmp -s a.ply c.ply"
	assert_success
	run env SGS_PRESET=auto sgs-train -v -b cpu -I random -N 200 -n 2 -o e.ply "$FIX/scene.sgs"
	assert_line --index 0 --partial 'train views: --preset sparse'
	assert_line 'sgs-train: regularisers: dropout rising to 0.2'
	# 10 train views: auto is none, and says nothing
	sgs-init -f synthetic -W 48 -H 36 -N 12 -o s12.sgs
	run env -u SGS_PRESET sgs-train -b cpu -I random -N 200 -n 2 -o f.ply s12.sgs
	assert_success
	assert_output ''
	run env SGS_PRESET=dense sgs-train -b cpu -o g.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_line --index 0 "sgs-train: SGS_PRESET: unknown preset 'dense' (expected auto, sparse or none)"
	# a resumed run keeps its checkpoint's recipe, whatever SGS_PRESET says
	sgs-train -b cpu -I random -N 200 -n 4 -o h.ply "$FIX/scene.sgs"
	SGS_TEST_INJECT_NAN_AT=3 run sgs-train -b cpu -I random -N 200 -n 4 -c 2 -o i.ply "$FIX/scene.sgs"
	assert_failure 1
	run env SGS_PRESET=sparse sgs-train -b cpu --resume i.ply.ckpt -o i.ply "$FIX/scene.sgs"
	assert_success
	assert_output ''
	run cmp h.ply i.ply
	assert_success
}

@test "--coreg and --unpool: -v names them, co-pruning and unpooling passes, a coreg log column" {
	run sh -c "sgs-train -v -b cpu -I random -N 500 -n 30 --densify 5:25:10 --coreg --coreg-start 5 \
		--coprune 10:2 --unpool 2 -l log.tsv -o m.ply '$FIX/scene.sgs' 2>&1 >/dev/null |
		grep -E 'regularisers|co-pruning:|unpooling:'"
	assert_success
	assert_line --index 0 'sgs-train: regularisers: co-regularisation: pseudo views from iteration 5 (weight 1), co-pruning every 10 beyond 2 x the median spacing, unpooling: midpoints to the 3 nearest beyond 2 x the median gap'
	assert_line --index 1 --regexp '^sgs-train: iteration 10: co-pruning: [0-9]+ and [0-9]+ Gaussians without a counterpart$'
	assert_line --index 2 --regexp '^sgs-train: iteration 10: unpooling: [1-9][0-9]* Gaussians added$'
	assert_line --index 3 --regexp '^sgs-train: iteration 20: co-pruning: '
	run head -n 1 log.tsv
	assert_output "$(printf 'iteration\tview\trgb\tcoreg\tl1\tssim\tloss\tpsnr\tgaussians\tseconds')"
	# coreg: 0 before iteration 5, then positive, and part of the loss
	run sh -c "awk -F'\t' 'NR > 1 && (NF != 10 || (\$1 < 5) != (\$4 == 0) || \$7 - \$3 - \$4 > 1e-5 || \$3 + \$4 - \$7 > 1e-5) { bad++ }
		END { print NR - 1, bad + 0 }' log.tsv"
	assert_output '30 0'
	run sgs-render -b cpu -s train "$FIX/scene.sgs" m.ply -o r
	assert_success
}

@test "-c and --resume with --coreg and --unpool give the bytes of an uninterrupted run" {
	reg="--coreg --coreg-start 20 --coprune 40:2 --unpool 0.95"
	# shellcheck disable=SC2086
	sgs-train -b cpu -I random -N 800 -n 100 -S 4 --densify 5:90:20 $reg -o a.ply "$FIX/scene.sgs"
	# shellcheck disable=SC2086
	SGS_TEST_INJECT_NAN_AT=70 run sgs-train -b cpu -I random -N 800 -n 100 -S 4 --densify 5:90:20 \
		$reg -c 50 -o b.ply "$FIX/scene.sgs"
	assert_failure 1
	run sgs-train -b cpu --resume b.ply.ckpt -o b.ply "$FIX/scene.sgs"
	assert_success
	run cmp a.ply b.ply
	assert_success
	run sgs-train -b cpu --resume b.ply.ckpt --unpool 2 -o c.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_output --partial 'come from the checkpoint'
}

@test "co-regularisation and unpooling options out of range are usage errors" {
	for bad in "--coreg-weight -1" "--coreg-weight x" "--coreg-start -1" "--coprune 0" \
		"--coprune 10:0" "--coprune 10:2:-1" "--coprune x" "--coprune 10:2:0.1:3" "--unpool 0" \
		"--unpool 2:0" "--unpool 2:65" "--unpool 2:3.5" "--unpool :3" "--unpool 2:3:1:1"; do
		# shellcheck disable=SC2086
		run sgs-train -b cpu --coreg $bad -o m.ply "$FIX/scene.sgs"
		assert_failure 2
		assert_line --index 0 --partial "sgs-train: ${bad%% *}"
		assert_line --index 1 --partial 'usage: sgs-train'
	done
	run sgs-train -b cpu --coreg-weight 0.5 -o m.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_line --index 0 'sgs-train: --coreg-weight, --coreg-start and --coprune need --coreg'
	run sgs-train -b cpu -I random -N 300 -n 3 --coreg --coprune never --coreg-weight 0 \
		-o m.ply "$FIX/scene.sgs"
	assert_success
}

@test "--warp: -v names it, a warp log column: 0 before its start, then positive and part of the loss" {
	run sh -c "sgs-train -v -b cpu -I random -N 500 -n 20 --warp --warp-start 8 --warp-weight 0.4 \
		-l log.tsv -o m.ply '$FIX/scene.sgs' 2>&1 >/dev/null | grep regularisers"
	assert_success
	assert_output "sgs-train: regularisers: warp consistency from iteration 8 (weight 0.4, baseline up to 0.02 x the views' distance)"
	run head -n 1 log.tsv
	assert_output "$(printf 'iteration\tview\trgb\twarp\tl1\tssim\tloss\tpsnr\tgaussians\tseconds')"
	run sh -c "awk -F'\t' 'NR > 1 && (NF != 10 || (\$1 < 8) != (\$4 == 0) || \$7 - \$3 - \$4 > 1e-5 || \$3 + \$4 - \$7 > 1e-5) { bad++ }
		END { print NR - 1, bad + 0 }' log.tsv"
	assert_output '20 0'
}

@test "-c and --resume with --warp give the bytes of an uninterrupted run" {
	sgs-train -b cpu -I random -N 800 -n 60 -S 4 --densify 5:50:20 --warp --warp-start 10 \
		-o a.ply "$FIX/scene.sgs"
	SGS_TEST_INJECT_NAN_AT=45 run sgs-train -b cpu -I random -N 800 -n 60 -S 4 --densify 5:50:20 \
		--warp --warp-start 10 -c 30 -o b.ply "$FIX/scene.sgs"
	assert_failure 1
	run sgs-train -b cpu --resume b.ply.ckpt -o b.ply "$FIX/scene.sgs"
	assert_success
	run cmp a.ply b.ply
	assert_success
	run sgs-train -b cpu --resume b.ply.ckpt --warp-weight 2 -o c.ply "$FIX/scene.sgs"
	assert_failure 2
}

@test "warp consistency options out of range are usage errors" {
	for bad in "--warp-weight -1" "--warp-weight x" "--warp-weight 1e7" "--warp-baseline -0.1" \
		"--warp-baseline 2" "--warp-baseline x" "--warp-start -1" "--warp-start 1.5"; do
		# shellcheck disable=SC2086
		run sgs-train -b cpu --warp $bad -o m.ply "$FIX/scene.sgs"
		assert_failure 2
		assert_line --index 0 --partial "sgs-train: ${bad%% *}"
		assert_line --index 1 --partial 'usage: sgs-train'
	done
	run sgs-train -b cpu --warp-baseline 0.01 -o m.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_line --index 0 'sgs-train: --warp-weight, --warp-baseline and --warp-start need --warp'
	run sgs-train -b cpu -h
	assert_success
	assert_output --partial '--warp-baseline f'
}

# A pseudo scene: 6 frames between the train views rendered from a short run.
pseudo_scene() {
	sgs-train -b cpu -I random -N 800 -n 40 -o pm.ply "$FIX/scene.sgs"
	sgs-render -b cpu -p between -N 6 "$FIX/scene.sgs" pm.ply > p.sgs
}

@test "--pseudo trains every 4th iteration on a pseudo view: a pseudo column; weight 0 is as without" {
	pseudo_scene
	run sh -c "sgs-train -v -b cpu -I random -N 500 -n 12 --pseudo p.sgs -l log.tsv -o a.ply \
		'$FIX/scene.sgs' 2>&1 | grep 'pseudo views'"
	assert_output 'sgs-train: pseudo views: 6 from p.sgs, weight 0.1, every 4 iterations'
	run head -n 1 log.tsv
	assert_output "$(printf 'iteration\tview\trgb\tpseudo\tl1\tssim\tloss\tpsnr\tgaussians\tseconds')"
	# rgb empty and pseudo = loss on the pseudo rows (a pseudo view index), the reverse elsewhere
	run sh -c "awk -F'\t' 'NR > 1 { p = \$1 % 4 == 0; if (NF != 10 || p != (\$3 == \"\") || p == (\$4 == \"\") ||
		(p && (\$4 != \$7 || \$2 > 5)) || (!p && \$3 != \$7)) bad++ } END { print NR - 1, bad + 0 }' log.tsv"
	assert_output '12 0'
	sgs-train -b cpu -I random -N 500 -n 12 --pseudo p.sgs --pseudo-weight 0 -o b.ply "$FIX/scene.sgs"
	sgs-train -b cpu -I random -N 500 -n 12 -o c.ply "$FIX/scene.sgs"
	run cmp b.ply c.ply
	assert_success
	run cmp -s a.ply c.ply
	assert_failure
}

@test "--pseudo resumes to the bytes of an uninterrupted run, and only with its pseudo scene" {
	pseudo_scene
	sgs-train -b cpu -I random -N 500 -n 30 --pseudo p.sgs --pseudo-every 3 -o a.ply "$FIX/scene.sgs"
	SGS_TEST_INJECT_NAN_AT=25 run sgs-train -b cpu -I random -N 500 -n 30 --pseudo p.sgs \
		--pseudo-every 3 -c 20 -o b.ply "$FIX/scene.sgs"
	assert_failure 1
	run sgs-train -b cpu --resume b.ply.ckpt -o b.ply "$FIX/scene.sgs"
	assert_failure 1
	assert_output 'sgs-train: b.ply.ckpt: the checkpoint was made with pseudo views (--pseudo)'
	run sgs-train -b cpu --resume b.ply.ckpt --pseudo "$FIX/scene.sgs" -o b.ply "$FIX/scene.sgs"
	assert_failure 1
	assert_output --partial 'the checkpoint was made with other pseudo views'
	run sgs-train -b cpu --resume b.ply.ckpt --pseudo p.sgs -o b.ply "$FIX/scene.sgs"
	assert_success
	run cmp a.ply b.ply
	assert_success
}

@test "--pseudo errors name the file; its options without it are usage errors" {
	echo junk > junk.sgs
	run sgs-train -b cpu -I random -N 300 -n 3 --pseudo junk.sgs -o m.ply "$FIX/scene.sgs"
	assert_failure 1
	assert_output --partial 'sgs-train: junk.sgs: '
	assert_no_output_file m.ply
	for bad in "--pseudo-weight 0.5" "--pseudo-every 2" "--pseudo p.sgs --pseudo-weight -1" \
		"--pseudo p.sgs --pseudo-every 0" "--pose-lr 0.01" "--pose-from 5" \
		"--refine-poses --pose-lr 0" "--refine-poses --pose-lr 2" "-P out.sgs"; do
		# shellcheck disable=SC2086
		run sgs-train -b cpu $bad -o m.ply "$FIX/scene.sgs"
		assert_failure 2
		assert_line --index 1 --partial 'usage: sgs-train'
	done
	run sh -c "sgs-train -b cpu --pseudo - < '$FIX/scene.sgs' > m.ply"
	assert_failure 2
	assert_output --partial 'cannot both come from stdin'
	run sh -c "sgs-train -b cpu --refine-poses -P - '$FIX/scene.sgs' > m.ply"
	assert_failure 2
	assert_output --partial '-P -: the model goes to standard output'
}

@test "--refine-poses -P writes the scene with the refined train poses; resume keeps them" {
	run sgs-train -v -b cpu -I random -N 800 -n 40 --refine-poses --pose-lr 1e-3 -P r.sgs \
		-o a.ply "$FIX/scene.sgs"
	assert_success
	assert_line 'sgs-train: pose refinement: train views but the first, after iteration 0 at rate 0.001'
	# the same scene but for the poses: sgs-init -i's summary (no poses) differs only in the name
	run sh -c "sgs-init -i '$FIX/scene.sgs' | sed 1d > a.txt && sgs-init -i r.sgs | sed 1d > b.txt &&
		diff a.txt b.txt && cmp -l '$FIX/scene.sgs' r.sgs | wc -l"
	assert_success
	[ "$output" -gt 100 ]
	SGS_TEST_INJECT_NAN_AT=30 run sgs-train -b cpu -I random -N 800 -n 40 --refine-poses \
		--pose-lr 1e-3 -c 25 -P s.sgs -o b.ply "$FIX/scene.sgs"
	assert_failure 1
	assert_no_output_file s.sgs
	run sgs-train -b cpu --resume b.ply.ckpt -P s.sgs -o b.ply "$FIX/scene.sgs"
	assert_success
	run sh -c "cmp a.ply b.ply && cmp r.sgs s.sgs"
	assert_success
	run sgs-train -b cpu -I random -N 300 -n 10 -c 5 -o c.ply "$FIX/scene.sgs"
	run sgs-train -b cpu --resume c.ply.ckpt -n 12 -P t.sgs -o c.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_output --partial '-P: c.ply.ckpt was made without --refine-poses'
}

@test "-I hull --train-masks: a short run from the visual hull; -v names it" {
	run sgs-train -b cpu -v -I hull --train-masks --hull-res 32 -N 2000 -n 20 -o m.ply "$FIX/scene.sgs"
	assert_success
	assert_line --regexp 'sgs-train: 7 train views, [0-9]+ Gaussians \(visual hull surface\)'
	assert_line --partial 'sgs-train: --train-masks: the train views'"'"' masks may shape the run (not the DTU protocol)'
	assert_line --regexp '^sgs-train: visual hull from 7 masks: [0-9]+x[0-9]+x[0-9]+ voxels of [0-9.e-]+, [0-9]+ kept, [0-9]+ on the surface, [0-9]+ points$'
	[ -s m.ply ]
	# -I auto never picks the hull, --train-masks or not
	run sgs-train -b cpu -v --train-masks -N 300 -n 2 -o m.ply "$FIX/scene.sgs"
	assert_success
	assert_line --regexp 'Gaussians \(random\)'
}

@test "-I hull needs --train-masks, --hull-* need -I hull (usage); --train-masks needs masks in the scene" {
	run sgs-train -b cpu -I hull -o m.ply "$FIX/scene.sgs"
	assert_failure 2
	assert_line --index 0 "sgs-train: -I hull: carving a visual hull uses the train views' masks, which the DTU protocol keeps for evaluation; give --train-masks to allow it"
	assert_line --index 1 --partial 'usage: sgs-train'
	for bad in "--hull-res 64" "--train-masks --hull-dilate 3" "-I hull --train-masks --hull-res 8" \
		"-I hull --train-masks --hull-res 513" "-I hull --train-masks --hull-dilate 65" \
		"-I hull --train-masks --hull-res x"; do
		# shellcheck disable=SC2086
		run sgs-train -b cpu $bad -o m.ply "$FIX/scene.sgs"
		assert_failure 2
		assert_line --index 1 --partial 'usage: sgs-train'
	done
	# the masks renamed into chunks nobody reads: a scene without masks
	cp "$FIX/scene.sgs" nomask.sgs
	for _ in 1 2 3 4 5 6 7 8; do
		python3 "$BATS_TEST_DIRNAME/patch_chunk.py" nomask.sgs nomask.sgs MASK -16 s4 XASK
	done
	for init in hull random; do
		run sgs-train -b cpu -I $init --train-masks -N 300 -n 2 -o m.ply nomask.sgs
		assert_failure 1
		assert_output "sgs-train: nomask.sgs: training with masks, but no train view has a mask (or an alpha channel)"
		assert_no_output_file m.ply
	done
	# resuming takes --train-masks from the checkpoint
	run sgs-train -b cpu --resume x.ckpt --train-masks -o m.ply "$FIX/scene.sgs"
	assert_failure 2
}
