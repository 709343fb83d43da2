/* The sparse-view regularisers of sgs-train (issue 10): Gaussian dropout
 * (mask, rate schedule, the render's culling, a model and evaluation
 * without it), opacity decay (the op, and a trainer's opacities times F
 * at a densification step), the scale regularisers (value against the
 * formula, gradient against finite differences), floater pruning (a
 * planted kNN outlier and Gaussians planted in front of a prior, alone
 * and in training), byte-identical resume with each option on, and
 * checkpoints with older and unknown TOPT lengths.  CPU backend. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_math_reg.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_synthetic.h"
#include "sgs_train_ops.h"
#include "sgs_trainer.h"
#include "tap.h"
#include "test_raster_util.h"
#include "testlib_train.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* ---- dropout ---- */

static void test_dropout_mask(void)
{
	const uint32_t N = 100000;
	int off = 1, same = 1, values = 1;
	uint32_t differs = 0;
	uint32_t dropped = 0;
	const float keep = 1.0f / (1.0f - 0.3f);
	for (uint32_t i = 0; i < N; i++) {
		off &= sgs_dropout_scale(0.0f, 5, 17, i) == 1.0f;
		float a = sgs_dropout_scale(0.3f, 5, 17, i);
		same &= a == sgs_dropout_scale(0.3f, 5, 17, i);
		differs += a != sgs_dropout_scale(0.3f, 5, 18, i);
		values &= a == 0.0f || a == keep;
		dropped += a == 0.0f;
	}
	ok(off, "dropout rate 0: every multiplier 1");
	ok(same && values, "rate 0.3: multipliers 0 or 1/0.7, the same for the same (seed, iteration)");
	ok(fabs(dropped / (double)N - 0.3) < 0.01, "rate 0.3: %.4f of %u dropped", dropped / (double)N,
	   N);
	ok(differs > N / 4, "another iteration draws another mask (%d of %u differ)", differs, N);

	struct sgs_trainer_opts o;
	sgs_trainer_defaults(&o);
	o.iterations = 1000;
	ok(sgs_dropout_rate(&o, 500) == 0.0f, "no dropout by default");
	o.dropout = 0.2f;
	float r1 = sgs_dropout_rate(&o, 1), r500 = sgs_dropout_rate(&o, 500),
	      r1000 = sgs_dropout_rate(&o, 1000);
	ok(fabsf(r1 - 0.0002f) < 1e-9f && fabsf(r500 - 0.1f) < 1e-8f && r1000 == 0.2f &&
		   sgs_dropout_rate(&o, 1500) == 0.2f,
	   "rate schedule: %g at 1, %g at 500, %g at 1000 of 1000 (linear to 0.2)", r1, r500,
	   r1000);
}

/* The render drops exactly the Gaussians the mask names (radius 0), keeps
 * the others' radii, and changes the image. */
static void test_dropout_render(void)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct trng r = {77};
	struct sgs_cam cam;
	struct sgs_gaussians g;
	const int n = 400;
	random_camera(&r, 64, 48, 60, 4.0, &cam);
	host_gaussians_alloc(&g, n, 1);
	random_gaussians(&r, &cam, 2.5, 6.0, 1.0, -2.6, -1.4, &g);
	struct sgs_raster_ctx *c0 = be->ctx_new(), *c1 = be->ctx_new();
	struct sgs_render_out o0, o1;
	struct sgs_raster_opts plain = {.bg = {0.1f, 0.2f, 0.3f}, .antialias = 0}, drop = plain;
	drop.drop_rate = 0.5f, drop.drop_seed = 4, drop.drop_iteration = 9;
	int rc = sgs_render_out_alloc(be, &o0, 64, 48, 0) == 0 &&
		 sgs_render_out_alloc(be, &o1, 64, 48, 0) == 0 &&
		 sgs_render(c0, &g, &cam, &plain, &o0) == 0 && sgs_render(c1, &g, &cam, &drop, &o1) == 0;
	int match = 1, visible = 0, kept = 0;
	for (int i = 0; rc && i < n; i++) {
		float k = sgs_dropout_scale(0.5f, 4, 9, (uint32_t)i);
		match &= c1->radii[i] == (k != 0.0f ? c0->radii[i] : 0);
		visible += c0->radii[i] > 0;
		kept += c1->radii[i] > 0;
		if (c1->radii[i] > 0)
			match &= fabsf(c1->conic_opacity[4 * i + 3] - 2.0f * c0->conic_opacity[4 * i + 3]) <=
				 1e-6f * c1->conic_opacity[4 * i + 3];
	}
	double diff = 0;
	for (int i = 0; rc && i < 3 * 64 * 48; i++)
		diff += fabs(o0.rgb[i] - o1.rgb[i]);
	ok(rc && match && kept < visible && kept > 0 && diff > 1,
	   "dropout 0.5: the masked Gaussians are culled, %d of %d visible kept at twice their "
	   "opacity, the image changes", kept, visible);
	sgs_render_out_free(be, &o0);
	sgs_render_out_free(be, &o1);
	be->ctx_free(c0);
	be->ctx_free(c1);
	host_gaussians_free(&g);
}

/* ---- scenes and runs ---- */

static int make_scene(struct sgs_scene *s, int priors)
{
	struct sgs_synthetic_opts so;
	sgs_synthetic_defaults(&so);
	so.width = 48;
	so.height = 36;
	so.nviews = 8;
	if (sgs_synthetic_scene(&so, s) != 0)
		return -1;
	for (uint32_t i = 0; priors && i < s->nviews; i++) {
		struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		size_t np = (size_t)v->cam.w * v->cam.h;
		if (!(v->depth_prior = malloc(np * sizeof(float))))
			return -1;
		memcpy(v->depth_prior, v->depth_gt, np * sizeof(float));
	}
	return 0;
}

/* A lattice of 10 x 10 x 8 seed points round the synthetic scene's
 * objects, spacing 0.15, and `extra` more points given by the caller. */
static void lattice_seeds(struct sgs_scene *s, const float *extra, int nextra)
{
	int n = 800 + nextra, k = 0;
	s->nseeds = (uint64_t)n;
	s->seed_xyz = malloc(3 * (size_t)n * sizeof(float));
	s->seed_rgb = malloc(3 * (size_t)n);
	for (int z = 0; z < 8; z++)
		for (int y = 0; y < 10; y++)
			for (int x = 0; x < 10; x++, k++) {
				s->seed_xyz[3 * k] = -0.7f + 0.15f * x;
				s->seed_xyz[3 * k + 1] = -0.7f + 0.15f * y;
				s->seed_xyz[3 * k + 2] = 0.05f + 0.15f * z;
			}
	memcpy(s->seed_xyz + 3 * k, extra, 3 * (size_t)nextra * sizeof(float));
	for (int i = 0; i < 3 * n; i++)
		s->seed_rgb[i] = (uint8_t)(60 + i * 37 % 150);
}

static void drop_seeds(struct sgs_scene *s)
{
	free(s->seed_xyz);
	free(s->seed_rgb);
	s->seed_xyz = NULL;
	s->seed_rgb = NULL;
	s->nseeds = 0;
}

/* A short run on the synthetic scene: random points, densification at
 * 20, 40 and 60. */
static void short_opts(struct sgs_trainer_opts *o)
{
	sgs_trainer_defaults(o);
	o->init = SGS_INIT_RANDOM;
	o->init_count = 600;
	o->iterations = 70;
	o->seed = 11;
	o->random_bg = 1;
	o->densify_from = 5;
	o->densify_until = 80;
	o->densify_every = 20;
}

/* Mean PSNR of the exported model over the train views, rendered without
 * dropout, against each view's image. */
static double export_psnr(const struct sgs_trainer *t, const struct sgs_scene *s)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_splats sp;
	struct sgs_gaussians g;
	struct sgs_raster_ctx *ctx = be->ctx_new();
	double sum = 0;
	int views = 0;
	if (!ctx || sgs_trainer_export(t, &sp) != 0 || sgs_gaussians_view(&sp, &g) != 0)
		return NAN;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		size_t np = (size_t)v->cam.w * v->cam.h;
		struct sgs_cam cam;
		struct sgs_render_out out;
		struct sgs_raster_opts ro = {.bg = {s->background[0], s->background[1],
						    s->background[2]}};
		float *gt = malloc(3 * np * sizeof *gt), *d = malloc(3 * np * sizeof *d);
		double terms[4];
		sgs_cam_from_camera(&v->cam, &cam);
		for (size_t p = 0; p < 3 * np; p++)
			gt[p] = ((const uint8_t *)v->image.data)[p] / 255.0f;
		if (sgs_render_out_alloc(be, &out, (int)v->cam.w, (int)v->cam.h, 0) != 0 ||
		    sgs_render(ctx, &g, &cam, &ro, &out) != 0 ||
		    be->train.loss_l1_ssim(out.rgb, gt, (int)v->cam.w, (int)v->cam.h, 0.2f, d,
					   terms) != 0)
			return NAN;
		sum += -10.0 * log10(terms[2]);
		views++;
		sgs_render_out_free(be, &out);
		free(gt);
		free(d);
	}
	be->ctx_free(ctx);
	sgs_splats_free(&sp);
	return sum / views;
}

static void test_dropout_training(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	struct sgs_eval_result e1, e2;
	short_opts(&o);
	o.iterations = 40;
	o.random_bg = 0;
	int rc = sgs_trainer_new(be, scene, &o, &a) == 0 && testlib_steps(a, 40, NULL) == 0;
	o.dropout = 0.5f;
	rc = rc && sgs_trainer_new(be, scene, &o, &b) == 0 && testlib_steps(b, 40, NULL) == 0 &&
	     sgs_trainer_evaluate(b, SGS_SPLIT_TRAIN, &e1) == 0 &&
	     sgs_trainer_evaluate(b, SGS_SPLIT_TRAIN, &e2) == 0;
	ok(rc, "40 iterations with and without --dropout 0.5: %s", rc ? "ok" : sgs_error_get());
	size_t la = 0, lb = 0;
	char *ba = rc ? testlib_model_bytes(a, &la) : NULL, *bb = rc ? testlib_model_bytes(b, &lb) : NULL;
	ok(ba && bb && (la != lb || memcmp(ba, bb, la) != 0), "dropout changes the training");
	double p = rc ? export_psnr(b, scene) : NAN;
	ok(rc && e1.psnr == e2.psnr && fabs(p - e1.psnr) < 1e-9,
	   "the model is evaluated with all its Gaussians: train PSNR %.6f, twice, and %.6f "
	   "rendering the written model", rc ? e1.psnr : 0, p);
	free(ba);
	free(bb);
	sgs_trainer_free(a);
	sgs_trainer_free(b);
}

/* ---- opacity decay ---- */

static void test_decay_op(void)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	enum { N = 33 };
	struct sgs_train_state st;
	float op[N], m[N], v[N];
	double worst = 0;
	memset(&st, 0, sizeof st);
	for (int i = 0; i < N; i++)
		op[i] = -12.0f + 0.75f * i, m[i] = v[i] = 0.5f;
	float before[N];
	memcpy(before, op, sizeof op);
	st.params.n = N;
	st.params.opacity = op;
	st.m.opacity = m;
	st.v.opacity = v;
	int rc = be->train.decay_opacity(&st, 0.995f);
	for (int i = 0; i < N; i++) {
		double e = fabs(sigmoid(op[i]) / sigmoid(before[i]) - 0.995);
		worst = e > worst ? e : worst;
	}
	ok(rc == 0 && worst < 1e-5 && m[5] == 0.5f && v[5] == 0.5f,
	   "decay_opacity: sigmoid x 0.995 for logits -12..12 (error %.1e), moments kept", worst);
	ok(be->train.decay_opacity(&st, 1.0f) == -1 && strstr(sgs_error_get(), "outside (0, 1)"),
	   "decay factor 1 refused: %s", sgs_error_get());

	struct sgs_trainer_opts o;
	struct sgs_schedule sc;
	sgs_trainer_defaults(&o);
	o.iterations = 1000;
	o.opacity_decay = 0.995f;
	sgs_schedule_for(&o, 3, &sc);
	int off = !sc.resets && sc.reset_interval == 333;
	o.reset_every = 200;
	sgs_schedule_for(&o, 3, &sc);
	ok(off && sc.resets && sc.reset_interval == 200,
	   "decay turns the recipe's opacity resets off (size pruning keeps its start), "
	   "--reset brings them back");
}

/* Two runs that differ in the decay only are equal up to the first
 * densification step (20), where one's opacities become F times the
 * other's. */
static void test_decay_training(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	struct sgs_splats sa, sb;
	short_opts(&o);
	o.reset_every = SGS_NEVER;
	int rc = sgs_trainer_new(be, scene, &o, &a) == 0;
	o.opacity_decay = 0.8f;
	rc = rc && sgs_trainer_new(be, scene, &o, &b) == 0 && testlib_steps(a, 19, NULL) == 0 &&
	     testlib_steps(b, 19, NULL) == 0;
	size_t la = 0, lb = 0;
	char *ba = rc ? testlib_model_bytes(a, &la) : NULL, *bb = rc ? testlib_model_bytes(b, &lb) : NULL;
	ok(ba && bb && la == lb && memcmp(ba, bb, la) == 0,
	   "with and without decay: the same model before the first densification step");
	free(ba);
	free(bb);
	struct sgs_step_info in;
	rc = rc && testlib_steps(a, 20, &in) == 0 && in.densified && testlib_steps(b, 20, NULL) == 0 &&
	     sgs_trainer_export(a, &sa) == 0 && sgs_trainer_export(b, &sb) == 0;
	double worst = 0;
	if (rc) {
		rc = sa.n == sb.n;
		for (uint32_t i = 0; rc && i < sa.n; i++) {
			double e = fabs(sigmoid(sb.logit_opacity[i]) / sigmoid(sa.logit_opacity[i]) - 0.8);
			worst = e > worst ? e : worst;
		}
		sgs_splats_free(&sa);
		sgs_splats_free(&sb);
	}
	ok(rc && worst < 1e-5,
	   "after the densification step at 20 every opacity is 0.8 times the undecayed one "
	   "(error %.1e)", worst);
	sgs_trainer_free(a);
	sgs_trainer_free(b);
}

/* ---- scale regularisers ---- */

/* The terms in double, from the formulas. */
static double scale_ref(const double *ls, int n, const struct sgs_scale_reg *p)
{
	double L = 0;
	for (int i = 0; i < n; i++) {
		const double *l = ls + 3 * i;
		double mx = fmax(l[0], fmax(l[1], l[2])), mn = fmin(l[0], fmin(l[1], l[2]));
		double r = exp(mx - mn), q = exp(mx) / p->max_scale;
		L += p->ratio_weight * (fmax(r, p->ratio_max) - p->ratio_max);
		L += p->max_weight * (fmax(q, 1.0) - 1.0);
	}
	return L / n;
}

static void test_scale_reg(void)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	enum { N = 60 };
	const struct sgs_scale_reg p = {0.7f, 10.0f, 0.3f, 0.2f};
	struct trng r = {5};
	float ls[3 * N], g[3 * N];
	double lsd[3 * N];
	/* away from the kinks (ratio at the threshold, scale at the limit,
	 * two axes equal), where differences would straddle them */
	for (int i = 0; i < N; i++) {
		for (;;) {
			for (int k = 0; k < 3; k++)
				ls[3 * i + k] = (float)trng_range(&r, -5.0, -0.8);
			if (i % 7 == 0) /* a sphere: no ratio, and below the largest scale
					 * (three equal largest axes are a kink) */
				ls[3 * i + 2] = ls[3 * i + 1] = ls[3 * i] = -2.0f + 0.3f * ls[3 * i];
			float mx = fmaxf(ls[3 * i], fmaxf(ls[3 * i + 1], ls[3 * i + 2]));
			float mn = fminf(ls[3 * i], fminf(ls[3 * i + 1], ls[3 * i + 2]));
			int near = fabsf(mx - mn - logf(10.0f)) < 0.01f ||
				   fabsf(mx - logf(0.2f)) < 0.01f;
			for (int a = 0; a < 3 && i % 7; a++)
				for (int b = a + 1; b < 3; b++)
					near |= fabsf(ls[3 * i + a] - ls[3 * i + b]) < 0.01f;
			if (!near)
				break;
		}
	}
	for (int i = 0; i < 3 * N; i++)
		g[i] = 0.25f, lsd[i] = ls[i];
	struct sgs_train_state st;
	memset(&st, 0, sizeof st);
	st.params.n = st.grads.n = N;
	st.params.log_scales = ls;
	st.grads.log_scales = g;
	double value = -1;
	int rc = be->train.reg_scale(&st, &p, &value);
	double ref = scale_ref(lsd, N, &p);
	int active_r = 0, active_m = 0;
	for (int i = 0; i < N; i++) {
		const double *l = lsd + 3 * i;
		double mx = fmax(l[0], fmax(l[1], l[2])), mn = fmin(l[0], fmin(l[1], l[2]));
		active_r += exp(mx - mn) > 10, active_m += exp(mx) > 0.2;
	}
	ok(rc == 0 && fabs(value - ref) <= 1e-6 * ref && active_r > 5 && active_m > 5,
	   "reg_scale: value %.9g, formula %.9g (%d Gaussians past the ratio, %d past the "
	   "largest scale)", value, ref, active_r, active_m);
	double num = 0, den = 0;
	for (int i = 0; i < 3 * N; i++) {
		double save = lsd[i], h = 1e-5;
		lsd[i] = save + h;
		double lp = scale_ref(lsd, N, &p);
		lsd[i] = save - h;
		double lm = scale_ref(lsd, N, &p);
		lsd[i] = save;
		double fd = (lp - lm) / (2 * h), gr = g[i] - 0.25;
		num += (fd - gr) * (fd - gr);
		den += fd * fd;
	}
	double err = sqrt(num / den);
	diag("reg_scale gradient against central differences: relative error %.2e", err);
	ok(den > 0 && err < 1e-5, "reg_scale: gradient within 1e-5 of finite differences (%.1e), "
	   "added to what was there", err);

	struct sgs_scale_reg bad = {1.0f, 0.5f, 0.0f, 0.0f};
	ok(be->train.reg_scale(&st, &bad, &value) == -1 && strstr(sgs_error_get(), "ratio threshold"),
	   "a ratio threshold below 1 is refused: %s", sgs_error_get());
	struct sgs_scale_reg off = {0, 10, 0, 0.2f};
	for (int i = 0; i < 3 * N; i++)
		g[i] = 0.25f;
	rc = be->train.reg_scale(&st, &off, &value);
	int same = 1;
	for (int i = 0; i < 3 * N; i++)
		same &= g[i] == 0.25f;
	ok(rc == 0 && value == 0 && same, "both weights 0: value 0, no gradient");
}

/* The term in training: a log column "scale" after rgb, its value on the
 * first iteration the formula's on the initial model (the parameter
 * terms run before the first step), part of the loss. */
static void test_scale_training(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	struct sgs_splats sp;
	struct sgs_step_info in;
	const char *names[SGS_MAX_TERMS];
	float radius = 0;
	short_opts(&o);
	o.scale_ratio_weight = 0.5f;
	o.scale_ratio = 1.2f;
	o.scale_max_weight = 2.0f;
	o.scale_max = 0.01f;
	o.depth_weight = 0.0f; /* rgb and scale only */
	sgs_splats_init(&sp);
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0 && sgs_trainer_export(t, &sp) == 0 &&
		 sgs_scene_radius(scene, &radius) == 0;
	int k = rc ? sgs_trainer_term_names(t, names) : 0;
	rc = rc && k == 2 && strcmp(names[1], "scale") == 0 && testlib_steps(t, 1, &in) == 0;
	double ref = NAN;
	if (rc) {
		double *lsd = malloc(3 * sp.n * sizeof *lsd);
		for (uint32_t i = 0; i < 3 * sp.n; i++)
			lsd[i] = sp.log_scales[i];
		const struct sgs_scale_reg p = {0.5f, 1.2f, 2.0f, 0.01f * radius};
		ref = scale_ref(lsd, (int)sp.n, &p);
		free(lsd);
	}
	ok(rc && in.nterms == 2 && fabs(in.terms[1] - ref) <= 1e-5 * ref && ref > 0 &&
		   fabs(in.loss - in.terms[0] - in.terms[1]) < 1e-9,
	   "the scale term's log column (%s): %.6g on the first iteration, the formula's %.6g; "
	   "part of the loss", k == 2 ? names[1] : "?", rc ? in.terms[1] : 0, ref);
	sgs_splats_free(&sp);
	sgs_trainer_free(t);
}

/* ---- floaters ---- */

static void put_cam(struct sgs_view *v, uint32_t split, float prior, float conf_lo)
{
	v->split = split;
	v->cam.w = v->cam.h = 50;
	v->cam.fx = v->cam.fy = 50;
	v->cam.cx = v->cam.cy = 25;
	v->cam.R[0] = v->cam.R[4] = v->cam.R[8] = 1;
	v->depth_prior = malloc(50 * 50 * sizeof(float));
	v->depth_conf = malloc(50 * 50 * sizeof(float));
	for (int i = 0; i < 2500; i++) {
		v->depth_prior[i] = prior;
		v->depth_conf[i] = i % 50 < 10 ? conf_lo : 1.0f; /* the left 10 columns */
	}
}

static void test_floater_flags(void)
{
	enum { N = 400 };
	struct sgs_trainer_opts o;
	float xyz[3 * (N + 1)], op[N + 1];
	uint8_t flags[N + 1];
	uint32_t counts[2];
	struct trng r = {9};
	for (int i = 0; i < 3 * N; i++)
		xyz[i] = (float)trng_u01(&r);
	xyz[3 * N] = xyz[3 * N + 1] = xyz[3 * N + 2] = 8.0f; /* the outlier */
	for (int i = 0; i <= N; i++)
		op[i] = 0.0f;
	sgs_trainer_defaults(&o);
	o.floater_std = 3.0f;
	int rc = sgs_floater_flags(&o, NULL, xyz, op, N + 1, flags, counts);
	ok(rc == 0 && counts[0] == 1 && flags[N] == 1 && counts[1] == 0,
	   "kNN outliers (20 neighbours, 3 std): the planted one (flag %d) and no other of %d "
	   "points (%u flagged)", flags[N], N, counts[0]);

	/* One train view (R = I at the origin, a prior at depth 5, confidence
	 * 0.2 on the left 10 columns) and a test view whose prior would flag
	 * everything. */
	struct sgs_scene s;
	sgs_scene_init(&s);
	struct sgs_view *v = sgs_scene_add_views(&s, 2);
	put_cam(&v[0], SGS_SPLIT_TRAIN, 5.0f, 0.2f);
	put_cam(&v[1], SGS_SPLIT_TEST, 100.0f, 1.0f);
	float g[8][3] = {
		{0, 0, 5},       /* on the surface */
		{0.1f, 0, 2},    /* in front: a floater */
		{0, 0, 4.6f},    /* in front by less than the margin (4.5) */
		{0, 0.1f, 2},    /* in front, but transparent */
		{-1.5f, 0, 3},   /* in front where the prior is not confident (column 10) */
		{10, 0, 2},      /* outside the view */
		{0, 0, -2},      /* behind the camera */
		{0.2f, 0.3f, 1}, /* a second floater */
	};
	float gop[8] = {0, 0, 0, -8, 0, 0, 0, 3};
	uint8_t f8[8];
	sgs_trainer_defaults(&o);
	o.floater_margin = 0.1f;
	rc = sgs_floater_flags(&o, &s, &g[0][0], gop, 8, f8, counts);
	ok(rc == 0 && counts[0] == 0 && counts[1] == 2 && f8[1] == 2 && f8[7] == 2,
	   "in front of the prior: the 2 planted floaters, not the Gaussians on or near the "
	   "surface, transparent, unconfident, outside or behind (flags %d %d %d %d %d %d %d %d)",
	   f8[0], f8[1], f8[2], f8[3], f8[4], f8[5], f8[6], f8[7]);
	sgs_scene_free(&s);
}

/* In training: a lattice of seed points and one far outlier, and a
 * Gaussian planted in front of a train view's surface (ground-truth
 * depth as the prior); at the first densification step (20) the floater
 * pass flags them and Inria's prune removes them. */
static void test_floater_training(struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	struct sgs_step_info in;
	struct sgs_splats sp;
	/* on the optical axis of the first train view, at 40% of its prior */
	const struct sgs_view *v0 = NULL;
	for (uint32_t i = 0; i < scene->nviews && !v0; i++)
		if (scene->views[i].split == SGS_SPLIT_TRAIN)
			v0 = &scene->views[i];
	const struct sgs_camera *c = &v0->cam;
	double z = 0.4 * v0->depth_prior[(size_t)(c->h / 2) * c->w + c->w / 2];
	double pc[3] = {(c->w / 2 + 0.5 - c->cx) / c->fx * z - c->t[0],
			(c->h / 2 + 0.5 - c->cy) / c->fy * z - c->t[1], z - c->t[2]};
	float extra[6] = {25.0f, -20.0f, 15.0f};
	for (int a = 0; a < 3; a++)
		extra[3 + a] = (float)(c->R[a] * pc[0] + c->R[3 + a] * pc[1] + c->R[6 + a] * pc[2]);
	lattice_seeds(scene, extra, 2);
	short_opts(&o);
	o.init = SGS_INIT_SEEDS;
	o.random_bg = 0;
	o.floater_std = 3.0f;
	o.floater_margin = 0.1f;
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0 && testlib_steps(t, 20, &in) == 0 &&
		 sgs_trainer_export(t, &sp) == 0;
	int gone[2] = {1, 1};
	for (uint32_t i = 0; rc && i < sp.n; i++)
		for (int e = 0; e < 2; e++)
			if (fabsf(sp.means[3 * i] - extra[3 * e]) < 1e-2f &&
			    fabsf(sp.means[3 * i + 1] - extra[3 * e + 1]) < 1e-2f &&
			    fabsf(sp.means[3 * i + 2] - extra[3 * e + 2]) < 1e-2f)
				gone[e] = 0;
	ok(rc && in.floater_pass && in.floaters[0] == 1 && gone[0],
	   "training: the far seed point is the one kNN outlier (%u) and is pruned",
	   rc ? in.floaters[0] : 0);
	diag("%u of %u Gaussians in front of a prior at iteration 20 (lattice points in "
	     "front of the ground included); %u pruned in all", in.floaters[1], in.dstats.n_before,
	     in.dstats.pruned);
	ok(rc && in.floaters[1] >= 1 && gone[1] &&
		   in.dstats.pruned == in.floaters[0] + in.floaters[1],
	   "training: the Gaussian planted in front of the prior is pruned, and only the %u "
	   "floaters are", in.floaters[0] + in.floaters[1]);
	if (rc)
		sgs_splats_free(&sp);
	sgs_trainer_free(t);
	drop_seeds(scene);
}

/* The floater test's cost on 100 000 Gaussians (k = 20), for the man page. */
static void floater_cost(void)
{
	const uint32_t n = 100000;
	float *xyz = malloc(3 * (size_t)n * sizeof *xyz), *op = calloc(n, sizeof *op);
	uint8_t *flags = malloc(n);
	uint32_t counts[2];
	struct trng r = {3};
	struct sgs_trainer_opts o;
	for (size_t i = 0; i < 3 * (size_t)n; i++)
		xyz[i] = (float)(trng_normal(&r) * (i % 3 == 2 ? 0.3 : 2.0));
	sgs_trainer_defaults(&o);
	o.floater_std = 3.0f;
	double t0 = now_s();
	int rc = sgs_floater_flags(&o, NULL, xyz, op, n, flags, counts);
	double dt = now_s() - t0;
	diag("floater test on %u Gaussians, k = %u: %.3f s (%u flagged)", n, o.floater_knn, dt,
	     counts[0]);
	ok(rc == 0, "floater test on 100000 Gaussians: %.2f s", dt);
	free(xyz);
	free(op);
	free(flags);
}

/* ---- resume ---- */

static void test_resume(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	static const char *names[] = {"dropout", "opacity decay", "scale regularisers",
				      "floater pruning", "all four"};
	char path[] = "/tmp/test_train_reg.XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	for (int c = 0; c < 5; c++) {
		struct sgs_trainer_opts o;
		struct sgs_trainer *a = NULL, *b = NULL;
		size_t la = 0, lb = 0;
		char *ba = NULL, *bb = NULL;
		short_opts(&o);
		if (c == 0 || c == 4)
			o.dropout = 0.3f;
		if (c == 1 || c == 4)
			o.opacity_decay = 0.9f;
		if (c == 2 || c == 4)
			o.scale_ratio_weight = 0.1f, o.scale_ratio = 3.0f, o.scale_max_weight = 1.0f,
			o.scale_max = 0.05f;
		if (c == 3 || c == 4)
			o.floater_std = 2.0f, o.floater_knn = 8, o.floater_margin = 0.2f;
		sgs_error_clear();
		/* stop at 41: after the steps at 20 and 40, before the one at 60 */
		int rc = sgs_trainer_new(be, scene, &o, &a) == 0 && testlib_steps(a, 70, NULL) == 0 &&
			 (ba = testlib_model_bytes(a, &la)) != NULL;
		rc = rc && sgs_trainer_new(be, scene, &o, &b) == 0 && testlib_steps(b, 41, NULL) == 0 &&
		     sgs_trainer_checkpoint(b, path) == 0;
		sgs_trainer_free(b);
		b = NULL;
		rc = rc && sgs_trainer_resume(be, scene, path, 0, &b) == 0 && testlib_steps(b, 70, NULL) == 0 &&
		     (bb = testlib_model_bytes(b, &lb)) != NULL;
		const struct sgs_trainer_opts *ro = b ? sgs_trainer_get_opts(b) : NULL;
		ok(rc && la == lb && memcmp(ba, bb, la) == 0 && ro->dropout == o.dropout &&
			   ro->opacity_decay == o.opacity_decay && ro->scale_max == o.scale_max &&
			   ro->floater_knn == o.floater_knn && ro->floater_margin == o.floater_margin,
		   "%s: the resumed model equals the uninterrupted one (%zu bytes) %s", names[c], la,
		   rc ? "" : sgs_error_get());
		free(ba);
		free(bb);
		sgs_trainer_free(a);
		sgs_trainer_free(b);
	}
	unlink(path);
}

/* A checkpoint's bytes with its TOPT (the first chunk, at byte 8) cut or
 * grown to `len` bytes, the new bytes set to `fill` from byte 512 on
 * (past any field sgs-train knows), 0 before. */
static int retopt(const char *src, const char *dst, uint64_t len, uint8_t fill)
{
	FILE *f = fopen(src, "rb");
	if (!f)
		return -1;
	static uint8_t buf[1 << 22];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	uint64_t old = 0;
	for (int i = 0; i < 8; i++)
		old |= (uint64_t)buf[16 + i] << (8 * i);
	uint64_t pad_old = (8 - old % 8) % 8, pad_new = (8 - len % 8) % 8;
	if (memcmp(buf + 8, "TOPT", 4) != 0 || n < 24 + old)
		return -1;
	f = fopen(dst, "wb");
	if (!f)
		return -1;
	for (int i = 0; i < 8; i++)
		buf[16 + i] = (uint8_t)(len >> (8 * i));
	fwrite(buf, 1, 24, f);
	for (uint64_t i = 0; i < len + pad_new; i++)
		fputc(i < old && i < len ? buf[24 + i] : i < len && i >= 512 ? fill : 0, f);
	fwrite(buf + 24 + old + pad_old, 1, n - 24 - old - pad_old, f);
	return fclose(f);
}

static void test_topt(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	char p1[] = "/tmp/test_train_reg1.XXXXXX", p2[] = "/tmp/test_train_reg2.XXXXXX";
	close(mkstemp(p1));
	close(mkstemp(p2));
	short_opts(&o);
	o.dropout = 0.3f;
	o.scale_max_weight = 1.0f;
	int rc = sgs_trainer_new(be, scene, &o, &a) == 0 && testlib_steps(a, 10, NULL) == 0 &&
		 sgs_trainer_checkpoint(a, p1) == 0 && retopt(p1, p2, 64, 0) == 0 &&
		 sgs_trainer_resume(be, scene, p2, 0, &b) == 0;
	const struct sgs_trainer_opts *ro = rc ? sgs_trainer_get_opts(b) : NULL;
	ok(rc && ro->dropout == 0 && ro->scale_max_weight == 0 && ro->seed == 11 &&
		   sgs_trainer_iteration(b) == 10 && testlib_steps(b, 12, NULL) == 0,
	   "a 64-byte TOPT (older checkpoints) loads with the regularisers off %s",
	   rc ? "" : sgs_error_get());
	sgs_trainer_free(b);
	b = NULL;
	rc = retopt(p1, p2, 1024, 0) == 0 && sgs_trainer_resume(be, scene, p2, 0, &b) == 0;
	ro = rc ? sgs_trainer_get_opts(b) : NULL;
	ok(rc && ro->dropout == 0.3f && ro->scale_max_weight == 1.0f,
	   "a longer TOPT with zeros past what is known loads %s", rc ? "" : sgs_error_get());
	sgs_trainer_free(b);
	b = NULL;
	rc = retopt(p1, p2, 1024, 7) == 0 && sgs_trainer_resume(be, scene, p2, 0, &b) == -1;
	ok(rc && strstr(sgs_error_get(), "does not know"), "a TOPT with unknown fields set: %s",
	   sgs_error_get());
	rc = retopt(p1, p2, 40, 0) == 0 && sgs_trainer_resume(be, scene, p2, 0, &b) == -1;
	ok(rc && strstr(sgs_error_get(), "length is 40"), "a TOPT shorter than 64: %s",
	   sgs_error_get());
	sgs_trainer_free(a);
	unlink(p1);
	unlink(p2);
}

int main(void)
{
	struct sgs_scene scene;
	test_dropout_mask();
	test_dropout_render();
	test_decay_op();
	test_scale_reg();
	test_floater_flags();
	floater_cost();
	if (make_scene(&scene, 1) != 0) {
		ok(0, "synthetic scene: %s", sgs_error_get());
		return tap_done();
	}
	test_dropout_training(&scene);
	test_decay_training(&scene);
	test_scale_training(&scene);
	test_floater_training(&scene);
	test_resume(&scene);
	test_topt(&scene);
	sgs_scene_free(&scene);
	return tap_done();
}
