/* The per-element arithmetic of the optimiser and of densification,
 * shared by the CPU and CUDA backends so both take the same decisions and
 * produce the same numbers.  Thresholds are converted once on the host
 * (sgs_densify_rule_from) into the raw parameter space (log-scales,
 * logits), so every comparison is between stored floats and identical on
 * both backends. */
#ifndef SGS_MATH_OPTIM_H
#define SGS_MATH_OPTIM_H

#include <math.h>
#include <stdint.h>

#include "sgs_math_common.h"
#include "sgs_math_cov.h"
#include "sgs_math_rng.h"
#include "sgs_train_ops.h"

/* One Adam step as torch.optim.Adam: step_size = lr / (1 - b1^t),
 * sqrt_bc2 = sqrt(1 - b2^t) (both from the host, in double). */
static inline SGS_HD void sgs_adam_update(float *p, float g, float *m, float *v,
					  float step_size, float sqrt_bc2, float b1, float b2,
					  float eps)
{
	float mm = *m + (1.0f - b1) * (g - *m); /* torch's lerp */
	float vv = *v * b2 + (1.0f - b2) * g * g;
	*m = mm;
	*v = vv;
	*p -= step_size * (mm / (sqrtf(vv) / sqrt_bc2 + eps));
}

/* ln 1.6: split children get scale / (0.8 N) with N = 2, as Inria */
#define SGS_SPLIT_LOG_SHRINK 0.47000362924573558f
#define SGS_SPLIT_CHILDREN 2

/* sgs_densify_params in raw parameter space. */
struct sgs_densify_rule {
	float grad_threshold;
	float log_dense;    /* log(percent_dense extent): clone at or below, split above */
	float log_big;      /* log(0.1 extent): world-space pruning above */
	float logit_min_op; /* logit(min_opacity): pruned below */
	float max_screen;   /* > 0: also prune by screen and world size */
};

/* Host: the thresholds of p in raw parameter space, in double then
 * rounded once.  Parameters must be checked first (extent > 0). */
static inline void sgs_densify_rule_from(const struct sgs_densify_params *p,
					 struct sgs_densify_rule *r)
{
	double dense = (double)p->percent_dense * p->extent, mo = p->min_opacity;
	r->grad_threshold = p->grad_threshold;
	r->log_dense = dense > 0.0 ? (float)log(dense) : -INFINITY;
	r->log_big = (float)log(0.1 * p->extent);
	r->logit_min_op = mo <= 0.0 ? -INFINITY : mo >= 1.0 ? INFINITY : (float)log(mo / (1.0 - mo));
	r->max_screen = p->max_screen_size;
}

/* What densification does with a Gaussian before the budget cap. */
enum { SGS_DENSIFY_NONE = 0, SGS_DENSIFY_CLONE = 1, SGS_DENSIFY_SPLIT = 2 };

static inline SGS_HD float sgs_max3f(const float v[3])
{
	float m = v[0] > v[1] ? v[0] : v[1];
	return m > v[2] ? m : v[2];
}

/* Inria: g = accum / count (NaN from 0/0 counts as 0), g >= threshold
 * densifies, small ones clone and large ones split. */
static inline SGS_HD int sgs_densify_kind(float accum, float count, const float log_scale[3],
					  const struct sgs_densify_rule *r)
{
	float g = count > 0.0f ? accum / count : 0.0f;
	if (!(g >= r->grad_threshold))
		return SGS_DENSIFY_NONE;
	float ls = sgs_max3f(log_scale);
	if (ls <= r->log_dense)
		return SGS_DENSIFY_CLONE;
	if (ls > r->log_dense)
		return SGS_DENSIFY_SPLIT;
	return SGS_DENSIFY_NONE; /* NaN scale */
}

/* The prune test, for originals (their max_radii) and new Gaussians
 * (max_radius 0). */
static inline SGS_HD int sgs_densify_pruned(float opacity, float max_log_scale, float max_radius,
					    const struct sgs_densify_rule *r)
{
	if (opacity < r->logit_min_op)
		return 1;
	return r->max_screen > 0.0f && (max_radius > r->max_screen || max_log_scale > r->log_big);
}

/* How many Gaussians of each group Gaussian i contributes to the output:
 * out[0] the original (0/1), out[1] its clone (0/1), out[2] its split
 * children (0 or 2).  kind is after the budget cap. */
static inline SGS_HD void sgs_densify_outputs(int kind, float opacity, const float log_scale[3],
					      float max_radius, const struct sgs_densify_rule *r,
					      uint32_t out[3])
{
	float ls = sgs_max3f(log_scale);
	out[0] = kind != SGS_DENSIFY_SPLIT && !sgs_densify_pruned(opacity, ls, max_radius, r);
	out[1] = kind == SGS_DENSIFY_CLONE && !sgs_densify_pruned(opacity, ls, 0.0f, r);
	out[2] = kind == SGS_DENSIFY_SPLIT &&
			 !sgs_densify_pruned(opacity, ls - SGS_SPLIT_LOG_SHRINK, 0.0f, r)
		 ? SGS_SPLIT_CHILDREN
		 : 0;
}

/* Mean of split child `child` of Gaussian `parent`: mean + R(q) s with
 * s_k = exp(log_scale_k) N(0, 1), the normals drawn as
 * sgs_rng_normal(seed, iteration, parent, 3 child + k). */
static inline SGS_HD void sgs_split_child_mean(const float mean[3], const float log_scale[3],
					       const float q[4], uint64_t seed, uint32_t iteration,
					       uint32_t parent, uint32_t child, float out[3])
{
	float R[9], s[3], d[3];
	sgs_quat_to_rotmat(q, R);
	for (int k = 0; k < 3; k++)
		s[k] = expf(log_scale[k]) *
		       sgs_rng_normal(seed, iteration, parent, 3u * child + (uint32_t)k);
	sgs_mat3_vec(R, s, d);
	for (int k = 0; k < 3; k++)
		out[k] = mean[k] + d[k];
}

#endif
