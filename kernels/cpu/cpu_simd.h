/* The per-pixel math of sgs_math_blend.h four pixels at a time, for the
 * CPU tile loops.  Pixels of a row are independent, so the same
 * front-to-back step (and back-to-front gradient step) runs on four
 * lanes under a mask.  Every lane performs the operations of the scalar
 * helpers in the same order, so a lane's result is bit-identical to
 * sgs_blend_alpha / sgs_blend_step / sgs_blend_step_vjp /
 * sgs_blend_alpha_vjp (test_raster_simd.c checks this); only the final
 * sums of a Gaussian's gradient over pixels are grouped differently.
 * Uses GCC/Clang vector extensions (plain SSE2 on x86-64). */
#ifndef SGS_CPU_SIMD_H
#define SGS_CPU_SIMD_H

#include <stdint.h>
#include <string.h>

#include "cpu_tile.h"
#include "sgs_math_blend.h"

#if !defined(__GNUC__)
#error "the CPU backend needs GCC or Clang vector extensions"
#endif

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

/* Per-pixel state arrays of a tile, padded: a vector at the last pixel
 * reads three more entries. */
#define SOA (TILE_PIX + 4)

static inline v4f ld4f(const float *p)
{
	v4f v;
	memcpy(&v, p, sizeof v);
	return v;
}
static inline v4i ld4i(const int32_t *p)
{
	v4i v;
	memcpy(&v, p, sizeof v);
	return v;
}
static inline void st4f(float *p, v4f v) { memcpy(p, &v, sizeof v); }
static inline void st4i(int32_t *p, v4i v) { memcpy(p, &v, sizeof v); }
static inline v4f v4_splat(float x) { return (v4f){x, x, x, x}; }
/* mask ? a : b, with masks of all-ones / all-zeros lanes */
static inline v4f self(v4i m, v4f a, v4f b) { return (v4f)(((v4i)a & m) | ((v4i)b & ~m)); }
static inline v4i seli(v4i m, v4i a, v4i b) { return (a & m) | (b & ~m); }
static inline int any4(v4i m) { return (m[0] | m[1] | m[2] | m[3]) != 0; }
static inline float hsum4(v4f v) { return (v[0] + v[1]) + (v[2] + v[3]); }

/* sgs_expf, lane by lane */
static inline v4f v4_expf(v4f x)
{
	const v4f magic = v4_splat(12582912.0f);
	const v4i lo = {-126, -126, -126, -126}, hi = {127, 127, 127, 127};
	v4f v = x * 1.44269504f + magic;
	v4f n = v - magic;
	v4i e = (v4i)v - 0x4B400000;
	e = seli(e < lo, lo, e);
	e = seli(e > hi, hi, e);
	v4f r = x - n * 0.693145752f;
	r -= n * 1.42860677e-6f;
	v4f p = v4_splat(1.0f / 5040.0f);
	p = p * r + 1.0f / 720.0f;
	p = p * r + 1.0f / 120.0f;
	p = p * r + 1.0f / 24.0f;
	p = p * r + 1.0f / 6.0f;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	v4f res = p * (v4f)((e + 127) << 23);
	return (v4f)((v4i)res & ~(x < -87.0f));
}

/* sgs_blend_alpha at pixels x0 - k - (0..3) from the mean in x, dy in y;
 * *G receives exp(power). */
static inline v4f v4_alpha(const struct cpu_splat *s, float x0, float dy, int k, v4f *G)
{
	const v4f step = {0.0f, 1.0f, 2.0f, 3.0f};
	const v4f dx = x0 - ((float)k + step);
	const v4f power =
		-0.5f * (s->con[0] * dx * dx + s->con[2] * dy * dy) - s->con[1] * dx * dy;
	const v4f g = v4_expf(power);
	v4f a = s->o * g;
	a = self(a < SGS_ALPHA_MAX, a, v4_splat(SGS_ALPHA_MAX));
	*G = g;
	return (v4f)((v4i)a & ~((power > 0.0f) | (a < SGS_ALPHA_MIN)));
}

/* Lanes k..k+3 that lie within the row's nx pixels. */
static inline v4i v4_inrow(int k, int nx)
{
	const v4i lane = {0, 1, 2, 3};
	return (k + lane) < nx;
}

/* ---- forward ---- */

struct fwd_soa {
	float T[SOA], r[SOA], g[SOA], b[SOA], d[SOA], med[SOA];
	int32_t cnt[SOA], last[SOA], done[SOA]; /* done: 0 or -1 */
};

static inline void fwd_soa_init(struct fwd_soa *st)
{
	for (int p = 0; p < SOA; p++) {
		st->T[p] = 1.0f;
		st->r[p] = st->g[p] = st->b[p] = st->d[p] = st->med[p] = 0.0f;
		st->cnt[p] = st->last[p] = st->done[p] = 0;
	}
}

/* Blend splat s (position jrel + 1 recorded as last contributor) into
 * the nx pixels of row y starting at tile index p0, pixel x = xa.
 * Returns how many pixels saturated (T would drop below 1e-4). */
static inline int fwd_row(struct fwd_soa *st, const struct cpu_splat *s, int p0, int xa, int nx,
			  int y, int32_t jrel)
{
	const float dy = s->y - ((float)y + 0.5f), x0 = s->x - ((float)xa + 0.5f);
	int saturated = 0;
	for (int k = 0; k < nx; k += 4) {
		const int p = p0 + k;
		v4f G;
		const v4f a = v4_alpha(s, x0, dy, k, &G);
		const v4i valid = v4_inrow(k, nx) & (a != 0.0f) & ~ld4i(st->done + p);
		if (!any4(valid))
			continue;
		const v4f T = ld4f(st->T + p);
		const v4f nt = T * (1.0f - a);
		const v4i sat = valid & (nt < SGS_T_MIN);
		const v4i upd = valid & ~sat;
		const v4f w = a * T;
		st4f(st->r + p, self(upd, ld4f(st->r + p) + s->rgb[0] * w, ld4f(st->r + p)));
		st4f(st->g + p, self(upd, ld4f(st->g + p) + s->rgb[1] * w, ld4f(st->g + p)));
		st4f(st->b + p, self(upd, ld4f(st->b + p) + s->rgb[2] * w, ld4f(st->b + p)));
		st4f(st->d + p, self(upd, ld4f(st->d + p) + s->z * w, ld4f(st->d + p)));
		const v4i cross = upd & (T >= 0.5f) & (nt < 0.5f);
		st4f(st->med + p, self(cross, v4_splat(s->z), ld4f(st->med + p)));
		st4f(st->T + p, self(upd, nt, T));
		st4i(st->cnt + p, ld4i(st->cnt + p) - upd);
		const v4i jv = {jrel + 1, jrel + 1, jrel + 1, jrel + 1};
		st4i(st->last + p, seli(upd, jv, ld4i(st->last + p)));
		st4i(st->done + p, ld4i(st->done + p) | sat);
		saturated -= sat[0] + sat[1] + sat[2] + sat[3];
	}
	return saturated;
}

/* ---- backward ---- */

struct bwd_soa {
	float T[SOA], TN[SOA], dfin[SOA];
	float rr[SOA], rg[SOA], rb[SOA], rz[SOA];     /* rec */
	float la[SOA], lr[SOA], lg[SOA], lb[SOA], lz[SOA]; /* last alpha, colour, z */
	float dr[SOA], dg[SOA], db[SOA], dd[SOA];     /* upstream dC, dD */
	int32_t last[SOA];
};

/* Per-Gaussian gradient sums over pixels, lane-wise: d_xy[2],
 * d_conic[3], d_opacity, d_color[3], d_depth (the CPU_REC layout). */
struct grad4 {
	v4f v[CPU_REC];
};

/* One back-to-front step of splat s (tile position jj) over the nx
 * pixels of row y starting at tile index p0, pixel x = xa. */
static inline void bwd_row(struct bwd_soa *st, const struct cpu_splat *s, int p0, int xa, int nx,
			   int y, int32_t jj, struct grad4 *acc)
{
	const float dy = s->y - ((float)y + 0.5f), x0 = s->x - ((float)xa + 0.5f);
	const v4f zero = v4_splat(0.0f), step = {0.0f, 1.0f, 2.0f, 3.0f};
	const v4i jv = {jj, jj, jj, jj};
	for (int k = 0; k < nx; k += 4) {
		const int p = p0 + k;
		v4f G;
		const v4f a = v4_alpha(s, x0, dy, k, &G);
		const v4i valid = v4_inrow(k, nx) & (a != 0.0f) & (jv < ld4i(st->last + p));
		if (!any4(valid))
			continue;
		/* sgs_blend_step_vjp */
		const v4f ia = 1.0f / (1.0f - a);
		const v4f T = ld4f(st->T + p) * ia;
		const v4f w = a * T;
		const v4f la = ld4f(st->la + p);
		const v4f rr = la * ld4f(st->lr + p) + (1.0f - la) * ld4f(st->rr + p);
		const v4f rg = la * ld4f(st->lg + p) + (1.0f - la) * ld4f(st->rg + p);
		const v4f rb = la * ld4f(st->lb + p) + (1.0f - la) * ld4f(st->rb + p);
		const v4f rz = la * ld4f(st->lz + p) + (1.0f - la) * ld4f(st->rz + p);
		const v4f dr = ld4f(st->dr + p), dg = ld4f(st->dg + p), db = ld4f(st->db + p);
		const v4f dd = ld4f(st->dd + p);
		v4f da = (s->rgb[0] - rr) * dr;
		da += (s->rgb[1] - rg) * dg;
		da += (s->rgb[2] - rb) * db;
		da += (s->z - rz) * dd;
		da = da * T + ld4f(st->TN + p) * ia * ld4f(st->dfin + p);
		st4f(st->T + p, self(valid, T, ld4f(st->T + p)));
		st4f(st->rr + p, self(valid, rr, ld4f(st->rr + p)));
		st4f(st->rg + p, self(valid, rg, ld4f(st->rg + p)));
		st4f(st->rb + p, self(valid, rb, ld4f(st->rb + p)));
		st4f(st->rz + p, self(valid, rz, ld4f(st->rz + p)));
		st4f(st->lr + p, self(valid, v4_splat(s->rgb[0]), ld4f(st->lr + p)));
		st4f(st->lg + p, self(valid, v4_splat(s->rgb[1]), ld4f(st->lg + p)));
		st4f(st->lb + p, self(valid, v4_splat(s->rgb[2]), ld4f(st->lb + p)));
		st4f(st->lz + p, self(valid, v4_splat(s->z), ld4f(st->lz + p)));
		st4f(st->la + p, self(valid, a, la));
		acc->v[6] += self(valid, w * dr, zero);
		acc->v[7] += self(valid, w * dg, zero);
		acc->v[8] += self(valid, w * db, zero);
		acc->v[9] += self(valid, w * dd, zero);
		/* sgs_blend_alpha_vjp; the 0.99 clamp passes nothing */
		const v4i live = valid & ~(s->o * G > SGS_ALPHA_MAX);
		const v4f dx = x0 - ((float)k + step);
		const v4f dp = da * s->o * G;
		acc->v[5] += self(live, da * G, zero);
		acc->v[0] -= self(live, dp * (s->con[0] * dx + s->con[1] * dy), zero);
		acc->v[1] -= self(live, dp * (s->con[2] * dy + s->con[1] * dx), zero);
		acc->v[2] -= self(live, 0.5f * dp * dx * dx, zero);
		acc->v[3] -= self(live, dp * dx * dy, zero);
		acc->v[4] -= self(live, 0.5f * dp * dy * dy, zero);
	}
}

#endif
