/* The CUDA backend against the CPU backend, operation by operation, on the
 * same inputs: the idea of ggml's test-backend-ops.  rows[] at the end is
 * the table, one row per operation of struct sgs_backend (render,
 * training, plane-sweep stereo): the row builds its inputs on both
 * backends, runs the operation on each, compares the outputs with its own
 * tolerances and notes the largest error, printed per row at the end.  A
 * new operation is one more row.
 *
 * Rows run on lists of inputs (struct variant_set).  Rows next to each
 * other in the table on the same list form a chain, run input by input:
 * the render rows share a scene, and each takes the CPU's outputs of the
 * rows before it as its input (uploaded over the CUDA ones), so a
 * difference points at that one operation; "render_chain" then runs each
 * backend on its own from the parameters to the gradients.  The MCMC rows
 * continue each backend's own state, as training does.
 *
 * Tolerances are per output: float atomics and fused multiply-adds on the
 * GPU reorder and round sums differently, so floats are compared by the
 * largest difference relative to the largest reference value, images by
 * PSNR, discrete outputs (counts, contributors) by the share that differs,
 * and bookkeeping (densify counts, max radii, opacity reset) exactly.
 *
 * Each input draws its random data from its own seed, whatever rows run
 * before it.  Without a usable CUDA device every row is skipped (# SKIP).
 * SGS_TEST_QUICK=1 leaves out the large inputs (for compute-sanitizer and
 * the CPU emulation of tests/gpu/emu).  Arguments name rows to run (with
 * the rows before them on the same inputs): test_backend_ops adam densify */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_math_mvs.h"
#include "sgs_train_ops.h"
#include "tap.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- tolerances ---- */
#define TOL_PROJ_XY 1e-5      /* pixel coordinates, depth */
#define TOL_PROJ 1e-4         /* conic, opacity, colour */
#define TOL_IMG_DB 60.0       /* forward images: PSNR ... */
#define TOL_IMG_MAX 1e-4      /* ... or largest error */
#define TOL_DISCRETE 0.005    /* share of pixels whose count may differ */
#define TOL_GRAD 1e-3         /* backward outputs */
#define TOL_CHAIN_DB 50.0     /* whole render, each backend on its own */
#define TOL_CHAIN_GRAD 1e-2
#define TOL_LOSS 1e-5         /* loss terms, relative */
#define TOL_LOSS_GRAD 1e-4    /* dL/dimg, of its largest magnitude */
#define TOL_ADAM 1e-6         /* p (relative, at least 1), m, v */
#define TOL_STATE 1e-5        /* densify, MCMC relocation: every array */
#define TOL_STATE_NOISE 1e-4  /* MCMC regulariser and noise (host vs device libm) */
#define TOL_MVS 1e-3          /* plane-sweep costs (1 - NCC in [0, 2]) ... */
#define TOL_MVS_SHARE 0.001   /* ... may differ more in this share (a window
			       * at a flatness or image-border threshold) */

enum { CPU, GPU };
static const char *const side_name[2] = {"cpu", "cuda"};

/* ---- random numbers (splitmix64), seeded per input ---- */
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

/* ---- the table's types ---- */

/* One input of a row.  Rows read the fields they need. */
struct variant {
	const char *name;
	int big;        /* 1: left out under SGS_TEST_QUICK; -1: only under it */
	uint64_t seed;  /* of the random inputs */
	uint32_t n;     /* Gaussians, or elements */
	int deg;        /* SH storage degree */
	int active;     /* scenes: SH degree used for colour */
	int antialias;  /* scenes */
	int w, h;       /* image */
	float x;        /* loss: lambda; densify: max screen size; scenes:
	                 * Gaussian dropout rate */
	uint32_t cap;   /* densify, MCMC: max_gaussians */
};

struct op_env;

/* A list of inputs, and what the rows on it share for each (both NULL
 * when each row builds its own). */
struct variant_set {
	const char *what;
	const struct variant *v;
	int n;
	int (*setup)(struct op_env *e); /* -1 with a message */
	void (*free)(struct op_env *e);
};

/* A row: one operation, CUDA against CPU. */
struct op_case {
	const char *name;
	const char *tol;                   /* its tolerances, in words */
	int counts;                        /* summary counts differing entries */
	const struct variant_set *on;      /* the inputs it runs on */
	int (*setup)(struct op_env *e);    /* its inputs on both sides (NULL: none) */
	int (*run)(struct op_env *e, int side); /* the operation on e->be[side] */
	int (*compare)(struct op_env *e);  /* ok() lines; -1: later rows cannot run */
	void (*free)(struct op_env *e);    /* of setup's and run's state (may be NULL) */
	void (*once)(struct op_env *e);    /* checks that compare nothing, once after
					    * all inputs (bad input -> message) */
};

/* What a row's functions see. */
struct op_env {
	const struct sgs_backend *be[2];
	struct sgs_raster_ctx *ctx[2]; /* one per backend for every scene: growing
					* and reusing buffers is part of the check */
	const struct op_case *row;
	const struct variant *v;
	void *shared; /* the variant set's setup */
	void *own;    /* the row's setup */
};

/* Worst error against its threshold, per row, for the summary. */
struct row_result {
	int ran;
	double ratio, err, thr;
};
static struct row_result *cur_res;

static void note(double err, double thr)
{
	double r = thr > 0.0 ? err / thr : err > 0.0 ? INFINITY : 0.0;
	if (isnan(r))
		r = INFINITY;
	if (!cur_res->ran || r > cur_res->ratio) {
		cur_res->ratio = r;
		cur_res->err = err;
		cur_res->thr = thr;
	}
	cur_res->ran = 1;
}

/* ---- comparisons ---- */

/* max |ref - x| / max(max |ref|, floor) over the items with mask[i] != 0
 * (all when mask is NULL), per floats per item; NaN counts as infinite.
 * floor 0: relative to the reference alone (1e-30 when it is all zero). */
static double rel_err(const float *ref, const float *x, size_t items, int per,
		      const uint8_t *mask, double floor)
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
	double mag = amax > floor ? amax : floor;
	return dmax == 0.0 ? 0.0 : dmax / (mag > 0.0 ? mag : 1e-30);
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

/* Entries of `size` bytes whose bytes differ. */
static size_t count_diff_bytes(const void *a, const void *b, size_t count, size_t size)
{
	size_t d = 0;
	for (size_t i = 0; i < count; i++)
		d += memcmp((const char *)a + i * size, (const char *)b + i * size, size) != 0;
	return d;
}

/* "row [input] what: ..." */
static int check_rel(const struct op_env *e, const char *what, double err, double thr)
{
	note(err, thr);
	return ok(err <= thr, "%s [%s] %s: max rel err %.3g (threshold %.3g)", e->row->name,
		  e->v->name, what, err, thr);
}

/* The same with a strict bound; err < 0 means the comparison failed. */
static int check_below(const struct op_env *e, const char *what, double err, double thr)
{
	note(err < 0.0 ? INFINITY : err, thr);
	return ok(err >= 0.0 && err < thr, "%s [%s] %s: max rel err %.3g (below %.3g)",
		  e->row->name, e->v->name, what, err, thr);
}

/* An image passes with PSNR >= db or a largest error <= maxtol. */
static int check_img(const struct op_env *e, const char *what, const float *ref, const float *x,
		     size_t count, double scale, double db, double maxtol)
{
	double m, p;
	img_err(ref, x, count, scale, &m, &p);
	note(m, maxtol);
	return ok(p >= db || m <= maxtol,
		  "%s [%s] %s: max err %.3g, PSNR %.1f dB (needs >= %.0f dB or max err <= %.3g)",
		  e->row->name, e->v->name, what, m, p, db, maxtol);
}

static int check_discrete(const struct op_env *e, const char *what, size_t diff, size_t count,
			  double share)
{
	double frac = count ? (double)diff / (double)count : 0.0;
	note(frac, share);
	return ok(frac <= share, "%s [%s] %s: %zu of %zu differ (at most %.2f%%)", e->row->name,
		  e->v->name, what, diff, count, 100.0 * share);
}

/* A failure that stops the rows after this one on this input. */
static int fail(const struct op_env *e, const char *what)
{
	ok(0, "%s [%s] %s: %s", e->row->name, e->v->name, what, sgs_error_get());
	return -1;
}

/* ---- buffers ---- */

/* A buffer of be holding a copy of host (uninitialised when host is
 * NULL); sets *err on failure. */
static void *side_buf(const struct sgs_backend *be, const void *host, size_t bytes, int *err)
{
	void *p = be->alloc(bytes);
	if (!p || (host && be->upload(p, host, bytes)))
		*err = 1;
	return p;
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

static void free_host_gaussians(struct sgs_gaussians *g)
{
	free(g->means);
	free(g->log_scales);
	free(g->quats);
	free(g->opacity);
	free(g->sh);
	memset(g, 0, sizeof *g);
}

/* Host copies of the five arrays of a Gaussian set of be. */
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

/* ================= row buffers: alloc(0), upload, copy, memset, download */

struct buffers_io {
	int alloc0[2], round_trip[2], zeroed[2];
};

static int buffers_setup(struct op_env *e)
{
	e->own = calloc(1, sizeof(struct buffers_io));
	return e->own ? 0 : sgs_error_set("out of host memory");
}

static int buffers_run(struct op_env *e, int side)
{
	enum { N = 1000 };
	const struct sgs_backend *be = e->be[side];
	struct buffers_io *io = e->own;
	float host[N], back[N];
	for (int i = 0; i < N; i++)
		host[i] = (float)i * 0.25f - 7.0f;
	void *z = be->alloc(0);
	io->alloc0[side] = z != NULL;
	be->free(z);
	float *a = be->alloc(sizeof host), *b = be->alloc(sizeof host);
	int rc = !a || !b || be->upload(a, host, sizeof host) || be->copy(b, a, sizeof host) ||
		 be->download(back, b, sizeof back);
	io->round_trip[side] = !rc && !memcmp(host, back, sizeof host);
	rc = rc || be->memset(b, 0, sizeof host) || be->download(back, b, sizeof back) ||
	     be->sync();
	int zero = 1;
	for (int i = 0; i < N; i++)
		zero &= back[i] == 0.0f;
	io->zeroed[side] = !rc && zero;
	be->free(a);
	be->free(b);
	return 0;
}

static int buffers_compare(struct op_env *e)
{
	const struct buffers_io *io = e->own;
	for (int s = 0; s < 2; s++) {
		note(!io->alloc0[s] + !io->round_trip[s] + !io->zeroed[s], 0.0);
		ok(io->alloc0[s], "buffers [%s] alloc(0) gives a pointer", side_name[s]);
		ok(io->round_trip[s], "buffers [%s] upload, copy, download round trip",
		   side_name[s]);
		ok(io->zeroed[s], "buffers [%s] memset to zero", side_name[s]);
	}
	return 0;
}

static void free_own(struct op_env *e)
{
	free(e->own);
	e->own = NULL;
}

/* ================= the render rows' scene ================= */

static void make_camera(const struct variant *v, struct sgs_cam *cam)
{
	double ax = urange(-0.15, 0.15), ay = urange(-0.15, 0.15), az = urange(-0.3, 0.3);
	double cx = cos(ax), sx = sin(ax), cy = cos(ay), sy = sin(ay), cz = cos(az), sz = sin(az);
	double R[9] = {cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx,
		       sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx,
		       -sy,     cy * sx,                cy * cx};
	memset(cam, 0, sizeof *cam);
	cam->w = v->w;
	cam->h = v->h;
	cam->fx = (float)(0.9 * v->w);
	cam->fy = (float)(0.95 * v->w);
	cam->cx = (float)(0.5 * v->w + 1.3);
	cam->cy = (float)(0.5 * v->h - 0.7);
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
static int make_gaussians(const struct variant *v, const struct sgs_cam *cam,
			  struct sgs_gaussians *g)
{
	const size_t n = v->n, K = (size_t)sgs_sh_coeffs(v->deg);
	memset(g, 0, sizeof *g);
	g->n = v->n;
	g->sh_degree = v->deg;
	g->sh_active = v->active;
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
		double u = urange(-0.2, 1.2) * cam->w, vv = urange(-0.2, 1.2) * cam->h;
		double p[3] = {(u - cam->cx) * fabs(z) / cam->fx - cam->t[0],
			       (vv - cam->cy) * fabs(z) / cam->fy - cam->t[1], z - cam->t[2]};
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

/* One backend's buffers for a scene. */
struct side {
	const struct sgs_backend *be;
	struct sgs_gaussians g, grad;
	struct sgs_render_out out;
	float *drgb, *dalpha, *ddepth, *acc, *cnt;
};

static void side_free(struct side *s)
{
	const struct sgs_backend *be = s->be;
	if (!be)
		return;
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

/* Allocate and fill everything one backend needs for the scene. */
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

/* project()'s outputs in the context */
enum { XY, DEPTH, CONIC, COLOR, CLAMPED, RADII, TOUCHED, N_PROJ };

static void proj_arrays(const struct sgs_raster_ctx *c, size_t n, void *a[N_PROJ],
			size_t bytes[N_PROJ])
{
	void *arr[N_PROJ] = {c->xy, c->depth, c->conic_opacity, c->color, c->clamped, c->radii,
			     c->tiles_touched};
	const size_t sz[N_PROJ] = {2 * n * 4, n * 4, 4 * n * 4, 3 * n * 4, 3 * n, n * 4, n * 4};
	memcpy(a, arr, sizeof arr);
	memcpy(bytes, sz, sizeof sz);
}

/* rasterize_backward()'s outputs in the context */
#define N_DGRAD 5
static const int dgrad_per[N_DGRAD] = {2, 3, 1, 3, 1};
static const char *const dgrad_names[N_DGRAD] = {"d_xy", "d_conic", "d_opacity", "d_color",
						 "d_depth"};

static void dgrad_arrays(const struct sgs_raster_ctx *c, float *a[N_DGRAD])
{
	a[0] = c->d_xy, a[1] = c->d_conic, a[2] = c->d_opacity, a[3] = c->d_color;
	a[4] = c->d_depth;
}

/* The forward images, in this order; n_contrib and last_contrib aside. */
#define N_IMG 5
static const char *const img_names[N_IMG] = {"rgb", "alpha", "depth", "median_depth",
					     "final_T"};

struct scene {
	struct sgs_cam cam;
	struct sgs_raster_opts opts;
	struct sgs_gaussians hg;                 /* host parameters */
	float *drgb, *dalpha, *ddepth, *acc0;    /* host upstream gradients, accumulators */
	struct side s[2];
	/* host copies of what the rows found, for the rows after them */
	void *proj[2][N_PROJ];
	uint8_t *vis;
	uint32_t *ids[2], *ranges[2];
	float *img[2][N_IMG];
	uint32_t *nc[2], *last[2];
	float dbg[2][3];
	struct sgs_cam_grad dcam[2];
};

static int scene_setup(struct op_env *e)
{
	const struct variant *v = e->v;
	const size_t n = v->n, np = (size_t)v->w * v->h;
	struct scene *sc = calloc(1, sizeof *sc);
	if (!(e->shared = sc))
		return sgs_error_set("out of host memory");
	if (!e->ctx[CPU] || !e->ctx[GPU])
		return sgs_error_set("no render contexts");
	sc->opts = (struct sgs_raster_opts){.bg = {0.2f, 0.5f, 0.8f}, .antialias = v->antialias,
					    .drop_rate = v->x, .drop_iteration = 5,
					    .drop_seed = v->seed};
	make_camera(v, &sc->cam);
	sc->drgb = malloc(3 * np * sizeof(float));
	sc->dalpha = malloc(np * sizeof(float));
	sc->ddepth = malloc(np * sizeof(float));
	sc->acc0 = malloc((n + 1) * sizeof(float));
	if (!sc->drgb || !sc->dalpha || !sc->ddepth || !sc->acc0 ||
	    make_gaussians(v, &sc->cam, &sc->hg))
		return sgs_error_set("out of host memory");
	for (size_t i = 0; i < 3 * np; i++)
		sc->drgb[i] = (float)urange(-1.0, 1.0);
	for (size_t i = 0; i < np; i++) {
		sc->dalpha[i] = (float)urange(-1.0, 1.0);
		sc->ddepth[i] = (float)urange(-0.1, 0.1);
	}
	for (size_t i = 0; i < n; i++)
		sc->acc0[i] = 0.5f;
	sc->s[CPU].be = e->be[CPU];
	sc->s[GPU].be = e->be[GPU];
	for (int s = 0; s < 2; s++)
		if (side_init(&sc->s[s], &sc->hg, v->w, v->h, sc->drgb, sc->dalpha, sc->ddepth,
			      sc->acc0))
			return sgs_error_prefix("%s buffers", side_name[s]);
	return 0;
}

static void scene_free(struct op_env *e)
{
	struct scene *sc = e->shared;
	if (!sc)
		return;
	for (int s = 0; s < 2; s++) {
		for (int k = 0; k < N_PROJ; k++)
			free(sc->proj[s][k]);
		for (int k = 0; k < N_IMG; k++)
			free(sc->img[s][k]);
		free(sc->ids[s]), free(sc->ranges[s]), free(sc->nc[s]), free(sc->last[s]);
		side_free(&sc->s[s]);
	}
	free(sc->vis);
	free(sc->drgb), free(sc->dalpha), free(sc->ddepth), free(sc->acc0);
	free_host_gaussians(&sc->hg);
	free(sc);
	e->shared = NULL;
}

/* ================= row project ================= */

static int project_run(struct op_env *e, int side)
{
	struct scene *sc = e->shared;
	return e->be[side]->project(e->ctx[side], &sc->s[side].g, &sc->cam, &sc->opts);
}

static int project_compare(struct op_env *e)
{
	struct scene *sc = e->shared;
	const char *cn = e->v->name;
	const size_t n = e->v->n;
	for (int s = 0; s < 2; s++) {
		void *src[N_PROJ];
		size_t sz[N_PROJ];
		proj_arrays(e->ctx[s], n, src, sz);
		for (int k = 0; k < N_PROJ; k++)
			if (!(sc->proj[s][k] = fetch(e->be[s], src[k], sz[k])))
				return fail(e, "fetch outputs");
	}
	void *const *cp = sc->proj[CPU], *const *gp = sc->proj[GPU];
	const int32_t *cr = cp[RADII], *gr = gp[RADII];
	const uint32_t *ct = cp[TOUCHED], *gt = gp[TOUCHED];
	const uint8_t *cc = cp[CLAMPED], *gc = gp[CLAMPED];
	size_t rdiff = 0, tdiff = 0, cdiff = 0, nvis = 0;
	if (!(sc->vis = calloc(n + 1, 1)))
		return fail(e, "host memory");
	for (size_t i = 0; i < n; i++) {
		rdiff += cr[i] != gr[i];
		tdiff += ct[i] != gt[i];
		sc->vis[i] = cr[i] > 0 && gr[i] > 0;
		nvis += sc->vis[i];
		if (sc->vis[i])
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
	const uint8_t *vis = sc->vis;
	check_rel(e, "xy", rel_err(cp[XY], gp[XY], n, 2, vis, 0.0), TOL_PROJ_XY);
	check_rel(e, "depth", rel_err(cp[DEPTH], gp[DEPTH], n, 1, vis, 0.0), TOL_PROJ_XY);
	check_rel(e, "conic_opacity", rel_err(cp[CONIC], gp[CONIC], n, 4, vis, 0.0), TOL_PROJ);
	check_rel(e, "color", rel_err(cp[COLOR], gp[COLOR], n, 3, vis, 0.0), TOL_PROJ);
	return 0;
}

/* Errors come back as messages, not crashes. */
static void project_once(struct op_env *e)
{
	for (int s = 0; s < 2; s++) {
		if (!e->ctx[s])
			continue;
		struct sgs_gaussians g = {0};
		struct sgs_cam cam = {0};
		struct sgs_raster_opts opts = {.bg = {0, 0, 0}, .antialias = 0};
		cam.w = cam.h = 16;
		cam.fx = cam.fy = 10.0f;
		g.sh_degree = 1;
		g.sh_active = 2;
		ok(e->be[s]->project(e->ctx[s], &g, &cam, &opts) == -1 &&
			   strstr(sgs_error_get(), "SH degree"),
		   "project [%s] active SH degree above storage rejected (%s)", side_name[s],
		   sgs_error_get());
	}
}

/* ================= row bin_sort, on the CPU's projection ================= */

static int bin_sort_setup(struct op_env *e)
{
	struct scene *sc = e->shared;
	void *dst[N_PROJ];
	size_t sz[N_PROJ];
	proj_arrays(e->ctx[GPU], e->v->n, dst, sz);
	for (int k = 0; k < N_PROJ; k++)
		if (e->be[GPU]->upload(dst[k], sc->proj[CPU][k], sz[k]))
			return sgs_error_prefix("upload the CPU's projection");
	return 0;
}

static int bin_sort_run(struct op_env *e, int side) { return e->be[side]->bin_sort(e->ctx[side]); }

static int bin_sort_compare(struct op_env *e)
{
	struct scene *sc = e->shared;
	const struct sgs_raster_ctx *cctx = e->ctx[CPU], *gctx = e->ctx[GPU];
	const char *cn = e->v->name;
	const size_t n = e->v->n;
	if (!ok(gctx->n_isect == cctx->n_isect && gctx->tiles_x == cctx->tiles_x &&
		gctx->tiles_y == cctx->tiles_y,
		"bin_sort [%s] n_isect: cuda %u, cpu %u", cn, gctx->n_isect, cctx->n_isect)) {
		note(INFINITY, 0.0);
		return -1;
	}
	const size_t m = cctx->n_isect, tiles = (size_t)cctx->tiles_x * cctx->tiles_y;
	for (int s = 0; s < 2; s++) {
		sc->ids[s] = fetch(e->be[s], e->ctx[s]->isect_ids, m * 4);
		sc->ranges[s] = fetch(e->be[s], e->ctx[s]->tile_ranges, 2 * tiles * 4);
		if (!sc->ids[s] || !sc->ranges[s])
			return fail(e, "fetch outputs");
	}
	const uint32_t *cids = sc->ids[CPU], *gids = sc->ids[GPU];
	const float *depth = sc->proj[CPU][DEPTH];
	size_t ties = 0, wrong = 0;
	for (size_t j = 0; j < m; j++) {
		if (cids[j] == gids[j])
			continue;
		if (gids[j] < n && depth[cids[j]] == depth[gids[j]])
			ties++;
		else
			wrong++;
	}
	size_t rdiff = count_diff_u32(sc->ranges[CPU], sc->ranges[GPU], 2 * tiles);
	note((double)(wrong + rdiff), 0.0);
	ok(wrong == 0, "bin_sort [%s] isect_ids: %zu of %zu differ (%zu more among equal depths)",
	   cn, wrong, m, ties);
	ok(rdiff == 0, "bin_sort [%s] tile_ranges: %zu of %zu entries differ", cn, rdiff,
	   2 * tiles);
	return 0;
}

/* ================= row rasterize, on the CPU's lists ================= */

static int rasterize_setup(struct op_env *e)
{
	struct scene *sc = e->shared;
	const struct sgs_raster_ctx *c = e->ctx[CPU];
	struct sgs_raster_ctx *g = e->ctx[GPU];
	const size_t tiles = (size_t)c->tiles_x * c->tiles_y;
	if (e->be[GPU]->upload(g->isect_ids, sc->ids[CPU], (size_t)c->n_isect * 4) ||
	    e->be[GPU]->upload(g->tile_ranges, sc->ranges[CPU], 2 * tiles * 4))
		return sgs_error_prefix("upload the CPU's lists");
	return 0;
}

static int rasterize_run(struct op_env *e, int side)
{
	struct scene *sc = e->shared;
	return e->be[side]->rasterize(e->ctx[side], &sc->s[side].out);
}

static int rasterize_compare(struct op_env *e)
{
	struct scene *sc = e->shared;
	const size_t np = (size_t)e->v->w * e->v->h;
	for (int s = 0; s < 2; s++) {
		const struct sgs_render_out *o = &sc->s[s].out;
		float *src[N_IMG] = {o->rgb, o->alpha, o->depth, o->median_depth, o->final_T};
		for (int k = 0; k < N_IMG; k++)
			if (!(sc->img[s][k] = fetch(e->be[s], src[k], (k ? np : 3 * np) * 4)))
				return fail(e, "fetch images");
		sc->nc[s] = fetch(e->be[s], o->n_contrib, np * 4);
		sc->last[s] = fetch(e->be[s], e->ctx[s]->last_contrib, np * 4);
		if (!sc->nc[s] || !sc->last[s])
			return fail(e, "fetch counts");
	}
	float *const *cimg = sc->img[CPU], *const *gimg = sc->img[GPU];
	double zmax = 1e-30;
	for (size_t i = 0; i < np; i++)
		zmax = fmax(zmax, fmax(fabs(cimg[2][i]), fabs(cimg[3][i])));
	for (int k = 0; k < N_IMG; k++) {
		size_t cnt = k ? np : 3 * np;
		double scale = k == 2 || k == 3 ? zmax : 1.0;
		if (k == 3) /* a discrete choice: which Gaussian crosses T = 0.5 */
			continue;
		check_img(e, img_names[k], cimg[k], gimg[k], cnt, scale, TOL_IMG_DB, TOL_IMG_MAX);
	}
	size_t mdiff = 0;
	for (size_t i = 0; i < np; i++)
		mdiff += !(fabs(cimg[3][i] - gimg[3][i]) <= 1e-5 * zmax);
	check_discrete(e, "median_depth", mdiff, np, TOL_DISCRETE);
	check_discrete(e, "n_contrib", count_diff_u32(sc->nc[CPU], sc->nc[GPU], np), np,
		       TOL_DISCRETE);
	check_discrete(e, "ctx last_contrib", count_diff_u32(sc->last[CPU], sc->last[GPU], np), np,
		       TOL_DISCRETE);
	return 0;
}

static void rasterize_once(struct op_env *e)
{
	for (int s = 0; s < 2; s++) {
		if (!e->ctx[s])
			continue;
		const struct sgs_backend *be = e->be[s];
		struct sgs_gaussians g = {0};
		struct sgs_cam cam = {0};
		struct sgs_raster_opts opts = {.bg = {0, 0, 0}, .antialias = 0};
		struct sgs_render_out none = {0};
		cam.w = cam.h = 16;
		cam.fx = cam.fy = 10.0f;
		g.sh_degree = 1;
		ok(be->project(e->ctx[s], &g, &cam, &opts) == 0 && be->bin_sort(e->ctx[s]) == 0 &&
			   be->rasterize(e->ctx[s], &none) == -1 && strstr(sgs_error_get(), "RGB"),
		   "rasterize [%s] missing RGB buffer rejected (%s)", side_name[s],
		   sgs_error_get());
	}
}

/* ======== row rasterize_backward, from the CPU's forward state ======== */

static int rasterize_backward_setup(struct op_env *e)
{
	struct scene *sc = e->shared;
	const size_t np = (size_t)e->v->w * e->v->h;
	if (e->be[GPU]->upload(e->ctx[GPU]->final_T, sc->img[CPU][4], np * 4) ||
	    e->be[GPU]->upload(e->ctx[GPU]->last_contrib, sc->last[CPU], np * 4))
		return sgs_error_prefix("upload the CPU's forward state");
	return 0;
}

static int rasterize_backward_run(struct op_env *e, int side)
{
	struct scene *sc = e->shared;
	const struct side *s = &sc->s[side];
	struct sgs_render_dout dout = {s->drgb, s->dalpha, s->ddepth};
	return e->be[side]->rasterize_backward(e->ctx[side], &dout, sc->dbg[side]);
}

static int rasterize_backward_compare(struct op_env *e)
{
	struct scene *sc = e->shared;
	const size_t n = e->v->n;
	float *cs[N_DGRAD], *gs[N_DGRAD];
	dgrad_arrays(e->ctx[CPU], cs);
	dgrad_arrays(e->ctx[GPU], gs);
	/* culled Gaussians' entries are not compared: the CPU's radii decide,
	 * and both backends saw them */
	for (size_t i = 0; i < n; i++)
		sc->vis[i] = ((const int32_t *)sc->proj[CPU][RADII])[i] > 0;
	for (int k = 0; k < N_DGRAD; k++) {
		float *a = fetch(e->be[CPU], cs[k], n * dgrad_per[k] * 4);
		float *b = fetch(e->be[GPU], gs[k], n * dgrad_per[k] * 4);
		if (a && b)
			check_rel(e, dgrad_names[k], rel_err(a, b, n, dgrad_per[k], sc->vis, 0.0),
				  TOL_GRAD);
		else
			ok(0, "fetch %s [%s]: %s", dgrad_names[k], e->v->name, sgs_error_get());
		free(a);
		free(b);
	}
	check_rel(e, "dL/dbg", rel_err(sc->dbg[CPU], sc->dbg[GPU], 1, 3, NULL, 0.0), TOL_GRAD);
	return 0;
}

/* ======== row project_backward, from the CPU's 2D gradients ======== */

/* The parameter gradients of a side, with their sizes in bytes. */
static void grad_arrays(struct side *s, size_t n, int K, float *a[5], size_t bytes[5])
{
	a[0] = s->grad.means, a[1] = s->grad.log_scales, a[2] = s->grad.quats;
	a[3] = s->grad.opacity, a[4] = s->grad.sh;
	bytes[0] = 3 * n * 4, bytes[1] = 3 * n * 4, bytes[2] = 4 * n * 4, bytes[3] = n * 4;
	bytes[4] = 3 * (size_t)K * n * 4;
}

static int project_backward_setup(struct op_env *e)
{
	struct scene *sc = e->shared;
	const size_t n = e->v->n;
	float *cs[N_DGRAD], *gs[N_DGRAD];
	dgrad_arrays(e->ctx[CPU], cs);
	dgrad_arrays(e->ctx[GPU], gs);
	for (int k = 0; k < N_DGRAD; k++)
		if (e->be[GPU]->upload(gs[k], cs[k], n * dgrad_per[k] * 4))
			return sgs_error_prefix("upload the CPU's 2D gradients");
	/* garbage in the outputs: they must be written, not added to */
	for (int s = 0; s < 2; s++) {
		float *g[5];
		size_t bytes[5];
		grad_arrays(&sc->s[s], n, sgs_sh_coeffs(e->v->deg), g, bytes);
		for (int k = 0; k < 5; k++)
			if (e->be[s]->memset(g[k], 0x55, bytes[k]))
				return sgs_error_prefix("memset gradients");
	}
	return 0;
}

static int project_backward_run(struct op_env *e, int side)
{
	struct scene *sc = e->shared;
	struct side *s = &sc->s[side];
	return e->be[side]->project_backward(e->ctx[side], &s->grad, &sc->dcam[side], s->acc,
					     s->cnt);
}

/* Compare every parameter gradient. */
static void check_param_grads(const struct op_env *e, const struct sgs_gaussians *c,
			      const struct sgs_gaussians *gp, double thr)
{
	size_t n = c->n;
	int K = sgs_sh_coeffs(c->sh_degree);
	check_rel(e, "d means", rel_err(c->means, gp->means, n, 3, NULL, 0.0), thr);
	check_rel(e, "d log_scales", rel_err(c->log_scales, gp->log_scales, n, 3, NULL, 0.0), thr);
	check_rel(e, "d quats", rel_err(c->quats, gp->quats, n, 4, NULL, 0.0), thr);
	check_rel(e, "d opacity", rel_err(c->opacity, gp->opacity, n, 1, NULL, 0.0), thr);
	check_rel(e, "d sh", rel_err(c->sh, gp->sh, n, 3 * K, NULL, 0.0), thr);
}

/* Both sides' parameter gradients and pose gradients. */
static int compare_grads(struct op_env *e, double thr)
{
	struct scene *sc = e->shared;
	struct sgs_gaussians h[2] = {{0}, {0}};
	int rc = 0;
	if (fetch_gaussians(e->be[CPU], &sc->s[CPU].grad, &h[CPU]) ||
	    fetch_gaussians(e->be[GPU], &sc->s[GPU].grad, &h[GPU]))
		rc = fail(e, "fetch gradients");
	else
		check_param_grads(e, &h[CPU], &h[GPU], thr);
	free_host_gaussians(&h[CPU]);
	free_host_gaussians(&h[GPU]);
	float pose[2][12];
	for (int s = 0; s < 2; s++) {
		memcpy(pose[s], sc->dcam[s].dR, 9 * 4);
		memcpy(pose[s] + 9, sc->dcam[s].dt, 3 * 4);
	}
	if (!rc)
		check_rel(e, "pose (dR, dt)", rel_err(pose[CPU], pose[GPU], 1, 12, NULL, 0.0), thr);
	return rc;
}

static int project_backward_compare(struct op_env *e)
{
	struct scene *sc = e->shared;
	const size_t n = e->v->n;
	if (compare_grads(e, TOL_GRAD))
		return -1;
	float *acc[2], *cnt[2];
	for (int s = 0; s < 2; s++) {
		acc[s] = fetch(e->be[s], sc->s[s].acc, n * 4);
		cnt[s] = fetch(e->be[s], sc->s[s].cnt, n * 4);
	}
	int rc = 0;
	if (!acc[CPU] || !acc[GPU] || !cnt[CPU] || !cnt[GPU]) {
		rc = fail(e, "fetch grad2d");
	} else {
		check_rel(e, "grad2d_accum", rel_err(acc[CPU], acc[GPU], n, 1, NULL, 0.0),
			  TOL_GRAD);
		check_rel(e, "grad2d_count", rel_err(cnt[CPU], cnt[GPU], n, 1, NULL, 0.0), 0.0);
	}
	for (int s = 0; s < 2; s++)
		free(acc[s]), free(cnt[s]);
	return rc;
}

/* ======== row render_chain: the whole render, each backend on its own ======== */

static int render_chain_run(struct op_env *e, int side)
{
	struct scene *sc = e->shared;
	struct side *s = &sc->s[side];
	struct sgs_render_dout dout = {s->drgb, s->dalpha, s->ddepth};
	struct sgs_raster_ctx *ctx = e->ctx[side];
	return sgs_render(ctx, &s->g, &sc->cam, &sc->opts, &s->out) ||
			       sgs_render_backward(ctx, &dout, &s->grad, sc->dbg[side],
						   &sc->dcam[side], NULL, NULL)
		       ? -1
		       : 0;
}

static int render_chain_compare(struct op_env *e)
{
	struct scene *sc = e->shared;
	const size_t np = (size_t)e->v->w * e->v->h;
	float *cd = fetch(e->be[CPU], sc->s[CPU].out.rgb, 3 * np * 4);
	float *gd = fetch(e->be[GPU], sc->s[GPU].out.rgb, 3 * np * 4);
	int rc = 0;
	if (!cd || !gd)
		rc = fail(e, "fetch image");
	else
		check_img(e, "rgb", cd, gd, 3 * np, 1.0, TOL_CHAIN_DB, TOL_IMG_MAX);
	free(cd);
	free(gd);
	if (rc || compare_grads(e, TOL_CHAIN_GRAD))
		return -1;
	check_rel(e, "dL/dbg", rel_err(sc->dbg[CPU], sc->dbg[GPU], 1, 3, NULL, 0.0),
		  TOL_CHAIN_GRAD);
	diag("[%s] pairs: cpu %u, cuda %u", e->v->name, e->ctx[CPU]->n_isect,
	     e->ctx[GPU]->n_isect);
	return 0;
}

/* ================= row loss_l1_ssim ================= */

struct loss_io {
	float *img[2], *gt[2], *dimg[2];
	double terms[2][4];
};

static int loss_setup(struct op_env *e)
{
	const struct variant *v = e->v;
	const size_t n = (size_t)3 * v->w * v->h;
	struct loss_io *io = calloc(1, sizeof *io);
	float *img = malloc(n * sizeof(float)), *gt = malloc(n * sizeof(float));
	int err = !(e->own = io) || !img || !gt;
	if (!err) {
		for (size_t i = 0; i < n; i++) {
			size_t px = i / 3;
			double base =
				0.5 + 0.3 * sin(0.05 * (px % v->w)) * cos(0.07 * (px / v->w));
			img[i] = (float)(base + 0.2 * (urand() - 0.5));
			gt[i] = (float)(base + 0.3 * (urand() - 0.5));
		}
		for (int s = 0; s < 2; s++) {
			io->img[s] = side_buf(e->be[s], img, n * sizeof(float), &err);
			io->gt[s] = side_buf(e->be[s], gt, n * sizeof(float), &err);
			io->dimg[s] = side_buf(e->be[s], NULL, n * sizeof(float), &err);
		}
	}
	free(img);
	free(gt);
	return err ? sgs_error_prefix("loss inputs") : 0;
}

static int loss_run(struct op_env *e, int side)
{
	struct loss_io *io = e->own;
	const struct variant *v = e->v;
	return e->be[side]->train.loss_l1_ssim(io->img[side], io->gt[side], v->w, v->h, v->x,
					       io->dimg[side], io->terms[side]);
}

static int loss_compare(struct op_env *e)
{
	const struct loss_io *io = e->own;
	const struct variant *v = e->v;
	const size_t n = (size_t)3 * v->w * v->h;
	const double *tc = io->terms[CPU], *tg = io->terms[GPU];
	double terr = 0;
	for (int k = 0; k < 4; k++) {
		double d = fabs(tg[k] - tc[k]) / fmax(fabs(tc[k]), 1e-12);
		terr = isnan(d) ? INFINITY : fmax(terr, d);
	}
	diag("[%s] cuda L1 %.8f SSIM %.8f MSE %.8f L %.8f", v->name, tg[0], tg[1], tg[2], tg[3]);
	check_below(e, "terms (L1, SSIM, MSE, L)", terr, TOL_LOSS);
	float *dc = fetch(e->be[CPU], io->dimg[CPU], n * sizeof(float));
	float *dg = fetch(e->be[GPU], io->dimg[GPU], n * sizeof(float));
	int rc = 0;
	if (!dc || !dg)
		rc = fail(e, "fetch dL/dimg");
	else
		check_below(e, "dL/dimg, of its largest magnitude",
			    rel_err(dc, dg, n, 1, NULL, 1e-30), TOL_LOSS_GRAD);
	free(dc);
	free(dg);
	return rc;
}

static void loss_free(struct op_env *e)
{
	struct loss_io *io = e->own;
	if (io)
		for (int s = 0; s < 2; s++) {
			e->be[s]->free(io->img[s]);
			e->be[s]->free(io->gt[s]);
			e->be[s]->free(io->dimg[s]);
		}
	free_own(e);
}

/* ================= row adam ================= */

struct adam_io {
	float *p[2], *g[2], *m[2], *v[2];
};

static const struct sgs_adam_hp adam_hp = {1.6e-4f, 1e-5f, 48, 3, 0.9f, 0.999f, 1e-15f, 7};

static int adam_setup(struct op_env *e)
{
	const size_t n = e->v->n;
	struct adam_io *io = calloc(1, sizeof *io);
	float *p = malloc(n * 4), *g = malloc(n * 4), *m = malloc(n * 4), *v = malloc(n * 4);
	int err = !(e->own = io) || !p || !g || !m || !v;
	if (!err) {
		for (size_t i = 0; i < n; i++) {
			p[i] = (float)(urand() * 4 - 2);
			g[i] = (float)((urand() - 0.5) * 1e-3);
			m[i] = (float)((urand() - 0.5) * 1e-3);
			v[i] = (float)(urand() * 1e-6);
		}
		for (int s = 0; s < 2; s++) {
			io->p[s] = side_buf(e->be[s], p, n * 4, &err);
			io->g[s] = side_buf(e->be[s], g, n * 4, &err);
			io->m[s] = side_buf(e->be[s], m, n * 4, &err);
			io->v[s] = side_buf(e->be[s], v, n * 4, &err);
		}
	}
	free(p), free(g), free(m), free(v);
	return err ? sgs_error_prefix("adam inputs") : 0;
}

static int adam_run(struct op_env *e, int side)
{
	struct adam_io *io = e->own;
	return e->be[side]->train.adam(io->p[side], io->g[side], io->m[side], io->v[side], e->v->n,
				       &adam_hp);
}

static int adam_compare(struct op_env *e)
{
	const struct adam_io *io = e->own;
	const size_t n = e->v->n;
	float *h[2][3];
	int bad = 0;
	for (int s = 0; s < 2; s++) {
		h[s][0] = fetch(e->be[s], io->p[s], n * 4);
		h[s][1] = fetch(e->be[s], io->m[s], n * 4);
		h[s][2] = fetch(e->be[s], io->v[s], n * 4);
		bad |= !h[s][0] || !h[s][1] || !h[s][2];
	}
	if (bad) {
		fail(e, "fetch outputs");
	} else {
		const float *pc = h[CPU][0], *pg = h[GPU][0];
		double ep = 0;
		for (size_t i = 0; i < n; i++) {
			double d = fabs((double)pg[i] - pc[i]) / fmax(1.0, fabs(pc[i]));
			ep = isnan(d) ? INFINITY : fmax(ep, d);
		}
		check_below(e, "p (relative to max(1, |p|))", ep, TOL_ADAM);
		check_below(e, "m", rel_err(h[CPU][1], h[GPU][1], n, 1, NULL, 1e-30), TOL_ADAM);
		check_below(e, "v", rel_err(h[CPU][2], h[GPU][2], n, 1, NULL, 1e-30), TOL_ADAM);
	}
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 3; k++)
			free(h[s][k]);
	return bad ? -1 : 0;
}

static void adam_free(struct op_env *e)
{
	struct adam_io *io = e->own;
	if (io)
		for (int s = 0; s < 2; s++) {
			e->be[s]->free(io->p[s]), e->be[s]->free(io->g[s]);
			e->be[s]->free(io->m[s]), e->be[s]->free(io->v[s]);
		}
	free_own(e);
}

/* ================= row loss_depth_pearson ================= */

struct depth_io {
	float *d[2], *prior[2], *conf[2], *grad[2];
	double value[2];
};

static int depth_setup(struct op_env *e)
{
	const size_t n = e->v->n;
	struct depth_io *io = calloc(1, sizeof *io);
	float *d = malloc(n * 4), *y = malloc(n * 4), *c = malloc(n * 4), *g = malloc(n * 4);
	int err = !(e->own = io) || !d || !y || !c || !g;
	if (!err) {
		/* a prior correlated with the depth, holes and graded confidence */
		for (size_t i = 0; i < n; i++) {
			double t = urand();
			d[i] = (float)(2.0 + 6.0 * t + 0.5 * urand());
			y[i] = urand() < 0.1 ? 0.0f : (float)(1.0 + 3.0 * t + urand());
			c[i] = urand() < 0.1 ? 0.0f : (float)urand();
			g[i] = (float)(urand() - 0.5);
		}
		for (int s = 0; s < 2; s++) {
			io->d[s] = side_buf(e->be[s], d, n * 4, &err);
			io->prior[s] = side_buf(e->be[s], y, n * 4, &err);
			io->conf[s] = side_buf(e->be[s], c, n * 4, &err);
			io->grad[s] = side_buf(e->be[s], g, n * 4, &err);
		}
	}
	free(d), free(y), free(c), free(g);
	return err ? sgs_error_prefix("depth loss inputs") : 0;
}

static int depth_run(struct op_env *e, int side)
{
	struct depth_io *io = e->own;
	return e->be[side]->train.loss_depth_pearson(io->d[side], io->prior[side], io->conf[side],
						     e->v->n, 0.7f, io->grad[side],
						     &io->value[side]);
}

static int depth_compare(struct op_env *e)
{
	const struct depth_io *io = e->own;
	const size_t n = e->v->n;
	float *h[2];
	for (int s = 0; s < 2; s++)
		h[s] = fetch(e->be[s], io->grad[s], n * 4);
	int bad = !h[0] || !h[1];
	if (bad) {
		fail(e, "fetch outputs");
	} else {
		double dv = fabs(io->value[GPU] - io->value[CPU]) / fmax(1e-12, fabs(io->value[CPU]));
		check_below(e, "value", dv, TOL_LOSS);
		check_rel(e, "ddepth (accumulated)", rel_err(h[CPU], h[GPU], n, 1, NULL, 0.0),
			  TOL_LOSS_GRAD);
	}
	free(h[0]), free(h[1]);
	return bad ? -1 : 0;
}

static void depth_free(struct op_env *e)
{
	struct depth_io *io = e->own;
	if (io)
		for (int s = 0; s < 2; s++) {
			e->be[s]->free(io->d[s]), e->be[s]->free(io->prior[s]);
			e->be[s]->free(io->conf[s]), e->be[s]->free(io->grad[s]);
		}
	free_own(e);
}

/* ================= rows loss_depth_patch ... loss_depth_smooth ================= */

/* The local depth terms share their maps (the set's setup): a depth of
 * slanted regions with noise, a prior of the same regions with its own
 * scale, noise and holes, graded confidence with zeros, an image with
 * edges on the regions; each row adds its gradient to its own buffer,
 * which starts from small random values, and the compare takes what it
 * added. */
struct dmaps {
	float *d[2], *prior[2], *conf[2], *img[2];
	float *g0; /* host: the gradient buffers' start */
};

static int dmaps_setup(struct op_env *e)
{
	const struct variant *v = e->v;
	const size_t n = (size_t)v->w * v->h;
	struct dmaps *dm = calloc(1, sizeof *dm);
	float *d = malloc(n * 4), *y = malloc(n * 4), *c = malloc(n * 4), *im = malloc(3 * n * 4);
	int err = !(e->shared = dm) || !d || !y || !c || !im || !(dm->g0 = malloc(n * 4));
	if (!err) {
		for (size_t i = 0; i < n; i++) {
			int x = (int)(i % v->w), yy = (int)(i / v->w);
			int region = x / 23 + 3 * (yy / 19) + (x + yy) / 41;
			d[i] = (float)(2.0 + 0.6 * region + 0.01 * x + 0.005 * yy + 0.05 * urand());
			y[i] = urand() < 0.08 ? 0.0f
					      : (float)(8.0 + 1.5 * region + 2e-3 * urand() +
							(urand() < 0.2 ? 0.4 * urand() : 0.0));
			c[i] = urand() < 0.08 ? 0.0f : (float)urange(0.1, 1.0);
			for (int k = 0; k < 3; k++)
				im[3 * i + k] = (float)(0.07 * region + 0.1 * k + 0.05 * urand());
			dm->g0[i] = (float)urange(-1e-3, 1e-3);
		}
		for (int s = 0; s < 2; s++) {
			dm->d[s] = side_buf(e->be[s], d, n * 4, &err);
			dm->prior[s] = side_buf(e->be[s], y, n * 4, &err);
			dm->conf[s] = side_buf(e->be[s], c, n * 4, &err);
			dm->img[s] = side_buf(e->be[s], im, 3 * n * 4, &err);
		}
	}
	free(d), free(y), free(c), free(im);
	return err ? sgs_error_prefix("depth maps") : 0;
}

static void dmaps_free(struct op_env *e)
{
	struct dmaps *dm = e->shared;
	if (!dm)
		return;
	for (int s = 0; s < 2; s++) {
		e->be[s]->free(dm->d[s]), e->be[s]->free(dm->prior[s]);
		e->be[s]->free(dm->conf[s]), e->be[s]->free(dm->img[s]);
	}
	free(dm->g0);
	free(dm);
	e->shared = NULL;
}

struct dterm_io {
	float *grad[2];
	double value[2];
};

static int dterm_setup(struct op_env *e)
{
	const struct dmaps *dm = e->shared;
	struct dterm_io *io = calloc(1, sizeof *io);
	int err = !(e->own = io);
	for (int s = 0; s < 2 && !err; s++)
		io->grad[s] = side_buf(e->be[s], dm->g0, (size_t)e->v->w * e->v->h * 4, &err);
	return err ? sgs_error_prefix("depth term gradient") : 0;
}

#define DTERM_WEIGHT 0.7f
#define DTERM_SEED 7
#define DTERM_ITER 123

static struct sgs_depth_patches dterm_patches(const struct op_env *e)
{
	struct sgs_depth_patches p = {e->v->w, e->v->h, (int)e->v->n, DTERM_SEED, DTERM_ITER};
	return p;
}

static int dpatch_run(struct op_env *e, int side)
{
	const struct dmaps *dm = e->shared;
	struct dterm_io *io = e->own;
	struct sgs_depth_patches p = dterm_patches(e);
	return e->be[side]->train.loss_depth_patch(dm->d[side], dm->prior[side], dm->conf[side], &p,
						   DTERM_WEIGHT, io->grad[side], &io->value[side]);
}

static int drelative_run(struct op_env *e, int side)
{
	const struct dmaps *dm = e->shared;
	struct dterm_io *io = e->own;
	struct sgs_depth_patches p = dterm_patches(e);
	return e->be[side]->train.loss_depth_relative(dm->d[side], dm->prior[side], dm->conf[side],
						      &p, DTERM_WEIGHT, io->grad[side],
						      &io->value[side]);
}

static int drank_run(struct op_env *e, int side)
{
	const struct dmaps *dm = e->shared;
	struct dterm_io *io = e->own;
	struct sgs_depth_rank p = {e->v->w, e->v->h, 3, 4, 0.01f, 0.02f, DTERM_SEED, DTERM_ITER};
	return e->be[side]->train.loss_depth_rank(dm->d[side], dm->prior[side], dm->conf[side], &p,
						  DTERM_WEIGHT, io->grad[side], &io->value[side]);
}

static int dcontinuity_run(struct op_env *e, int side)
{
	const struct dmaps *dm = e->shared;
	struct dterm_io *io = e->own;
	return e->be[side]->train.loss_depth_continuity(dm->d[side], dm->prior[side],
							dm->conf[side], e->v->w, e->v->h, 0.01f,
							DTERM_WEIGHT, io->grad[side],
							&io->value[side]);
}

/* variant deg 1: weighted by the confidence map */
static int dsmooth_run(struct op_env *e, int side)
{
	const struct dmaps *dm = e->shared;
	struct dterm_io *io = e->own;
	return e->be[side]->train.loss_depth_smooth(dm->d[side], dm->img[side],
						    e->v->deg ? dm->conf[side] : NULL, e->v->w,
						    e->v->h, 10.0f, DTERM_WEIGHT, io->grad[side],
						    &io->value[side]);
}

static int dterm_compare(struct op_env *e)
{
	const struct dmaps *dm = e->shared;
	const struct dterm_io *io = e->own;
	const size_t n = (size_t)e->v->w * e->v->h;
	float *h[2];
	for (int s = 0; s < 2; s++)
		h[s] = fetch(e->be[s], io->grad[s], n * 4);
	int bad = !h[0] || !h[1];
	if (bad) {
		fail(e, "fetch outputs");
	} else {
		for (int s = 0; s < 2; s++)
			for (size_t i = 0; i < n; i++)
				h[s][i] -= dm->g0[i];
		diag("[%s] %s: cpu L %.9f, cuda L %.9f", e->v->name, e->row->name, io->value[CPU],
		     io->value[GPU]);
		double dv = fabs(io->value[GPU] - io->value[CPU]) / fmax(1e-12, fabs(io->value[CPU]));
		check_below(e, "value", dv, TOL_LOSS);
		check_rel(e, "ddepth (added)", rel_err(h[CPU], h[GPU], n, 1, NULL, 0.0),
			  TOL_LOSS_GRAD);
	}
	free(h[0]), free(h[1]);
	return bad ? -1 : 0;
}

static void dterm_free(struct op_env *e)
{
	struct dterm_io *io = e->own;
	if (io)
		for (int s = 0; s < 2; s++)
			e->be[s]->free(io->grad[s]);
	free_own(e);
}

/* ================= row loss_warp ================= */

/* Warp consistency on the depth maps' depth (2 to about 10) and image (the
 * train image): a random virtual image, a shift of 20 pixels x depth
 * (to the left; to the right on the weighted variant), so most pixels
 * take part and some do not; dvirt is written, ddepth added to g0. */
struct warp_io {
	float *virt[2], *dvirt[2], *grad[2];
	double value[2], valid[2];
};

static int warp_setup(struct op_env *e)
{
	const struct dmaps *dm = e->shared;
	const size_t n = (size_t)e->v->w * e->v->h;
	struct warp_io *io = calloc(1, sizeof *io);
	float *v = malloc(3 * n * 4);
	int err = !(e->own = io) || !v;
	for (size_t i = 0; !err && i < 3 * n; i++)
		v[i] = (float)urand();
	for (int s = 0; s < 2 && !err; s++) {
		io->virt[s] = side_buf(e->be[s], v, 3 * n * 4, &err);
		io->dvirt[s] = side_buf(e->be[s], v, 3 * n * 4, &err);
		io->grad[s] = side_buf(e->be[s], dm->g0, n * 4, &err);
	}
	free(v);
	return err ? sgs_error_prefix("warp inputs") : 0;
}

static int warp_run(struct op_env *e, int side)
{
	const struct dmaps *dm = e->shared;
	struct warp_io *io = e->own;
	struct sgs_warp_params p = {e->v->w, e->v->h, e->v->deg ? -20.0f : 20.0f, 0.2f, DTERM_WEIGHT};
	return e->be[side]->train.loss_warp(io->virt[side], dm->d[side], dm->img[side], &p,
					    io->dvirt[side], io->grad[side], &io->value[side],
					    &io->valid[side]);
}

static int warp_compare(struct op_env *e)
{
	const struct dmaps *dm = e->shared;
	const struct warp_io *io = e->own;
	const size_t n = (size_t)e->v->w * e->v->h;
	float *g[2], *dv[2];
	for (int s = 0; s < 2; s++) {
		g[s] = fetch(e->be[s], io->grad[s], n * 4);
		dv[s] = fetch(e->be[s], io->dvirt[s], 3 * n * 4);
	}
	int bad = !g[0] || !g[1] || !dv[0] || !dv[1];
	if (bad) {
		fail(e, "fetch outputs");
	} else {
		for (int s = 0; s < 2; s++)
			for (size_t i = 0; i < n; i++)
				g[s][i] -= dm->g0[i];
		diag("[%s] %s: cpu L %.9f over %.0f pixels, cuda L %.9f over %.0f", e->v->name,
		     e->row->name, io->value[CPU], io->valid[CPU], io->value[GPU], io->valid[GPU]);
		double dv_rel = fabs(io->value[GPU] - io->value[CPU]) / fmax(1e-12, fabs(io->value[CPU]));
		check_below(e, "value", dv_rel, TOL_LOSS);
		check_rel(e, "pixels taking part", fabs(io->valid[GPU] - io->valid[CPU]), 0.0);
		check_rel(e, "dvirt (written)", rel_err(dv[CPU], dv[GPU], 3 * n, 1, NULL, 0.0),
			  TOL_LOSS_GRAD);
		check_rel(e, "ddepth (added)", rel_err(g[CPU], g[GPU], n, 1, NULL, 0.0),
			  TOL_LOSS_GRAD);
	}
	free(g[0]), free(g[1]), free(dv[0]), free(dv[1]);
	return bad ? -1 : 0;
}

static void warp_free(struct op_env *e)
{
	struct warp_io *io = e->own;
	if (io)
		for (int s = 0; s < 2; s++) {
			e->be[s]->free(io->virt[s]);
			e->be[s]->free(io->dvirt[s]);
			e->be[s]->free(io->grad[s]);
		}
	free_own(e);
}

/* ================= rows mvs_cost, mvs_cost_planes ================= */

/* Two views of a textured scene: grey images of smooth random blobs (the
 * source a warped, re-rendered copy is not needed: the op only has to
 * agree with the CPU, whatever the match), a small rotation and baseline,
 * hypotheses spread over the depths the pair resolves. */
struct mvs_io {
	float *ref[2], *src[2], *cost[2];
	float *planes[2]; /* mvs_cost_planes only */
	struct sgs_mvs_pair pair;
	float depths[SGS_MVS_MAX_DEPTHS];
};

static void blob_image(float *img, int w, int h)
{
	double cx[12], cy[12], a[12], s[12];
	for (int k = 0; k < 12; k++) {
		cx[k] = urange(0, w), cy[k] = urange(0, h);
		a[k] = urange(-0.4, 0.4), s[k] = urange(2, 8);
	}
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double v = 0.5 + 0.1 * sin(0.7 * x + 0.3 * y);
			for (int k = 0; k < 12; k++) {
				double dx = x - cx[k], dy = y - cy[k];
				v += a[k] * exp(-(dx * dx + dy * dy) / (2 * s[k] * s[k]));
			}
			img[y * w + x] = (float)v;
		}
}

static int mvs_setup(struct op_env *e)
{
	const struct variant *v = e->v;
	const size_t npix = (size_t)v->w * v->h;
	struct mvs_io *io = calloc(1, sizeof *io);
	float *ref = malloc(npix * sizeof(float)), *src = malloc(npix * sizeof(float));
	int err = !(e->own = io) || !ref || !src;
	if (!err) {
		struct sgs_mvs_pair *p = &io->pair;
		blob_image(ref, v->w, v->h);
		blob_image(src, v->w, v->h);
		const float K[4] = {1.1f * v->w, 1.1f * v->w, 0.5f * v->w, 0.5f * v->h};
		const double ang = urange(-0.1, 0.1);
		const float R[9] = {(float)cos(ang), 0, (float)sin(ang), 0, 1, 0,
				    (float)-sin(ang), 0, (float)cos(ang)};
		memcpy(p->R, R, sizeof R);
		p->t[0] = (float)urange(-0.5, -0.2), p->t[1] = (float)urange(-0.05, 0.05);
		p->t[2] = (float)urange(-0.05, 0.05);
		memcpy(p->ref_K, K, sizeof K);
		memcpy(p->src_K, K, sizeof K);
		p->ref_w = p->src_w = v->w, p->ref_h = p->src_h = v->h;
		p->radius = v->deg;
		p->sigma_color = v->x, p->sigma_space = v->x > 0 ? (float)v->deg : 0.0f;
		for (uint32_t k = 0; k < v->n; k++) /* uniform in 1/depth over 2..10 */
			io->depths[k] = 1.0f / (0.5f - 0.4f * (float)k / (float)(v->n - 1));
		for (int s = 0; s < 2; s++) {
			io->ref[s] = side_buf(e->be[s], ref, npix * sizeof(float), &err);
			io->src[s] = side_buf(e->be[s], src, npix * sizeof(float), &err);
			io->cost[s] = side_buf(e->be[s], NULL, v->n * npix * sizeof(float), &err);
		}
	}
	free(ref);
	free(src);
	return err ? sgs_error_prefix("mvs_cost inputs") : 0;
}

static int mvs_run(struct op_env *e, int side)
{
	struct mvs_io *io = e->own;
	struct sgs_mvs_pair p = io->pair;
	p.ref = io->ref[side], p.src = io->src[side];
	return e->be[side]->mvs_cost(&p, io->depths, (int)e->v->n, io->cost[side]);
}

/* mvs_cost_planes: the same pairs, one plane per pixel and candidate:
 * tilted up to ~30 degrees round the hypotheses' depths, one in 50 with
 * c = 0 (no plane: invalid). */
static int mvs_planes_setup(struct op_env *e)
{
	if (mvs_setup(e))
		return -1;
	struct mvs_io *io = e->own;
	const struct variant *v = e->v;
	const size_t npix = (size_t)v->w * v->h, count = (size_t)v->n * npix;
	float *pl = malloc(count * 4 * sizeof(float));
	int err = !pl;
	for (size_t i = 0; !err && i < count; i++) {
		double a = urange(-0.5, 0.5), b = urange(-0.5, 0.5), l = sqrt(a * a + b * b + 1);
		double d = io->depths[i / npix] * urange(0.9, 1.1);
		pl[4 * i] = (float)(a / l), pl[4 * i + 1] = (float)(b / l);
		pl[4 * i + 2] = (float)(1 / l);
		pl[4 * i + 3] = urand() < 0.02 ? 0.0f : (float)(d / l);
	}
	for (int s = 0; !err && s < 2; s++)
		io->planes[s] = side_buf(e->be[s], pl, count * 4 * sizeof(float), &err);
	free(pl);
	return err ? sgs_error_prefix("mvs_cost_planes inputs") : 0;
}

static int mvs_planes_run(struct op_env *e, int side)
{
	struct mvs_io *io = e->own;
	struct sgs_mvs_pair p = io->pair;
	p.ref = io->ref[side], p.src = io->src[side];
	return e->be[side]->mvs_cost_planes(&p, io->planes[side], (int)e->v->n, io->cost[side]);
}

static int mvs_compare(struct op_env *e)
{
	const struct mvs_io *io = e->own;
	const size_t count = (size_t)e->v->n * e->v->w * e->v->h;
	float *c = fetch(e->be[CPU], io->cost[CPU], count * sizeof(float));
	float *g = fetch(e->be[GPU], io->cost[GPU], count * sizeof(float));
	int rc = 0;
	if (!c || !g) {
		rc = fail(e, "fetch costs");
	} else {
		size_t diff = 0, invalid = 0;
		double worst = 0;
		for (size_t i = 0; i < count; i++) {
			double d = fabs((double)c[i] - g[i]);
			diff += !(d <= TOL_MVS);
			invalid += c[i] == SGS_MVS_COST_INVALID;
			if (d <= TOL_MVS && d > worst)
				worst = d;
		}
		diag("[%s] %zu of %zu costs invalid on the cpu; largest agreeing difference %.3g",
		     e->v->name, invalid, count, worst);
		ok(invalid < count, "%s [%s] some costs are scored", e->row->name, e->v->name);
		check_discrete(e, "costs differing by more than " STR(TOL_MVS), diff, count,
			       TOL_MVS_SHARE);
	}
	free(c);
	free(g);
	return rc;
}

static void mvs_free(struct op_env *e)
{
	struct mvs_io *io = e->own;
	if (io)
		for (int s = 0; s < 2; s++) {
			e->be[s]->free(io->ref[s]);
			e->be[s]->free(io->src[s]);
			e->be[s]->free(io->cost[s]);
			if (io->planes[s])
				e->be[s]->free(io->planes[s]);
		}
	free_own(e);
}

/* ================= row update_max_radii ================= */

struct radii_io {
	struct sgs_raster_ctx ctx[2]; /* only g.n and radii */
	float *max_radii[2];
};

static int radii_setup(struct op_env *e)
{
	const uint32_t n = e->v->n;
	struct radii_io *io = calloc(1, sizeof *io);
	int32_t *radii = malloc(n * 4);
	float *mr = malloc(n * 4);
	int err = !(e->own = io) || !radii || !mr;
	if (!err) {
		for (uint32_t i = 0; i < n; i++) {
			radii[i] = (int32_t)(urand() * 40) * (i % 3 != 0);
			mr[i] = (float)(int)(urand() * 30);
		}
		for (int s = 0; s < 2; s++) {
			io->ctx[s].g.n = n;
			io->ctx[s].radii = side_buf(e->be[s], radii, n * 4, &err);
			io->max_radii[s] = side_buf(e->be[s], mr, n * 4, &err);
		}
	}
	free(radii), free(mr);
	return err ? sgs_error_prefix("update_max_radii inputs") : 0;
}

static int radii_run(struct op_env *e, int side)
{
	struct radii_io *io = e->own;
	return e->be[side]->train.update_max_radii(io->max_radii[side], &io->ctx[side]);
}

static int radii_compare(struct op_env *e)
{
	const struct radii_io *io = e->own;
	const uint32_t n = e->v->n;
	float *c = fetch(e->be[CPU], io->max_radii[CPU], n * 4);
	float *g = fetch(e->be[GPU], io->max_radii[GPU], n * 4);
	int rc = 0;
	if (!c || !g) {
		rc = fail(e, "fetch outputs");
	} else {
		size_t d = count_diff_bytes(c, g, n, 4);
		note((double)d, 0.0);
		ok(d == 0, "update_max_radii [%s] identical: %zu of %u differ", e->v->name, d, n);
	}
	free(c), free(g);
	return rc;
}

static void radii_free(struct op_env *e)
{
	struct radii_io *io = e->own;
	if (io)
		for (int s = 0; s < 2; s++) {
			e->be[s]->free(io->ctx[s].radii);
			e->be[s]->free(io->max_radii[s]);
		}
	free_own(e);
}

/* ================= row reset_opacity ================= */

/* A bare state: only opacity and its moments matter. */
struct reset_io {
	struct sgs_train_state st[2];
};

static int reset_setup(struct op_env *e)
{
	const uint32_t n = e->v->n;
	struct reset_io *io = calloc(1, sizeof *io);
	float *o = malloc(n * 4), *mo = malloc(n * 4);
	int err = !(e->own = io) || !o || !mo;
	if (!err) {
		for (uint32_t i = 0; i < n; i++) {
			o[i] = (float)(urand() * 12 - 6);
			mo[i] = 1.0f;
		}
		for (int s = 0; s < 2; s++) {
			struct sgs_train_state *st = &io->st[s];
			st->params.n = n;
			st->params.opacity = side_buf(e->be[s], o, n * 4, &err);
			st->m.opacity = side_buf(e->be[s], mo, n * 4, &err);
			st->v.opacity = side_buf(e->be[s], mo, n * 4, &err);
		}
	}
	free(o), free(mo);
	return err ? sgs_error_prefix("reset_opacity inputs") : 0;
}

static int reset_run(struct op_env *e, int side)
{
	struct reset_io *io = e->own;
	return e->be[side]->train.reset_opacity(&io->st[side], 0.01f);
}

static int reset_compare(struct op_env *e)
{
	const struct reset_io *io = e->own;
	const uint32_t n = e->v->n;
	float *h[2][3];
	int bad = 0;
	for (int s = 0; s < 2; s++) {
		h[s][0] = fetch(e->be[s], io->st[s].params.opacity, n * 4);
		h[s][1] = fetch(e->be[s], io->st[s].m.opacity, n * 4);
		h[s][2] = fetch(e->be[s], io->st[s].v.opacity, n * 4);
		bad |= !h[s][0] || !h[s][1] || !h[s][2];
	}
	if (bad) {
		fail(e, "fetch outputs");
	} else {
		int zero = 1;
		for (int s = 0; s < 2; s++)
			for (uint32_t i = 0; i < n; i++)
				zero &= h[s][1][i] == 0 && h[s][2][i] == 0;
		size_t d = count_diff_bytes(h[CPU][0], h[GPU][0], n, 4);
		note((double)d + !zero, 0.0);
		ok(d == 0 && zero,
		   "reset_opacity [%s] identical (%zu of %u differ), opacity moments zero: %s",
		   e->v->name, d, n, zero ? "yes" : "no");
	}
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 3; k++)
			free(h[s][k]);
	return bad ? -1 : 0;
}

static void reset_free(struct op_env *e)
{
	struct reset_io *io = e->own;
	if (io)
		for (int s = 0; s < 2; s++) {
			e->be[s]->free(io->st[s].params.opacity);
			e->be[s]->free(io->st[s].m.opacity);
			e->be[s]->free(io->st[s].v.opacity);
		}
	free_own(e);
}

/* ================= row decay_opacity (on reset_opacity's inputs) ================= */

static int decay_run(struct op_env *e, int side)
{
	struct reset_io *io = e->own;
	return e->be[side]->train.decay_opacity(&io->st[side], 0.995f);
}

/* Computed in double on both sides: equal but for a rare last bit. */
static int decay_compare(struct op_env *e)
{
	const struct reset_io *io = e->own;
	const uint32_t n = e->v->n;
	float *h[2][2];
	int bad = 0;
	for (int s = 0; s < 2; s++) {
		h[s][0] = fetch(e->be[s], io->st[s].params.opacity, n * 4);
		h[s][1] = fetch(e->be[s], io->st[s].m.opacity, n * 4);
		bad |= !h[s][0] || !h[s][1];
	}
	if (bad) {
		fail(e, "fetch outputs");
	} else {
		int kept = 1;
		for (int s = 0; s < 2; s++)
			for (uint32_t i = 0; i < n; i++)
				kept &= h[s][1][i] == 1.0f;
		ok(kept, "decay_opacity [%s] moments kept", e->v->name);
		check_below(e, "opacity logits", rel_err(h[CPU][0], h[GPU][0], n, 1, NULL, 1.0),
			    TOL_ADAM);
	}
	for (int s = 0; s < 2; s++)
		free(h[s][0]), free(h[s][1]);
	return bad ? -1 : 0;
}

/* ================= row add_scaled (on reset_opacity's inputs) ================= */

static int add_scaled_run(struct op_env *e, int side)
{
	struct reset_io *io = e->own;
	const struct sgs_train_state *st = &io->st[side];
	return e->be[side]->train.add_scaled(st->params.opacity, st->m.opacity, e->v->n, 0.37f);
}

/* Product rounded before the sum on both sides: identical. */
static int add_scaled_compare(struct op_env *e)
{
	const struct reset_io *io = e->own;
	const uint32_t n = e->v->n;
	float *h[2];
	for (int s = 0; s < 2; s++)
		h[s] = fetch(e->be[s], io->st[s].params.opacity, n * 4);
	int bad = !h[0] || !h[1];
	if (bad) {
		fail(e, "fetch outputs");
	} else {
		size_t d = count_diff_bytes(h[CPU], h[GPU], n, 4);
		note((double)d, 0.0);
		ok(d == 0, "add_scaled [%s] identical (%zu of %u differ)", e->v->name, d, n);
	}
	free(h[0]), free(h[1]);
	return bad ? -1 : 0;
}

/* ================= row reg_scale ================= */

struct scale_io {
	struct sgs_train_state st[2]; /* log-scales and their gradients only */
	double value[2];
};

static const struct sgs_scale_reg scale_p = {0.5f, 10.0f, 0.3f, 0.1f};

static int scale_setup(struct op_env *e)
{
	const uint32_t n = e->v->n;
	struct scale_io *io = calloc(1, sizeof *io);
	float *ls = malloc(3 * n * 4), *g = malloc(3 * n * 4);
	int err = !(e->own = io) || !ls || !g;
	if (!err) {
		/* scales 0.002 to 0.5: ratios to 250, some past the largest */
		for (uint32_t i = 0; i < 3 * n; i++) {
			ls[i] = (float)urange(log(0.002), log(0.5));
			g[i] = (float)urange(-1.0, 1.0);
		}
		for (int s = 0; s < 2; s++) {
			struct sgs_train_state *st = &io->st[s];
			st->params.n = st->grads.n = n;
			st->params.log_scales = side_buf(e->be[s], ls, 3 * n * 4, &err);
			st->grads.log_scales = side_buf(e->be[s], g, 3 * n * 4, &err);
		}
	}
	free(ls), free(g);
	return err ? sgs_error_prefix("reg_scale inputs") : 0;
}

static int scale_run(struct op_env *e, int side)
{
	struct scale_io *io = e->own;
	return e->be[side]->train.reg_scale(&io->st[side], &scale_p, &io->value[side]);
}

static int scale_compare(struct op_env *e)
{
	const struct scale_io *io = e->own;
	const size_t n = 3 * (size_t)e->v->n;
	double d = fabs(io->value[GPU] - io->value[CPU]) / fmax(fabs(io->value[CPU]), 1e-12);
	diag("[%s] reg_scale value cpu %.9g cuda %.9g", e->v->name, io->value[CPU], io->value[GPU]);
	check_below(e, "value", isnan(d) ? INFINITY : d, TOL_LOSS);
	float *c = fetch(e->be[CPU], io->st[CPU].grads.log_scales, n * 4);
	float *g = fetch(e->be[GPU], io->st[GPU].grads.log_scales, n * 4);
	int rc = 0;
	if (!c || !g)
		rc = fail(e, "fetch gradients");
	else
		check_below(e, "log-scale gradients, of their largest", rel_err(c, g, n, 1, NULL, 0.0),
			    TOL_LOSS_GRAD);
	free(c), free(g);
	return rc;
}

static void scale_free(struct op_env *e)
{
	struct scale_io *io = e->own;
	if (io)
		for (int s = 0; s < 2; s++) {
			e->be[s]->free(io->st[s].params.log_scales);
			e->be[s]->free(io->st[s].grads.log_scales);
		}
	free_own(e);
}

/* ========== the training state densify and the MCMC rows work on ========== */

struct states {
	struct sgs_train_state st[2];
	struct sgs_densify_stats stats[2];
};

static void state_free(const struct sgs_backend *be, struct sgs_train_state *st)
{
	sgs_gaussians_free(be, &st->params), sgs_gaussians_free(be, &st->grads);
	sgs_gaussians_free(be, &st->m), sgs_gaussians_free(be, &st->v);
	be->free(st->grad2d_accum), be->free(st->grad2d_count), be->free(st->max_radii);
	memset(st, 0, sizeof *st);
}

/* A state of n random Gaussians in be's buffers, filled on the host: a mix
 * of unseen, small and large, faint and opaque, with screen radii above
 * and below 20. */
static int host_state(const struct sgs_backend *be, struct sgs_train_state *st, uint32_t n,
		      int deg)
{
	memset(st, 0, sizeof *st);
	if (sgs_gaussians_alloc(be, &st->params, n, deg) ||
	    sgs_gaussians_alloc(be, &st->grads, n, deg) ||
	    sgs_gaussians_alloc(be, &st->m, n, deg) || sgs_gaussians_alloc(be, &st->v, n, deg))
		return -1;
	st->grad2d_accum = be->alloc(n * 4);
	st->grad2d_count = be->alloc(n * 4);
	st->max_radii = be->alloc(n * 4);
	st->capacity = n;
	if (!st->grad2d_accum || !st->grad2d_count || !st->max_radii)
		return -1;
	size_t K3 = 3 * (size_t)sgs_sh_coeffs(deg);
	for (uint32_t i = 0; i < n; i++) {
		for (int k = 0; k < 3; k++) {
			st->params.means[3 * i + k] = (float)(urand() * 10 - 5);
			st->params.log_scales[3 * i + k] = (float)(log(0.02) + urand() * 3.5);
		}
		for (int k = 0; k < 4; k++)
			st->params.quats[4 * i + k] = (float)(urand() * 2 - 1) + (k == 0);
		st->params.opacity[i] = (float)(urand() * 12 - 7);
		for (size_t k = 0; k < K3; k++)
			st->params.sh[K3 * i + k] = (float)(urand() - 0.5);
		struct sgs_gaussians *mom[3] = {&st->m, &st->v, &st->grads};
		for (int t = 0; t < 3; t++) {
			for (int k = 0; k < 3; k++)
				mom[t]->means[3 * i + k] = mom[t]->log_scales[3 * i + k] =
					(float)urand();
			for (int k = 0; k < 4; k++)
				mom[t]->quats[4 * i + k] = (float)urand();
			mom[t]->opacity[i] = (float)urand();
			for (size_t k = 0; k < K3; k++)
				mom[t]->sh[K3 * i + k] = (float)urand();
		}
		st->grad2d_count[i] = (float)(int)(urand() * 4);
		st->grad2d_accum[i] = (float)(urand() * 1.2e-3) * st->grad2d_count[i];
		st->max_radii[i] = (float)(int)(urand() * 30);
	}
	return 0;
}

/* A copy of a host state in be's buffers. */
static int state_upload(const struct sgs_backend *be, struct sgs_train_state *st,
			const struct sgs_train_state *hs)
{
	uint32_t n = hs->params.n;
	int deg = hs->params.sh_degree, err = 0;
	memset(st, 0, sizeof *st);
	if (sgs_gaussians_alloc(be, &st->params, n, deg) ||
	    sgs_gaussians_alloc(be, &st->grads, n, deg) ||
	    sgs_gaussians_alloc(be, &st->m, n, deg) || sgs_gaussians_alloc(be, &st->v, n, deg) ||
	    sgs_gaussians_upload(be, &st->params, &hs->params) ||
	    sgs_gaussians_upload(be, &st->grads, &hs->grads) ||
	    sgs_gaussians_upload(be, &st->m, &hs->m) || sgs_gaussians_upload(be, &st->v, &hs->v))
		return -1;
	st->grad2d_accum = side_buf(be, hs->grad2d_accum, n * 4, &err);
	st->grad2d_count = side_buf(be, hs->grad2d_count, n * 4, &err);
	st->max_radii = side_buf(be, hs->max_radii, n * 4, &err);
	st->capacity = n;
	return err ? -1 : 0;
}

static int states_setup(struct op_env *e)
{
	const struct sgs_backend *cpu = e->be[CPU];
	struct states *ss = calloc(1, sizeof *ss);
	struct sgs_train_state hs;
	if (!(e->shared = ss))
		return sgs_error_set("out of host memory");
	int rc = host_state(cpu, &hs, e->v->n, e->v->deg);
	for (int s = 0; s < 2 && !rc; s++)
		rc = state_upload(e->be[s], &ss->st[s], &hs);
	state_free(cpu, &hs);
	return rc ? sgs_error_prefix("states") : 0;
}

static void states_free(struct op_env *e)
{
	struct states *ss = e->shared;
	if (!ss)
		return;
	for (int s = 0; s < 2; s++)
		state_free(e->be[s], &ss->st[s]);
	free(ss);
	e->shared = NULL;
}

/* Largest difference between the two states over every array: relative
 * to max(1, largest CPU value) for the Gaussian sets, absolute for the
 * accumulators; -1 when a download fails. */
static double state_diff(const struct op_env *e)
{
	const struct states *ss = e->shared;
	const struct sgs_train_state *st[2] = {&ss->st[CPU], &ss->st[GPU]};
	const uint32_t n = st[CPU]->params.n;
	double worst = 0;
	int bad = 0;
	for (int t = 0; t < 4 && !bad; t++) {
		struct sgs_gaussians h[2] = {{0}, {0}};
		for (int s = 0; s < 2; s++) {
			const struct sgs_gaussians *sets[4] = {&st[s]->params, &st[s]->grads,
							       &st[s]->m, &st[s]->v};
			bad |= fetch_gaussians(e->be[s], sets[t], &h[s]) != 0;
		}
		if (!bad) {
			const struct sgs_gaussians *c = &h[CPU], *g = &h[GPU];
			size_t K3 = 3 * (size_t)sgs_sh_coeffs(c->sh_degree);
			worst = fmax(worst,
				     rel_err(c->means, g->means, 3 * (size_t)n, 1, NULL, 1.0));
			worst = fmax(worst, rel_err(c->log_scales, g->log_scales, 3 * (size_t)n, 1,
						    NULL, 1.0));
			worst = fmax(worst,
				     rel_err(c->quats, g->quats, 4 * (size_t)n, 1, NULL, 1.0));
			worst = fmax(worst, rel_err(c->opacity, g->opacity, n, 1, NULL, 1.0));
			worst = fmax(worst, rel_err(c->sh, g->sh, K3 * n, 1, NULL, 1.0));
		}
		free_host_gaussians(&h[CPU]);
		free_host_gaussians(&h[GPU]);
	}
	/* accumulators: zero after densify; kept or zeroed per Gaussian by the
	 * MCMC relocation */
	for (int t = 0; t < 3 && !bad; t++) {
		float *h[2];
		for (int s = 0; s < 2; s++) {
			const float *acc[3] = {st[s]->grad2d_accum, st[s]->grad2d_count,
					       st[s]->max_radii};
			h[s] = fetch(e->be[s], acc[t], (size_t)n * 4);
		}
		bad = !h[CPU] || !h[GPU];
		for (uint32_t i = 0; i < n && !bad; i++) {
			double d = fabs((double)h[GPU][i] - h[CPU][i]);
			worst = isnan(d) ? INFINITY : fmax(worst, d);
		}
		free(h[CPU]), free(h[GPU]);
	}
	return bad ? -1 : worst;
}

/* Same counts and layout on both sides. */
static int same_layout(const struct op_env *e)
{
	const struct states *ss = e->shared;
	return !memcmp(&ss->stats[CPU], &ss->stats[GPU], sizeof ss->stats[CPU]) &&
	       ss->st[GPU].params.n == ss->st[CPU].params.n &&
	       ss->st[GPU].capacity == ss->st[CPU].capacity;
}

/* ================= row densify ================= */

static int densify_run(struct op_env *e, int side)
{
	struct states *ss = e->shared;
	const struct variant *v = e->v;
	const struct sgs_densify_params p = {0.0002f, 0.01f, 4.0f, 0.005f, v->x, v->cap, 1234, 900};
	return e->be[side]->train.densify(e->be[side], &ss->st[side], &p, &ss->stats[side]);
}

static int densify_compare(struct op_env *e)
{
	const struct states *ss = e->shared;
	const struct sgs_densify_stats *sc = &ss->stats[CPU], *sg = &ss->stats[GPU];
	int same = same_layout(e);
	if (!same)
		note(INFINITY, 0.0);
	ok(same, "densify [%s] %u -> cpu %u / cuda %u (cloned %u/%u split %u/%u pruned %u/%u, "
	   "capacity %u/%u)", e->v->name, e->v->n, sc->n_after, sg->n_after, sc->cloned,
	   sg->cloned, sc->split, sg->split, sc->pruned, sg->pruned, ss->st[CPU].capacity,
	   ss->st[GPU].capacity);
	double d = ss->st[GPU].params.n != ss->st[CPU].params.n ? -1 : state_diff(e);
	check_below(e, "every parameter, moment and accumulator", d, TOL_STATE);
	return 0;
}

/* ================= rows mcmc_relocate, mcmc_regularise, mcmc_noise ================= */

static int mcmc_relocate_run(struct op_env *e, int side)
{
	struct states *ss = e->shared;
	const struct sgs_mcmc_params p = {0.005f, e->v->cap, 99, 700};
	return e->be[side]->train.mcmc_relocate(e->be[side], &ss->st[side], &p, &ss->stats[side]);
}

static int mcmc_relocate_compare(struct op_env *e)
{
	const struct states *ss = e->shared;
	const struct sgs_densify_stats *sc = &ss->stats[CPU], *sg = &ss->stats[GPU];
	int same = same_layout(e);
	if (!same)
		note(INFINITY, 0.0);
	ok(same, "mcmc_relocate [%s] %u -> cpu %u / cuda %u (relocated %u/%u added %u/%u)",
	   e->v->name, e->v->n, sc->n_after, sg->n_after, sc->relocated, sg->relocated,
	   sc->cloned, sg->cloned);
	if (ss->st[GPU].params.n != ss->st[CPU].params.n)
		return -1;
	check_below(e, "relocated state", state_diff(e), TOL_STATE);
	return 0;
}

static int mcmc_regularise_run(struct op_env *e, int side)
{
	struct states *ss = e->shared;
	return e->be[side]->train.mcmc_regularise(&ss->st[side], 0.01f, 0.01f);
}

static int mcmc_noise_run(struct op_env *e, int side)
{
	struct states *ss = e->shared;
	return e->be[side]->train.mcmc_noise(&ss->st[side], 2.0f, 99, 700);
}

/* The noise's normals are computed in double on both sides, but from
 * device and host libm: a little more room than for the relocation. */
static int mcmc_state_compare(struct op_env *e)
{
	check_below(e, "state", state_diff(e), TOL_STATE_NOISE);
	return 0;
}

/* ================= the inputs ================= */

#define COUNT(a) (int)(sizeof(a) / sizeof((a)[0]))

static const struct variant once_v[] = {{.name = "1000 floats"}};
static const struct variant_set once = {"once", once_v, COUNT(once_v), NULL, NULL};

static const struct variant scene_v[] = {
	{.name = "empty", .n = 0, .w = 16, .h = 16, .seed = 1},
	{.name = "tiny", .n = 6, .w = 24, .h = 17, .seed = 2},
	{.name = "300 sh1 aa 67x45", .n = 300, .w = 67, .h = 45, .deg = 1, .active = 1,
	 .antialias = 1, .seed = 3},
	{.name = "300 sh2 67x45", .n = 300, .w = 67, .h = 45, .deg = 2, .active = 2, .seed = 4},
	/* several batches of 256 per tile, saturated pixels */
	{.name = "2000 dense sh1 40x30", .n = 2000, .w = 40, .h = 30, .deg = 1, .active = 1,
	 .seed = 9},
	{.name = "20k sh3 256x192", .n = 20000, .w = 256, .h = 192, .deg = 3, .active = 3,
	 .seed = 5, .big = 1},
	{.name = "20k sh3(2) aa 256x192", .n = 20000, .w = 256, .h = 192, .deg = 3, .active = 2,
	 .antialias = 1, .seed = 6, .big = 1},
	{.name = "5k sh1 aa 250x190", .n = 5000, .w = 250, .h = 190, .deg = 1, .active = 1,
	 .antialias = 1, .seed = 7, .big = 1},
	{.name = "400 sh3 67x45 reused", .n = 400, .w = 67, .h = 45, .deg = 3, .active = 3,
	 .seed = 8},
	{.name = "300 sh1 dropout 0.3 67x45", .n = 300, .w = 67, .h = 45, .deg = 1, .active = 1,
	 .x = 0.3f, .seed = 10},
};
static const struct variant_set scenes = {"scenes", scene_v, COUNT(scene_v), scene_setup,
					  scene_free};

static const struct variant loss_v[] = {
	{.name = "1x1", .w = 1, .h = 1, .x = 0.2f, .seed = 11},
	{.name = "7x5", .w = 7, .h = 5, .x = 0.2f, .seed = 12},
	{.name = "300x200", .w = 300, .h = 200, .x = 0.2f, .seed = 13},
	{.name = "1920x1080", .w = 1920, .h = 1080, .x = 0.2f, .seed = 14, .big = 1},
};
static const struct variant_set images = {"images", loss_v, COUNT(loss_v), NULL, NULL};

static const struct variant adam_v[] = {
	{.name = "300001 elements, lr pattern 48/3, step 7", .n = 300001, .seed = 21},
};
static const struct variant_set vectors = {"vectors", adam_v, COUNT(adam_v), NULL, NULL};

static const struct variant depth_v[] = {
	{.name = "504x378 depth map", .n = 504 * 378, .seed = 25},
	{.name = "1000 pixels", .n = 1000, .seed = 26},
};
static const struct variant_set depth_maps = {"depth maps", depth_v, COUNT(depth_v), NULL, NULL};
/* the local depth terms: n = patch side, deg 1: the smoothness weighted
 * by the confidence */
static const struct variant dmaps_v[] = {
	{.name = "504x378, 32 px patches", .w = 504, .h = 378, .n = 32, .seed = 27, .big = 1},
	{.name = "96x72, 16 px patches", .w = 96, .h = 72, .n = 16, .seed = 28},
	{.name = "61x47, 8 px patches, weighted smoothness", .w = 61, .h = 47, .n = 8, .deg = 1,
	 .seed = 29},
};
static const struct variant_set depth_term_maps = {"depth maps", dmaps_v, COUNT(dmaps_v),
						   dmaps_setup, dmaps_free};
/* mvs_cost: n hypotheses, deg = window radius, x = bilateral colour sigma
 * (0: box window) */
static const struct variant mvs_v[] = {
	{.name = "320x240 r3 64 depths", .w = 320, .h = 240, .n = 64, .deg = 3, .seed = 71,
	 .big = 1},
	{.name = "64x48 r3 16 depths", .w = 64, .h = 48, .n = 16, .deg = 3, .seed = 72},
	{.name = "57x41 r2 bilateral 9 depths", .w = 57, .h = 41, .n = 9, .deg = 2, .x = 0.1f,
	 .seed = 73},
};
static const struct variant_set stereo_pairs = {"pairs", mvs_v, COUNT(mvs_v), NULL, NULL};

static const struct variant radii_v[] = {{.name = "5000 Gaussians", .n = 5000, .seed = 31}};
static const struct variant_set radii = {"radii", radii_v, COUNT(radii_v), NULL, NULL};

static const struct variant opacity_v[] = {{.name = "5000 Gaussians", .n = 5000, .seed = 41}};
static const struct variant_set opacities = {"opacities", opacity_v, COUNT(opacity_v), NULL,
					     NULL};

static const struct variant scale_v[] = {
	{.name = "20000 Gaussians", .n = 20000, .seed = 81},
	{.name = "1 Gaussian", .n = 1, .seed = 82},
};
static const struct variant_set scale_sets = {"log-scales", scale_v, COUNT(scale_v), NULL, NULL};

static const struct variant densify_v[] = {
	{.name = "20000 deg 3, screen 20", .n = 20000, .deg = 3, .x = 20.0f, .seed = 51, .big = 1},
	{.name = "20000 deg 1, no screen size", .n = 20000, .deg = 1, .x = 0.0f, .seed = 52,
	 .big = 1},
	{.name = "20000 deg 0, cap 21000", .n = 20000, .deg = 0, .x = 20.0f, .cap = 21000,
	 .seed = 53, .big = 1},
	{.name = "3000 deg 3, screen 20", .n = 3000, .deg = 3, .x = 20.0f, .seed = 54, .big = -1},
	{.name = "1 Gaussian", .n = 1, .deg = 3, .x = 20.0f, .seed = 55},
};
static const struct variant_set densify_states = {"states", densify_v, COUNT(densify_v),
						  states_setup, states_free};

static const struct variant mcmc_v[] = {
	{.name = "20000 deg 3, cap 21000", .n = 20000, .deg = 3, .cap = 21000, .seed = 61,
	 .big = 1},
	{.name = "3000 deg 3, cap 3300", .n = 3000, .deg = 3, .cap = 3300, .seed = 62, .big = -1},
	{.name = "3000 deg 1, at the cap", .n = 3000, .deg = 1, .cap = 3000, .seed = 63},
};
static const struct variant_set mcmc_states = {"states", mcmc_v, COUNT(mcmc_v), states_setup,
					       states_free};

/* ================= the table ================= */

static const struct op_case rows[] = {
	{.name = "buffers", .tol = "exact", .counts = 1, .on = &once, .setup = buffers_setup,
	 .run = buffers_run, .compare = buffers_compare, .free = free_own},
	/* the render chain: each row starts from the CPU's outputs of the rows above */
	{.name = "project",
	 .tol = "xy, depth " STR(TOL_PROJ_XY) "; conic, colour " STR(TOL_PROJ)
		"; radii, tiles, clamp: 1 + n/2000 may differ",
	 .on = &scenes, .run = project_run, .compare = project_compare, .once = project_once},
	{.name = "bin_sort", .tol = "exact (ties among equal depths allowed)", .counts = 1,
	 .on = &scenes, .setup = bin_sort_setup, .run = bin_sort_run, .compare = bin_sort_compare},
	{.name = "rasterize",
	 .tol = "PSNR " STR(TOL_IMG_DB) " dB or max err " STR(TOL_IMG_MAX) "; counts "
		STR(TOL_DISCRETE) " of pixels",
	 .on = &scenes, .setup = rasterize_setup, .run = rasterize_run,
	 .compare = rasterize_compare, .once = rasterize_once},
	{.name = "rasterize_backward", .tol = STR(TOL_GRAD), .on = &scenes,
	 .setup = rasterize_backward_setup, .run = rasterize_backward_run,
	 .compare = rasterize_backward_compare},
	{.name = "project_backward", .tol = STR(TOL_GRAD) "; grad2d_count exact", .on = &scenes,
	 .setup = project_backward_setup, .run = project_backward_run,
	 .compare = project_backward_compare},
	{.name = "render_chain",
	 .tol = "PSNR " STR(TOL_CHAIN_DB) " dB or max err " STR(TOL_IMG_MAX) "; gradients "
		STR(TOL_CHAIN_GRAD),
	 .on = &scenes, .run = render_chain_run, .compare = render_chain_compare},
	/* training */
	{.name = "loss_l1_ssim",
	 .tol = "terms " STR(TOL_LOSS) "; dL/dimg " STR(TOL_LOSS_GRAD), .on = &images,
	 .setup = loss_setup, .run = loss_run, .compare = loss_compare, .free = loss_free},
	{.name = "loss_depth_pearson", .tol = "value " STR(TOL_LOSS) "; ddepth " STR(TOL_LOSS_GRAD),
	 .on = &depth_maps, .setup = depth_setup, .run = depth_run, .compare = depth_compare,
	 .free = depth_free},
	/* the local depth terms, on one set of maps */
	{.name = "loss_depth_patch", .tol = "value " STR(TOL_LOSS) "; ddepth " STR(TOL_LOSS_GRAD),
	 .on = &depth_term_maps, .setup = dterm_setup, .run = dpatch_run,
	 .compare = dterm_compare, .free = dterm_free},
	{.name = "loss_depth_relative", .tol = "value " STR(TOL_LOSS) "; ddepth " STR(TOL_LOSS_GRAD),
	 .on = &depth_term_maps, .setup = dterm_setup, .run = drelative_run,
	 .compare = dterm_compare, .free = dterm_free},
	{.name = "loss_depth_rank", .tol = "value " STR(TOL_LOSS) "; ddepth " STR(TOL_LOSS_GRAD),
	 .on = &depth_term_maps, .setup = dterm_setup, .run = drank_run,
	 .compare = dterm_compare, .free = dterm_free},
	{.name = "loss_depth_continuity",
	 .tol = "value " STR(TOL_LOSS) "; ddepth " STR(TOL_LOSS_GRAD), .on = &depth_term_maps,
	 .setup = dterm_setup, .run = dcontinuity_run, .compare = dterm_compare,
	 .free = dterm_free},
	{.name = "loss_depth_smooth", .tol = "value " STR(TOL_LOSS) "; ddepth " STR(TOL_LOSS_GRAD),
	 .on = &depth_term_maps, .setup = dterm_setup, .run = dsmooth_run,
	 .compare = dterm_compare, .free = dterm_free},
	{.name = "loss_warp",
	 .tol = "value " STR(TOL_LOSS) "; dvirt, ddepth " STR(TOL_LOSS_GRAD),
	 .on = &depth_term_maps, .setup = warp_setup, .run = warp_run, .compare = warp_compare,
	 .free = warp_free},
	{.name = "adam", .tol = STR(TOL_ADAM), .on = &vectors, .setup = adam_setup,
	 .run = adam_run, .compare = adam_compare, .free = adam_free},
	{.name = "update_max_radii", .tol = "exact", .counts = 1, .on = &radii,
	 .setup = radii_setup, .run = radii_run, .compare = radii_compare, .free = radii_free},
	{.name = "reset_opacity", .tol = "exact", .counts = 1, .on = &opacities,
	 .setup = reset_setup, .run = reset_run, .compare = reset_compare, .free = reset_free},
	{.name = "decay_opacity", .tol = "moments kept; logits " STR(TOL_ADAM), .on = &opacities,
	 .setup = reset_setup, .run = decay_run, .compare = decay_compare, .free = reset_free},
	{.name = "add_scaled", .tol = "exact", .counts = 1, .on = &opacities,
	 .setup = reset_setup, .run = add_scaled_run, .compare = add_scaled_compare,
	 .free = reset_free},
	{.name = "reg_scale", .tol = "value " STR(TOL_LOSS) "; gradients " STR(TOL_LOSS_GRAD),
	 .on = &scale_sets, .setup = scale_setup, .run = scale_run, .compare = scale_compare,
	 .free = scale_free},
	{.name = "densify", .tol = "counts exact; state " STR(TOL_STATE), .on = &densify_states,
	 .run = densify_run, .compare = densify_compare},
	/* MCMC: each backend continues its own state */
	{.name = "mcmc_relocate", .tol = "counts exact; state " STR(TOL_STATE),
	 .on = &mcmc_states, .run = mcmc_relocate_run, .compare = mcmc_relocate_compare},
	{.name = "mcmc_regularise", .tol = "state " STR(TOL_STATE_NOISE), .on = &mcmc_states,
	 .run = mcmc_regularise_run, .compare = mcmc_state_compare},
	{.name = "mcmc_noise", .tol = "state " STR(TOL_STATE_NOISE), .on = &mcmc_states,
	 .run = mcmc_noise_run, .compare = mcmc_state_compare},
	/* multi-view stereo */
	{.name = "mvs_cost",
	 .tol = "costs within " STR(TOL_MVS) " but for " STR(TOL_MVS_SHARE) " of them",
	 .counts = 1, .on = &stereo_pairs, .setup = mvs_setup, .run = mvs_run,
	 .compare = mvs_compare, .free = mvs_free},
	{.name = "mvs_cost_planes",
	 .tol = "costs within " STR(TOL_MVS) " but for " STR(TOL_MVS_SHARE) " of them",
	 .counts = 1, .on = &stereo_pairs, .setup = mvs_planes_setup, .run = mvs_planes_run,
	 .compare = mvs_compare, .free = mvs_free},
};
#define N_ROWS COUNT(rows)

/* ================= the driver ================= */

static struct row_result results[N_ROWS];

/* One row on the current input: 1 when the rows after it may run. */
static int run_row(struct op_env *e, int r)
{
	const struct op_case *row = &rows[r];
	int good = 0;
	e->row = row;
	e->own = NULL;
	cur_res = &results[r];
	if (row->setup && row->setup(e))
		fail(e, "inputs");
	else if (row->run(e, CPU))
		fail(e, "cpu");
	else if (row->run(e, GPU))
		fail(e, "cuda");
	else
		good = row->compare(e) == 0;
	if (row->free)
		row->free(e);
	return good;
}

/* Rows [first, last) share their inputs: input by input, each row in
 * table order; last_sel is the last of them selected. */
static void run_group(struct op_env *e, int first, int last_sel, int quick)
{
	const struct variant_set *set = rows[first].on;
	for (int i = 0; i < set->n; i++) {
		const struct variant *v = &set->v[i];
		if (v->big == (quick ? 1 : -1))
			continue;
		e->v = v;
		e->row = &rows[first];
		e->shared = NULL;
		rng_state = v->seed * 0x2545F4914F6CDD1Dull;
		cur_res = &results[first];
		if (set->setup && set->setup(e))
			fail(e, set->what);
		else
			for (int r = first; r <= last_sel && run_row(e, r); r++)
				;
		if (set->free)
			set->free(e);
	}
	for (int r = first; r <= last_sel; r++)
		if (rows[r].once) {
			e->row = &rows[r];
			cur_res = &results[r];
			rows[r].once(e);
		}
}

int main(int argc, char **argv)
{
	int sel[N_ROWS];
	for (int r = 0; r < N_ROWS; r++)
		sel[r] = argc < 2;
	for (int a = 1; a < argc; a++) {
		int r = 0;
		while (r < N_ROWS && strcmp(argv[a], rows[r].name))
			r++;
		if (r == N_ROWS) {
			fprintf(stderr, "usage: test_backend_ops [ROW...]; rows:");
			for (r = 0; r < N_ROWS; r++)
				fprintf(stderr, " %s", rows[r].name);
			fprintf(stderr, "\n");
			return 2;
		}
		sel[r] = 1;
	}

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
	for (int r = 0; r < N_ROWS; r++)
		diag("%-18s on %-9s %s", rows[r].name, rows[r].on->what, rows[r].tol);
	if (!gpu) {
		for (int r = 0; r < N_ROWS; r++)
			skip(why, "%s: CUDA vs CPU", rows[r].name);
		return tap_done();
	}
	diag("cuda: %s", gpu->device_name);
	diag("cpu: %s", cpu->device_name);
	const char *q = getenv("SGS_TEST_QUICK");
	int quick = q && *q;
	if (quick)
		diag("SGS_TEST_QUICK: large inputs left out");

	struct op_env e = {{cpu, gpu}, {cpu->ctx_new(), gpu->ctx_new()}, NULL, NULL, NULL, NULL};
	ok(e.ctx[CPU] && e.ctx[GPU], "render contexts: %s",
	   e.ctx[CPU] && e.ctx[GPU] ? "ok" : sgs_error_get());
	for (int first = 0, last; first < N_ROWS; first = last) {
		int last_sel = -1;
		for (last = first; last < N_ROWS && rows[last].on == rows[first].on; last++)
			if (sel[last])
				last_sel = last;
		if (last_sel >= 0)
			run_group(&e, first, last_sel, quick);
		for (int r = last_sel >= 0 ? last_sel + 1 : first; r < last; r++)
			skip("not selected", "%s: CUDA vs CPU", rows[r].name);
	}
	for (int r = 0; r < N_ROWS; r++) {
		const struct row_result *res = &results[r];
		if (res->ran)
			diag("%s: %s %g (threshold %g)", rows[r].name,
			     rows[r].counts ? "entries differ" : "max rel err", res->err, res->thr);
	}
	if (e.ctx[CPU])
		cpu->ctx_free(e.ctx[CPU]);
	if (e.ctx[GPU])
		gpu->ctx_free(e.ctx[GPU]);
	return tap_done();
}
