/* Depth losses against a prior: per-pixel pieces both backends share.
 * The rendered depth x is the expected depth sum_i z_i a_i T_i of the
 * rasterizer (not divided by alpha), y the prior, c its confidence; a
 * pixel counts where y > 0 and c > 0 (sgs_depth_weight).
 *
 * Global Pearson correlation (FSGS, SparseGS): with x the rendered
 * (expected) depth, y the prior and c the prior's confidence as weights
 * over the pixels where c > 0 and y > 0,
 *   W = sum c,  mx = sum c x / W,  my = sum c y / W,
 *   sxy = sum c (x - mx)(y - my),  sxx = sum c (x - mx)^2,  syy likewise,
 *   r = sxy / sqrt(sxx syy),  L = 1 - r,
 * and, because sum c (x - mx) = sum c (y - my) = 0,
 *   dL/dx_i = -c_i ((y_i - my) / sqrt(sxx syy) - sxy (x_i - mx) / (sxx sqrt(sxx syy))).
 * Scale and shift of either map do not change r, so a prior known only up
 * to an affine map (a monocular network's) still guides the shape. */
#ifndef SGS_MATH_DEPTH_H
#define SGS_MATH_DEPTH_H

#include <stddef.h>

#include "sgs_math_common.h"
#include "sgs_math_rng.h"

/* The weight of pixel i: its confidence where the prior is usable. */
static inline SGS_HD double sgs_depth_weight(float prior, float conf)
{
	return prior > 0.0f && conf > 0.0f && prior < 1e30f ? (double)conf : 0.0;
}

/* Weighted raw moments, summed in double: W, sum c x, sum c y, sum c x^2,
 * sum c y^2, sum c x y. */
#define SGS_DEPTH_MOMENTS 6
static inline SGS_HD void sgs_depth_moments_add(double m[SGS_DEPTH_MOMENTS], float x, float y,
						double c)
{
	m[0] += c;
	m[1] += c * x;
	m[2] += c * y;
	m[3] += c * x * x;
	m[4] += c * y * y;
	m[5] += c * x * y;
}

/* What the gradient needs from the moments. */
struct sgs_pearson {
	double mx, my, sxy, sxx, syy, norm; /* norm = sqrt(sxx syy) */
	double r;                           /* the correlation; 0 when undefined */
	int ok;                             /* both maps vary over weight > 0 */
};

static inline SGS_HD struct sgs_pearson sgs_pearson_of(const double m[SGS_DEPTH_MOMENTS])
{
	struct sgs_pearson p;
	double W = m[0];
	p.mx = W > 0.0 ? m[1] / W : 0.0;
	p.my = W > 0.0 ? m[2] / W : 0.0;
	p.sxx = W > 0.0 ? m[3] - W * p.mx * p.mx : 0.0;
	p.syy = W > 0.0 ? m[4] - W * p.my * p.my : 0.0;
	p.sxy = W > 0.0 ? m[5] - W * p.mx * p.my : 0.0;
	p.norm = p.sxx > 0.0 && p.syy > 0.0 ? sqrt(p.sxx * p.syy) : 0.0;
	/* relative to the moments, variances below rounding are no variance */
	p.ok = p.norm > 0.0 && p.sxx > 1e-12 * m[3] && p.syy > 1e-12 * m[4];
	p.r = p.ok ? p.sxy / p.norm : 0.0;
	return p;
}

/* dL/dx_i of L = 1 - r (0 where the weight is 0 or r is undefined). */
static inline SGS_HD float sgs_pearson_grad(const struct sgs_pearson *p, float x, float y, double c)
{
	if (!p->ok || c == 0.0)
		return 0.0f;
	return (float)(-c * ((y - p->my) / p->norm - p->sxy * (x - p->mx) / (p->sxx * p->norm)));
}

/* ---- patches: local Pearson and relative depth ----
 *
 * The patch terms cut the image into square patches of side S on a grid
 * shifted by (ox, oy), both uniform in [0, S) and drawn per call from
 * sgs_rng_uniform(seed, iteration, 0, draw + {0, 1}): patch (a, b) holds
 * the pixels x in [a S - ox, (a + 1) S - ox), y likewise, cut to the
 * image.  Every pixel lies in exactly one patch, so gradients never
 * collide, and over the iterations the patch borders fall everywhere.  A
 * patch counts when at least a quarter of a full patch (min(S, w) x
 * min(S, h), and at least 3) of its pixels have weight and both maps
 * vary there; the loss is the mean of the counted patches' losses (0, no
 * gradient, when none counts).
 *
 * Local Pearson (FSGS, SparseGS): L_p = 1 - r_p, r_p the weighted
 * correlation over the patch's pixels (as above, per patch).
 *
 * Relative depth (RDG-GS's relative depth guidance): each map normalised
 * per patch, u = (x - mx) / sx, v = (y - my) / sy with the weighted
 * standard deviations sx^2 = sxx / W, sy^2 = syy / W, and
 *   L_p = sum c |u - v| / W.
 * (The squared version is 2 (1 - r_p), the local Pearson term, so the
 * L1 one is the other term.)  With g_i = c_i sign(u_i - v_i) / W,
 * G0 = sum g, G1 = sum g u (sum c (x - mx) = 0 and d sx / dx_j =
 * c_j u_j / W):
 *   dL_p/dx_j = (g_j - c_j (G0 + u_j G1) / W) / sx. */

#define SGS_DEPTH_PATCH_MOMENTS 7 /* the 6 moments and the pixel count */
#define SGS_DEPTH_DRAW_PATCH 256u    /* the local Pearson grid's draws (2) */
#define SGS_DEPTH_DRAW_RELATIVE 258u /* the relative term's (2) */
#define SGS_DEPTH_DRAW_RANK 260u     /* the ranking shifts' (index: the shift) */

static inline SGS_HD void sgs_depth_patch_moments_add(double m[SGS_DEPTH_PATCH_MOMENTS], float x,
						      float y, double c)
{
	sgs_depth_moments_add(m, x, y, c);
	m[6] += 1.0;
}

/* A shifted grid of patches over a w x h image. */
struct sgs_depth_grid {
	int w, h, size, ox, oy, nx, ny;
	double need; /* weighted pixels a patch needs to count */
};

static inline SGS_HD int sgs_depth_shift_of(float u, int n)
{
	int k = (int)(u * (float)n);
	return k < 0 ? 0 : k >= n ? n - 1 : k;
}

static inline SGS_HD struct sgs_depth_grid sgs_depth_grid_of(int w, int h, int size, uint64_t seed,
							     uint32_t iteration, uint32_t draw)
{
	struct sgs_depth_grid g;
	g.w = w;
	g.h = h;
	g.size = size;
	g.ox = sgs_depth_shift_of(sgs_rng_uniform(seed, iteration, 0, draw), size);
	g.oy = sgs_depth_shift_of(sgs_rng_uniform(seed, iteration, 0, draw + 1u), size);
	g.nx = (w + g.ox + size - 1) / size;
	g.ny = (h + g.oy + size - 1) / size;
	const double full = (double)(size < w ? size : w) * (double)(size < h ? size : h);
	g.need = full / 4.0 > 3.0 ? ceil(full / 4.0) : 3.0;
	return g;
}

/* Patch k's pixels [x0, x1) x [y0, y1). */
static inline SGS_HD void sgs_depth_patch_rect(const struct sgs_depth_grid *g, int k, int *x0,
					       int *y0, int *x1, int *y1)
{
	const int a = k % g->nx, b = k / g->nx;
	const int xa = a * g->size - g->ox, ya = b * g->size - g->oy;
	*x0 = xa < 0 ? 0 : xa;
	*y0 = ya < 0 ? 0 : ya;
	*x1 = xa + g->size < g->w ? xa + g->size : g->w;
	*y1 = ya + g->size < g->h ? ya + g->size : g->h;
}

/* What one patch contributes: the Pearson pieces, the relative term's
 * normalisation and sums, its loss and whether it counts. */
struct sgs_depth_patch_stat {
	struct sgs_pearson p;
	double W, sx, sy;  /* weight, standard deviations (relative) */
	double g0, g1;     /* G0, G1 (relative) */
	double value;      /* L_p */
	int counted;
};

/* From the patch's moments; the relative term still needs its sums. */
static inline SGS_HD struct sgs_depth_patch_stat
sgs_depth_patch_stat_of(const double m[SGS_DEPTH_PATCH_MOMENTS], double need)
{
	struct sgs_depth_patch_stat s;
	s.p = sgs_pearson_of(m);
	s.W = m[0];
	s.counted = s.p.ok && m[6] >= need;
	s.sx = s.counted ? sqrt(s.p.sxx / s.W) : 0.0;
	s.sy = s.counted ? sqrt(s.p.syy / s.W) : 0.0;
	s.g0 = s.g1 = 0.0;
	s.value = s.counted ? 1.0 - s.p.r : 0.0;
	return s;
}

/* Relative term, pixel i's part of the second pass: r[0] += c |u - v|,
 * r[1] += g (G0), r[2] += g u (G1), all before the division by W. */
#define SGS_DEPTH_REL_SUMS 3
static inline SGS_HD void sgs_depth_relative_add(const struct sgs_depth_patch_stat *s, float x,
						 float y, double c, double r[SGS_DEPTH_REL_SUMS])
{
	if (c == 0.0)
		return;
	const double u = (x - s->p.mx) / s->sx, v = (y - s->p.my) / s->sy, d = u - v;
	const double sg = d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : 0.0;
	r[0] += c * fabs(d);
	r[1] += c * sg;
	r[2] += c * sg * u;
}

/* ... and the patch's loss and G0, G1 from those sums. */
static inline SGS_HD void sgs_depth_relative_finish(struct sgs_depth_patch_stat *s,
						    const double r[SGS_DEPTH_REL_SUMS])
{
	if (!s->counted)
		return;
	s->value = r[0] / s->W;
	s->g0 = r[1] / s->W;
	s->g1 = r[2] / s->W;
}

/* dL_p/dx of pixel i (0 where it has no weight or the patch does not
 * count); relative selects the term. */
static inline SGS_HD double sgs_depth_patch_grad(const struct sgs_depth_patch_stat *s,
						 int relative, float x, float y, double c)
{
	if (!s->counted || c == 0.0)
		return 0.0;
	const struct sgs_pearson *p = &s->p;
	if (!relative)
		return -c * ((y - p->my) / p->norm - p->sxy * (x - p->mx) / (p->sxx * p->norm));
	const double u = (x - p->mx) / s->sx, v = (y - p->my) / s->sy, d = u - v;
	const double g = c * (d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : 0.0) / s->W;
	return (g - c * (s->g0 + u * s->g1) / s->W) / s->sx;
}

/* ---- pixel pairs: ranking, continuity, edge-aware smoothness ----
 *
 * These terms are sums over pairs of pixels (a, b = a + (dx, dy)) for a
 * few shifts (dx, dy), every pixel a of the image being the first pixel
 * once per shift; each pair has a weight w_ab and a loss l_ab, and
 *   L = sum w l / sum w  (0 when no pair has weight).
 * A pixel's gradient gathers the pairs it is the first pixel of and the
 * pairs it is the second pixel of (the first pixel at its position minus
 * the shift), so every pixel is written once.
 *
 * Ranking (SparseNeRF's depth ranking): shifts drawn per call, uniform
 * over the (2R+1)^2 - 1 nonzero shifts of a window of radius R, shift k
 * from sgs_rng_uniform(seed, iteration, k, SGS_DEPTH_DRAW_RANK).  A pair
 * with both pixels weighted is ordered when the prior
 * puts one pixel (n, the near one) in front of the other (f) by more
 * than the relative tolerance t: y_n (1 + t) < y_f.  Then
 *   w = min(c_a, c_b),  l = max(0, x_n - x_f + m x_n),
 * m a relative margin (the depths' scale is the scene's, so a margin in
 * depth units would not carry from one scene to another).
 *
 * Continuity (SparseNeRF's spatial continuity): the right and lower
 * neighbours; a pair whose priors agree within the tolerance,
 * |y_a - y_b| <= t min(y_a, y_b), has w = min(c_a, c_b), l = |x_a - x_b|.
 *
 * Edge-aware smoothness (Monodepth's disparity smoothness on the
 * rendered depth): the right and lower neighbours,
 *   l = |x_a - x_b| exp(-gamma |I_a - I_b|),
 * |I_a - I_b| the mean absolute difference of the ground-truth image's
 * three channels (no gradient to I), w = min(c_a, c_b) with a
 * confidence map, else 1. */

#define SGS_DEPTH_MAX_SHIFTS 8
enum { SGS_DEPTH_PAIRS_RANK, SGS_DEPTH_PAIRS_CONTINUITY, SGS_DEPTH_PAIRS_SMOOTH };

struct sgs_depth_pairs {
	int mode, w, h, nshift;
	int dx[SGS_DEPTH_MAX_SHIFTS], dy[SGS_DEPTH_MAX_SHIFTS];
	float tol, margin, gamma;
};

/* Shift k of the ranking window of radius R. */
static inline SGS_HD void sgs_depth_rank_shift(uint64_t seed, uint32_t iteration, int k, int radius,
					       int *dx, int *dy)
{
	const int side = 2 * radius + 1;
	int j = sgs_depth_shift_of(sgs_rng_uniform(seed, iteration, (uint64_t)k, SGS_DEPTH_DRAW_RANK),
				   side * side - 1);
	if (j >= (side * side - 1) / 2)
		j++; /* skip the centre */
	*dx = j % side - radius;
	*dy = j / side - radius;
}

/* One pair's weight, loss and derivatives of the loss by x_a and x_b. */
struct sgs_depth_pair {
	double w, l, ga, gb;
};

static inline SGS_HD double sgs_signd(double v) { return v > 0.0 ? 1.0 : v < 0.0 ? -1.0 : 0.0; }

/* The pair of first pixel (x, y) and shift k; weight 0 when the second
 * pixel is outside the image or the pair does not take part.  conf may
 * be NULL for the smoothness (weight 1); prior and conf are not read
 * there, img (w h 3 interleaved) only there. */
static inline SGS_HD struct sgs_depth_pair
sgs_depth_pair_at(const struct sgs_depth_pairs *P, const float *depth, const float *prior,
		  const float *conf, const float *img, int x, int y, int k)
{
	struct sgs_depth_pair r;
	r.w = r.l = r.ga = r.gb = 0.0;
	const int xb = x + P->dx[k], yb = y + P->dy[k];
	if (x < 0 || y < 0 || x >= P->w || y >= P->h || xb < 0 || yb < 0 || xb >= P->w ||
	    yb >= P->h)
		return r;
	const size_t a = (size_t)y * P->w + x, b = (size_t)yb * P->w + xb;
	const double xa = depth[a], xbv = depth[b];
	if (P->mode == SGS_DEPTH_PAIRS_SMOOTH) {
		double wt = 1.0;
		if (conf)
			wt = conf[a] < conf[b] ? conf[a] : conf[b];
		if (!(wt > 0.0))
			return r;
		const double di = (fabs((double)img[3 * a] - img[3 * b]) +
				   fabs((double)img[3 * a + 1] - img[3 * b + 1]) +
				   fabs((double)img[3 * a + 2] - img[3 * b + 2])) / 3.0;
		const double e = exp(-(double)P->gamma * di), s = sgs_signd(xa - xbv);
		r.w = wt;
		r.l = e * fabs(xa - xbv);
		r.ga = e * s;
		r.gb = -e * s;
		return r;
	}
	const double ca = sgs_depth_weight(prior[a], conf[a]), cb = sgs_depth_weight(prior[b], conf[b]);
	if (ca == 0.0 || cb == 0.0)
		return r;
	const double ya = prior[a], yb2 = prior[b], wt = ca < cb ? ca : cb;
	if (P->mode == SGS_DEPTH_PAIRS_CONTINUITY) {
		if (!(fabs(ya - yb2) <= (double)P->tol * (ya < yb2 ? ya : yb2)))
			return r;
		const double s = sgs_signd(xa - xbv);
		r.w = wt;
		r.l = fabs(xa - xbv);
		r.ga = s;
		r.gb = -s;
		return r;
	}
	/* ranking */
	const double t1 = 1.0 + (double)P->tol, m1 = 1.0 + (double)P->margin;
	int a_near;
	if (ya * t1 < yb2)
		a_near = 1;
	else if (yb2 * t1 < ya)
		a_near = 0;
	else
		return r;
	const double xn = a_near ? xa : xbv, xf = a_near ? xbv : xa, hinge = m1 * xn - xf;
	r.w = wt;
	if (hinge > 0.0) {
		r.l = hinge;
		r.ga = a_near ? m1 : -1.0;
		r.gb = a_near ? -1.0 : m1;
	}
	return r;
}

/* dL/dx (before the division by sum w) of pixel (x, y): the pairs it is
 * the first and the second pixel of. */
static inline SGS_HD double sgs_depth_pairs_grad(const struct sgs_depth_pairs *P, const float *depth,
						 const float *prior, const float *conf,
						 const float *img, int x, int y)
{
	double g = 0.0;
	for (int k = 0; k < P->nshift; k++) {
		struct sgs_depth_pair p = sgs_depth_pair_at(P, depth, prior, conf, img, x, y, k);
		g += p.w * p.ga;
		p = sgs_depth_pair_at(P, depth, prior, conf, img, x - P->dx[k], y - P->dy[k], k);
		g += p.w * p.gb;
	}
	return g;
}

#endif
