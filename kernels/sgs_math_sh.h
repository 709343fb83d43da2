/* View-dependent colour from real spherical harmonics up to degree 3,
 * with Inria's constants and sign conventions, the +0.5 offset and the
 * clamp at 0, and the derivatives with respect to the coefficients and the
 * (unnormalised) viewing direction. */
#ifndef SGS_MATH_SH_H
#define SGS_MATH_SH_H

#include "sgs_math_common.h"

#define SGS_SH_C0 0.28209479177387814f
#define SGS_SH_C1 0.4886025119029199f
#define SGS_SH_C2_0 1.0925484305920792f
#define SGS_SH_C2_1 (-1.0925484305920792f)
#define SGS_SH_C2_2 0.31539156525252005f
#define SGS_SH_C2_3 (-1.0925484305920792f)
#define SGS_SH_C2_4 0.5462742152960396f
#define SGS_SH_C3_0 (-0.5900435899266435f)
#define SGS_SH_C3_1 2.890611442640554f
#define SGS_SH_C3_2 (-0.4570457994644658f)
#define SGS_SH_C3_3 0.3731763325901154f
#define SGS_SH_C3_4 (-0.4570457994644658f)
#define SGS_SH_C3_5 1.445305721320277f
#define SGS_SH_C3_6 (-0.5900435899266435f)

/* Basis values b[k], k < (deg+1)^2, at the unit direction (x, y, z). */
static inline SGS_HD void sgs_sh_basis(int deg, float x, float y, float z, float b[16])
{
	b[0] = SGS_SH_C0;
	if (deg < 1)
		return;
	b[1] = -SGS_SH_C1 * y;
	b[2] = SGS_SH_C1 * z;
	b[3] = -SGS_SH_C1 * x;
	if (deg < 2)
		return;
	float xx = x * x, yy = y * y, zz = z * z;
	b[4] = SGS_SH_C2_0 * x * y;
	b[5] = SGS_SH_C2_1 * y * z;
	b[6] = SGS_SH_C2_2 * (2.0f * zz - xx - yy);
	b[7] = SGS_SH_C2_3 * x * z;
	b[8] = SGS_SH_C2_4 * (xx - yy);
	if (deg < 3)
		return;
	b[9] = SGS_SH_C3_0 * y * (3.0f * xx - yy);
	b[10] = SGS_SH_C3_1 * x * y * z;
	b[11] = SGS_SH_C3_2 * y * (4.0f * zz - xx - yy);
	b[12] = SGS_SH_C3_3 * z * (2.0f * zz - 3.0f * xx - 3.0f * yy);
	b[13] = SGS_SH_C3_4 * x * (4.0f * zz - xx - yy);
	b[14] = SGS_SH_C3_5 * z * (xx - yy);
	b[15] = SGS_SH_C3_6 * x * (xx - 3.0f * yy);
}

/* Partial derivatives of the basis with respect to x, y, z (the basis
 * polynomials taken as functions of three free variables). */
static inline SGS_HD void sgs_sh_basis_grad(int deg, float x, float y, float z, float bx[16],
					    float by[16], float bz[16])
{
	bx[0] = by[0] = bz[0] = 0.0f;
	if (deg < 1)
		return;
	bx[1] = 0.0f, by[1] = -SGS_SH_C1, bz[1] = 0.0f;
	bx[2] = 0.0f, by[2] = 0.0f, bz[2] = SGS_SH_C1;
	bx[3] = -SGS_SH_C1, by[3] = 0.0f, bz[3] = 0.0f;
	if (deg < 2)
		return;
	float xx = x * x, yy = y * y, zz = z * z;
	bx[4] = SGS_SH_C2_0 * y, by[4] = SGS_SH_C2_0 * x, bz[4] = 0.0f;
	bx[5] = 0.0f, by[5] = SGS_SH_C2_1 * z, bz[5] = SGS_SH_C2_1 * y;
	bx[6] = -2.0f * SGS_SH_C2_2 * x, by[6] = -2.0f * SGS_SH_C2_2 * y,
	bz[6] = 4.0f * SGS_SH_C2_2 * z;
	bx[7] = SGS_SH_C2_3 * z, by[7] = 0.0f, bz[7] = SGS_SH_C2_3 * x;
	bx[8] = 2.0f * SGS_SH_C2_4 * x, by[8] = -2.0f * SGS_SH_C2_4 * y, bz[8] = 0.0f;
	if (deg < 3)
		return;
	bx[9] = SGS_SH_C3_0 * 6.0f * x * y;
	by[9] = SGS_SH_C3_0 * 3.0f * (xx - yy);
	bz[9] = 0.0f;
	bx[10] = SGS_SH_C3_1 * y * z;
	by[10] = SGS_SH_C3_1 * x * z;
	bz[10] = SGS_SH_C3_1 * x * y;
	bx[11] = SGS_SH_C3_2 * -2.0f * x * y;
	by[11] = SGS_SH_C3_2 * (4.0f * zz - xx - 3.0f * yy);
	bz[11] = SGS_SH_C3_2 * 8.0f * y * z;
	bx[12] = SGS_SH_C3_3 * -6.0f * x * z;
	by[12] = SGS_SH_C3_3 * -6.0f * y * z;
	bz[12] = SGS_SH_C3_3 * (6.0f * zz - 3.0f * xx - 3.0f * yy);
	bx[13] = SGS_SH_C3_4 * (4.0f * zz - 3.0f * xx - yy);
	by[13] = SGS_SH_C3_4 * -2.0f * x * y;
	bz[13] = SGS_SH_C3_4 * 8.0f * x * z;
	bx[14] = SGS_SH_C3_5 * 2.0f * x * z;
	by[14] = SGS_SH_C3_5 * -2.0f * y * z;
	bz[14] = SGS_SH_C3_5 * (xx - yy);
	bx[15] = SGS_SH_C3_6 * 3.0f * (xx - yy);
	by[15] = SGS_SH_C3_6 * -6.0f * x * y;
	bz[15] = 0.0f;
}

/* rgb = max(0, sum_k b_k(dir/|dir|) sh[k][c] + 0.5); clamped[c] records
 * which channels hit the clamp (their gradient is zero).  sh points at
 * one Gaussian's coefficients [k][c]; deg is the active degree. */
static inline SGS_HD void sgs_sh_color(int deg, const float *sh, const float dir[3], float rgb[3],
				       uint8_t clamped[3])
{
	float inv = 1.0f / sqrtf(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
	float b[16];
	int K = (deg + 1) * (deg + 1);
	sgs_sh_basis(deg, dir[0] * inv, dir[1] * inv, dir[2] * inv, b);
	for (int c = 0; c < 3; c++) {
		float v = 0.5f;
		for (int k = 0; k < K; k++)
			v += b[k] * sh[3 * k + c];
		clamped[c] = v < 0.0f;
		rgb[c] = v < 0.0f ? 0.0f : v;
	}
}

/* dsh[k][c] (written for k < (deg+1)^2) and ddir (written; gradient with
 * respect to the unnormalised direction) from drgb. */
static inline SGS_HD void sgs_sh_color_vjp(int deg, const float *sh, const float dir[3],
					   const uint8_t clamped[3], const float drgb[3],
					   float *dsh, float ddir[3])
{
	float inv = 1.0f / sqrtf(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
	float x = dir[0] * inv, y = dir[1] * inv, z = dir[2] * inv;
	float b[16], bx[16], by[16], bz[16], g[3];
	int K = (deg + 1) * (deg + 1);
	for (int c = 0; c < 3; c++)
		g[c] = clamped[c] ? 0.0f : drgb[c];
	sgs_sh_basis(deg, x, y, z, b);
	sgs_sh_basis_grad(deg, x, y, z, bx, by, bz);
	float dn[3] = {0.0f, 0.0f, 0.0f};
	for (int k = 0; k < K; k++) {
		float s = 0.0f;
		for (int c = 0; c < 3; c++) {
			dsh[3 * k + c] = b[k] * g[c];
			s += sh[3 * k + c] * g[c];
		}
		dn[0] += bx[k] * s;
		dn[1] += by[k] * s;
		dn[2] += bz[k] * s;
	}
	/* through the normalisation: (I - n n^T) / |dir| */
	float dot = x * dn[0] + y * dn[1] + z * dn[2];
	ddir[0] = (dn[0] - x * dot) * inv;
	ddir[1] = (dn[1] - y * dot) * inv;
	ddir[2] = (dn[2] - z * dot) * inv;
}

#endif
