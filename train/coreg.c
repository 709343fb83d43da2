/* CoR-GS co-regularisation between a trainer's two fields (sgs-train(1),
 * --coreg): pseudo views rendered by both fields, each field pulled
 * towards the other's render (the co-reg loss term adds the gradient
 * computed here), and co-pruning of Gaussians without a counterpart in
 * the other field; and FSGS's proximity-guided unpooling (--unpool).
 * The neighbour searches run on the host with the k-d tree of the
 * initialisation; co-pruning and unpooling move the field's state through
 * the host (field_compact, field_append), a few times per run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_camera.h"
#include "sgs_error.h"
#include "sgs_math_rng.h"
#include "trainer_internal.h"

/* The pseudo camera's draws: (seed, iteration, PSEUDO_INDEX, draw 0..8),
 * an index no Gaussian has, so they are apart from densify's, MCMC's and
 * dropout's draws at the same iteration. */
#define PSEUDO_INDEX 0x50534e5600000000ull
/* Noise of the pseudo camera: centre N(0, (PSEUDO_MOVE x camera extent)^2)
 * per axis, rotation vector N(0, PSEUDO_TURN^2) per axis (radians). */
#define PSEUDO_MOVE 0.02
#define PSEUDO_TURN 0.01

uint32_t sgs_coreg_start(const struct sgs_trainer_opts *o)
{
	return o->coreg_start == SGS_RECIPE ? o->iterations / 5 : o->coreg_start;
}

/* ---- the pseudo camera ---- */

static void centre_of(const struct sgs_cam *c, double C[3])
{
	for (int a = 0; a < 3; a++) /* -R^T t */
		C[a] = -((double)c->R[a] * c->t[0] + (double)c->R[3 + a] * c->t[1] +
			 (double)c->R[6 + a] * c->t[2]);
}

static void rot_of(const struct sgs_cam *c, double R[9])
{
	for (int i = 0; i < 9; i++)
		R[i] = c->R[i];
}

/* Rodrigues: the rotation of rotation vector v. */
static void rot_exp(const double v[3], double R[9])
{
	double th = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
	double q[4] = {1, 0, 0, 0};
	if (th > 0) {
		double s = sin(th / 2) / th;
		q[0] = cos(th / 2), q[1] = v[0] * s, q[2] = v[1] * s, q[3] = v[2] * s;
	}
	sgs_quat_to_rot(q, R);
}

void sgs_pseudo_cam(const struct sgs_cam *a, const struct sgs_cam *b, double s,
		    const double dcentre[3], const double drot[3], struct sgs_cam *out)
{
	double Ra[9], Rb[9], qa[4], qb[4], q[4], R[9], N[9], Rn[9], Ca[3], Cb[3], C[3];
	rot_of(a, Ra), rot_of(b, Rb);
	sgs_rot_to_quat(Ra, qa);
	sgs_rot_to_quat(Rb, qb);
	double dot = qa[0] * qb[0] + qa[1] * qb[1] + qa[2] * qb[2] + qa[3] * qb[3];
	if (dot < 0) /* the short way */
		for (int i = 0; i < 4; i++)
			qb[i] = -qb[i];
	dot = fabs(dot) > 1 ? 1 : fabs(dot);
	double th = acos(dot), wa = 1 - s, wb = s;
	if (th > 1e-9) {
		wa = sin((1 - s) * th) / sin(th);
		wb = sin(s * th) / sin(th);
	}
	double norm = 0;
	for (int i = 0; i < 4; i++) {
		q[i] = wa * qa[i] + wb * qb[i];
		norm += q[i] * q[i];
	}
	for (int i = 0; i < 4; i++)
		q[i] /= sqrt(norm);
	sgs_quat_to_rot(q, R);
	rot_exp(drot, N);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			Rn[3 * i + j] = N[3 * i] * R[j] + N[3 * i + 1] * R[3 + j] + N[3 * i + 2] * R[6 + j];
	centre_of(a, Ca), centre_of(b, Cb);
	for (int k = 0; k < 3; k++)
		C[k] = (1 - s) * Ca[k] + s * Cb[k] + dcentre[k];
	*out = *a;
	for (int i = 0; i < 9; i++)
		out->R[i] = (float)Rn[i];
	for (int i = 0; i < 3; i++) /* t = -R C */
		out->t[i] = (float)-(Rn[3 * i] * C[0] + Rn[3 * i + 1] * C[1] + Rn[3 * i + 2] * C[2]);
}

void sgs_trainer_pseudo_cam(const struct sgs_trainer *t, uint32_t it, struct sgs_cam *cam,
			    uint32_t *a, uint32_t *b, double *s)
{
	const uint64_t seed = t->o.seed;
	const uint32_t n = t->ntrain;
	uint32_t va = (uint32_t)(sgs_rng_uniform(seed, it, PSEUDO_INDEX, 0) * n), vb = va;
	if (va >= n)
		va = n - 1;
	if (n > 1) { /* another view */
		vb = (uint32_t)(sgs_rng_uniform(seed, it, PSEUDO_INDEX, 1) * (n - 1));
		vb = vb >= n - 1 ? n - 2 : vb;
		vb += vb >= va;
	}
	double u = sgs_rng_uniform(seed, it, PSEUDO_INDEX, 2), dc[3], dr[3];
	for (int k = 0; k < 3; k++) {
		dc[k] = PSEUDO_MOVE * t->coreg.cam_extent * sgs_rng_normal(seed, it, PSEUDO_INDEX, 3 + k);
		dr[k] = PSEUDO_TURN * sgs_rng_normal(seed, it, PSEUDO_INDEX, 6 + k);
	}
	sgs_pseudo_cam(&t->views[va].cam, &t->views[vb].cam, u, dc, dr, cam);
	if (a)
		*a = va;
	if (b)
		*b = vb;
	if (s)
		*s = u;
}

/* ---- pseudo views ---- */

int trainer_coreg_setup(struct sgs_trainer *t, size_t maxpix)
{
	struct trainer_coreg *c = &t->coreg;
	if (!t->o.coreg)
		return 0;
	if (sgs_scene_extent(t->scene, &c->cam_extent, NULL) != 0)
		return -1;
	for (uint32_t k = 0; k < t->nfields; k++)
		if (!(c->rgb[k] = t->be->alloc(3 * maxpix * sizeof(float))))
			return sgs_error_prefix("co-regularisation");
	return 0;
}

void trainer_coreg_free(struct sgs_trainer *t)
{
	struct trainer_coreg *c = &t->coreg;
	for (uint32_t k = 0; k < SGS_MAX_FIELDS; k++) {
		t->be->free(c->rgb[k]);
		if (c->cap[k])
			sgs_gaussians_free(t->be, &c->grad[k]);
	}
	memset(c, 0, sizeof *c);
}

int trainer_coreg_pseudo(struct sgs_trainer *t, uint32_t it, const float bg[3])
{
	struct trainer_coreg *c = &t->coreg;
	c->ready = 0;
	if (!t->o.coreg || !(t->o.coreg_weight > 0.0f) || it < sgs_coreg_start(&t->o))
		return 0;
	struct sgs_cam cam;
	sgs_trainer_pseudo_cam(t, it, &cam, NULL, NULL, NULL);
	struct sgs_raster_opts ro = {.bg = {bg[0], bg[1], bg[2]}, .antialias = 0};
	/* both renders first: each field's target is the other's render */
	for (uint32_t k = 0; k < 2; k++) {
		struct sgs_field *f = &t->fields[k];
		struct sgs_render_out out = {.rgb = c->rgb[k]};
		field_sync_sh(f);
		if (sgs_render(f->ctx, &f->st.params, &cam, &ro, &out) != 0)
			return sgs_error_prefix("pseudo view, field %u", k);
	}
	for (uint32_t k = 0; k < 2; k++) {
		double terms[4];
		struct sgs_render_dout dout = {t->dimg, NULL, NULL};
		if (field_grad_reserve(t->be, &t->fields[k].st.params, &c->grad[k], &c->cap[k]) != 0 ||
		    t->ops->loss_l1_ssim(c->rgb[k], c->rgb[1 - k], cam.w, cam.h, t->o.lambda_dssim,
					 t->dimg, terms) != 0 ||
		    sgs_render_backward(t->fields[k].ctx, &dout, &c->grad[k], NULL, NULL, NULL,
					NULL) != 0)
			return sgs_error_prefix("pseudo view, field %u", k);
		c->value[k] = terms[3];
	}
	c->ready = 1;
	return 0;
}

/* ---- co-pruning ---- */

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

int sgs_coprune_flags(const struct sgs_trainer_opts *o, const float *xa, uint32_t na,
		      const float *xb, uint32_t nb, uint8_t *drop, float *threshold,
		      uint32_t *count)
{
	*count = 0;
	*threshold = INFINITY;
	memset(drop, 0, na);
	if (na == 0 || nb == 0)
		return 0;
	float *d = malloc((size_t)na * sizeof *d);
	if (!d)
		return sgs_error_set("out of memory for co-pruning %u Gaussians", na);
	if (o->coprune_dist > 0.0f) {
		*threshold = o->coprune_dist;
	} else if (na > 1) {
		if (sgs_knn_mean_distance(xa, na, SGS_COPRUNE_KNN, d) != 0) {
			free(d);
			return -1;
		}
		qsort(d, na, sizeof *d, cmp_float);
		*threshold = o->coprune_mult * d[(na - 1) / 2];
	}
	if (sgs_knn_nearest(xb, nb, xa, na, 0, d) != 0) {
		free(d);
		return -1;
	}
	for (uint32_t i = 0; i < na; i++)
		if (d[i] > *threshold) {
			drop[i] = 1;
			(*count)++;
		}
	free(d);
	return 0;
}

int trainer_coprune_due(const struct sgs_trainer *t, uint32_t it)
{
	const struct sgs_trainer_opts *o = &t->o;
	return o->coreg && t->nfields == 2 && o->coprune_every != SGS_NEVER &&
	       o->coprune_every > 0 && it % o->coprune_every == 0 && it < o->iterations;
}

int trainer_coprune(struct sgs_trainer *t, uint32_t counts[2])
{
	const uint32_t n[2] = {t->fields[0].st.params.n, t->fields[1].st.params.n};
	float *x[2] = {malloc(3 * ((size_t)n[0] + 1) * sizeof(float)),
		       malloc(3 * ((size_t)n[1] + 1) * sizeof(float))};
	uint8_t *drop[2] = {malloc((size_t)n[0] + 1), malloc((size_t)n[1] + 1)};
	int rc = -1;
	if (!x[0] || !x[1] || !drop[0] || !drop[1]) {
		sgs_error_set("out of memory for %u and %u Gaussians", n[0], n[1]);
		goto done;
	}
	for (int k = 0; k < 2; k++)
		if (n[k] && t->be->download(x[k], t->fields[k].st.params.means,
					    3 * (size_t)n[k] * sizeof(float)) != 0)
			goto done;
	/* both tests on the fields as they are, then both prunes */
	for (int k = 0; k < 2; k++) {
		float thr;
		if (sgs_coprune_flags(&t->o, x[k], n[k], x[1 - k], n[1 - k], drop[k], &thr,
				      &counts[k]) != 0)
			goto done;
	}
	for (int k = 0; k < 2; k++) {
		if (counts[k] == n[k]) /* never a field emptied */
			counts[k] = 0;
		else if (counts[k] && field_compact(&t->fields[k], t->be, drop[k]) != 0)
			goto done;
	}
	rc = 0;
done:
	for (int k = 0; k < 2; k++)
		free(x[k]), free(drop[k]);
	return rc ? sgs_error_prefix("co-pruning") : 0;
}

/* ---- unpooling ---- */

struct gap {
	float d;
	uint32_t i, j;
};

static int cmp_gap(const void *a, const void *b)
{
	const struct gap *x = a, *y = b;
	if (x->d != y->d)
		return x->d < y->d ? 1 : -1;
	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return (x->j > y->j) - (x->j < y->j);
}

int sgs_unpool_pairs(const struct sgs_trainer_opts *o, const float *xyz, uint32_t n,
		     uint32_t budget, uint32_t **pairs, uint32_t *npairs, float *threshold)
{
	const int k = (int)o->unpool_knn;
	*pairs = NULL, *npairs = 0, *threshold = INFINITY;
	if (n < 2 || !(o->unpool > 0.0f))
		return 0;
	if (k < 1 || k > SGS_KNN_MAX)
		return sgs_error_set("%d unpooling neighbours (1 to %d)", k, SGS_KNN_MAX);
	const size_t m = (size_t)n * k;
	uint32_t *idx = malloc(m * sizeof *idx);
	float *dist = malloc(m * sizeof *dist), *sorted = malloc(m * sizeof *sorted);
	struct gap *cand = NULL;
	int rc = -1;
	if (!idx || !dist || !sorted) {
		sgs_error_set("out of memory for unpooling %u Gaussians", n);
		goto done;
	}
	if (sgs_knn_neighbours(xyz, n, k, idx, dist) != 0)
		goto done;
	size_t ng = 0;
	for (size_t e = 0; e < m; e++)
		if (idx[e] != UINT32_MAX)
			sorted[ng++] = dist[e];
	qsort(sorted, ng, sizeof *sorted, cmp_float);
	if (o->unpool >= 1.0f) /* a multiple of the median gap */
		*threshold = o->unpool * sorted[(ng - 1) / 2];
	else /* a quantile of the gaps */
		*threshold = sorted[(size_t)((double)o->unpool * (double)(ng - 1))];
	size_t nc = 0;
	for (size_t e = 0; e < m; e++)
		nc += idx[e] != UINT32_MAX && dist[e] > *threshold;
	if (!(cand = malloc((nc ? nc : 1) * sizeof *cand))) {
		sgs_error_set("out of memory for %zu unpooling pairs", nc);
		goto done;
	}
	nc = 0;
	for (uint32_t i = 0; i < n; i++)
		for (int a = 0; a < k; a++) {
			uint32_t j = idx[(size_t)k * i + a];
			float d = dist[(size_t)k * i + a];
			if (j == UINT32_MAX || !(d > *threshold))
				continue;
			int mutual = 0; /* the pair is j's too: taken from the lower index */
			for (int b = 0; b < k; b++)
				mutual |= idx[(size_t)k * j + b] == i;
			if (mutual && j < i)
				continue;
			cand[nc++] = (struct gap){d, i, j};
		}
	qsort(cand, nc, sizeof *cand, cmp_gap);
	if (nc > budget)
		nc = budget;
	if (!(*pairs = malloc((2 * nc + 1) * sizeof **pairs))) {
		sgs_error_set("out of memory for %zu unpooling pairs", nc);
		goto done;
	}
	for (size_t c = 0; c < nc; c++)
		(*pairs)[2 * c] = cand[c].i, (*pairs)[2 * c + 1] = cand[c].j;
	*npairs = (uint32_t)nc;
	rc = 0;
done:
	free(idx), free(dist), free(sorted), free(cand);
	return rc;
}

int trainer_unpool_due(const struct sgs_trainer *t, uint32_t it)
{
	const struct sgs_trainer_opts *o = &t->o;
	uint32_t until = o->unpool_until == SGS_RECIPE ? t->sched.densify_until : o->unpool_until;
	return o->unpool > 0.0f && it <= until && densify_due(&t->sched, it);
}

/* New Gaussians at the midpoints of the planned pairs: scale, rotation
 * and opacity of the source, SH the mean of the two; zero Adam state. */
int trainer_unpool(struct sgs_trainer *t, struct sgs_field *f, struct sgs_step_info *info)
{
	const struct sgs_backend *be = t->be;
	struct sgs_gaussians *g = &f->st.params;
	const uint32_t n = g->n, cap = t->o.max_gaussians;
	const size_t K3 = 3 * (size_t)sgs_sh_coeffs(g->sh_degree);
	uint32_t *pairs = NULL, m = 0;
	float thr, *p[NGROUPS], *q[NGROUPS], *host = NULL, *rows = NULL;
	size_t len[NGROUPS], total = 0;
	int rc = -1;
	info->unpooled = 0;
	if (cap <= n)
		return 0;
	field_arrays(g, p, len);
	for (int i = 0; i < NGROUPS; i++)
		total += len[i];
	if (!(host = malloc((total + 1) * sizeof *host))) {
		sgs_error_set("out of memory for %u Gaussians", n);
		goto done;
	}
	float *h[NGROUPS];
	for (int i = 0, off = 0; i < NGROUPS; off += (int)len[i], i++) {
		h[i] = host + off;
		if (len[i] && be->download(h[i], p[i], len[i] * sizeof(float)) != 0)
			goto done;
	}
	if (sgs_unpool_pairs(&t->o, h[GRP_MEANS], n, cap - n, &pairs, &m, &thr) != 0)
		goto done;
	if (m == 0) {
		rc = 0;
		goto done;
	}
	struct sgs_gaussians add = {m, g->sh_degree, g->sh_active, NULL, NULL, NULL, NULL, NULL};
	size_t per = 3 + 3 + 4 + 1 + K3;
	if (!(rows = malloc((size_t)m * per * sizeof *rows))) {
		sgs_error_set("out of memory for %u new Gaussians", m);
		goto done;
	}
	add.means = rows, add.log_scales = rows + 3 * (size_t)m, add.quats = rows + 6 * (size_t)m;
	add.opacity = rows + 10 * (size_t)m, add.sh = rows + 11 * (size_t)m;
	field_arrays(&add, q, len);
	for (uint32_t c = 0; c < m; c++) {
		const size_t i = pairs[2 * c], j = pairs[2 * c + 1];
		for (int a = 0; a < 3; a++) {
			q[GRP_MEANS][3 * c + a] = 0.5f * (h[GRP_MEANS][3 * i + a] + h[GRP_MEANS][3 * j + a]);
			q[GRP_SCALES][3 * c + a] = h[GRP_SCALES][3 * i + a];
		}
		for (int a = 0; a < 4; a++)
			q[GRP_QUATS][4 * c + a] = h[GRP_QUATS][4 * i + a];
		q[GRP_OPACITY][c] = h[GRP_OPACITY][i];
		for (size_t a = 0; a < K3; a++)
			q[GRP_SH][K3 * c + a] = 0.5f * (h[GRP_SH][K3 * i + a] + h[GRP_SH][K3 * j + a]);
	}
	if (field_append(f, be, cap, &add) != 0)
		goto done;
	info->unpooled = m;
	rc = 0;
done:
	free(host), free(rows), free(pairs);
	return rc ? sgs_error_prefix("unpooling") : 0;
}
