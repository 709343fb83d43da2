/* A fuzz harness as a plain program (make check): runs
 * LLVMFuzzerTestOneInput on every file named on the command line, or in
 * the folders named there; with no operands, on the harness's regression
 * inputs (tests/fuzz/regress/NAME/) and seed corpus ($B/fuzz-seeds/NAME/,
 * B defaulting to build).  One TAP line per input: a crash or a sanitizer
 * report stops the program, which tests/run.sh counts as a failure. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzzlib.h"

#ifndef FUZZ_NAME
#define FUZZ_NAME "harness"
#endif

struct list {
	char **path;
	size_t n, cap;
};

static void add(struct list *l, const char *path)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		if (!(l->path = realloc(l->path, l->cap * sizeof *l->path)))
			abort();
	}
	if (!(l->path[l->n++] = strdup(path)))
		abort();
}

/* A file, or the files of a folder in name order; a missing folder adds
 * nothing (no seeds built yet). */
static void collect(struct list *l, const char *path)
{
	struct stat st;
	struct dirent **ents;
	if (stat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		add(l, path);
		return;
	}
	int n = scandir(path, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char p[PATH_MAX];
		if (ents[i]->d_name[0] != '.') {
			snprintf(p, sizeof p, "%s/%s", path, ents[i]->d_name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
				add(l, p);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

static int run_one(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 1 << 16, n = 0, got;
	uint8_t *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap && !(buf = realloc(buf, cap *= 2)))
			break;
	}
	fclose(f);
	if (!buf)
		abort();
	/* An exact-size copy, so ASan sees reads past the input's end. */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact)
		abort();
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	struct list l = {0};
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			collect(&l, argv[i]);
	} else {
		const char *b = getenv("B");
		char p[PATH_MAX];
		collect(&l, "tests/fuzz/regress/" FUZZ_NAME);
		snprintf(p, sizeof p, "%s/fuzz-seeds/%s", b && *b ? b : "build", FUZZ_NAME);
		collect(&l, p);
	}
	printf("1..%zu\n", l.n);
	if (l.n == 0)
		printf("# %s: no inputs found\n", FUZZ_NAME);
	int failed = 0;
	for (size_t i = 0; i < l.n; i++) {
		fflush(stdout);
		int rc = run_one(l.path[i]);
		printf("%sok %zu - %s %s\n", rc ? "not " : "", i + 1, FUZZ_NAME, l.path[i]);
		failed |= rc != 0;
		free(l.path[i]);
	}
	free(l.path);
	return failed;
}
