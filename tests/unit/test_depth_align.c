/* The robust scale-and-shift fit behind sgs-depth -m import: exact on
 * noiseless anchors, unmoved by a third of outliers, deterministic, and refusing
 * what it cannot fit. */
#include <math.h>
#include <string.h>

#include "depth_align.h"
#include "sgs_error.h"
#include "tap.h"

static double uniform(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) / 9007199254740992.0;
}

static int close_rel(double a, double b, double tol)
{
	return fabs(a - b) <= tol * fabs(b);
}

/* n anchors on depth = s m + t (or 1/depth = s m + t), depths in [2, 8];
 * a fraction `outliers` of them (every round(1/outliers)-th: a third for 0.3) get an unrelated depth. */
static void make_anchors(float *m, float *z, size_t n, int disparity, double s, double t,
			 double outliers, double noise, uint64_t seed)
{
	size_t every = outliers > 0 ? (size_t)lround(1.0 / outliers) : 0;
	for (size_t i = 0; i < n; i++) {
		double depth = 2 + 6 * uniform(&seed);
		double y = disparity ? 1.0 / depth : depth;
		m[i] = (float)((y - t) / s);
		z[i] = (float)(depth * (1 + noise * (2 * uniform(&seed) - 1)));
		if (every && i % every == 0)
			z[i] = (float)(1 + 19 * uniform(&seed));
	}
}

static void test_noiseless(int disparity)
{
	enum { N = 200 };
	float m[N], z[N];
	double s = disparity ? 0.004 : 0.5, t = disparity ? 0.01 : 0.25;
	struct sgs_align_opts o;
	struct sgs_align_fit f;
	sgs_align_defaults(&o);
	o.disparity = disparity;
	make_anchors(m, z, N, disparity, s, t, 0, 0, 7);
	int rc = sgs_align_fit(m, z, N, &o, &f);
	ok(rc == 0, "%s: noiseless anchors fit", disparity ? "disparity" : "depth");
	ok(close_rel(f.scale, s, 1e-5) && close_rel(f.shift, t, 1e-4),
	   "%s: scale %.9g shift %.9g recovered (want %g, %g)", disparity ? "disparity" : "depth",
	   f.scale, f.shift, s, t);
	ok(f.anchors == N && f.inliers == N && f.median_rel < 1e-6,
	   "%s: all %u anchors inliers, median residual %g", disparity ? "disparity" : "depth",
	   f.inliers, f.median_rel);
	int worst_ok = 1;
	for (size_t i = 0; i < N; i++)
		worst_ok &= close_rel(sgs_align_apply(&f, disparity, m[i]), z[i], 1e-5);
	ok(worst_ok, "%s: applying the fit gives back every anchor depth", disparity ? "disparity" : "depth");
}

static void test_outliers(int disparity)
{
	enum { N = 300 };
	float m[N], z[N];
	double s = disparity ? 0.004 : 2.0, t = disparity ? -0.02 : -1.5;
	struct sgs_align_opts o;
	struct sgs_align_fit f;
	sgs_align_defaults(&o);
	o.disparity = disparity;
	make_anchors(m, z, N, disparity, s, t, 0.3, 0, 11);
	int rc = sgs_align_fit(m, z, N, &o, &f);
	ok(rc == 0 && close_rel(f.scale, s, 1e-5) && close_rel(f.shift, t, 1e-4),
	   "%s, 33%% outliers: scale %.9g shift %.9g (want %g, %g)", disparity ? "disparity" : "depth",
	   f.scale, f.shift, s, t);
	ok(f.inliers >= 200 && f.inliers <= 215, "%s, 33%% outliers: %u inliers of %u",
	   disparity ? "disparity" : "depth", f.inliers, f.anchors);
	/* 1 % noise on the good anchors as well */
	make_anchors(m, z, N, disparity, s, t, 0.3, 0.01, 13);
	rc = sgs_align_fit(m, z, N, &o, &f);
	ok(rc == 0 && close_rel(f.scale, s, 0.02) && f.median_rel < 0.01,
	   "%s, 33%% outliers + 1%% noise: scale %.6g (want %g), median residual %.4f",
	   disparity ? "disparity" : "depth", f.scale, s, f.median_rel);
}

static void test_deterministic(void)
{
	enum { N = 120 };
	float m[N], z[N];
	struct sgs_align_opts o;
	struct sgs_align_fit a, b;
	sgs_align_defaults(&o);
	make_anchors(m, z, N, 0, 1.3, 0.2, 0.3, 0.02, 5);
	o.seed = 42;
	int rc = sgs_align_fit(m, z, N, &o, &a) | sgs_align_fit(m, z, N, &o, &b);
	ok(rc == 0 && memcmp(&a, &b, sizeof a) == 0, "same seed, same fit to the bit");
}

static void test_refusals(void)
{
	float m[20], z[20];
	struct sgs_align_opts o;
	struct sgs_align_fit f;
	sgs_align_defaults(&o);
	make_anchors(m, z, 20, 0, 1, 0, 0, 0, 3);
	int rc = sgs_align_fit(m, z, SGS_ALIGN_MIN_ANCHORS - 1, &o, &f);
	ok(rc != 0 && strstr(sgs_error_get(), "anchors") != NULL,
	   "fewer than %d anchors: refused (%s)", SGS_ALIGN_MIN_ANCHORS, sgs_error_get());
	ok(sgs_align_fit(m, z, SGS_ALIGN_MIN_ANCHORS, &o, &f) == 0, "exactly %d anchors: fitted",
	   SGS_ALIGN_MIN_ANCHORS);
	for (int i = 0; i < 20; i++)
		m[i] = 3.0f; /* a flat map says nothing about scale */
	rc = sgs_align_fit(m, z, 20, &o, &f);
	ok(rc != 0, "a constant map: refused (%s)", sgs_error_get());
	for (int i = 0; i < 20; i++)
		m[i] = (float)-i; /* depth falling as the map rises: negative scale */
	make_anchors(m, z, 20, 0, 1, 0, 0, 0, 3);
	for (int i = 0; i < 20; i++)
		m[i] = -m[i];
	ok(sgs_align_fit(m, z, 20, &o, &f) != 0, "a reversed map (negative scale): refused");
	z[4] = NAN;
	m[4] = 1;
	ok(sgs_align_fit(m, z, 20, &o, &f) != 0, "a NaN anchor depth: refused");
	struct sgs_align_fit g = {.scale = 1, .shift = -1};
	ok(sgs_align_apply(&g, 0, 0.5f) == 0 && sgs_align_apply(&g, 1, 1.0f) == 0 &&
		   sgs_align_apply(&g, 0, NAN) == 0 && sgs_align_apply(&g, 0, 3.0f) == 2.0f &&
		   sgs_align_apply(&g, 1, 1.5f) == 2.0f,
	   "apply: no depth where it is not positive and finite");
}

int main(void)
{
	test_noiseless(0);
	test_noiseless(1);
	test_outliers(0);
	test_outliers(1);
	test_deterministic();
	test_refusals();
	return tap_done();
}
