/* Twin: kernels/cuda/cuda_train_ops.cu · math: sgs_math_optim.h · test: tests/unit/test_backend_ops.c (rows adam, update_max_radii, reset_opacity) */
/* The CPU backend's elementwise training operations: Adam, the
 * screen-radius maximum, the opacity reset.  Each element depends on its
 * own inputs only, so the results do not depend on the thread count. */
#include <math.h>
#include <string.h>

#include "cpu_train_internal.h"
#include "sgs_error.h"
#include "sgs_math_optim.h"
#include "sgs_train_host.h"

int cpu_adam(float *p, const float *g, float *m, float *v, size_t count,
	     const struct sgs_adam_hp *hp)
{
	struct sgs_adam_consts c;
	if (sgs_adam_prepare(p, g, m, v, count, hp, &c))
		return -1;
	const float sqrt_bc2 = c.sqrt_bc2, step_first = c.step_first, step_rest = c.step_rest;
	const size_t period = hp->period, nfirst = hp->nfirst;
	const float b1 = hp->beta1, b2 = hp->beta2, eps = hp->eps;

#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < count; i++) {
		float step = period == 0 || i % period < nfirst ? step_first : step_rest;
		sgs_adam_update(p + i, g[i], m + i, v + i, step, sqrt_bc2, b1, b2, eps);
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
