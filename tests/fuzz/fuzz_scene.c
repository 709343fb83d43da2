/* Scene files (sgs-formats(5)): the chunk framing and every chunk reader,
 * from a stream of unknown length (a pipe) and from a file.  A scene that
 * reads must validate or not without crashing, and write back to bytes
 * that read again and write identically. */
#include <stdlib.h>
#include <string.h>

#include "fuzzlib.h"
#include "sgs_error.h"
#include "sgs_scene.h"

/* Write s into memory; the caller frees *buf. */
static int write_mem(const struct sgs_scene *s, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	FZ_ASSERT(f);
	int rc = sgs_scene_write(f, s);
	FZ_ASSERT(fclose(f) == 0);
	return rc;
}

static void round_trip(const struct sgs_scene *s)
{
	char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	struct sgs_scene back;
	/* What the reader accepts, the writer must accept. */
	FZ_ASSERT(write_mem(s, &a, &na) == 0);
	FILE *f = fz_memfile(a, na);
	FZ_ASSERT(sgs_scene_read(f, "round-trip", &back) == 0);
	fz_close(f);
	FZ_ASSERT(write_mem(&back, &b, &nb) == 0);
	FZ_ASSERT(na == nb && memcmp(a, b, na) == 0);
	sgs_scene_free(&back);
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgs_scene s;
	FILE *f = fz_memfile(data, size);
	int rc = fz_note("sgs_scene_read", sgs_scene_read(f, "<stdin>", &s));
	fz_close(f);
	if (rc == 0) {
		fz_note("sgs_scene_validate", sgs_scene_validate(&s));
		(void)sgs_scene_count(&s, SGS_SPLIT_TRAIN);
		round_trip(&s);
		sgs_scene_free(&s);
	} else {
		FZ_ASSERT(s.nviews == 0 && !s.views); /* left empty */
	}
	/* A file: its length is known, and trailing bytes are refused. */
	int rc2 = fz_note("sgs_scene_load", sgs_scene_load(fz_write("in.sgs", data, size), &s));
	FZ_ASSERT(rc2 != 0 || rc == 0);
	if (rc2 == 0)
		sgs_scene_free(&s);
	sgs_error_clear();
	return 0;
}
