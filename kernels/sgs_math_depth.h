/* Depth losses against a prior: per-pixel pieces both backends share.
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

#include "sgs_math_common.h"

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

#endif
