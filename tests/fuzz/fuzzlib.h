/* Helpers shared by the fuzz harnesses (tests/fuzz/fuzz_*.c), the plain
 * replay driver (driver.c) and the seed generator (seeds.c).
 *
 * A harness defines LLVMFuzzerTestOneInput.  Readers that take a path get
 * the input as a file in a private temporary folder (fz_dir), made once
 * per process and removed at exit; readers of streams get an fmemopen
 * stream, where the length is unknown as in a pipe. */
#ifndef FUZZLIB_H
#define FUZZLIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The private folder ($TMPDIR or /tmp), created on first use. */
const char *fz_dir(void);
/* dir/rel into buf (size PATH_MAX at least); returns buf. */
char *fz_path(char *buf, const char *rel);
/* Write n bytes to dir/rel (parent folders made); returns the path in a
 * static buffer overwritten by the next call, or aborts. */
const char *fz_write(const char *rel, const void *data, size_t n);
/* A read-only stream over a copy of the bytes (empty input included);
 * fz_close frees both. */
FILE *fz_memfile(const void *data, size_t n);
void fz_close(FILE *f);

/* Split the input at each FZ_SEP into at most max parts; returns how many.
 * Multi-file readers (COLMAP's three files) take one part per file. */
#define FZ_SEP "@@@@"
int fz_split(const uint8_t *data, size_t n, const uint8_t **part, size_t *len, int max);

/* Make the folders above path. */
void fz_mkparents(const char *path);
/* A small 8-bit image (a gradient) written as PNG (c channels), or JPEG
 * (c 1 or 3), for the importers that look at image files and for seeds;
 * parent folders are made; aborts on failure. */
void fz_png(const char *path, uint32_t w, uint32_t h, uint32_t c);
void fz_jpeg(const char *path, uint32_t w, uint32_t h, uint32_t c);

/* The scene the checkpoint harness resumes on and its seeds were trained
 * on: the synthetic scene at 16x12, 4 views of which 3 train. */
struct sgs_scene;
void fz_tiny_scene(struct sgs_scene *s);

/* With FUZZ_VERBOSE set in the environment (replaying by hand), print
 * what a reader said about the input; returns rc. */
int fz_note(const char *reader, int rc);

/* An invariant of a reader is broken: print and abort (a fuzz finding). */
#define FZ_ASSERT(cond)                                                                   \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                   \
			abort();                                                          \
		}                                                                         \
	} while (0)

#endif
