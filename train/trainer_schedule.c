/* The recipe's numbers: defaults, the iteration schedule scaled to the
 * run length, and the position learning rate. */
#include <math.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "sgs_hull.h"
#include "sgs_trainer.h"

void sgs_trainer_defaults(struct sgs_trainer_opts *o)
{
	o->iterations = 0; /* sgs_trainer_auto_iterations */
	o->seed = 0;
	o->sh_degree = 3;
	o->init = SGS_INIT_AUTO;
	o->init_count = 100000; /* Inria's random init for Blender scenes */
	o->random_bg = 0;
	o->max_gaussians = 0;
	o->lambda_dssim = 0.2f;
	o->inject_nan_at = 0;
	o->mcmc = 0;
	o->fields = 1;
	o->depth_weight = SGS_DEPTH_PEARSON_WEIGHT;
	o->depth_patch_weight = o->depth_relative_weight = o->depth_rank_weight = 0.0f;
	o->depth_continuity_weight = o->depth_smooth_weight = 0.0f;
	o->depth_patch_size = SGS_DEPTH_PATCH_SIZE;
	o->densify_from = o->densify_until = o->densify_every = o->reset_every = SGS_RECIPE;
	o->dropout = o->opacity_decay = 0.0f;
	o->scale_ratio_weight = o->scale_max_weight = 0.0f;
	o->scale_ratio = SGS_SCALE_RATIO;
	o->scale_max = SGS_SCALE_MAX;
	o->floater_std = 0.0f;
	o->floater_knn = SGS_FLOATER_KNN;
	o->floater_margin = 0.0f; /* SGS_FLOATER_MARGIN with --prune-floaters */
	o->floater_conf = SGS_FLOATER_CONF;
	o->coreg = 0;
	o->coreg_weight = 1.0f;
	o->coreg_start = o->unpool_until = SGS_RECIPE;
	o->coprune_every = SGS_COPRUNE_EVERY;
	o->coprune_mult = SGS_COPRUNE_MULT;
	o->coprune_dist = o->unpool = 0.0f;
	o->unpool_knn = SGS_UNPOOL_KNN;
	o->refine_poses = 0;
	o->pose_lr = SGS_POSE_LR;
	o->pose_from = 0;
	o->pseudo_weight = SGS_PSEUDO_WEIGHT; /* used once pseudo views are attached */
	o->pseudo_every = SGS_PSEUDO_EVERY;
	o->warp = 0;
	o->warp_weight = SGS_WARP_WEIGHT;
	o->warp_baseline = SGS_WARP_BASELINE;
	o->warp_start = SGS_RECIPE;
	o->train_masks = 0;
	o->hull_res = SGS_HULL_RES;
	o->hull_dilate = SGS_HULL_DILATE;
}

int sgs_trainer_uses_prior(const struct sgs_trainer_opts *o)
{
	return o->depth_weight > 0.0f || o->depth_patch_weight > 0.0f ||
	       o->depth_relative_weight > 0.0f || o->depth_rank_weight > 0.0f ||
	       o->depth_continuity_weight > 0.0f;
}

int sgs_trainer_check_depth(const struct sgs_trainer_opts *o)
{
	const float w[6] = {o->depth_weight, o->depth_patch_weight, o->depth_relative_weight,
			    o->depth_rank_weight, o->depth_continuity_weight, o->depth_smooth_weight};
	static const char *const what[6] = {"depth", "depth patch", "depth relative", "depth rank",
					    "depth continuity", "depth smoothness"};
	for (int k = 0; k < 6; k++)
		if (!(w[k] >= 0.0f && w[k] < 1e30f))
			return sgs_error_set("%s weight %g: not a finite number >= 0", what[k], w[k]);
	if (o->depth_patch_size < SGS_DEPTH_PATCH_MIN || o->depth_patch_size > SGS_DEPTH_PATCH_MAX)
		return sgs_error_set("depth patch size %u outside %u..%u", o->depth_patch_size,
				     SGS_DEPTH_PATCH_MIN, SGS_DEPTH_PATCH_MAX);
	return 0;
}

/* v scaled from a 30000-iteration run to `iterations`, rounded to nearest. */
static uint32_t scaled(uint32_t v, uint32_t iterations, uint32_t at_least)
{
	uint32_t r = v;
	if (iterations < 30000)
		r = (uint32_t)(((uint64_t)v * iterations + 15000) / 30000);
	return r < at_least ? at_least : r;
}

void sgs_schedule_make(uint32_t iterations, uint32_t ntrain, struct sgs_schedule *s)
{
	/* Densification decides on the gradient statistic averaged since the
	 * last step, so the interval keeps Inria's 100 iterations whatever the
	 * run length, rounded up to whole passes over the train views (every
	 * view weighs the same).  Scaling it down with the run (a 3000-iteration
	 * run densified every 10 iterations) grew 10 000 Gaussians to 565 000
	 * in 500 iterations on fern.  Opacity resets come every third of the
	 * run, between 300 iterations (the model needs a few hundred to regain
	 * its opacities: resets every 300 with densification every 10 never
	 * let it recover) and Inria's 3000; a reset inside the densification
	 * window prunes floaters (lego 8 views at 1000 iterations: test PSNR
	 * 19.82 dB without, 20.62 with; the synthetic demo 12.6 and 17.4). */
	uint32_t pass = ntrain ? ntrain : 1;
	uint32_t interval = pass < 100 ? (100 + pass - 1) / pass * pass : 100;
	s->iterations = iterations;
	s->sh_interval = scaled(1000, iterations, 1);
	s->densify_from = iterations >= 5000 ? 500 : iterations / 10;
	s->densify_until = iterations / 2 < 15000 ? iterations / 2 : 15000;
	s->densify_interval = interval;
	uint32_t third = iterations / 3;
	s->reset_interval = third < 300 ? 300 : third > 3000 ? 3000 : third;
	s->resets = 1;
}

void sgs_schedule_for(const struct sgs_trainer_opts *o, uint32_t ntrain, struct sgs_schedule *s)
{
	sgs_schedule_make(o->iterations, ntrain, s);
	if (o->densify_from != SGS_RECIPE)
		s->densify_from = o->densify_from;
	if (o->densify_until != SGS_RECIPE)
		s->densify_until = o->densify_until;
	if (o->densify_every != SGS_RECIPE)
		s->densify_interval = o->densify_every;
	if (o->reset_every != SGS_RECIPE)
		s->reset_interval = o->reset_every;
	else if (o->opacity_decay > 0.0f) /* decay replaces the recipe's resets */
		s->resets = 0;
}

float sgs_dropout_rate(const struct sgs_trainer_opts *o, uint32_t it)
{
	if (!(o->dropout > 0.0f) || o->iterations == 0)
		return 0.0f;
	if (it >= o->iterations)
		return o->dropout;
	return (float)((double)o->dropout * it / o->iterations);
}

float sgs_lr_position(float extent, uint32_t step, uint32_t max_steps)
{
	/* Inria's get_expon_lr_func with no delay: exp(lerp(log a, log b, t)) */
	double a = 1.6e-4 * extent, b = 1.6e-6 * extent;
	if (a <= 0)
		return 0.0f;
	double t = max_steps ? (double)step / max_steps : 1.0;
	if (t > 1)
		t = 1;
	return (float)exp(log(a) * (1 - t) + log(b) * t);
}

uint32_t sgs_trainer_auto_cap(const struct sgs_scene *s, uint32_t initial)
{
	uint64_t pixels = 0;
	for (uint32_t i = 0; i < s->nviews; i++)
		if (s->views[i].split == SGS_SPLIT_TRAIN)
			pixels += (uint64_t)s->views[i].cam.w * s->views[i].cam.h;
	uint64_t cap = pixels / 4, floor = 2 * (uint64_t)initial;
	if (cap < floor)
		cap = floor;
	return cap > 2000000000u ? 2000000000u : (uint32_t)cap;
}

uint32_t sgs_trainer_auto_iterations(uint32_t ntrain)
{
	return ntrain <= SGS_SPARSE_VIEWS ? 1000 : 30000;
}
