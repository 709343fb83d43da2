/* Twin: kernels/cuda/cuda_train_depth.cu · math: sgs_math_depth.h · test: tests/unit/test_train_ops.c, test_backend_ops.c (row loss_depth_pearson) */
/* Depth losses against a prior on the CPU.  The moments are summed per
 * block of pixels of a fixed size in double and the blocks added in
 * order, so the result does not depend on the thread count. */
#include <stdlib.h>
#include <string.h>

#include "cpu_train_internal.h"
#include "sgs_error.h"
#include "sgs_math_depth.h"

#define DEPTH_BLOCK 4096

int cpu_loss_depth_pearson(const float *depth, const float *prior, const float *conf, size_t n,
			   float weight, float *ddepth, double *value)
{
	if (n && (!depth || !prior || !conf || !ddepth || !value))
		return sgs_error_set("depth loss: missing buffer");
	const long nb = (long)((n + DEPTH_BLOCK - 1) / DEPTH_BLOCK);
	double (*part)[SGS_DEPTH_MOMENTS] = calloc(nb ? (size_t)nb : 1, sizeof *part);
	if (!part)
		return sgs_error_set("depth loss: out of memory for %ld blocks", nb);
#pragma omp parallel for schedule(static)
	for (long b = 0; b < nb; b++) {
		size_t end = (size_t)(b + 1) * DEPTH_BLOCK < n ? (size_t)(b + 1) * DEPTH_BLOCK : n;
		for (size_t i = (size_t)b * DEPTH_BLOCK; i < end; i++) {
			double c = sgs_depth_weight(prior[i], conf[i]);
			if (c > 0.0)
				sgs_depth_moments_add(part[b], depth[i], prior[i], c);
		}
	}
	double m[SGS_DEPTH_MOMENTS] = {0};
	for (long b = 0; b < nb; b++)
		for (int k = 0; k < SGS_DEPTH_MOMENTS; k++)
			m[k] += part[b][k];
	free(part);
	const struct sgs_pearson p = sgs_pearson_of(m);
	*value = 1.0 - p.r;
	if (!p.ok)
		return 0;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < (long)n; i++)
		ddepth[i] += weight * sgs_pearson_grad(&p, depth[i], prior[i],
						       sgs_depth_weight(prior[i], conf[i]));
	return 0;
}
