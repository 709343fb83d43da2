/* A Gaussian's 3D covariance from its raw rotation and scale parameters,
 * and the vector-Jacobian products (VJPs) that carry gradients back.
 * Matrices are full row-major 3x3 (the covariance is symmetric). */
#ifndef SGS_MATH_COV_H
#define SGS_MATH_COV_H

#include "sgs_math_common.h"

/* Rotation of the normalised quaternion q = (w, x, y, z). */
static inline SGS_HD void sgs_quat_to_rotmat(const float q[4], float R[9])
{
	float inv = 1.0f / sqrtf(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
	float w = q[0] * inv, x = q[1] * inv, y = q[2] * inv, z = q[3] * inv;
	R[0] = 1.0f - 2.0f * (y * y + z * z);
	R[1] = 2.0f * (x * y - w * z);
	R[2] = 2.0f * (x * z + w * y);
	R[3] = 2.0f * (x * y + w * z);
	R[4] = 1.0f - 2.0f * (x * x + z * z);
	R[5] = 2.0f * (y * z - w * x);
	R[6] = 2.0f * (x * z - w * y);
	R[7] = 2.0f * (y * z + w * x);
	R[8] = 1.0f - 2.0f * (x * x + y * y);
}

/* dL/dq (raw, unnormalised q) from dL/dR, through the normalisation. */
static inline SGS_HD void sgs_quat_to_rotmat_vjp(const float q[4], const float g[9], float dq[4])
{
	float inv = 1.0f / sqrtf(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
	float w = q[0] * inv, x = q[1] * inv, y = q[2] * inv, z = q[3] * inv;
	float dn[4];
	dn[0] = 2.0f * (-z * g[1] + y * g[2] + z * g[3] - x * g[5] - y * g[6] + x * g[7]);
	dn[1] = 2.0f * (y * g[1] + z * g[2] + y * g[3] - 2.0f * x * g[4] - w * g[5] + z * g[6] +
			w * g[7] - 2.0f * x * g[8]);
	dn[2] = 2.0f * (-2.0f * y * g[0] + x * g[1] + w * g[2] + x * g[3] + z * g[5] - w * g[6] +
			z * g[7] - 2.0f * y * g[8]);
	dn[3] = 2.0f * (-2.0f * z * g[0] - w * g[1] + x * g[2] + w * g[3] - 2.0f * z * g[4] +
			y * g[5] + x * g[6] + y * g[7]);
	/* d(q/|q|)/dq = (I - n n^T) / |q| */
	float dot = w * dn[0] + x * dn[1] + y * dn[2] + z * dn[3];
	dq[0] = (dn[0] - w * dot) * inv;
	dq[1] = (dn[1] - x * dot) * inv;
	dq[2] = (dn[2] - y * dot) * inv;
	dq[3] = (dn[3] - z * dot) * inv;
}

/* Sigma = R S S^T R^T with S = diag(exp(log_scale)). */
static inline SGS_HD void sgs_cov3d(const float log_scale[3], const float q[4], float cov[9])
{
	float R[9], M[9];
	sgs_quat_to_rotmat(q, R);
	for (int j = 0; j < 3; j++) {
		float s = expf(log_scale[j]);
		M[j] = R[j] * s;
		M[3 + j] = R[3 + j] * s;
		M[6 + j] = R[6 + j] * s;
	}
	for (int i = 0; i < 3; i++)
		for (int j = i; j < 3; j++) {
			float v = M[3 * i] * M[3 * j] + M[3 * i + 1] * M[3 * j + 1] +
				  M[3 * i + 2] * M[3 * j + 2];
			cov[3 * i + j] = v;
			cov[3 * j + i] = v;
		}
}

/* dL/dlog_scale, dL/dq from dL/dSigma (any 3x3; it is symmetrised, so
 * passing the gradient of a symmetric use is correct). */
static inline SGS_HD void sgs_cov3d_vjp(const float log_scale[3], const float q[4],
					const float dcov[9], float dls[3], float dq[4])
{
	float R[9], M[9], s[3], G[9], dM[9], dR[9];
	sgs_quat_to_rotmat(q, R);
	for (int j = 0; j < 3; j++) {
		s[j] = expf(log_scale[j]);
		M[j] = R[j] * s[j];
		M[3 + j] = R[3 + j] * s[j];
		M[6 + j] = R[6 + j] * s[j];
	}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			G[3 * i + j] = dcov[3 * i + j] + dcov[3 * j + i];
	sgs_mat3_mul(G, M, dM); /* d(M M^T) -> (G + G^T) M */
	for (int j = 0; j < 3; j++) {
		float ds = dM[j] * R[j] + dM[3 + j] * R[3 + j] + dM[6 + j] * R[6 + j];
		dls[j] = ds * s[j];
		dR[j] = dM[j] * s[j];
		dR[3 + j] = dM[3 + j] * s[j];
		dR[6 + j] = dM[6 + j] * s[j];
	}
	sgs_quat_to_rotmat_vjp(q, dR, dq);
}

#endif
