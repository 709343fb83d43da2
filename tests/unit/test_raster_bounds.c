/* The tight screen-space bounds (kernels/sgs_math_bounds.h) against the
 * pixel rule they stand for: for random footprints -- round, elongated up
 * to needles, faint (opacity just above 1/255) and opaque, centred inside
 * and outside the image -- every pixel of Inria's 3-sigma rectangle where
 * the pixel loop's float alpha reaches 1/255 must lie inside the box
 * (pixel_span's test) and in a tile the row spans emit, and
 * sgs_tile_count must equal the tiles the spans emit.  Then the bounds
 * must be tight: far fewer tiles than the rectangle, few without a
 * contributing pixel. */
#include <stdio.h>

#include "sgs_math_blend.h"
#include "sgs_math_bounds.h"
#include "sgs_math_proj.h"
#include "tap.h"
#include "test_raster_util.h"

struct tally {
	long cases, pixels, outside_box, outside_tiles, count_mismatch;
	long rect_tiles, tight_tiles, empty_tiles;
};

/* Is the centre of pixel p within ext of c (pixel_span's rule, one axis)? */
static int in_span(float c, float ext, int p)
{
	return ext >= 0.0f && ceilf(c - ext - 0.5f) <= (float)p && floorf(c + ext - 0.5f) >= (float)p;
}

static void one_case(struct trng *r, int w, int h, struct tally *t)
{
	/* covariance from eigenvalues (aspect up to 1e5) and an angle */
	double l1 = exp(trng_range(r, log(0.3), log(3e4)));
	double l2 = trng_u01(r) < 0.3 ? 0.3 : exp(trng_range(r, log(0.3), log(l1)));
	double th = trng_range(r, 0, 3.141592653589793), cs = cos(th), sn = sin(th);
	float cov[3] = {(float)(l1 * cs * cs + l2 * sn * sn), (float)((l1 - l2) * cs * sn),
			(float)(l1 * sn * sn + l2 * cs * cs)};
	float con[3];
	if (!sgs_conic(cov, con))
		return;
	float u = (float)trng_range(r, -0.3 * w, 1.3 * w), v = (float)trng_range(r, -0.3 * h, 1.3 * h);
	double pick = trng_u01(r);
	float o = pick < 0.2 ? (float)(SGS_ALPHA_MIN * trng_range(r, 1.0, 1.2))
		  : pick < 0.4 ? (float)trng_range(r, 0.9, 1.0)
			       : (float)trng_range(r, SGS_ALPHA_MIN, 1.0);
	int tx = (w + SGS_TILE - 1) / SGS_TILE, ty = (h + SGS_TILE - 1) / SGS_TILE, rect[4];
	if (sgs_tile_rect(u, v, sgs_screen_radius(cov), tx, ty, rect) == 0)
		return;
	struct sgs_ellipse el;
	int have = sgs_alpha_ellipse(con, o, &el);
	t->cases++;
	t->rect_tiles += (long)(rect[2] - rect[0]) * (rect[3] - rect[1]);
	int emitted = 0;
	for (int y = rect[1]; y < rect[3]; y++) {
		int a = 0, b = 0;
		if (have)
			emitted += sgs_tile_row_span(&el, u, v, y, h, rect, &a, &b);
		for (int x = rect[0]; x < rect[2]; x++) {
			int tile_in = x >= a && x < b, hit = 0;
			for (int py = y * SGS_TILE; py < (y + 1) * SGS_TILE && py < h; py++)
				for (int px = x * SGS_TILE; px < (x + 1) * SGS_TILE && px < w; px++) {
					/* the pixel loop's arithmetic */
					float dx = u - ((float)px + 0.5f), dy = v - ((float)py + 0.5f), G;
					if (sgs_blend_alpha(o, sgs_gauss_power(con, dx, dy), &G) == 0.0f)
						continue;
					hit = 1;
					t->pixels++;
					if (!have || !in_span(u, (float)el.ext_x, px) ||
					    !in_span(v, (float)el.ext_y, py))
						t->outside_box++;
					if (!tile_in)
						t->outside_tiles++;
				}
			t->empty_tiles += tile_in && !hit;
		}
	}
	t->tight_tiles += emitted;
	if (have && emitted != sgs_tile_count(&el, u, v, h, rect))
		t->count_mismatch++;
}

int main(void)
{
	struct trng r = {20261129};
	struct tally t = {0};
	for (int k = 0; k < 4000; k++)
		one_case(&r, 200 + (int)trng_range(&r, 0, 300), 150 + (int)trng_range(&r, 0, 200), &t);
	diag("%ld footprints, %ld contributing pixels; tiles: %ld in the 3-sigma rectangles, %ld "
	     "emitted, %ld of them without a contributing pixel",
	     t.cases, t.pixels, t.rect_tiles, t.tight_tiles, t.empty_tiles);
	ok(t.cases > 2000 && t.pixels > 100000, "%ld footprints tried", t.cases);
	ok(t.outside_box == 0, "every contributing pixel inside the alpha box (%ld outside)",
	   t.outside_box);
	ok(t.outside_tiles == 0, "every contributing pixel in an emitted tile (%ld outside)",
	   t.outside_tiles);
	ok(t.count_mismatch == 0, "sgs_tile_count agrees with the row spans (%ld disagree)",
	   t.count_mismatch);
	ok(t.tight_tiles * 2 < t.rect_tiles, "tight: %ld tiles emitted of %ld in the rectangles",
	   t.tight_tiles, t.rect_tiles);
	ok(t.empty_tiles * 5 < t.tight_tiles, "%ld of %ld emitted tiles have no contributing pixel",
	   t.empty_tiles, t.tight_tiles);

	/* o below 1/255 reaches no pixel; a non-positive-definite conic has
	 * no tight bound, so every tile of the rectangle stays */
	struct sgs_ellipse el;
	float con[3] = {1.0f, 0.0f, 1.0f};
	ok(!sgs_alpha_ellipse(con, 0.5f / 255.0f, &el), "opacity below 1/255: no pixel");
	float bad[3] = {1.0f, 2.0f, 1.0f};
	int rect[4] = {0, 0, 4, 3}, a, b;
	ok(sgs_alpha_ellipse(bad, 0.5f, &el) && sgs_tile_count(&el, 30, 20, 48, rect) == 12 &&
		   sgs_tile_row_span(&el, 30, 20, 1, 48, rect, &a, &b) == 4 && a == 0 && b == 4,
	   "indefinite conic: the whole rectangle");
	return tap_done();
}
