/* Twin: kernels/cuda/cuda_mvs.cu · math: sgs_math_mvs.h · test: tests/unit/test_backend_ops.c (rows mvs_cost, mvs_cost_planes), tests/unit/test_mvs.c */
/* The CPU's plane-sweep matching cost: one homography per hypothesis, then
 * every (hypothesis, row) pair independently under OpenMP, so the result
 * does not depend on the thread count; the per-pixel-plane variant builds
 * each pixel's homography from its own plane. */
#include "cpu_internal.h"
#include "sgs_math_mvs.h"

int cpu_mvs_cost(const struct sgs_mvs_pair *p, const float *depths, int ndepths, float *cost)
{
	if (sgs_check_mvs_inputs(p, depths, NULL, ndepths, cost))
		return -1;
	float H[SGS_MVS_MAX_DEPTHS][9];
	for (int k = 0; k < ndepths; k++)
		sgs_mvs_plane_homography(p->ref_K, p->src_K, p->R, p->t, depths[k], H[k]);
	const struct sgs_mvs_window win =
		sgs_mvs_window_of(p->radius, p->sigma_color, p->sigma_space);
	const int w = p->ref_w, h = p->ref_h;
	const long rows = (long)ndepths * h;
#pragma omp parallel for schedule(dynamic, 4)
	for (long kr = 0; kr < rows; kr++) {
		const int k = (int)(kr / h), y = (int)(kr % h);
		float *out = cost + ((size_t)k * h + y) * w;
		for (int x = 0; x < w; x++)
			out[x] = sgs_mvs_ncc_cost(p->ref, w, h, p->src, p->src_w, p->src_h, H[k], x,
						  y, win);
	}
	return 0;
}

int cpu_mvs_cost_planes(const struct sgs_mvs_pair *p, const float *planes, int nplanes,
			float *cost)
{
	if (sgs_check_mvs_inputs(p, NULL, planes, nplanes, cost))
		return -1;
	const struct sgs_mvs_window win =
		sgs_mvs_window_of(p->radius, p->sigma_color, p->sigma_space);
	const int w = p->ref_w, h = p->ref_h;
	const long rows = (long)nplanes * h;
#pragma omp parallel for schedule(dynamic, 4)
	for (long kr = 0; kr < rows; kr++) {
		const size_t row = (size_t)kr * w;
		const int y = (int)(kr % h);
		for (int x = 0; x < w; x++)
			cost[row + x] = sgs_mvs_plane_cost(p->ref, w, h, p->src, p->src_w, p->src_h,
							   p->ref_K, p->src_K, p->R, p->t,
							   planes + 4 * (row + x), x, y, win);
	}
	return 0;
}
