/* The plane sweep of one reference view: the backend's cost volume against
 * each source view, slab by slab of hypotheses (so memory stays bounded),
 * per pixel the mean of the best K source costs, and a running
 * winner-take-all that keeps the costs on either side of the winner for
 * the parabolic sub-hypothesis refinement.  Pixels are independent, so
 * the result does not depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mvs_internal.h"
#include "sgs_error.h"
#include "sgs_math_mvs.h"

#define SLAB_BYTES ((size_t)64 << 20) /* cost volumes held at once */

/* Running winner of one pixel. */
struct wta {
	float best, prev, next, last; /* costs: winner, its two neighbours, the
				       * hypothesis just before the current one */
	int k;
};

/* The relative pose reference -> source and both intrinsics. */
static void pair_geometry(const struct sgs_camera *r, const struct sgs_camera *s,
			  struct sgs_mvs_pair *p)
{
	/* x_s = R_s (R_r^T (x_r - t_r)) + t_s = (R_s R_r^T) x_r + (t_s - R_s R_r^T t_r) */
	double R[9];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			R[3 * i + j] = s->R[3 * i] * r->R[3 * j] + s->R[3 * i + 1] * r->R[3 * j + 1] +
				       s->R[3 * i + 2] * r->R[3 * j + 2];
	for (int i = 0; i < 3; i++) {
		double t = s->t[i] - (R[3 * i] * r->t[0] + R[3 * i + 1] * r->t[1] + R[3 * i + 2] * r->t[2]);
		p->t[i] = (float)t;
	}
	for (int k = 0; k < 9; k++)
		p->R[k] = (float)R[k];
	const double Kr[4] = {r->fx, r->fy, r->cx, r->cy}, Ks[4] = {s->fx, s->fy, s->cx, s->cy};
	for (int k = 0; k < 4; k++) {
		p->ref_K[k] = (float)Kr[k];
		p->src_K[k] = (float)Ks[k];
	}
}

/* Mean of the k smallest of c[0..n) (n <= MVS_MAX_SOURCES). */
float mvs_mean_best(const float *c, int n, int k)
{
	float v[MVS_MAX_SOURCES];
	for (int i = 0; i < n; i++) { /* insertion sort: n is tiny */
		float x = c[i];
		int j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	float sum = 0.0f;
	for (int i = 0; i < k; i++)
		sum += v[i];
	return sum / (float)k;
}

static void wta_step(struct wta *s, int k, float c)
{
	if (k == s->k + 1)
		s->next = c;
	if (c < s->best) {
		s->best = c;
		s->k = k;
		s->prev = s->last;
		s->next = INFINITY;
	}
	s->last = c;
}

/* Index offset of the parabola's minimum through the winner and its
 * neighbours, in [-0.5, 0.5]; 0 at the range's ends or on a flat top. */
static float parabola_offset(const struct wta *s)
{
	if (!isfinite(s->prev) || !isfinite(s->next))
		return 0.0f;
	const float den = s->prev - 2.0f * s->best + s->next;
	if (!(den > 0.0f))
		return 0.0f;
	return sgs_clampf(0.5f * (s->prev - s->next) / den, -0.5f, 0.5f);
}

void mvs_pairs(const struct sgs_scene *s, const struct mvs_view *ref,
	       const struct mvs_view *const *src, int nsrc, const struct sgs_mvs_opts *o,
	       struct sgs_mvs_pair *pair)
{
	for (int j = 0; j < nsrc; j++) {
		memset(&pair[j], 0, sizeof pair[j]);
		pair_geometry(&s->views[ref->index].cam, &s->views[src[j]->index].cam, &pair[j]);
		pair[j].ref = ref->grey, pair[j].ref_w = ref->w, pair[j].ref_h = ref->h;
		pair[j].src = src[j]->grey, pair[j].src_w = src[j]->w, pair[j].src_h = src[j]->h;
		pair[j].radius = o->radius;
		if (o->bilateral) {
			pair[j].sigma_color = o->sigma_color;
			pair[j].sigma_space = o->sigma_space > 0 ? o->sigma_space : (float)o->radius;
		}
	}
}


int mvs_sweep(const struct sgs_backend *be, const struct sgs_scene *s, struct mvs_view *ref,
	      const struct mvs_view *const *src, int nsrc, const struct sgs_mvs_opts *o)
{
	const int w = ref->w, h = ref->h, D = o->ndepths;
	const size_t npix = (size_t)w * h;
	if (nsrc < 1 || nsrc > MVS_MAX_SOURCES)
		return sgs_error_set("view %s: %d source views (need 1..%d)",
				     s->views[ref->index].name, nsrc, MVS_MAX_SOURCES);
	const int K = o->best_k < nsrc ? o->best_k : nsrc;
	size_t per_hyp = npix * sizeof(float) * (size_t)nsrc;
	int slab = (int)(SLAB_BYTES / per_hyp);
	slab = slab < 1 ? 1 : slab > SGS_MVS_MAX_DEPTHS ? SGS_MVS_MAX_DEPTHS : slab;
	slab = slab > D ? D : slab;

	float *vol = malloc(per_hyp * (size_t)slab);
	float *buf = be->alloc(npix * sizeof(float) * (size_t)slab);
	struct wta *st = malloc(npix * sizeof *st);
	int rc = 0;
	if (!vol || !buf || !st) {
		rc = sgs_error_set("view %s: out of memory for %d hypotheses x %zu pixels",
				   s->views[ref->index].name, slab, npix);
		goto out;
	}
	for (size_t p = 0; p < npix; p++)
		st[p] = (struct wta){INFINITY, INFINITY, INFINITY, INFINITY, -2};

	struct sgs_mvs_pair pair[MVS_MAX_SOURCES];
	mvs_pairs(s, ref, src, nsrc, o, pair);

	float depths[SGS_MVS_MAX_DEPTHS];
	for (int k0 = 0; k0 < D; k0 += slab) {
		const int nk = D - k0 < slab ? D - k0 : slab;
		for (int k = 0; k < nk; k++)
			depths[k] = mvs_hypothesis(ref->near, ref->far, D, (float)(k0 + k));
		/* vol[j][k][p]: source j's cost of hypothesis k0 + k at pixel p */
		for (int j = 0; j < nsrc; j++) {
			float *dst = vol + (size_t)j * nk * npix;
			if (be->mvs_cost(&pair[j], depths, nk, buf) ||
			    be->download(dst, buf, (size_t)nk * npix * sizeof(float))) {
				rc = sgs_error_prefix("view %s, source %s", s->views[ref->index].name,
						      s->views[src[j]->index].name);
				goto out;
			}
		}
		const long n = (long)npix;
#pragma omp parallel for schedule(static)
		for (long p = 0; p < n; p++) {
			float c[MVS_MAX_SOURCES];
			for (int k = 0; k < nk; k++) {
				for (int j = 0; j < nsrc; j++)
					c[j] = vol[((size_t)j * nk + k) * npix + p];
				wta_step(&st[p], k0 + k, mvs_mean_best(c, nsrc, K));
			}
		}
	}
	for (size_t p = 0; p < npix; p++) {
		const struct wta *t = &st[p];
		ref->cost[p] = t->best;
		ref->depth[p] = t->best < SGS_MVS_COST_INVALID
					? mvs_hypothesis(ref->near, ref->far, D,
							 (float)t->k + parabola_offset(t))
					: 0.0f;
	}
out:
	free(vol);
	if (buf)
		be->free(buf);
	free(st);
	return rc;
}
