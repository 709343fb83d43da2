#!/usr/bin/env bats
# Outputs named by -o that are not regular files: a FIFO (or a device such
# as /dev/null) is written in place; renaming a temporary file over it, as
# for regular files, replaced the machine's /dev/null with a plain file.

load helper

@test "-o to a FIFO writes through it and leaves it a FIFO" {
	mkfifo p
	cat p > got.sgs &
	run sgs-init -f synthetic -W 16 -H 12 -N 2 -o p
	assert_success
	wait
	[ -p p ]
	run sgs-init -i got.sgs
	assert_success
	assert_line --index 3 --partial '2 (1 train, 1 test)'
	run sh -c "ls | grep -c tmp || true"
	assert_output 0
}
