/* The CPU training operations (kernels/cpu/cpu_train_*.c) against
 * references written here from the formulas: the L1 + SSIM loss against a
 * brute-force windowed SSIM in double and its gradient against central
 * differences of that reference; Adam against a hand-computed example;
 * densification bookkeeping on a hand-built state; determinism across
 * thread counts. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_train_ops.h"
#include "sgs_math_rng.h"
#include "tap.h"
#include "cpu/cpu_internal.h"

/* The CPU reference ops, as the backend table carries them. */
#define T (&sgs_backend_cpu()->train)

/* ---- random numbers (splitmix64, independent of the kernels' RNG) ---- */

static uint64_t rng_state = 12345;

static double urand(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- reference loss: brute-force 2D window, double, zero padding ---- */

static double win1[11];

static void ref_window(void)
{
	double s = 0.0;
	for (int k = 0; k < 11; k++)
		s += win1[k] = exp(-(k - 5.0) * (k - 5.0) / (2.0 * 1.5 * 1.5));
	for (int k = 0; k < 11; k++)
		win1[k] /= s;
}

/* Mean SSIM over pixels and channels, straight from the definition. */
static double ref_ssim(const double *x, const double *y, int w, int h)
{
	const double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;
	double total = 0.0;
	for (int c = 0; c < 3; c++)
		for (int py = 0; py < h; py++)
			for (int px = 0; px < w; px++) {
				double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
				for (int dy = -5; dy <= 5; dy++)
					for (int dx = -5; dx <= 5; dx++) {
						int qx = px + dx, qy = py + dy;
						if (qx < 0 || qx >= w || qy < 0 || qy >= h)
							continue;
						double wt = win1[dy + 5] * win1[dx + 5];
						double a = x[3 * ((size_t)qy * w + qx) + c];
						double b = y[3 * ((size_t)qy * w + qx) + c];
						mx += wt * a, my += wt * b;
						sxx += wt * a * a, syy += wt * b * b, sxy += wt * a * b;
					}
				double vx = sxx - mx * mx, vy = syy - my * my, cxy = sxy - mx * my;
				total += (2 * mx * my + C1) * (2 * cxy + C2) /
					 ((mx * mx + my * my + C1) * (vx + vy + C2));
			}
	return total / (3.0 * w * h);
}

static void ref_loss(const double *x, const double *y, int w, int h, double lambda,
		     double terms[4])
{
	size_t n = (size_t)3 * w * h;
	double l1 = 0, se = 0;
	for (size_t i = 0; i < n; i++) {
		l1 += fabs(x[i] - y[i]);
		se += (x[i] - y[i]) * (x[i] - y[i]);
	}
	terms[0] = l1 / n;
	terms[1] = ref_ssim(x, y, w, h);
	terms[2] = se / n;
	terms[3] = (1 - lambda) * terms[0] + lambda * (1 - terms[1]);
}

/* A smooth random image with some texture, in [0, 1], and a target that
 * differs from it by a smooth shift plus noise (SSIM well below 1). */
static void make_pair(float *img, float *gt, int w, int h)
{
	double ph[6];
	for (int k = 0; k < 6; k++)
		ph[k] = 6.283 * urand();
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int c = 0; c < 3; c++) {
				size_t i = 3 * ((size_t)y * w + x) + c;
				double base = 0.5 + 0.3 * sin(0.31 * x + ph[c]) * cos(0.23 * y + ph[c + 3]);
				img[i] = (float)(base + 0.15 * (urand() - 0.5));
				gt[i] = (float)(base + 0.1 * sin(0.5 * x + 0.2 * y) + 0.2 * (urand() - 0.5));
			}
}

static void to_double(const float *a, double *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = a[i];
}

/* Loss terms against the reference for one image size. */
static void check_loss_value(int w, int h, float lambda)
{
	size_t n = (size_t)3 * w * h;
	float *img = malloc(n * sizeof(float)), *gt = malloc(n * sizeof(float)),
	      *dimg = malloc(n * sizeof(float));
	double *xd = malloc(n * sizeof(double)), *yd = malloc(n * sizeof(double));
	double got[4], want[4];
	make_pair(img, gt, w, h);
	to_double(img, xd, n);
	to_double(gt, yd, n);
	ref_loss(xd, yd, w, h, lambda, want);
	int rc = T->loss_l1_ssim(img, gt, w, h, lambda, dimg, got);
	ok(rc == 0, "loss %dx%d runs: %s", w, h, rc ? sgs_error_get() : "");
	double err = 0;
	for (int k = 0; k < 4; k++)
		if (fabs(got[k] - want[k]) > err)
			err = fabs(got[k] - want[k]);
	ok(err < 1e-6, "loss %dx%d: L1 %.8f SSIM %.8f MSE %.8f L %.8f, max |err| %.2e vs reference",
	   w, h, got[0], got[1], got[2], got[3], err);
	free(img), free(gt), free(dimg), free(xd), free(yd);
}

/* dL/dimg against central differences of the double reference at random
 * pixels away from the L1 kink. */
static void check_loss_grad(int w, int h, float lambda, int samples)
{
	size_t n = (size_t)3 * w * h;
	float *img = malloc(n * sizeof(float)), *gt = malloc(n * sizeof(float)),
	      *dimg = malloc(n * sizeof(float));
	double *xd = malloc(n * sizeof(double)), *yd = malloc(n * sizeof(double));
	double terms[4], lp[4], lm[4];
	make_pair(img, gt, w, h);
	to_double(img, xd, n);
	to_double(gt, yd, n);
	if (T->loss_l1_ssim(img, gt, w, h, lambda, dimg, terms)) {
		ok(0, "loss gradient %dx%d: %s", w, h, sgs_error_get());
		goto out;
	}
	const double eps = 1e-4;
	double worst = 0, num2 = 0, den2 = 0;
	int tested = 0;
	/* include the corners and edges, where zero padding matters */
	for (int s = 0; s < samples; s++) {
		size_t i;
		if (s < 4)
			i = 3 * ((size_t)(s & 1 ? h - 1 : 0) * w + (s & 2 ? w - 1 : 0)) + (size_t)s % 3;
		else
			i = (size_t)(urand() * n) % n;
		if (fabs(xd[i] - yd[i]) < 2 * eps)
			continue;
		double x0 = xd[i];
		xd[i] = x0 + eps;
		ref_loss(xd, yd, w, h, lambda, lp);
		xd[i] = x0 - eps;
		ref_loss(xd, yd, w, h, lambda, lm);
		xd[i] = x0;
		double fd = (lp[3] - lm[3]) / (2 * eps);
		double rel = fabs(dimg[i] - fd) / fabs(fd);
		if (rel > worst)
			worst = rel;
		num2 += (dimg[i] - fd) * (dimg[i] - fd);
		den2 += fd * fd;
		tested++;
	}
	ok(tested >= samples / 2 && worst < 1e-3,
	   "loss gradient %dx%d lambda %.1f: %d pixels, worst relative error %.2e, overall %.2e",
	   w, h, lambda, tested, worst, sqrt(num2 / den2));
out:
	free(img), free(gt), free(dimg), free(xd), free(yd);
}

static void test_loss(void)
{
	ref_window();
	check_loss_value(37, 29, 0.2f);
	check_loss_value(7, 5, 0.2f);   /* smaller than the window */
	check_loss_value(160, 96, 0.2f);
	check_loss_grad(23, 19, 0.2f, 40);
	check_loss_grad(23, 19, 1.0f, 40);
	check_loss_grad(9, 6, 0.5f, 30);

	/* identical images: L1 0, SSIM 1, gradient exactly 0 (sign(0) = 0 and
	 * S is at its maximum) */
	int w = 20, h = 14;
	size_t n = (size_t)3 * w * h;
	float *img = malloc(n * sizeof(float)), *gt = malloc(n * sizeof(float)),
	      *dimg = malloc(n * sizeof(float));
	double t[4];
	make_pair(img, gt, w, h);
	int rc = T->loss_l1_ssim(img, img, w, h, 0.2f, dimg, t);
	double gmax = 0;
	for (size_t i = 0; i < n; i++)
		gmax = fmax(gmax, fabs(dimg[i]));
	ok(rc == 0 && t[0] == 0 && fabs(t[1] - 1) < 1e-6 && t[2] == 0 && fabs(t[3]) < 1e-6 &&
		   gmax < 1e-7,
	   "identical images: L1 %g, SSIM %.8f, L %.2e, max |dL/dimg| %.2e", t[0], t[1], t[3], gmax);
	ok(T->loss_l1_ssim(img, gt, 0, h, 0.2f, dimg, t) == -1 && strstr(sgs_error_get(), "0x14"),
	   "zero width rejected: %s", sgs_error_get());

	/* same bits with 1 and 2 threads */
	w = 131, h = 77;
	n = (size_t)3 * w * h;
	float *img2 = malloc(n * sizeof(float)), *gt2 = malloc(n * sizeof(float)),
	      *d1 = malloc(n * sizeof(float)), *d2 = malloc(n * sizeof(float));
	double t1[4], t2[4];
	make_pair(img2, gt2, w, h);
	int nt = omp_get_max_threads();
	omp_set_num_threads(1);
	int rc1 = T->loss_l1_ssim(img2, gt2, w, h, 0.2f, d1, t1);
	omp_set_num_threads(2);
	int rc2 = T->loss_l1_ssim(img2, gt2, w, h, 0.2f, d2, t2);
	omp_set_num_threads(nt);
	ok(rc1 == 0 && rc2 == 0 && !memcmp(t1, t2, sizeof t1) && !memcmp(d1, d2, n * sizeof(float)),
	   "loss identical with 1 and 2 threads (L %.10f)", t1[3]);
	free(img), free(gt), free(dimg), free(img2), free(gt2), free(d1), free(d2);
}

/* ---- Adam ---- */

static void test_adam(void)
{
	/* two steps by hand (g = 0.5 then -0.25, lr 0.1, betas 0.9/0.999,
	 * eps 1e-8): m1 = 0.05, v1 = 2.5e-4, p1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8);
	 * m2 = 0.02, v2 = 3.1225e-4, p2 = p1 - 0.1 (0.02/0.19) /
	 * (sqrt(3.1225e-4/0.001999) + 1e-8) = 0.8733663 */
	float p = 1.0f, m = 0.0f, v = 0.0f, g = 0.5f;
	struct sgs_adam_hp hp = {0.1f, 0.1f, 0, 0, 0.9f, 0.999f, 1e-8f, 1};
	int rc = T->adam(&p, &g, &m, &v, 1, &hp);
	/* float betas: 1 - 0.999f = 0.00099998713, so v is 1.3e-5 low */
	ok(rc == 0 && fabsf(m - 0.05f) < 1e-7f && fabsf(v - 2.5e-4f) < 2e-5f * 2.5e-4f &&
		   fabs(p - 0.900000002) < 1e-7,
	   "adam step 1: p %.9f m %.9f v %.9g", p, m, v);
	g = -0.25f;
	hp.step = 2;
	rc = T->adam(&p, &g, &m, &v, 1, &hp);
	ok(rc == 0 && fabsf(m - 0.02f) < 1e-7f && fabsf(v - 3.1225e-4f) < 2e-5f * 3.1225e-4f &&
		   fabs(p - 0.8733662987) < 1e-6,
	   "adam step 2: p %.9f (want 0.8733663) m %.9f v %.9g", p, m, v);

	/* learning-rate pattern: period 6, nfirst 2; with |g| constant the
	 * first step moves every element by its learning rate */
	float P[13], G[13], M[13], V[13];
	for (int i = 0; i < 13; i++)
		P[i] = 0.0f, G[i] = i % 2 ? 1.0f : -1.0f, M[i] = V[i] = 0.0f;
	struct sgs_adam_hp hp2 = {0.1f, 0.01f, 6, 2, 0.9f, 0.999f, 1e-15f, 1};
	rc = T->adam(P, G, M, V, 13, &hp2);
	int good = rc == 0;
	for (int i = 0; i < 13; i++) {
		float want = (i % 6 < 2 ? 0.1f : 0.01f) * (i % 2 ? -1.0f : 1.0f);
		good &= fabsf(P[i] - want) < 1e-6f;
	}
	ok(good, "adam lr pattern (period 6, first 2): P[0..6] = %g %g %g %g %g %g %g", P[0], P[1],
	   P[2], P[3], P[4], P[5], P[6]);
	for (int i = 0; i < 13; i++)
		P[i] = 0.0f, M[i] = V[i] = 0.0f;
	hp2.period = 0;
	rc = T->adam(P, G, M, V, 13, &hp2);
	good = rc == 0;
	for (int i = 0; i < 13; i++)
		good &= fabsf(fabsf(P[i]) - 0.1f) < 1e-6f;
	ok(good, "adam period 0: every element at lr (|P[12]| = %g)", fabsf(P[12]));
	hp2.step = 0;
	ok(T->adam(P, G, M, V, 13, &hp2) == -1 && strstr(sgs_error_get(), "step"),
	   "adam step 0 rejected: %s", sgs_error_get());
}

/* ---- the counter-based generator ---- */

static void test_rng(void)
{
	double s = 0, s2 = 0, us = 0, umin = 1, umax = 0;
	const int n = 200000;
	for (int i = 0; i < n; i++) {
		double z = sgs_rng_normal(7, 3, (uint64_t)i, 1);
		double u = sgs_rng_uniform(7, 3, (uint64_t)i, 2);
		s += z, s2 += z * z, us += u;
		umin = fmin(umin, u), umax = fmax(umax, u);
	}
	double mean = s / n, var = s2 / n - mean * mean;
	ok(fabs(mean) < 0.01 && fabs(var - 1) < 0.02, "rng normal: mean %.4f variance %.4f", mean,
	   var);
	ok(umin > 0 && umax < 1 && fabs(us / n - 0.5) < 0.005, "rng uniform in (0,1): mean %.4f",
	   us / n);
	ok(sgs_rng_normal(7, 3, 5, 1) == sgs_rng_normal(7, 3, 5, 1) &&
		   sgs_rng_bits(7, 3, 5, 1) != sgs_rng_bits(7, 3, 5, 2) &&
		   sgs_rng_bits(7, 3, 5, 1) != sgs_rng_bits(7, 4, 5, 1) &&
		   sgs_rng_bits(7, 3, 5, 1) != sgs_rng_bits(8, 3, 5, 1) &&
		   sgs_rng_bits(7, 3, 5, 1) != sgs_rng_bits(7, 3, 6, 1),
	   "rng: a function of (seed, iteration, index, draw), each one matters");
}

/* ---- a hand-built training state on the CPU backend ---- */

struct hstate {
	struct sgs_train_state st;
	const struct sgs_backend *be;
};

static int hstate_alloc(struct hstate *h, uint32_t n, int deg)
{
	memset(h, 0, sizeof *h);
	h->be = sgs_backend_cpu();
	struct sgs_train_state *st = &h->st;
	if (sgs_gaussians_alloc(h->be, &st->params, n, deg) ||
	    sgs_gaussians_alloc(h->be, &st->grads, n, deg) ||
	    sgs_gaussians_alloc(h->be, &st->m, n, deg) || sgs_gaussians_alloc(h->be, &st->v, n, deg))
		return -1;
	st->grad2d_accum = calloc(n + 1, sizeof(float));
	st->grad2d_count = calloc(n + 1, sizeof(float));
	st->max_radii = calloc(n + 1, sizeof(float));
	st->capacity = n;
	return st->grad2d_accum && st->grad2d_count && st->max_radii ? 0 : -1;
}

static void hstate_free(struct hstate *h)
{
	struct sgs_train_state *st = &h->st;
	sgs_gaussians_free(h->be, &st->params);
	sgs_gaussians_free(h->be, &st->grads);
	sgs_gaussians_free(h->be, &st->m);
	sgs_gaussians_free(h->be, &st->v);
	h->be->free(st->grad2d_accum);
	h->be->free(st->grad2d_count);
	h->be->free(st->max_radii);
}

/* Every parameter and moment of Gaussian i gets values that identify it. */
static void set_ident(struct sgs_train_state *st, uint32_t i)
{
	int K = sgs_sh_coeffs(st->params.sh_degree);
	for (int k = 0; k < 3; k++) {
		st->params.means[3 * i + k] = (float)(i + 0.1 * k);
		st->m.means[3 * i + k] = (float)(1000 + i), st->v.means[3 * i + k] = (float)(2000 + i);
		st->m.log_scales[3 * i + k] = (float)(3000 + i);
		st->v.log_scales[3 * i + k] = (float)(4000 + i);
		st->grads.means[3 * i + k] = 1.0f;
	}
	double q[4] = {1 + 0.1 * i, 0.3 - 0.05 * i, -0.2, 0.1 * (i % 3)};
	for (int k = 0; k < 4; k++) {
		st->params.quats[4 * i + k] = (float)q[k];
		st->m.quats[4 * i + k] = (float)(5000 + i), st->v.quats[4 * i + k] = (float)(6000 + i);
	}
	st->params.opacity[i] = 0.0f;
	st->m.opacity[i] = (float)(7000 + i), st->v.opacity[i] = (float)(8000 + i);
	for (int k = 0; k < 3 * K; k++) {
		st->params.sh[(size_t)3 * K * i + k] = (float)(i * 100 + k);
		st->m.sh[(size_t)3 * K * i + k] = (float)(9000 + i);
		st->v.sh[(size_t)3 * K * i + k] = (float)(10000 + i);
	}
}

static void set_scale(struct sgs_train_state *st, uint32_t i, double s)
{
	/* anisotropic: the largest axis decides */
	st->params.log_scales[3 * i] = (float)log(s * 0.5);
	st->params.log_scales[3 * i + 1] = (float)log(s);
	st->params.log_scales[3 * i + 2] = (float)log(s * 0.25);
}

/* Rotation of a wxyz quaternion, written from the formula in double. */
static void ref_rot(const float qf[4], double R[9])
{
	double n = sqrt((double)qf[0] * qf[0] + (double)qf[1] * qf[1] + (double)qf[2] * qf[2] +
			(double)qf[3] * qf[3]);
	double w = qf[0] / n, x = qf[1] / n, y = qf[2] / n, z = qf[3] / n;
	double M[9] = {1 - 2 * (y * y + z * z), 2 * (x * y - w * z),     2 * (x * z + w * y),
		       2 * (x * y + w * z),     1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
		       2 * (x * z - w * y),     2 * (y * z + w * x),     1 - 2 * (x * x + y * y)};
	memcpy(R, M, sizeof M);
}

/* The 12 Gaussians of the bookkeeping test (extent 10: clone at max scale
 * <= 0.1, world-space prune above 1.0; opacity logit -6 is below 0.005). */
static int build_dozen(struct hstate *h)
{
	if (hstate_alloc(h, 12, 1))
		return -1;
	struct sgs_train_state *st = &h->st;
	const float hi = 6e-4f, lo = 1e-4f; /* accumulated over 2 renders */
	for (uint32_t i = 0; i < 12; i++) {
		set_ident(st, i);
		set_scale(st, i, 0.05);
		st->grad2d_accum[i] = lo;
		st->grad2d_count[i] = 2;
	}
	st->grad2d_accum[1] = hi;                                    /* clone */
	st->grad2d_accum[2] = hi, set_scale(st, 2, 0.5);             /* split */
	st->params.opacity[3] = -6;                                  /* prune */
	st->grad2d_accum[4] = st->grad2d_count[4] = 0;               /* unseen: keep */
	st->grad2d_accum[5] = hi, st->params.opacity[5] = -6;        /* clone, both pruned */
	st->grad2d_accum[6] = hi, set_scale(st, 6, 0.3), st->params.opacity[6] = -6; /* split, pruned */
	st->max_radii[7] = 30;                                       /* screen-size prune */
	set_scale(st, 8, 2.0);                                       /* world-size prune */
	st->grad2d_accum[9] = 4e-4f;                                 /* exactly at threshold: clone */
	st->grad2d_accum[10] = hi, set_scale(st, 10, 0.5), st->max_radii[10] = 30; /* split */
	st->grad2d_accum[11] = hi, st->max_radii[11] = 25;           /* clone kept, original pruned */
	return 0;
}

static struct sgs_densify_params dparams(float max_screen, uint32_t max_g)
{
	struct sgs_densify_params p = {0.0002f, 0.01f, 10.0f, 0.005f, max_screen, max_g, 99, 700};
	return p;
}

static int floats_eq(const float *a, const float *b, size_t n)
{
	return !memcmp(a, b, n * sizeof(float));
}

static int all_zero(const float *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != 0.0f)
			return 0;
	return 1;
}

/* Output slot j against source Gaussian src of `orig` with role 0 keep,
 * 1 clone, 2/3 child 0/1; returns a description of the first mismatch. */
static const char *check_slot(const struct sgs_train_state *st, const struct hstate *orig, uint32_t j,
			      uint32_t src, int role, const struct sgs_densify_params *p)
{
	const struct sgs_train_state *o = &orig->st;
	int K3 = 3 * sgs_sh_coeffs(st->params.sh_degree);
	if (!floats_eq(st->params.quats + 4 * j, o->params.quats + 4 * src, 4) ||
	    st->params.opacity[j] != o->params.opacity[src] ||
	    !floats_eq(st->params.sh + (size_t)K3 * j, o->params.sh + (size_t)K3 * src, K3))
		return "quats/opacity/sh not copied";
	if (role < 2) {
		if (!floats_eq(st->params.means + 3 * j, o->params.means + 3 * src, 3) ||
		    !floats_eq(st->params.log_scales + 3 * j, o->params.log_scales + 3 * src, 3))
			return "mean/scale not copied";
	} else {
		double R[9], s[3];
		for (int k = 0; k < 3; k++) {
			double ratio = exp(st->params.log_scales[3 * j + k]) /
				       exp(o->params.log_scales[3 * src + k]);
			if (fabs(ratio - 1 / 1.6) > 1e-6)
				return "child scale not parent / 1.6";
			s[k] = exp(o->params.log_scales[3 * src + k]) *
			       sgs_rng_normal(p->seed, p->iteration, src, 3u * (role - 2) + k);
		}
		ref_rot(o->params.quats + 4 * src, R);
		for (int r = 0; r < 3; r++) {
			double want = o->params.means[3 * src + r] + R[3 * r] * s[0] +
				      R[3 * r + 1] * s[1] + R[3 * r + 2] * s[2];
			if (fabs(st->params.means[3 * j + r] - want) > 1e-5)
				return "child mean not mean + R s";
		}
	}
	/* moments: carried for survivors, zero for new Gaussians */
	const struct sgs_gaussians *mom[2] = {&st->m, &st->v}, *omom[2] = {&o->m, &o->v};
	for (int t = 0; t < 2; t++) {
		const struct sgs_gaussians *a = mom[t], *b = omom[t];
		if (role == 0) {
			if (!floats_eq(a->means + 3 * j, b->means + 3 * src, 3) ||
			    !floats_eq(a->log_scales + 3 * j, b->log_scales + 3 * src, 3) ||
			    !floats_eq(a->quats + 4 * j, b->quats + 4 * src, 4) ||
			    a->opacity[j] != b->opacity[src] ||
			    !floats_eq(a->sh + (size_t)K3 * j, b->sh + (size_t)K3 * src, K3))
				return "survivor's moments not carried";
		} else if (!all_zero(a->means + 3 * j, 3) || !all_zero(a->log_scales + 3 * j, 3) ||
			   !all_zero(a->quats + 4 * j, 4) || a->opacity[j] != 0 ||
			   !all_zero(a->sh + (size_t)K3 * j, K3)) {
			return "new Gaussian's moments not zero";
		}
	}
	return NULL;
}

/* Runs densify on a copy of the dozen and checks the layout. */
static void check_dozen(const char *what, float max_screen, uint32_t max_g, const uint32_t *want_src,
			const int *want_role, uint32_t want_n, const uint32_t want_stats[3])
{
	struct hstate orig, h;
	if (build_dozen(&orig) || build_dozen(&h)) {
		ok(0, "%s: build state", what);
		return;
	}
	struct sgs_densify_params p = dparams(max_screen, max_g);
	struct sgs_densify_stats ds;
	int rc = T->densify(h.be, &h.st, &p, &ds);
	struct sgs_train_state *st = &h.st;
	ok(rc == 0 && ds.n_before == 12 && ds.n_after == want_n && ds.cloned == want_stats[0] &&
		   ds.split == want_stats[1] && ds.pruned == want_stats[2] && st->params.n == want_n &&
		   st->grads.n == want_n && st->m.n == want_n && st->v.n == want_n,
	   "%s: %u -> %u (want %u), cloned %u split %u pruned %u (want %u %u %u) %s", what,
	   ds.n_before, ds.n_after, want_n, ds.cloned, ds.split, ds.pruned, want_stats[0],
	   want_stats[1], want_stats[2], rc ? sgs_error_get() : "");
	if (rc || st->params.n != want_n)
		goto out;
	const char *bad = NULL;
	uint32_t badj = 0;
	for (uint32_t j = 0; j < want_n && !bad; j++)
		if ((bad = check_slot(st, &orig, j, want_src[j], want_role[j], &p)))
			badj = j;
	ok(!bad, "%s: every output copied from the right Gaussian%s%s (slot %u)", what,
	   bad ? ": " : "", bad ? bad : "", badj);
	int K3 = 3 * sgs_sh_coeffs(1);
	ok(all_zero(st->grad2d_accum, want_n) && all_zero(st->grad2d_count, want_n) &&
		   all_zero(st->max_radii, want_n) && all_zero(st->grads.means, 3 * want_n) &&
		   all_zero(st->grads.sh, (size_t)K3 * want_n),
	   "%s: accumulators and gradients zeroed", what);
	if (want_n <= 12)
		ok(st->capacity == 12, "%s: capacity kept at 12 (fits)", what);
	else
		ok(st->capacity >= want_n && st->capacity >= 18,
		   "%s: capacity grew geometrically, 12 -> %u", what, st->capacity);
out:
	hstate_free(&orig);
	hstate_free(&h);
}

static void test_densify_dozen(void)
{
	/* max screen size 20: survivors 0 1 4 9; clones of 1 9 11 (5's is
	 * pruned by opacity); children of 2 and 10 (6's pruned by opacity).
	 * 10 has max_radii 30 but is split: its children start at 0. */
	const uint32_t src20[] = {0, 1, 4, 9, 1, 9, 11, 2, 2, 10, 10};
	const int role20[] = {0, 0, 0, 0, 1, 1, 1, 2, 3, 2, 3};
	const uint32_t st20[3] = {4, 3, 8}; /* 3 5 5' 6' 6'' 7 8 11 pruned */
	check_dozen("densify (max screen 20)", 20.0f, 0, src20, role20, 11, st20);

	/* no screen-size pruning (before the first opacity reset): 7, 8
	 * and 11 survive too */
	const uint32_t src0[] = {0, 1, 4, 7, 8, 9, 11, 1, 9, 11, 2, 2, 10, 10};
	const int role0[] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 3, 2, 3};
	const uint32_t st0[3] = {4, 3, 5}; /* 3 5 5' 6' 6'' */
	check_dozen("densify (no screen size, grows)", 0.0f, 0, src0, role0, 14, st0);

	/* budget: max_gaussians 13 leaves room for one candidate, the first
	 * in index order (1, a clone); 2, 5, 6, 9, 10, 11 stay as they are */
	const uint32_t src13[] = {0, 1, 2, 4, 9, 1};
	const int role13[] = {0, 0, 0, 0, 0, 1};
	const uint32_t st13[3] = {1, 0, 7}; /* 3 5 6 7 8 10 11 */
	check_dozen("densify (budget of 1)", 20.0f, 13, src13, role13, 6, st13);
}

/* Many splits: children's offsets standardised by the parent's frame are
 * N(0, 1); clones/caps grow the buffers; identical with 1 and 2 threads. */
static int build_many(struct hstate *h, uint32_t n, int split)
{
	if (hstate_alloc(h, n, 3))
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		set_ident(&h->st, i);
		set_scale(&h->st, i, split ? 0.4 + 0.001 * (i % 50) : 0.05);
		h->st.grad2d_accum[i] = 1e-3f;
		h->st.grad2d_count[i] = 1;
	}
	return 0;
}

static void test_densify_many(void)
{
	struct hstate orig, h, h1;
	const uint32_t n = 3000;
	struct sgs_densify_params p = dparams(0.0f, 0);
	if (build_many(&orig, n, 1) || build_many(&h, n, 1) || build_many(&h1, n, 1)) {
		ok(0, "build the split state");
		return;
	}
	int nt = omp_get_max_threads();
	omp_set_num_threads(2);
	int rc = T->densify(h.be, &h.st, &p, NULL);
	omp_set_num_threads(1);
	int rc1 = T->densify(h1.be, &h1.st, &p, NULL);
	omp_set_num_threads(nt);
	ok(rc == 0 && h.st.params.n == 2 * n && h.st.capacity >= 2 * n,
	   "split all %u: %u Gaussians, capacity %u %s", n, h.st.params.n, h.st.capacity,
	   rc ? sgs_error_get() : "");
	if (rc || rc1 || h.st.params.n != 2 * n)
		goto out;
	size_t K3 = 3 * 16;
	ok(h1.st.params.n == 2 * n && floats_eq(h.st.params.means, h1.st.params.means, 6 * n) &&
		   floats_eq(h.st.params.log_scales, h1.st.params.log_scales, 6 * n) &&
		   floats_eq(h.st.params.sh, h1.st.params.sh, K3 * 2 * n),
	   "densify identical with 1 and 2 threads");
	double s = 0, s2 = 0, lim = 0;
	for (uint32_t j = 0; j < 2 * n; j++) {
		uint32_t i = j / 2; /* children of parent i sit at 2i, 2i + 1 */
		double R[9], d[3];
		ref_rot(orig.st.params.quats + 4 * i, R);
		for (int r = 0; r < 3; r++)
			d[r] = h.st.params.means[3 * j + r] - orig.st.params.means[3 * i + r];
		for (int k = 0; k < 3; k++) {
			/* R^T d / scale */
			double z = (R[k] * d[0] + R[3 + k] * d[1] + R[6 + k] * d[2]) /
				   exp(orig.st.params.log_scales[3 * i + k]);
			s += z, s2 += z * z, lim = fmax(lim, fabs(z));
		}
	}
	double m = s / (6.0 * n), var = s2 / (6.0 * n) - m * m;
	ok(fabs(m) < 0.04 && fabs(var - 1) < 0.06 && lim < 6,
	   "children offsets in the parent frame / scale: mean %.4f variance %.4f max %.2f", m,
	   var, lim);
out:
	hstate_free(&orig), hstate_free(&h), hstate_free(&h1);

	/* all clone: 2n uncapped; with max_gaussians the count and the
	 * capacity stop at the cap */
	struct hstate c, c2;
	if (build_many(&c, 100, 0) || build_many(&c2, 100, 0)) {
		ok(0, "build the clone state");
		return;
	}
	struct sgs_densify_stats ds;
	rc = T->densify(c.be, &c.st, &p, &ds);
	ok(rc == 0 && c.st.params.n == 200 && ds.cloned == 100 && c.st.capacity >= 200,
	   "clone all 100: %u Gaussians, capacity %u", c.st.params.n, c.st.capacity);
	p.max_gaussians = 130;
	rc = T->densify(c2.be, &c2.st, &p, &ds);
	ok(rc == 0 && c2.st.params.n == 130 && ds.cloned == 30 && c2.st.capacity == 130,
	   "max_gaussians 130: %u Gaussians, %u cloned, capacity %u", c2.st.params.n, ds.cloned,
	   c2.st.capacity);
	/* at the cap, nothing more is added */
	for (uint32_t i = 0; i < c2.st.params.n; i++)
		c2.st.grad2d_accum[i] = 1e-3f, c2.st.grad2d_count[i] = 1;
	rc = T->densify(c2.be, &c2.st, &p, &ds);
	ok(rc == 0 && c2.st.params.n == 130 && ds.cloned == 0 && c2.st.capacity == 130,
	   "at the cap: still %u Gaussians", c2.st.params.n);
	p.extent = 0;
	ok(T->densify(c2.be, &c2.st, &p, &ds) == -1 && strstr(sgs_error_get(), "extent"),
	   "zero extent rejected: %s", sgs_error_get());
	hstate_free(&c), hstate_free(&c2);
}

static void test_small_ops(void)
{
	struct hstate h;
	if (hstate_alloc(&h, 4, 0)) {
		ok(0, "state");
		return;
	}
	const float o[4] = {-1.0f, 0.0f, 3.0f, -8.0f};
	for (int i = 0; i < 4; i++) {
		set_ident(&h.st, (uint32_t)i);
		h.st.params.opacity[i] = o[i];
	}
	int rc = T->reset_opacity(&h.st, 0.01f);
	const float cap = (float)log(0.01 / 0.99); /* -4.59512 */
	ok(rc == 0 && h.st.params.opacity[0] == cap && h.st.params.opacity[1] == cap &&
		   h.st.params.opacity[2] == cap && h.st.params.opacity[3] == -8.0f &&
		   all_zero(h.st.m.opacity, 4) && all_zero(h.st.v.opacity, 4) &&
		   h.st.m.means[0] == 1000 && h.st.v.sh[3] == 10001,
	   "reset_opacity 0.01: %g %g %g %g, opacity moments zeroed, others kept",
	   h.st.params.opacity[0], h.st.params.opacity[1], h.st.params.opacity[2],
	   h.st.params.opacity[3]);
	ok(T->reset_opacity(&h.st, 1.0f) == -1, "reset_opacity 1.0 rejected: %s", sgs_error_get());

	struct sgs_raster_ctx ctx;
	int32_t radii[4] = {5, 0, 12, 3};
	memset(&ctx, 0, sizeof ctx);
	ctx.g.n = 4;
	ctx.radii = radii;
	float mr[4] = {7, 2, 0, 3};
	rc = T->update_max_radii(mr, &ctx);
	ok(rc == 0 && mr[0] == 7 && mr[1] == 2 && mr[2] == 12 && mr[3] == 3,
	   "update_max_radii: %g %g %g %g", mr[0], mr[1], mr[2], mr[3]);
	hstate_free(&h);
}

/* Weighted Pearson correlation in double, from its definition (two
 * passes), for the depth loss. */
static double ref_pearson(const float *x, const float *y, const float *c, size_t n)
{
	double W = 0, mx = 0, my = 0;
	for (size_t i = 0; i < n; i++)
		if (y[i] > 0 && c[i] > 0)
			W += c[i], mx += c[i] * (double)x[i], my += c[i] * (double)y[i];
	mx /= W, my /= W;
	double sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++)
		if (y[i] > 0 && c[i] > 0) {
			double a = x[i] - mx, b = y[i] - my;
			sxy += c[i] * a * b, sxx += c[i] * a * a, syy += c[i] * b * b;
		}
	return sxy / sqrt(sxx * syy);
}

/* The depth Pearson loss: its value against the definition, its gradient
 * against central differences of the definition, that it adds to the
 * gradient buffer with its weight, and the degenerate cases. */
static void test_depth_pearson(void)
{
	const struct sgs_train_ops *ops = &sgs_backend_cpu()->train;
	enum { N = 2000 };
	static float x[N], y[N], c[N], g[N];
	uint64_t seed = 77;
	for (int i = 0; i < N; i++) {
		double t = sgs_rng_uniform(seed, 1, (uint64_t)i, 0);
		x[i] = (float)(3.0 + 5.0 * t + sgs_rng_uniform(seed, 2, (uint64_t)i, 0));
		y[i] = i % 11 == 0 ? 0.0f : (float)(10.0 - 4.0 * t + 2.0 * sgs_rng_uniform(seed, 3, (uint64_t)i, 0));
		c[i] = i % 7 == 0 ? 0.0f : (float)sgs_rng_uniform(seed, 4, (uint64_t)i, 0);
		g[i] = 0.25f;
	}
	double value;
	if (ops->loss_depth_pearson(x, y, c, N, 2.0f, g, &value) != 0) {
		ok(0, "depth loss: %s", sgs_error_get());
		return;
	}
	double r = ref_pearson(x, y, c, N);
	ok(fabs(value - (1.0 - r)) < 1e-9 && r < -0.5,
	   "depth Pearson: L = 1 - r = %.9f, definition %.9f (r = %.3f)", value, 1.0 - r, r);
	double worst = 0, gmax = 0;
	int zero_ok = 1;
	for (int i = 0; i < N; i += 37) {
		float keep = x[i];
		double h = 1e-3 * fabs((double)keep);
		x[i] = (float)(keep + h);
		double up = 1.0 - ref_pearson(x, y, c, N);
		x[i] = (float)(keep - h);
		double dn = 1.0 - ref_pearson(x, y, c, N);
		double hh = (double)(float)(keep + h) - (double)(float)(keep - h);
		x[i] = keep;
		double fd = 2.0 * (up - dn) / hh; /* weight 2 */
		double got = g[i] - 0.25;
		worst = fmax(worst, fabs(got - fd));
		gmax = fmax(gmax, fabs(fd));
		if ((y[i] <= 0 || c[i] <= 0) && g[i] != 0.25f)
			zero_ok = 0;
	}
	ok(worst < 1e-3 * gmax, "depth Pearson gradient: central differences agree to %.2e of %.2e",
	   worst, gmax);
	ok(zero_ok, "no gradient where the prior is missing or has no confidence");

	/* a flat prior: no correlation, no gradient */
	for (int i = 0; i < N; i++)
		y[i] = 4.0f, g[i] = 0.0f;
	int none = ops->loss_depth_pearson(x, y, c, N, 1.0f, g, &value) == 0 && value == 1.0;
	for (int i = 0; i < N; i++)
		none &= g[i] == 0.0f;
	ok(none, "constant prior: L = 1 and no gradient");
	/* the same maps up to scale and shift: r = 1 */
	for (int i = 0; i < N; i++)
		y[i] = 0.5f * x[i] + 3.0f, c[i] = 1.0f;
	int rc = ops->loss_depth_pearson(x, y, c, N, 1.0f, g, &value);
	ok(rc == 0 && fabs(value) < 1e-6, "prior = 0.5 depth + 3: L = %.2e", value);
}

/* Adam and the fused loss on the CPU's wide path `name` give the
 * portable path's bits (elementwise IEEE operations, nothing fused). */
static void test_simd_path(const char *name)
{
	if (cpu_simd_select(name) != 0) {
		skip("this CPU cannot run the path", "Adam and the loss on the %s and portable paths",
		     name);
		cpu_simd_select("portable");
		return;
	}
	const struct sgs_train_ops *ops = &sgs_backend_cpu()->train;
	const size_t n = 48 * 1000 + 37;
	const int w = 203, h = 151;
	const size_t np = 3 * (size_t)w * h;
	float *buf[2][4], *img = malloc(np * sizeof(float)), *gt = malloc(np * sizeof(float)),
			  *dimg[2] = {malloc(np * sizeof(float)), malloc(np * sizeof(float))};
	double terms[2][4];
	const char *path[2] = {name, "portable"};
	make_pair(img, gt, w, h);
	for (int k = 0; k < 2; k++) {
		for (int a = 0; a < 4; a++)
			buf[k][a] = malloc(n * sizeof(float));
		for (size_t i = 0; i < n; i++) {
			buf[k][0][i] = sinf((float)i);
			buf[k][1][i] = cosf(0.7f * (float)i);
			buf[k][2][i] = 0.01f * sinf(1.3f * (float)i);
			buf[k][3][i] = 0.001f * (1.0f + cosf((float)i));
		}
		struct sgs_adam_hp hp = {1e-3f, 5e-5f, 48, 3, 0.9f, 0.999f, 1e-15f, 7};
		cpu_simd_select(path[k]);
		if (ops->adam(buf[k][0], buf[k][1], buf[k][2], buf[k][3], n, &hp) != 0 ||
		    ops->loss_l1_ssim(img, gt, w, h, 0.2f, dimg[k], terms[k]) != 0)
			ok(0, "%s path: %s", path[k], sgs_error_get());
	}
	int same = 1;
	for (int a = 0; a < 4; a += 2)
		same &= memcmp(buf[0][a], buf[1][a], n * sizeof(float)) == 0;
	ok(same, "Adam: %s and portable paths agree bit for bit", name);
	ok(memcmp(dimg[0], dimg[1], np * sizeof(float)) == 0 &&
		   memcmp(terms[0], terms[1], sizeof terms[0]) == 0,
	   "L1 + SSIM loss and gradient: %s and portable paths agree bit for bit", name);
	for (int k = 0; k < 2; k++) {
		for (int a = 0; a < 4; a++)
			free(buf[k][a]);
		free(dimg[k]);
	}
	free(img), free(gt);
	cpu_simd_select("portable");
}

int main(void)
{
	test_loss();
	test_adam();
	test_rng();
	test_densify_dozen();
	test_densify_many();
	test_small_ops();
	test_depth_pearson();
	test_simd_path("avx2");
	test_simd_path("avx512");
	return tap_done();
}
