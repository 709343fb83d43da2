/* The host side of the MCMC relocation step (sgs_train_ops.h): the plan
 * of which Gaussians move where, made once on the host in double from
 * the opacities so the CPU and CUDA backends apply identical moves, and
 * the capacity growth both share.  Library rules: no printing, -1 with a
 * message on failure. */
#ifndef SGS_TRAIN_MCMC_H
#define SGS_TRAIN_MCMC_H

#include <stdint.h>

#include "sgs_train_ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One phase (0 relocation, 1 growth), applied in this order: first every
 * adjusted source gets opacity logit adj_logit and log-scales + adj_dlog
 * (moments zeroed), then every copy_dst receives copy_src's parameters
 * (moments, grads and screen statistics zeroed).  Sources and
 * destinations of a phase are disjoint, and no index repeats within a
 * list, so each list may be applied in parallel. */
struct sgs_mcmc_phase {
	uint32_t nadj, ncopy;
	uint32_t *adj_idx;
	float *adj_logit, *adj_dlog;
	uint32_t *copy_dst, *copy_src;
};

struct sgs_mcmc_plan {
	uint32_t n_before, n_after; /* growth appends n_before .. n_after-1 */
	struct sgs_mcmc_phase ph[2];
};

/* Plan a step from the n opacity logits (host).  p->max_gaussians >= 1. */
int sgs_mcmc_plan_make(const float *logit_opacity, uint32_t n, const struct sgs_mcmc_params *p,
		       struct sgs_mcmc_plan *plan);
void sgs_mcmc_plan_free(struct sgs_mcmc_plan *plan);

/* The paper's adjustment for a Gaussian of opacity o shared by N copies:
 * the new logit (o' clamped to [min_opacity, 1 - 2^-23]) and the amount
 * added to each log-scale.  N is capped at SGS_MCMC_MAX_N. */
void sgs_mcmc_adjust(double o, uint32_t N, double min_opacity, float *logit, float *dlog_scale);

/* Make st hold at least `need` Gaussians (need <= cap_max), growing 1.5x
 * at a time but never past cap_max, keeping the first params.n entries of
 * every array.  All-or-nothing: on failure st is unchanged. */
int sgs_mcmc_reserve(const struct sgs_backend *be, struct sgs_train_state *st, uint32_t need,
		     uint32_t cap_max);

#ifdef __cplusplus
}
#endif

#endif
