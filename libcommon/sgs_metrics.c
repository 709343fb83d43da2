/* Image and depth metrics; see sgs_metrics.h for the conventions. */
#include "sgs_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"

#define SSIM_C1 (0.01 * 0.01)
#define SSIM_C2 (0.03 * 0.03)
#define SSIM_SIGMA 1.5
#define WIN (2 * SGS_SSIM_RADIUS + 1)

int sgs_image_to_rgbf(const struct sgs_image *img, const float bg[3], float **out)
{
	static const float black[3] = {0, 0, 0};
	*out = NULL;
	if (!img->data || img->w == 0 || img->h == 0 || img->c < 1 || img->c > 4 ||
	    (img->bits != 8 && img->bits != 16))
		return sgs_error_set("not an 8- or 16-bit image with 1 to 4 channels");
	if (!bg)
		bg = black;
	size_t npix = (size_t)img->w * img->h;
	float *rgb = malloc(npix * 3 * sizeof *rgb);
	if (!rgb)
		return sgs_error_set("out of memory for a %ux%u image", img->w, img->h);
	double scale = img->bits == 16 ? 1.0 / 65535.0 : 1.0 / 255.0;
	uint32_t c = img->c;
	int gray = c <= 2, has_alpha = c == 2 || c == 4;
	for (size_t p = 0; p < npix; p++) {
		double v[4];
		for (uint32_t k = 0; k < c; k++) {
			size_t i = p * c + k;
			v[k] = (img->bits == 16 ? ((const uint16_t *)img->data)[i]
						: ((const uint8_t *)img->data)[i]) * scale;
		}
		double a = has_alpha ? v[c - 1] : 1.0;
		for (int k = 0; k < 3; k++) {
			double x = gray ? v[0] : v[k];
			rgb[p * 3 + k] = (float)(x * a + bg[k] * (1.0 - a));
		}
	}
	*out = rgb;
	return 0;
}

int sgs_rgbf_to_image(const float *rgb, uint32_t w, uint32_t h, struct sgs_image *img)
{
	if (sgs_image_alloc(img, w, h, 3, 8) != 0)
		return -1;
	uint8_t *o = img->data;
	for (size_t i = 0; i < (size_t)w * h * 3; i++) {
		double v = rgb[i] * 255.0 + 0.5;
		o[i] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v);
	}
	return 0;
}

double sgs_mse(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double d = (double)a[i] - b[i];
		s += d * d;
	}
	return n ? s / n : 0;
}

double sgs_psnr_from_mse(double mse)
{
	return mse > 0 ? -10.0 * log10(mse) : INFINITY;
}

double sgs_psnr(const float *a, const float *b, size_t n)
{
	return sgs_psnr_from_mse(sgs_mse(a, b, n));
}

/* The 1-D window both references build: exp(-x^2 / (2 sigma^2)) for
 * x = -5..5, divided by its sum (scipy's truncate 3.5 gives the same
 * radius, int(3.5 * 1.5 + 0.5) = 5). */
static void gauss_window(double k[WIN])
{
	double s = 0;
	for (int i = 0; i < WIN; i++) {
		double x = i - SGS_SSIM_RADIUS;
		k[i] = exp(-x * x / (2.0 * SSIM_SIGMA * SSIM_SIGMA));
		s += k[i];
	}
	for (int i = 0; i < WIN; i++)
		k[i] /= s;
}

/* scipy.ndimage mode 'reflect' (d c b a | a b c d | d c b a): the signal
 * is mirrored about its edges, edge sample repeated; period 2n. */
static long reflect_index(long i, long n)
{
	long p = 2 * n;
	i %= p;
	if (i < 0)
		i += p;
	return i < n ? i : p - 1 - i;
}

/* One separable pass along a line of n samples spaced `stride` apart.
 * Zero padding drops the taps that fall outside (conv2d, padding=5). */
static void filter_line(const double *in, double *out, long n, long stride, const double k[WIN],
			int reflect)
{
	for (long i = 0; i < n; i++) {
		double s = 0;
		for (int j = 0; j < WIN; j++) {
			long src = i + j - SGS_SSIM_RADIUS;
			if (src < 0 || src >= n) {
				if (!reflect)
					continue;
				src = reflect_index(src, n);
			}
			s += k[j] * in[src * stride];
		}
		out[i * stride] = s;
	}
}

/* Gaussian-filter a w x h plane in place (rows, then columns; the 2-D
 * window is the outer product, so this equals the direct 11x11 sum). */
static void filter_plane(double *p, double *tmp, long w, long h, const double k[WIN],
			 int reflect)
{
	for (long y = 0; y < h; y++)
		filter_line(p + y * w, tmp + y * w, w, 1, k, reflect);
	for (long x = 0; x < w; x++)
		filter_line(tmp + x, p + x, h, w, k, reflect);
}

/* Mean SSIM of one channel over the rectangle [crop, w-crop) x [crop, h-crop). */
static double ssim_channel(double *plane[6], long w, long h, const double k[WIN], int reflect,
			   long crop)
{
	double *mx = plane[0], *my = plane[1], *xx = plane[2], *yy = plane[3], *xy = plane[4];
	for (int i = 0; i < 5; i++)
		filter_plane(plane[i], plane[5], w, h, k, reflect);
	double sum = 0;
	for (long y = crop; y < h - crop; y++) {
		double row = 0;
		for (long x = crop; x < w - crop; x++) {
			long i = y * w + x;
			double ux = mx[i], uy = my[i];
			double vx = xx[i] - ux * ux, vy = yy[i] - uy * uy, vxy = xy[i] - ux * uy;
			row += ((2 * ux * uy + SSIM_C1) * (2 * vxy + SSIM_C2)) /
			       ((ux * ux + uy * uy + SSIM_C1) * (vx + vy + SSIM_C2));
		}
		sum += row;
	}
	return sum / ((double)(w - 2 * crop) * (h - 2 * crop));
}

int sgs_ssim(const float *a, const float *b, uint32_t w, uint32_t h, uint32_t c,
	     enum sgs_ssim_mode mode, double *ssim)
{
	int reflect = mode == SGS_SSIM_SKIMAGE;
	long crop = reflect ? SGS_SSIM_RADIUS : 0;
	if (w == 0 || h == 0 || c == 0)
		return sgs_error_set("SSIM of an empty image");
	if (reflect && (w < WIN || h < WIN))
		return sgs_error_set("SSIM (skimage): image %ux%u is smaller than the %dx%d window",
				     w, h, WIN, WIN);
	size_t n = (size_t)w * h;
	double *buf = malloc(6 * n * sizeof *buf);
	if (!buf)
		return sgs_error_set("out of memory for SSIM of a %ux%u image", w, h);
	double *plane[6];
	for (int i = 0; i < 6; i++)
		plane[i] = buf + i * n;
	double k[WIN];
	gauss_window(k);
	double total = 0;
	for (uint32_t ch = 0; ch < c; ch++) {
		for (size_t i = 0; i < n; i++) {
			double x = a[i * c + ch], y = b[i * c + ch];
			plane[0][i] = x;
			plane[1][i] = y;
			plane[2][i] = x * x;
			plane[3][i] = y * y;
			plane[4][i] = x * y;
		}
		/* Equal pixel counts per channel: the mean of channel means is
		 * also the mean over every pixel and channel (3DGS). */
		total += ssim_channel(plane, w, h, k, reflect, crop);
	}
	free(buf);
	*ssim = total / c;
	return 0;
}

float *sgs_composite_white(const float *a, const uint8_t *mask, uint32_t w, uint32_t h,
			   uint32_t c)
{
	size_t n = (size_t)w * h;
	float *o = malloc(n * c * sizeof *o);
	if (!o) {
		sgs_error_set("out of memory for a %ux%u image", w, h);
		return NULL;
	}
	for (size_t p = 0; p < n; p++) {
		float m = mask[p] / 255.0f;
		for (uint32_t k = 0; k < c; k++)
			o[p * c + k] = a[p * c + k] * m + 1.0f - m;
	}
	return o;
}

int sgs_masked_psnr(const float *a, const float *b, const uint8_t *mask, uint32_t w, uint32_t h,
		    uint32_t c, double *psnr)
{
	double se = 0, msum = 0;
	for (size_t p = 0; p < (size_t)w * h; p++) {
		if (!mask[p])
			continue;
		double m = mask[p] / 255.0;
		for (uint32_t k = 0; k < c; k++) {
			double d = (double)a[p * c + k] - b[p * c + k];
			se += m * d * d;
		}
		msum += m;
	}
	if (msum <= 0)
		return sgs_error_set("mask is empty");
	*psnr = sgs_psnr_from_mse(se / (msum * c));
	return 0;
}

int sgs_masked_ssim(const float *a, const float *b, const uint8_t *mask, uint32_t w, uint32_t h,
		    uint32_t c, enum sgs_ssim_mode mode, double *ssim)
{
	size_t p, n = (size_t)w * h;
	for (p = 0; p < n && !mask[p]; p++)
		;
	if (p == n)
		return sgs_error_set("mask is empty");
	float *ca = sgs_composite_white(a, mask, w, h, c);
	float *cb = ca ? sgs_composite_white(b, mask, w, h, c) : NULL;
	int rc = cb ? sgs_ssim(ca, cb, w, h, c, mode, ssim) : -1;
	free(ca);
	free(cb);
	return rc;
}

int sgs_depth_metrics(const float *pred, const float *gt, size_t n, double *absrel, double *rmse,
		      size_t *count)
{
	double rel = 0, sq = 0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		double g = gt[i], d = pred[i];
		if (!(g > 0) || !isfinite(g) || !(d > 0) || !isfinite(d))
			continue;
		rel += fabs(d - g) / g;
		sq += (d - g) * (d - g);
		m++;
	}
	*count = m;
	if (m == 0)
		return sgs_error_set("no pixel has both a ground-truth and a predicted depth");
	*absrel = rel / m;
	*rmse = sqrt(sq / m);
	return 0;
}

int sgs_prior_metrics(const float *prior, const float *conf, const float *gt, size_t n,
		      float conf_min, struct sgs_prior_scores *out)
{
	double rel = 0;
	size_t ngt = 0, m = 0, close = 0;
	for (size_t i = 0; i < n; i++) {
		double g = gt ? gt[i] : NAN, d = prior[i];
		if (gt && (!(g > 0) || !isfinite(g)))
			continue;
		ngt++;
		if (!(conf[i] > conf_min) || !(d > 0) || !isfinite(d))
			continue;
		m++;
		if (!gt) /* coverage only */
			continue;
		rel += fabs(d - g) / g;
		close += (d > g ? d / g : g / d) < 1.25;
	}
	if (!gt) {
		out->gt_pixels = ngt;
		out->scored = 0;
		out->completeness = ngt ? (double)m / (double)ngt : 0.0;
		out->absrel = out->delta1 = NAN;
		return 0;
	}
	if (ngt == 0)
		return sgs_error_set("the ground truth has no pixel with a depth");
	out->gt_pixels = ngt;
	out->scored = m;
	out->completeness = (double)m / (double)ngt;
	out->absrel = m ? rel / (double)m : NAN;
	out->delta1 = m ? (double)close / (double)m : NAN;
	return 0;
}

/* matplotlib "inferno" sampled at 0, 1/4, 1/2, 3/4, 1. */
static const double ramp[5][3] = {
	{0.001462, 0.000466, 0.013866},
	{0.341500, 0.062325, 0.429425},
	{0.735683, 0.215906, 0.330245},
	{0.978422, 0.557937, 0.034931},
	{0.988362, 0.998364, 0.644924},
};

void sgs_error_ramp(double t, uint8_t rgb[3])
{
	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	double s = t * 4;
	int i = s >= 4 ? 3 : (int)s;
	double f = s - i;
	for (int k = 0; k < 3; k++) {
		double v = ramp[i][k] + f * (ramp[i + 1][k] - ramp[i][k]);
		rgb[k] = (uint8_t)(v * 255.0 + 0.5);
	}
}

int sgs_error_map(const float *a, const float *b, uint32_t w, uint32_t h, uint32_t c,
		  struct sgs_image *out)
{
	if (c == 0)
		return sgs_error_set("error map of an image without channels");
	if (sgs_image_alloc(out, w, h, 3, 8) != 0)
		return -1;
	uint8_t *o = out->data;
	for (size_t p = 0; p < (size_t)w * h; p++) {
		double e = 0;
		for (uint32_t k = 0; k < c; k++)
			e += fabs((double)a[p * c + k] - b[p * c + k]);
		sgs_error_ramp(e / c / SGS_ERRMAP_MAX, o + p * 3);
	}
	return 0;
}
