#!/usr/bin/env bats
# examples/slurm/: the batch of examples/Makefile as a Slurm job array.
# The job scripts run here without Slurm (as the array's tasks would);
# examples/slurm/selftest.sh runs the whole thing on a one-node cluster
# it starts itself (skipped when slurm-wlm is absent).

load helper

VARS=(BIN="${SGS_BIN:-$ROOT/bin}" SCENES='a b' CONFIGS='default sparse'
	SCENE_a='-f synthetic -W 48 -H 36 -N 8 -n 4' SCENE_b='-f synthetic -W 48 -H 36 -N 8 -n 4 -S 2'
	EVAL_ARGS='-m nomask' TRAIN_ARGS='-n 20' BACKEND=cpu)

have_slurm() {
	for t in slurmctld slurmd sbatch; do
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || skip "$t not installed (slurm-wlm)"
	done
}

@test "slurm: task.sh makes its array index's scene, collect.sh the tables (no Slurm needed)" {
	export OMP_WAIT_POLICY=passive
	SLURM_ARRAY_TASK_ID=1 SLURM_CPUS_PER_TASK=2 run "$ROOT/examples/slurm/task.sh" "$ROOT/examples/Makefile" "${VARS[@]}"
	assert_success
	assert_line --regexp '^sgs-batch-task: task 1 on .*: scene b$'
	[ -s out/b/default/scores.tsv ] && [ -s out/b/sparse/scores.tsv ]
	[ ! -e out/a ]
	SLURM_ARRAY_TASK_ID=0 run "$ROOT/examples/slurm/task.sh" "$ROOT/examples/Makefile" "${VARS[@]}"
	assert_success
	[ -s out/a/sparse/scores.tsv ]
	run "$ROOT/examples/slurm/collect.sh" "$ROOT/examples/Makefile" "${VARS[@]}"
	assert_success
	assert_line --regexp $'^b\tsparse\t20\t'
	assert_equal "$(sed 1d out/results.tsv | wc -l)" 4
	[ -s out/results.md ]
}

@test "slurm: task.sh outside an array, or past the last scene, and submit.sh's usage errors exit 2" {
	run env -u SLURM_ARRAY_TASK_ID "$ROOT/examples/slurm/task.sh" "$ROOT/examples/Makefile" "${VARS[@]}"
	assert_failure 2
	assert_output --partial 'not a task of a Slurm job array'
	SLURM_ARRAY_TASK_ID=2 run "$ROOT/examples/slurm/task.sh" "$ROOT/examples/Makefile" "${VARS[@]}"
	assert_failure 2
	assert_output --partial 'task 2: SCENES has 2 scenes'
	run "$ROOT/examples/slurm/submit.sh" fern
	assert_failure 2
	assert_line --index 0 'usage: submit.sh [VARIABLE=value ...]'
	SGS_SLURM_CPUS=0 run "$ROOT/examples/slurm/submit.sh"
	assert_failure 2
	[ ! -e out ]
}

@test "slurm: selftest.sh runs the batch on a one-node cluster and stops its daemons" {
	have_slurm
	run nice -n 19 "$ROOT/examples/slurm/selftest.sh"
	[ "$status" -ne 77 ] || skip "$output"
	assert_success
	assert_output --partial 'selftest.sh: passed'
	assert_line --regexp '^\| b \| sparse \| 20 \| [0-9.]+ \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \|$'
	pids=$(echo "$output" | sed -n 's/.*slurmctld (\([0-9]*\)) and slurmd (\([0-9]*\)) up in \([^ ]*\),.*/\1 \2 \3/p')
	read -r p1 p2 dir <<< "$pids"
	[ -n "$p1" ] && [ -n "$p2" ]
	! kill -0 "$p1" 2>/dev/null
	! kill -0 "$p2" 2>/dev/null
	[ ! -e "$dir" ]
}

@test "slurm: selftest.sh interrupted stops the daemons it started and removes its folder" {
	have_slurm
	nice -n 19 "$ROOT/examples/slurm/selftest.sh" > log 2>&1 &
	st=$!
	k=0
	until grep -q ' up in ' log; do
		kill -0 "$st" 2>/dev/null || { cat log; false; }
		k=$((k + 1)); [ "$k" -lt 600 ]
		sleep 0.2
	done
	read -r p1 p2 dir <<< "$(sed -n 's/.*slurmctld (\([0-9]*\)) and slurmd (\([0-9]*\)) up in \([^ ]*\),.*/\1 \2 \3/p' log)"
	kill -0 "$p1" && kill -0 "$p2" && [ -d "$dir" ]
	kill -TERM "$st"
	rc=0
	wait "$st" || rc=$?
	assert_equal "$rc" 1
	grep -q -- '---- .*slurmctld.log' log
	! kill -0 "$p1" 2>/dev/null
	! kill -0 "$p2" 2>/dev/null
	[ ! -e "$dir" ]
}
