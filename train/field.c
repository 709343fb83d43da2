/* A Gaussian field's storage, initialisation and optimiser step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_splat.h"
#include "sgs_train_host.h"
#include "sgs_trainer.h"
#include "train_field.h"

#define SH_C0 0.28209479177387814

void field_arrays(const struct sgs_gaussians *g, float *p[NGROUPS], size_t len[NGROUPS])
{
	size_t n = g->n, K = (size_t)sgs_sh_coeffs(g->sh_degree);
	p[GRP_MEANS] = g->means, len[GRP_MEANS] = 3 * n;
	p[GRP_SCALES] = g->log_scales, len[GRP_SCALES] = 3 * n;
	p[GRP_QUATS] = g->quats, len[GRP_QUATS] = 4 * n;
	p[GRP_OPACITY] = g->opacity, len[GRP_OPACITY] = n;
	p[GRP_SH] = g->sh, len[GRP_SH] = 3 * K * n;
}

static int alloc_zeroed(const struct sgs_backend *be, float **p, uint32_t n)
{
	*p = be->alloc((size_t)n * sizeof(float));
	if (!*p || be->memset(*p, 0, (size_t)n * sizeof(float)) != 0)
		return -1;
	return 0;
}

int field_alloc(struct sgs_field *f, const struct sgs_backend *be, uint32_t n, int deg)
{
	struct sgs_train_state *st = &f->st;
	if (sgs_gaussians_alloc(be, &st->params, n, deg) != 0 ||
	    sgs_gaussians_alloc(be, &st->grads, n, deg) != 0 ||
	    sgs_gaussians_alloc(be, &st->m, n, deg) != 0 ||
	    sgs_gaussians_alloc(be, &st->v, n, deg) != 0 ||
	    alloc_zeroed(be, &st->grad2d_accum, n) != 0 || alloc_zeroed(be, &st->grad2d_count, n) != 0 ||
	    alloc_zeroed(be, &st->max_radii, n) != 0)
		return sgs_error_prefix("optimiser state");
	st->capacity = n;
	if (!f->ctx && !(f->ctx = be->ctx_new()))
		return -1;
	return 0;
}

void field_free(struct sgs_field *f, const struct sgs_backend *be)
{
	struct sgs_train_state *st = &f->st;
	sgs_gaussians_free(be, &st->params);
	sgs_gaussians_free(be, &st->grads);
	sgs_gaussians_free(be, &st->m);
	sgs_gaussians_free(be, &st->v);
	be->free(st->grad2d_accum);
	be->free(st->grad2d_count);
	be->free(st->max_radii);
	if (f->ctx)
		be->ctx_free(f->ctx);
	memset(f, 0, sizeof *f);
}

int field_from_points(struct sgs_field *f, const struct sgs_backend *be, int deg,
		      const float *xyz, const uint8_t *rgb, uint64_t n)
{
	struct sgs_splats h;
	int rc = -1;
	if (n > UINT32_MAX / 64)
		return sgs_error_set("%llu initial points: too many", (unsigned long long)n);
	sgs_splats_init(&h);
	if (sgs_splats_alloc(&h, n, (uint32_t)deg) != 0)
		return -1;
	size_t K = (size_t)SGS_SH_COEFFS(deg);
	memcpy(h.means, xyz, 3 * n * sizeof(float));
	if (sgs_knn_log_scales(xyz, n, h.log_scales) != 0)
		goto done;
	for (uint64_t i = n; i-- > 0;) { /* backwards: spread in place */
		float s = h.log_scales[i];
		h.log_scales[3 * i] = h.log_scales[3 * i + 1] = h.log_scales[3 * i + 2] = s;
	}
	for (uint64_t i = 0; i < n; i++) {
		h.quats[4 * i] = 1.0f;
		h.logit_opacity[i] = (float)log(0.1 / 0.9);
		for (int c = 0; c < 3; c++)
			h.sh[i * K * 3 + c] = (float)((rgb[3 * i + c] / 255.0 - 0.5) / SH_C0);
	}
	if (field_alloc(f, be, (uint32_t)n, deg) != 0)
		goto done;
	struct sgs_gaussians host = {(uint32_t)n, deg, 0, h.means, h.log_scales,
				     h.quats, h.logit_opacity, h.sh};
	rc = sgs_gaussians_upload(be, &f->st.params, &host);
done:
	sgs_splats_free(&h);
	return rc;
}

void field_sync_sh(struct sgs_field *f)
{
	struct sgs_train_state *st = &f->st;
	st->params.sh_active = st->grads.sh_active = f->sh_active;
	st->m.sh_active = st->v.sh_active = f->sh_active;
}

static int adam_group(struct sgs_field *f, const struct sgs_train_ops *ops, int grp, float lr,
		      float lr_rest, uint32_t period, uint32_t nfirst)
{
	float *p[NGROUPS], *g[NGROUPS], *m[NGROUPS], *v[NGROUPS];
	size_t len[NGROUPS];
	field_arrays(&f->st.params, p, len);
	field_arrays(&f->st.grads, g, len);
	field_arrays(&f->st.m, m, len);
	field_arrays(&f->st.v, v, len);
	struct sgs_adam_hp hp = {lr, lr_rest, period, nfirst, 0.9f, 0.999f, 1e-15f,
				 ++f->adam_step[grp]};
	return ops->adam(p[grp], g[grp], m[grp], v[grp], len[grp], &hp);
}

int field_optimise(struct sgs_field *f, const struct sgs_train_ops *ops, float lr_mean,
		   int skip_opacity)
{
	uint32_t K3 = 3 * (uint32_t)sgs_sh_coeffs(f->st.params.sh_degree);
	if (adam_group(f, ops, GRP_MEANS, lr_mean, lr_mean, 0, 0) != 0 ||
	    adam_group(f, ops, GRP_SH, SGS_LR_SH, SGS_LR_SH_REST, K3, 3) != 0 ||
	    adam_group(f, ops, GRP_SCALES, SGS_LR_SCALE, SGS_LR_SCALE, 0, 0) != 0 ||
	    adam_group(f, ops, GRP_QUATS, SGS_LR_ROTATION, SGS_LR_ROTATION, 0, 0) != 0)
		return -1;
	/* Inria replaces the opacity tensor when it resets it, so that
	 * iteration's opacity step is lost. */
	if (!skip_opacity &&
	    adam_group(f, ops, GRP_OPACITY, SGS_LR_OPACITY, SGS_LR_OPACITY, 0, 0) != 0)
		return -1;
	return 0;
}

/* The state's arrays (sgs_train_host.h): the parameter set's five first,
 * in field_arrays' order. */
static void set_n(struct sgs_train_state *st, uint32_t n)
{
	st->params.n = st->grads.n = st->m.n = st->v.n = n;
}

int field_compact(struct sgs_field *f, const struct sgs_backend *be, const uint8_t *drop)
{
	struct sgs_train_state *st = &f->st;
	struct sgs_state_array arr[SGS_STATE_ARRAYS];
	const uint32_t n = st->params.n;
	int count = sgs_state_arrays(st, arr);
	size_t wide = 0;
	uint32_t keep = 0;
	for (uint32_t i = 0; i < n; i++)
		keep += !drop[i];
	for (int k = 0; k < count; k++)
		wide = arr[k].stride > wide ? arr[k].stride : wide;
	float *h = malloc(((size_t)n * wide + 1) * sizeof *h);
	if (!h)
		return sgs_error_set("out of memory for %u Gaussians", n);
	for (int k = 0; k < count && n; k++) {
		const size_t w = arr[k].stride;
		if (be->download(h, *arr[k].p, n * w * sizeof *h) != 0) {
			free(h);
			return -1;
		}
		for (uint32_t i = 0, o = 0; i < n; i++)
			if (!drop[i])
				memmove(h + (size_t)o++ * w, h + (size_t)i * w, w * sizeof *h);
		if (keep && be->upload(*arr[k].p, h, keep * w * sizeof *h) != 0) {
			free(h);
			return -1;
		}
	}
	free(h);
	set_n(st, keep);
	return 0;
}

int field_append(struct sgs_field *f, const struct sgs_backend *be, uint32_t max_gaussians,
		 const struct sgs_gaussians *add)
{
	struct sgs_train_state *st = &f->st;
	struct sgs_state_array arr[SGS_STATE_ARRAYS];
	float *rows[NGROUPS], *fresh[SGS_STATE_ARRAYS] = {0};
	size_t len[NGROUPS];
	const uint32_t n = st->params.n, m = add->n;
	int count = sgs_state_arrays(st, arr);
	uint32_t cap = sgs_train_capacity(st->capacity, (uint64_t)n + m, max_gaussians);
	if (cap == 0 || (max_gaussians && (uint64_t)n + m > max_gaussians))
		return sgs_error_set("%u + %u Gaussians: past the cap", n, m);
	if (cap != st->capacity) {
		for (int k = 0; k < count; k++)
			if (!(fresh[k] = be->alloc((size_t)cap * arr[k].stride * sizeof(float))) ||
			    (n && be->copy(fresh[k], *arr[k].p, n * arr[k].stride * sizeof(float)) != 0)) {
				for (int j = 0; j <= k; j++)
					be->free(fresh[j]);
				return sgs_error_prefix("growing to %u Gaussians", cap);
			}
		for (int k = 0; k < count; k++) {
			be->free(*arr[k].p);
			*arr[k].p = fresh[k];
		}
		st->capacity = cap;
	}
	field_arrays(add, rows, len);
	for (int k = 0; k < count && m; k++) {
		float *dst = *arr[k].p + (size_t)n * arr[k].stride;
		size_t bytes = (size_t)m * arr[k].stride * sizeof(float);
		if (k < NGROUPS ? be->upload(dst, rows[k], bytes) : be->memset(dst, 0, bytes))
			return -1;
	}
	set_n(st, n + m);
	return 0;
}

int field_grad_reserve(const struct sgs_backend *be, const struct sgs_gaussians *p,
		       struct sgs_gaussians *grad, uint32_t *cap)
{
	if (*cap < p->n || (*cap && grad->sh_degree != p->sh_degree)) {
		if (*cap)
			sgs_gaussians_free(be, grad);
		*cap = 0;
		uint64_t want = (uint64_t)p->n + p->n / 2 + 1;
		if (want > UINT32_MAX)
			want = UINT32_MAX;
		if (sgs_gaussians_alloc(be, grad, (uint32_t)want, p->sh_degree) != 0)
			return -1;
		*cap = (uint32_t)want;
	}
	grad->n = p->n;
	grad->sh_active = p->sh_active;
	return 0;
}
