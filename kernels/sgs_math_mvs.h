/* Plane-sweep stereo math shared by both backends (the mvs_cost operation):
 * the homography a fronto-parallel plane of the reference camera induces
 * in a source camera, bilinear sampling with pixel centres at +0.5, and
 * the (optionally bilateral-weighted) normalised cross-correlation of a
 * reference window against its warped image in the source view. */
#ifndef SGS_MATH_MVS_H
#define SGS_MATH_MVS_H

#include "sgs_math_common.h"

/* Cost of a hypothesis that cannot be scored (the warped window leaves the
 * source image, lies behind it, or the reference window is flat): the
 * cost of a perfectly anti-correlated match, so aggregation ranks it last. */
#define SGS_MVS_COST_INVALID 2.0f
/* Grey-level variance (images in [0,1]) below which a window counts as
 * flat: standard deviation 0.01, about 2.5 of 255 levels. */
#define SGS_MVS_FLAT_VAR 1e-4f

/* The plane z_ref = depth maps reference pixel coordinate (u, v) to source
 * pixel coordinate through H (row-major, defined up to scale):
 *   X_ref = depth Kr^-1 (u, v, 1),  X_src = R X_ref + t
 *   => X_src = (depth R Kr^-1 + t e3^T) (u, v, 1),  H = Ks (depth R Kr^-1 + t e3^T)
 * (e3^T (u, v, 1) = 1 is what lets t join the matrix).  K = fx fy cx cy;
 * R, t take reference-camera points to source-camera points. */
static inline SGS_HD void sgs_mvs_plane_homography(const float Kr[4], const float Ks[4],
						   const float R[9], const float t[3], float depth,
						   float H[9])
{
	float M[9];
	const float ifx = 1.0f / Kr[0], ify = 1.0f / Kr[1];
	for (int i = 0; i < 3; i++) {
		const float a = depth * R[3 * i], b = depth * R[3 * i + 1], c = depth * R[3 * i + 2];
		M[3 * i] = a * ifx;
		M[3 * i + 1] = b * ify;
		M[3 * i + 2] = c - a * ifx * Kr[2] - b * ify * Kr[3] + t[i];
	}
	for (int j = 0; j < 3; j++) {
		H[j] = Ks[0] * M[j] + Ks[2] * M[6 + j];
		H[3 + j] = Ks[1] * M[3 + j] + Ks[3] * M[6 + j];
		H[6 + j] = M[6 + j];
	}
}

/* The same for any plane n . X_ref = c of the reference camera (c != 0):
 * X_ref = lambda Kr^-1 q with lambda = c / (n . Kr^-1 q), so
 *   X_src = lambda (R Kr^-1 q + t (n . Kr^-1 q) / c),  H = Ks (R + t n^T / c) Kr^-1
 * (up to scale; with n = e3, c = depth it is the fronto-parallel case).
 * Valid for window pixels whose ray meets the plane in front (lambda > 0). */
static inline SGS_HD void sgs_mvs_slanted_homography(const float Kr[4], const float Ks[4],
						     const float R[9], const float t[3],
						     const float plane[4], float H[9])
{
	float M[9];
	const float ic = 1.0f / plane[3], ifx = 1.0f / Kr[0], ify = 1.0f / Kr[1];
	for (int i = 0; i < 3; i++) {
		const float a = R[3 * i] + t[i] * plane[0] * ic;
		const float b = R[3 * i + 1] + t[i] * plane[1] * ic;
		const float c = R[3 * i + 2] + t[i] * plane[2] * ic;
		M[3 * i] = a * ifx;
		M[3 * i + 1] = b * ify;
		M[3 * i + 2] = c - a * ifx * Kr[2] - b * ify * Kr[3];
	}
	for (int j = 0; j < 3; j++) {
		H[j] = Ks[0] * M[j] + Ks[2] * M[6 + j];
		H[3 + j] = Ks[1] * M[3 + j] + Ks[3] * M[6 + j];
		H[6 + j] = M[6 + j];
	}
}

/* Depth (camera z) where the plane n . X = c meets the ray of reference
 * pixel coordinate (u, v); 0 when it does not meet it in front. */
static inline SGS_HD float sgs_mvs_plane_depth(const float K[4], const float plane[4], float u,
					       float v)
{
	const float den = plane[0] * (u - K[2]) / K[0] + plane[1] * (v - K[3]) / K[1] + plane[2];
	const float z = plane[3] / den;
	return den != 0.0f && z > 0.0f ? z : 0.0f;
}

/* Source pixel coordinate of reference coordinate (u, v); 0 when the
 * plane point is not in front of the source camera. */
static inline SGS_HD int sgs_mvs_warp(const float H[9], float u, float v, float *us, float *vs)
{
	const float z = H[6] * u + H[7] * v + H[8];
	if (!(z > 1e-6f))
		return 0;
	const float iz = 1.0f / z;
	*us = (H[0] * u + H[1] * v + H[2]) * iz;
	*vs = (H[3] * u + H[4] * v + H[5]) * iz;
	return 1;
}

/* Bilinear sample of a w x h grey image at pixel coordinate (u, v), pixel
 * (x, y) having its centre at (x + 0.5, y + 0.5); the outer half pixel
 * repeats the edge.  0 when (u, v) is outside [0, w] x [0, h]. */
static inline SGS_HD int sgs_mvs_sample(const float *img, int w, int h, float u, float v,
					float *out)
{
	if (!(u >= 0.0f && u <= (float)w && v >= 0.0f && v <= (float)h))
		return 0;
	const float x = u - 0.5f, y = v - 0.5f;
	const float fx0 = floorf(x), fy0 = floorf(y);
	const float ax = x - fx0, ay = y - fy0;
	int x0 = (int)fx0, y0 = (int)fy0, x1 = x0 + 1, y1 = y0 + 1;
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > w - 1 ? w - 1 : x1;
	y1 = y1 > h - 1 ? h - 1 : y1;
	const float top = img[y0 * w + x0] + ax * (img[y0 * w + x1] - img[y0 * w + x0]);
	const float bot = img[y1 * w + x0] + ax * (img[y1 * w + x1] - img[y1 * w + x0]);
	*out = top + ay * (bot - top);
	return 1;
}

/* The window and weighting of one matching cost. */
struct sgs_mvs_window {
	int radius;       /* (2 radius + 1)^2 pixels */
	float inv2_color; /* bilateral: 1 / (2 sigma_color^2) on grey levels; 0: off */
	float inv2_space; /* bilateral: 1 / (2 sigma_space^2) on pixels; 0: off */
};

/* The window of a pair's options (sigmas <= 0 leave their factor out). */
static inline SGS_HD struct sgs_mvs_window sgs_mvs_window_of(int radius, float sigma_color,
							     float sigma_space)
{
	struct sgs_mvs_window win;
	win.radius = radius;
	win.inv2_color = sigma_color > 0.0f ? 0.5f / (sigma_color * sigma_color) : 0.0f;
	win.inv2_space = sigma_space > 0.0f ? 0.5f / (sigma_space * sigma_space) : 0.0f;
	return win;
}

/* Weighted NCC from the window sums (values centred on the reference's
 * centre pixel, so the sums stay small and the float differences exact
 * enough).  Returns 1 - NCC in [0, 2], or SGS_MVS_COST_INVALID for a
 * flat reference window; a flat source window scores 1 (no correlation). */
static inline SGS_HD float sgs_mvs_ncc_from_sums(float sw, float sr, float ss, float srr,
						 float sss, float srs)
{
	const float iw = 1.0f / sw;
	const float mr = sr * iw, ms = ss * iw;
	const float vr = srr * iw - mr * mr, vs = sss * iw - ms * ms;
	if (!(vr > SGS_MVS_FLAT_VAR))
		return SGS_MVS_COST_INVALID;
	if (!(vs > SGS_MVS_FLAT_VAR))
		return 1.0f;
	const float ncc = (srs * iw - mr * ms) / sqrtf(vr * vs);
	return sgs_clampf(1.0f - ncc, 0.0f, 2.0f);
}

/* 1 - NCC between the window of reference pixel (x, y) (clipped at the
 * reference's borders) and the source image sampled where H takes each
 * window pixel's centre; SGS_MVS_COST_INVALID when any window pixel
 * warps outside the source or behind its camera. */
static inline SGS_HD float sgs_mvs_ncc_cost(const float *ref, int w, int h, const float *src,
					    int sw_, int sh_, const float H[9], int x, int y,
					    struct sgs_mvs_window win)
{
	const float rc = ref[y * w + x];
	float sw = 0.0f, sr = 0.0f, ss = 0.0f, srr = 0.0f, sss = 0.0f, srs = 0.0f;
	for (int j = -win.radius; j <= win.radius; j++) {
		const int yy = y + j;
		if (yy < 0 || yy >= h)
			continue;
		for (int i = -win.radius; i <= win.radius; i++) {
			const int xx = x + i;
			if (xx < 0 || xx >= w)
				continue;
			float us, vs, s;
			if (!sgs_mvs_warp(H, (float)xx + 0.5f, (float)yy + 0.5f, &us, &vs) ||
			    !sgs_mvs_sample(src, sw_, sh_, us, vs, &s))
				return SGS_MVS_COST_INVALID;
			const float r = ref[yy * w + xx] - rc;
			s -= rc;
			float wt = 1.0f;
			if (win.inv2_color > 0.0f || win.inv2_space > 0.0f)
				wt = expf(-r * r * win.inv2_color -
					  (float)(i * i + j * j) * win.inv2_space);
			sw += wt;
			sr += wt * r;
			ss += wt * s;
			srr += wt * r * r;
			sss += wt * s * s;
			srs += wt * r * s;
		}
	}
	return sgs_mvs_ncc_from_sums(sw, sr, ss, srr, sss, srs);
}

/* The cost of reference pixel (x, y) for its own candidate plane
 * (mvs_cost_planes): the slanted homography, then the window NCC. */
static inline SGS_HD float sgs_mvs_plane_cost(const float *ref, int w, int h, const float *src,
					      int sw_, int sh_, const float Kr[4],
					      const float Ks[4], const float R[9], const float t[3],
					      const float plane[4], int x, int y,
					      struct sgs_mvs_window win)
{
	float H[9];
	if (!(sgs_mvs_plane_depth(Kr, plane, (float)x + 0.5f, (float)y + 0.5f) > 0.0f))
		return SGS_MVS_COST_INVALID;
	sgs_mvs_slanted_homography(Kr, Ks, R, t, plane, H);
	return sgs_mvs_ncc_cost(ref, w, h, src, sw_, sh_, H, x, y, win);
}

#endif
