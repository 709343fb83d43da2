/* The per-pixel math of sgs_math_blend.h VW pixels at a time, for the
 * CPU tile loops (cpu_tiles.h).  Pixels of a tile row are independent, so
 * the same front-to-back step (and back-to-front gradient step) runs on
 * VW lanes under a mask.  The includer defines VW:
 *   4  the portable path (GCC/Clang vector extensions; SSE2 on x86-64):
 *      every lane performs the scalar helpers' operations in the same
 *      order, so its results are bit-identical to sgs_blend_alpha /
 *      sgs_blend_step / sgs_blend_step_vjp / sgs_blend_alpha_vjp;
 *   8  with CPU_SIMD_AVX2 set, in a file compiled for AVX2 and FMA: the
 *      same operations eight lanes wide, with fused multiply-adds where
 *      the scalar code multiplies and adds (one rounding instead of two,
 *      so results differ from the scalar ones by float rounding);
 *  16  with CPU_SIMD_AVX512 set, in a file compiled for AVX-512 (F, DQ,
 *      VL): the AVX2 path's operations sixteen lanes wide, a whole tile
 *      row per vector, with 32 registers (the backward pass's gradient
 *      sums stay in registers).
 * test_raster_simd.c checks them all against the portable path. */
#ifndef SGS_CPU_SIMD_H
#define SGS_CPU_SIMD_H

#include <stdint.h>
#include <string.h>

#include "cpu_tile.h"
#include "sgs_math_blend.h"

#if !defined(__GNUC__)
#error "the CPU backend needs GCC or Clang vector extensions"
#endif
#if !defined(VW) || (VW != 4 && VW != 8 && VW != 16)
#error "define VW (4, 8 or 16) before including cpu_simd.h"
#endif
#if defined(CPU_SIMD_AVX2) && (VW != 8 || !defined(__AVX2__) || !defined(__FMA__))
#error "CPU_SIMD_AVX2 needs VW 8 and a file compiled with -mavx2 -mfma"
#endif
#if defined(CPU_SIMD_AVX512) &&                                                                   \
	(VW != 16 || !defined(__AVX512F__) || !defined(__AVX512DQ__) || !defined(__FMA__))
#error "CPU_SIMD_AVX512 needs VW 16 and a file compiled with -mavx512f -mavx512dq -mfma"
#endif
#if VW == 16 && !defined(CPU_SIMD_AVX512)
#error "VW 16 is the AVX-512 path"
#endif
/* the paths with fused multiply-adds */
#if defined(CPU_SIMD_AVX2) || defined(CPU_SIMD_AVX512)
#define CPU_SIMD_FMA 1
#endif
#if SGS_TILE % VW
#error "tile rows must hold whole vectors"
#endif
#if defined(CPU_SIMD_FMA) || defined(__SSE2__)
#include <immintrin.h>
#endif

typedef float vf __attribute__((vector_size(4 * VW)));
typedef int32_t vi __attribute__((vector_size(4 * VW)));

static inline vf vld(const float *p)
{
	vf v;
	memcpy(&v, p, sizeof v);
	return v;
}
static inline vi vldi(const int32_t *p)
{
	vi v;
	memcpy(&v, p, sizeof v);
	return v;
}
static inline void vst(float *p, vf v) { memcpy(p, &v, sizeof v); }
static inline void vsti(int32_t *p, vi v) { memcpy(p, &v, sizeof v); }
#if VW == 16
static inline vf vsplat(float x) { return (vf){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }
static inline vi vsplati(int32_t x) { return (vi){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }
static inline vi vlanes(void) { return (vi){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}; }
#elif VW == 8
static inline vf vsplat(float x) { return (vf){x, x, x, x, x, x, x, x}; }
static inline vi vsplati(int32_t x) { return (vi){x, x, x, x, x, x, x, x}; }
static inline vi vlanes(void) { return (vi){0, 1, 2, 3, 4, 5, 6, 7}; }
#else
static inline vf vsplat(float x) { return (vf){x, x, x, x}; }
static inline vi vsplati(int32_t x) { return (vi){x, x, x, x}; }
static inline vi vlanes(void) { return (vi){0, 1, 2, 3}; }
#endif

/* mask ? a : b, with masks of all-ones / all-zeros lanes */
static inline vf vsel(vi m, vf a, vf b)
{
#ifdef CPU_SIMD_AVX2
	return (vf)_mm256_blendv_ps((__m256)b, (__m256)a, (__m256)m);
#else
	return (vf)(((vi)a & m) | ((vi)b & ~m));
#endif
}
static inline vi vseli(vi m, vi a, vi b)
{
#ifdef CPU_SIMD_AVX2
	return (vi)_mm256_blendv_ps((__m256)b, (__m256)a, (__m256)m);
#else
	return (a & m) | (b & ~m);
#endif
}
/* The lanes of a mask as bits. */
static inline unsigned vbits(vi m)
{
#ifdef CPU_SIMD_AVX512
	return (unsigned)_mm512_movepi32_mask((__m512i)m);
#elif defined(CPU_SIMD_AVX2)
	return (unsigned)_mm256_movemask_ps((__m256)m);
#elif defined(__SSE2__)
	return (unsigned)_mm_movemask_ps((__m128)m);
#else
	unsigned b = 0;
	for (int l = 0; l < VW; l++)
		b |= (unsigned)(m[l] != 0) << l;
	return b;
#endif
}
/* a b + c and c - a b: fused on the AVX2 and AVX-512 paths, two roundings (as the
 * scalar code) on the portable one */
static inline vf vfma(vf a, vf b, vf c)
{
#ifdef CPU_SIMD_AVX512
	return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(CPU_SIMD_AVX2)
	return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
	return a * b + c;
#endif
}
static inline vf vfnma(vf a, vf b, vf c)
{
#ifdef CPU_SIMD_AVX512
	return (vf)_mm512_fnmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(CPU_SIMD_AVX2)
	return (vf)_mm256_fnmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
	return c - a * b;
#endif
}
/* Sum of the lanes in a fixed order. */
static inline float vhsum(vf v)
{
#if VW == 16
	return (((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]))) +
	       (((v[8] + v[9]) + (v[10] + v[11])) + ((v[12] + v[13]) + (v[14] + v[15])));
#elif VW == 8
	return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
#else
	return (v[0] + v[1]) + (v[2] + v[3]);
#endif
}

/* out[c] = the sum of v[c]'s lanes for c < CPU_REC, in a fixed order (on
 * the AVX2 path eight vectors at once with horizontal adds). */
static inline void vhsum_rec(const vf *v, float *out)
{
#ifdef CPU_SIMD_FMA
	for (int c = 0; c + 4 <= CPU_REC; c += 4) {
#ifdef CPU_SIMD_AVX512
		/* the two halves first, then as the AVX2 path */
		__m256 h[4];
		for (int k = 0; k < 4; k++)
			h[k] = _mm256_add_ps(_mm512_castps512_ps256((__m512)v[c + k]),
					     _mm512_extractf32x8_ps((__m512)v[c + k], 1));
		__m256 a = _mm256_hadd_ps(h[0], h[1]);
		__m256 b = _mm256_hadd_ps(h[2], h[3]);
#else
		__m256 a = _mm256_hadd_ps((__m256)v[c], (__m256)v[c + 1]);
		__m256 b = _mm256_hadd_ps((__m256)v[c + 2], (__m256)v[c + 3]);
#endif
		__m256 ab = _mm256_hadd_ps(a, b);
		_mm_storeu_ps(out + c, _mm_add_ps(_mm256_castps256_ps128(ab),
						  _mm256_extractf128_ps(ab, 1)));
	}
	for (int c = CPU_REC / 4 * 4; c < CPU_REC; c++)
		out[c] = vhsum(v[c]);
#else
	for (int c = 0; c < CPU_REC; c++)
		out[c] = vhsum(v[c]);
#endif
}

/* sgs_expf, lane by lane */
static inline vf vexpf(vf x)
{
	const vf magic = vsplat(12582912.0f);
	const vi lo = vsplati(-126), hi = vsplati(127);
	vf v = vfma(x, vsplat(1.44269504f), magic);
	vf n = v - magic;
	vi e = (vi)v - 0x4B400000;
	e = vseli(e < lo, lo, e);
	e = vseli(e > hi, hi, e);
	vf r = vfnma(n, vsplat(0.693145752f), x);
	r = vfnma(n, vsplat(1.42860677e-6f), r);
	vf p = vsplat(1.0f / 5040.0f);
	p = vfma(p, r, vsplat(1.0f / 720.0f));
	p = vfma(p, r, vsplat(1.0f / 120.0f));
	p = vfma(p, r, vsplat(1.0f / 24.0f));
	p = vfma(p, r, vsplat(1.0f / 6.0f));
	p = vfma(p, r, vsplat(0.5f));
	p = vfma(p, r, vsplat(1.0f));
	p = vfma(p, r, vsplat(1.0f));
	vf res = p * (vf)((e + 127) << 23);
	return (vf)((vi)res & ~(x < -87.0f));
}

/* A splat's Gaussian along one pixel row: dy = mean y - row centre. */
struct vrow {
	float dy;
	float A, B, C; /* power = (A dx + B) dx + C on the fused paths */
};

static inline struct vrow vrow_of(const struct cpu_splat *s, float dy)
{
	struct vrow r;
	r.dy = dy;
	r.A = -0.5f * s->con[0];
	r.B = -s->con[1] * dy;
	r.C = -0.5f * s->con[2] * dy * dy;
	return r;
}

/* sgs_gauss_power for the lanes' dx (mean x - pixel centre) */
static inline vf vpower(const struct cpu_splat *s, const struct vrow *r, vf dx)
{
#ifdef CPU_SIMD_FMA
	(void)s;
	return vfma(vfma(vsplat(r->A), dx, vsplat(r->B)), dx, vsplat(r->C));
#else
	const float dy = r->dy;
	return -0.5f * (s->con[0] * dx * dx + s->con[2] * dy * dy) - s->con[1] * dx * dy;
#endif
}

/* sgs_blend_alpha at the lanes' dx; *G receives exp(power). */
static inline vf valpha(const struct cpu_splat *s, const struct vrow *r, vf dx, vf *G)
{
	const vf power = vpower(s, r, dx);
	const vf g = vexpf(power);
	vf a = s->o * g;
	a = vsel(a < SGS_ALPHA_MAX, a, vsplat(SGS_ALPHA_MAX));
	*G = g;
	return (vf)((vi)a & ~((power > 0.0f) | (a < SGS_ALPHA_MIN)));
}

/* The pixel centres x + 0.5 of a tile's columns, a vector per VW
 * columns (exact: small integers and halves). */
struct vcols {
	vf cx[SGS_TILE / VW];
};

static inline void vcols_of(struct vcols *k, int px0)
{
	for (int i = 0; i < SGS_TILE / VW; i++)
		k->cx[i] = __builtin_convertvector(vlanes() + (px0 + i * VW), vf) + 0.5f;
}

/* mean x - pixel centre for the lanes of the vector at tile column c (a
 * multiple of VW): the scalar code's s->x - (px + 0.5), one rounding */
static inline vf vdx(const struct cpu_splat *s, const struct vcols *k, int c)
{
	return s->x - k->cx[c / VW];
}

/* Lanes of the vector at tile column c that lie in columns [ca, cb]. */
static inline vi vinrow(int c, int ca, int cb)
{
	const vi col = vlanes() + c;
	return (col >= ca) & (col <= cb);
}

/* ---- forward ---- */

struct fwd_soa {
	float T[TILE_PIX], r[TILE_PIX], g[TILE_PIX], b[TILE_PIX], d[TILE_PIX], med[TILE_PIX];
	int32_t cnt[TILE_PIX], last[TILE_PIX], done[TILE_PIX]; /* done: 0 or -1 */
	int row_active[SGS_TILE]; /* pixels of each row not yet saturated */
};

static inline void fwd_soa_init(struct fwd_soa *st, int width)
{
	for (int p = 0; p < TILE_PIX; p++) {
		st->T[p] = 1.0f;
		st->r[p] = st->g[p] = st->b[p] = st->d[p] = st->med[p] = 0.0f;
		st->cnt[p] = st->last[p] = st->done[p] = 0;
	}
	for (int y = 0; y < SGS_TILE; y++)
		st->row_active[y] = width;
}

/* Blend splat s (tile position jrel; jrel + 1 is recorded as last
 * contributor) into tile row yr (pixel centre y + 0.5 = yc), columns
 * [ca, cb] (centres in cols).  extras: FWD_DEPTH also accumulates the
 * expected depth, FWD_MEDIAN_COUNT the median depth and the contributor
 * count (each only when an output wants it).  Returns how many pixels
 * saturated (T would drop below 1e-4). */
enum { FWD_DEPTH = 1, FWD_MEDIAN_COUNT = 2 };
static inline __attribute__((always_inline)) int
fwd_row(struct fwd_soa *st, const struct cpu_splat *s, int yr, float yc, const struct vcols *cols,
	int ca, int cb, int32_t jrel, const int extras)
{
	const struct vrow rw = vrow_of(s, s->y - yc);
	const vi jv = vsplati(jrel + 1);
	int saturated = 0;
	/* every vector's alpha first: independent exponentials overlap */
	vf av[SGS_TILE / VW];
#pragma GCC unroll 4
	for (int v = 0; v < SGS_TILE / VW; v++) {
		vf G;
		av[v] = valpha(s, &rw, vdx(s, cols, v * VW), &G);
	}
	for (int c = ca / VW * VW; c <= cb; c += VW) {
		const int p = yr * SGS_TILE + c;
		const vf a = av[c / VW];
		const vi valid = vinrow(c, ca, cb) & (a != 0.0f) & ~vldi(st->done + p);
		if (!vbits(valid))
			continue;
		const vf T = vld(st->T + p);
		const vf nt = T * (1.0f - a);
		const vi sat = valid & (nt < SGS_T_MIN);
		const vi upd = valid & ~sat;
		const vf w = a * T;
		vst(st->r + p, vsel(upd, vfma(vsplat(s->rgb[0]), w, vld(st->r + p)), vld(st->r + p)));
		vst(st->g + p, vsel(upd, vfma(vsplat(s->rgb[1]), w, vld(st->g + p)), vld(st->g + p)));
		vst(st->b + p, vsel(upd, vfma(vsplat(s->rgb[2]), w, vld(st->b + p)), vld(st->b + p)));
		if (extras & FWD_DEPTH)
			vst(st->d + p, vsel(upd, vfma(vsplat(s->z), w, vld(st->d + p)), vld(st->d + p)));
		if (extras & FWD_MEDIAN_COUNT) {
			const vi cross = upd & (T >= 0.5f) & (nt < 0.5f);
			vst(st->med + p, vsel(cross, vsplat(s->z), vld(st->med + p)));
			vsti(st->cnt + p, vldi(st->cnt + p) - upd);
		}
		vst(st->T + p, vsel(upd, nt, T));
		vsti(st->last + p, vseli(upd, jv, vldi(st->last + p)));
		const unsigned sb = vbits(sat);
		if (sb) {
			vsti(st->done + p, vldi(st->done + p) | sat);
			saturated += __builtin_popcount(sb);
		}
	}
	st->row_active[yr] -= saturated;
	return saturated;
}

/* ---- backward ---- */

struct bwd_soa {
	float T[TILE_PIX], tnd[TILE_PIX]; /* T, T_N dL/dT_N */
	float rr[TILE_PIX], rg[TILE_PIX], rb[TILE_PIX], rz[TILE_PIX];   /* rec */
	float dr[TILE_PIX], dg[TILE_PIX], db[TILE_PIX], dd[TILE_PIX]; /* upstream dC, dD */
	int32_t last[TILE_PIX];
	int32_t row_last[SGS_TILE]; /* largest last contributor of each row */
};

/* Per-Gaussian gradient sums over pixels, lane-wise: d_xy[2],
 * d_conic[3], d_opacity, d_color[3], d_depth (the CPU_REC layout). */
struct gradv {
	vf v[CPU_REC];
};

/* One back-to-front step of splat s (tile position jj) over tile row yr
 * (pixel centre yc), columns [ca, cb] (centres in cols).  depth:
 * the depth output has a gradient (else its state is left alone).
 * Returns whether any pixel took part. */
static inline __attribute__((always_inline)) int
bwd_row(struct bwd_soa *st, const struct cpu_splat *s, int yr, float yc, const struct vcols *cols,
	int ca, int cb, int32_t jj, struct gradv *acc, const int depth)
{
	const float dy = s->y - yc;
	const struct vrow rw = vrow_of(s, dy);
	const vf zero = vsplat(0.0f);
	const vi jv = vsplati(jj);
	int any = 0;
	for (int c = ca / VW * VW; c <= cb; c += VW) {
		const int p = yr * SGS_TILE + c;
		vf G;
		const vf dx = vdx(s, cols, c);
		const vf a = valpha(s, &rw, dx, &G);
		const vi valid = vinrow(c, ca, cb) & (a != 0.0f) & (jv < vldi(st->last + p));
		if (!vbits(valid))
			continue;
		any = 1;
		/* sgs_blend_step_vjp */
		const vf ia = 1.0f / (1.0f - a), ila = 1.0f - a;
		const vf T = vld(st->T + p) * ia;
		const vf w = a * T;
		const vf rr = vld(st->rr + p), rg = vld(st->rg + p), rb = vld(st->rb + p);
		const vf dr = vld(st->dr + p), dg = vld(st->dg + p), db = vld(st->db + p);
		vf da = (s->rgb[0] - rr) * dr;
		da = vfma(s->rgb[1] - rg, dg, da);
		da = vfma(s->rgb[2] - rb, db, da);
		vf dd = zero;
		if (depth) {
			const vf rz = vld(st->rz + p);
			dd = vld(st->dd + p);
			da = vfma(s->z - rz, dd, da);
			vst(st->rz + p, vsel(valid, vfma(a, vsplat(s->z), ila * rz), rz));
		}
		da = vfma(da, T, vld(st->tnd + p) * ia);
		vst(st->T + p, vsel(valid, T, vld(st->T + p)));
		vst(st->rr + p, vsel(valid, vfma(a, vsplat(s->rgb[0]), ila * rr), rr));
		vst(st->rg + p, vsel(valid, vfma(a, vsplat(s->rgb[1]), ila * rg), rg));
		vst(st->rb + p, vsel(valid, vfma(a, vsplat(s->rgb[2]), ila * rb), rb));
		const vf wv = vsel(valid, w, zero);
		acc->v[6] = vfma(wv, dr, acc->v[6]);
		acc->v[7] = vfma(wv, dg, acc->v[7]);
		acc->v[8] = vfma(wv, db, acc->v[8]);
		if (depth)
			acc->v[9] = vfma(wv, dd, acc->v[9]);
		/* sgs_blend_alpha_vjp; the 0.99 clamp passes nothing */
		const vi live = valid & ~(s->o * G > SGS_ALPHA_MAX);
		const vf dp = vsel(live, da * s->o * G, zero);
		acc->v[5] = vfma(vsel(live, da, zero), G, acc->v[5]);
		acc->v[0] = vfnma(dp, vfma(vsplat(s->con[0]), dx, vsplat(s->con[1] * dy)), acc->v[0]);
		acc->v[1] = vfnma(dp, vfma(vsplat(s->con[1]), dx, vsplat(s->con[2] * dy)), acc->v[1]);
		acc->v[2] = vfnma(0.5f * dp * dx, dx, acc->v[2]);
		acc->v[3] = vfnma(dp * dx, vsplat(dy), acc->v[3]);
		acc->v[4] = vfnma(0.5f * dp * dy, vsplat(dy), acc->v[4]);
	}
	return any;
}

#endif
