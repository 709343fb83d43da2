/* Shared by the rasterizer tests: a seeded random scene generator and an
 * independent double-precision reference renderer.  The reference has no
 * tiles, keys or sorting buffers: for every pixel it takes the Gaussians
 * whose screen rectangle covers that pixel's 16x16 tile (the one rule of
 * Inria's binning that changes the image), orders them by depth and
 * blends them with Inria's rules.  It is written from the formulas, not
 * from kernels/sgs_math_*.h, so a mistake there shows up here. */
#ifndef TEST_RASTER_UTIL_H
#define TEST_RASTER_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_kernels.h"

/* ---- random numbers (splitmix64) ---- */

struct trng {
	uint64_t s;
};

static inline double trng_u01(struct trng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static inline double trng_range(struct trng *r, double lo, double hi)
{
	return lo + (hi - lo) * trng_u01(r);
}

static inline double trng_normal(struct trng *r)
{
	double u = trng_u01(r), v = trng_u01(r);
	return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* ---- host Gaussians (plain malloc; the CPU backend uses host memory) ---- */

static inline int host_gaussians_alloc(struct sgs_gaussians *g, uint32_t n, int deg)
{
	size_t K = (size_t)sgs_sh_coeffs(deg);
	memset(g, 0, sizeof *g);
	g->n = n;
	g->sh_degree = g->sh_active = deg;
	g->means = calloc(3 * (size_t)n + 1, sizeof(float));
	g->log_scales = calloc(3 * (size_t)n + 1, sizeof(float));
	g->quats = calloc(4 * (size_t)n + 1, sizeof(float));
	g->opacity = calloc((size_t)n + 1, sizeof(float));
	g->sh = calloc(3 * K * n + 1, sizeof(float));
	return g->means && g->log_scales && g->quats && g->opacity && g->sh ? 0 : -1;
}

static inline void host_gaussians_free(struct sgs_gaussians *g)
{
	free(g->means);
	free(g->log_scales);
	free(g->quats);
	free(g->opacity);
	free(g->sh);
	memset(g, 0, sizeof *g);
}

/* Camera at distance `dist` looking roughly at the origin, small random
 * rotation, principal point off-centre by a few pixels. */
static inline void random_camera(struct trng *r, int w, int h, double f, double dist,
				 struct sgs_cam *cam)
{
	double ax = trng_range(r, -0.15, 0.15), ay = trng_range(r, -0.15, 0.15),
	       az = trng_range(r, -0.3, 0.3);
	double cx = cos(ax), sx = sin(ax), cy = cos(ay), sy = sin(ay), cz = cos(az), sz = sin(az);
	/* R = Rz Ry Rx */
	double R[9] = {cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx,
		       sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx,
		       -sy,     cy * sx,                cy * cx};
	cam->w = w;
	cam->h = h;
	cam->fx = (float)f;
	cam->fy = (float)(f * trng_range(r, 0.9, 1.1));
	cam->cx = (float)(0.5 * w + trng_range(r, -2.0, 2.0));
	cam->cy = (float)(0.5 * h + trng_range(r, -2.0, 2.0));
	for (int i = 0; i < 9; i++)
		cam->R[i] = (float)R[i];
	/* world origin lands at camera z = dist */
	cam->t[0] = (float)trng_range(r, -0.1, 0.1);
	cam->t[1] = (float)trng_range(r, -0.1, 0.1);
	cam->t[2] = (float)dist;
	cam->znear = SGS_NEAR_DEFAULT;
}

/* World point whose camera-space position is (x, y, z). */
static inline void cam_to_world(const struct sgs_cam *cam, double x, double y, double z,
				float out[3])
{
	double p[3] = {x - cam->t[0], y - cam->t[1], z - cam->t[2]};
	for (int i = 0; i < 3; i++)
		out[i] = (float)(cam->R[i] * p[0] + cam->R[3 + i] * p[1] + cam->R[6 + i] * p[2]);
}

/* n Gaussians in front of the camera; `spread` > 1 lets them cross and
 * leave the image borders; log-scales in [ls_lo, ls_hi]. */
static inline void random_gaussians(struct trng *r, const struct sgs_cam *cam, double zlo,
				    double zhi, double spread, double ls_lo, double ls_hi,
				    struct sgs_gaussians *g)
{
	int K = sgs_sh_coeffs(g->sh_degree);
	for (uint32_t i = 0; i < g->n; i++) {
		double z = trng_range(r, zlo, zhi);
		double u = trng_range(r, 0.5 - 0.5 * spread, 0.5 + 0.5 * spread) * cam->w;
		double v = trng_range(r, 0.5 - 0.5 * spread, 0.5 + 0.5 * spread) * cam->h;
		cam_to_world(cam, (u - cam->cx) * z / cam->fx, (v - cam->cy) * z / cam->fy, z,
			     g->means + 3 * i);
		for (int k = 0; k < 3; k++)
			g->log_scales[3 * i + k] = (float)trng_range(r, ls_lo, ls_hi);
		for (int k = 0; k < 4; k++)
			g->quats[4 * i + k] = (float)trng_normal(r);
		g->opacity[i] = (float)trng_range(r, -1.5, 2.5);
		for (int k = 0; k < K; k++)
			for (int c = 0; c < 3; c++)
				g->sh[(size_t)3 * K * i + 3 * k + c] =
					(float)(k == 0 ? trng_range(r, -1.2, 1.2)
						       : 0.4 * trng_normal(r) / (1 + k / 4));
	}
}

/* ---- the reference renderer ---- */

/* Parameters in double; the test perturbs them for finite differences. */
struct ref_params {
	int n, deg, K, antialias;
	double *means, *ls, *q, *op, *sh; /* same layouts as sgs_gaussians */
	double *opmul; /* n opacity multipliers (Gaussian dropout), 0: culled;
	                * NULL: none (ref_params_free frees it) */
	double bg[3];
	int w, h;
	double fx, fy, cx, cy, R[9], t[3], znear;
};

struct ref_out {
	double *rgb, *alpha, *depth, *median, *T;
	uint32_t *count;
};

static inline int ref_params_from(const struct sgs_gaussians *g, const struct sgs_cam *cam,
				  const float bg[3], int antialias, struct ref_params *p)
{
	memset(p, 0, sizeof *p);
	p->n = (int)g->n;
	p->deg = g->sh_active;
	p->K = sgs_sh_coeffs(g->sh_degree);
	p->antialias = antialias;
	size_t n = g->n, K = (size_t)p->K;
	p->means = malloc((3 * n + 1) * sizeof(double));
	p->ls = malloc((3 * n + 1) * sizeof(double));
	p->q = malloc((4 * n + 1) * sizeof(double));
	p->op = malloc((n + 1) * sizeof(double));
	p->sh = malloc((3 * K * n + 1) * sizeof(double));
	if (!p->means || !p->ls || !p->q || !p->op || !p->sh)
		return -1;
	for (size_t i = 0; i < 3 * n; i++) {
		p->means[i] = g->means[i];
		p->ls[i] = g->log_scales[i];
	}
	for (size_t i = 0; i < 4 * n; i++)
		p->q[i] = g->quats[i];
	for (size_t i = 0; i < n; i++)
		p->op[i] = g->opacity[i];
	for (size_t i = 0; i < 3 * K * n; i++)
		p->sh[i] = g->sh[i];
	for (int c = 0; c < 3; c++)
		p->bg[c] = bg[c];
	p->w = cam->w, p->h = cam->h;
	p->fx = cam->fx, p->fy = cam->fy, p->cx = cam->cx, p->cy = cam->cy;
	for (int i = 0; i < 9; i++)
		p->R[i] = cam->R[i];
	for (int i = 0; i < 3; i++)
		p->t[i] = cam->t[i];
	p->znear = cam->znear;
	return 0;
}

static inline void ref_params_free(struct ref_params *p)
{
	free(p->means), free(p->ls), free(p->q), free(p->op), free(p->sh), free(p->opmul);
}

static inline int ref_out_alloc(struct ref_out *o, int w, int h)
{
	size_t np = (size_t)w * h;
	o->rgb = calloc(3 * np, sizeof(double));
	o->alpha = calloc(np, sizeof(double));
	o->depth = calloc(np, sizeof(double));
	o->median = calloc(np, sizeof(double));
	o->T = calloc(np, sizeof(double));
	o->count = calloc(np, sizeof(uint32_t));
	return o->rgb && o->alpha && o->depth && o->median && o->T && o->count ? 0 : -1;
}

static inline void ref_out_free(struct ref_out *o)
{
	free(o->rgb), free(o->alpha), free(o->depth), free(o->median), free(o->T), free(o->count);
}

/* One projected Gaussian of the reference. */
struct ref_splat {
	int id, visible;
	double u, v, z, A, B, C, o, rgb[3];
	int tx0, ty0, tx1, ty1;
};

static inline double ref_sh_channel(const double *sh, int deg, double x, double y, double z,
				    int c)
{
	static const double C0 = 0.28209479177387814, C1 = 0.4886025119029199;
	static const double C2[5] = {1.0925484305920792, -1.0925484305920792, 0.31539156525252005,
				     -1.0925484305920792, 0.5462742152960396};
	static const double C3[7] = {-0.5900435899266435, 2.890611442640554, -0.4570457994644658,
				     0.3731763325901154,  -0.4570457994644658, 1.445305721320277,
				     -0.5900435899266435};
#define SH(k) sh[3 * (k) + c]
	double v = C0 * SH(0);
	if (deg > 0)
		v += -C1 * y * SH(1) + C1 * z * SH(2) - C1 * x * SH(3);
	if (deg > 1) {
		double xx = x * x, yy = y * y, zz = z * z;
		v += C2[0] * x * y * SH(4) + C2[1] * y * z * SH(5) +
		     C2[2] * (2 * zz - xx - yy) * SH(6) + C2[3] * x * z * SH(7) +
		     C2[4] * (xx - yy) * SH(8);
		if (deg > 2)
			v += C3[0] * y * (3 * xx - yy) * SH(9) + C3[1] * x * y * z * SH(10) +
			     C3[2] * y * (4 * zz - xx - yy) * SH(11) +
			     C3[3] * z * (2 * zz - 3 * xx - 3 * yy) * SH(12) +
			     C3[4] * x * (4 * zz - xx - yy) * SH(13) +
			     C3[5] * z * (xx - yy) * SH(14) + C3[6] * x * (xx - 3 * yy) * SH(15);
	}
#undef SH
	return v + 0.5;
}

static inline void ref_project(const struct ref_params *p, int i, struct ref_splat *s)
{
	const double *m = p->means + 3 * i, *R = p->R;
	double pc[3];
	s->id = i;
	s->visible = 0;
	for (int a = 0; a < 3; a++)
		pc[a] = R[3 * a] * m[0] + R[3 * a + 1] * m[1] + R[3 * a + 2] * m[2] + p->t[a];
	if (!(pc[2] > p->znear))
		return;
	/* rotation of the normalised quaternion, covariance R S^2 R^T */
	const double *q = p->q + 4 * i;
	double qn = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
	double w = q[0] / qn, x = q[1] / qn, y = q[2] / qn, z = q[3] / qn;
	double Q[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
			  {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
			  {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}};
	double S[3][3];
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++) {
			double acc = 0;
			for (int k = 0; k < 3; k++)
				acc += Q[a][k] * Q[b][k] * exp(2 * p->ls[3 * i + k]);
			S[a][b] = acc;
		}
	/* Jacobian with x/z, y/z clamped to 1.3x the view either side */
	double tx = pc[0] / pc[2], ty = pc[1] / pc[2];
	double lxn = 1.3 * p->cx / p->fx, lxp = 1.3 * (p->w - p->cx) / p->fx;
	double lyn = 1.3 * p->cy / p->fy, lyp = 1.3 * (p->h - p->cy) / p->fy;
	tx = tx < -lxn ? -lxn : tx > lxp ? lxp : tx;
	ty = ty < -lyn ? -lyn : ty > lyp ? lyp : ty;
	double J[2][3] = {{p->fx / pc[2], 0, -p->fx * tx / pc[2]},
			  {0, p->fy / pc[2], -p->fy * ty / pc[2]}};
	double T[2][3], C2[2][2];
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 3; b++)
			T[a][b] = J[a][0] * R[b] + J[a][1] * R[3 + b] + J[a][2] * R[6 + b];
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 2; b++) {
			double acc = 0;
			for (int k = 0; k < 3; k++)
				for (int l = 0; l < 3; l++)
					acc += T[a][k] * S[k][l] * T[b][l];
			C2[a][b] = acc;
		}
	double det0 = C2[0][0] * C2[1][1] - C2[0][1] * C2[0][1];
	double a = C2[0][0] + 0.3, b = C2[0][1], c = C2[1][1] + 0.3;
	double det = a * c - b * b;
	if (!(det > 0))
		return;
	double factor = 1.0;
	if (p->antialias) {
		double ratio = det0 / det;
		factor = sqrt(ratio > 0.000025 ? ratio : 0.000025);
	}
	double mid = 0.5 * (a + c), disc = mid * mid - det;
	double lmax = mid + sqrt(disc > 0.1 ? disc : 0.1);
	double radius = ceil(3.0 * sqrt(lmax));
	s->u = p->fx * pc[0] / pc[2] + p->cx;
	s->v = p->fy * pc[1] / pc[2] + p->cy;
	s->z = pc[2];
	/* tiles touched: Inria's getRect with its pixel-centre coordinate u - 0.5 */
	int ntx = (p->w + 15) / 16, nty = (p->h + 15) / 16;
	double e[4] = {(s->u - 0.5 - radius) / 16, (s->v - 0.5 - radius) / 16,
		       (s->u - 0.5 + radius + 15) / 16, (s->v - 0.5 + radius + 15) / 16};
	int lim[4] = {ntx, nty, ntx, nty}, rr[4];
	for (int k = 0; k < 4; k++)
		rr[k] = e[k] <= 0 ? 0 : e[k] >= lim[k] ? lim[k] : (int)floor(e[k]);
	s->tx0 = rr[0], s->ty0 = rr[1], s->tx1 = rr[2], s->ty1 = rr[3];
	if ((s->tx1 - s->tx0) * (s->ty1 - s->ty0) == 0)
		return;
	s->A = c / det, s->B = -b / det, s->C = a / det;
	s->o = factor / (1.0 + exp(-p->op[i]));
	if (p->opmul) {
		if (p->opmul[i] == 0)
			return;
		s->o *= p->opmul[i];
	}
	/* colour seen from the camera centre -R^T t */
	double cp[3], d[3];
	for (int k = 0; k < 3; k++)
		cp[k] = -(R[k] * p->t[0] + R[3 + k] * p->t[1] + R[6 + k] * p->t[2]);
	for (int k = 0; k < 3; k++)
		d[k] = m[k] - cp[k];
	double dn = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
	for (int ch = 0; ch < 3; ch++) {
		double v = ref_sh_channel(p->sh + (size_t)3 * p->K * i, p->deg, d[0] / dn,
					  d[1] / dn, d[2] / dn, ch);
		s->rgb[ch] = v < 0 ? 0 : v;
	}
	s->visible = 1;
}

static int ref_cmp_depth(const void *a, const void *b)
{
	const struct ref_splat *x = a, *y = b;
	if (x->z != y->z)
		return x->z < y->z ? -1 : 1;
	return x->id - y->id;
}

/* Render; tile_rule 0 drops the tile restriction (every Gaussian is
 * considered at every pixel), which is what an ideal renderer does. */
static inline int ref_render(const struct ref_params *p, int tile_rule, struct ref_out *o)
{
	struct ref_splat *s = malloc(((size_t)p->n + 1) * sizeof *s);
	if (!s)
		return -1;
	int nv = 0;
	for (int i = 0; i < p->n; i++) {
		ref_project(p, i, s + nv);
		nv += s[nv].visible;
	}
	qsort(s, (size_t)nv, sizeof *s, ref_cmp_depth);
	for (int y = 0; y < p->h; y++)
		for (int x = 0; x < p->w; x++) {
			size_t pix = (size_t)y * p->w + x;
			double T = 1, col[3] = {0, 0, 0}, dep = 0, med = 0;
			uint32_t cnt = 0;
			int tx = x / 16, ty = y / 16;
			for (int j = 0; j < nv; j++) {
				const struct ref_splat *g = s + j;
				if (tile_rule && !(tx >= g->tx0 && tx < g->tx1 && ty >= g->ty0 &&
						   ty < g->ty1))
					continue;
				double dx = g->u - (x + 0.5), dy = g->v - (y + 0.5);
				double pw = -0.5 * (g->A * dx * dx + g->C * dy * dy) - g->B * dx * dy;
				if (pw > 0)
					continue;
				double a = g->o * exp(pw);
				a = a < 0.99 ? a : 0.99;
				if (a < 1.0 / 255)
					continue;
				double nt = T * (1 - a);
				if (nt < 1e-4)
					break;
				for (int c = 0; c < 3; c++)
					col[c] += g->rgb[c] * a * T;
				dep += g->z * a * T;
				if (T >= 0.5 && nt < 0.5)
					med = g->z;
				T = nt;
				cnt++;
			}
			for (int c = 0; c < 3; c++)
				o->rgb[3 * pix + c] = col[c] + T * p->bg[c];
			o->alpha[pix] = 1 - T;
			o->depth[pix] = dep;
			o->median[pix] = med;
			o->T[pix] = T;
			o->count[pix] = cnt;
		}
	free(s);
	return 0;
}

/* PSNR of float values a against double values b (n each, same layout). */
static inline double psnr_vs_ref(const float *a, const double *b, size_t n, double peak)
{
	double se = 0;
	for (size_t i = 0; i < n; i++) {
		double d = a[i] - b[i];
		se += d * d;
	}
	if (se == 0)
		return 999.0;
	return 10.0 * log10(peak * peak / (se / (double)n));
}

#endif
