/* One training iteration, in the order of Inria's train.py: learning
 * rate, SH degree, view, background, render, loss, backward,
 * densification statistics, densify / prune, opacity reset, Adam; with
 * MCMC: render, loss, backward, regularisation, relocate / grow, Adam,
 * noise. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "sgs_error.h"
#include "sgs_math_rng.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

/* The trainer's own stream of the counter-based generator: draw k of a
 * run is a pure function of (seed, k), so a checkpoint only needs k. */
#define TRAIN_STREAM 0xfffffff1u

static float next_uniform(struct sgs_trainer *t)
{
	return sgs_rng_uniform(t->o.seed, TRAIN_STREAM, t->rng_counter++, 0);
}

/* Inria pops a random remaining view and refills the list when empty;
 * a Fisher-Yates shuffle per pass, popped from the end, is the same
 * distribution. */
static uint32_t next_view(struct sgs_trainer *t)
{
	if (t->stack_len == 0) {
		for (uint32_t i = 0; i < t->ntrain; i++)
			t->stack[i] = i;
		for (uint32_t i = t->ntrain; i-- > 1;) {
			uint32_t j = (uint32_t)(next_uniform(t) * (i + 1));
			if (j > i)
				j = i;
			uint32_t x = t->stack[i];
			t->stack[i] = t->stack[j];
			t->stack[j] = x;
		}
		t->stack_len = t->ntrain;
	}
	return t->stack[--t->stack_len];
}

/* Ground truth for this iteration: straight colour matted on bg when the
 * image has alpha and the background is random, else the uploaded one. */
static const float *ground_truth(struct sgs_trainer *t, const struct train_view *tv,
				 const float bg[3])
{
	if (!tv->alpha)
		return tv->gt;
	size_t np = (size_t)tv->w * tv->h;
	for (size_t i = 0; i < np; i++)
		for (int c = 0; c < 3; c++)
			t->host_scratch[3 * i + c] =
				tv->rgb[3 * i + c] * tv->alpha[i] + bg[c] * (1 - tv->alpha[i]);
	if (t->be->upload(t->gt_scratch, t->host_scratch, 3 * np * sizeof(float)) != 0)
		return NULL;
	return t->gt_scratch;
}

static int adam_group(struct sgs_trainer *t, int grp, float lr, float lr_rest, uint32_t period,
		      uint32_t nfirst)
{
	float *p[5], *g[5], *m[5], *v[5];
	size_t len[5];
	trainer_arrays(&t->st.params, p, len);
	trainer_arrays(&t->st.grads, g, len);
	trainer_arrays(&t->st.m, m, len);
	trainer_arrays(&t->st.v, v, len);
	struct sgs_adam_hp hp = {lr, lr_rest, period, nfirst, 0.9f, 0.999f, 1e-15f,
				 ++t->adam_step[grp]};
	return t->ops->adam(p[grp], g[grp], m[grp], v[grp], len[grp], &hp);
}

static int optimise(struct sgs_trainer *t, uint32_t it, int skip_opacity)
{
	uint32_t K3 = 3 * (uint32_t)sgs_sh_coeffs(t->st.params.sh_degree);
	float lr_mean = sgs_lr_position(t->extent, it, t->o.iterations);
	if (adam_group(t, GRP_MEANS, lr_mean, lr_mean, 0, 0) != 0 ||
	    adam_group(t, GRP_SH, SGS_LR_SH, SGS_LR_SH_REST, K3, 3) != 0 ||
	    adam_group(t, GRP_SCALES, SGS_LR_SCALE, SGS_LR_SCALE, 0, 0) != 0 ||
	    adam_group(t, GRP_QUATS, SGS_LR_ROTATION, SGS_LR_ROTATION, 0, 0) != 0)
		return -1;
	/* Inria replaces the opacity tensor when it resets it, so that
	 * iteration's opacity step is lost. */
	if (!skip_opacity && adam_group(t, GRP_OPACITY, SGS_LR_OPACITY, SGS_LR_OPACITY, 0, 0) != 0)
		return -1;
	return 0;
}

static void set_sh_active(struct sgs_trainer *t)
{
	t->st.params.sh_active = t->st.grads.sh_active = t->sh_active;
	t->st.m.sh_active = t->st.v.sh_active = t->sh_active;
}

static int run_step(struct sgs_trainer *t, uint32_t it, struct sgs_step_info *info)
{
	const struct sgs_backend *be = t->be;
	const struct sgs_schedule *sc = &t->sched;
	struct sgs_train_state *st = &t->st;
	double terms[4];
	float bg[3];

	if (it % sc->sh_interval == 0 && t->sh_active < t->o.sh_degree)
		t->sh_active++;
	set_sh_active(t);
	const struct train_view *tv = &t->views[next_view(t)];
	if (t->o.random_bg)
		for (int c = 0; c < 3; c++)
			bg[c] = next_uniform(t);
	else
		memcpy(bg, t->scene->background, sizeof bg);
	const float *gt = ground_truth(t, tv, bg);
	if (!gt)
		return -1;

	struct sgs_raster_opts ro = {{bg[0], bg[1], bg[2]}, 0};
	if (sgs_render(t->ctx, &st->params, &tv->cam, &ro, &t->out) != 0)
		return -1;
	if (it == t->o.inject_nan_at) {
		float nan = NAN;
		if (be->upload(t->out.rgb, &nan, sizeof nan) != 0)
			return -1;
	}
	if (t->ops->loss_l1_ssim(t->out.rgb, gt, tv->w, tv->h, t->o.lambda_dssim, t->dimg, terms) != 0)
		return -1;
	if (!isfinite(terms[3]))
		return sgs_error_set("the loss is %s (training diverged)", isnan(terms[3]) ? "NaN" : "infinite");

	/* Densification statistics only inside the densification window,
	 * and only for Inria's densification (MCMC decides by opacity). */
	int window = it < sc->densify_until, gather = window && !t->o.mcmc;
	struct sgs_render_dout dout = {t->dimg, NULL, NULL};
	if (sgs_render_backward(t->ctx, &dout, &st->grads, NULL, NULL, gather ? st->grad2d_accum : NULL,
				gather ? st->grad2d_count : NULL) != 0)
		return -1;
	if (gather && t->ops->update_max_radii(st->max_radii, t->ctx) != 0)
		return -1;
	if (t->o.mcmc &&
	    t->ops->mcmc_regularise(st, SGS_MCMC_OPACITY_REG, SGS_MCMC_SCALE_REG) != 0)
		return -1;

	memset(info, 0, sizeof *info);
	if (window && it > sc->densify_from && it % sc->densify_interval == 0 && t->o.mcmc) {
		struct sgs_mcmc_params mp = {0.005f, t->o.max_gaussians, t->o.seed, it};
		if (t->ops->mcmc_relocate(be, st, &mp, &info->dstats) != 0)
			return -1;
		set_sh_active(t);
		info->densified = 1;
	} else if (window && it > sc->densify_from && it % sc->densify_interval == 0) {
		struct sgs_densify_params dp = {
			.grad_threshold = 0.0002f,
			.percent_dense = 0.01f,
			.extent = t->extent,
			.min_opacity = 0.005f,
			.max_screen_size = it > sc->reset_interval ? 20.0f : 0.0f,
			.max_gaussians = t->o.max_gaussians,
			.seed = t->o.seed,
			.iteration = it,
		};
		if (t->ops->densify(be, st, &dp, &info->dstats) != 0)
			return -1;
		set_sh_active(t);
		info->densified = 1;
	}
	if (window && !t->o.mcmc &&
	    (it % sc->reset_interval == 0 || (t->white_bg && it == sc->densify_from))) {
		if (t->ops->reset_opacity(st, 0.01f) != 0)
			return -1;
		info->opacity_reset = 1;
	}
	/* Inria: densifying replaces every parameter tensor (their gradients
	 * are gone, so that step is skipped) and the last iteration does
	 * not step. */
	if (it < t->o.iterations && !info->densified && optimise(t, it, info->opacity_reset) != 0)
		return -1;
	/* MCMC: the Langevin noise that explores, after every step. */
	if (t->o.mcmc && it < t->o.iterations &&
	    t->ops->mcmc_noise(st, sgs_lr_position(t->extent, it, t->o.iterations) * SGS_MCMC_NOISE_LR,
			       t->o.seed, it) != 0)
		return -1;

	info->iteration = it;
	info->view = tv->scene_index;
	info->l1 = terms[0];
	info->ssim = terms[1];
	info->mse = terms[2];
	info->loss = terms[3];
	info->psnr = terms[2] > 0 ? -10.0 * log10(terms[2]) : INFINITY;
	info->gaussians = st->params.n;
	info->sh_active = t->sh_active;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int sgs_trainer_step(struct sgs_trainer *t, struct sgs_step_info *info)
{
	uint32_t it = t->iteration + 1;
	double t0 = now_s();
	if (run_step(t, it, info) != 0 || t->be->sync() != 0)
		return sgs_error_prefix("iteration %u", it);
	t->iteration = it;
	t->seconds += now_s() - t0;
	info->seconds = t->seconds;
	return 0;
}

uint32_t sgs_trainer_iteration(const struct sgs_trainer *t) { return t->iteration; }
uint32_t sgs_trainer_iterations(const struct sgs_trainer *t) { return t->o.iterations; }
uint32_t sgs_trainer_gaussians(const struct sgs_trainer *t) { return t->st.params.n; }
const struct sgs_trainer_opts *sgs_trainer_get_opts(const struct sgs_trainer *t) { return &t->o; }
void sgs_trainer_set_inject_nan(struct sgs_trainer *t, uint32_t iteration)
{
	t->o.inject_nan_at = iteration;
}
