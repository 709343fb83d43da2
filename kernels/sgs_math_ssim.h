/* The SSIM of the published 3DGS loss, per pixel, and its derivatives:
 * shared by the CPU and CUDA loss kernels.
 *
 * With the windowed statistics of one channel at pixel q (zero padding),
 *   mx = W*x, my = W*y, exx = W*x^2, eyy = W*y^2, exy = W*(x y),
 *   A = 2 mx my + C1, B = 2 (exy - mx my) + C2,
 *   C = mx^2 + my^2 + C1, D = (exx - mx^2) + (eyy - my^2) + C2,
 *   S = A B / (C D).
 * Only the rendered image x is differentiated, so S's partials w.r.t. mx,
 * exx and exy suffice; dS/dx(p) = sum_q W(q - p) [dS/dmx(q) + 2 x(p)
 * dS/dexx(q) + y(p) dS/dexy(q)], i.e. the partial maps filtered by the
 * (symmetric) window once more. */
#ifndef SGS_MATH_SSIM_H
#define SGS_MATH_SSIM_H

#include <math.h>

#include "sgs_math_common.h"

#define SGS_SSIM_TAPS 11
#define SGS_SSIM_HALF 5
#define SGS_SSIM_C1 (0.01f * 0.01f)
#define SGS_SSIM_C2 (0.03f * 0.03f)

/* The 1D window, sigma 1.5, normalised to sum 1 (computed in double, as
 * Python's math.exp does in the reference, then rounded to float). */
static inline SGS_HD void sgs_ssim_window(float w[SGS_SSIM_TAPS])
{
	double g[SGS_SSIM_TAPS], sum = 0.0;
	for (int k = 0; k < SGS_SSIM_TAPS; k++) {
		double d = (double)(k - SGS_SSIM_HALF);
		g[k] = exp(-d * d / (2.0 * 1.5 * 1.5));
		sum += g[k];
	}
	for (int k = 0; k < SGS_SSIM_TAPS; k++)
		w[k] = (float)(g[k] / sum);
}

/* S at one pixel and its partials w.r.t. mx, exx and exy. */
static inline SGS_HD float sgs_ssim_pixel(float mx, float my, float exx, float eyy, float exy,
					  float *d_mx, float *d_exx, float *d_exy)
{
	float mxy = mx * my;
	float A = 2.0f * mxy + SGS_SSIM_C1;
	float B = 2.0f * (exy - mxy) + SGS_SSIM_C2;
	float C = mx * mx + my * my + SGS_SSIM_C1;
	float D = (exx - mx * mx) + (eyy - my * my) + SGS_SSIM_C2;
	float invCD = 1.0f / (C * D);
	float S = A * B * invCD;
	/* dA/dmx = 2 my, dB/dmx = -2 my, dC/dmx = 2 mx, dD/dmx = -2 mx;
	 * dD/dexx = 1, dB/dexy = 2.  No division by A or B (either may be 0). */
	*d_mx = 2.0f * my * (B - A) * invCD - 2.0f * mx * S * (1.0f / C - 1.0f / D);
	*d_exx = -S / D;
	*d_exy = 2.0f * A * invCD;
	return S;
}

/* torch's abs backward: sign, 0 at equality. */
static inline SGS_HD float sgs_signf(float d) { return d > 0.0f ? 1.0f : d < 0.0f ? -1.0f : 0.0f; }

#endif
