/* Point-cloud PLY files (sgs-init --points): ASCII and both binary byte
 * orders, with the stream's length known (a file) and unknown (a pipe);
 * both must agree. */
#include <math.h>

#include "fuzzlib.h"
#include "sgs_error.h"
#include "sgs_points.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgs_points p, q;
	FILE *f = fz_memfile(data, size);
	int rc = fz_note("sgs_points_read", sgs_points_read(f, "<stdin>", (int64_t)size, &p));
	fz_close(f);
	f = fz_memfile(data, size);
	int rc2 = sgs_points_read(f, "<stdin>", -1, &q);
	fz_close(f);
	FZ_ASSERT(rc == rc2);
	if (rc == 0) {
		FZ_ASSERT(p.n > 0 && p.n == q.n && p.nonfinite == q.nonfinite);
		for (uint64_t i = 0; i < 3 * p.n; i++)
			FZ_ASSERT(isfinite(p.xyz[i]) && p.xyz[i] == q.xyz[i]);
	} else {
		FZ_ASSERT(p.n == 0 && !p.xyz);
	}
	sgs_points_free(&p);
	sgs_points_free(&q);
	sgs_error_clear();
	return 0;
}
