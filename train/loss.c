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

static const struct loss_term rgb = {"rgb", TERM_IMAGE, 1, weight_one, add_rgb};
static const struct loss_term pseudo = {"pseudo", TERM_IMAGE, 1, weight_pseudo, add_pseudo};
static const struct loss_term depth = {"depth", TERM_IMAGE, 1, weight_depth, add_depth_pearson};
static const struct loss_term mcmc_reg = {"mcmc_reg", TERM_PARAMS, 0, weight_mcmc, add_mcmc_reg};
static const struct loss_term scale_reg = {"scale", TERM_PARAMS, 1, weight_one, add_scale_reg};

int loss_terms(const struct sgs_trainer_opts *o, const struct loss_term **out)
{
	int n = 0;
	out[n++] = &rgb;
	if (o->pseudo_weight > 0.0f)
		out[n++] = &pseudo;
	if (o->depth_weight > 0.0f)
		out[n++] = &depth;
	if (o->mcmc)
		out[n++] = &mcmc_reg;
	if (o->scale_ratio_weight > 0.0f || o->scale_max_weight > 0.0f)
		out[n++] = &scale_reg;
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
