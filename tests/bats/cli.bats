#!/usr/bin/env bats
# The command-line dialect every tool shares (sgs(7)): -h, usage errors
# with exit 2, a message, the usage synopsis and nothing on stdout, option
# errors worded alike in every tool, checked numbers and -b.
load helper
bats_require_minimum_version 1.5.0

TOOLS="sgs-init sgs-depth sgs-train sgs-render sgs-eval"

# $1 = tool: -h prints the usage on stdout, nothing on stderr, exit 0.
check_help() {
	run --separate-stderr "$1" -h
	assert_success
	assert_line --index 0 --regexp "^usage: $1( |\$)"
	[ -z "$stderr" ] || fail "-h wrote to stderr: $stderr"
}

# $1 = tool, $2 = its stderr: every line is a message starting with the
# tool's name, or the usage text (a "usage:" line and its indented rest).
check_stderr_lines() {
	local line
	while IFS= read -r line; do
		case $line in
		"$1: "* | "usage: $1"* | " "* | "	"*) ;;
		*) fail "stray stderr line from $1: '$line'" ;;
		esac
	done <<<"$2"
}

# $1 = tool, $2... = arguments that make a usage error: exit 2, stdout
# empty, on stderr a message from the tool and then the usage synopsis.
check_usage_error() {
	local tool=$1
	shift
	run --separate-stderr "$tool" "$@"
	assert_equal "$status" 2
	assert_equal "$output" ''
	[[ "$stderr" == "$tool: "*$'\n'"usage: $tool "* ]] ||
		fail "not a message and then the usage synopsis: $stderr"
	check_stderr_lines "$tool" "$stderr"
}

# $1 = tool, $2 = the exact message, $3... = the command line: a usage
# error whose stderr is that message and then the usage synopsis.
check_usage_message() {
	local tool=$1 msg=$2
	shift 2
	check_usage_error "$tool" "$@"
	assert_equal "${stderr%%$'\n'*}" "$msg"
}

# $1 = tool, $2 = option, $3... = rest of the command line: a bad number or word
# for that option is a usage error whose message names the option, and no
# output file appears.
check_bad_arg() {
	local tool=$1 opt=$2
	shift 2
	check_usage_error "$tool" "$@"
	[[ "$stderr" == "$tool: $opt: "* ]] || fail "message does not name $opt: $stderr"
	assert_no_output_file out
}

@test "every tool: -h prints usage on stdout and exits 0" {
	for t in $TOOLS; do
		check_help "$t"
	done
}

@test "every tool: --help is -h" {
	for t in $TOOLS; do
		run --separate-stderr "$t" -h
		local short=$output
		run --separate-stderr "$t" --help
		assert_success
		assert_equal "$output" "$short"
	done
}

@test "every tool: an unknown option reads the same, then the usage synopsis" {
	for t in $TOOLS; do
		check_usage_message "$t" "$t: unknown option -- q" -q
		check_usage_message "$t" "$t: unknown option -- bogus" --bogus
		check_usage_message "$t" "$t: unknown option -- bogus" --bogus=1
		check_usage_message "$t" "$t: option doesn't take an argument -- help" --help=1
	done
}

@test "every tool: a missing option argument reads the same" {
	local t opt
	for t in $TOOLS; do
		opt=o
		[ "$t" != sgs-eval ] || opt=s
		check_usage_message "$t" "$t: option requires an argument -- $opt" -$opt
	done
	check_usage_message sgs-train "sgs-train: option requires an argument -- resume" --resume
	check_usage_message sgs-eval "sgs-eval: option requires an argument -- errors" --errors
}

@test "long options: one given an argument it does not take, an ambiguous prefix" {
	check_usage_message sgs-train "sgs-train: option doesn't take an argument -- mcmc" --mcmc=1
	check_usage_message sgs-eval "sgs-eval: option doesn't take an argument -- ssim-crop" \
		--ssim-crop=1 in.sgs
	check_usage_message sgs-eval "sgs-eval: option doesn't take an argument -- json" --json=1 in.sgs
	check_usage_message sgs-train "sgs-train: ambiguous option -- r" --r
	# within a cluster of letters
	check_usage_message sgs-render "sgs-render: unknown option -- q" -adq
	# a letter after a long option with its argument is still a letter
	check_usage_message sgs-train "sgs-train: unknown option -- Z" --max-gaussians=5 -vZ
}

@test "every tool: a wrong number of operands says which" {
	check_usage_message sgs-init "sgs-init: missing operand"
	check_usage_message sgs-init "sgs-init: extra operand 'b'" a b
	check_usage_message sgs-depth "sgs-depth: extra operand 'b'" a b
	check_usage_message sgs-train "sgs-train: extra operand 'b'" a b
	check_usage_message sgs-render "sgs-render: missing operand" a
	check_usage_message sgs-render "sgs-render: extra operand 'c'" a b c
	check_usage_message sgs-eval "sgs-eval: missing operand"
	check_usage_message sgs-eval "sgs-eval: extra operand 'c'" a b c
}

@test "sgs-init: unknown option, missing argument, extra operand exit 2" {
	check_usage_error sgs-init -Z
	check_usage_error sgs-init -o
	check_usage_error sgs-init -i a.sgs b.sgs
	check_usage_error sgs-init dir1 dir2
	check_usage_error sgs-init
	check_usage_error sgs-init -f synthetic extra
	check_usage_error sgs-init -x "" s.sgs
}

@test "sgs-init: bad and out-of-range numbers name the option" {
	check_bad_arg sgs-init -n -n abc -o out.sgs dir
	check_bad_arg sgs-init -n -n 3x -o out.sgs dir
	check_bad_arg sgs-init -n -n 0 -o out.sgs dir
	check_bad_arg sgs-init -r -r 65 -o out.sgs dir
	check_bad_arg sgs-init -t -t 1,x,3 -o out.sgs dir
	check_bad_arg sgs-init -t -t -1 -o out.sgs dir
	check_bad_arg sgs-init -W -f synthetic -W 7 -o out.sgs
	check_bad_arg sgs-init -H -f synthetic -H 1e3 -o out.sgs
	check_bad_arg sgs-init -N -f synthetic -N '' -o out.sgs
	check_bad_arg sgs-init -S -f synthetic -S 99999999999999999999 -o out.sgs
	check_bad_arg sgs-init -B -B 0.5,0.5 -o out.sgs dir
	check_bad_arg sgs-init -B -B 0,0,2 -o out.sgs dir
}

@test "sgs-init: options that do not apply to the mode are usage errors" {
	check_usage_error sgs-init -f synthetic -p llff -o out.sgs
	check_usage_error sgs-init -f synthetic -t 1,2 -o out.sgs
	check_usage_error sgs-init -W 64 -o out.sgs dir
	check_usage_error sgs-init -i -o out.sgs in.sgs
	check_usage_error sgs-init -i -f synthetic
	run --separate-stderr sgs-init -f synthetic -r 2
	[[ "$stderr" == "sgs-init: -r: not used with -f synthetic"* ]] || fail "$stderr"
	assert_no_output_file out
}

@test "sgs-init: -n not below -N for the synthetic scene is a usage error" {
	run --separate-stderr sgs-init -f synthetic -N 4 -n 4 -o out.sgs
	assert_equal "$status" 2
	assert_equal "$output" ''
	[[ "$stderr" == "sgs-init: -n 4: "* ]] || fail "$stderr"
	assert_no_output_file out
}

@test "sgs-depth: usage errors exit 2" {
	check_usage_error sgs-depth -Z
	check_usage_error sgs-depth -b
	check_usage_error sgs-depth a.sgs b.sgs
	check_bad_arg sgs-depth -S -S abc -o out.sgs in.sgs
	check_bad_arg sgs-depth -S -S -5 -o out.sgs in.sgs
	check_bad_arg sgs-depth -b -b gpu -o out.sgs in.sgs
}

@test "sgs-train: usage errors exit 2" {
	check_usage_error sgs-train -Z
	check_usage_error sgs-train --bogus
	check_usage_error sgs-train --resume
	check_usage_error sgs-train a.sgs b.sgs
	check_bad_arg sgs-train -n -n abc -o out.ply in.sgs
	check_bad_arg sgs-train -n -n 0 -o out.ply in.sgs
	check_bad_arg sgs-train -c -c 1.5 -o out.ply in.sgs
	check_bad_arg sgs-train -N -N x -o out.ply in.sgs
	check_bad_arg sgs-train -S -S abc -o out.ply in.sgs
	check_bad_arg sgs-train --sh --sh 4 -o out.ply in.sgs
	check_bad_arg sgs-train -b -b gpu -o out.ply in.sgs
	check_bad_arg sgs-train -I -I everything -o out.ply in.sgs
}

@test "sgs-render: usage errors exit 2" {
	check_usage_error sgs-render -Z
	check_usage_error sgs-render only-a-scene.sgs
	check_usage_error sgs-render a.sgs b.ply c
	check_usage_error sgs-render -o
}

@test "sgs-render: bad numbers and words name the option" {
	check_bad_arg sgs-render -N -p orbit -N abc -o out x.sgs x.ply
	check_bad_arg sgs-render -W -W 12x -o out x.sgs x.ply
	check_bad_arg sgs-render -H -H 0 -o out x.sgs x.ply
	check_bad_arg sgs-render -r -r 0 -o out x.sgs x.ply
	check_bad_arg sgs-render -B -B 1,1 -o out x.sgs x.ply
	check_bad_arg sgs-render -s -s everything -o out x.sgs x.ply
	check_bad_arg sgs-render -p -p zigzag -o out x.sgs x.ply
	check_bad_arg sgs-render -b -b gpu -o out x.sgs x.ply
}

@test "sgs-eval: usage errors exit 2" {
	check_usage_error sgs-eval -Z
	check_usage_error sgs-eval --bogus
	check_usage_error sgs-eval
	check_bad_arg sgs-eval -s -s bogus in.sgs
	check_bad_arg sgs-eval -m -m maybe in.sgs
}

@test "every -b tool: an unknown backend is a usage error listing the valid ones" {
	local t operands
	for t in sgs-depth sgs-train sgs-render; do
		operands=(in.sgs)
		[ "$t" != sgs-render ] || operands=(in.sgs in.ply)
		check_usage_message "$t" "$t: -b: unknown backend 'gpu' (expected auto, cpu or cuda)" \
			-b gpu -o out "${operands[@]}"
		assert_no_output_file out
	done
}

@test "every -b tool: -b cuda without a GPU exits 3, naming the backend" {
	local t operands
	! gpu_present || skip "a GPU is present"
	for t in sgs-depth sgs-train sgs-render; do
		operands=(in.sgs)
		[ "$t" != sgs-render ] || operands=(in.sgs in.ply)
		run --separate-stderr "$t" -b cuda -o out "${operands[@]}"
		assert_equal "$status" 3
		assert_equal "$output" ''
		[[ "$stderr" == "$t: -b cuda: "* ]] || fail "$t: $stderr"
		[[ "$stderr" != *usage:* ]] || fail "$t: usage after exit 3: $stderr"
		check_stderr_lines "$t" "$stderr"
		assert_no_output_file out
	done
}

# $1 = tool, $2 = option, $3 = the rest of the command line (one word,
# split on spaces), then bad values for the option: each is a usage error
# (exit 2, nothing on stdout, no output file) whose message names the
# option and is followed by the usage synopsis.
bad_values() {
	local tool=$1 opt=$2 rest=$3 v
	shift 3
	for v in "$@"; do
		# shellcheck disable=SC2086
		check_usage_error "$tool" "$opt" "$v" $rest
		[[ "$stderr" == "$tool: $opt"[:\ ]* ]] || fail "$tool $opt '$v': message does not name $opt: $stderr"
		assert_no_output_file out
	done
}

@test "every option value parse error, in every tool: exit 2, a message naming the option, the usage" {
	local I="-o out.sgs dir" S="-f synthetic -o out.sgs"
	bad_values sgs-init -n "$I" abc '' 3x 0 -1 100001 1e3 99999999999999999999
	bad_values sgs-init -r "$I" 0 65 x '' 2.5
	bad_values sgs-init -t "$I" '' x 1,,2 -1 1,x 10000001 1,1 '3,2,3'
	bad_values sgs-init -B "$I" '' 0.5 0.5,0.5 0,0,2 -1,0,0 nan,0,0 inf,0,0 a,b,c grey 0,0,0,0
	bad_values sgs-init -f "$I" bogus '' COLMAP nerf
	bad_values sgs-init -p "$I" bogus '' LLFF dtu2
	bad_values sgs-init -W "$S" 7 8193 x ''
	bad_values sgs-init -H "$S" 0 abc 1e3
	bad_values sgs-init -N "$S" 0 1001 x
	bad_values sgs-init -S "$S" -1 2147483648 x
	local T="-o out.ply in.sgs"
	bad_values sgs-train -b "$T" gpu '' CPU
	bad_values sgs-train -c "$T" 0 x -1 1.5
	bad_values sgs-train -I "$T" everything '' AUTO
	bad_values sgs-train -n "$T" 0 x 100000001 ''
	bad_values sgs-train -N "$T" 0 50000001 x
	bad_values sgs-train -S "$T" -1 x 2147483648
	bad_values sgs-train --sh "$T" 4 -1 x
	bad_values sgs-train --densify "$T" x 1:2 1:2:0 a:b:c 1:2:3:4 ''
	bad_values sgs-train --reset "$T" 0 x -5 '' always
	bad_values sgs-train --eval-every "$T" 0 x ''
	bad_values sgs-train --depth-weight "$T" -1 nan inf x 1e7 ''
	bad_values sgs-train --max-gaussians "$T" 0 2000000001 x
	bad_values sgs-train --pose-lr "--refine-poses $T" 0 2 x nan ''
	bad_values sgs-train --pose-from "--refine-poses $T" -1 x 100000001 ''
	bad_values sgs-train --pseudo-weight "--pseudo p.sgs $T" -1 1001 nan x ''
	bad_values sgs-train --pseudo-every "--pseudo p.sgs $T" 0 x 1.5 ''
	local R="-o out x.sgs x.ply"
	bad_values sgs-render -b "$R" gpu ''
	bad_values sgs-render -B "$R" 1,1 2,0,0 x '' nan,0,0
	bad_values sgs-render -W "$R" 0 16385 x ''
	bad_values sgs-render -H "$R" 0 abc
	bad_values sgs-render -N "$R" 0 100001 x
	bad_values sgs-render -p "$R" zigzag '' ORBIT
	bad_values sgs-render -r "$R" 0 65 x
	bad_values sgs-render -s "$R" everything '' TEST
	local D="-o out in.sgs"
	bad_values sgs-depth -b "$D" gpu ''
	bad_values sgs-depth -m "$D" x '' MVS
	bad_values sgs-depth -S "$D" -1 x 2147483648
	local E="in.sgs out"
	bad_values sgs-eval -s "$E" bogus '' TEST
	bad_values sgs-eval -m "$E" maybe ''
}
