/* CoR-GS co-regularisation and FSGS unpooling in sgs-train (issue 10):
 * the pseudo camera (a rotation between the two train poses, the
 * trainer's draws deterministic), co-pruning (a planted Gaussian without
 * counterpart goes, matched ones stay; in training the predicted counts),
 * the pseudo-view term (0 and no effect when both fields are the same;
 * its gradient is the loss op's against the other field's render as a
 * constant, reaches its own field only, and agrees with finite
 * differences), unpooling (the midpoint Gaussians, their count, the cap,
 * zero Adam state), byte-identical resume with each option on, and the
 * costs.  CPU backend; reads the trainer's internals (trainer_internal.h)
 * for the gradient plumbing. */
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
#include "sgs_trainer.h"
#include "tap.h"
#include "test_raster_util.h"
#include "trainer_internal.h"
#include "testlib_train.h"

/* Processor time of the whole process (all threads): steadier than the
 * wall clock on a shared machine. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- the pseudo camera ---- */

static void cam_rot(const struct sgs_cam *c, double R[9])
{
	for (int i = 0; i < 9; i++)
		R[i] = c->R[i];
}

static void cam_centre(const struct sgs_cam *c, double C[3])
{
	for (int a = 0; a < 3; a++)
		C[a] = -(c->R[a] * (double)c->t[0] + c->R[3 + a] * (double)c->t[1] +
			 c->R[6 + a] * (double)c->t[2]);
}

/* The angle of M = A^T B: atan2 of |M - M^T| / 2 and (tr M - 1) / 2,
 * accurate at small angles too. */
static double rot_angle(const double A[9], const double B[9])
{
	double M[9];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			M[3 * i + j] = 0;
			for (int k = 0; k < 3; k++)
				M[3 * i + j] += A[3 * k + i] * B[3 * k + j];
		}
	double x = M[7] - M[5], y = M[2] - M[6], z = M[3] - M[1];
	return atan2(sqrt(x * x + y * y + z * z) / 2, (M[0] + M[4] + M[8] - 1) / 2);
}

/* |R R^T - I| and det R - 1, the larger. */
static double rot_error(const double R[9])
{
	double e = 0;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double d = 0;
			for (int k = 0; k < 3; k++)
				d += R[3 * i + k] * R[3 * j + k];
			e = fmax(e, fabs(d - (i == j)));
		}
	double det = R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) +
		     R[2] * (R[3] * R[7] - R[4] * R[6]);
	return fmax(e, fabs(det - 1));
}

static void test_pseudo_math(void)
{
	struct trng r = {21};
	struct sgs_cam a, b, c;
	const double zero[3] = {0, 0, 0};
	double worst_rot = 0, worst_geo = 0, worst_end = 0, worst_c = 0;
	for (int trial = 0; trial < 20; trial++) {
		random_camera(&r, 64, 48, 60, 3.0 + trial * 0.1, &a);
		random_camera(&r, 64, 48, 60, 4.0, &b);
		double Ra[9], Rb[9], Ca[3], Cb[3];
		cam_rot(&a, Ra), cam_rot(&b, Rb), cam_centre(&a, Ca), cam_centre(&b, Cb);
		double th = rot_angle(Ra, Rb);
		for (int k = 0; k <= 4; k++) {
			double s = k / 4.0, R[9], C[3];
			sgs_pseudo_cam(&a, &b, s, zero, zero, &c);
			cam_rot(&c, R), cam_centre(&c, C);
			worst_rot = fmax(worst_rot, rot_error(R));
			/* on the geodesic: s of the way from a, 1 - s from b */
			worst_geo = fmax(worst_geo, fabs(rot_angle(Ra, R) - s * th));
			worst_geo = fmax(worst_geo, fabs(rot_angle(R, Rb) - (1 - s) * th));
			for (int i = 0; i < 3; i++)
				worst_c = fmax(worst_c, fabs(C[i] - ((1 - s) * Ca[i] + s * Cb[i])));
			if (k == 0 || k == 4)
				for (int i = 0; i < 9; i++)
					worst_end = fmax(worst_end, fabs(R[i] - (k ? Rb : Ra)[i]));
		}
	}
	ok(worst_rot < 1e-5 && worst_geo < 1e-4 && worst_end < 1e-5 && worst_c < 1e-4,
	   "pseudo camera without noise: a rotation (error %.1e) on the geodesic between the "
	   "two poses (%.1e), the ends at the poses (%.1e), centre interpolated (%.1e)",
	   worst_rot, worst_geo, worst_end, worst_c);
	const double dc[3] = {0.1, -0.2, 0.05}, dr[3] = {0.02, 0, -0.01};
	double Ra[9], R[9], C[3], Ca[3];
	sgs_pseudo_cam(&a, &b, 0.0, dc, dr, &c);
	cam_rot(&a, Ra), cam_rot(&c, R), cam_centre(&a, Ca), cam_centre(&c, C);
	ok(fabs(rot_angle(Ra, R) - sqrt(0.0005)) < 1e-5 && fabs(C[0] - Ca[0] - 0.1) < 1e-5 &&
		   fabs(C[1] - Ca[1] + 0.2) < 1e-5 && rot_error(R) < 1e-5 && c.fx == a.fx &&
		   c.w == a.w,
	   "noise: turned by |drot| and moved by dcentre, a's intrinsics");
}

/* ---- seeds and model bytes ---- */

/* 10 x 10 x 8 seed points round the synthetic scene's objects. */
static void lattice_seeds(struct sgs_scene *s)
{
	int n = 800, k = 0;
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

static char *field_bytes(const struct sgs_trainer *t, uint32_t k, size_t *len)
{
	struct sgs_splats sp;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f || sgs_trainer_export_field(t, k, &sp) != 0)
		return NULL;
	int rc = sgs_splat_write(f, &sp);
	sgs_splats_free(&sp);
	fclose(f);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Random points, densification at 20, 40 and 60 of 70; two fields with
 * co-regularisation from iteration 10 when coreg. */
static void short_opts(struct sgs_trainer_opts *o, int coreg)
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
	if (coreg) {
		o->coreg = 1;
		o->fields = 2;
		o->coreg_start = 10;
		o->coprune_every = 30;
	}
}

/* The trainer's pseudo cameras: between two different train views, a
 * rotation near their geodesic, the same for the same iteration. */
static void test_pseudo_trainer(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	short_opts(&o, 1);
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0, good = rc, differ = 0;
	double worst = 0;
	for (uint32_t it = 1; rc && it <= 40; it++) {
		struct sgs_cam c, c2;
		uint32_t a, b;
		double s, R[9], Ra[9], Rb[9];
		sgs_trainer_pseudo_cam(t, it, &c, &a, &b, &s);
		sgs_trainer_pseudo_cam(t, it, &c2, NULL, NULL, NULL);
		good &= a != b && a < t->ntrain && b < t->ntrain && s > 0 && s < 1 &&
			memcmp(&c, &c2, sizeof c) == 0;
		cam_rot(&c, R), cam_rot(&t->views[a].cam, Ra), cam_rot(&t->views[b].cam, Rb);
		/* off the geodesic by the noise only (0.01 rad per axis) */
		double off = rot_angle(Ra, R) + rot_angle(R, Rb) - rot_angle(Ra, Rb);
		worst = fmax(worst, fmax(off, rot_error(R)));
		struct sgs_cam prev;
		sgs_trainer_pseudo_cam(t, it + 1, &prev, NULL, NULL, NULL);
		differ += memcmp(&prev, &c, sizeof c) != 0;
	}
	ok(good && worst < 0.1 && differ == 40,
	   "the trainer's pseudo cameras: two different train views, s in (0, 1), a rotation "
	   "within %.3f rad of their geodesic, one per iteration, drawn again alike", worst);
	sgs_trainer_free(t);
}

/* ---- co-pruning ---- */

static void test_coprune_flags(void)
{
	enum { N = 800 };
	float a[3 * (N + 1)], b[3 * N];
	uint8_t drop[N + 1];
	struct trng r = {4};
	struct sgs_trainer_opts o;
	for (int k = 0, z = 0; z < 8; z++)
		for (int y = 0; y < 10; y++)
			for (int x = 0; x < 10; x++, k++) {
				float p[3] = {0.15f * x, 0.15f * y, 0.15f * z};
				for (int i = 0; i < 3; i++) {
					a[3 * k + i] = p[i];
					b[3 * k + i] = p[i] + (float)trng_range(&r, -0.02, 0.02);
				}
			}
	a[3 * N] = 3.5f, a[3 * N + 1] = 0.7f, a[3 * N + 2] = 0.5f; /* the planted one */
	sgs_trainer_defaults(&o);
	float thr;
	uint32_t count;
	int rc = sgs_coprune_flags(&o, a, N + 1, b, N, drop, &thr, &count);
	/* the spacing: 8 nearest in the lattice, 6 at 0.15 and 2 at 0.212 inside */
	ok(rc == 0 && count == 1 && drop[N] == 1 && thr > 5 * 0.15f && thr < 5 * 0.2f,
	   "co-pruning: the planted Gaussian (%d) and no matched one goes (%u dropped; threshold "
	   "%g, 5 x the spacing)", drop[N], count, thr);
	rc = sgs_coprune_flags(&o, b, N, a, N + 1, drop, &thr, &count);
	ok(rc == 0 && count == 0, "the other way round, nothing goes (%u)", count);
	o.coprune_dist = 0.01f;
	rc = sgs_coprune_flags(&o, a, N + 1, b, N, drop, &thr, &count);
	uint32_t expect = 0;
	float *d = malloc((N + 1) * sizeof *d);
	sgs_knn_nearest(b, N, a, N + 1, 0, d);
	for (int i = 0; i <= N; i++)
		expect += d[i] > 0.01f;
	free(d);
	ok(rc == 0 && thr == 0.01f && count == expect && count > 100,
	   "an absolute distance 0.01: the %u Gaussians farther from the other field", count);
}

/* In training: co-pruning before iteration 30 drops what the host test
 * predicts from the fields after 29. */
static void test_coprune_training(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	struct sgs_step_info in;
	struct sgs_splats f[2];
	short_opts(&o, 1);
	o.coprune_mult = 1.5f;
	o.coreg_weight = 0.0f; /* co-pruning alone */
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0 && testlib_steps(t, 29, &in) == 0 &&
		 !in.coprune_pass && sgs_trainer_export_field(t, 0, &f[0]) == 0 &&
		 sgs_trainer_export_field(t, 1, &f[1]) == 0;
	uint32_t expect[2] = {0, 0}, n[2] = {0, 0};
	for (int k = 0; rc && k < 2; k++) {
		uint8_t *drop = malloc(f[k].n + 1);
		float thr;
		rc = sgs_coprune_flags(&o, f[k].means, (uint32_t)f[k].n, f[1 - k].means,
				       (uint32_t)f[1 - k].n, drop, &thr, &expect[k]) == 0;
		n[k] = (uint32_t)f[k].n;
		free(drop);
	}
	if (n[0])
		sgs_splats_free(&f[0]), sgs_splats_free(&f[1]);
	rc = rc && testlib_steps(t, 30, &in) == 0;
	ok(rc && in.coprune_pass && in.copruned[0] == expect[0] && in.copruned[1] == expect[1] &&
		   expect[0] > 0 && expect[1] > 0 && in.gaussians == n[0] - expect[0] &&
		   t->fields[1].st.params.n == n[1] - expect[1],
	   "training: co-pruning before iteration 30 drops the %u and %u Gaussians the test "
	   "predicts (of %u and %u) %s", expect[0], expect[1], n[0], n[1],
	   rc ? "" : sgs_error_get());
	rc = rc && testlib_steps(t, 59, &in) == 0 && !in.coprune_pass && testlib_steps(t, 60, &in) == 0 &&
	     in.coprune_pass && testlib_steps(t, 70, &in) == 0;
	ok(rc, "co-pruning again at 60, and the run finishes %s", rc ? "" : sgs_error_get());
	sgs_trainer_free(t);
}

/* ---- the pseudo-view term ---- */

/* Both fields from the same seed points stay the same until the first
 * densification step (20) draws them apart: the term is 0 and the model
 * is the single-field run's. */
static void test_coreg_identical(struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	struct sgs_step_info in;
	const char *names[SGS_MAX_TERMS];
	lattice_seeds(scene);
	short_opts(&o, 0);
	o.init = SGS_INIT_SEEDS;
	int rc = sgs_trainer_new(be, scene, &o, &a) == 0 && testlib_steps(a, 19, NULL) == 0;
	short_opts(&o, 1);
	o.init = SGS_INIT_SEEDS;
	o.coreg_start = 0;
	rc = rc && sgs_trainer_new(be, scene, &o, &b) == 0;
	int k = rc ? sgs_trainer_term_names(b, names) : 0, zero = 1;
	double worst = 0, gworst = 0;
	for (uint32_t it = 1; rc && it <= 19; it++) {
		rc = testlib_steps(b, it, &in) == 0;
		zero &= rc && in.nterms == 2 && b->coreg.ready && in.terms[1] == b->coreg.value[0] &&
			b->coreg.value[0] == b->coreg.value[1];
		worst = fmax(worst, in.terms[1]);
		float *g[NGROUPS];
		size_t len[NGROUPS];
		field_arrays(&b->coreg.grad[0], g, len);
		for (int i = 0; rc && i < NGROUPS; i++)
			for (size_t j = 0; j < len[i]; j++)
				gworst = fmax(gworst, fabsf(g[i][j]));
	}
	size_t l0 = 0, l1 = 0;
	char *f0 = rc ? field_bytes(b, 0, &l0) : NULL, *f1 = rc ? field_bytes(b, 1, &l1) : NULL;
	/* 1 - SSIM of two equal images rounds to about 1e-9, not 0 */
	ok(rc && k == 2 && strcmp(names[1], "coreg") == 0 && zero && worst < 1e-8 && gworst < 1e-6,
	   "identical fields: the coreg column (%s) is 0 (at most %.1e, gradients at most %.1e) "
	   "at every iteration", k == 2 ? names[1] : "?", worst, gworst);
	struct sgs_splats sa, sb;
	double dmax = 0;
	rc = rc && sgs_trainer_export(a, &sa) == 0 && sgs_trainer_export(b, &sb) == 0 &&
	     sa.n == sb.n;
	for (size_t i = 0; rc && i < 3 * sa.n; i++)
		dmax = fmax(dmax, fabs(sa.means[i] - sb.means[i]));
	if (rc)
		sgs_splats_free(&sa), sgs_splats_free(&sb);
	ok(f0 && f1 && l0 == l1 && memcmp(f0, f1, l0) == 0 && rc && dmax < 1e-4,
	   "identical fields stay identical, and the single-field run's model (means within "
	   "%.1e) after 19 iterations", dmax);
	rc = rc && testlib_steps(b, 30, &in) == 0;
	ok(rc && in.terms[1] > 0, "after the densification step at 20 the fields differ: coreg "
	   "%.3g at 30", rc ? in.terms[1] : 0);
	free(f0), free(f1);
	sgs_trainer_free(a);
	sgs_trainer_free(b);
	drop_seeds(scene);
}

/* The loss of field k's render of cam against the other's (a constant),
 * from exported models; ctx[k] keeps field k's render for a backward
 * pass, dimg its gradient. */
static const float test_bg[3] = {0.3f, 0.5f, 0.7f};

static double pair_loss(struct sgs_splats sp[2], int k, const struct sgs_cam *cam, float lambda,
			struct sgs_raster_ctx *ctx[2], struct sgs_render_out out[2], float *dimg)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_raster_opts ro = {.bg = {test_bg[0], test_bg[1], test_bg[2]}};
	double terms[4];
	for (int j = 0; j < 2; j++) {
		struct sgs_gaussians g;
		if (sgs_gaussians_view(&sp[j], &g) != 0 || sgs_render(ctx[j], &g, cam, &ro, &out[j]) != 0)
			return NAN;
	}
	if (be->train.loss_l1_ssim(out[k].rgb, out[1 - k].rgb, cam->w, cam->h, lambda, dimg,
				   terms) != 0)
		return NAN;
	return terms[3];
}

/* The index of the largest |g[i stride + off]| not in used[0..nused). */
static size_t largest(const float *g, size_t n, size_t stride, size_t off, const size_t *used,
		      int nused)
{
	size_t best = 0;
	float bv = -1;
	for (size_t i = 0; i < n; i++) {
		int taken = 0;
		for (int u = 0; u < nused; u++)
			taken |= used[u] == i * stride + off;
		if (!taken && fabsf(g[i * stride + off]) > bv)
			bv = fabsf(g[i * stride + off]), best = i;
	}
	return best * stride + off;
}

/* The term's gradient for field k is the loss op's through field k's
 * render with the other's render held constant; the term adds w times
 * it to field k's gradients and touches nothing of the other field; a
 * few coordinates against central differences. */
static void test_coreg_gradient(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	struct sgs_splats sp[2];
	struct sgs_raster_ctx *ctx[2] = {be->ctx_new(), be->ctx_new()};
	struct sgs_render_out out[2];
	struct sgs_cam cam;
	float *dimg = malloc(3 * 48 * 36 * sizeof *dimg);
	short_opts(&o, 1);
	o.coreg_start = 0;
	o.coreg_weight = 0.7f;
	o.sh_degree = 1; /* active from iteration 2 */
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0 && testlib_steps(t, 12, NULL) == 0 &&
		 sgs_trainer_export_field(t, 0, &sp[0]) == 0 &&
		 sgs_trainer_export_field(t, 1, &sp[1]) == 0 &&
		 sgs_render_out_alloc(be, &out[0], 48, 36, 0) == 0 &&
		 sgs_render_out_alloc(be, &out[1], 48, 36, 0) == 0 &&
		 t->fields[0].sh_active == 1 && t->fields[1].sh_active == 1 &&
		 trainer_coreg_pseudo(t, 13, test_bg) == 0 && t->coreg.ready;
	int same = rc;
	if (rc)
		sgs_trainer_pseudo_cam(t, 13, &cam, NULL, NULL, NULL);
	for (int k = 0; rc && k < 2; k++) {
		/* the reference: render both, the loss against the other, backward */
		struct sgs_gaussians grad;
		double v = pair_loss(sp, k, &cam, o.lambda_dssim, ctx, out, dimg);
		struct sgs_render_dout dout = {dimg, NULL, NULL};
		rc = host_gaussians_alloc(&grad, (uint32_t)sp[k].n, 1) == 0 &&
		     sgs_render_backward(ctx[k], &dout, &grad, NULL, NULL, NULL, NULL) == 0;
		float *p[NGROUPS], *q[NGROUPS];
		size_t len[NGROUPS];
		field_arrays(&grad, p, len);
		field_arrays(&t->coreg.grad[k], q, len);
		for (int i = 0; rc && i < NGROUPS; i++)
			same &= memcmp(p[i], q[i], len[i] * sizeof(float)) == 0;
		same &= v == t->coreg.value[k] && v > 0;
		host_gaussians_free(&grad);
	}
	ok(rc && same, "the pseudo-view gradient of each field is the loss op's against the other "
	   "field's render, bit for bit, and so is its value (%.4g)", rc ? t->coreg.value[0] : 0);

	/* the term: field 0's gradients + 0.7 x its own, field 1's untouched */
	const struct loss_term *terms[SGS_MAX_TERMS];
	int nt = loss_terms(&t->o, terms), added = rc, kept = rc, nonzero = 0;
	float *g0[NGROUPS], *g1[NGROUPS], *c0[NGROUPS], *b0[NGROUPS], *b1[NGROUPS];
	size_t len0[NGROUPS], len1[NGROUPS];
	field_arrays(&t->fields[0].st.grads, g0, len0);
	field_arrays(&t->fields[1].st.grads, g1, len1);
	field_arrays(&t->coreg.grad[0], c0, len0);
	for (int i = 0; i < NGROUPS; i++) {
		b0[i] = malloc(len0[i] * sizeof(float) + 1);
		b1[i] = malloc(len1[i] * sizeof(float) + 1);
		for (size_t j = 0; j < len0[i]; j++)
			g0[i][j] = (float)(0.001 * ((j * 7 + i) % 13)); /* something there */
		memcpy(b0[i], g0[i], len0[i] * sizeof(float));
		memcpy(b1[i], g1[i], len1[i] * sizeof(float));
	}
	struct loss_eval e = {.ops = t->ops, .o = &t->o, .field = &t->fields[0], .iteration = 13,
			      .pseudo_grad = &t->coreg.grad[0], .pseudo_value = t->coreg.value[0]};
	double values[SGS_MAX_TERMS], sum = 0;
	rc = rc && loss_run(terms, nt, TERM_PARAMS, &e, values, &sum) == 0;
	for (int i = 0; i < NGROUPS; i++) {
		for (size_t j = 0; rc && j < len0[i]; j++) {
			added &= g0[i][j] == sgs_add_scaled_one(b0[i][j], c0[i][j], 0.7f);
			nonzero += c0[i][j] != 0.0f;
		}
		kept &= memcmp(g1[i], b1[i], len1[i] * sizeof(float)) == 0;
		free(b0[i]), free(b1[i]);
	}
	ok(rc && added && kept && nonzero > 100 && fabs(sum - 0.7 * t->coreg.value[0]) < 1e-9,
	   "the coreg term adds 0.7 x the pseudo-view gradient to field 0's (%d entries nonzero), "
	   "leaves field 1's alone, and counts 0.7 x the loss", nonzero);

	/* central differences of the loss in the SH DC entries and opacity
	 * logits of field 0 with the largest gradients */
	double num = 0, den = 0;
	size_t used[6];
	int checked = 0;
	for (int c = 0; rc && c < 6; c++) {
		int opa = c >= 4;
		float *par = opa ? sp[0].logit_opacity : sp[0].sh;
		const float *gr = opa ? t->coreg.grad[0].opacity : t->coreg.grad[0].sh;
		size_t stride = opa ? 1 : 3 * (size_t)sgs_sh_coeffs(1);
		size_t at = largest(gr, sp[0].n, stride, opa ? 0 : (size_t)c % 3, used + (opa ? 4 : 0),
				    opa ? c - 4 : c);
		used[c] = at;
		const float h = 1e-2f, save = par[at];
		par[at] = save + h;
		double lp = pair_loss(sp, 0, &cam, o.lambda_dssim, ctx, out, dimg);
		par[at] = save - h;
		double lm = pair_loss(sp, 0, &cam, o.lambda_dssim, ctx, out, dimg);
		par[at] = save;
		double fd = (lp - lm) / (2 * (double)h), an = gr[at];
		num += (fd - an) * (fd - an);
		den += an * an;
		checked++;
		diag("coreg gradient, %s entry %zu: %.6g, central differences %.6g",
		     opa ? "opacity" : "SH", at, an, fd);
	}
	ok(rc && checked == 6 && den > 0 && sqrt(num / den) < 0.05,
	   "the pseudo-view gradient agrees with central differences of the loss (relative "
	   "error %.2g over %d coordinates)", den > 0 ? sqrt(num / den) : 0, checked);
	free(dimg);
	for (int k = 0; k < 2; k++) {
		sgs_render_out_free(be, &out[k]);
		be->ctx_free(ctx[k]);
	}
	if (t && sgs_trainer_iteration(t) == 12)
		sgs_splats_free(&sp[0]), sgs_splats_free(&sp[1]);
	sgs_trainer_free(t);
}

/* ---- unpooling ---- */

static void test_unpool_pairs(void)
{
	/* on the x axis: 0, 0.1, ..., 0.9, a lone point L at 1.6, and A, B
	 * at 5 and 6 */
	enum { N = 13 };
	float x[3 * N] = {0};
	for (int i = 0; i < 10; i++)
		x[3 * i] = 0.1f * i;
	x[30] = 1.6f, x[33] = 5.0f, x[36] = 6.0f;
	struct sgs_trainer_opts o;
	uint32_t *pairs = NULL, np = 0;
	float thr;
	sgs_trainer_defaults(&o);
	o.unpool = 3.0f;
	o.unpool_knn = 2;
	int rc = sgs_unpool_pairs(&o, x, N, 100, &pairs, &np, &thr);
	/* gaps above 3 x 0.1: B-L 4.4, A-L 3.4, A-B 1.0 (once), L-0.8, L-0.9 */
	static const uint32_t want[10] = {12, 10, 11, 10, 11, 12, 10, 8, 10, 9};
	ok(rc == 0 && fabsf(thr - 0.3f) < 1e-5f && np == 5 && memcmp(pairs, want, sizeof want) == 0,
	   "unpooling pairs (k = 2, 3 x the median gap %.3g): the 5 gaps above it, each once, "
	   "largest first (%u)", thr, np);
	free(pairs);
	rc = sgs_unpool_pairs(&o, x, N, 3, &pairs, &np, &thr);
	ok(rc == 0 && np == 3 && memcmp(pairs, want, 6 * sizeof *pairs) == 0,
	   "a budget of 3: the 3 largest gaps");
	free(pairs);
	o.unpool = 0.9f; /* the 0.9 quantile of the 26 gaps: 1.0 */
	rc = sgs_unpool_pairs(&o, x, N, 100, &pairs, &np, &thr);
	ok(rc == 0 && fabsf(thr - 1.0f) < 1e-5f && np == 2 && pairs[0] == 12 && pairs[2] == 11,
	   "the 0.9 quantile (%.3g): the 2 gaps above it", thr);
	free(pairs);
}

/* In training: at the first densification step (20) the Gaussians grow by
 * the midpoints, their Adam state zero, their parameters the rule's;
 * under a cap only up to it. */
static void test_unpool_training(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	struct sgs_step_info in;
	short_opts(&o, 0);
	o.unpool = 2.0f;
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0 && testlib_steps(t, 19, NULL) == 0;
	/* the plan from the state after the strategy's step at 20: replay it
	 * on a twin trainer without unpooling */
	struct sgs_trainer *u = NULL;
	struct sgs_trainer_opts o2 = o;
	o2.unpool = 0;
	struct sgs_splats sp;
	uint32_t *pairs = NULL, np = 0;
	float thr;
	rc = rc && sgs_trainer_new(be, scene, &o2, &u) == 0 && testlib_steps(u, 20, &in) == 0 &&
	     in.densified && sgs_trainer_export(u, &sp) == 0 &&
	     sgs_unpool_pairs(&o, sp.means, (uint32_t)sp.n, t->o.max_gaussians - (uint32_t)sp.n,
			      &pairs, &np, &thr) == 0;
	uint32_t n0 = rc ? (uint32_t)sp.n : 0;
	rc = rc && testlib_steps(t, 20, &in) == 0;
	const struct sgs_train_state *st = rc ? &t->fields[0].st : NULL;
	int params = rc && in.unpooled == np && np > 0 && st->params.n == n0 + np;
	const size_t K3 = 3 * (size_t)sgs_sh_coeffs(o.sh_degree);
	for (uint32_t c = 0; params && c < np; c++) {
		size_t i = pairs[2 * c], j = pairs[2 * c + 1], r = n0 + c;
		for (int a = 0; a < 3; a++) {
			params &= st->params.means[3 * r + a] ==
				  0.5f * (sp.means[3 * i + a] + sp.means[3 * j + a]);
			params &= st->params.log_scales[3 * r + a] == sp.log_scales[3 * i + a];
		}
		params &= st->params.opacity[r] == sp.logit_opacity[i];
		for (size_t a = 0; a < K3; a++)
			params &= st->params.sh[K3 * r + a] == 0.5f * (sp.sh[K3 * i + a] + sp.sh[K3 * j + a]);
		params &= st->m.means[3 * r] == 0 && st->v.sh[K3 * r] == 0 && st->m.opacity[r] == 0 &&
			  st->grad2d_accum[r] == 0;
	}
	ok(params, "training: the densification step at 20 adds the %u planned midpoints (%u -> "
	   "%u; scale, opacity of the source, SH the mean, zero Adam state)", np, n0,
	   rc ? st->params.n : 0);
	if (u)
		sgs_splats_free(&sp);
	free(pairs);
	sgs_trainer_free(t);
	sgs_trainer_free(u);

	/* a cap 5 above the count after the step */
	o.max_gaussians = n0 + 5;
	t = NULL;
	rc = sgs_trainer_new(be, scene, &o, &t) == 0 && testlib_steps(t, 20, &in) == 0;
	ok(rc && in.unpooled > 0 && in.gaussians == n0 + 5 &&
		   in.dstats.n_after + in.unpooled == in.gaussians,
	   "a cap of %u: unpooling stops at it (%u added to %u)", n0 + 5, rc ? in.unpooled : 0,
	   rc ? in.dstats.n_after : 0);
	rc = rc && testlib_steps(t, 40, &in) == 0 && in.gaussians <= n0 + 5;
	ok(rc, "and the run goes on within the cap (%u)", rc ? in.gaussians : 0);
	sgs_trainer_free(t);
}

/* ---- resume ---- */

static void test_resume(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	static const char *names[] = {"co-regularisation", "unpooling", "both, with co-pruning at 40"};
	char path[] = "/tmp/test_train_coreg.XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	for (int c = 0; c < 3; c++) {
		struct sgs_trainer_opts o;
		struct sgs_trainer *a = NULL, *b = NULL;
		size_t la = 0, lb = 0, la1 = 0, lb1 = 0;
		char *ba = NULL, *bb = NULL, *ba1 = NULL, *bb1 = NULL;
		short_opts(&o, c != 1);
		if (c == 2)
			o.coprune_every = 40, o.coprune_mult = 2.0f;
		if (c >= 1)
			o.unpool = 0.9f;
		sgs_error_clear();
		int rc = sgs_trainer_new(be, scene, &o, &a) == 0 && testlib_steps(a, 70, NULL) == 0 &&
			 (ba = field_bytes(a, 0, &la)) != NULL;
		rc = rc && sgs_trainer_new(be, scene, &o, &b) == 0 && testlib_steps(b, 41, NULL) == 0 &&
		     sgs_trainer_checkpoint(b, path) == 0;
		sgs_trainer_free(b);
		b = NULL;
		rc = rc && sgs_trainer_resume(be, scene, path, 0, &b) == 0 && testlib_steps(b, 70, NULL) == 0 &&
		     (bb = field_bytes(b, 0, &lb)) != NULL;
		if (rc && c != 1) { /* the second field too */
			ba1 = field_bytes(a, 1, &la1);
			bb1 = field_bytes(b, 1, &lb1);
			rc = ba1 && bb1 && la1 == lb1 && memcmp(ba1, bb1, la1) == 0;
		}
		const struct sgs_trainer_opts *ro = b ? sgs_trainer_get_opts(b) : NULL;
		ok(rc && la == lb && memcmp(ba, bb, la) == 0 && ro->coreg == o.coreg &&
			   ro->coreg_start == o.coreg_start && ro->coprune_every == o.coprune_every &&
			   ro->coprune_mult == o.coprune_mult && ro->unpool == o.unpool &&
			   ro->unpool_knn == o.unpool_knn && ro->fields == o.fields,
		   "%s: the resumed model equals the uninterrupted one (%zu bytes) %s", names[c], la,
		   rc ? "" : sgs_error_get());
		free(ba), free(bb), free(ba1), free(bb1);
		sgs_trainer_free(a);
		sgs_trainer_free(b);
	}
	unlink(path);
}

/* A checkpoint of a run with --coreg and --unpool with its TOPT cut to
 * 192 bytes (the layout before them): both fields load, the options
 * read as off. */
static void test_topt(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	char p1[] = "/tmp/test_train_coreg1.XXXXXX", p2[] = "/tmp/test_train_coreg2.XXXXXX";
	static uint8_t buf[1 << 22];
	close(mkstemp(p1));
	close(mkstemp(p2));
	short_opts(&o, 1);
	o.unpool = 2.0f;
	int rc = sgs_trainer_new(be, scene, &o, &a) == 0 && testlib_steps(a, 10, NULL) == 0 &&
		 sgs_trainer_checkpoint(a, p1) == 0;
	FILE *f = rc ? fopen(p1, "rb") : NULL;
	size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
	if (f)
		fclose(f);
	/* TOPT is the first chunk: its length (256 or more, a multiple of 8)
	 * at byte 16, its payload at 24 */
	size_t len = n > 24 ? buf[16] | (size_t)buf[17] << 8 : 0;
	rc = rc && len >= 256 && n > 24 + len && memcmp(buf + 8, "TOPT", 4) == 0;
	if (rc) {
		buf[16] = 192, buf[17] = 0;
		f = fopen(p2, "wb");
		rc = f && fwrite(buf, 1, 24 + 192, f) == 24 + 192 &&
		     fwrite(buf + 24 + len, 1, n - 24 - len, f) == n - 24 - len;
		rc = f && fclose(f) == 0 && rc;
	}
	rc = rc && sgs_trainer_resume(be, scene, p2, 0, &b) == 0;
	const struct sgs_trainer_opts *ro = rc ? sgs_trainer_get_opts(b) : NULL;
	ok(rc && ro->fields == 2 && ro->coreg == 0 && ro->unpool == 0 && testlib_steps(b, 12, NULL) == 0,
	   "a 192-byte TOPT: two fields, co-regularisation and unpooling off %s",
	   rc ? "" : sgs_error_get());
	sgs_trainer_free(a);
	sgs_trainer_free(b);
	unlink(p1);
	unlink(p2);
}

/* ---- costs ---- */

static void costs(const struct sgs_scene *scene)
{
	const uint32_t n = 100000;
	float *xyz = malloc(3 * (size_t)n * sizeof *xyz);
	struct trng r = {3};
	struct sgs_trainer_opts o;
	uint32_t *pairs = NULL, np = 0;
	float thr;
	for (size_t i = 0; i < 3 * (size_t)n; i++)
		xyz[i] = (float)(trng_normal(&r) * (i % 3 == 2 ? 0.3 : 2.0));
	sgs_trainer_defaults(&o);
	o.unpool = 3.0f;
	double t0 = now_s();
	int rc = sgs_unpool_pairs(&o, xyz, n, n, &pairs, &np, &thr);
	double dt = now_s() - t0;
	free(pairs);
	uint8_t *drop = malloc(n);
	uint32_t count;
	float *other = malloc(3 * (size_t)n * sizeof *other);
	for (size_t i = 0; i < 3 * (size_t)n; i++)
		other[i] = xyz[i] + (float)(0.01 * trng_normal(&r));
	t0 = now_s();
	rc |= sgs_coprune_flags(&o, xyz, n, other, n, drop, &thr, &count);
	double dc = now_s() - t0;
	diag("host side on %u Gaussians, processor seconds: unpooling's plan (k = 3) %.3f "
	     "(%u pairs), co-pruning's test of one field %.3f (%u dropped)", n, dt, np, dc, count);
	ok(rc == 0, "unpooling plan on 100000 Gaussians %.2f s, co-pruning test %.2f s", dt, dc);
	free(xyz);
	free(other);
	free(drop);

	/* seconds per iteration on the synthetic scene, off and on */
	const struct sgs_backend *be = sgs_backend_cpu();
	double sec[2];
	for (int c = 0; c < 2; c++) {
		struct sgs_trainer_opts so;
		struct sgs_trainer *t = NULL;
		short_opts(&so, c);
		so.coreg_start = 0;
		so.init_count = 3000;
		so.densify_from = 1000; /* the same count throughout */
		rc = sgs_trainer_new(be, scene, &so, &t) == 0 && testlib_steps(t, 2, NULL) == 0;
		t0 = now_s();
		rc = rc && testlib_steps(t, 22, NULL) == 0;
		sec[c] = (now_s() - t0) / 20;
		sgs_trainer_free(t);
	}
	diag("processor seconds per iteration on the 48x36 synthetic scene, 3000 Gaussians: %.4f without, "
	     "%.4f with --coreg (pseudo views every iteration), %.2fx", sec[0], sec[1],
	     sec[1] / sec[0]);
	ok(rc, "iteration cost with --coreg: %.2fx", sec[1] / sec[0]);
}

int main(void)
{
	struct sgs_scene scene;
	test_pseudo_math();
	test_coprune_flags();
	test_unpool_pairs();
	if (testlib_scene(&scene) != 0) {
		ok(0, "synthetic scene: %s", sgs_error_get());
		return tap_done();
	}
	test_pseudo_trainer(&scene);
	test_coprune_training(&scene);
	test_coreg_identical(&scene);
	test_coreg_gradient(&scene);
	test_unpool_training(&scene);
	test_resume(&scene);
	test_topt(&scene);
	costs(&scene);
	sgs_scene_free(&scene);
	return tap_done();
}
