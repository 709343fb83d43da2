/* Depth-prior training on the synthetic scene with 3 train views: the
 * depth term is on only when a train view has a prior (and its log
 * column with it); with the ground-truth depth as the prior the term must
 * fall during training and the rendered depth of the train views must
 * come out much closer to the truth than without it.  (Of the held-out
 * views, a quarter turn away on the ring, it says nothing: their error is
 * printed, not asserted -- 0.54 without the prior and 0.58 with it when
 * this was written; the global correlation fixes each train view's depth
 * only up to scale and shift.) */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_splat.h"
#include "sgs_synthetic.h"
#include "sgs_trainer.h"
#include "tap.h"
#include "testlib_train.h"

#define ITERATIONS 600

static int make_scene(struct sgs_scene *s)
{
	struct sgs_synthetic_opts so;
	sgs_synthetic_defaults(&so);
	so.width = 64;
	so.height = 48;
	so.nviews = 12;
	so.ntrain = 3;
	return sgs_synthetic_scene(&so, s);
}

/* The ground truth as every train view's prior (sky: 0, no prior). */
static void give_priors(struct sgs_scene *s)
{
	for (uint32_t i = 0; i < s->nviews; i++) {
		struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		size_t np = (size_t)v->cam.w * v->cam.h;
		v->depth_prior = malloc(np * sizeof(float));
		memcpy(v->depth_prior, v->depth_gt, np * sizeof(float));
	}
}

#define LOCAL_TERMS 5

/* The local depth terms (the ops, unweighted) of a rendered expected
 * depth against the view's prior (confidence 1) and image, added into
 * tv[0..LOCAL_TERMS). */
static int local_terms(const struct sgs_view *v, const float *depth, uint32_t iteration,
		       double tv[LOCAL_TERMS])
{
	const struct sgs_train_ops *ops = &sgs_backend_cpu()->train;
	const int w = (int)v->cam.w, h = (int)v->cam.h;
	const size_t np = (size_t)w * h;
	float *ones = malloc(np * sizeof *ones), *g = calloc(np, sizeof *g),
	      *rgb = malloc(3 * np * sizeof *rgb);
	int rc = !ones || !g || !rgb || v->image.c < 3 || v->image.bits != 8 || !v->depth_prior;
	for (size_t p = 0; !rc && p < np; p++) {
		ones[p] = 1.0f;
		for (int c = 0; c < 3; c++)
			rgb[3 * p + c] = ((const uint8_t *)v->image.data)[v->image.c * p + c] / 255.0f;
	}
	struct sgs_depth_patches pp = {w, h, SGS_DEPTH_PATCH_SIZE, 0, iteration};
	struct sgs_depth_rank rp = {w,  h, SGS_DEPTH_RANK_RADIUS, SGS_DEPTH_RANK_SHIFTS,
				    SGS_DEPTH_PRIOR_TOL, SGS_DEPTH_RANK_MARGIN, 0, iteration};
	double val[LOCAL_TERMS];
	const float *y = v->depth_prior;
	rc = rc || ops->loss_depth_patch(depth, y, ones, &pp, 0.0f, g, &val[0]) != 0 ||
	     ops->loss_depth_relative(depth, y, ones, &pp, 0.0f, g, &val[1]) != 0 ||
	     ops->loss_depth_rank(depth, y, ones, &rp, 0.0f, g, &val[2]) != 0 ||
	     ops->loss_depth_continuity(depth, y, ones, w, h, SGS_DEPTH_PRIOR_TOL, 0.0f, g,
					&val[3]) != 0 ||
	     ops->loss_depth_smooth(depth, rgb, NULL, w, h, SGS_DEPTH_SMOOTH_GAMMA, 0.0f, g,
				    &val[4]) != 0;
	for (int k = 0; !rc && k < LOCAL_TERMS; k++)
		tv[k] += val[k];
	free(ones), free(g), free(rgb);
	return rc ? -1 : 0;
}

/* Median relative error of the rendered depth (expected depth / alpha)
 * against the truth over the pixels of the split's views where both
 * exist; with tv, the local depth terms' sums over those views (a few
 * draws of their patches and pairs each). */
static double depth_error(const struct sgs_scene *s, const struct sgs_splats *m, uint32_t split,
			  double tv[LOCAL_TERMS])
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_gaussians g;
	struct sgs_raster_ctx *ctx = be->ctx_new();
	size_t cap = 0, n = 0;
	double *err = NULL;
	if (!ctx || sgs_gaussians_view(m, &g) != 0)
		return INFINITY;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != split)
			continue;
		struct sgs_cam cam;
		struct sgs_render_out out;
		struct sgs_raster_opts ro = {.bg = {0, 0, 0}, .antialias = 0};
		sgs_cam_from_camera(&v->cam, &cam);
		size_t np = (size_t)v->cam.w * v->cam.h;
		if (sgs_render_out_alloc(be, &out, (int)v->cam.w, (int)v->cam.h, 1) != 0 ||
		    sgs_render(ctx, &g, &cam, &ro, &out) != 0)
			return INFINITY;
		if (n + np > cap && !(err = realloc(err, (cap = 2 * (n + np)) * sizeof *err)))
			return INFINITY;
		for (size_t p = 0; p < np; p++)
			if (v->depth_gt[p] > 0 && out.alpha[p] > 0.5f)
				err[n++] = fabs(out.depth[p] / out.alpha[p] - v->depth_gt[p]) /
					   v->depth_gt[p];
		for (uint32_t it = 1; tv && it <= 4; it++)
			if (local_terms(v, out.depth, it, tv) != 0)
				return INFINITY;
		sgs_render_out_free(be, &out);
	}
	be->ctx_free(ctx);
	double med = INFINITY;
	if (n) {
		for (size_t i = 1; i < n; i++) /* insertion sort: a few thousand */
			for (size_t j = i; j > 0 && err[j - 1] > err[j]; j--) {
				double t = err[j];
				err[j] = err[j - 1], err[j - 1] = t;
			}
		med = err[n / 2];
	}
	free(err);
	return med;
}

/* The recipe of these runs, with only the Pearson term's weight set. */
static void run_opts(struct sgs_trainer_opts *o, float weight)
{
	sgs_trainer_defaults(o);
	o->iterations = ITERATIONS;
	o->init = SGS_INIT_RANDOM;
	o->init_count = 3000;
	o->depth_weight = weight;
}

/* Train with o; *first / *last: the term's mean over the first and last
 * 50 iterations (NAN without it); returns the train views' depth error,
 * *held_out the test views'; tv (may be NULL) receives the local terms
 * on the train views of the model (sums over the views). */
static double train_with(const struct sgs_scene *s, const struct sgs_trainer_opts *o,
			 const char *term, int *has_term, double *first, double *last,
			 double *held_out, double tv[LOCAL_TERMS])
{
	struct sgs_trainer *t;
	struct sgs_step_info in;
	struct sgs_splats m;
	*has_term = 0;
	*first = *last = NAN;
	*held_out = INFINITY;
	if (sgs_trainer_new(sgs_backend_cpu(), s, o, &t) != 0) {
		diag("trainer: %s", sgs_error_get());
		return INFINITY;
	}
	const char *names[SGS_MAX_TERMS];
	int nt = sgs_trainer_term_names(t, names), k = -1;
	for (int i = 0; i < nt; i++)
		if (strcmp(names[i], term) == 0)
			k = i;
	*has_term = k >= 0;
	double a = 0, b = 0;
	const int iterations = (int)o->iterations;
	for (int it = 1; it <= iterations; it++) {
		if (sgs_trainer_step(t, &in) != 0) {
			diag("step: %s", sgs_error_get());
			sgs_trainer_free(t);
			return INFINITY;
		}
		if (k >= 0 && it <= 50)
			a += in.terms[k] / 50;
		if (k >= 0 && it > iterations - 50)
			b += in.terms[k] / 50;
	}
	*first = k >= 0 ? a : NAN;
	*last = k >= 0 ? b : NAN;
	sgs_splats_init(&m);
	double e = INFINITY;
	if (sgs_trainer_export(t, &m) == 0) {
		e = depth_error(s, &m, SGS_SPLIT_TRAIN, tv);
		*held_out = depth_error(s, &m, SGS_SPLIT_TEST, NULL);
	}
	sgs_splats_free(&m);
	sgs_trainer_free(t);
	return e;
}

static double train(const struct sgs_scene *s, float weight, int *has_term, double *first,
		    double *last, double *held_out)
{
	struct sgs_trainer_opts o;
	run_opts(&o, weight);
	return train_with(s, &o, "depth", has_term, first, last, held_out, NULL);
}

/* The local terms, each on its own (the Pearson term off) with the
 * ground truth as prior, against a run of the same length with no depth
 * term: the term's column is there, the term comes out lower on the
 * trained model's train views (rendered afterwards) and, for the four
 * against the prior, so does their depth error.  (The logged values of the pair terms rise during
 * training, as the rendered expected depth grows from 0 with the
 * opacities, so the model is the place to compare them.) */
#define LOCAL_ITERATIONS 300
static void test_local_terms(const struct sgs_scene *s)
{
	static const char *const names[LOCAL_TERMS] = {"depth_patch", "depth_relative",
						       "depth_rank", "depth_continuity",
						       "depth_smooth"};
	struct sgs_trainer_opts o;
	int has;
	double first, last, held, base[LOCAL_TERMS] = {0}, held0;
	run_opts(&o, 0.0f);
	o.iterations = LOCAL_ITERATIONS;
	const double none = train_with(s, &o, "depth", &has, &first, &last, &held0, base);
	diag("no depth term, %d iterations: train views' depth error %.4f, held-out %.4f; "
	     "terms on the model: patch %.4f relative %.4f rank %.4f continuity %.4f smooth %.4f",
	     LOCAL_ITERATIONS, none, held0, base[0], base[1], base[2], base[3], base[4]);
	for (int k = 0; k < LOCAL_TERMS; k++) {
		double tv[LOCAL_TERMS] = {0};
		run_opts(&o, 0.0f);
		o.iterations = LOCAL_ITERATIONS;
		float *w[LOCAL_TERMS] = {&o.depth_patch_weight, &o.depth_relative_weight,
					 &o.depth_rank_weight, &o.depth_continuity_weight,
					 &o.depth_smooth_weight};
		*w[k] = 0.1f;
		double e = train_with(s, &o, names[k], &has, &first, &last, &held, tv);
		diag("%s 0.1: train views' depth error %.4f, held-out %.4f; logged %.5f over the "
		     "first 50 iterations, %.5f over the last 50", names[k], e, held, first, last);
		ok(has && tv[k] < base[k],
		   "%s: a log column; on the model's train views %.4f, %.4f trained without it",
		   names[k], tv[k], base[k]);
		if (k < 4) /* the smoothness does not read the prior */
			ok(e < none, "%s: the train views' depth error %.4f, %.4f without depth terms",
			   names[k], e, none);
	}
}

static char *file_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	} else {
		*len = (size_t)n;
	}
	if (f)
		fclose(f);
	return buf;
}

static int put_bytes(const char *path, const void *a, size_t na, const void *b, size_t nb)
{
	FILE *f = fopen(path, "wb");
	int rc = !f || fwrite(a, 1, na, f) != na || fwrite(b, 1, nb, f) != nb;
	return (f && fclose(f) != 0) || rc ? -1 : 0;
}

/* A run of o stopped at `stop`, checkpointed and resumed, against the
 * same run uninterrupted; `edit` (may be NULL) rewrites the checkpoint
 * file in between.  1 when both models are the same bytes. */
static int resumes(const struct sgs_scene *s, const struct sgs_trainer_opts *o, uint32_t stop,
		   int (*edit)(const char *path), const char *path)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer *a = NULL, *b = NULL;
	char *ba = NULL, *bb = NULL;
	size_t la = 0, lb = 0;
	int rc = sgs_trainer_new(be, s, o, &a) == 0 && testlib_steps(a, o->iterations, NULL) == 0 &&
		 (ba = testlib_model_bytes(a, &la)) != NULL;
	rc = rc && sgs_trainer_new(be, s, o, &b) == 0 && testlib_steps(b, stop, NULL) == 0 &&
	     sgs_trainer_checkpoint(b, path) == 0 && (!edit || edit(path) == 0);
	sgs_trainer_free(b);
	b = NULL;
	rc = rc && sgs_trainer_resume(be, s, path, 0, &b) == 0 && testlib_steps(b, o->iterations, NULL) == 0 &&
	     (bb = testlib_model_bytes(b, &lb)) != NULL;
	if (!rc)
		diag("resume: %s", sgs_error_get());
	rc = rc && la == lb && memcmp(ba, bb, la) == 0;
	sgs_trainer_free(a);
	sgs_trainer_free(b);
	free(ba), free(bb);
	return rc;
}

/* A checkpoint rewritten as one older than the local depth terms would
 * be: the recipe chunk cut to its first 64 bytes (whatever its length now,
 * a multiple of 8 below 65536). */
#define CKPT_TOPT_AT 8 /* after the 8-byte header */
static size_t topt_now(const char *b)
{
	return (uint8_t)b[CKPT_TOPT_AT + 8] | (size_t)(uint8_t)b[CKPT_TOPT_AT + 9] << 8;
}

static int to_topt_64(const char *path)
{
	size_t n;
	char *b = file_bytes(path, &n);
	int rc = -1;
	size_t TOPT_NOW = b && n > CKPT_TOPT_AT + 16 ? topt_now(b) : 0;
	if (b && TOPT_NOW >= 64 && n > CKPT_TOPT_AT + 16 + TOPT_NOW &&
	    memcmp(b + CKPT_TOPT_AT, "TOPT", 4) == 0) {
		b[CKPT_TOPT_AT + 8] = 64;
		b[CKPT_TOPT_AT + 9] = 0;
		rc = put_bytes(path, b, CKPT_TOPT_AT + 16 + 64, b + CKPT_TOPT_AT + 16 + TOPT_NOW,
			       n - (CKPT_TOPT_AT + 16 + TOPT_NOW));
	}
	free(b);
	return rc;
}

/* The local terms' patch size at 3 (below the smallest allowed). */
static int bad_patch_size(const char *path)
{
	size_t n;
	char *b = file_bytes(path, &n);
	int rc = -1;
	if (b && n > CKPT_TOPT_AT + 16 + 128 && memcmp(b + CKPT_TOPT_AT, "TOPT", 4) == 0) {
		b[CKPT_TOPT_AT + 16 + 68] = 3;
		rc = put_bytes(path, b, n, "", 0);
	}
	free(b);
	return rc;
}

/* Checkpoints with the local depth terms resume to the bytes of an
 * uninterrupted run (their patches and pairs follow the iteration), an
 * older checkpoint (no local terms) still loads and resumes, and a
 * bad patch size in a checkpoint is refused. */
static void test_resume(const struct sgs_scene *s)
{
	char path[] = "/tmp/test_train_depth.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		ok(0, "temporary file: %s", strerror(errno));
		return;
	}
	close(fd);
	struct sgs_trainer_opts o;
	run_opts(&o, 0.05f);
	o.iterations = 60;
	o.init_count = 1500;
	o.seed = 4;
	o.depth_patch_weight = 0.1f, o.depth_relative_weight = 0.1f, o.depth_rank_weight = 0.1f;
	o.depth_continuity_weight = 0.1f, o.depth_smooth_weight = 0.1f;
	o.depth_patch_size = 16;
	ok(resumes(s, &o, 23, NULL, path),
	   "every depth term on: the resumed model equals the uninterrupted one");
	run_opts(&o, 0.05f);
	o.iterations = 60;
	o.init_count = 1500;
	o.seed = 4;
	ok(resumes(s, &o, 23, to_topt_64, path),
	   "a checkpoint older than the local depth terms (64-byte recipe) resumes to the "
	   "uninterrupted run's bytes");
	struct sgs_trainer *t = NULL;
	int rc = sgs_trainer_new(sgs_backend_cpu(), s, &o, &t) == 0 && testlib_steps(t, 5, NULL) == 0 &&
		 sgs_trainer_checkpoint(t, path) == 0 && bad_patch_size(path) == 0;
	sgs_trainer_free(t);
	t = NULL;
	ok(rc && sgs_trainer_resume(sgs_backend_cpu(), s, path, 0, &t) == -1 &&
		   strstr(sgs_error_get(), "'TOPT' chunk") && strstr(sgs_error_get(), "patch size 3"),
	   "a checkpoint with patch size 3 is refused: %s", sgs_error_get());
	sgs_trainer_free(t);
	unlink(path);
}

/* -I depth's points: with the prior on one train view only, every point
 * projects back onto a pixel centre of that view at the prior's depth,
 * and there are about as many as asked for. */
static void test_depth_points(struct sgs_scene *s)
{
	uint32_t keep = UINT32_MAX;
	for (uint32_t i = 0; i < s->nviews; i++)
		if (s->views[i].split == SGS_SPLIT_TRAIN && keep == UINT32_MAX)
			keep = i;
	struct sgs_view *v = &s->views[keep];
	float **saved = calloc(s->nviews, sizeof *saved);
	if (!saved) {
		ok(0, "allocate");
		return;
	}
	for (uint32_t i = 0; i < s->nviews; i++)
		if (i != keep) {
			saved[i] = s->views[i].depth_prior;
			s->views[i].depth_prior = NULL;
		}
	float *xyz;
	uint8_t *rgb;
	uint64_t n;
	int rc = sgs_depth_points(s, 500, &xyz, &rgb, &n);
	double worst = 0;
	size_t usable = 0;
	for (size_t p = 0; p < (size_t)v->cam.w * v->cam.h; p++)
		usable += v->depth_prior[p] > 0;
	for (uint64_t k = 0; rc == 0 && k < n; k++) {
		const struct sgs_camera *c = &v->cam;
		double q[3];
		for (int a = 0; a < 3; a++)
			q[a] = c->R[3 * a] * xyz[3 * k] + c->R[3 * a + 1] * xyz[3 * k + 1] +
			       c->R[3 * a + 2] * xyz[3 * k + 2] + c->t[a];
		double u = c->fx * q[0] / q[2] + c->cx, w = c->fy * q[1] / q[2] + c->cy;
		long x = lround(u - 0.5), y = lround(w - 0.5);
		double e = fabs(u - (x + 0.5)) + fabs(w - (y + 0.5));
		if (x >= 0 && y >= 0 && x < (long)c->w && y < (long)c->h)
			e += fabs(q[2] - v->depth_prior[y * c->w + x]) / q[2];
		else
			e = INFINITY;
		worst = fmax(worst, e);
	}
	ok(rc == 0 && n >= 350 && n <= 700 && worst < 1e-3,
	   "-I depth: %llu points for about 500 from %zu prior pixels, each on a pixel centre at "
	   "its depth (worst %.1e)", (unsigned long long)n, usable, worst);
	if (rc == 0)
		free(xyz), free(rgb);
	saved[keep] = v->depth_prior;
	v->depth_prior = NULL;
	ok(sgs_depth_points(s, 500, &xyz, &rgb, &n) != 0 &&
		   strstr(sgs_error_get(), "no train view has a confident depth prior"),
	   "-I depth without priors: %s", sgs_error_get());
	for (uint32_t i = 0; i < s->nviews; i++)
		s->views[i].depth_prior = saved[i];
	free(saved);
}

int main(void)
{
	struct sgs_scene s;
	if (make_scene(&s) != 0) {
		ok(0, "synthetic scene: %s", sgs_error_get());
		return tap_done();
	}
	int has;
	double f0, l0, f1, l1, h0, h1, h2;
	double plain = train(&s, SGS_DEPTH_PEARSON_WEIGHT, &has, &f0, &l0, &h0);
	ok(!has, "no prior in the scene: no depth term (default weight on)");
	give_priors(&s);
	double off = train(&s, 0.0f, &has, &f0, &l0, &h1);
	ok(!has, "--no-depth (weight 0): no depth term");
	double on = train(&s, SGS_DEPTH_PEARSON_WEIGHT, &has, &f1, &l1, &h2);
	ok(has, "ground-truth prior, default weight: a depth term");
	diag("median relative depth error, train views: %.4f without priors, %.4f weight 0, %.4f "
	     "with the prior (held-out views: %.4f, %.4f, %.4f); depth term %.4f over the first 50 "
	     "iterations, %.4f over the last 50", plain, off, on, h0, h1, h2, f1, l1);
	ok(plain == off && h0 == h1, "weight 0 trains exactly as without priors");
	ok(l1 < 0.5 * f1, "the depth term falls: %.4f -> %.4f", f1, l1);
	ok(on < 0.5 * off, "the prior brings the train views' depth to the truth: %.4f against %.4f",
	   on, off);
	test_local_terms(&s);
	test_resume(&s);
	test_depth_points(&s);

	/* -I auto takes the prior's pixels when a train view has a prior */
	struct sgs_trainer_opts o;
	struct sgs_trainer *t;
	sgs_trainer_defaults(&o);
	o.iterations = 10;
	o.init_count = 2000;
	int rc = sgs_trainer_new(sgs_backend_cpu(), &s, &o, &t);
	ok(rc == 0 && sgs_trainer_get_opts(t)->init == SGS_INIT_DEPTH &&
		   sgs_trainer_gaussians(t) > 1000 && sgs_trainer_gaussians(t) < 4000,
	   "-I auto with priors: initialised from %u prior pixels",
	   rc == 0 ? sgs_trainer_gaussians(t) : 0);
	if (rc == 0)
		sgs_trainer_free(t);
	sgs_scene_free(&s);
	return tap_done();
}
