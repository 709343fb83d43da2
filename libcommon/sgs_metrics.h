/* Image-quality and depth metrics as the sparse-view papers report them:
 * PSNR, SSIM (two reference conventions), the DTU masked rule, depth
 * AbsRel/RMSE, and a colour-mapped per-pixel error image.
 *
 * Colour images here are float, interleaved, row-major, `c` channels with
 * values in [0,1] (data range 1). */
#ifndef SGS_METRICS_H
#define SGS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "sgs_image.h"

/* Which published SSIM implementation to reproduce.  Both use an 11x11
 * Gaussian window (sigma 1.5, normalised to sum 1), C1 = 0.01^2,
 * C2 = 0.03^2 and population (co)variances. */
enum sgs_ssim_mode {
	/* Inria 3DGS / most sparse-view papers: conv2d with zero padding of 5,
	 * SSIM map averaged over every pixel and channel. */
	SGS_SSIM_3DGS = 0,
	/* scikit-image structural_similarity(gaussian_weights=True, sigma=1.5,
	 * use_sample_covariance=False, data_range=1, channel_axis=2):
	 * scipy gaussian_filter with mode 'reflect', then the 5-pixel border
	 * cropped before averaging each channel; mean over channels. */
	SGS_SSIM_SKIMAGE = 1,
};

#define SGS_SSIM_RADIUS 5 /* window 11x11 */

/* Any 8- or 16-bit image (gray, gray+alpha, RGB, RGBA) to float RGB in
 * [0,1]; an alpha channel is composited over `bg` (black when NULL).
 * *out is malloc'd, w*h*3 floats. */
int sgs_image_to_rgbf(const struct sgs_image *img, const float bg[3], float **out);
/* Back to 8-bit RGB, rounding and clamping to [0,255]. */
int sgs_rgbf_to_image(const float *rgb, uint32_t w, uint32_t h, struct sgs_image *img);

/* Mean squared error over n samples; PSNR = -10 log10(MSE) (+inf when
 * the MSE is 0). */
double sgs_mse(const float *a, const float *b, size_t n);
double sgs_psnr_from_mse(double mse);
double sgs_psnr(const float *a, const float *b, size_t n);

/* Mean SSIM of two w x h x c images.  The skimage mode needs w, h >= 11
 * (as scikit-image does); fails with a message otherwise. */
int sgs_ssim(const float *a, const float *b, uint32_t w, uint32_t h, uint32_t c,
	     enum sgs_ssim_mode mode, double *ssim);

/* The DTU rule of the sparse-view evaluations (RegNeRF and followers);
 * mask is w*h bytes, 0 background .. 255 object, used as weight m/255:
 *   MSE over masked pixels and channels: sum m (a-b)^2 / (c * sum m);
 *   SSIM of both images composited to white outside the mask,
 *   rgb*m + 1 - m.
 * Fails when the mask is empty. */
int sgs_masked_psnr(const float *a, const float *b, const uint8_t *mask,
		    uint32_t w, uint32_t h, uint32_t c, double *psnr);
int sgs_masked_ssim(const float *a, const float *b, const uint8_t *mask,
		    uint32_t w, uint32_t h, uint32_t c, enum sgs_ssim_mode mode, double *ssim);
/* a*m + 1 - m into a new malloc'd buffer. */
float *sgs_composite_white(const float *a, const uint8_t *mask, uint32_t w, uint32_t h,
			   uint32_t c);

/* Depth errors over pixels where the ground truth is > 0 and the
 * prediction is finite and > 0: AbsRel = mean |d-g|/g, RMSE =
 * sqrt(mean (d-g)^2).  *count receives the number of such pixels; with
 * none the call fails. */
int sgs_depth_metrics(const float *pred, const float *gt, size_t n, double *absrel,
		      double *rmse, size_t *count);

/* A depth prior (z-depth + confidence) against ground truth, as the
 * prior's scores in sgs-eval --prior: over the ground-truth pixels
 * (gt > 0), completeness is the fraction whose prior is confident
 * (conf > conf_min, depth finite and > 0); over those confident pixels,
 * absrel = mean |d-g|/g and delta1 = the fraction with
 * max(d/g, g/d) < 1.25.  absrel and delta1 are NaN when no pixel is
 * confident; the call fails when the ground truth has no pixel.  gt NULL
 * (a view without ground truth): completeness over all n pixels, absrel
 * and delta1 NaN, scored 0. */
struct sgs_prior_scores {
	double absrel, delta1, completeness;
	size_t gt_pixels, scored;
};
int sgs_prior_metrics(const float *prior, const float *conf, const float *gt, size_t n,
		      float conf_min, struct sgs_prior_scores *out);

/* Error value that maps to the top of the colour ramp. */
#define SGS_ERRMAP_MAX 0.25
/* Per-pixel mean absolute error over the c channels, shown with an
 * inferno-like ramp (black -> purple -> orange -> pale yellow, linear
 * between five samples of matplotlib's "inferno"); error 0 is black and
 * errors >= SGS_ERRMAP_MAX are the top colour.  Allocates an 8-bit RGB
 * image. */
int sgs_error_map(const float *a, const float *b, uint32_t w, uint32_t h, uint32_t c,
		  struct sgs_image *out);
/* The ramp itself: t in [0,1] (clamped) -> 8-bit RGB. */
void sgs_error_ramp(double t, uint8_t rgb[3]);

#endif
