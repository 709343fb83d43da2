/* The CPU backend's elementwise loops that profit from wider vectors:
 * Adam and the SSIM filters.  Included by cpu_simd_portable.c and
 * cpu_simd_avx2.c like cpu_tiles.h; the compiler vectorises the loops
 * (four lanes, or eight in the AVX2 file).  No multiply-add is fused
 * (ISO C: -ffp-contract=off) and every element is computed on its own
 * with IEEE operations, so both paths give the same bits
 * (test_train_ops.c checks). */
#include <math.h>
#include <stddef.h>

#include "sgs_math_optim.h"
#include "sgs_math_ssim.h"

#ifndef CPU_TILES_FN
#define CPU_TILES_CAT2(a, b) a##_##b
#define CPU_TILES_CAT(a, b) CPU_TILES_CAT2(a, b)
#define CPU_TILES_FN(name) CPU_TILES_CAT(name, CPU_TILES_PATH)
#endif

/* Adam over n consecutive elements with one step size. */
void CPU_TILES_FN(cpu_adam_run)(float *p, const float *g, float *m, float *v, size_t n,
				float step, float sqrt_bc2, float b1, float b2, float eps)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		sgs_adam_update(p + i, g[i], m + i, v + i, step, sqrt_bc2, b1, b2, eps);
}

#define TAPS SGS_SSIM_TAPS
#define HALF SGS_SSIM_HALF

/* out[x] = sum_k wt[k] a[x + k - HALF] (b[x + k - HALF] when b), zero
 * outside [0, w).  Taps are added in k order for every x; the interior
 * runs tap by tap over the whole row so it vectorises. */
void CPU_TILES_FN(cpu_hfilter)(const float *a, const float *b, float *out, int w, const float *wt)
{
	int lo = HALF < w ? HALF : w, hi = w - HALF > lo ? w - HALF : lo;
	for (int x = 0; x < w; x++) {
		if (x == lo)
			x = hi; /* interior below */
		if (x >= w)
			break;
		float s = 0.0f;
		for (int k = 0; k < TAPS; k++) {
			int j = x + k - HALF;
			if (j >= 0 && j < w)
				s += wt[k] * (b ? a[j] * b[j] : a[j]);
		}
		out[x] = s;
	}
	for (int x = lo; x < hi; x++)
		out[x] = 0.0f;
	for (int k = 0; k < TAPS; k++) {
		const float wk = wt[k];
		const float *ak = a + k - HALF;
		if (b) {
			const float *bk = b + k - HALF;
#pragma omp simd
			for (int x = lo; x < hi; x++)
				out[x] += wk * (ak[x] * bk[x]);
		} else {
#pragma omp simd
			for (int x = lo; x < hi; x++)
				out[x] += wk * ak[x];
		}
	}
}

/* out[x] = sum_k wt[k] plane[(y + k - HALF) w + x] over rows inside [0, h). */
void CPU_TILES_FN(cpu_vfilter)(const float *plane, float *out, int w, int h, int y,
			       const float *wt)
{
	for (int x = 0; x < w; x++)
		out[x] = 0.0f;
	for (int k = 0; k < TAPS; k++) {
		int r = y + k - HALF;
		if (r < 0 || r >= h)
			continue;
		const float *row = plane + (size_t)r * w;
		const float wk = wt[k];
#pragma omp simd
		for (int x = 0; x < w; x++)
			out[x] += wk * row[x];
	}
}

#undef TAPS
#undef HALF
