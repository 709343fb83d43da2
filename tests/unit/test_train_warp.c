/* Warp consistency from virtual binocular views (sgs-train --warp, issue
 * 10): the backend op loss_warp on the CPU against a reference written
 * here in double (value, gradients with respect to the virtual image and
 * the depth against central differences, which pixels take part), known
 * answers (0 at b = 0 on the image itself; a smooth image warped by a
 * known depth gives nearly 0, a wrong depth does not), the same bits on
 * 1 and 2 threads; then in the trainer: the virtual camera, the baseline
 * draws, the log column, byte-identical resume, older checkpoints (TOPT
 * of 320 bytes) and the iteration cost. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_synthetic.h"
#include "sgs_train_ops.h"
#include "sgs_trainer.h"
#include "tap.h"
#include "test_raster_util.h"
#include "trainer_internal.h"
#include "testlib_train.h"

#define W 41
#define H 23
#define N (W * H)
#define MIN_DEPTH 0.2f

static const struct sgs_train_ops *ops;
static float virt[3 * N], depth[N], gt[3 * N];

/* ---- the op against a reference ---- */

/* L from the definition, in double; the part taking part into *count. */
static double ref_warp(const double *v, const double *d, double disp, double *count)
{
	double s = 0, n = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			const int i = y * W + x;
			if (!(d[i] >= MIN_DEPTH))
				continue;
			double u = x - disp / d[i];
			if (!(u >= 0 && u <= W - 1))
				continue;
			int j = (int)u < W - 2 ? (int)u : W - 2;
			double a = u - j;
			n++;
			for (int c = 0; c < 3; c++) {
				double w = (1 - a) * v[3 * (y * W + j) + c] + a * v[3 * (y * W + j + 1) + c];
				s += fabs(w - gt[3 * i + c]);
			}
		}
	if (count)
		*count = n;
	return n > 0 ? s / (3 * n) : 0;
}

static void make_inputs(void)
{
	struct trng r = {7};
	for (int i = 0; i < 3 * N; i++) {
		virt[i] = (float)trng_u01(&r);
		gt[i] = (float)trng_u01(&r);
	}
	for (int i = 0; i < N; i++)
		depth[i] = (float)trng_range(&r, 1.0, 4.0);
	depth[5] = 0.1f; /* below the least depth: left out */
}

static int run(float disp, float weight, float *dv, float *dd, double *value, double *valid)
{
	struct sgs_warp_params p = {W, H, disp, MIN_DEPTH, weight};
	return ops->loss_warp(virt, depth, gt, &p, dv, dd, value, valid);
}

static void check_gradients(void)
{
	static float dv[3 * N], dd[N];
	static double v[3 * N], d[N];
	const float disp = 9.0f, weight = 2.0f;
	double value = NAN, valid = 0, rcount = 0;
	for (int i = 0; i < 3 * N; i++)
		dv[i] = 5.0f, v[i] = virt[i]; /* dv is written, not added */
	for (int i = 0; i < N; i++)
		dd[i] = 0.25f, d[i] = depth[i];
	if (run(disp, weight, dv, dd, &value, &valid) != 0) {
		ok(0, "loss_warp: %s", sgs_error_get());
		return;
	}
	double ref = ref_warp(v, d, disp, &rcount);
	ok(fabs(value - ref) < 1e-6 && valid == rcount && valid > N / 2 && valid < N,
	   "loss_warp: L = %.7f, reference %.7f; %g pixels take part, reference %g of %d", value, ref,
	   valid, rcount, N);
	/* d/dvirt: each element, central differences of the reference */
	double worst = 0, gmax = 0;
	int bad = 0, written = 1;
	for (int i = 0; i < 3 * N; i++) {
		double keep = v[i], h = 1e-5;
		v[i] = keep + h;
		double up = ref_warp(v, d, disp, NULL);
		v[i] = keep - h;
		double dn = ref_warp(v, d, disp, NULL);
		v[i] = keep;
		double fd = weight * (up - dn) / (2 * h), e = fabs(dv[i] - fd);
		gmax = fmax(gmax, fabs(fd));
		bad += e > 1e-3 * fabs(fd) + 1e-7; /* an |warped - gt| kink inside h */
		if (e <= 1e-3 * fabs(fd) + 1e-7)
			worst = fmax(worst, e);
		written &= dv[i] != 5.0f || fd != 0;
	}
	ok(gmax > 0 && bad <= 3 * N / 200 && written,
	   "d/dvirt: central differences agree to %.2e of %.2e (%d of %d elements beside a kink); "
	   "written, not added", worst, gmax, bad, 3 * N);
	/* d/ddepth: added to 0.25 */
	worst = 0, gmax = 0, bad = 0;
	int nonzero = 0;
	for (int i = 0; i < N; i++) {
		double keep = d[i], h = 1e-6;
		d[i] = keep + h;
		double up = ref_warp(v, d, disp, NULL);
		d[i] = keep - h;
		double dn = ref_warp(v, d, disp, NULL);
		d[i] = keep;
		double fd = weight * (up - dn) / (2 * h), g = dd[i] - 0.25, e = fabs(g - fd);
		gmax = fmax(gmax, fabs(fd));
		nonzero += g != 0;
		if (e > 1e-3 * fabs(fd) + 1e-5)
			bad++; /* a column boundary or an |warped - gt| kink inside h */
		else
			worst = fmax(worst, e);
	}
	ok(gmax > 0 && bad <= N / 100 && nonzero > N / 2,
	   "d/ddepth: central differences agree to %.2e of %.2e (%d of %d pixels beside a kink, "
	   "%d nonzero), added to the buffer", worst, gmax, bad, N, nonzero);
	/* no depth buffer: the gradient stopped there, the rest the same */
	static float dv2[3 * N];
	double v2;
	ok(run(disp, weight, dv2, NULL, &v2, NULL) == 0 && v2 == value &&
		   memcmp(dv, dv2, sizeof dv) == 0,
	   "ddepth NULL: the same value and image gradient, no depth gradient");
}

/* Answers known without the reference. */
static void check_known(void)
{
	static float dv[3 * N], dd[N], save[3 * N];
	double value = NAN, valid = 0;
	memcpy(save, virt, sizeof save);
	/* b = 0: warped = virt; on the train image itself 0, else its L1 */
	memcpy(virt, gt, sizeof virt);
	int rc = run(0.0f, 1.0f, dv, dd, &value, &valid);
	double zero = value;
	memcpy(virt, save, sizeof virt);
	double l1 = 0;
	for (int i = 0; i < 3 * N; i++)
		if (i / 3 != 5)
			l1 += fabs(virt[i] - gt[i]);
	rc |= run(0.0f, 1.0f, dv, dd, &value, &valid);
	ok(rc == 0 && zero == 0 && fabs(value - l1 / (3 * (N - 1))) < 1e-6 && valid == N - 1,
	   "b = 0: 0 on the train image itself, else mean |virt - gt| (%.6f) over the pixels "
	   "with depth", value);
	/* a smooth image seen from the virtual camera: gt(x) = I(x - disp / D) */
	static float keep_gt[3 * N], keep_d[N];
	memcpy(keep_gt, gt, sizeof gt);
	memcpy(keep_d, depth, sizeof depth);
	const float disp = 6.0f;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			const int i = y * W + x;
			depth[i] = 2.0f + (float)(x + y) / (W + H);
			for (int c = 0; c < 3; c++) {
				double u = x - disp / depth[i];
				virt[3 * i + c] = (float)(0.5 + 0.4 * sin(0.3 * x + c + 0.1 * y));
				gt[3 * i + c] = (float)(0.5 + 0.4 * sin(0.3 * u + c + 0.1 * y));
			}
		}
	double right, wrong;
	rc = run(disp, 1.0f, dv, dd, &right, &valid);
	for (int i = 0; i < N; i++)
		depth[i] *= 1.5f;
	rc |= run(disp, 1.0f, dv, dd, &wrong, NULL);
	ok(rc == 0 && right < 0.005 && wrong > 5 * right && valid > N / 2,
	   "a smooth image warped by a known depth: L = %.5f (interpolation only; %g pixels), "
	   "%.4f with the depth 1.5x", right, valid, wrong);
	/* which pixels take part: constant depth 1, disp 10 moves every
	 * sample 10 columns left */
	for (int i = 0; i < N; i++)
		depth[i] = 1.0f;
	rc = run(10.0f, 1.0f, dv, dd, &value, &valid);
	ok(rc == 0 && valid == (W - 10) * H, "disp 10 at depth 1: the %d columns whose sample is "
	   "inside take part (%g)", W - 10, valid);
	memcpy(gt, keep_gt, sizeof gt);
	memcpy(depth, keep_d, sizeof depth);
	memcpy(virt, save, sizeof virt);
}

static void check_threads(void)
{
	static float dv[2][3 * N], dd[2][N];
	double v[2];
	int rc = 0, threads = omp_get_max_threads();
	for (int t = 0; t < 2; t++) {
		omp_set_num_threads(t ? 2 : 1);
		memset(dd[t], 0, sizeof dd[t]);
		rc |= run(-7.5f, 1.0f, dv[t], dd[t], &v[t], NULL);
	}
	omp_set_num_threads(threads);
	ok(rc == 0 && v[0] == v[1] && memcmp(dv[0], dv[1], sizeof dv[0]) == 0 &&
		   memcmp(dd[0], dd[1], sizeof dd[0]) == 0,
	   "the same value and gradients on 1 thread and on 2");
	struct sgs_warp_params p = {W, H, 1.0f, 0.0f, 1.0f};
	double value;
	sgs_error_clear();
	ok(ops->loss_warp(virt, depth, gt, &p, dv[0], NULL, &value, NULL) != 0 &&
		   strstr(sgs_error_get(), "warp consistency loss") != NULL,
	   "a least depth of 0 is refused: %s", sgs_error_get());
}

/* ---- in the trainer ---- */

static void short_opts(struct sgs_trainer_opts *o)
{
	sgs_trainer_defaults(o);
	o->init = SGS_INIT_RANDOM;
	o->init_count = 600;
	o->iterations = 70;
	o->seed = 13;
	o->densify_from = 5;
	o->densify_until = 80;
	o->densify_every = 20;
	o->warp = 1;
	o->warp_start = 10;
}

/* The virtual camera: centre moved by b along the camera's x axis, a
 * point at depth z seen fx b / z pixels to the left. */
static void test_camera(void)
{
	struct trng r = {3};
	struct sgs_cam c, v;
	double worst_c = 0, worst_px = 0;
	for (int trial = 0; trial < 10; trial++) {
		random_camera(&r, 64, 48, 60, 3.0, &c);
		const float b = (float)trng_range(&r, -0.3, 0.3);
		sgs_warp_cam(&c, b, &v);
		for (int a = 0; a < 3; a++) { /* centre -R^T t */
			double C = 0, Cv = 0;
			for (int k = 0; k < 3; k++)
				C -= c.R[3 * k + a] * (double)c.t[k], Cv -= v.R[3 * k + a] * (double)v.t[k];
			worst_c = fmax(worst_c, fabs(Cv - C - b * c.R[a]));
		}
		float X[3];
		const double z = trng_range(&r, 2, 6);
		cam_to_world(&c, 10.0, -5.0, z, X);
		double pc[3], pv[3];
		for (int k = 0; k < 3; k++) {
			pc[k] = c.t[k], pv[k] = v.t[k];
			for (int a = 0; a < 3; a++)
				pc[k] += c.R[3 * k + a] * X[a], pv[k] += v.R[3 * k + a] * X[a];
		}
		double uc = c.fx * pc[0] / pc[2], uv = v.fx * pv[0] / pv[2];
		worst_px = fmax(worst_px, fabs(uv - (uc - c.fx * b / z)) + fabs(pv[1] / pv[2] - pc[1] / pc[2]));
	}
	ok(worst_c < 1e-5 && worst_px < 1e-3,
	   "virtual camera: centre moved by b along the x axis (%.1e), a point at depth z "
	   "fx b / z pixels left on the same row (%.1e)", worst_c, worst_px);
}

static void test_draws(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	short_opts(&o);
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0;
	const float dist = rc ? sgs_warp_distance(scene) : 0, B = o.warp_baseline * dist;
	int neg = 0, pos = 0, same = 1, inside = 1, differ = 0;
	double mean = 0;
	for (uint32_t it = 1; rc && it <= 2000; it++) {
		float b = sgs_trainer_warp_baseline(t, it, 0);
		same &= b == sgs_trainer_warp_baseline(t, it, 0);
		differ += b != sgs_trainer_warp_baseline(t, it, 1);
		inside &= fabsf(b) <= B;
		neg += b < 0, pos += b > 0;
		mean += fabs(b) / 2000;
	}
	ok(rc && dist > 0 && same && inside && neg > 900 && pos > 900 && fabs(mean - B / 2) < 0.05 * B &&
		   differ > 1990,
	   "baselines: |b| <= B = %g x %g, mean |b| %.4f (B / 2 = %.4f), %d negative and %d "
	   "positive of 2000, drawn again alike, another per field %s", o.warp_baseline, dist, mean,
	   B / 2, neg, pos, rc ? "" : sgs_error_get());
	ok(sgs_warp_start(&o) == 10 && (o.warp_start = SGS_RECIPE, o.iterations = 1000,
					sgs_warp_start(&o) == 200),
	   "start: as given, a fifth of the run by default");
	sgs_trainer_free(t);
}

/* The log column: 0 before the start, the term's value after; training
 * with it differs from training without. */
static void test_column(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL, *off = NULL;
	struct sgs_step_info a, b;
	const char *names[SGS_MAX_TERMS];
	short_opts(&o);
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0, col = -1, n = 0;
	if (rc)
		n = sgs_trainer_term_names(t, names);
	for (int k = 0; k < n; k++)
		if (!strcmp(names[k], "warp"))
			col = k;
	rc = rc && col >= 0 && testlib_steps(t, 9, &a) == 0 && testlib_steps(t, 12, &b) == 0;
	ok(rc && a.terms[col] == 0 && b.terms[col] > 0 && b.terms[col] < 1 && n == 2,
	   "log column warp (%d of %d): 0 before the start, %.4f after %s", col, n,
	   rc ? b.terms[col] : 0, rc ? "" : sgs_error_get());
	o.warp = 0;
	size_t la = 0, lb = 0;
	char *ma = NULL, *mb = NULL;
	rc = rc && sgs_trainer_new(be, scene, &o, &off) == 0 && testlib_steps(off, 12, NULL) == 0 &&
	     (ma = testlib_model_bytes(t, &la)) && (mb = testlib_model_bytes(off, &lb));
	ok(rc && (la != lb || memcmp(ma, mb, la) != 0), "the term changes the model");
	o.warp = 1, o.warp_weight = -1;
	struct sgs_trainer *bad = NULL;
	sgs_error_clear();
	ok(sgs_trainer_new(be, scene, &o, &bad) != 0 && strstr(sgs_error_get(), "warp") != NULL,
	   "a negative weight is refused: %s", sgs_error_get());
	free(ma), free(mb);
	sgs_trainer_free(t);
	sgs_trainer_free(off);
}

static void test_resume(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	char path[] = "/tmp/test_train_warp.XXXXXX";
	close(mkstemp(path));
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	char *ba = NULL, *bb = NULL;
	short_opts(&o);
	o.warp_weight = 0.7f, o.warp_baseline = 0.05f;
	sgs_error_clear();
	int rc = sgs_trainer_new(be, scene, &o, &a) == 0 && testlib_steps(a, 70, NULL) == 0 &&
		 (ba = testlib_model_bytes(a, &la)) != NULL;
	rc = rc && sgs_trainer_new(be, scene, &o, &b) == 0 && testlib_steps(b, 41, NULL) == 0 &&
	     sgs_trainer_checkpoint(b, path) == 0;
	sgs_trainer_free(b);
	b = NULL;
	rc = rc && sgs_trainer_resume(be, scene, path, 0, &b) == 0 && testlib_steps(b, 70, NULL) == 0 &&
	     (bb = testlib_model_bytes(b, &lb)) != NULL;
	const struct sgs_trainer_opts *ro = rc ? sgs_trainer_get_opts(b) : NULL;
	ok(rc && la == lb && memcmp(ba, bb, la) == 0 && ro->warp == 1 && ro->warp_weight == 0.7f &&
		   ro->warp_baseline == 0.05f && ro->warp_start == 10,
	   "resumed at 41 with --warp: the model equals the uninterrupted one (%zu bytes), the "
	   "options restored %s", la, rc ? "" : sgs_error_get());
	free(ba), free(bb);
	sgs_trainer_free(a);
	sgs_trainer_free(b);
	unlink(path);
}

/* The checkpoint's TOPT cut to 320 bytes (before warp consistency): it
 * loads with the term off; a byte set past the known 16 is refused (the
 * TOPT as written may be longer: later options follow at 352). */
static void test_topt(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	char p1[] = "/tmp/test_train_warp1.XXXXXX", p2[] = "/tmp/test_train_warp2.XXXXXX";
	static uint8_t buf[1 << 22];
	close(mkstemp(p1));
	close(mkstemp(p2));
	short_opts(&o);
	int rc = sgs_trainer_new(be, scene, &o, &a) == 0 && testlib_steps(a, 12, NULL) == 0 &&
		 sgs_trainer_checkpoint(a, p1) == 0;
	FILE *f = rc ? fopen(p1, "rb") : NULL;
	size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
	if (f)
		fclose(f);
	/* TOPT is the first chunk: its length at byte 16, its payload at 24 */
	size_t len = n > 24 ? buf[16] | (size_t)buf[17] << 8 : 0;
	rc = rc && len >= 352 && memcmp(buf + 8, "TOPT", 4) == 0 && buf[24 + 320] == 1;
	for (int cut = 0; cut < 2; cut++) {
		const size_t keep = cut ? 320 : len; /* as written, or older */
		uint8_t save = buf[24 + 340];
		if (!cut)
			buf[24 + 340] = 1; /* past what this sgs-train knows */
		buf[16] = (uint8_t)(keep & 255), buf[17] = (uint8_t)(keep >> 8);
		f = rc ? fopen(p2, "wb") : NULL;
		int w = f && fwrite(buf, 1, 24 + keep, f) == 24 + keep &&
			fwrite(buf + 24 + len, 1, n - 24 - len, f) == n - 24 - len;
		w = f && fclose(f) == 0 && w;
		buf[24 + 340] = save;
		sgs_error_clear();
		int loaded = w && sgs_trainer_resume(be, scene, p2, 0, &b) == 0;
		if (cut) {
			const struct sgs_trainer_opts *ro = loaded ? sgs_trainer_get_opts(b) : NULL;
			ok(loaded && ro->warp == 0 && testlib_steps(b, 14, NULL) == 0,
			   "a 320-byte TOPT (older): loads with warp consistency off %s",
			   loaded ? "" : sgs_error_get());
		} else {
			ok(w && !loaded && strstr(sgs_error_get(), "byte 340") != NULL,
			   "byte 340 set: refused (%s)", sgs_error_get());
		}
		sgs_trainer_free(b);
		b = NULL;
	}
	sgs_trainer_free(a);
	unlink(p1);
	unlink(p2);
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void costs(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	double sec[2];
	int rc = 1;
	for (int c = 0; c < 2; c++) {
		struct sgs_trainer_opts o;
		struct sgs_trainer *t = NULL;
		short_opts(&o);
		o.warp = c, o.warp_start = 0, o.init_count = 3000;
		o.densify_from = 1000; /* the same count throughout */
		rc = rc && sgs_trainer_new(be, scene, &o, &t) == 0 && testlib_steps(t, 2, NULL) == 0;
		double t0 = cpu_s();
		rc = rc && testlib_steps(t, 22, NULL) == 0;
		sec[c] = (cpu_s() - t0) / 20;
		sgs_trainer_free(t);
	}
	diag("processor seconds per iteration on the 48x36 synthetic scene, 3000 Gaussians: "
	     "%.4f without, %.4f with --warp, %.2fx", sec[0], sec[1], sec[1] / sec[0]);
	ok(rc, "iteration cost with --warp: %.2fx", sec[1] / sec[0]);
}

int main(void)
{
	struct sgs_scene scene;
	ops = &sgs_backend_cpu()->train;
	make_inputs();
	check_gradients();
	check_known();
	check_threads();
	test_camera();
	if (testlib_scene(&scene) != 0) {
		ok(0, "synthetic scene: %s", sgs_error_get());
		return tap_done();
	}
	test_draws(&scene);
	test_column(&scene);
	test_resume(&scene);
	test_topt(&scene);
	costs(&scene);
	sgs_scene_free(&scene);
	return tap_done();
}
