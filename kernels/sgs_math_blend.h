/* The per-pixel work of the rasterizer: a Gaussian's alpha at a pixel
 * with Inria's rules, one front-to-back blend step, and the back-to-front
 * sweep that recovers the gradients. */
#ifndef SGS_MATH_BLEND_H
#define SGS_MATH_BLEND_H

#include "sgs_math_common.h"

/* Exponent of the 2D Gaussian at offset (dx, dy) = mean - pixel centre. */
static inline SGS_HD float sgs_gauss_power(const float con[3], float dx, float dy)
{
	return -0.5f * (con[0] * dx * dx + con[2] * dy * dy) - con[1] * dx * dy;
}

/* exp(x) for the Gaussian falloff, x <= 0.  On the CPU a polynomial that
 * runs four lanes wide in cpu_simd.h (relative error < 1e-7, about one
 * float ulp); on the GPU the library expf. */
static inline SGS_HD float sgs_expf(float x)
{
#ifdef __CUDA_ARCH__
	return expf(x);
#else
	/* x = n ln2 + r, |r| <= ln2/2.  n is rounded by adding 1.5*2^23, whose
	 * low mantissa bits then hold n; reading them as an integer avoids a
	 * float-to-int conversion, which keeps the vector version (cpu_simd.h)
	 * free of branches. */
	union {
		float f;
		int32_t i;
	} v, scale;
	v.f = x * 1.44269504f + 12582912.0f;
	float n = v.f - 12582912.0f;
	int32_t e = v.i - 0x4B400000;
	e = e < -126 ? -126 : e > 127 ? 127 : e;
	float r = x - n * 0.693145752f; /* ln2 split in two for accuracy */
	r -= n * 1.42860677e-6f;
	/* Taylor series of e^r to r^7: truncation < 1e-8 for |r| <= 0.35 */
	float p = 1.0f / 5040.0f;
	p = p * r + 1.0f / 720.0f;
	p = p * r + 1.0f / 120.0f;
	p = p * r + 1.0f / 24.0f;
	p = p * r + 1.0f / 6.0f;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	scale.i = (e + 127) << 23;
	return x < -87.0f ? 0.0f : p * scale.f;
#endif
}

/* alpha = min(0.99, o G), G = exp(power); 0 when the Gaussian is skipped
 * at this pixel (power > 0, or alpha < 1/255).  *G receives G for the
 * backward pass.  (kernels/cpu/cpu_simd.h repeats this four lanes wide.) */
static inline SGS_HD float sgs_blend_alpha(float o, float power, float *G)
{
	float g = sgs_expf(power);
	float a = o * g;
	a = a < SGS_ALPHA_MAX ? a : SGS_ALPHA_MAX;
	*G = g;
	return (power > 0.0f || a < SGS_ALPHA_MIN) ? 0.0f : a;
}

/* Add dL/d(mean xy, conic, opacity) of one non-skipped alpha (with its G)
 * given dL/dalpha.  The clamp at 0.99 passes no gradient. */
static inline SGS_HD void sgs_blend_alpha_vjp(const float con[3], float o, float G, float dx,
					      float dy, float dalpha, float dxy[2], float dcon[3],
					      float *dopacity)
{
	if (o * G > SGS_ALPHA_MAX)
		return;
	*dopacity += dalpha * G;
	float dp = dalpha * o * G; /* dL/dpower */
	dxy[0] -= dp * (con[0] * dx + con[1] * dy);
	dxy[1] -= dp * (con[2] * dy + con[1] * dx);
	dcon[0] -= 0.5f * dp * dx * dx;
	dcon[1] -= dp * dx * dy;
	dcon[2] -= 0.5f * dp * dy * dy;
}

/* Front-to-back state of one pixel. */
struct sgs_blend_fwd {
	float T;        /* transmittance in front of the next Gaussian */
	float rgb[3];   /* accumulated colour (without background) */
	float depth;    /* accumulated z */
	float median;   /* z where T first dropped below 0.5, 0 until then */
	uint32_t count; /* Gaussians blended */
};

static inline SGS_HD void sgs_blend_fwd_init(struct sgs_blend_fwd *s)
{
	s->T = 1.0f;
	s->rgb[0] = s->rgb[1] = s->rgb[2] = 0.0f;
	s->depth = 0.0f;
	s->median = 0.0f;
	s->count = 0;
}

/* Blend one Gaussian of alpha a > 0.  Returns 0 when the pixel is
 * saturated instead (T would fall below 1e-4): nothing is added and the
 * pixel takes no further Gaussians, as in Inria's rasterizer. */
static inline SGS_HD int sgs_blend_step(struct sgs_blend_fwd *s, float a, const float c[3],
					float z)
{
	float nt = s->T * (1.0f - a);
	if (nt < SGS_T_MIN)
		return 0;
	float w = a * s->T;
	s->rgb[0] += c[0] * w;
	s->rgb[1] += c[1] * w;
	s->rgb[2] += c[2] * w;
	s->depth += z * w;
	if (s->T >= 0.5f && nt < 0.5f)
		s->median = z;
	s->T = nt;
	s->count++;
	return 1;
}

/* Back-to-front state of one pixel for the gradients.  With T_j the
 * transmittance in front of Gaussian j and T_N the final one,
 *   dC/dc_j = a_j T_j,
 *   dC/da_j = T_j (c_j - rec_j) - T_N bg / (1 - a_j),
 *   dA/da_j = T_N / (1 - a_j)          (A = 1 - T_N),
 * where rec_j is the colour blended behind j normalised by T_{j+1}
 * (rec_j = a_{j+1} c_{j+1} + (1 - a_{j+1}) rec_{j+1}, folded in as soon as
 * j + 1 is done); the depth output works like a colour channel without
 * background. */
struct sgs_blend_bwd {
	float T;                   /* T after the current Gaussian (starts at T_N) */
	float rec[3], rec_z;       /* rec of the next Gaussian in front */
	float dC[3], dD;           /* upstream gradients at this pixel */
	float tn_dfinal;           /* T_N dL/dT_N (dL/dT_N: dA-term minus bg . dC) */
};

static inline SGS_HD void sgs_blend_bwd_init(struct sgs_blend_bwd *s, float TN, const float dC[3],
					     float dD, float dA, const float bg[3])
{
	s->T = TN;
	s->rec[0] = s->rec[1] = s->rec[2] = s->rec_z = 0.0f;
	s->dC[0] = dC[0];
	s->dC[1] = dC[1];
	s->dC[2] = dC[2];
	s->dD = dD;
	s->tn_dfinal = TN * (dA - (bg[0] * dC[0] + bg[1] * dC[1] + bg[2] * dC[2]));
}

/* Step back over Gaussian j (alpha a > 0, colour c, depth z): returns
 * dL/da_j and writes dL/dc_j, dL/dz_j. */
static inline SGS_HD float sgs_blend_step_vjp(struct sgs_blend_bwd *s, float a, const float c[3],
					      float z, float dc[3], float *dz)
{
	float ia = 1.0f / (1.0f - a);
	s->T *= ia; /* now T_j, in front of j */
	float w = a * s->T, da = 0.0f;
	for (int k = 0; k < 3; k++) {
		da += (c[k] - s->rec[k]) * s->dC[k];
		dc[k] = w * s->dC[k];
	}
	da += (z - s->rec_z) * s->dD;
	*dz = w * s->dD;
	/* what the Gaussian in front of j sees behind it */
	for (int k = 0; k < 3; k++)
		s->rec[k] = a * c[k] + (1.0f - a) * s->rec[k];
	s->rec_z = a * z + (1.0f - a) * s->rec_z;
	return da * s->T + s->tn_dfinal * ia;
}

#endif
