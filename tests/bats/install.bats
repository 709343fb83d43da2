#!/usr/bin/env bats
# make install / uninstall into temporary prefixes: the tools, man pages,
# static libraries, headers and sgs.pc, and a program built against them
# with pkg-config.

load helper

# make on the build under test (make check-asan: its own folder), without
# the outer make's job server; WITH_CUDA as that build was made, so that
# install finds it up to date instead of building CUDA objects.
sgs_make() {
	local b="${SGS_BUILD:-$ROOT/build}" bin="${SGS_BIN:-$ROOT/bin}" cuda=0
	ls "$b"/kernels/cuda/*.o >/dev/null 2>&1 && cuda=1
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$ROOT" B="$b" BIN="$bin" WITH_CUDA=$cuda "$@"
}

@test "make install PREFIX=dir: tools, man pages, libraries, headers, sgs.pc" {
	run sgs_make install PREFIX="$TMP/p"
	assert_success
	cd "$TMP/p"
	run sh -c 'ls bin share/man/man1 share/man/man5 share/man/man7 lib lib/pkgconfig | tr "\n" " "'
	assert_output 'bin: sgs-depth sgs-eval sgs-init sgs-render sgs-train  lib: libsgscommon.a libsgskernels.a libsgsmvs.a libsgstrain.a pkgconfig  lib/pkgconfig: sgs.pc  share/man/man1: sgs-depth.1 sgs-eval.1 sgs-init.1 sgs-render.1 sgs-train.1  share/man/man5: sgs-formats.5  share/man/man7: sgs.7 '
	for h in sgs_scene.h sgs_splat.h sgs_splat_web.h sgs_image.h sgs_import.h sgs_kernels.h sgs_trainer.h sgs_colmap_export.h; do
		[ -f "include/sgs/$h" ] || fail "include/sgs/$h missing"
	done
	[ -x bin/sgs-render ]
	run bin/sgs-render -h
	assert_success
	assert_line --index 0 --partial 'usage: sgs-render'
	run man -M "$TMP/p/share/man" -w sgs-init
	assert_output "$TMP/p/share/man/man1/sgs-init.1"
	# the section heading, bold by overstrike
	run sh -c "mandoc -T ascii '$TMP/p/share/man/man1/sgs-init.1' | sed 's/.\x08//g' | grep -x 'COLMAP EXPORT'"
	assert_output 'COLMAP EXPORT'
	run grep -x "prefix=$TMP/p" lib/pkgconfig/sgs.pc
	assert_success
}

@test "every installed header compiles on its own with pkg-config's flags" {
	sgs_make install PREFIX="$TMP/p" >/dev/null
	export PKG_CONFIG_PATH="$TMP/p/lib/pkgconfig"
	for h in "$TMP"/p/include/sgs/*.h; do
		printf '#include "%s"\n' "$(basename "$h")" > one.c
		cc -std=c11 -fsyntax-only $(pkg-config --cflags sgs) one.c || fail "$h does not compile alone"
	done
}

@test "a program built with pkg-config --cflags --libs sgs imports a capture and reads a model" {
	# make check-asan: those archives need the sanitizers' runtime to link
	[ -z "${SGS_SAN_LOGS:-}" ] || skip "sanitizer build"
	sgs_make install PREFIX="$TMP/p"
	cat > prog.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include "sgs_import.h"
#include "sgs_kernels.h"
#include "sgs_splat.h"
#include "sgs_splat_web.h"

int main(int argc, char **argv)
{
	struct sgs_import_opts o = {.format = "ngp", .downscale = 1};
	struct sgs_scene s;
	struct sgs_splats sp;
	if (argc != 3 || sgs_import(argv[1], &o, &s) != 0 || sgs_splat_load(argv[2], &sp) != 0) {
		fprintf(stderr, "prog: %s\n", sgs_error_get());
		return 1;
	}
	const struct sgs_backend *be = sgs_backend_get("cpu");
	uint64_t *order = sgs_web_splat_order(&sp);
	printf("%u views, %ux%u, %llu Gaussians, backend %s, first %llu\n", s.nviews,
	       s.views[0].cam.w, s.views[0].cam.h, (unsigned long long)sp.n, be ? be->name : "none",
	       (unsigned long long)order[0]);
	free(order);
	sgs_splats_free(&sp);
	sgs_scene_free(&s);
	return 0;
}
C
	python3 "$BATS_TEST_DIRNAME/make_splat.py" m.ply 10 0 4
	export PKG_CONFIG_PATH="$TMP/p/lib/pkgconfig"
	run pkg-config --modversion sgs
	assert_output --regexp '^[0-9]+\.[0-9]+'
	cc -std=c11 -o prog prog.c $(pkg-config --cflags --libs sgs)
	run ./prog "$ROOT/tests/fixtures/ngp" m.ply
	assert_success
	assert_output --regexp '^2 views, 32x24, 10 Gaussians, backend cpu, first [0-9]$'
}

@test "make install DESTDIR=dir PREFIX=/usr stages the files; make uninstall removes them" {
	run sgs_make install DESTDIR="$TMP/stage" PREFIX=/usr
	assert_success
	[ -x "$TMP/stage/usr/bin/sgs-train" ]
	[ -f "$TMP/stage/usr/share/man/man5/sgs-formats.5" ]
	[ -f "$TMP/stage/usr/include/sgs/sgs_scene.h" ]
	run grep -x 'prefix=/usr' "$TMP/stage/usr/lib/pkgconfig/sgs.pc"
	assert_success
	run sgs_make uninstall DESTDIR="$TMP/stage" PREFIX=/usr
	assert_success
	run find "$TMP/stage" -type f
	assert_output ''
}

# README's set-up line, run with stand-ins for id, sudo, apt-get and make
# that log their arguments; $1: the uid id reports, $2: whether sudo exists.
setup_line() {
	mkdir -p stub
	printf '#!/bin/sh\necho %s\n' "$1" > stub/id
	for t in apt-get make; do
		printf '#!/bin/sh\necho "%s $*" >> %s/log\n' "$t" "$TMP" > "stub/$t"
	done
	[ "$2" = with-sudo ] && printf '#!/bin/sh\necho "sudo $*" >> %s/log\n' "$TMP" > stub/sudo
	chmod +x stub/*
	ln -s "$(command -v cat)" stub/cat
	line=$(grep -m1 'apt-get install' "$ROOT/README.md" | sed 's/^ *//')
	(cd "$ROOT" && PATH="$TMP/stub" /bin/sh -c "$line")
}

@test "README's set-up line: as root without sudo, apt-get runs directly" {
	run setup_line 0 no-sudo
	assert_success
	run cat log
	assert_line --index 0 'apt-get update'
	assert_line --index 1 --regexp '^apt-get install -y [a-z0-9]'
	assert_line --index 2 'make demo'
	refute_output --partial sudo
}

@test "README's set-up line: as another user, through sudo" {
	run setup_line 1000 with-sudo
	assert_success
	run cat log
	assert_line --index 0 'sudo apt-get update'
	assert_line --index 1 --regexp '^sudo apt-get install -y [a-z0-9]'
	assert_line --index 2 'make demo'
}
