/* Twin: kernels/cuda/cuda_train_reg.cu · math: sgs_math_reg.h · test: tests/unit/test_train_reg.c, test_backend_ops.c (rows decay_opacity, reg_scale, add_scaled) */
/* The sparse-view regularisers on the CPU: opacity decay and the scale
 * regularisers against needles.  The value is summed in double per block
 * of a fixed size and the blocks added in order, so it does not depend
 * on the thread count; each gradient element depends on its own
 * Gaussian only. */
#include <stdlib.h>

#include "cpu_train_internal.h"
#include "sgs_error.h"
#include "sgs_math_reg.h"
#include "sgs_train_host.h"

#define REG_BLOCK 4096

int cpu_decay_opacity(struct sgs_train_state *st, float factor)
{
	if (sgs_decay_check(st, factor))
		return -1;
	const long n = st->params.n;
	float *o = st->params.opacity;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++)
		o[i] = sgs_decay_logit(o[i], factor);
	return 0;
}

int cpu_reg_scale(struct sgs_train_state *st, const struct sgs_scale_reg *p, double *value)
{
	if (sgs_scale_reg_check(st, p, value))
		return -1;
	const long n = st->params.n;
	*value = 0.0;
	if (n == 0)
		return 0;
	const long nb = (n + REG_BLOCK - 1) / REG_BLOCK;
	double *part = malloc((size_t)nb * sizeof *part);
	if (!part)
		return sgs_error_set("reg_scale: out of memory for %ld blocks", nb);
	const float inv_n = 1.0f / (float)n;
	const float *ls = st->params.log_scales;
	float *dls = st->grads.log_scales;
#pragma omp parallel for schedule(static)
	for (long b = 0; b < nb; b++) {
		double s = 0.0;
		const long end = (b + 1) * REG_BLOCK < n ? (b + 1) * REG_BLOCK : n;
		for (long i = b * REG_BLOCK; i < end; i++)
			s += sgs_scale_reg_one(ls + 3 * i, p, inv_n, dls + 3 * i);
		part[b] = s;
	}
	double sum = 0.0;
	for (long b = 0; b < nb; b++)
		sum += part[b];
	free(part);
	*value = sum / (double)n;
	return 0;
}

int cpu_add_scaled(float *y, const float *x, size_t count, float a)
{
	if (count && (!y || !x))
		return sgs_error_set("add_scaled: missing buffer");
	const long n = (long)count;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++)
		y[i] = sgs_add_scaled_one(y[i], x[i], a);
	return 0;
}
