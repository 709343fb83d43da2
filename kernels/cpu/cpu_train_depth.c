/* Twin: kernels/cuda/cuda_train_depth.cu · math: sgs_math_depth.h · test: tests/unit/test_train_ops.c, test_backend_ops.c (rows loss_depth_pearson, loss_depth_patch, loss_depth_relative, loss_depth_rank, loss_depth_continuity, loss_depth_smooth) */
/* Depth losses against a prior on the CPU.  The global moments are
 * summed per block of pixels of a fixed size in double and the blocks
 * added in order; the patch terms sum each patch in row order and the
 * patches in order; the pair terms sum per row and the rows in order; so
 * no result depends on the thread count.  Every pixel's gradient is
 * written by one thread (patches do not overlap; the pair terms gather). */
#include <stdlib.h>
#include <string.h>

#include "cpu_train_internal.h"
#include "sgs_error.h"
#include "sgs_math_depth.h"
#include "sgs_train_host.h"

#define DEPTH_BLOCK 4096

int cpu_loss_depth_pearson(const float *depth, const float *prior, const float *conf, size_t n,
			   float weight, float *ddepth, double *value)
{
	if (n && (!depth || !prior || !conf || !ddepth || !value))
		return sgs_error_set("depth loss: missing buffer");
	const long nb = (long)((n + DEPTH_BLOCK - 1) / DEPTH_BLOCK);
	double (*part)[SGS_DEPTH_MOMENTS] = calloc(nb ? (size_t)nb : 1, sizeof *part);
	if (!part)
		return sgs_error_set("depth loss: out of memory for %ld blocks", nb);
#pragma omp parallel for schedule(static)
	for (long b = 0; b < nb; b++) {
		size_t end = (size_t)(b + 1) * DEPTH_BLOCK < n ? (size_t)(b + 1) * DEPTH_BLOCK : n;
		for (size_t i = (size_t)b * DEPTH_BLOCK; i < end; i++) {
			double c = sgs_depth_weight(prior[i], conf[i]);
			if (c > 0.0)
				sgs_depth_moments_add(part[b], depth[i], prior[i], c);
		}
	}
	double m[SGS_DEPTH_MOMENTS] = {0};
	for (long b = 0; b < nb; b++)
		for (int k = 0; k < SGS_DEPTH_MOMENTS; k++)
			m[k] += part[b][k];
	free(part);
	const struct sgs_pearson p = sgs_pearson_of(m);
	*value = 1.0 - p.r;
	if (!p.ok)
		return 0;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < (long)n; i++)
		ddepth[i] += weight * sgs_pearson_grad(&p, depth[i], prior[i],
						       sgs_depth_weight(prior[i], conf[i]));
	return 0;
}

/* ---- patches: local Pearson and relative depth ---- */

/* One patch, its pixels in row order. */
static struct sgs_depth_patch_stat patch_stat(const struct sgs_depth_grid *g, long k, int relative,
					      const float *depth, const float *prior,
					      const float *conf)
{
	int x0, y0, x1, y1;
	double m[SGS_DEPTH_PATCH_MOMENTS] = {0};
	sgs_depth_patch_rect(g, (int)k, &x0, &y0, &x1, &y1);
	for (int y = y0; y < y1; y++)
		for (size_t i = (size_t)y * g->w + x0; i < (size_t)y * g->w + x1; i++) {
			double c = sgs_depth_weight(prior[i], conf[i]);
			if (c > 0.0)
				sgs_depth_patch_moments_add(m, depth[i], prior[i], c);
		}
	struct sgs_depth_patch_stat s = sgs_depth_patch_stat_of(m, g->need);
	if (relative && s.counted) {
		double r[SGS_DEPTH_REL_SUMS] = {0};
		for (int y = y0; y < y1; y++)
			for (size_t i = (size_t)y * g->w + x0; i < (size_t)y * g->w + x1; i++)
				sgs_depth_relative_add(&s, depth[i], prior[i],
						       sgs_depth_weight(prior[i], conf[i]), r);
		sgs_depth_relative_finish(&s, r);
	}
	return s;
}

static int patches(const char *op, int relative, const float *depth, const float *prior,
		   const float *conf, const struct sgs_depth_patches *p, float weight,
		   float *ddepth, double *value)
{
	struct sgs_depth_grid g;
	if (sgs_depth_patches_prepare(op, depth, prior, conf, p, ddepth, value,
				      relative ? SGS_DEPTH_DRAW_RELATIVE : SGS_DEPTH_DRAW_PATCH,
				      &g) != 0)
		return -1;
	*value = 0.0;
	const long np = (long)g.nx * g.ny;
	if (np == 0)
		return 0;
	struct sgs_depth_patch_stat *st = malloc((size_t)np * sizeof *st);
	if (!st)
		return sgs_error_set("%s: out of memory for %ld patches", op, np);
#pragma omp parallel for schedule(dynamic, 16)
	for (long k = 0; k < np; k++)
		st[k] = patch_stat(&g, k, relative, depth, prior, conf);
	double sum = 0.0;
	long counted = 0;
	for (long k = 0; k < np; k++)
		if (st[k].counted)
			sum += st[k].value, counted++;
	if (counted) {
		*value = sum / (double)counted;
		const double scale = (double)weight / (double)counted;
#pragma omp parallel for schedule(dynamic, 16)
		for (long k = 0; k < np; k++) {
			if (!st[k].counted)
				continue;
			int x0, y0, x1, y1;
			sgs_depth_patch_rect(&g, (int)k, &x0, &y0, &x1, &y1);
			for (int y = y0; y < y1; y++)
				for (size_t i = (size_t)y * g.w + x0; i < (size_t)y * g.w + x1; i++)
					ddepth[i] += (float)(scale * sgs_depth_patch_grad(
									 &st[k], relative, depth[i], prior[i],
									 sgs_depth_weight(prior[i], conf[i])));
		}
	}
	free(st);
	return 0;
}

int cpu_loss_depth_patch(const float *depth, const float *prior, const float *conf,
			 const struct sgs_depth_patches *p, float weight, float *ddepth,
			 double *value)
{
	return patches("local depth Pearson loss", 0, depth, prior, conf, p, weight, ddepth, value);
}

int cpu_loss_depth_relative(const float *depth, const float *prior, const float *conf,
			    const struct sgs_depth_patches *p, float weight, float *ddepth,
			    double *value)
{
	return patches("relative depth loss", 1, depth, prior, conf, p, weight, ddepth, value);
}

/* ---- pixel pairs: ranking, continuity, smoothness ---- */

/* The pairs' weights and weighted losses summed per row, the rows in
 * order; then every pixel gathers its gradient. */
static int pairs(const struct sgs_depth_pairs *P, const float *depth, const float *prior,
		 const float *conf, const float *img, float weight, float *ddepth, double *value)
{
	*value = 0.0;
	if (P->w == 0 || P->h == 0)
		return 0;
	double (*part)[2] = calloc((size_t)P->h, sizeof *part);
	if (!part)
		return sgs_error_set("depth loss: out of memory for %d rows", P->h);
#pragma omp parallel for schedule(static)
	for (int y = 0; y < P->h; y++)
		for (int x = 0; x < P->w; x++)
			for (int k = 0; k < P->nshift; k++) {
				struct sgs_depth_pair r =
					sgs_depth_pair_at(P, depth, prior, conf, img, x, y, k);
				part[y][0] += r.w;
				part[y][1] += r.w * r.l;
			}
	double W = 0.0, S = 0.0;
	for (int y = 0; y < P->h; y++)
		W += part[y][0], S += part[y][1];
	free(part);
	if (!(W > 0.0))
		return 0;
	*value = S / W;
	const double scale = (double)weight / W;
#pragma omp parallel for schedule(static)
	for (int y = 0; y < P->h; y++)
		for (int x = 0; x < P->w; x++)
			ddepth[(size_t)y * P->w + x] +=
				(float)(scale * sgs_depth_pairs_grad(P, depth, prior, conf, img, x, y));
	return 0;
}

int cpu_loss_depth_rank(const float *depth, const float *prior, const float *conf,
			const struct sgs_depth_rank *p, float weight, float *ddepth, double *value)
{
	struct sgs_depth_pairs P;
	if (sgs_depth_rank_prepare(depth, prior, conf, p, ddepth, value, &P) != 0)
		return -1;
	return pairs(&P, depth, prior, conf, NULL, weight, ddepth, value);
}

int cpu_loss_depth_continuity(const float *depth, const float *prior, const float *conf, int w,
			      int h, float tol, float weight, float *ddepth, double *value)
{
	struct sgs_depth_pairs P;
	if (sgs_depth_continuity_prepare(depth, prior, conf, w, h, tol, ddepth, value, &P) != 0)
		return -1;
	return pairs(&P, depth, prior, conf, NULL, weight, ddepth, value);
}

int cpu_loss_depth_smooth(const float *depth, const float *img, const float *conf, int w, int h,
			  float gamma, float weight, float *ddepth, double *value)
{
	struct sgs_depth_pairs P;
	if (sgs_depth_smooth_prepare(depth, img, w, h, gamma, ddepth, value, &P) != 0)
		return -1;
	return pairs(&P, depth, NULL, conf, img, weight, ddepth, value);
}
