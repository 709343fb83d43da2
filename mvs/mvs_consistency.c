/* The geometric consistency check: each depth of a view, back-projected to
 * the world and projected into every other train view, is compared with
 * that view's own depth at the pixel it lands on (nearest pixel).  Views
 * agreeing within a relative tolerance are counted; the confidence is the
 * matching score (1 - cost, i.e. the NCC) times an agreement factor
 * min(count, 2) / 2, and 0 when fewer than min_consistent views agree or
 * the cost is above max_cost. */
#include <math.h>

#include "mvs_internal.h"

/* Views agreeing with depth d at pixel (x, y) of view i. */
static int agreeing(const struct sgs_scene *s, const struct mvs_view *views, int nviews, int i,
		    int x, int y, double d, double tol)
{
	const struct sgs_camera *c = &s->views[views[i].index].cam;
	const double xc[3] = {d * (x + 0.5 - c->cx) / c->fx, d * (y + 0.5 - c->cy) / c->fy, d};
	double X[3]; /* world: R^T (x_cam - t) */
	for (int k = 0; k < 3; k++)
		X[k] = c->R[k] * (xc[0] - c->t[0]) + c->R[3 + k] * (xc[1] - c->t[1]) +
		       c->R[6 + k] * (xc[2] - c->t[2]);
	int count = 0;
	for (int j = 0; j < nviews; j++) {
		if (j == i)
			continue;
		const struct sgs_camera *cj = &s->views[views[j].index].cam;
		double z = cj->R[6] * X[0] + cj->R[7] * X[1] + cj->R[8] * X[2] + cj->t[2];
		if (!(z > 0))
			continue;
		double u = (cj->fx * (cj->R[0] * X[0] + cj->R[1] * X[1] + cj->R[2] * X[2] + cj->t[0])) / z + cj->cx;
		double v = (cj->fy * (cj->R[3] * X[0] + cj->R[4] * X[1] + cj->R[5] * X[2] + cj->t[1])) / z + cj->cy;
		if (!(u >= 0 && v >= 0 && u < views[j].w && v < views[j].h))
			continue;
		float dj = views[j].depth[(size_t)v * views[j].w + (size_t)u];
		if (dj > 0 && fabs(z - dj) <= tol * dj)
			count++;
	}
	return count;
}

void mvs_consistency(const struct sgs_scene *s, const struct mvs_view *views, int nviews,
		     int i, const struct sgs_mvs_opts *o, float *conf)
{
	const struct mvs_view *v = &views[i];
	const long h = v->h;
#pragma omp parallel for schedule(static)
	for (long y = 0; y < h; y++)
		for (int x = 0; x < v->w; x++) {
			const size_t p = (size_t)y * v->w + x;
			const float d = v->depth[p], c = v->cost[p];
			conf[p] = 0.0f;
			if (!(d > 0) || !(c <= o->max_cost))
				continue;
			int n = agreeing(s, views, nviews, i, x, (int)y, d, o->consist_tol);
			if (n < o->min_consistent || n == 0)
				continue;
			float ncc = 1.0f - c;
			conf[p] = (ncc > 0 ? ncc : 0) * (float)(n < 2 ? n : 2) / 2.0f;
		}
}
