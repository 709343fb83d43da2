/* Warp consistency from a virtual binocular view (loss_warp; Binocular3DGS,
 * Han et al. 2024, its self-supervised consistency without the learned
 * matcher), one image row at a time, shared by the CPU and CUDA backends.
 *
 * The virtual camera is the train camera moved by b along its own x axis
 * (same rotation and intrinsics), so a train pixel (x, y) at depth D sees
 * a point the virtual camera images at (x - disp / D, y), disp = fx b: the
 * same row, and a bilinear sample of the virtual render reduces to a
 * linear one along it.  A row's pixels scatter their gradient into the
 * same row of the virtual image only, so one thread per row writes it in
 * pixel order: no atomics, and the same bits on any thread count. */
#ifndef SGS_MATH_WARP_H
#define SGS_MATH_WARP_H

#include <math.h>

#include "sgs_math_common.h"
#include "sgs_train_ops.h"

/* Where pixel x samples its row of the virtual view: s = x - disp / depth
 * (pixel centres at +0.5 on both sides cancel), between columns *j and
 * *j + 1 with weight *a on *j + 1.  0 when the pixel takes no part: a
 * depth below min_depth (nearly transparent there; NaN too) or s outside
 * [0, w - 1]. */
static inline SGS_HD int sgs_warp_at(int x, float depth, float disp, float min_depth, int w,
				     int *j, float *a)
{
	if (!(depth >= min_depth) || w < 2)
		return 0;
	const float s = (float)x - disp / depth;
	if (!(s >= 0.0f && s <= (float)(w - 1)))
		return 0;
	int j0 = (int)s;
	if (j0 > w - 2)
		j0 = w - 2;
	*j = j0;
	*a = s - (float)j0;
	return 1;
}

/* Channel c of the warped pixel (exact at a = 0 and at a = 1: the last
 * column is sampled with a = 1). */
static inline SGS_HD float sgs_warp_sample(const float *row, int j, float a, int c)
{
	return (1.0f - a) * row[3 * j + c] + a * row[3 * (j + 1) + c];
}

static inline SGS_HD float sgs_warp_sign(float d)
{
	return d > 0.0f ? 1.0f : d < 0.0f ? -1.0f : 0.0f;
}

/* Row y's pixels taking part (sum[0]) and its sum over them and the three
 * channels of |warped - gt| (sum[1]), in pixel order. */
static inline SGS_HD void sgs_warp_row_sum(const float *virt, const float *depth, const float *gt,
					   const struct sgs_warp_params *p, int y, double sum[2])
{
	const size_t row = (size_t)y * p->w;
	sum[0] = sum[1] = 0.0;
	for (int x = 0; x < p->w; x++) {
		int j;
		float a;
		if (!sgs_warp_at(x, depth[row + x], p->disp, p->min_depth, p->w, &j, &a))
			continue;
		sum[0] += 1.0;
		for (int c = 0; c < 3; c++)
			sum[1] += fabsf(sgs_warp_sample(virt + 3 * row, j, a, c) - gt[3 * (row + x) + c]);
	}
}

/* Row y's gradients for dL/d(L1 mean) = scale (weight / (3 N)): row y of
 * dvirt written (zero first, then each pixel's two taps in pixel order)
 * and, when ddepth is not NULL, each pixel's depth gradient added
 * (ds/dD = disp / D^2). */
static inline SGS_HD void sgs_warp_row_grad(const float *virt, const float *depth, const float *gt,
					    const struct sgs_warp_params *p, int y, float scale,
					    float *dvirt, float *ddepth)
{
	const size_t row = (size_t)y * p->w;
	float *dv = dvirt + 3 * row;
	const float *v = virt + 3 * row;
	for (int k = 0; k < 3 * p->w; k++)
		dv[k] = 0.0f;
	for (int x = 0; x < p->w; x++) {
		int j;
		float a;
		const float D = depth[row + x];
		if (!sgs_warp_at(x, D, p->disp, p->min_depth, p->w, &j, &a))
			continue;
		float dd = 0.0f;
		for (int c = 0; c < 3; c++) {
			const float g = scale * sgs_warp_sign(sgs_warp_sample(v, j, a, c) -
							      gt[3 * (row + x) + c]);
			dv[3 * j + c] += (1.0f - a) * g;
			dv[3 * (j + 1) + c] += a * g;
			dd += g * (v[3 * (j + 1) + c] - v[3 * j + c]);
		}
		if (ddepth)
			ddepth[row + x] += dd * (p->disp / (D * D));
	}
}

#endif
