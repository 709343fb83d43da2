/* The viridis ramp and the depth previews of sgs-depth -o: endpoints,
 * luminance rising monotonically, the robust range, and file names kept
 * inside their folder. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_colormap.h"
#include "sgs_depth_files.h"
#include "sgs_error.h"
#include "tap.h"

static int near_rgb(const uint8_t *c, int r, int g, int b, int tol)
{
	return abs(c[0] - r) <= tol && abs(c[1] - g) <= tol && abs(c[2] - b) <= tol;
}

/* Relative luminance (Rec. 709 weights on linear light). */
static double luminance(const uint8_t *c)
{
	double lin[3];
	for (int k = 0; k < 3; k++) {
		double v = c[k] / 255.0;
		lin[k] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

static void test_viridis(void)
{
	uint8_t c[3], d[3];
	/* matplotlib's viridis: #440154, #21918c, #fde725 */
	sgs_viridis(0, c);
	ok(near_rgb(c, 68, 1, 84, 4), "viridis(0) = %u,%u,%u (dark purple 68,1,84)", c[0], c[1], c[2]);
	sgs_viridis(0.5, c);
	ok(near_rgb(c, 33, 145, 140, 4), "viridis(0.5) = %u,%u,%u (teal 33,145,140)", c[0], c[1], c[2]);
	sgs_viridis(1, c);
	ok(near_rgb(c, 253, 231, 37, 4), "viridis(1) = %u,%u,%u (yellow 253,231,37)", c[0], c[1], c[2]);
	int rising = 1;
	double prev = -1;
	for (int i = 0; i <= 64 && rising; i++) {
		sgs_viridis(i / 64.0, c);
		double y = luminance(c);
		if (!(y > prev)) {
			rising = 0;
			diag("luminance %g at t = %g after %g", y, i / 64.0, prev);
		}
		prev = y;
	}
	ok(rising, "luminance rises strictly over 65 steps from 0 to 1");
	sgs_viridis(-3, c);
	sgs_viridis(0, d);
	int low = c[0] == d[0] && c[1] == d[1] && c[2] == d[2];
	sgs_viridis(NAN, c);
	low = low && c[0] == d[0] && c[1] == d[1] && c[2] == d[2];
	sgs_viridis(7, c);
	sgs_viridis(1, d);
	ok(low && c[0] == d[0] && c[1] == d[1] && c[2] == d[2], "t is clamped to [0,1], NaN reads as 0");
}

static void test_range_and_preview(void)
{
	enum { N = 100 };
	float depth[N], conf[N];
	for (int i = 0; i < N; i++) {
		depth[i] = (float)(i + 1);
		conf[i] = 1;
	}
	float lo = 0, hi = 0;
	int rc = sgs_depth_range(depth, conf, N, 0.5f, &lo, &hi);
	ok(rc == 0 && lo == 3 && hi == 98, "range of 1..100: 2nd and 98th percentiles %g, %g", lo, hi);
	depth[0] = 1e6f; /* an unconfident wild value must not stretch the range */
	conf[0] = 0.2f;
	rc = sgs_depth_range(depth, conf, N, 0.5f, &lo, &hi);
	ok(rc == 0 && lo == 4 && hi == 98, "unconfident pixels are left out: %g, %g", lo, hi);
	for (int i = 0; i < N; i++)
		conf[i] = 0;
	ok(sgs_depth_range(depth, conf, N, 0.5f, &lo, &hi) == 1, "no confident pixel: no range");

	/* a 10x10 preview: near bright, far dark, unconfident black */
	struct sgs_image img;
	for (int i = 0; i < N; i++) {
		depth[i] = (float)(1 + i / 10);
		conf[i] = 1;
	}
	conf[55] = 0.1f;
	depth[66] = -1;
	rc = sgs_depth_colorize(depth, conf, 10, 10, 0.5f, &img);
	ok(rc == 0 && img.c == 3 && img.bits == 8, "preview is 8-bit RGB");
	const uint8_t *px = img.data;
	ok(luminance(px) > luminance(px + 3 * 90) && near_rgb(px, 253, 231, 37, 4) &&
		   near_rgb(px + 3 * 90, 68, 1, 84, 4),
	   "near row yellow %u,%u,%u, far row purple %u,%u,%u", px[0], px[1], px[2], px[270],
	   px[271], px[272]);
	ok(px[3 * 55] == 0 && px[3 * 55 + 1] == 0 && px[3 * 55 + 2] == 0 && px[3 * 66] == 0 &&
		   px[3 * 66 + 1] == 0,
	   "unconfident and depthless pixels are black");
	sgs_image_free(&img);

	float c3[4] = {0.5f, 1.5f, -1, 1};
	rc = sgs_conf_image(c3, 2, 2, &img);
	px = img.data;
	ok(rc == 0 && img.c == 1 && px[0] == 128 && px[1] == 255 && px[2] == 0 && px[3] == 255,
	   "confidence image: 0.5 -> 128, clamped to [0,255]");
	sgs_image_free(&img);
}

static void test_stems(void)
{
	ok(sgs_stem_check("view_000") == 0 && sgs_stem_check("IMG 4026.b") == 0,
	   "ordinary view names are file stems");
	ok(sgs_stem_check("..") != 0 && sgs_stem_check(".") != 0 && sgs_stem_check("") != 0 &&
		   sgs_stem_check("../x") != 0 && sgs_stem_check("a/b") != 0 &&
		   sgs_stem_check("/etc/x") != 0 && sgs_stem_check("a\nb") != 0,
	   "names that would leave the folder are refused");
	char *p = sgs_stem_path("out", "v1", "_depth.tif");
	ok(p && strcmp(p, "out/v1_depth.tif") == 0, "stem path: %s", p ? p : "(null)");
	free(p);
	ok(sgs_stem_path("out", "../v1", ".tif") == NULL, "stem path of '../v1' refused");
}

int main(void)
{
	test_viridis();
	test_range_and_preview();
	test_stems();
	return tap_done();
}
