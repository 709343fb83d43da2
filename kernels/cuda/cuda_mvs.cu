/* Twin: kernels/cpu/cpu_mvs.c · math: sgs_math_mvs.h · test: tests/unit/test_backend_ops.c (rows mvs_cost, mvs_cost_planes) */
/* The CUDA plane-sweep matching cost: one thread per (pixel, hypothesis),
 * 16x16 pixel blocks, the hypotheses along the grid's z.  The homographies
 * are computed on the host (as the CPU does) and passed by value, so both
 * backends warp with the same matrices.  The per-pixel-plane variant reads
 * each thread's plane and builds its homography on the device. */
#include <string.h>

#include "cuda_internal.h"
#include "sgs_math_mvs.h"

#define MVS_BLOCK 16

struct mvs_homographies {
	float H[SGS_MVS_MAX_DEPTHS][9];
};

static __global__ void __launch_bounds__(MVS_BLOCK * MVS_BLOCK)
mvs_cost_kernel(const float *ref, int w, int h, const float *src, int sw, int sh,
		const struct mvs_homographies hs, struct sgs_mvs_window win, float *cost)
{
	const int x = blockIdx.x * MVS_BLOCK + threadIdx.x;
	const int y = blockIdx.y * MVS_BLOCK + threadIdx.y;
	const int k = blockIdx.z;
	if (x >= w || y >= h)
		return;
	cost[((size_t)k * h + y) * w + x] =
		sgs_mvs_ncc_cost(ref, w, h, src, sw, sh, hs.H[k], x, y, win);
}

int cuda_mvs_cost(const struct sgs_mvs_pair *p, const float *depths, int ndepths, float *cost)
{
	if (sgs_check_mvs_inputs(p, depths, NULL, ndepths, cost))
		return -1;
	struct mvs_homographies hs;
	for (int k = 0; k < ndepths; k++)
		sgs_mvs_plane_homography(p->ref_K, p->src_K, p->R, p->t, depths[k], hs.H[k]);
	const struct sgs_mvs_window win =
		sgs_mvs_window_of(p->radius, p->sigma_color, p->sigma_space);
	const dim3 block(MVS_BLOCK, MVS_BLOCK, 1);
	const dim3 grid((unsigned)((p->ref_w + MVS_BLOCK - 1) / MVS_BLOCK),
			(unsigned)((p->ref_h + MVS_BLOCK - 1) / MVS_BLOCK), (unsigned)ndepths);
	mvs_cost_kernel<<<grid, block>>>(p->ref, p->ref_w, p->ref_h, p->src, p->src_w, p->src_h,
					 hs, win, cost);
	CUDA_TRY_LAUNCH("mvs_cost_kernel");
	return 0;
}

struct mvs_geometry {
	float Kr[4], Ks[4], R[9], t[3];
};

static __global__ void __launch_bounds__(MVS_BLOCK * MVS_BLOCK)
mvs_cost_planes_kernel(const float *ref, int w, int h, const float *src, int sw, int sh,
		       const struct mvs_geometry g, const float *planes,
		       struct sgs_mvs_window win, float *cost)
{
	const int x = blockIdx.x * MVS_BLOCK + threadIdx.x;
	const int y = blockIdx.y * MVS_BLOCK + threadIdx.y;
	const size_t i = ((size_t)blockIdx.z * h + y) * w + x;
	if (x >= w || y >= h)
		return;
	float plane[4];
	for (int k = 0; k < 4; k++)
		plane[k] = planes[4 * i + k];
	cost[i] = sgs_mvs_plane_cost(ref, w, h, src, sw, sh, g.Kr, g.Ks, g.R, g.t, plane, x, y,
				     win);
}

int cuda_mvs_cost_planes(const struct sgs_mvs_pair *p, const float *planes, int nplanes,
			 float *cost)
{
	if (sgs_check_mvs_inputs(p, NULL, planes, nplanes, cost))
		return -1;
	struct mvs_geometry g;
	memcpy(g.Kr, p->ref_K, sizeof g.Kr);
	memcpy(g.Ks, p->src_K, sizeof g.Ks);
	memcpy(g.R, p->R, sizeof g.R);
	memcpy(g.t, p->t, sizeof g.t);
	const struct sgs_mvs_window win =
		sgs_mvs_window_of(p->radius, p->sigma_color, p->sigma_space);
	const dim3 block(MVS_BLOCK, MVS_BLOCK, 1);
	const dim3 grid((unsigned)((p->ref_w + MVS_BLOCK - 1) / MVS_BLOCK),
			(unsigned)((p->ref_h + MVS_BLOCK - 1) / MVS_BLOCK), (unsigned)nplanes);
	mvs_cost_planes_kernel<<<grid, block>>>(p->ref, p->ref_w, p->ref_h, p->src, p->src_w,
						p->src_h, g, planes, win, cost);
	CUDA_TRY_LAUNCH("mvs_cost_planes_kernel");
	return 0;
}
