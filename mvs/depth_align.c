/* Robust scale-and-shift fit of a relative depth map to anchor depths. */
#include <math.h>
#include <stdlib.h>

#include "depth_align.h"
#include "sgs_error.h"
#include "sgs_math_rng.h"

void sgs_align_defaults(struct sgs_align_opts *o)
{
	o->disparity = 0;
	o->inlier_rel = 0.05;
	o->iterations = 1000;
	o->min_anchors = SGS_ALIGN_MIN_ANCHORS;
	o->seed = 1;
}

float sgs_align_apply(const struct sgs_align_fit *fit, int disparity, float m)
{
	double y = fit->scale * m + fit->shift;
	double d = disparity ? 1.0 / y : y;
	return isfinite(d) && d > 0 ? (float)d : 0.f;
}

/* Relative depth error of the model at one anchor; infinite when the
 * model gives no positive depth there. */
static double rel_error(double s, double t, int disparity, double m, double z)
{
	double y = s * m + t, d = disparity ? 1.0 / y : y;
	if (!(d > 0) || !isfinite(d))
		return INFINITY;
	return fabs(d - z) / z;
}

/* Least squares of y = s m + t over the inliers, each residual taken
 * relative to y (weight 1/y^2): relative depth error for both map kinds,
 * since d(1/z)/(1/z) = -dz/z.  -1 when the inliers do not fix a line. */
static int refit(const float *m, const double *y, const unsigned char *in, size_t n, double *s,
		 double *t)
{
	double sw = 0, sm = 0, sy = 0, smm = 0, smy = 0;
	for (size_t i = 0; i < n; i++) {
		if (!in[i])
			continue;
		double w = 1.0 / (y[i] * y[i]);
		sw += w;
		sm += w * m[i];
		sy += w * y[i];
		smm += w * (double)m[i] * m[i];
		smy += w * (double)m[i] * y[i];
	}
	double det = sw * smm - sm * sm;
	if (!(sw > 0) || !(fabs(det) > 1e-12 * sw * smm))
		return -1;
	*s = (sw * smy - sm * sy) / det;
	*t = (sy - *s * sm) / sw;
	return *s > 0 && isfinite(*t) ? 0 : -1;
}

/* MSAC cost of (s, t): each anchor's relative error, capped at the inlier
 * threshold, summed; lower is better.  It prefers the precise line to one
 * that merely gathers more anchors within the threshold.  *count receives
 * the anchors within the threshold. */
static double msac_cost(const float *m, const float *z, size_t n, double s, double t,
			const struct sgs_align_opts *o, size_t *count)
{
	double cost = 0;
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		double r = rel_error(s, t, o->disparity, m[i], z[i]);
		*count += r < o->inlier_rel;
		cost += r < o->inlier_rel ? r : o->inlier_rel;
	}
	return cost;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Relative errors of (s, t) into r, their median returned (r is left
 * unsorted; tmp, n doubles, is scratch). */
static double errors_and_median(const float *m, const float *z, size_t n, double s, double t,
				int disparity, double *r, double *tmp)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = r[i] = rel_error(s, t, disparity, m[i], z[i]);
	qsort(tmp, n, sizeof *tmp, compare_doubles);
	return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

/* The pair whose line has the lowest MSAC cost. */
static int ransac(const float *m, const double *y, const float *z, size_t n,
		  const struct sgs_align_opts *o, double *best_s, double *best_t)
{
	size_t best = 0;
	double best_cost = INFINITY;
	for (uint32_t it = 0; it < o->iterations; it++) {
		/* draw (it, 0|1) of the project's counter-based generator */
		size_t i = (size_t)(sgs_rng_bits(o->seed, it, 0, 0) % n);
		size_t j = (size_t)(sgs_rng_bits(o->seed, it, 0, 1) % n);
		double dm = (double)m[i] - m[j];
		if (i == j || !(fabs(dm) > 0))
			continue;
		double s = (y[i] - y[j]) / dm, t = y[i] - s * m[i];
		if (!(s > 0) || !isfinite(t))
			continue;
		size_t count;
		double cost = msac_cost(m, z, n, s, t, o, &count);
		if (cost < best_cost) {
			best = count;
			best_cost = cost;
			*best_s = s;
			*best_t = t;
		}
	}
	return best >= 2 ? 0 : -1;
}

/* Anchors closer than this (relative) always count for the refit: the
 * precision of float maps, so noiseless data is fitted exactly. */
#define REFIT_MIN_THRESHOLD 1e-4

int sgs_align_fit(const float *m, const float *z, size_t n, const struct sgs_align_opts *o,
		  struct sgs_align_fit *fit)
{
	if (n < o->min_anchors)
		return sgs_error_set("only %zu anchors with a depth, at least %u needed", n,
				     o->min_anchors);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(m[i]) || !(z[i] > 0) || !isfinite(z[i]))
			return sgs_error_set("anchor %zu: map value %g, depth %g", i, m[i], z[i]);
	double *y = malloc(n * sizeof *y), *r = malloc(n * sizeof *r), *tmp = malloc(n * sizeof *tmp);
	unsigned char *in = malloc(n);
	int rc = -1;
	double s = 0, t = 0;
	size_t count;
	if (!y || !r || !tmp || !in) {
		sgs_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		y[i] = o->disparity ? 1.0 / z[i] : z[i];
	if (ransac(m, y, z, n, o, &s, &t) != 0) {
		sgs_error_set("no two of the %zu anchors agree on a positive scale", n);
		goto done;
	}
	/* Refit on the anchors within three robust standard deviations
	 * (1.4826 x the median error) of the line, at most the inlier
	 * threshold, while that lowers the cost: the line settles on the
	 * consistent majority, exactly when it is noiseless. */
	double cost = msac_cost(m, z, n, s, t, o, &count);
	for (int round = 0; round < 10; round++) {
		double med = errors_and_median(m, z, n, s, t, o->disparity, r, tmp);
		double thr = fmin(o->inlier_rel, fmax(3 * 1.4826 * med, REFIT_MIN_THRESHOLD));
		for (size_t i = 0; i < n; i++)
			in[i] = r[i] < thr;
		double s2, t2;
		size_t count2;
		if (refit(m, y, in, n, &s2, &t2) != 0)
			break;
		double cost2 = msac_cost(m, z, n, s2, t2, o, &count2);
		if (!(cost2 < cost))
			break;
		s = s2;
		t = t2;
		cost = cost2;
		count = count2;
	}
	fit->scale = s;
	fit->shift = t;
	fit->anchors = (uint32_t)n;
	fit->inliers = (uint32_t)count;
	fit->median_rel = errors_and_median(m, z, n, s, t, o->disparity, r, tmp);
	rc = 0;
done:
	free(y);
	free(r);
	free(tmp);
	free(in);
	return rc;
}
