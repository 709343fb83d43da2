/* The loss terms and their evaluation. */
#include <math.h>

#include "sgs_error.h"
#include "train_loss.h"

static float weight_one(const struct sgs_trainer_opts *o, uint32_t it)
{
	(void)o, (void)it;
	return 1.0f;
}

static float weight_mcmc(const struct sgs_trainer_opts *o, uint32_t it)
{
	(void)o, (void)it;
	return SGS_MCMC_OPACITY_REG; /* the paper uses the same 0.01 for both */
}

/* Inria's photometric loss (1 - lambda) L1 + lambda (1 - SSIM), one fused
 * backend op; it writes (not adds) the render gradient, so it comes
 * first among the image terms. */
static int add_rgb(struct loss_eval *e, float w, double *value)
{
	double terms[4];
	if (e->pseudo)
		return 1;
	if (w != 1.0f)
		return sgs_error_set("loss term rgb: weight %g (the fused op supports 1)", w);
	if (e->ops->loss_l1_ssim(e->img, e->gt, e->w, e->h, e->o->lambda_dssim, e->dimg, terms) != 0)
		return -1;
	e->l1 = terms[0];
	e->ssim = terms[1];
	e->mse = terms[2];
	*value = terms[3];
	return 0;
}

static float weight_pseudo(const struct sgs_trainer_opts *o, uint32_t it)
{
	(void)it;
	return o->pseudo_weight;
}

/* The photometric loss against a pseudo view's image, its render gradient
 * scaled by the weight (on the host: one pseudo iteration in
 * pseudo_every). */
static int add_pseudo(struct loss_eval *e, float w, double *value)
{
	double terms[4];
	size_t n = 3 * (size_t)e->w * e->h;
	if (!e->pseudo)
		return 1;
	if (e->ops->loss_l1_ssim(e->img, e->gt, e->w, e->h, e->o->lambda_dssim, e->dimg, terms) != 0 ||
	    e->be->download(e->host, e->dimg, n * sizeof(float)) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		e->host[i] *= w;
	if (e->be->upload(e->dimg, e->host, n * sizeof(float)) != 0)
		return -1;
	e->l1 = terms[0];
	e->ssim = terms[1];
	e->mse = terms[2];
	*value = terms[3];
	return 0;
}

static float weight_depth(const struct sgs_trainer_opts *o, uint32_t it)
{
	(void)it;
	return o->depth_weight;
}

/* 1 - Pearson correlation of the rendered depth and the view's prior,
 * weighted by its confidence; 0 on a view without a prior. */
static int add_depth_pearson(struct loss_eval *e, float w, double *value)
{
	*value = 0.0;
	if (!e->prior)
		return 0;
	e->depth_used = 1;
	return e->ops->loss_depth_pearson(e->depth, e->prior, e->conf, (size_t)e->w * e->h, w,
					  e->ddepth, value);
}

static float weight_depth_patch(const struct sgs_trainer_opts *o, uint32_t it)
{
	(void)it;
	return o->depth_patch_weight;
}

static float weight_depth_relative(const struct sgs_trainer_opts *o, uint32_t it)
{
	(void)it;
	return o->depth_relative_weight;
}

static float weight_depth_rank(const struct sgs_trainer_opts *o, uint32_t it)
{
	(void)it;
	return o->depth_rank_weight;
}

static float weight_depth_continuity(const struct sgs_trainer_opts *o, uint32_t it)
{
	(void)it;
	return o->depth_continuity_weight;
}

static float weight_depth_smooth(const struct sgs_trainer_opts *o, uint32_t it)
{
	(void)it;
	return o->depth_smooth_weight;
}

/* The patches of this iteration and view (field's seed, iteration). */
static struct sgs_depth_patches patches_of(const struct loss_eval *e)
{
	struct sgs_depth_patches p = {e->w, e->h, (int)e->o->depth_patch_size, e->seed,
				      e->iteration};
	return p;
}

/* Mean over random patches of 1 - the patch's Pearson correlation
 * (FSGS, SparseGS); 0 on a view without a prior. */
static int add_depth_patch(struct loss_eval *e, float w, double *value)
{
	*value = 0.0;
	if (!e->prior)
		return 0;
	struct sgs_depth_patches p = patches_of(e);
	e->depth_used = 1;
	return e->ops->loss_depth_patch(e->depth, e->prior, e->conf, &p, w, e->ddepth, value);
}

/* Mean over random patches of the L1 distance between the patch-
 * normalised depth and prior (RDG-GS); 0 on a view without a prior. */
static int add_depth_relative(struct loss_eval *e, float w, double *value)
{
	*value = 0.0;
	if (!e->prior)
		return 0;
	struct sgs_depth_patches p = patches_of(e);
	e->depth_used = 1;
	return e->ops->loss_depth_relative(e->depth, e->prior, e->conf, &p, w, e->ddepth, value);
}

/* Hinge on the prior's depth order of nearby pixel pairs (SparseNeRF). */
static int add_depth_rank(struct loss_eval *e, float w, double *value)
{
	*value = 0.0;
	if (!e->prior)
		return 0;
	struct sgs_depth_rank p = {e->w,
				   e->h,
				   SGS_DEPTH_RANK_RADIUS,
				   SGS_DEPTH_RANK_SHIFTS,
				   SGS_DEPTH_PRIOR_TOL,
				   SGS_DEPTH_RANK_MARGIN,
				   e->seed,
				   e->iteration};
	e->depth_used = 1;
	return e->ops->loss_depth_rank(e->depth, e->prior, e->conf, &p, w, e->ddepth, value);
}

/* Neighbours the prior puts at the same depth keep it (SparseNeRF). */
static int add_depth_continuity(struct loss_eval *e, float w, double *value)
{
	*value = 0.0;
	if (!e->prior)
		return 0;
	e->depth_used = 1;
	return e->ops->loss_depth_continuity(e->depth, e->prior, e->conf, e->w, e->h,
					     SGS_DEPTH_PRIOR_TOL, w, e->ddepth, value);
}

/* Edge-aware smoothness of the rendered depth against the view's image,
 * on every view: it does not read the prior, and is not weighted by its
 * confidence (that would turn it off where the prior has none, which is
 * where it helps). */
static int add_depth_smooth(struct loss_eval *e, float w, double *value)
{
	e->depth_used = 1;
	return e->ops->loss_depth_smooth(e->depth, e->gt, NULL, e->w, e->h, SGS_DEPTH_SMOOTH_GAMMA,
					 w, e->ddepth, value);
}

/* MCMC's regularisers: mean opacity and mean scale (their weights are
 * equal in the paper, so one op call serves both). */
static int add_mcmc_reg(struct loss_eval *e, float w, double *value)
{
	*value = NAN;
	return e->ops->mcmc_regularise(&e->field->st, w, w);
}

/* The scale regularisers against needles (sgs_math_reg.h): both parts
 * in one op and one log column, their weights inside. */
static int add_scale_reg(struct loss_eval *e, float w, double *value)
{
	const struct sgs_trainer_opts *o = e->o;
	struct sgs_scale_reg p = {w * o->scale_ratio_weight, o->scale_ratio,
				  w * o->scale_max_weight, o->scale_max * e->extent};
	return e->ops->reg_scale(&e->field->st, &p, value);
}

static float weight_coreg(const struct sgs_trainer_opts *o, uint32_t it)
{
	return it >= sgs_coreg_start(o) ? o->coreg_weight : 0.0f;
}

/* CoR-GS's pseudo-view term: w x the gradient trainer_coreg_pseudo took
 * of L1 + D-SSIM against the other field's render (a constant). */
static int add_coreg(struct loss_eval *e, float w, double *value)
{
	float *y[NGROUPS], *x[NGROUPS];
	size_t len[NGROUPS];
	*value = 0.0;
	if (!e->pseudo_grad || !(w > 0.0f))
		return 0;
	*value = e->pseudo_value;
	field_arrays(&e->field->st.grads, y, len);
	field_arrays(e->pseudo_grad, x, len);
	for (int i = 0; i < NGROUPS; i++)
		if (e->ops->add_scaled(y[i], x[i], len[i], w) != 0)
			return -1;
	return 0;
}

static float weight_warp(const struct sgs_trainer_opts *o, uint32_t it)
{
	return it >= sgs_warp_start(o) ? o->warp_weight : 0.0f;
}

static const struct loss_term rgb = {"rgb", TERM_IMAGE, 1, weight_one, add_rgb};
static const struct loss_term pseudo = {"pseudo", TERM_IMAGE, 1, weight_pseudo, add_pseudo};
static const struct loss_term depth = {"depth", TERM_IMAGE, 1, weight_depth, add_depth_pearson};
static const struct loss_term depth_patch = {"depth_patch", TERM_IMAGE, 1, weight_depth_patch,
					     add_depth_patch};
static const struct loss_term depth_relative = {"depth_relative", TERM_IMAGE, 1,
						weight_depth_relative, add_depth_relative};
static const struct loss_term depth_rank = {"depth_rank", TERM_IMAGE, 1, weight_depth_rank,
					    add_depth_rank};
static const struct loss_term depth_continuity = {"depth_continuity", TERM_IMAGE, 1,
						  weight_depth_continuity, add_depth_continuity};
static const struct loss_term depth_smooth = {"depth_smooth", TERM_IMAGE, 1, weight_depth_smooth,
					      add_depth_smooth};
static const struct loss_term mcmc_reg = {"mcmc_reg", TERM_PARAMS, 0, weight_mcmc, add_mcmc_reg};
static const struct loss_term scale_reg = {"scale", TERM_PARAMS, 1, weight_one, add_scale_reg};
static const struct loss_term coreg = {"coreg", TERM_PARAMS, 1, weight_coreg, add_coreg};
/* one column; the second half adds the virtual view's parameter gradient */
static const struct loss_term warp = {"warp", TERM_IMAGE, 1, weight_warp, loss_warp_image};
static const struct loss_term warp_grad = {"warp_grad", TERM_PARAMS, 0, weight_warp,
					   loss_warp_params};

int loss_terms(const struct sgs_trainer_opts *o, const struct loss_term **out)
{
	int n = 0;
	out[n++] = &rgb;
	if (o->pseudo_weight > 0.0f)
		out[n++] = &pseudo;
	if (o->depth_weight > 0.0f)
		out[n++] = &depth;
	if (o->depth_patch_weight > 0.0f)
		out[n++] = &depth_patch;
	if (o->depth_relative_weight > 0.0f)
		out[n++] = &depth_relative;
	if (o->depth_rank_weight > 0.0f)
		out[n++] = &depth_rank;
	if (o->depth_continuity_weight > 0.0f)
		out[n++] = &depth_continuity;
	if (o->depth_smooth_weight > 0.0f)
		out[n++] = &depth_smooth;
	if (o->mcmc)
		out[n++] = &mcmc_reg;
	if (o->scale_ratio_weight > 0.0f || o->scale_max_weight > 0.0f)
		out[n++] = &scale_reg;
	if (o->coreg)
		out[n++] = &coreg;
	if (o->warp) {
		out[n++] = &warp;
		out[n++] = &warp_grad;
	}
	return n;
}

int loss_run(const struct loss_term *const *terms, int nterms, int stage, struct loss_eval *e,
	     double *values, double *total)
{
	for (int k = 0; k < nterms; k++) {
		const struct loss_term *lt = terms[k];
		if (lt->stage != stage)
			continue;
		float w = lt->weight(e->o, e->iteration);
		double v = NAN;
		int r = lt->add(e, w, &v);
		if (r < 0)
			return sgs_error_prefix("loss term %s", lt->name);
		values[k] = lt->measured && r == 0 ? w * v : NAN;
		if (r > 0)
			continue;
		if (lt->measured)
			*total += w * v;
	}
	return 0;
}
