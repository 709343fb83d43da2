/* Building a trainer: the train views and their ground truth on the
 * backend, the per-Gaussian state, the initial Gaussians, and teardown. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "trainer_internal.h"

#define SH_C0 0.28209479177387814

void trainer_arrays(const struct sgs_gaussians *g, float *p[5], size_t len[5])
{
	size_t n = g->n, K = (size_t)sgs_sh_coeffs(g->sh_degree);
	p[GRP_MEANS] = g->means, len[GRP_MEANS] = 3 * n;
	p[GRP_SCALES] = g->log_scales, len[GRP_SCALES] = 3 * n;
	p[GRP_QUATS] = g->quats, len[GRP_QUATS] = 4 * n;
	p[GRP_OPACITY] = g->opacity, len[GRP_OPACITY] = n;
	p[GRP_SH] = g->sh, len[GRP_SH] = 3 * K * n;
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		h = (h ^ (uint8_t)(v >> (8 * i))) * 0x100000001b3ull;
	return h;
}

static uint64_t fnv_f64(uint64_t h, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return fnv_u64(h, u);
}

uint64_t trainer_fingerprint(const struct sgs_scene *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int k = 0; k < 3; k++)
		h = fnv_f64(h, s->background[k]);
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		const struct sgs_camera *c = &v->cam;
		double a[] = {c->fx, c->fy, c->cx, c->cy};
		h = fnv_u64(h, i);
		h = fnv_u64(h, (uint64_t)c->w << 32 | c->h);
		for (int k = 0; k < 4; k++)
			h = fnv_f64(h, a[k]);
		for (int k = 0; k < 9; k++)
			h = fnv_f64(h, c->R[k]);
		for (int k = 0; k < 3; k++)
			h = fnv_f64(h, c->t[k]);
		if (v->image.data)
			h = fnv(h, v->image.data, (size_t)v->image.w * v->image.h * v->image.c);
	}
	return h;
}

/* Ground truth of one view as floats in [0,1]; RGBA images are matted on
 * the scene background, or kept straight with their alpha when the
 * background changes every iteration. */
static int upload_view(struct sgs_trainer *t, struct train_view *tv, const struct sgs_view *v)
{
	const struct sgs_image *im = &v->image;
	size_t np = (size_t)tv->w * tv->h;
	if (!im->data)
		return sgs_error_set("view %s: no image", v->name);
	if (im->w != v->cam.w || im->h != v->cam.h || im->bits != 8 ||
	    (im->c != 3 && im->c != 4))
		return sgs_error_set("view %s: expected an 8-bit RGB(A) image of %ux%u", v->name,
				     v->cam.w, v->cam.h);
	float *rgb = malloc(3 * np * sizeof *rgb);
	if (!rgb)
		return sgs_error_set("out of memory for view %s", v->name);
	const uint8_t *px = im->data;
	int keep_alpha = im->c == 4 && t->o.random_bg;
	if (keep_alpha && !(tv->alpha = malloc(np * sizeof *tv->alpha))) {
		free(rgb);
		return sgs_error_set("out of memory for view %s", v->name);
	}
	for (size_t i = 0; i < np; i++) {
		const uint8_t *p = px + i * im->c;
		float a = im->c == 4 ? p[3] / 255.0f : 1.0f;
		for (int c = 0; c < 3; c++) {
			float col = p[c] / 255.0f;
			rgb[3 * i + c] = keep_alpha ? col : col * a + t->scene->background[c] * (1 - a);
		}
		if (keep_alpha)
			tv->alpha[i] = a;
	}
	tv->gt = t->be->alloc(3 * np * sizeof(float));
	if (!tv->gt || t->be->upload(tv->gt, rgb, 3 * np * sizeof(float)) != 0) {
		free(rgb);
		return sgs_error_prefix("view %s", v->name);
	}
	if (keep_alpha)
		tv->rgb = rgb;
	else
		free(rgb);
	return 0;
}

int trainer_setup(struct sgs_trainer *t, const struct sgs_backend *be,
		  const struct sgs_train_ops *ops, const struct sgs_scene *s,
		  const struct sgs_trainer_opts *o)
{
	size_t maxpix = 0;
	t->be = be;
	t->ops = ops;
	t->scene = s;
	t->o = *o;
	t->sh_active = 0;
	if (o->sh_degree < 0 || o->sh_degree > 3)
		return sgs_error_set("SH degree %d out of range 0..3", o->sh_degree);
	if (o->iterations == 0)
		return sgs_error_set("no iterations to run");
	if (sgs_scene_extent(s, &t->extent, NULL) != 0)
		return -1;
	sgs_schedule_make(o->iterations, sgs_scene_count(s, SGS_SPLIT_TRAIN), &t->sched);
	t->white_bg = s->background[0] == 1 && s->background[1] == 1 && s->background[2] == 1;
	t->fingerprint = trainer_fingerprint(s);
	t->ntrain = sgs_scene_count(s, SGS_SPLIT_TRAIN);
	t->views = calloc(t->ntrain, sizeof *t->views);
	t->stack = calloc(t->ntrain, sizeof *t->stack);
	if (!t->views || !t->stack)
		return sgs_error_set("out of memory");
	for (uint32_t i = 0, k = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		struct train_view *tv = &t->views[k++];
		tv->scene_index = i;
		sgs_cam_from_camera(&v->cam, &tv->cam);
		tv->w = (int)v->cam.w;
		tv->h = (int)v->cam.h;
		if (upload_view(t, tv, v) != 0)
			return -1;
		if ((size_t)tv->w * tv->h > maxpix)
			maxpix = (size_t)tv->w * tv->h;
	}
	/* One set of output buffers fits every view: the kernels only touch
	 * the first w*h entries. */
	if (sgs_render_out_alloc(be, &t->out, (int)maxpix, 1, 0) != 0 ||
	    !(t->dimg = be->alloc(3 * maxpix * sizeof(float))) ||
	    !(t->gt_scratch = be->alloc(3 * maxpix * sizeof(float))) ||
	    !(t->ctx = be->ctx_new()))
		return -1;
	if (!(t->host_scratch = malloc(3 * maxpix * sizeof(float))))
		return sgs_error_set("out of memory");
	return 0;
}

static int alloc_zeroed(const struct sgs_backend *be, float **p, uint32_t n)
{
	*p = be->alloc((size_t)n * sizeof(float));
	if (!*p || be->memset(*p, 0, (size_t)n * sizeof(float)) != 0)
		return -1;
	return 0;
}

int trainer_alloc_state(struct sgs_trainer *t, uint32_t n)
{
	struct sgs_train_state *st = &t->st;
	const struct sgs_backend *be = t->be;
	int deg = t->o.sh_degree;
	if (sgs_gaussians_alloc(be, &st->params, n, deg) != 0 ||
	    sgs_gaussians_alloc(be, &st->grads, n, deg) != 0 ||
	    sgs_gaussians_alloc(be, &st->m, n, deg) != 0 ||
	    sgs_gaussians_alloc(be, &st->v, n, deg) != 0 ||
	    alloc_zeroed(be, &st->grad2d_accum, n) != 0 || alloc_zeroed(be, &st->grad2d_count, n) != 0 ||
	    alloc_zeroed(be, &st->max_radii, n) != 0)
		return sgs_error_prefix("optimiser state");
	st->capacity = n;
	return 0;
}

/* The Inria initialisation from points and colours. */
static int init_from_points(struct sgs_trainer *t, const float *xyz, const uint8_t *rgb, uint64_t n)
{
	struct sgs_splats h;
	int rc = -1;
	if (n > UINT32_MAX / 64)
		return sgs_error_set("%llu initial points: too many", (unsigned long long)n);
	sgs_splats_init(&h);
	if (sgs_splats_alloc(&h, n, (uint32_t)t->o.sh_degree) != 0)
		return -1;
	size_t K = (size_t)SGS_SH_COEFFS(t->o.sh_degree);
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
	if (trainer_alloc_state(t, (uint32_t)n) != 0)
		goto done;
	struct sgs_gaussians host = {(uint32_t)n, t->o.sh_degree, 0, h.means, h.log_scales,
				     h.quats, h.logit_opacity, h.sh};
	rc = sgs_gaussians_upload(t->be, &t->st.params, &host);
done:
	sgs_splats_free(&h);
	return rc;
}

int sgs_trainer_new(const struct sgs_backend *be, const struct sgs_train_ops *ops,
		    const struct sgs_scene *s, const struct sgs_trainer_opts *o,
		    struct sgs_trainer **out)
{
	struct sgs_trainer *t = calloc(1, sizeof *t);
	int rc = -1;
	*out = NULL;
	if (!t)
		return sgs_error_set("out of memory");
	if (trainer_setup(t, be, ops, s, o) != 0)
		goto done;
	if (o->init == SGS_INIT_SEEDS) {
		if (s->nseeds == 0) {
			sgs_error_set("the scene has no seed points; use -I random (with -N count)");
			goto done;
		}
		rc = init_from_points(t, s->seed_xyz, s->seed_rgb, s->nseeds);
	} else {
		uint64_t n = o->init_count;
		float *xyz = malloc((n ? n : 1) * 3 * sizeof *xyz);
		uint8_t *rgb = malloc((n ? n : 1) * 3);
		if (!xyz || !rgb)
			sgs_error_set("out of memory for %llu random points", (unsigned long long)n);
		else if (n == 0)
			sgs_error_set("random initialisation needs at least one point");
		else if (sgs_random_points(s, o->seed, n, xyz, rgb) == 0)
			rc = init_from_points(t, xyz, rgb, n);
		free(xyz);
		free(rgb);
	}
	if (rc == 0 && o->mcmc && !(ops->mcmc_relocate && ops->mcmc_noise && ops->mcmc_regularise)) {
		sgs_error_set("the %s backend has no MCMC operations", be->name);
		rc = -1;
	}
	if (rc == 0 && o->mcmc) {
		/* The cap is part of the recipe (it goes into checkpoints). */
		uint32_t n = t->st.params.n;
		if (t->o.max_gaussians == 0) {
			uint64_t c = (uint64_t)n * SGS_MCMC_CAP_FACTOR;
			t->o.max_gaussians = c > 2000000000u ? 2000000000u : (uint32_t)c;
		} else if (n > t->o.max_gaussians) {
			sgs_error_set("MCMC: the cap of %u Gaussians is below the %u initial ones",
				      t->o.max_gaussians, n);
			rc = -1;
		}
	}
done:
	if (rc != 0) {
		sgs_trainer_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void sgs_trainer_free(struct sgs_trainer *t)
{
	if (!t)
		return;
	const struct sgs_backend *be = t->be;
	if (be) {
		struct sgs_train_state *st = &t->st;
		sgs_gaussians_free(be, &st->params);
		sgs_gaussians_free(be, &st->grads);
		sgs_gaussians_free(be, &st->m);
		sgs_gaussians_free(be, &st->v);
		be->free(st->grad2d_accum);
		be->free(st->grad2d_count);
		be->free(st->max_radii);
		for (uint32_t i = 0; t->views && i < t->ntrain; i++)
			be->free(t->views[i].gt);
		sgs_render_out_free(be, &t->out);
		be->free(t->dimg);
		be->free(t->gt_scratch);
		if (t->ctx)
			be->ctx_free(t->ctx);
	}
	for (uint32_t i = 0; t->views && i < t->ntrain; i++) {
		free(t->views[i].alpha);
		free(t->views[i].rgb);
	}
	free(t->views);
	free(t->stack);
	free(t->host_scratch);
	free(t);
}

int sgs_trainer_export(const struct sgs_trainer *t, struct sgs_splats *out)
{
	const struct sgs_gaussians *g = &t->st.params;
	sgs_splats_init(out);
	if (sgs_splats_alloc(out, g->n, (uint32_t)g->sh_degree) != 0)
		return -1;
	struct sgs_gaussians host = {g->n, g->sh_degree, g->sh_active, out->means, out->log_scales,
				     out->quats, out->logit_opacity, out->sh};
	if (g->n && sgs_gaussians_download(t->be, &host, g) != 0) {
		sgs_splats_free(out);
		return -1;
	}
	return 0;
}
