/* Metrics: PSNR, both SSIM conventions against brute-force references
 * written here independently, the DTU masked rule, depth errors, the
 * error-map ramp and the 8-bit conversion. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_metrics.h"
#include "tap.h"

#define W 23
#define H 17
#define C 3

static uint32_t lcg_state = 12345;
static float rnd(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return (lcg_state >> 8) / 16777216.0f;
}

/* Mirror an index into [0, n) the scipy 'reflect' way, one bounce at a
 * time (d c b a | a b c d | d c b a). */
static int mirror(int i, int n)
{
	while (i < 0 || i >= n) {
		if (i < 0)
			i = -i - 1;
		if (i >= n)
			i = 2 * n - 1 - i;
	}
	return i;
}

/* Direct SSIM: explicit 11x11 double loop per pixel with the 2-D weights
 * g(dy) g(dx); zero padding (reflect = 0) or reflect padding; the mean
 * over [crop, n-crop) per channel, then over channels. */
static double brute_ssim(const float *a, const float *b, int w, int h, int c, int reflect,
			 int crop)
{
	double g[11], gs = 0;
	for (int i = 0; i < 11; i++)
		gs += g[i] = exp(-0.5 * (i - 5) * (i - 5) / (1.5 * 1.5));
	for (int i = 0; i < 11; i++)
		g[i] /= gs;
	double total = 0;
	for (int ch = 0; ch < c; ch++) {
		double sum = 0;
		int cnt = 0;
		for (int y = crop; y < h - crop; y++)
			for (int x = crop; x < w - crop; x++) {
				double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
				for (int dy = -5; dy <= 5; dy++)
					for (int dx = -5; dx <= 5; dx++) {
						int yy = y + dy, xx = x + dx;
						if (reflect) {
							yy = mirror(yy, h);
							xx = mirror(xx, w);
						} else if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
							continue;
						}
						double wt = g[dy + 5] * g[dx + 5];
						double p = a[(yy * w + xx) * c + ch];
						double q = b[(yy * w + xx) * c + ch];
						mx += wt * p;
						my += wt * q;
						sxx += wt * p * p;
						syy += wt * q * q;
						sxy += wt * p * q;
					}
				double vx = sxx - mx * mx, vy = syy - my * my, cv = sxy - mx * my;
				double c1 = 1e-4, c2 = 9e-4;
				sum += (2 * mx * my + c1) * (2 * cv + c2) /
				       ((mx * mx + my * my + c1) * (vx + vy + c2));
				cnt++;
			}
		total += sum / cnt;
	}
	return total / c;
}

static void test_psnr(void)
{
	float a[12], b[12];
	for (int i = 0; i < 12; i++) {
		a[i] = 0.5f;
		b[i] = 0.5f + (i % 2 ? 0.1f : -0.1f);
	}
	double mse = sgs_mse(a, b, 12);
	ok(fabs(mse - 0.01) < 1e-8, "MSE of +-0.1 offsets is 0.01 (%.10f)", mse);
	ok(fabs(sgs_psnr(a, b, 12) - 20.0) < 1e-5, "PSNR at MSE 0.01 is 20 dB (%.6f)",
	   sgs_psnr(a, b, 12));
	ok(fabs(sgs_psnr_from_mse(1e-4) - 40.0) < 1e-9, "PSNR at MSE 1e-4 is 40 dB");
	ok(isinf(sgs_psnr(a, a, 12)) && sgs_psnr(a, a, 12) > 0, "PSNR of identical images is +inf");
}

static void test_ssim(void)
{
	static float a[W * H * C], b[W * H * C], n[W * H * C];
	for (int i = 0; i < W * H * C; i++) {
		a[i] = rnd();
		n[i] = rnd();
		/* Correlated but different, so SSIM is well inside (0, 1). */
		b[i] = 0.7f * a[i] + 0.3f * n[i];
	}
	double s = -1, ref;
	int rc = sgs_ssim(a, a, W, H, C, SGS_SSIM_3DGS, &s);
	ok(rc == 0 && fabs(s - 1) < 1e-12, "SSIM (3dgs) of identical images is 1 (%.15f)", s);
	rc = sgs_ssim(a, a, W, H, C, SGS_SSIM_SKIMAGE, &s);
	ok(rc == 0 && fabs(s - 1) < 1e-12, "SSIM (skimage) of identical images is 1 (%.15f)", s);

	ref = brute_ssim(a, b, W, H, C, 0, 0);
	rc = sgs_ssim(a, b, W, H, C, SGS_SSIM_3DGS, &s);
	ok(rc == 0 && fabs(s - ref) < 1e-6,
	   "SSIM (3dgs, zero padding) %.9f matches brute force %.9f", s, ref);
	ok(ref > 0.3 && ref < 0.99, "test images give a mid-range SSIM (%.4f)", ref);
	double s3 = s;
	/* Guards the test itself: the brute force does see the border rule. */
	double wrong = brute_ssim(a, b, W, H, C, 1, 0);
	ok(fabs(s3 - wrong) > 1e-4, "3dgs result differs from reflect padding (%.6f vs %.6f)",
	   s3, wrong);

	ref = brute_ssim(a, b, W, H, C, 1, 5);
	rc = sgs_ssim(a, b, W, H, C, SGS_SSIM_SKIMAGE, &s);
	ok(rc == 0 && fabs(s - ref) < 1e-6,
	   "SSIM (skimage, reflect + crop 5) %.9f matches brute force %.9f", s, ref);
	ok(fabs(s - s3) > 1e-4, "the two conventions differ on a small image (%.6f vs %.6f)", s,
	   s3);
	/* The crop equals the window radius, so no cropped-in pixel's window
	 * reaches the reflected border: same as "valid" filtering. */
	wrong = brute_ssim(a, b, W, H, C, 0, 5);
	ok(fabs(s - wrong) < 1e-12, "skimage mean only uses windows inside the image");

	double s2 = -2;
	sgs_ssim(b, a, W, H, C, SGS_SSIM_3DGS, &s2);
	ok(fabs(s2 - s3) < 1e-12, "SSIM is symmetric in its arguments");

	/* More noise, lower SSIM (no gradients: plain monotonicity). */
	static float b2[W * H * C];
	for (int i = 0; i < W * H * C; i++)
		b2[i] = 0.4f * a[i] + 0.6f * n[i];
	sgs_ssim(a, b2, W, H, C, SGS_SSIM_3DGS, &s2);
	ok(s2 < s3, "more noise lowers SSIM (%.4f < %.4f)", s2, s3);
	ok(sgs_psnr(a, b2, W * H * C) < sgs_psnr(a, b, W * H * C), "more noise lowers PSNR");

	/* A constant offset keeps the structure but changes luminance. */
	for (int i = 0; i < W * H * C; i++)
		b2[i] = a[i] * 0.5f + 0.25f;
	sgs_ssim(a, b2, W, H, 1, SGS_SSIM_3DGS, &s2);
	ok(s2 > 0 && s2 < 1, "SSIM of a contrast-halved image is in (0, 1) (%.4f)", s2);

	sgs_error_clear();
	rc = sgs_ssim(a, b, 10, 10, C, SGS_SSIM_SKIMAGE, &s);
	ok(rc == -1 &&
		   strstr(sgs_error_get(), "smaller") != NULL,
	   "skimage SSIM refuses images smaller than the window: %s", sgs_error_get());
	ok(sgs_ssim(a, b, 10, 10, C, SGS_SSIM_3DGS, &s) == 0, "3dgs SSIM accepts 10x10");
}

static void test_masked(void)
{
	static float a[W * H * C], b[W * H * C], b2[W * H * C];
	static uint8_t mask[W * H];
	size_t inside = 0;
	double se = 0;
	for (int p = 0; p < W * H; p++) {
		int x = p % W, y = p / W;
		mask[p] = (x > 4 && x < 17 && y > 3 && y < 13) ? 255 : 0;
		for (int k = 0; k < C; k++) {
			int i = p * C + k;
			a[i] = rnd();
			/* small error inside, large outside */
			b[i] = mask[p] ? a[i] + 0.05f * (rnd() - 0.5f) : 1.0f - a[i];
			b2[i] = mask[p] ? b[i] : rnd();
			if (mask[p])
				se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
		}
		inside += mask[p] != 0;
	}
	double psnr = 0, want = -10 * log10(se / (inside * C));
	int rc = sgs_masked_psnr(a, b, mask, W, H, C, &psnr);
	ok(rc == 0 && fabs(psnr - want) < 1e-6,
	   "masked PSNR %.6f = PSNR over mask pixels x channels %.6f", psnr, want);
	ok(psnr > sgs_psnr(a, b, W * H * C) + 10, "masked PSNR ignores the bad background");

	/* SSIM of the white-composited images, composited by hand here. */
	static float ca[W * H * C], cb[W * H * C];
	for (int p = 0; p < W * H; p++)
		for (int k = 0; k < C; k++) {
			ca[p * C + k] = mask[p] ? a[p * C + k] : 1.0f;
			cb[p * C + k] = mask[p] ? b[p * C + k] : 1.0f;
		}
	for (int mode = 0; mode < 2; mode++) {
		double s = -1, ref = brute_ssim(ca, cb, W, H, C, mode, mode ? 5 : 0);
		rc = sgs_masked_ssim(a, b, mask, W, H, C, mode, &s);
		ok(rc == 0 && fabs(s - ref) < 1e-6,
		   "masked SSIM (%s) %.9f = SSIM on white background %.9f",
		   mode ? "skimage" : "3dgs", s, ref);
		double s2 = -2;
		sgs_masked_ssim(a, b2, mask, W, H, C, mode, &s2);
		ok(s2 == s, "masked SSIM (%s) does not see pixels outside the mask",
		   mode ? "skimage" : "3dgs");
	}
	float *w = sgs_composite_white(a, mask, W, H, C);
	ok(w && w[0] == 1.0f && w[(6 * W + 6) * C] == a[(6 * W + 6) * C],
	   "composite: white outside, unchanged inside");
	free(w);

	memset(mask, 0, sizeof mask);
	rc = sgs_masked_psnr(a, b, mask, W, H, C, &psnr);
	ok(rc == -1, "empty mask is an error (%s)",
	   sgs_error_get());
}

static void test_depth(void)
{
	float gt[6] = {1, 2, 0, 4, 5, 2};
	float pr[6] = {1.5f, 2, 3, NAN, -1, 3};
	double absrel = 0, rmse = 0;
	size_t n = 0;
	/* valid: 0 (0.5 / 1), 1 (0), 5 (1 / 2) */
	int rc = sgs_depth_metrics(pr, gt, 6, &absrel, &rmse, &n);
	ok(rc == 0 && n == 3,
	   "depth: 3 valid pixels (got %zu)", n);
	ok(fabs(absrel - (0.5 + 0 + 0.5) / 3) < 1e-12, "AbsRel = 1/3 (%.12f)", absrel);
	ok(fabs(rmse - sqrt((0.25 + 0 + 1) / 3)) < 1e-12, "RMSE = sqrt(1.25/3) (%.12f)", rmse);
	float none[6] = {0};
	rc = sgs_depth_metrics(pr, none, 6, &absrel, &rmse, &n);
	ok(rc == -1 && n == 0,
	   "depth without ground truth is an error");
}

static void test_error_map(void)
{
	float a[4 * 3] = {0.5f, 0.5f, 0.5f, 0, 0, 0, 0, 0, 0, 0.2f, 0.2f, 0.2f};
	float b[4 * 3] = {0.5f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f, 0.5f, 0.5f, 0.5f, 0.325f,
			  0.325f, 0.075f};
	struct sgs_image img;
	ok(sgs_error_map(a, b, 2, 2, 3, &img) == 0 && img.c == 3 && img.bits == 8,
	   "error map is 8-bit RGB");
	const uint8_t *p = img.data;
	ok(p[0] == 0 && p[1] == 0 && p[2] == 4, "no error is inferno black (%u %u %u)", p[0], p[1],
	   p[2]);
	ok(p[3] == 252 && p[4] == 255 && p[5] == 164, "error 0.25 is the top colour (%u %u %u)",
	   p[3], p[4], p[5]);
	ok(memcmp(p + 6, p + 3, 3) == 0, "errors above 0.25 saturate");
	/* mean |diff| = 0.125 -> t = 0.5 -> the middle sample */
	ok(p[9] == 188 && p[10] == 55 && p[11] == 84, "error 0.125 is the middle colour (%u %u %u)",
	   p[9], p[10], p[11]);
	sgs_image_free(&img);
	uint8_t lo[3], hi[3];
	int mono = 1;
	for (int i = 1; i <= 100; i++) {
		sgs_error_ramp((i - 1) / 100.0, lo);
		sgs_error_ramp(i / 100.0, hi);
		/* perceptual ordering: brightness never decreases */
		if (lo[0] + lo[1] + lo[2] > hi[0] + hi[1] + hi[2])
			mono = 0;
	}
	ok(mono, "ramp brightness increases monotonically");
}

static void test_convert(void)
{
	struct sgs_image img;
	uint8_t px[8] = {255, 0, 0, 128, 10, 20, 30, 255};
	img.w = 2;
	img.h = 1;
	img.c = 4;
	img.bits = 8;
	img.data = px;
	float bg[3] = {1, 1, 1}, *rgb;
	ok(sgs_image_to_rgbf(&img, bg, &rgb) == 0, "RGBA8 converts");
	ok(fabsf(rgb[0] - 1) < 1e-6f && fabsf(rgb[1] - 127 / 255.0f) < 1e-6f &&
		   fabsf(rgb[4] - 20 / 255.0f) < 1e-6f,
	   "alpha composited over white (%.6f %.6f), opaque pixel unchanged", rgb[0], rgb[1]);
	struct sgs_image back;
	ok(sgs_rgbf_to_image(rgb, 2, 1, &back) == 0 &&
		   memcmp((uint8_t *)back.data + 3, px + 4, 3) == 0,
	   "float -> 8-bit round trip of an opaque pixel");
	sgs_image_free(&back);
	free(rgb);

	uint16_t g16[2] = {65535, 0};
	img.c = 1;
	img.bits = 16;
	img.data = g16;
	ok(sgs_image_to_rgbf(&img, NULL, &rgb) == 0 && rgb[0] == 1.0f && rgb[2] == 1.0f &&
		   rgb[3] == 0.0f,
	   "16-bit gray replicated to RGB");
	free(rgb);
}

/* A depth prior's scores: four ground-truth pixels (one without), one
 * prior pixel not confident, one off by a factor 2; without ground truth
 * only the completeness over all pixels. */
static void test_prior(void)
{
	const float gt[5] = {1.0f, 2.0f, 4.0f, 8.0f, 0.0f};
	const float prior[5] = {1.1f, 2.0f, 8.0f, 8.0f, 3.0f};
	const float conf[5] = {0.9f, 0.9f, 0.9f, 0.2f, 0.9f};
	struct sgs_prior_scores sc;
	int rc = sgs_prior_metrics(prior, conf, gt, 5, 0.5f, &sc);
	ok(rc == 0 && sc.gt_pixels == 4 &&
		   sc.scored == 3 && fabs(sc.completeness - 0.75) < 1e-12 &&
		   fabs(sc.absrel - (0.1 + 0.0 + 1.0) / 3.0) < 1e-6 &&
		   fabs(sc.delta1 - 2.0 / 3.0) < 1e-12,
	   "prior against ground truth: completeness %.3f, absrel %.4f, delta1 %.3f",
	   sc.completeness, sc.absrel, sc.delta1);
	rc = sgs_prior_metrics(prior, conf, NULL, 5, 0.5f, &sc);
	ok(rc == 0 && sc.gt_pixels == 5 &&
		   sc.scored == 0 && fabs(sc.completeness - 0.8) < 1e-12 && isnan(sc.absrel) &&
		   isnan(sc.delta1),
	   "prior without ground truth: completeness %.3f over all pixels, no errors",
	   sc.completeness);
	const float none[2] = {0.0f, -1.0f};
	ok(sgs_prior_metrics(prior, conf, none, 2, 0.5f, &sc) != 0,
	   "ground truth without a pixel: refused");
}

int main(void)
{
	test_psnr();
	test_ssim();
	test_masked();
	test_depth();
	test_error_map();
	test_convert();
	test_prior();
	return tap_done();
}
