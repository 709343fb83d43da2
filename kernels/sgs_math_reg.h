/* Sparse-view regularisers, per Gaussian, shared by the CPU and CUDA
 * backends: Gaussian dropout (the multiplier project() applies to each
 * opacity, sgs_raster_opts.drop_*), opacity decay (decay_opacity) and the
 * scale regularisers against needles (reg_scale). */
#ifndef SGS_MATH_REG_H
#define SGS_MATH_REG_H

#include <math.h>
#include <stdint.h>

#include "sgs_math_common.h"
#include "sgs_math_rng.h"
#include "sgs_train_ops.h"

/* The generator's draw of the dropout mask: apart from densify's (0..5)
 * and MCMC's (64.., 128..) at the same (seed, iteration, index). */
#define SGS_DROPOUT_DRAW 192u

/* DropGaussian (Park et al., CVPR 2025): Gaussian i's opacity multiplier
 * in a render at `rate` -- 0 (dropped) when its uniform draw is below the
 * rate, else 1 / (1 - rate), so the expected opacity is unchanged; 1
 * when rate is 0 (no dropout). */
static inline SGS_HD float sgs_dropout_scale(float rate, uint64_t seed, uint32_t iteration,
					     uint32_t i)
{
	if (!(rate > 0.0f))
		return 1.0f;
	return sgs_rng_uniform(seed, iteration, i, SGS_DROPOUT_DRAW) < rate ? 0.0f
									    : 1.0f / (1.0f - rate);
}

/* Opacity decay: the logit of factor x sigmoid(logit), in double so both
 * backends round the same way nearly always. */
static inline SGS_HD float sgs_decay_logit(float logit, float factor)
{
	double y = (double)factor / (1.0 + exp(-(double)logit));
	return (float)log(y / (1.0 - y));
}

/* add_scaled's element: y + a x, the product rounded before the sum on
 * both backends (no fused multiply-add), so they agree bit for bit. */
static inline SGS_HD float sgs_add_scaled_one(float y, float x, float a)
{
#ifdef __CUDA_ARCH__
	return __fadd_rn(y, __fmul_rn(a, x));
#else
	return y + a * x; /* -std=c11: no contraction */
#endif
}

/* Log-ratios above this are taken as this (a ratio of 2.4e17), so that
 * the term and its gradient stay finite. */
#define SGS_SCALE_LOG_RATIO_MAX 40.0f

/* One Gaussian's part of the scale regularisers (sgs_train_ops.h,
 * reg_scale): returns ratio_weight (max(r, ratio_max) - ratio_max) +
 * max_weight (max(s_max / max_scale, 1) - 1), r = s_max / s_min, and adds
 * its gradient with respect to the log-scales times inv_n to dls.  The
 * largest and smallest axes are the first of equal ones. */
static inline SGS_HD double sgs_scale_reg_one(const float ls[3], const struct sgs_scale_reg *p,
					      float inv_n, float dls[3])
{
	int a = 0, b = 0;
	for (int k = 1; k < 3; k++) {
		if (ls[k] > ls[a])
			a = k;
		if (ls[k] < ls[b])
			b = k;
	}
	double v = 0.0;
	if (p->ratio_weight > 0.0f && a != b) {
		float r = expf(fminf(ls[a] - ls[b], SGS_SCALE_LOG_RATIO_MAX));
		if (r > p->ratio_max) {
			float g = p->ratio_weight * inv_n * r;
			v += (double)p->ratio_weight * ((double)r - (double)p->ratio_max);
			dls[a] += g;
			dls[b] -= g;
		}
	}
	if (p->max_weight > 0.0f) {
		float q = expf(ls[a]) / p->max_scale;
		if (q > 1.0f) {
			v += (double)p->max_weight * ((double)q - 1.0);
			dls[a] += p->max_weight * inv_n * q;
		}
	}
	return v;
}

#endif
