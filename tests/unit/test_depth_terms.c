/* The local depth losses of the CPU backend (kernels/cpu/cpu_train_depth.c:
 * loss_depth_patch, loss_depth_relative, loss_depth_rank,
 * loss_depth_continuity, loss_depth_smooth) against references written
 * here in double from the definitions in sgs_math_depth.h: each value
 * against its reference, each gradient against central differences of
 * the reference, that the ops add to the gradient buffer with their
 * weight, known answers (a prior that is an affine map of the depth, a
 * consistent or reversed depth order, flat depth, an image edge on the
 * depth edge), the random patches and pairs as functions of (seed,
 * iteration), and the same bits whatever the thread count. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_math_depth.h"
#include "sgs_math_rng.h"
#include "sgs_train_ops.h"
#include "tap.h"

#define W 37
#define H 29
#define N (W * H)
#define PATCH 8
#define SEED 5
#define ITER 17
#define RADIUS 3
#define SHIFTS 4
#define TOL 0.01f    /* the ops take floats; the references use these */
#define MARGIN 0.05f /* (large enough that a wrong margin term shows) */
#define GAMMA 10.0f

static const struct sgs_train_ops *ops;

/* ---- inputs ---- */

static float depth[N], prior[N], conf[N], img[3 * N];

static double u01(uint32_t stream, int i) { return sgs_rng_uniform(99, stream, (uint64_t)i, 0); }

/* A depth map of slanted regions with noise; a prior that follows it
 * with another scale and shift, its own noise (some pairs out of order),
 * holes and graded confidence; an image with edges on the regions. */
static void make_inputs(void)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int i = y * W + x, region = x / 9 + 2 * (y / 10);
			double d = 3.0 + 0.7 * region + 0.02 * x + 0.01 * y;
			depth[i] = (float)(d + 0.05 * (u01(1, i) - 0.5));
			/* nearly constant within a region (continuity pairs), steps between */
			prior[i] = u01(2, i) < 0.08 ? 0.0f
						    : (float)(10.0 + 2.0 * region + 1e-3 * u01(3, i) +
							      (u01(4, i) < 0.2 ? 0.5 * u01(5, i) : 0.0));
			conf[i] = u01(6, i) < 0.08 ? 0.0f : (float)(0.2 + 0.8 * u01(7, i));
			for (int c = 0; c < 3; c++)
				img[3 * i + c] = (float)(0.1 * region + 0.05 * c + 0.02 * u01(8 + c, i));
		}
}

/* ---- references, in double ---- */

static double weight_of(int i) { return sgs_depth_weight(prior[i], conf[i]); }

/* The grid shift of a patch op (sgs_math_depth.h: uniform in [0, size)). */
static int shift_of(uint32_t draw)
{
	int k = (int)(sgs_rng_uniform(SEED, ITER, 0, draw) * PATCH);
	return k >= PATCH ? PATCH - 1 : k;
}

/* Mean over counted patches of 1 - r (relative 0) or of the L1 of the
 * patch-normalised maps (relative 1); patches by a pixel's own index. */
static double ref_patches(const double *x, int relative)
{
	const int ox = shift_of(relative ? SGS_DEPTH_DRAW_RELATIVE : SGS_DEPTH_DRAW_PATCH);
	const int oy = shift_of((relative ? SGS_DEPTH_DRAW_RELATIVE : SGS_DEPTH_DRAW_PATCH) + 1);
	const int nx = (W + ox + PATCH - 1) / PATCH, ny = (H + oy + PATCH - 1) / PATCH;
	const double need = ceil(PATCH * PATCH / 4.0);
	double total = 0;
	int counted = 0;
	for (int b = 0; b < ny; b++)
		for (int a = 0; a < nx; a++) {
			double Wt = 0, mx = 0, my = 0, n = 0;
			for (int i = 0; i < N; i++)
				if ((i % W + ox) / PATCH == a && (i / W + oy) / PATCH == b && weight_of(i) > 0)
					Wt += weight_of(i), mx += weight_of(i) * x[i],
						my += weight_of(i) * prior[i], n++;
			if (n < need)
				continue;
			mx /= Wt, my /= Wt;
			double sxy = 0, sxx = 0, syy = 0;
			for (int i = 0; i < N; i++)
				if ((i % W + ox) / PATCH == a && (i / W + oy) / PATCH == b) {
					double c = weight_of(i), dx = x[i] - mx, dy = prior[i] - my;
					sxy += c * dx * dy, sxx += c * dx * dx, syy += c * dy * dy;
				}
			if (!(sxx > 0 && syy > 0))
				continue;
			double l = 1.0 - sxy / sqrt(sxx * syy);
			if (relative) {
				double sx = sqrt(sxx / Wt), sy = sqrt(syy / Wt);
				l = 0;
				for (int i = 0; i < N; i++)
					if ((i % W + ox) / PATCH == a && (i / W + oy) / PATCH == b)
						l += weight_of(i) *
						     fabs((x[i] - mx) / sx - (prior[i] - my) / sy);
				l /= Wt;
			}
			total += l;
			counted++;
		}
	return counted ? total / counted : 0.0;
}

enum { RANK, CONT, SMOOTH };

/* sum w l / sum w over the pairs of a pair term, from the definitions. */
static double ref_pairs(const double *x, int kind, const float *cf)
{
	int dx[SHIFTS], dy[SHIFTS], ns = kind == RANK ? SHIFTS : 2;
	for (int k = 0; k < SHIFTS; k++)
		if (kind == RANK)
			sgs_depth_rank_shift(SEED, ITER, k, RADIUS, &dx[k], &dy[k]);
		else
			dx[k] = k == 0, dy[k] = k == 1;
	double sw = 0, swl = 0;
	for (int a = 0; a < N; a++)
		for (int k = 0; k < ns; k++) {
			int xb = a % W + dx[k], yb = a / W + dy[k];
			if (xb < 0 || yb < 0 || xb >= W || yb >= H)
				continue;
			int b = yb * W + xb;
			double w, l;
			if (kind == SMOOTH) {
				w = cf ? fmin(cf[a], cf[b]) : 1.0;
				double di = 0;
				for (int c = 0; c < 3; c++)
					di += fabs((double)img[3 * a + c] - img[3 * b + c]) / 3;
				l = fabs(x[a] - x[b]) * exp(-GAMMA * di);
			} else {
				if (weight_of(a) == 0 || weight_of(b) == 0)
					continue;
				w = fmin(weight_of(a), weight_of(b));
				double ya = prior[a], yb2 = prior[b];
				if (kind == CONT) {
					if (fabs(ya - yb2) > TOL * fmin(ya, yb2))
						continue;
					l = fabs(x[a] - x[b]);
				} else {
					int n, f;
					if (ya * (1 + TOL) < yb2)
						n = a, f = b;
					else if (yb2 * (1 + TOL) < ya)
						n = b, f = a;
					else
						continue;
					l = fmax(0.0, x[n] - x[f] + MARGIN * x[n]);
				}
			}
			if (w > 0)
				sw += w, swl += w * l;
		}
	return sw > 0 ? swl / sw : 0.0;
}

/* ---- the ops under test ---- */

enum { OP_PATCH, OP_RELATIVE, OP_RANK, OP_CONT, OP_SMOOTH, OP_SMOOTH_CONF, N_OPS };
static const char *const op_name[N_OPS] = {"local Pearson", "relative depth", "ranking",
					   "continuity", "smoothness", "smoothness (confidence)"};

static int run_op(int op, const float *x, float weight, float *g, double *value)
{
	struct sgs_depth_patches pp = {W, H, PATCH, SEED, ITER};
	struct sgs_depth_rank rp = {W, H, RADIUS, SHIFTS, TOL, MARGIN, SEED, ITER};
	switch (op) {
	case OP_PATCH: return ops->loss_depth_patch(x, prior, conf, &pp, weight, g, value);
	case OP_RELATIVE: return ops->loss_depth_relative(x, prior, conf, &pp, weight, g, value);
	case OP_RANK: return ops->loss_depth_rank(x, prior, conf, &rp, weight, g, value);
	case OP_CONT:
		return ops->loss_depth_continuity(x, prior, conf, W, H, TOL, weight, g, value);
	case OP_SMOOTH:
		return ops->loss_depth_smooth(x, img, NULL, W, H, GAMMA, weight, g, value);
	default: return ops->loss_depth_smooth(x, img, conf, W, H, GAMMA, weight, g, value);
	}
}

static double ref_op(int op, const double *x)
{
	switch (op) {
	case OP_PATCH: return ref_patches(x, 0);
	case OP_RELATIVE: return ref_patches(x, 1);
	case OP_RANK: return ref_pairs(x, RANK, NULL);
	case OP_CONT: return ref_pairs(x, CONT, NULL);
	case OP_SMOOTH: return ref_pairs(x, SMOOTH, NULL);
	default: return ref_pairs(x, SMOOTH, conf);
	}
}

/* Value against the reference, gradient (weight 2) against central
 * differences of the reference at every pixel, accumulation. */
static void check_op(int op)
{
	static float g[N], g2[N];
	static double x[N];
	double value = NAN, v2 = NAN;
	memset(g, 0, sizeof g);
	for (int i = 0; i < N; i++)
		x[i] = depth[i], g2[i] = 0.25f;
	if (run_op(op, depth, 2.0f, g, &value) != 0 || run_op(op, depth, 2.0f, g2, &v2) != 0) {
		ok(0, "%s: %s", op_name[op], sgs_error_get());
		return;
	}
	double ref = ref_op(op, x);
	ok(fabs(value - ref) <= 1e-9 * fmax(1.0, fabs(ref)) && value > 1e-3,
	   "%s: L = %.9f, reference %.9f", op_name[op], value, ref);
	double worst = 0, gmax = 0;
	int nonzero = 0, adds = v2 == value;
	for (int i = 0; i < N; i++) {
		double keep = x[i], h = 1e-6 * fmax(1.0, fabs(keep));
		x[i] = keep + h;
		double up = ref_op(op, x);
		x[i] = keep - h;
		double dn = ref_op(op, x);
		x[i] = keep;
		double fd = 2.0 * (up - dn) / (2 * h);
		worst = fmax(worst, fabs(g[i] - fd));
		gmax = fmax(gmax, fabs(fd));
		nonzero += g[i] != 0.0f;
		adds &= g2[i] == 0.25f + g[i];
	}
	ok(gmax > 0 && worst < 1e-4 * gmax && nonzero > N / 10,
	   "%s gradient: central differences of the reference agree to %.2e of %.2e (%d of %d "
	   "pixels nonzero)", op_name[op], worst, gmax, nonzero, N);
	diag("%s: largest FD difference %.3e, %.3e relative", op_name[op], worst, worst / gmax);
	ok(adds, "%s: adds weight x gradient to the buffer", op_name[op]);
}

/* Random patches and pairs are functions of (seed, iteration). */
static void check_draws(void)
{
	static float g[N];
	double v[4];
	struct sgs_depth_patches pp = {W, H, PATCH, SEED, ITER};
	struct sgs_depth_rank rp = {W, H, RADIUS, SHIFTS, TOL, MARGIN, SEED, ITER};
	int rc = ops->loss_depth_patch(depth, prior, conf, &pp, 1.0f, g, &v[0]);
	rc |= ops->loss_depth_patch(depth, prior, conf, &pp, 1.0f, g, &v[1]);
	pp.iteration++;
	rc |= ops->loss_depth_patch(depth, prior, conf, &pp, 1.0f, g, &v[2]);
	pp.iteration--, pp.seed++;
	rc |= ops->loss_depth_patch(depth, prior, conf, &pp, 1.0f, g, &v[3]);
	ok(rc == 0 && v[0] == v[1] && v[0] != v[2] && v[0] != v[3],
	   "patches: same (seed, iteration) same value %.6f; next iteration %.6f, next seed %.6f",
	   v[0], v[2], v[3]);
	/* the ranking window's shifts: nonzero, inside it, every one drawn */
	int hits[7][7] = {{0}}, bad = 0, missing = 0;
	for (uint32_t it = 0; it < 2000; it++)
		for (int k = 0; k < SHIFTS; k++) {
			int dx, dy;
			sgs_depth_rank_shift(SEED, it, k, RADIUS, &dx, &dy);
			if ((dx == 0 && dy == 0) || abs(dx) > RADIUS || abs(dy) > RADIUS)
				bad++;
			else
				hits[dy + RADIUS][dx + RADIUS]++;
		}
	for (int a = 0; a < 7; a++)
		for (int b = 0; b < 7; b++)
			missing += (a != RADIUS || b != RADIUS) && hits[a][b] < 100;
	ok(!bad && !missing, "ranking shifts: %d outside the window or zero, %d of 48 drawn < 100 "
	   "times in 8000", bad, missing);
	rc = ops->loss_depth_rank(depth, prior, conf, &rp, 1.0f, g, &v[0]);
	rp.iteration++;
	rc |= ops->loss_depth_rank(depth, prior, conf, &rp, 1.0f, g, &v[1]);
	ok(rc == 0 && v[0] != v[1], "ranking: another iteration, other pairs (%.6f, %.6f)", v[0],
	   v[1]);
}

/* Answers known without the references. */
static void check_known(void)
{
	static float x[N], y[N], g[N], keep[N];
	double v;
	memcpy(keep, prior, sizeof prior);
	struct sgs_depth_patches pp = {W, H, PATCH, SEED, ITER};
	struct sgs_depth_rank rp = {W, H, RADIUS, SHIFTS, TOL, 0.0f, SEED, ITER};
	/* a prior that is an affine map of the depth */
	for (int i = 0; i < N; i++)
		prior[i] = keep[i] > 0 ? 0.5f * depth[i] + 3.0f : 0.0f;
	int rc = ops->loss_depth_patch(depth, prior, conf, &pp, 1.0f, g, &v);
	ok(rc == 0 && fabs(v) < 1e-5, "local Pearson, prior = 0.5 depth + 3: L = %.2e", v);
	rc = ops->loss_depth_relative(depth, prior, conf, &pp, 1.0f, g, &v);
	ok(rc == 0 && fabs(v) < 1e-4, "relative depth, prior = 0.5 depth + 3: L = %.2e", v);
	for (int i = 0; i < N; i++)
		prior[i] = keep[i] > 0 ? 20.0f - depth[i] : 0.0f;
	rc = ops->loss_depth_patch(depth, prior, conf, &pp, 1.0f, g, &v);
	ok(rc == 0 && fabs(v - 2.0) < 1e-5, "local Pearson, prior = 20 - depth: L = %.6f (2)", v);
	/* the prior's order kept (margin 0), then reversed */
	rc = ops->loss_depth_rank(depth, keep, conf, &rp, 1.0f, g, &v);
	for (int i = 0; i < N; i++)
		prior[i] = keep[i] > 0 ? 2.0f * depth[i] : 0.0f;
	double v_same = NAN, v_rev = NAN;
	rc |= ops->loss_depth_rank(depth, prior, conf, &rp, 1.0f, g, &v_same);
	for (int i = 0; i < N; i++)
		prior[i] = keep[i] > 0 ? 100.0f / depth[i] : 0.0f;
	rc |= ops->loss_depth_rank(depth, prior, conf, &rp, 1.0f, g, &v_rev);
	ok(rc == 0 && v_same == 0.0 && v_rev > 0.1 && v > 0 && v < v_rev,
	   "ranking: depth in the prior's order 0, reversed %.4f, the test prior between (%.4f)",
	   v_rev, v);
	memcpy(prior, keep, sizeof prior);
	/* flat depth: no continuity loss, no smoothness loss */
	for (int i = 0; i < N; i++)
		x[i] = 4.0f, g[i] = 0.0f;
	rc = ops->loss_depth_continuity(x, prior, conf, W, H, TOL, 1.0f, g, &v);
	double v2;
	rc |= ops->loss_depth_smooth(x, img, NULL, W, H, GAMMA, 1.0f, g, &v2);
	ok(rc == 0 && v == 0.0 && v2 == 0.0, "flat depth: continuity %g, smoothness %g", v, v2);
	/* a depth step: the smoothness is low where the image has an edge
	 * on it, and the step's full size where the image is flat */
	for (int i = 0; i < N; i++)
		x[i] = i % W < W / 2 ? 2.0f : 3.0f;
	static float flat[3 * N], edge[3 * N];
	for (int i = 0; i < N; i++)
		for (int c = 0; c < 3; c++)
			flat[3 * i + c] = 0.5f, edge[3 * i + c] = i % W < W / 2 ? 0.0f : 1.0f;
	double vf, ve;
	rc = ops->loss_depth_smooth(x, flat, NULL, W, H, GAMMA, 1.0f, g, &vf);
	rc |= ops->loss_depth_smooth(x, edge, NULL, W, H, GAMMA, 1.0f, g, &ve);
	const double pairs = (W - 1) * H + W * (H - 1);
	ok(rc == 0 && fabs(vf - H / pairs) < 1e-12 && fabs(ve - H * exp(-GAMMA) / pairs) < 1e-12,
	   "depth step of 1: smoothness %.6f on a flat image (%.6f), %.2e with the image's edge on "
	   "it", vf, H / pairs, ve);
	/* nothing to compare: 0, no gradient */
	memset(g, 0, sizeof g);
	for (int i = 0; i < N; i++)
		y[i] = 0.0f;
	double vals[4];
	rc = ops->loss_depth_patch(depth, y, conf, &pp, 1.0f, g, &vals[0]);
	rc |= ops->loss_depth_relative(depth, y, conf, &pp, 1.0f, g, &vals[1]);
	rc |= ops->loss_depth_rank(depth, y, conf, &rp, 1.0f, g, &vals[2]);
	rc |= ops->loss_depth_continuity(depth, y, conf, W, H, TOL, 1.0f, g, &vals[3]);
	int zero = 1;
	for (int i = 0; i < N; i++)
		zero &= g[i] == 0.0f;
	ok(rc == 0 && zero && !vals[0] && !vals[1] && !vals[2] && !vals[3],
	   "no prior anywhere: every term 0 with no gradient");
	/* bad arguments */
	pp.size = 1;
	rp.shifts = SGS_DEPTH_MAX_SHIFTS + 1;
	ok(ops->loss_depth_patch(depth, prior, conf, &pp, 1.0f, g, &v) == -1 &&
		   strstr(sgs_error_get(), "patch size 1"),
	   "patch size 1 refused: %s", sgs_error_get());
	ok(ops->loss_depth_rank(depth, prior, conf, &rp, 1.0f, g, &v) == -1,
	   "too many ranking shifts refused: %s", sgs_error_get());
	ok(ops->loss_depth_smooth(depth, NULL, NULL, W, H, 1.0f, 1.0f, g, &v) == -1,
	   "smoothness without an image refused: %s", sgs_error_get());
}

/* The same bits on one thread and on several. */
static void check_threads(void)
{
	static float g[2][N_OPS][N];
	double v[2][N_OPS];
	int rc = 0, threads = omp_get_max_threads();
	for (int t = 0; t < 2; t++) {
		omp_set_num_threads(t ? (threads > 1 ? threads : 4) : 1);
		for (int op = 0; op < N_OPS; op++) {
			memset(g[t][op], 0, sizeof g[t][op]);
			rc |= run_op(op, depth, 1.0f, g[t][op], &v[t][op]);
		}
	}
	omp_set_num_threads(threads);
	ok(rc == 0 && memcmp(g[0], g[1], sizeof g[0]) == 0 && memcmp(v[0], v[1], sizeof v[0]) == 0,
	   "every local depth term: the same values and gradients on 1 thread and on several");
}

int main(void)
{
	ops = &sgs_backend_cpu()->train;
	make_inputs();
	for (int op = 0; op < N_OPS; op++)
		check_op(op);
	check_draws();
	check_known();
	check_threads();
	return tap_done();
}
