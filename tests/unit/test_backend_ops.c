/* The CUDA backend against the CPU backend, operation by operation, on the
 * same inputs (the idea of ggml's test-backend-ops).  Each operation gets
 * the CPU's outputs of the operations before it as its input, so a
 * difference points at that one operation; a last "render chain" check
 * runs each backend on its own from the parameters to the gradients.
 * Tolerances are per output: float atomics and fused multiply-adds on the
 * GPU reorder and round sums differently, so floats are compared by the
 * largest difference relative to the largest reference value, images by
 * PSNR, and discrete outputs (counts, contributors) by the share of pixels
 * that differ.  Without a usable CUDA device every operation is skipped.
 * SGS_TEST_QUICK=1 leaves out the large cases (for compute-sanitizer). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "tap.h"

static const char *const op_names[] = {
	"buffers", "project", "bin_sort", "rasterize", "rasterize_backward", "project_backward",
	"render chain",
};
#define N_OPS (int)(sizeof op_names / sizeof op_names[0])

/* ---- tolerances ---- */
#define TOL_PROJ_XY 1e-5      /* pixel coordinates, depth */
#define TOL_PROJ 1e-4         /* conic, opacity, colour */
#define TOL_IMG_DB 60.0       /* forward images: PSNR ... */
#define TOL_IMG_MAX 1e-4      /* ... or largest error */
#define TOL_DISCRETE 0.005    /* share of pixels whose count may differ */
#define TOL_GRAD 1e-3         /* backward outputs */
#define TOL_CHAIN_DB 50.0     /* whole render, each backend on its own */
#define TOL_CHAIN_GRAD 1e-2

/* ---- random numbers (splitmix64) ---- */
static uint64_t rng_state;

static double urand(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static double urange(double lo, double hi) { return lo + (hi - lo) * urand(); }

static double nrand(void)
{
	double u = urand(), v = urand();
	return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* ---- comparisons ---- */

/* max |ref - x| / max |ref| over the items with mask[i] != 0 (all when
 * mask is NULL), per floats per item; NaN counts as infinite. */
static double rel_err(const float *ref, const float *x, size_t items, int per,
		      const uint8_t *mask)
{
	double dmax = 0.0, amax = 0.0;
	for (size_t i = 0; i < items; i++) {
		if (mask && !mask[i])
			continue;
		for (int k = 0; k < per; k++) {
			double a = ref[i * per + k], d = fabs(a - (double)x[i * per + k]);
			if (!(d <= dmax))
				dmax = isnan(d) ? INFINITY : d;
			if (fabs(a) > amax)
				amax = fabs(a);
		}
	}
	return dmax == 0.0 ? 0.0 : dmax / (amax > 0.0 ? amax : 1e-30);
}

/* Largest error and PSNR (peak 1) of x against ref, both divided by scale. */
static void img_err(const float *ref, const float *x, size_t count, double scale, double *maxerr,
		    double *psnr)
{
	double sq = 0.0, m = 0.0;
	for (size_t i = 0; i < count; i++) {
		double d = fabs((double)ref[i] - (double)x[i]) / scale;
		if (!(d <= m))
			m = isnan(d) ? INFINITY : d;
		sq += isnan(d) ? INFINITY : d * d;
	}
	*maxerr = m;
	double mse = count ? sq / (double)count : 0.0;
	*psnr = mse > 0.0 ? 10.0 * log10(1.0 / mse) : INFINITY;
}

static size_t count_diff_u32(const uint32_t *a, const uint32_t *b, size_t count)
{
	size_t d = 0;
	for (size_t i = 0; i < count; i++)
		d += a[i] != b[i];
	return d;
}

/* Worst error / threshold seen per operation, for the summary lines. */
static double worst_ratio[N_OPS] = {-1, -1, -1, -1, -1, -1, -1}, worst_err[N_OPS],
	worst_thr[N_OPS];

static void note(int op, double err, double thr)
{
	double r = thr > 0.0 ? err / thr : err > 0.0 ? INFINITY : 0.0;
	if (!(r <= worst_ratio[op])) {
		worst_ratio[op] = isnan(r) ? INFINITY : r;
		worst_err[op] = err;
		worst_thr[op] = thr;
	}
}

static int check_rel(int op, const char *cname, const char *what, double err, double thr)
{
	note(op, err, thr);
	return ok(err <= thr, "%s [%s] %s: max rel err %.3g (threshold %.3g)", op_names[op],
		  cname, what, err, thr);
}

/* An image passes with PSNR >= db or a largest error <= maxtol. */
static int check_img(int op, const char *cname, const char *what, const float *ref,
		     const float *x, size_t count, double scale, double db, double maxtol)
{
	double m, p;
	img_err(ref, x, count, scale, &m, &p);
	note(op, m, maxtol);
	return ok(p >= db || m <= maxtol, "%s [%s] %s: max err %.3g, PSNR %.1f dB (needs >= %.0f dB "
		  "or max err <= %.3g)", op_names[op], cname, what, m, p, db, maxtol);
}

static int check_discrete(int op, const char *cname, const char *what, size_t diff, size_t count,
			  double share)
{
	double frac = count ? (double)diff / (double)count : 0.0;
	note(op, frac, share);
	return ok(frac <= share, "%s [%s] %s: %zu of %zu differ (at most %.2f%%)", op_names[op],
		  cname, what, diff, count, 100.0 * share);
}

/* ---- the scene ---- */

struct tcase {
	const char *name;
	uint32_t n;
	int w, h, deg, active, antialias;
	uint64_t seed;
	int big; /* left out when SGS_TEST_QUICK is set (GPU sanitizers) */
};

static const struct tcase cases[] = {
	{"empty", 0, 16, 16, 0, 0, 0, 1, 0},
	{"tiny", 6, 24, 17, 0, 0, 0, 2, 0},
	{"300 sh1 aa 67x45", 300, 67, 45, 1, 1, 1, 3, 0},
	{"300 sh2 67x45", 300, 67, 45, 2, 2, 0, 4, 0},
	/* several batches of 256 per tile, saturated pixels */
	{"2000 dense sh1 40x30", 2000, 40, 30, 1, 1, 0, 9, 0},
	{"20k sh3 256x192", 20000, 256, 192, 3, 3, 0, 5, 1},
	{"20k sh3(2) aa 256x192", 20000, 256, 192, 3, 2, 1, 6, 1},
	{"5k sh1 aa 250x190", 5000, 250, 190, 1, 1, 1, 7, 1},
	{"400 sh3 67x45 reused", 400, 67, 45, 3, 3, 0, 8, 0},
};

static void make_camera(const struct tcase *tc, struct sgs_cam *cam)
{
	double ax = urange(-0.15, 0.15), ay = urange(-0.15, 0.15), az = urange(-0.3, 0.3);
	double cx = cos(ax), sx = sin(ax), cy = cos(ay), sy = sin(ay), cz = cos(az), sz = sin(az);
	double R[9] = {cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx,
		       sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx,
		       -sy,     cy * sx,                cy * cx};
	memset(cam, 0, sizeof *cam);
	cam->w = tc->w;
	cam->h = tc->h;
	cam->fx = (float)(0.9 * tc->w);
	cam->fy = (float)(0.95 * tc->w);
	cam->cx = (float)(0.5 * tc->w + 1.3);
	cam->cy = (float)(0.5 * tc->h - 0.7);
	for (int i = 0; i < 9; i++)
		cam->R[i] = (float)R[i];
	cam->t[0] = 0.05f;
	cam->t[1] = -0.03f;
	cam->t[2] = 4.0f;
	cam->znear = SGS_NEAR_DEFAULT;
}

/* Host parameters: most Gaussians in front of the camera and around the
 * image (some beyond its borders), a few near or behind the near plane,
 * 1 to 12 pixels wide, some thin, colours that sometimes clamp. */
static int make_gaussians(const struct tcase *tc, const struct sgs_cam *cam,
			  struct sgs_gaussians *g)
{
	const size_t n = tc->n, K = (size_t)sgs_sh_coeffs(tc->deg);
	memset(g, 0, sizeof *g);
	g->n = tc->n;
	g->sh_degree = tc->deg;
	g->sh_active = tc->active;
	g->means = malloc((3 * n + 1) * sizeof(float));
	g->log_scales = malloc((3 * n + 1) * sizeof(float));
	g->quats = malloc((4 * n + 1) * sizeof(float));
	g->opacity = malloc((n + 1) * sizeof(float));
	g->sh = malloc((3 * K * n + 1) * sizeof(float));
	if (!g->means || !g->log_scales || !g->quats || !g->opacity || !g->sh)
		return -1;
	const double ls0 = log(4.0 / cam->fx); /* 1 px at z = 4 */
	for (size_t i = 0; i < n; i++) {
		double z = urand() < 0.04 ? urange(-1.0, 0.3) : urange(1.0, 8.0);
		double u = urange(-0.2, 1.2) * cam->w, v = urange(-0.2, 1.2) * cam->h;
		double p[3] = {(u - cam->cx) * fabs(z) / cam->fx - cam->t[0],
			       (v - cam->cy) * fabs(z) / cam->fy - cam->t[1], z - cam->t[2]};
		for (int r = 0; r < 3; r++) /* world = R^T (p - t) */
			g->means[3 * i + r] = (float)(cam->R[r] * p[0] + cam->R[3 + r] * p[1] +
						      cam->R[6 + r] * p[2]);
		for (int k = 0; k < 3; k++)
			g->log_scales[3 * i + k] = (float)(ls0 + urange(0.0, 2.5));
		for (int k = 0; k < 4; k++)
			g->quats[4 * i + k] = (float)nrand();
		g->opacity[i] = (float)urange(-3.0, 4.0);
		for (int c = 0; c < 3; c++)
			g->sh[3 * K * i + c] = (float)urange(-2.0, 2.0);
		for (size_t k = 3; k < 3 * K; k++)
			g->sh[3 * K * i + k] = (float)urange(-0.4, 0.4);
	}
	return 0;
}

static void free_host_gaussians(struct sgs_gaussians *g)
{
	free(g->means);
	free(g->log_scales);
	free(g->quats);
	free(g->opacity);
	free(g->sh);
	memset(g, 0, sizeof *g);
}

/* ---- one backend's buffers for a case ---- */

struct side {
	const struct sgs_backend *be;
	struct sgs_raster_ctx *ctx;
	struct sgs_gaussians g, grad;
	struct sgs_render_out out;
	float *drgb, *dalpha, *ddepth, *acc, *cnt;
};

static void side_free(struct side *s)
{
	const struct sgs_backend *be = s->be;
	if (s->g.means)
		sgs_gaussians_free(be, &s->g);
	if (s->grad.means)
		sgs_gaussians_free(be, &s->grad);
	if (s->out.rgb)
		sgs_render_out_free(be, &s->out);
	be->free(s->drgb);
	be->free(s->dalpha);
	be->free(s->ddepth);
	be->free(s->acc);
	be->free(s->cnt);
}

static void *side_buf(const struct sgs_backend *be, const void *host, size_t bytes, int *err)
{
	void *p = be->alloc(bytes);
	if (!p || (host && be->upload(p, host, bytes)))
		*err = 1;
	return p;
}

/* Allocate and fill everything one backend needs for the case. */
static int side_init(struct side *s, const struct sgs_gaussians *hg, int w, int h,
		     const float *drgb, const float *dalpha, const float *ddepth,
		     const float *acc0)
{
	int err = 0;
	size_t np = (size_t)w * h, n = hg->n;
	if (sgs_gaussians_alloc(s->be, &s->g, hg->n, hg->sh_degree) ||
	    sgs_gaussians_upload(s->be, &s->g, hg) ||
	    sgs_gaussians_alloc(s->be, &s->grad, hg->n, hg->sh_degree) ||
	    sgs_render_out_alloc(s->be, &s->out, w, h, 1))
		return -1;
	s->g.sh_active = s->grad.sh_active = hg->sh_active;
	s->drgb = side_buf(s->be, drgb, 3 * np * sizeof(float), &err);
	s->dalpha = side_buf(s->be, dalpha, np * sizeof(float), &err);
	s->ddepth = side_buf(s->be, ddepth, np * sizeof(float), &err);
	s->acc = side_buf(s->be, acc0, n * sizeof(float), &err);
	s->cnt = side_buf(s->be, acc0, n * sizeof(float), &err);
	return err ? -1 : 0;
}

/* A host copy of a backend buffer (freed by the caller); NULL on failure. */
static void *fetch(const struct sgs_backend *be, const void *src, size_t bytes)
{
	void *p = malloc(bytes ? bytes : 1);
	if (p && be->download(p, src, bytes)) {
		free(p);
		return NULL;
	}
	return p;
}

/* The five Gaussian arrays of a (host or fetched) gradient set. */
static int fetch_gaussians(const struct sgs_backend *be, const struct sgs_gaussians *src,
			   struct sgs_gaussians *dst)
{
	size_t n = src->n, K = (size_t)sgs_sh_coeffs(src->sh_degree);
	*dst = *src;
	dst->means = fetch(be, src->means, 3 * n * sizeof(float));
	dst->log_scales = fetch(be, src->log_scales, 3 * n * sizeof(float));
	dst->quats = fetch(be, src->quats, 4 * n * sizeof(float));
	dst->opacity = fetch(be, src->opacity, n * sizeof(float));
	dst->sh = fetch(be, src->sh, 3 * K * n * sizeof(float));
	return dst->means && dst->log_scales && dst->quats && dst->opacity && dst->sh ? 0 : -1;
}

/* Compare every parameter gradient; returns the number of failures. */
static int check_param_grads(int op, const char *cname, const struct sgs_gaussians *c,
			     const struct sgs_gaussians *gp, double thr)
{
	size_t n = c->n;
	int K = sgs_sh_coeffs(c->sh_degree), bad = 0;
	bad += !check_rel(op, cname, "d means", rel_err(c->means, gp->means, n, 3, NULL), thr);
	bad += !check_rel(op, cname, "d log_scales",
			  rel_err(c->log_scales, gp->log_scales, n, 3, NULL), thr);
	bad += !check_rel(op, cname, "d quats", rel_err(c->quats, gp->quats, n, 4, NULL), thr);
	bad += !check_rel(op, cname, "d opacity", rel_err(c->opacity, gp->opacity, n, 1, NULL),
			  thr);
	bad += !check_rel(op, cname, "d sh", rel_err(c->sh, gp->sh, n, 3 * K, NULL), thr);
	return bad;
}

#define FAIL_IF(cond, what)                                                           \
	do {                                                                          \
		if (cond) {                                                           \
			ok(0, "%s [%s]: %s", what, tc->name, sgs_error_get());        \
			goto done;                                                    \
		}                                                                     \
	} while (0)

static void run_case(const struct sgs_backend *cpu, const struct sgs_backend *gpu,
		     struct sgs_raster_ctx *cctx, struct sgs_raster_ctx *gctx,
		     const struct tcase *tc)
{
	const char *cn = tc->name;
	const size_t n = tc->n, np = (size_t)tc->w * tc->h;
	const int K = sgs_sh_coeffs(tc->deg);
	struct sgs_cam cam;
	struct sgs_gaussians hg;
	struct side C, G;
	struct sgs_raster_opts opts = {{0.2f, 0.5f, 0.8f}, tc->antialias};
	float *drgb = NULL, *dalpha = NULL, *ddepth = NULL, *acc0 = NULL;
	/* host copies, freed at the end */
	enum { XY, DEPTH, CONIC, COLOR, CLAMPED, RADII, TOUCHED, N_PROJ };
	void *cp[N_PROJ] = {0}, *gp[N_PROJ] = {0};
	uint32_t *cids = NULL, *gids = NULL, *cranges = NULL, *granges = NULL;
	float *cimg[5] = {0}, *gimg[5] = {0};
	uint32_t *cnc = NULL, *gnc = NULL, *clast = NULL, *glast = NULL;
	float *cd = NULL, *gd = NULL, *cacc = NULL, *gacc = NULL, *ccnt = NULL, *gcnt = NULL;
	uint8_t *vis = NULL;
	struct sgs_gaussians cgr = {0}, ggr = {0};

	memset(&C, 0, sizeof C);
	memset(&G, 0, sizeof G);
	memset(&hg, 0, sizeof hg);
	C.be = cpu;
	G.be = gpu;
	rng_state = tc->seed * 0x2545F4914F6CDD1Dull;
	make_camera(tc, &cam);
	drgb = malloc(3 * np * sizeof(float));
	dalpha = malloc(np * sizeof(float));
	ddepth = malloc(np * sizeof(float));
	acc0 = malloc((n + 1) * sizeof(float));
	FAIL_IF(!drgb || !dalpha || !ddepth || !acc0 || make_gaussians(tc, &cam, &hg),
		"host memory");
	for (size_t i = 0; i < 3 * np; i++)
		drgb[i] = (float)urange(-1.0, 1.0);
	for (size_t i = 0; i < np; i++) {
		dalpha[i] = (float)urange(-1.0, 1.0);
		ddepth[i] = (float)urange(-0.1, 0.1);
	}
	for (size_t i = 0; i < n; i++)
		acc0[i] = 0.5f;
	FAIL_IF(side_init(&C, &hg, tc->w, tc->h, drgb, dalpha, ddepth, acc0), "cpu buffers");
	FAIL_IF(side_init(&G, &hg, tc->w, tc->h, drgb, dalpha, ddepth, acc0), "cuda buffers");

	/* ---- project ---- */
	FAIL_IF(cpu->project(cctx, &C.g, &cam, &opts), "cpu project");
	FAIL_IF(gpu->project(gctx, &G.g, &cam, &opts), "cuda project");
	{
		const size_t sz[N_PROJ] = {2 * n * 4, n * 4, 4 * n * 4, 3 * n * 4, 3 * n, n * 4, n * 4};
		void *cs[N_PROJ] = {cctx->xy, cctx->depth, cctx->conic_opacity, cctx->color,
				    cctx->clamped, cctx->radii, cctx->tiles_touched};
		void *gs[N_PROJ] = {gctx->xy, gctx->depth, gctx->conic_opacity, gctx->color,
				    gctx->clamped, gctx->radii, gctx->tiles_touched};
		for (int k = 0; k < N_PROJ; k++) {
			cp[k] = fetch(cpu, cs[k], sz[k]);
			gp[k] = fetch(gpu, gs[k], sz[k]);
			FAIL_IF(!cp[k] || !gp[k], "fetch project outputs");
		}
		const int32_t *cr = cp[RADII], *gr = gp[RADII];
		const uint32_t *ct = cp[TOUCHED], *gt = gp[TOUCHED];
		const uint8_t *cc = cp[CLAMPED], *gc = gp[CLAMPED];
		size_t rdiff = 0, tdiff = 0, cdiff = 0, nvis = 0;
		vis = calloc(n + 1, 1);
		FAIL_IF(!vis, "host memory");
		for (size_t i = 0; i < n; i++) {
			rdiff += cr[i] != gr[i];
			tdiff += ct[i] != gt[i];
			vis[i] = cr[i] > 0 && gr[i] > 0;
			nvis += vis[i];
			if (vis[i])
				for (int c = 0; c < 3; c++)
					cdiff += cc[3 * i + c] != gc[3 * i + c];
		}
		diag("[%s] %zu of %zu Gaussians visible on the CPU", cn, nvis, n);
		/* a radius is a ceil(): a last-bit difference can move it by one */
		size_t allow = 1 + n / 2000;
		ok(rdiff <= allow, "project [%s] radii: %zu of %zu differ (at most %zu)", cn, rdiff, n,
		   allow);
		ok(tdiff <= allow, "project [%s] tiles_touched: %zu of %zu differ (at most %zu)", cn,
		   tdiff, n, allow);
		ok(cdiff <= allow, "project [%s] clamped: %zu differ (at most %zu)", cn, cdiff, allow);
		check_rel(1, cn, "xy", rel_err(cp[XY], gp[XY], n, 2, vis), TOL_PROJ_XY);
		check_rel(1, cn, "depth", rel_err(cp[DEPTH], gp[DEPTH], n, 1, vis), TOL_PROJ_XY);
		check_rel(1, cn, "conic_opacity",
			  rel_err(cp[CONIC], gp[CONIC], n, 4, vis), TOL_PROJ);
		check_rel(1, cn, "color", rel_err(cp[COLOR], gp[COLOR], n, 3, vis), TOL_PROJ);
	}

	/* ---- bin_sort, on the CPU's projection ---- */
	{
		void *gs[N_PROJ] = {gctx->xy, gctx->depth, gctx->conic_opacity, gctx->color,
				    gctx->clamped, gctx->radii, gctx->tiles_touched};
		const size_t sz[N_PROJ] = {2 * n * 4, n * 4, 4 * n * 4, 3 * n * 4, 3 * n, n * 4, n * 4};
		for (int k = 0; k < N_PROJ; k++)
			FAIL_IF(gpu->upload(gs[k], cp[k], sz[k]), "upload CPU projection");
	}
	FAIL_IF(cpu->bin_sort(cctx), "cpu bin_sort");
	FAIL_IF(gpu->bin_sort(gctx), "cuda bin_sort");
	const size_t tiles = (size_t)cctx->tiles_x * cctx->tiles_y;
	if (!ok(gctx->n_isect == cctx->n_isect && gctx->tiles_x == cctx->tiles_x &&
		gctx->tiles_y == cctx->tiles_y,
		"bin_sort [%s] n_isect: cuda %u, cpu %u", cn, gctx->n_isect, cctx->n_isect))
		goto done;
	{
		const size_t m = cctx->n_isect;
		cids = fetch(cpu, cctx->isect_ids, m * 4);
		gids = fetch(gpu, gctx->isect_ids, m * 4);
		cranges = fetch(cpu, cctx->tile_ranges, 2 * tiles * 4);
		granges = fetch(gpu, gctx->tile_ranges, 2 * tiles * 4);
		FAIL_IF(!cids || !gids || !cranges || !granges, "fetch bin_sort outputs");
		const float *depth = cp[DEPTH];
		size_t ties = 0, wrong = 0;
		for (size_t j = 0; j < m; j++) {
			if (cids[j] == gids[j])
				continue;
			if (gids[j] < n && depth[cids[j]] == depth[gids[j]])
				ties++;
			else
				wrong++;
		}
		size_t rdiff = count_diff_u32(cranges, granges, 2 * tiles);
		note(2, (double)(wrong + rdiff), 0.0);
		ok(wrong == 0, "bin_sort [%s] isect_ids: %zu of %zu differ (%zu more among equal "
		   "depths)", cn, wrong, m, ties);
		ok(rdiff == 0, "bin_sort [%s] tile_ranges: %zu of %zu entries differ", cn, rdiff,
		   2 * tiles);
		/* rasterize gets exactly the CPU's lists */
		FAIL_IF(gpu->upload(gctx->isect_ids, cids, m * 4) ||
			gpu->upload(gctx->tile_ranges, cranges, 2 * tiles * 4),
			"upload CPU lists");
	}

	/* ---- rasterize ---- */
	FAIL_IF(cpu->rasterize(cctx, &C.out), "cpu rasterize");
	FAIL_IF(gpu->rasterize(gctx, &G.out), "cuda rasterize");
	{
		float *cs[5] = {C.out.rgb, C.out.alpha, C.out.depth, C.out.median_depth,
				C.out.final_T};
		float *gs[5] = {G.out.rgb, G.out.alpha, G.out.depth, G.out.median_depth,
				G.out.final_T};
		const char *names[5] = {"rgb", "alpha", "depth", "median_depth", "final_T"};
		for (int k = 0; k < 5; k++) {
			size_t cnt = k ? np : 3 * np;
			cimg[k] = fetch(cpu, cs[k], cnt * 4);
			gimg[k] = fetch(gpu, gs[k], cnt * 4);
			FAIL_IF(!cimg[k] || !gimg[k], "fetch images");
		}
		cnc = fetch(cpu, C.out.n_contrib, np * 4);
		gnc = fetch(gpu, G.out.n_contrib, np * 4);
		clast = fetch(cpu, cctx->last_contrib, np * 4);
		glast = fetch(gpu, gctx->last_contrib, np * 4);
		FAIL_IF(!cnc || !gnc || !clast || !glast, "fetch counts");
		double zmax = 1e-30;
		for (size_t i = 0; i < np; i++)
			zmax = fmax(zmax, fmax(fabs(cimg[2][i]), fabs(cimg[3][i])));
		for (int k = 0; k < 5; k++) {
			size_t cnt = k ? np : 3 * np;
			double scale = k == 2 || k == 3 ? zmax : 1.0;
			if (k == 3) /* a discrete choice: which Gaussian crosses T = 0.5 */
				continue;
			check_img(3, cn, names[k], cimg[k], gimg[k], cnt, scale, TOL_IMG_DB,
				  TOL_IMG_MAX);
		}
		size_t mdiff = 0;
		for (size_t i = 0; i < np; i++)
			mdiff += !(fabs(cimg[3][i] - gimg[3][i]) <= 1e-5 * zmax);
		check_discrete(3, cn, "median_depth", mdiff, np, TOL_DISCRETE);
		check_discrete(3, cn, "n_contrib", count_diff_u32(cnc, gnc, np), np, TOL_DISCRETE);
		check_discrete(3, cn, "ctx last_contrib", count_diff_u32(clast, glast, np), np,
			       TOL_DISCRETE);
	}

	/* ---- rasterize_backward, from the CPU's forward state ---- */
	FAIL_IF(gpu->upload(gctx->final_T, cimg[4], np * 4) ||
		gpu->upload(gctx->last_contrib, clast, np * 4), "upload CPU forward state");
	{
		struct sgs_render_dout cdo = {C.drgb, C.dalpha, C.ddepth};
		struct sgs_render_dout gdo = {G.drgb, G.dalpha, G.ddepth};
		float cbg[3], gbg[3];
		FAIL_IF(cpu->rasterize_backward(cctx, &cdo, cbg), "cpu rasterize_backward");
		FAIL_IF(gpu->rasterize_backward(gctx, &gdo, gbg), "cuda rasterize_backward");
		const float *cs[5] = {cctx->d_xy, cctx->d_conic, cctx->d_opacity, cctx->d_color,
				      cctx->d_depth};
		const float *gs[5] = {gctx->d_xy, gctx->d_conic, gctx->d_opacity, gctx->d_color,
				      gctx->d_depth};
		const int per[5] = {2, 3, 1, 3, 1};
		const char *names[5] = {"d_xy", "d_conic", "d_opacity", "d_color", "d_depth"};
		/* culled Gaussians' entries are not compared: the CPU's radii
		 * decide, and both backends saw them */
		for (size_t i = 0; i < n; i++)
			vis[i] = ((const int32_t *)cp[RADII])[i] > 0;
		for (int k = 0; k < 5; k++) {
			float *a = fetch(cpu, cs[k], n * per[k] * 4);
			float *b = fetch(gpu, gs[k], n * per[k] * 4);
			if (a && b)
				check_rel(4, cn, names[k], rel_err(a, b, n, per[k], vis), TOL_GRAD);
			else
				ok(0, "fetch %s [%s]: %s", names[k], cn, sgs_error_get());
			free(a);
			free(b);
		}
		check_rel(4, cn, "dL/dbg", rel_err(cbg, gbg, 1, 3, NULL), TOL_GRAD);
	}

	/* ---- project_backward, from the CPU's 2D gradients ---- */
	{
		const float *cs[5] = {cctx->d_xy, cctx->d_conic, cctx->d_opacity, cctx->d_color,
				      cctx->d_depth};
		float *gs[5] = {gctx->d_xy, gctx->d_conic, gctx->d_opacity, gctx->d_color,
				gctx->d_depth};
		const int per[5] = {2, 3, 1, 3, 1};
		for (int k = 0; k < 5; k++)
			FAIL_IF(gpu->upload(gs[k], cs[k], n * per[k] * 4), "upload CPU 2D gradients");
	}
	{
		struct sgs_cam_grad cdc, gdc;
		/* garbage in the outputs: they must be written, not added to */
		size_t gbytes[5] = {3 * n * 4, 3 * n * 4, 4 * n * 4, n * 4, 3 * (size_t)K * n * 4};
		float *cg[5] = {C.grad.means, C.grad.log_scales, C.grad.quats, C.grad.opacity,
				C.grad.sh};
		float *gg[5] = {G.grad.means, G.grad.log_scales, G.grad.quats, G.grad.opacity,
				G.grad.sh};
		for (int k = 0; k < 5; k++)
			FAIL_IF(cpu->memset(cg[k], 0x55, gbytes[k]) || gpu->memset(gg[k], 0x55, gbytes[k]),
				"memset gradients");
		FAIL_IF(cpu->project_backward(cctx, &C.grad, &cdc, C.acc, C.cnt),
			"cpu project_backward");
		FAIL_IF(gpu->project_backward(gctx, &G.grad, &gdc, G.acc, G.cnt),
			"cuda project_backward");
		FAIL_IF(fetch_gaussians(cpu, &C.grad, &cgr) || fetch_gaussians(gpu, &G.grad, &ggr),
			"fetch gradients");
		check_param_grads(5, cn, &cgr, &ggr, TOL_GRAD);
		float cpose[12], gpose[12];
		memcpy(cpose, cdc.dR, 9 * 4);
		memcpy(cpose + 9, cdc.dt, 3 * 4);
		memcpy(gpose, gdc.dR, 9 * 4);
		memcpy(gpose + 9, gdc.dt, 3 * 4);
		check_rel(5, cn, "pose (dR, dt)", rel_err(cpose, gpose, 1, 12, NULL), TOL_GRAD);
		cacc = fetch(cpu, C.acc, n * 4);
		gacc = fetch(gpu, G.acc, n * 4);
		ccnt = fetch(cpu, C.cnt, n * 4);
		gcnt = fetch(gpu, G.cnt, n * 4);
		FAIL_IF(!cacc || !gacc || !ccnt || !gcnt, "fetch grad2d");
		check_rel(5, cn, "grad2d_accum", rel_err(cacc, gacc, n, 1, NULL), TOL_GRAD);
		check_rel(5, cn, "grad2d_count", rel_err(ccnt, gcnt, n, 1, NULL), 0.0);
		free_host_gaussians(&cgr);
		free_host_gaussians(&ggr);
	}

	/* ---- the whole render, each backend on its own ---- */
	{
		struct sgs_render_dout cdo = {C.drgb, C.dalpha, C.ddepth};
		struct sgs_render_dout gdo = {G.drgb, G.dalpha, G.ddepth};
		struct sgs_cam_grad cdc, gdc;
		float cbg[3], gbg[3];
		FAIL_IF(sgs_render(cctx, &C.g, &cam, &opts, &C.out) ||
			sgs_render_backward(cctx, &cdo, &C.grad, cbg, &cdc, NULL, NULL),
			"cpu render chain");
		FAIL_IF(sgs_render(gctx, &G.g, &cam, &opts, &G.out) ||
			sgs_render_backward(gctx, &gdo, &G.grad, gbg, &gdc, NULL, NULL),
			"cuda render chain");
		cd = fetch(cpu, C.out.rgb, 3 * np * 4);
		gd = fetch(gpu, G.out.rgb, 3 * np * 4);
		FAIL_IF(!cd || !gd, "fetch chain image");
		check_img(6, cn, "rgb", cd, gd, 3 * np, 1.0, TOL_CHAIN_DB, TOL_IMG_MAX);
		FAIL_IF(fetch_gaussians(cpu, &C.grad, &cgr) || fetch_gaussians(gpu, &G.grad, &ggr),
			"fetch chain gradients");
		check_param_grads(6, cn, &cgr, &ggr, TOL_CHAIN_GRAD);
		check_rel(6, cn, "dL/dbg", rel_err(cbg, gbg, 1, 3, NULL), TOL_CHAIN_GRAD);
		float cpose[12], gpose[12];
		memcpy(cpose, cdc.dR, 9 * 4);
		memcpy(cpose + 9, cdc.dt, 3 * 4);
		memcpy(gpose, gdc.dR, 9 * 4);
		memcpy(gpose + 9, gdc.dt, 3 * 4);
		check_rel(6, cn, "pose (dR, dt)", rel_err(cpose, gpose, 1, 12, NULL), TOL_CHAIN_GRAD);
		diag("[%s] pairs: cpu %u, cuda %u", cn, cctx->n_isect, gctx->n_isect);
	}

done:
	free_host_gaussians(&cgr);
	free_host_gaussians(&ggr);
	for (int k = 0; k < N_PROJ; k++) {
		free(cp[k]);
		free(gp[k]);
	}
	for (int k = 0; k < 5; k++) {
		free(cimg[k]);
		free(gimg[k]);
	}
	free(cids), free(gids), free(cranges), free(granges);
	free(cnc), free(gnc), free(clast), free(glast);
	free(cd), free(gd), free(cacc), free(gacc), free(ccnt), free(gcnt);
	free(vis);
	free(drgb), free(dalpha), free(ddepth), free(acc0);
	free_host_gaussians(&hg);
	if (C.be)
		side_free(&C);
	if (G.be)
		side_free(&G);
}

/* The table's buffer functions: alloc(0), upload, copy, memset, download. */
static void check_buffers(const struct sgs_backend *be)
{
	enum { N = 1000 };
	float host[N], back[N];
	for (int i = 0; i < N; i++)
		host[i] = (float)i * 0.25f - 7.0f;
	void *z = be->alloc(0);
	ok(z != NULL, "buffers: alloc(0) gives a pointer");
	be->free(z);
	float *a = be->alloc(sizeof host), *b = be->alloc(sizeof host);
	int rc = !a || !b || be->upload(a, host, sizeof host) || be->copy(b, a, sizeof host) ||
		 be->download(back, b, sizeof back);
	ok(!rc && !memcmp(host, back, sizeof host), "buffers: upload, copy, download round trip");
	rc = rc || be->memset(b, 0, sizeof host) || be->download(back, b, sizeof back) ||
	     be->sync();
	int zero = 1;
	for (int i = 0; i < N; i++)
		zero &= back[i] == 0.0f;
	ok(!rc && zero, "buffers: memset to zero");
	be->free(a);
	be->free(b);
}

int main(void)
{
	const struct sgs_backend *cpu = sgs_backend_get("cpu");
	const struct sgs_backend *gpu = sgs_backend_get("cuda");
	char why[512];
	snprintf(why, sizeof why, "%s", gpu ? "" : sgs_error_get());
	const struct sgs_backend *any = sgs_backend_get("auto");
	ok(cpu && any == (gpu ? gpu : cpu), "auto picks %s", any ? any->name : sgs_error_get());
#ifdef SGS_WITH_CUDA
	/* a CUDA build must have linked the backend, whether or not a device
	 * is present */
	ok(gpu || !strstr(why, "not built"), "this CUDA build links the CUDA backend (%s)",
	   gpu ? gpu->device_name : why);
#endif
	if (!gpu) {
		for (int op = 0; op < N_OPS; op++)
			skip(why, "%s: CUDA vs CPU", op_names[op]);
		return tap_done();
	}
	diag("cuda: %s", gpu->device_name);
	diag("cpu: %s", cpu->device_name);

	check_buffers(gpu);
	struct sgs_raster_ctx *cctx = cpu->ctx_new(), *gctx = gpu->ctx_new();
	if (!ok(cctx && gctx, "render contexts: %s", cctx && gctx ? "ok" : sgs_error_get()))
		return tap_done();
	/* one context per backend for all cases: growing and reusing buffers
	 * is part of what is checked */
	const char *quick = getenv("SGS_TEST_QUICK");
	if (quick && *quick)
		diag("SGS_TEST_QUICK: large cases left out");
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
		if (!(quick && *quick && cases[c].big))
			run_case(cpu, gpu, cctx, gctx, &cases[c]);

	/* errors come back as messages, not crashes */
	{
		struct sgs_gaussians g = {0};
		struct sgs_cam cam = {0};
		struct sgs_raster_opts opts = {{0, 0, 0}, 0};
		struct sgs_render_out none = {0};
		cam.w = cam.h = 16;
		cam.fx = cam.fy = 10.0f;
		g.sh_degree = 1;
		g.sh_active = 2;
		ok(gpu->project(gctx, &g, &cam, &opts) == -1 && strstr(sgs_error_get(), "SH degree"),
		   "project: active SH degree above storage rejected (%s)", sgs_error_get());
		g.sh_active = 0;
		ok(gpu->project(gctx, &g, &cam, &opts) == 0 && gpu->bin_sort(gctx) == 0 &&
		   gpu->rasterize(gctx, &none) == -1 && strstr(sgs_error_get(), "RGB"),
		   "rasterize: missing RGB buffer rejected (%s)", sgs_error_get());
	}
	for (int op = 1; op < N_OPS; op++) {
		if (op == 2)
			diag("%s: %g entries differ (threshold 0)", op_names[op], worst_err[op]);
		else
			diag("%s: max rel err %g (threshold %g)", op_names[op], worst_err[op],
			     worst_thr[op]);
	}
	cpu->ctx_free(cctx);
	gpu->ctx_free(gctx);
	return tap_done();
}
