/* Screen-space footprint of a 3D Gaussian (EWA splatting as in Inria's
 * 3DGS): projection Jacobian with the frustum clamp, 2D covariance, the
 * 0.3 px^2 dilation (optionally opacity-compensated), the conic, the
 * screen radius and the tile rectangle, with their VJPs.
 * A 2D covariance or conic is stored as (xx, xy, yy); gradients of those
 * 3-vectors treat the off-diagonal as one parameter used twice. */
#ifndef SGS_MATH_PROJ_H
#define SGS_MATH_PROJ_H

#include "sgs_kernels.h"
#include "sgs_math_common.h"

/* Camera-space x/z and y/z limits for the Jacobian: 1.3x the view half
 * width on either side of the principal point.  For cx = w/2 this is
 * Inria's limx = 1.3 tan(fovx/2).  lim = {neg x, pos x, neg y, pos y}. */
static inline SGS_HD void sgs_cam_limits(const struct sgs_cam *cam, float lim[4])
{
	lim[0] = SGS_FRUSTUM_CLAMP * cam->cx / cam->fx;
	lim[1] = SGS_FRUSTUM_CLAMP * ((float)cam->w - cam->cx) / cam->fx;
	lim[2] = SGS_FRUSTUM_CLAMP * cam->cy / cam->fy;
	lim[3] = SGS_FRUSTUM_CLAMP * ((float)cam->h - cam->cy) / cam->fy;
}

/* J (2x3 row-major) of (fx x/z, fy y/z) at p, with x/z and y/z clamped
 * to the limits so that Gaussians far outside the view do not explode. */
static inline SGS_HD void sgs_proj_jacobian(const struct sgs_cam *cam, const float lim[4],
					    const float p[3], float J[6])
{
	float iz = 1.0f / p[2];
	float sx = sgs_clampf(p[0] * iz, -lim[0], lim[1]);
	float sy = sgs_clampf(p[1] * iz, -lim[2], lim[3]);
	J[0] = cam->fx * iz;
	J[1] = 0.0f;
	J[2] = -cam->fx * sx * iz;
	J[3] = 0.0f;
	J[4] = cam->fy * iz;
	J[5] = -cam->fy * sy * iz;
}

/* dp += dJ^T-contraction; a clamped ratio passes no gradient to x (y). */
static inline SGS_HD void sgs_proj_jacobian_vjp(const struct sgs_cam *cam, const float lim[4],
						const float p[3], const float dJ[6], float dp[3])
{
	float iz = 1.0f / p[2], iz2 = iz * iz;
	float rx = p[0] * iz, ry = p[1] * iz;
	int fx_free = rx >= -lim[0] && rx <= lim[1];
	int fy_free = ry >= -lim[2] && ry <= lim[3];
	float sx = sgs_clampf(rx, -lim[0], lim[1]);
	float sy = sgs_clampf(ry, -lim[2], lim[3]);
	/* J2 = -fx sx / z; with sx = x/z free: dJ2/dx = -fx/z^2, dJ2/dz = 2 fx x/z^3 */
	float d2x = fx_free ? -cam->fx * iz2 : 0.0f;
	float d2z = cam->fx * sx * iz2 + (fx_free ? cam->fx * rx * iz2 : 0.0f);
	float d5y = fy_free ? -cam->fy * iz2 : 0.0f;
	float d5z = cam->fy * sy * iz2 + (fy_free ? cam->fy * ry * iz2 : 0.0f);
	dp[0] += dJ[2] * d2x;
	dp[1] += dJ[5] * d5y;
	dp[2] += -dJ[0] * cam->fx * iz2 + dJ[2] * d2z - dJ[4] * cam->fy * iz2 + dJ[5] * d5z;
}

/* T = J W (2x3) */
static inline SGS_HD void sgs_jw(const float J[6], const float W[9], float T[6])
{
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			T[3 * i + j] = J[3 * i] * W[j] + J[3 * i + 1] * W[3 + j] + J[3 * i + 2] * W[6 + j];
}

/* cov2 = T Sigma T^T, T = J W (W: world-to-camera rotation). */
static inline SGS_HD void sgs_cov2d(const float J[6], const float W[9], const float cov3[9],
				    float cov2[3])
{
	float T[6], TS[6];
	sgs_jw(J, W, T);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			TS[3 * i + j] = T[3 * i] * cov3[j] + T[3 * i + 1] * cov3[3 + j] +
					T[3 * i + 2] * cov3[6 + j];
	cov2[0] = TS[0] * T[0] + TS[1] * T[1] + TS[2] * T[2];
	cov2[1] = TS[0] * T[3] + TS[1] * T[4] + TS[2] * T[5];
	cov2[2] = TS[3] * T[3] + TS[4] * T[4] + TS[5] * T[5];
}

/* dJ, dW, dcov3 (all written; dW may be NULL) from dcov2. */
static inline SGS_HD void sgs_cov2d_vjp(const float J[6], const float W[9], const float cov3[9],
					const float dcov2[3], float dJ[6], float dW[9],
					float dcov3[9])
{
	float T[6], G[4], GT[6], dT[6];
	sgs_jw(J, W, T);
	G[0] = dcov2[0];
	G[1] = G[2] = 0.5f * dcov2[1];
	G[3] = dcov2[2];
	/* dSigma = T^T G T */
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			GT[3 * i + j] = G[2 * i] * T[j] + G[2 * i + 1] * T[3 + j];
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			dcov3[3 * a + b] = T[a] * GT[b] + T[3 + a] * GT[3 + b];
	/* dT = 2 G T Sigma */
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			dT[3 * i + j] = 2.0f * (GT[3 * i] * cov3[j] + GT[3 * i + 1] * cov3[3 + j] +
						GT[3 * i + 2] * cov3[6 + j]);
	/* T = J W: dJ = dT W^T, dW = J^T dT */
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 3; k++)
			dJ[3 * i + k] = dT[3 * i] * W[3 * k] + dT[3 * i + 1] * W[3 * k + 1] +
					dT[3 * i + 2] * W[3 * k + 2];
	if (!dW) /* no pose gradient wanted */
		return;
	for (int k = 0; k < 3; k++)
		for (int j = 0; j < 3; j++)
			dW[3 * k + j] = J[k] * dT[j] + J[3 + k] * dT[3 + j];
}

/* out = cov + 0.3 I.  Returns the opacity factor: 1, or with antialias
 * sqrt(max(0.000025, det(cov) / det(out))) so that a Gaussian smaller than
 * a pixel keeps its integrated brightness instead of growing brighter. */
static inline SGS_HD float sgs_cov2d_dilate(const float cov[3], int antialias, float out[3])
{
	out[0] = cov[0] + SGS_DILATION;
	out[1] = cov[1];
	out[2] = cov[2] + SGS_DILATION;
	if (!antialias)
		return 1.0f;
	float det0 = cov[0] * cov[2] - cov[1] * cov[1];
	float det1 = out[0] * out[2] - out[1] * out[1];
	return sqrtf(fmaxf(SGS_AA_MIN, det0 / det1));
}

/* dcov (written) from the gradients of the dilated covariance and of the
 * opacity factor. */
static inline SGS_HD void sgs_cov2d_dilate_vjp(const float cov[3], int antialias,
					       const float dout[3], float dfactor, float dcov[3])
{
	dcov[0] = dout[0];
	dcov[1] = dout[1];
	dcov[2] = dout[2];
	if (!antialias)
		return;
	float a = cov[0], b = cov[1], c = cov[2];
	float det0 = a * c - b * b;
	float det1 = (a + SGS_DILATION) * (c + SGS_DILATION) - b * b;
	float r = det0 / det1;
	if (r <= SGS_AA_MIN)
		return;
	float dr = dfactor * 0.5f / sqrtf(r);
	float i2 = 1.0f / (det1 * det1);
	dcov[0] += dr * (c * det1 - det0 * (c + SGS_DILATION)) * i2;
	dcov[2] += dr * (a * det1 - det0 * (a + SGS_DILATION)) * i2;
	dcov[1] += dr * (-2.0f * b * (det1 - det0)) * i2;
}

/* Conic = inverse of the 2D covariance; returns 0 when it has none. */
static inline SGS_HD int sgs_conic(const float cov[3], float con[3])
{
	float det = cov[0] * cov[2] - cov[1] * cov[1];
	if (!(det > 0.0f))
		return 0;
	float inv = 1.0f / det;
	con[0] = cov[2] * inv;
	con[1] = -cov[1] * inv;
	con[2] = cov[0] * inv;
	return 1;
}

static inline SGS_HD void sgs_conic_vjp(const float cov[3], const float dcon[3], float dcov[3])
{
	float det = cov[0] * cov[2] - cov[1] * cov[1];
	float inv = 1.0f / det, inv2 = inv * inv;
	float ddet = (-dcon[0] * cov[2] + dcon[1] * cov[1] - dcon[2] * cov[0]) * inv2;
	dcov[0] = dcon[2] * inv + ddet * cov[2];
	dcov[1] = -dcon[1] * inv - 2.0f * ddet * cov[1];
	dcov[2] = dcon[0] * inv + ddet * cov[0];
}

/* Inria's screen radius: ceil(3 sqrt(largest eigenvalue)), in pixels. */
static inline SGS_HD int sgs_screen_radius(const float cov[3])
{
	float mid = 0.5f * (cov[0] + cov[2]);
	float det = cov[0] * cov[2] - cov[1] * cov[1];
	float lmax = mid + sqrtf(fmaxf(0.1f, mid * mid - det));
	float r = ceilf(3.0f * sqrtf(lmax));
	return r < (float)SGS_RADIUS_MAX ? (int)r : SGS_RADIUS_MAX;
}

/* Tiles [x0, x1) x [y0, y1) covered by the square of half side r around
 * pixel coordinate (u, v); Inria's getRect in our pixel convention (its
 * pixel-centre coordinate is u - 0.5).  Returns the number of tiles. */
static inline SGS_HD int sgs_tile_rect(float u, float v, int r, int tiles_x, int tiles_y,
				       int rect[4])
{
	float px = u - 0.5f, py = v - 0.5f, fr = (float)r, ts = (float)SGS_TILE;
	float e[4];
	e[0] = (px - fr) / ts;
	e[1] = (py - fr) / ts;
	e[2] = (px + fr + ts - 1.0f) / ts;
	e[3] = (py + fr + ts - 1.0f) / ts;
	for (int k = 0; k < 4; k++) {
		float hi = (float)(k & 1 ? tiles_y : tiles_x);
		rect[k] = !(e[k] > 0.0f) ? 0 : e[k] >= hi ? (int)hi : (int)e[k];
	}
	return (rect[2] - rect[0]) * (rect[3] - rect[1]);
}

#endif
