/* Definitions shared by the math headers of both backends: the SGS_HD
 * qualifier, Inria's numeric constants and small vector helpers.  These
 * headers are C11 that also compiles as CUDA C++ (no VLAs, no designated
 * initializers, no restrict). */
#ifndef SGS_MATH_COMMON_H
#define SGS_MATH_COMMON_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define SGS_HD __host__ __device__
#else
#define SGS_HD
#endif

#define SGS_ALPHA_MAX 0.99f          /* alpha clamp */
#define SGS_ALPHA_MIN (1.0f / 255.0f) /* skip fainter contributions */
#define SGS_T_MIN 1e-4f              /* stop before T falls below this */
#define SGS_DILATION 0.3f            /* low-pass filter, px^2 */
#define SGS_FRUSTUM_CLAMP 1.3f       /* Jacobian evaluated within 1.3x the view */
#define SGS_AA_MIN 0.000025f         /* floor of the antialiasing ratio */
#define SGS_RADIUS_MAX 1073741824    /* keeps float -> int conversions defined */

static inline SGS_HD float sgs_sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

static inline SGS_HD float sgs_clampf(float x, float lo, float hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* C = A B for row-major 3x3 matrices. */
static inline SGS_HD void sgs_mat3_mul(const float A[9], const float B[9], float C[9])
{
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			C[3 * i + j] = A[3 * i] * B[j] + A[3 * i + 1] * B[3 + j] + A[3 * i + 2] * B[6 + j];
}

/* y = A x */
static inline SGS_HD void sgs_mat3_vec(const float A[9], const float x[3], float y[3])
{
	for (int i = 0; i < 3; i++)
		y[i] = A[3 * i] * x[0] + A[3 * i + 1] * x[1] + A[3 * i + 2] * x[2];
}

/* y = A^T x */
static inline SGS_HD void sgs_mat3t_vec(const float A[9], const float x[3], float y[3])
{
	for (int i = 0; i < 3; i++)
		y[i] = A[i] * x[0] + A[3 + i] * x[1] + A[6 + i] * x[2];
}

#endif
