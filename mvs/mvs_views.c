/* Per-view set-up of the sweep: the depth range (bounds, seed points or
 * defaults), the ranking of source views, grey conversion and the
 * hypothesis spacing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mvs_internal.h"
#include "sgs_camera.h"
#include "sgs_error.h"

#define PI 3.14159265358979323846
#define SEEDS_MIN 8          /* fewer seeds in view than this: defaults */
#define ANGLE_BEST 10.0      /* preferred triangulation angle, degrees */
#define ANGLE_MIN 1.0        /* below this, depth is not observable */

float mvs_hypothesis(float near, float far, int n, float k)
{
	const double a = 1.0 / near, b = 1.0 / far;
	const double inv = n > 1 ? a + (b - a) * k / (n - 1) : 0.5 * (a + b);
	return (float)(1.0 / inv);
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

int sgs_mvs_depth_range(const struct sgs_scene *s, uint32_t v, const struct sgs_mvs_opts *o,
			float *near, float *far)
{
	const struct sgs_view *view = &s->views[v];
	if (view->near > 0 && view->far > view->near && isfinite(view->far)) {
		*near = view->near;
		*far = view->far;
		return 0;
	}
	float *z = s->nseeds ? malloc(s->nseeds * sizeof *z) : NULL;
	size_t n = 0;
	for (uint64_t i = 0; z && i < s->nseeds; i++) {
		const float *p = s->seed_xyz + 3 * i;
		double X[3] = {p[0], p[1], p[2]}, uv[2];
		double d = sgs_camera_project(&view->cam, X, uv);
		if (d > 0 && uv[0] >= 0 && uv[1] >= 0 && uv[0] <= view->cam.w &&
		    uv[1] <= view->cam.h)
			z[n++] = (float)d;
	}
	if (n >= SEEDS_MIN) {
		qsort(z, n, sizeof *z, cmp_float);
		*near = 0.8f * z[(size_t)(0.02 * (double)(n - 1))];
		*far = 1.2f * z[(size_t)(0.98 * (double)(n - 1))];
		free(z);
		return 1;
	}
	free(z);
	*near = o->default_near;
	*far = o->default_far;
	return 2;
}

struct ranked {
	uint32_t view;
	double score;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->view > y->view) - (x->view < y->view);
}

/* Score of a triangulation angle (degrees): a bell round ANGLE_BEST,
 * narrow below it (small angles give poor depth) and wide above it (large
 * ones still match, only less well); the shape of MVSNet's view score. */
static double angle_score(double theta)
{
	const double sigma = theta < ANGLE_BEST ? 4.0 : 15.0, d = theta - ANGLE_BEST;
	return exp(-d * d / (2 * sigma * sigma));
}

int sgs_mvs_rank_sources(const struct sgs_scene *s, uint32_t ref, float near, float far,
			 uint32_t *out, int max)
{
	const struct sgs_camera *c = &s->views[ref].cam;
	double C[3], P[3], mid = 2.0 / (1.0 / near + 1.0 / far);
	sgs_camera_center(c, C);
	for (int k = 0; k < 3; k++)
		P[k] = C[k] + mid * c->R[6 + k]; /* along the optical axis */
	struct ranked *r = malloc(s->nviews * sizeof *r);
	if (!r)
		return sgs_error_set("out of memory ranking source views");
	int n = 0;
	for (uint32_t j = 0; j < s->nviews; j++) {
		const struct sgs_view *v = &s->views[j];
		if (j == ref || v->split != SGS_SPLIT_TRAIN || !v->image.data)
			continue;
		double Cj[3], a[3], b[3], na = 0, nb = 0, ab = 0, axes = 0;
		sgs_camera_center(&v->cam, Cj);
		for (int k = 0; k < 3; k++) {
			a[k] = P[k] - C[k];
			b[k] = P[k] - Cj[k];
			na += a[k] * a[k], nb += b[k] * b[k], ab += a[k] * b[k];
			axes += c->R[6 + k] * v->cam.R[6 + k];
		}
		if (axes <= 0 || nb <= 0)
			continue; /* looks the other way, or sits on the point */
		double theta = acos(fmax(-1.0, fmin(1.0, ab / sqrt(na * nb)))) * 180.0 / PI;
		if (theta < ANGLE_MIN)
			continue;
		r[n].view = j;
		r[n].score = angle_score(theta);
		n++;
	}
	qsort(r, (size_t)n, sizeof *r, cmp_ranked);
	int m = n < max ? n : max;
	for (int i = 0; i < m; i++)
		out[i] = r[i].view;
	free(r);
	return m;
}

int mvs_grey(const struct sgs_image *img, float *out)
{
	if (!img->data || (img->bits != 8 && img->bits != 16) || img->c < 1 || img->c > 4)
		return sgs_error_set("image of %u channels, %u bits: cannot make grey levels",
				     img->c, img->bits);
	const size_t npix = (size_t)img->w * img->h;
	const float scale = img->bits == 8 ? 1.0f / 255.0f : 1.0f / 65535.0f;
	const int c = (int)img->c;
	for (size_t p = 0; p < npix; p++) {
		float v[3];
		for (int k = 0; k < 3; k++) {
			int ch = c >= 3 ? k : 0; /* grey (+alpha): one channel */
			size_t i = p * (size_t)c + (size_t)ch;
			v[k] = img->bits == 8 ? ((const uint8_t *)img->data)[i]
					      : ((const uint16_t *)img->data)[i];
		}
		out[p] = (0.299f * v[0] + 0.587f * v[1] + 0.114f * v[2]) * scale;
	}
	return 0;
}
