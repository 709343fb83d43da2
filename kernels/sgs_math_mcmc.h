/* Per-Gaussian arithmetic of the MCMC variant (sgs_train_ops.h), shared
 * by the CPU and CUDA backends so both move the same amounts. */
#ifndef SGS_MATH_MCMC_H
#define SGS_MATH_MCMC_H

#include <math.h>
#include <stdint.h>

#include "sgs_math_common.h"
#include "sgs_math_cov.h"
#include "sgs_math_rng.h"
#include "sgs_train_ops.h"

/* The paper's noise step for one Gaussian (see mcmc_noise). */
static inline SGS_HD void sgs_mcmc_noise_one(float mean[3], const float log_scale[3],
					     const float q[4], float logit_opacity, float scale,
					     uint64_t seed, uint32_t iteration, uint32_t i)
{
	float cov[9], eta[3], d[3];
	/* almost zero for visible Gaussians, ~1 for nearly transparent ones */
	float gate = 1.0f / (1.0f + expf(100.0f * (sgs_sigmoidf(logit_opacity) - 0.005f)));
	sgs_cov3d(log_scale, q, cov);
	for (int k = 0; k < 3; k++)
		eta[k] = sgs_rng_normal(seed, iteration, i, SGS_MCMC_NOISE_DRAW + (uint32_t)k);
	sgs_mat3_vec(cov, eta, d);
	for (int k = 0; k < 3; k++)
		mean[k] += scale * gate * d[k];
}

/* d/dlogit of w sigmoid(x) / n, and d/dlog_scale of w exp(x) / (3n). */
static inline SGS_HD float sgs_mcmc_opacity_reg_grad(float logit, float w_over_n)
{
	float s = sgs_sigmoidf(logit);
	return w_over_n * s * (1.0f - s);
}
static inline SGS_HD float sgs_mcmc_scale_reg_grad(float log_scale, float w_over_3n)
{
	return w_over_3n * expf(log_scale);
}

#endif
