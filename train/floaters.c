/* Floater removal at densification steps (sgs-train(1), --prune-floaters),
 * on the host: the means and opacities come down, the floaters found are
 * given an opacity of nothing (and no densification statistic), and the
 * densification strategy's step that follows prunes them (Inria's) or
 * relocates them (MCMC's).  It runs once per densification step, so the
 * transfers and the neighbour search are a small share of a run. */
#include <math.h>
#include <stdlib.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

/* A floater's opacity afterwards: below every strategy's threshold. */
#define FLOATER_LOGIT (-30.0f)

/* (a) statistical outliers of the mean distance to the k nearest
 * Gaussians (the point-cloud filter of Rusu et al. 2008, PCL's and
 * Open3D's remove_statistical_outlier): above mean + std_ratio x std
 * over all Gaussians. */
static int knn_outliers(const struct sgs_trainer_opts *o, const float *xyz, uint32_t n,
			uint8_t *flags, uint32_t *count)
{
	if (n < 2)
		return 0;
	float *d = malloc((size_t)n * sizeof *d);
	if (!d)
		return sgs_error_set("out of memory for the floater test of %u Gaussians", n);
	if (sgs_knn_mean_distance(xyz, n, (int)o->floater_knn, d) != 0) {
		free(d);
		return -1;
	}
	double sum = 0, sq = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += d[i];
	double mean = sum / n;
	for (uint32_t i = 0; i < n; i++)
		sq += (d[i] - mean) * (d[i] - mean);
	double thr = mean + o->floater_std * sqrt(sq / n);
	for (uint32_t i = 0; i < n; i++)
		if (d[i] > thr) {
			flags[i] |= 1;
			(*count)++;
		}
	free(d);
	return 0;
}

/* (b) Gaussians that can show (opacity at least 1/255) whose centre
 * projects into a train view in front of that view's prior by the
 * margin, z < (1 - margin) prior, where the prior's confidence is at
 * least floater_conf: they hide the surface the prior sees. */
static void prior_floaters(const struct sgs_trainer_opts *o, const struct sgs_scene *s,
			   const float *xyz, const float *logit, uint32_t n, uint8_t *flags,
			   uint32_t *count)
{
	const float visible = logf(1.0f / 254.0f); /* logit(1/255) */
	const double keep = 1.0 - o->floater_margin;
	for (uint32_t v = 0; v < s->nviews; v++) {
		const struct sgs_view *view = &s->views[v];
		if (view->split != SGS_SPLIT_TRAIN || !view->depth_prior)
			continue;
		const struct sgs_camera *c = &view->cam;
		for (uint32_t i = 0; i < n; i++) {
			if (flags[i] || !(logit[i] >= visible))
				continue;
			const float *x = xyz + 3 * (size_t)i;
			double p[3];
			for (int a = 0; a < 3; a++)
				p[a] = c->R[3 * a] * x[0] + c->R[3 * a + 1] * x[1] +
				       c->R[3 * a + 2] * x[2] + c->t[a];
			if (!(p[2] > SGS_NEAR_DEFAULT))
				continue;
			double u = c->fx * p[0] / p[2] + c->cx, w = c->fy * p[1] / p[2] + c->cy;
			if (!(u >= 0 && w >= 0 && u < c->w && w < c->h))
				continue;
			size_t px = (size_t)w * c->w + (size_t)u;
			float z = view->depth_prior[px];
			float conf = view->depth_conf ? view->depth_conf[px] : 1.0f;
			if (z > 0.0f && z < 1e30f && conf >= o->floater_conf && p[2] < keep * z) {
				flags[i] |= 2;
				(*count)++;
			}
		}
	}
}

int sgs_floater_flags(const struct sgs_trainer_opts *o, const struct sgs_scene *s,
		      const float *xyz, const float *logit, uint32_t n, uint8_t *flags,
		      uint32_t counts[2])
{
	counts[0] = counts[1] = 0;
	for (uint32_t i = 0; i < n; i++)
		flags[i] = 0;
	if (o->floater_std > 0.0f && knn_outliers(o, xyz, n, flags, &counts[0]) != 0)
		return -1;
	if (s && o->floater_margin > 0.0f)
		prior_floaters(o, s, xyz, logit, n, flags, &counts[1]);
	return 0;
}

int trainer_floaters(struct sgs_trainer *t, struct sgs_field *f, struct sgs_step_info *info)
{
	struct sgs_train_state *st = &f->st;
	const uint32_t n = st->params.n;
	const struct sgs_backend *be = t->be;
	float *xyz = malloc(((size_t)5 * n + 1) * sizeof *xyz);
	uint8_t *flags = malloc((size_t)n + 1);
	int rc = -1;
	if (!xyz || !flags) {
		sgs_error_set("out of memory for the floater test of %u Gaussians", n);
		goto done;
	}
	float *logit = xyz + 3 * (size_t)n, *acc = logit + n;
	if (n && (be->download(xyz, st->params.means, 3 * (size_t)n * sizeof *xyz) != 0 ||
		  be->download(logit, st->params.opacity, (size_t)n * sizeof *logit) != 0 ||
		  be->download(acc, st->grad2d_accum, (size_t)n * sizeof *acc) != 0))
		goto done;
	if (sgs_floater_flags(&t->o, t->scene, xyz, logit, n, flags, info->floaters) != 0)
		goto done;
	info->floater_pass = 1;
	if (info->floaters[0] + info->floaters[1] > 0) {
		for (uint32_t i = 0; i < n; i++)
			if (flags[i]) {
				logit[i] = FLOATER_LOGIT;
				acc[i] = 0.0f;
			}
		if (be->upload(st->params.opacity, logit, (size_t)n * sizeof *logit) != 0 ||
		    be->upload(st->grad2d_accum, acc, (size_t)n * sizeof *acc) != 0)
			goto done;
	}
	rc = 0;
done:
	free(xyz);
	free(flags);
	return rc ? sgs_error_prefix("floater pruning") : 0;
}
