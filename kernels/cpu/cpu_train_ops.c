/* Twin: kernels/cuda/cuda_train_ops.cu · math: sgs_math_optim.h · test: tests/unit/test_backend_ops.c (rows adam, update_max_radii, reset_opacity) */
/* The CPU backend's elementwise training operations: Adam, the
 * screen-radius maximum, the opacity reset.  Each element depends on its
 * own inputs only, so the results do not depend on the thread count. */
#include <math.h>
#include <string.h>

#include "cpu_internal.h"
#include "cpu_train_internal.h"
#include "sgs_error.h"
#include "sgs_math_optim.h"
#include "sgs_train_host.h"

#define ADAM_BLOCK 4096

int cpu_adam(float *p, const float *g, float *m, float *v, size_t count,
	     const struct sgs_adam_hp *hp)
{
	struct sgs_adam_consts c;
	if (sgs_adam_prepare(p, g, m, v, count, hp, &c))
		return -1;
	const float sqrt_bc2 = c.sqrt_bc2, step_first = c.step_first, step_rest = c.step_rest;
	const size_t period = hp->period, nfirst = hp->nfirst;
	const float b1 = hp->beta1, b2 = hp->beta2, eps = hp->eps;

	void (*run)(float *, const float *, float *, float *, size_t, float, float, float, float,
		    float) = cpu_simd()->adam_run;
	/* blocks of whole periods (the first nfirst elements of each take
	 * step_first), or of ADAM_BLOCK elements with one step */
	const size_t block = period ? period : ADAM_BLOCK;
	const long nblocks = (long)((count + block - 1) / block);
#pragma omp parallel for schedule(static)
	for (long b = 0; b < nblocks; b++) {
		const size_t i0 = (size_t)b * block, len = count - i0 < block ? count - i0 : block;
		const size_t first = period ? (nfirst < len ? nfirst : len) : len;
		run(p + i0, g + i0, m + i0, v + i0, first, step_first, sqrt_bc2, b1, b2, eps);
		run(p + i0 + first, g + i0 + first, m + i0 + first, v + i0 + first, len - first,
		    step_rest, sqrt_bc2, b1, b2, eps);
	}
	return 0;
}

int cpu_update_max_radii(float *max_radii, const struct sgs_raster_ctx *ctx)
{
	if (!ctx)
		return sgs_error_set("update_max_radii: no render context");
	const long n = ctx->g.n;
	if (n && (!max_radii || !ctx->radii))
		return sgs_error_set("update_max_radii: missing buffer");
	const int32_t *radii = ctx->radii;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++) {
		float r = (float)radii[i];
		if (r > max_radii[i])
			max_radii[i] = r;
	}
	return 0;
}

int cpu_reset_opacity(struct sgs_train_state *st, float max_opacity)
{
	if (!(max_opacity > 0.0f && max_opacity < 1.0f))
		return sgs_error_set("reset_opacity: maximum opacity %g outside (0, 1)",
				     max_opacity);
	const long n = st->params.n;
	const float cap = (float)log((double)max_opacity / (1.0 - (double)max_opacity));
	float *o = st->params.opacity;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++)
		if (o[i] > cap)
			o[i] = cap;
	if (n) {
		memset(st->m.opacity, 0, (size_t)n * sizeof(float));
		memset(st->v.opacity, 0, (size_t)n * sizeof(float));
	}
	return 0;
}
