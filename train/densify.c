/* The densification strategies (train_densify.h). */
#include <math.h>
#include <stdlib.h>

#include "sgs_error.h"
#include "trainer_internal.h"

int densify_due(const struct sgs_schedule *sc, uint32_t it)
{
	return it < sc->densify_until && it > sc->densify_from && it % sc->densify_interval == 0;
}

/* ---- Inria's adaptive density control ---- */

static int cmp_desc(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x < y) - (x > y);
}

/* At the cap Inria's rule would densify the candidates with the lowest
 * indices (the oldest Gaussians); raise the threshold instead so that
 * the budget goes to the largest gradients, where the model most lacks
 * detail.  The backend's index-order budget then only breaks ties. */
static int cap_threshold(const struct sgs_trainer *t, const struct sgs_train_state *st,
			 struct sgs_densify_params *dp)
{
	uint32_t n = st->params.n;
	uint32_t budget = dp->max_gaussians > n ? dp->max_gaussians - n : 0;
	/* each candidate adds at most one Gaussian: no download unless the
	 * cap can bind */
	if (!dp->max_gaussians || n == 0 || budget >= n)
		return 0;
	float *acc = malloc(2 * (size_t)n * sizeof *acc);
	if (!acc)
		return sgs_error_set("out of memory for %u densification statistics", n);
	float *cnt = acc + n;
	if (t->be->download(acc, st->grad2d_accum, n * sizeof *acc) != 0 ||
	    t->be->download(cnt, st->grad2d_count, n * sizeof *cnt) != 0) {
		free(acc);
		return -1;
	}
	uint32_t k = 0; /* candidates, compacted to the front of acc */
	for (uint32_t i = 0; i < n; i++) {
		float g = cnt[i] > 0 ? acc[i] / cnt[i] : 0.0f;
		if (g >= dp->grad_threshold)
			acc[k++] = g;
	}
	if (k > budget) {
		qsort(acc, k, sizeof *acc, cmp_desc);
		/* no room at all: a threshold above every gradient */
		dp->grad_threshold = budget ? acc[budget - 1] : nextafterf(acc[0], INFINITY);
	}
	free(acc);
	return 0;
}

static int inria_prepare(struct sgs_trainer *t)
{
	uint32_t n = t->fields[0].st.params.n;
	if (t->o.max_gaussians == 0)
		t->o.max_gaussians = sgs_trainer_auto_cap(t->scene, n);
	else if (n > t->o.max_gaussians)
		return sgs_error_set("the cap of %u Gaussians is below the %u initial ones",
				     t->o.max_gaussians, n);
	return 0;
}

static int inria_step(struct sgs_trainer *t, struct sgs_field *f, uint32_t field, uint32_t it,
		      struct sgs_step_info *info)
{
	const struct sgs_schedule *sc = &t->sched;
	if (it >= sc->densify_until)
		return 0;
	if (densify_due(sc, it)) {
		struct sgs_densify_params dp = {
			.grad_threshold = 0.0002f,
			.percent_dense = 0.01f,
			.extent = t->extent,
			.min_opacity = 0.005f,
			.max_screen_size = it > sc->reset_interval ? 20.0f : 0.0f,
			.max_gaussians = t->o.max_gaussians,
			.seed = trainer_field_seed(t, field),
			.iteration = it,
		};
		if (cap_threshold(t, &f->st, &dp) != 0 ||
		    t->ops->densify(t->be, &f->st, &dp, &info->dstats) != 0)
			return -1;
		field_sync_sh(f);
		info->densified = 1;
	}
	/* Inria resets on white backgrounds once more, when densifying starts;
	 * --reset never means none at all, and opacity decay replaces them. */
	if (sc->resets && sc->reset_interval != SGS_NEVER &&
	    (it % sc->reset_interval == 0 || (t->white_bg && it == sc->densify_from))) {
		if (t->ops->reset_opacity(&f->st, 0.01f) != 0)
			return -1;
		info->opacity_reset = 1;
	}
	return 0;
}

const struct densify_strategy densify_inria = {"inria", 1, inria_prepare, inria_step, NULL};

/* ---- MCMC (Kheradmand et al. 2024) ---- */

static int mcmc_prepare(struct sgs_trainer *t)
{
	const struct sgs_train_ops *ops = t->ops;
	if (!(ops->mcmc_relocate && ops->mcmc_noise && ops->mcmc_regularise))
		return sgs_error_set("the %s backend has no MCMC operations", t->be->name);
	/* The cap is part of the recipe (it goes into checkpoints). */
	uint32_t n = t->fields[0].st.params.n;
	if (t->o.max_gaussians == 0) {
		uint64_t c = (uint64_t)n * SGS_MCMC_CAP_FACTOR;
		t->o.max_gaussians = c > 2000000000u ? 2000000000u : (uint32_t)c;
	} else if (n > t->o.max_gaussians) {
		return sgs_error_set("MCMC: the cap of %u Gaussians is below the %u initial ones",
				     t->o.max_gaussians, n);
	}
	return 0;
}

static int mcmc_step(struct sgs_trainer *t, struct sgs_field *f, uint32_t field, uint32_t it,
		     struct sgs_step_info *info)
{
	const struct sgs_schedule *sc = &t->sched;
	if (!densify_due(sc, it))
		return 0;
	struct sgs_mcmc_params mp = {0.005f, t->o.max_gaussians, trainer_field_seed(t, field), it};
	if (t->ops->mcmc_relocate(t->be, &f->st, &mp, &info->dstats) != 0)
		return -1;
	field_sync_sh(f);
	info->densified = 1;
	return 0;
}

/* The Langevin noise that explores, after every optimiser step. */
static int mcmc_after(struct sgs_trainer *t, struct sgs_field *f, uint32_t field, uint32_t it)
{
	float scale = sgs_lr_position(t->extent, it, t->o.iterations) * SGS_MCMC_NOISE_LR;
	return t->ops->mcmc_noise(&f->st, scale, trainer_field_seed(t, field), it);
}

const struct densify_strategy densify_mcmc = {"mcmc", 0, mcmc_prepare, mcmc_step, mcmc_after};
