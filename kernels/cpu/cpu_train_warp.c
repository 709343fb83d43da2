/* Twin: kernels/cuda/cuda_train_warp.cu · math: sgs_math_warp.h · test: tests/unit/test_train_warp.c, test_backend_ops.c (row loss_warp) */
/* Warp consistency on the CPU: rows in parallel, each row's sums and
 * gradients in pixel order, the rows' sums added in order, so neither
 * the value nor a gradient depends on the thread count. */
#include <stdlib.h>

#include "cpu_train_internal.h"
#include "sgs_error.h"
#include "sgs_math_warp.h"
#include "sgs_train_host.h"

int cpu_loss_warp(const float *virt, const float *depth, const float *gt,
		  const struct sgs_warp_params *p, float *dvirt, float *ddepth, double *value,
		  double *valid)
{
	if (sgs_warp_check(virt, depth, gt, p, dvirt, value) != 0)
		return -1;
	*value = 0.0;
	if (valid)
		*valid = 0.0;
	if (p->w == 0 || p->h == 0)
		return 0;
	double (*part)[2] = malloc((size_t)p->h * sizeof *part);
	if (!part)
		return sgs_error_set("warp consistency loss: out of memory for %d rows", p->h);
#pragma omp parallel for schedule(static)
	for (int y = 0; y < p->h; y++)
		sgs_warp_row_sum(virt, depth, gt, p, y, part[y]);
	double n = 0.0, s = 0.0;
	for (int y = 0; y < p->h; y++)
		n += part[y][0], s += part[y][1];
	free(part);
	const float scale = n > 0.0 ? (float)(p->weight / (3.0 * n)) : 0.0f;
	/* dvirt is written even with no pixel taking part: the caller's
	 * backward reads it */
#pragma omp parallel for schedule(static)
	for (int y = 0; y < p->h; y++)
		sgs_warp_row_grad(virt, depth, gt, p, y, scale, dvirt, n > 0.0 ? ddepth : NULL);
	if (n > 0.0)
		*value = s / (3.0 * n);
	if (valid)
		*valid = n;
	return 0;
}
