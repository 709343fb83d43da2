/* Splat PLY files (the 3DGS model): the header parser, elements skipped
 * before the vertices, the vertex rows; from a stream of unknown length
 * and from a file.  A model that reads writes back and reads again to
 * the same numbers. */
#include <stdlib.h>
#include <string.h>

#include "fuzzlib.h"
#include "sgs_error.h"
#include "sgs_splat.h"

static int same(const float *a, const float *b, size_t n)
{
	return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

static void round_trip(const struct sgs_splats *s)
{
	char *buf = NULL;
	size_t len = 0;
	struct sgs_splats back;
	FILE *f = open_memstream(&buf, &len);
	FZ_ASSERT(f && sgs_splat_write(f, s) == 0 && fclose(f) == 0);
	f = fz_memfile(buf, len);
	FZ_ASSERT(sgs_splat_read(f, "round-trip", &back) == 0);
	fz_close(f);
	size_t n = (size_t)s->n, k = SGS_SH_COEFFS(s->sh_degree);
	FZ_ASSERT(back.n == s->n && back.sh_degree == s->sh_degree);
	FZ_ASSERT(same(back.means, s->means, 3 * n) && same(back.log_scales, s->log_scales, 3 * n) &&
		  same(back.quats, s->quats, 4 * n) && same(back.logit_opacity, s->logit_opacity, n) &&
		  same(back.sh, s->sh, 3 * k * n));
	sgs_splats_free(&back);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgs_splats s;
	FILE *f = fz_memfile(data, size);
	int rc = fz_note("sgs_splat_read", sgs_splat_read(f, "<stdin>", &s));
	fz_close(f);
	if (rc == 0) {
		fz_note("sgs_splat_validate", sgs_splat_validate(&s));
		round_trip(&s);
		sgs_splats_free(&s);
	} else {
		FZ_ASSERT(s.n == 0 && !s.means);
	}
	int rc2 = sgs_splat_load(fz_write("in.ply", data, size), &s);
	FZ_ASSERT(rc2 == rc);
	sgs_splats_free(&s);
	sgs_error_clear();
	return 0;
}
