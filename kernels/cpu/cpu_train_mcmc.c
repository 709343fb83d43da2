/* Twin: kernels/cuda/cuda_train_mcmc.cu · math: sgs_math_mcmc.h · test: tests/unit/test_backend_ops.c (rows mcmc_relocate, mcmc_regularise, mcmc_noise) */
/* The MCMC variant's operations on the CPU (sgs_train_ops.h): applying a
 * relocation plan (kernels/sgs_train_mcmc.h), the position noise and the
 * opacity / scale regularisation.  Every element depends on its own
 * inputs only, so results do not depend on the thread count. */
#include <string.h>

#include "cpu_train_internal.h"
#include "sgs_error.h"
#include "sgs_math_mcmc.h"
#include "sgs_train_mcmc.h"

static void zero_moments(struct sgs_gaussians *g, size_t i, size_t sh)
{
	memset(g->means + 3 * i, 0, 3 * sizeof(float));
	memset(g->log_scales + 3 * i, 0, 3 * sizeof(float));
	memset(g->quats + 4 * i, 0, 4 * sizeof(float));
	g->opacity[i] = 0.0f;
	memset(g->sh + sh * i, 0, sh * sizeof(float));
}

static void apply_phase(struct sgs_train_state *st, const struct sgs_mcmc_phase *ph)
{
	const size_t sh = 3 * (size_t)sgs_sh_coeffs(st->params.sh_degree);
	struct sgs_gaussians *g = &st->params;
	const long na = ph->nadj, nc = ph->ncopy;
#pragma omp parallel for schedule(static)
	for (long j = 0; j < na; j++) {
		const size_t i = ph->adj_idx[j];
		g->opacity[i] = ph->adj_logit[j];
		for (int k = 0; k < 3; k++)
			g->log_scales[3 * i + k] += ph->adj_dlog[j];
		zero_moments(&st->m, i, sh);
		zero_moments(&st->v, i, sh);
	}
#pragma omp parallel for schedule(static)
	for (long j = 0; j < nc; j++) {
		const size_t d = ph->copy_dst[j], s = ph->copy_src[j];
		memcpy(g->means + 3 * d, g->means + 3 * s, 3 * sizeof(float));
		memcpy(g->log_scales + 3 * d, g->log_scales + 3 * s, 3 * sizeof(float));
		memcpy(g->quats + 4 * d, g->quats + 4 * s, 4 * sizeof(float));
		g->opacity[d] = g->opacity[s];
		memcpy(g->sh + sh * d, g->sh + sh * s, sh * sizeof(float));
		zero_moments(&st->m, d, sh);
		zero_moments(&st->v, d, sh);
		zero_moments(&st->grads, d, sh);
		st->grad2d_accum[d] = st->grad2d_count[d] = st->max_radii[d] = 0.0f;
	}
}

int cpu_mcmc_relocate(const struct sgs_backend *be, struct sgs_train_state *st,
		      const struct sgs_mcmc_params *p, struct sgs_densify_stats *stats)
{
	struct sgs_mcmc_plan plan;
	if (!be || !st || !p)
		return sgs_error_set("mcmc_relocate: missing backend, state or parameters");
	if (sgs_mcmc_plan_make(st->params.opacity, st->params.n, p, &plan) != 0)
		return -1;
	if (sgs_mcmc_reserve(be, st, plan.n_after, p->max_gaussians) != 0) {
		sgs_mcmc_plan_free(&plan);
		return -1;
	}
	apply_phase(st, &plan.ph[0]);
	st->params.n = st->grads.n = st->m.n = st->v.n = plan.n_after;
	apply_phase(st, &plan.ph[1]);
	if (stats) {
		memset(stats, 0, sizeof *stats);
		stats->relocated = plan.ph[0].ncopy;
		stats->cloned = plan.ph[1].ncopy;
		stats->n_before = plan.n_before;
		stats->n_after = plan.n_after;
	}
	sgs_mcmc_plan_free(&plan);
	return 0;
}

int cpu_mcmc_noise(struct sgs_train_state *st, float scale, uint64_t seed, uint32_t iteration)
{
	if (!st)
		return sgs_error_set("mcmc_noise: no state");
	struct sgs_gaussians *g = &st->params;
	const long n = g->n;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++)
		sgs_mcmc_noise_one(g->means + 3 * i, g->log_scales + 3 * i, g->quats + 4 * i,
				   g->opacity[i], scale, seed, iteration, (uint32_t)i);
	return 0;
}

int cpu_mcmc_regularise(struct sgs_train_state *st, float opacity_w, float scale_w)
{
	if (!st)
		return sgs_error_set("mcmc_regularise: no state");
	const long n = st->params.n;
	if (!n)
		return 0;
	const float wo = opacity_w / (float)n, ws = scale_w / (3.0f * (float)n);
	const struct sgs_gaussians *g = &st->params;
	struct sgs_gaussians *d = &st->grads;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++) {
		d->opacity[i] += sgs_mcmc_opacity_reg_grad(g->opacity[i], wo);
		for (int k = 0; k < 3; k++)
			d->log_scales[3 * i + k] += sgs_mcmc_scale_reg_grad(g->log_scales[3 * i + k], ws);
	}
	return 0;
}
