/* Tight screen-space bounds of a projected Gaussian: the ellipse outside
 * which its alpha o exp(-q/2) stays below 1/255 (so the pixel loop skips
 * it), that ellipse's axis-aligned box, and, per row of tiles, the tiles
 * the ellipse meets (the opacity-aware extent of gsplat and the SnugBox /
 * AccuTile bounds of Speedy-Splat).  A (Gaussian, tile) pair outside
 * these contributes nothing to any pixel, so dropping it changes no image
 * and no gradient; it only saves the work.  Both backends count and emit
 * their pairs with these functions, inside Inria's 3-sigma tile rectangle
 * (sgs_tile_rect), which stays the Gaussian's visibility test.
 *
 * With e = pixel centre - mean and the conic (a, b, c),
 *   q(e) = a ex^2 + 2 b ex ey + c ey^2,
 * and alpha >= 1/255 needs q <= 2 ln(255 o).  The pixel loop evaluates q
 * in float, whose rounding grows with the terms' magnitude, at most
 * 4 q / (1 - b^2 / (a c)) inside the ellipse; the level used here is
 * widened by 1e-5 / (1 - b^2 / (a c)) (some forty times the float error
 * of an elongated Gaussian, with or without fused multiply-adds), by a
 * relative 0.5 % and an absolute 0.005 (thousands of times the exp
 * polynomial's and the opacity's rounding), and the extents by 0.01
 * pixel, so no pixel the loop would blend is ever left out
 * (test_raster_bounds.c finds one outside with no widening at all). */
#ifndef SGS_MATH_BOUNDS_H
#define SGS_MATH_BOUNDS_H

#include "sgs_kernels.h"
#include "sgs_math_common.h"

struct sgs_ellipse {
	double a, b, c, det; /* conic and its determinant */
	double level;        /* alpha can reach 1/255 only where q <= level */
	double ext_x, ext_y; /* half extents of {q <= level}, in pixels;
	                      * 1e30 when the conic is not positive definite
	                      * (no tight bound: everything in the rectangle) */
	double ey_right;     /* ey of the ellipse's rightmost point */
};

/* The ellipse of a Gaussian with conic con and opacity o (after the
 * antialiasing factor).  Returns 0 when alpha stays below 1/255 at every
 * pixel (o < 1/255). */
static inline SGS_HD int sgs_alpha_ellipse(const float con[3], float o, struct sgs_ellipse *el)
{
	if (!(o >= SGS_ALPHA_MIN))
		return 0;
	double a = con[0], b = con[1], c = con[2];
	double det = a * c - b * b, tau = log(255.0 * (double)o);
	el->a = a, el->b = b, el->c = c, el->det = det;
	if (!(a > 0.0 && c > 0.0 && det > 0.0)) {
		el->level = 1e300;
		el->ext_x = el->ext_y = 1e30;
		el->ey_right = 0.0;
		return 1;
	}
	double L = 2.0 * (tau > 0.0 ? tau : 0.0);
	el->level = L * (1.005 + 1e-5 * (a * c / det)) + 0.005;
	double X = sqrt(el->level * c / det), Y = sqrt(el->level * a / det);
	el->ext_x = X < 1e30 ? X + 0.01 : 1e30;
	el->ext_y = Y < 1e30 ? Y + 0.01 : 1e30;
	el->ey_right = -b * X / c; /* where dq/dey = 2 (b ex + c ey) = 0 */
	return 1;
}

/* The range [*xmin, *xmax] of ex over the part of the ellipse with ey in
 * [lo, hi]; 0 when that part is empty.  The right edge of the ellipse,
 * ex = (-b ey + sqrt(a level - det ey^2)) / a, is concave in ey, so its
 * largest value over [lo, hi] is at the rightmost point's ey clamped into
 * the band (and the left edge, by symmetry, at minus that). */
static inline SGS_HD int sgs_ellipse_xrange(const struct sgs_ellipse *el, double lo, double hi,
					    double *xmin, double *xmax)
{
	if (el->ext_x >= 1e30) {
		*xmin = -1e30, *xmax = 1e30;
		return lo <= hi;
	}
	if (lo < -el->ext_y)
		lo = -el->ext_y;
	if (hi > el->ext_y)
		hi = el->ext_y;
	if (!(lo <= hi))
		return 0;
	double aL = el->a * el->level;
	double yr = el->ey_right < lo ? lo : el->ey_right > hi ? hi : el->ey_right;
	double yl = -el->ey_right < lo ? lo : -el->ey_right > hi ? hi : -el->ey_right;
	double dr = aL - el->det * yr * yr, dl = aL - el->det * yl * yl;
	*xmax = (-el->b * yr + sqrt(dr > 0.0 ? dr : 0.0)) / el->a + 0.01;
	*xmin = (-el->b * yl - sqrt(dl > 0.0 ? dl : 0.0)) / el->a - 0.01;
	return 1;
}

/* floor(x) and ceil(x) clamped into [lo, hi] (NaN gives lo). */
static inline SGS_HD int sgs_floor_clamped(double x, int lo, int hi)
{
	return !(x > (double)lo) ? lo : x >= (double)hi ? hi : (int)floor(x);
}
static inline SGS_HD int sgs_ceil_clamped(double x, int lo, int hi)
{
	return !(x > (double)lo) ? lo : x >= (double)hi ? hi : (int)ceil(x);
}

/* Tiles [*tx0, *tx1) of tile row ty, within rect (sgs_tile_rect), whose
 * pixel centres the ellipse of a Gaussian at pixel (u, v) can reach in an
 * image h pixels high.  Returns *tx1 - *tx0 (0 when none). */
static inline SGS_HD int sgs_tile_row_span(const struct sgs_ellipse *el, float u, float v, int ty,
					   int h, const int rect[4], int *tx0, int *tx1)
{
	const int T = SGS_TILE;
	int ylast = (ty + 1) * T < h ? (ty + 1) * T : h;
	double xmin, xmax;
	*tx0 = *tx1 = rect[0];
	if (!sgs_ellipse_xrange(el, ty * T + 0.5 - (double)v, ylast - 0.5 - (double)v, &xmin,
				&xmax))
		return 0;
	/* tile tx holds the pixel centres tx T + 0.5 .. tx T + T - 0.5 */
	int a = sgs_ceil_clamped((u + xmin + 0.5) / T - 1.0, rect[0], rect[2]);
	int b = sgs_floor_clamped((u + xmax - 0.5) / T + 1.0, rect[0], rect[2]);
	if (a >= b)
		return 0;
	*tx0 = a, *tx1 = b;
	return b - a;
}

/* How many tiles of rect the ellipse of a Gaussian at (u, v) meets. */
static inline SGS_HD int sgs_tile_count(const struct sgs_ellipse *el, float u, float v, int h,
					const int rect[4])
{
	int n = 0, a, b;
	for (int ty = rect[1]; ty < rect[3]; ty++)
		n += sgs_tile_row_span(el, u, v, ty, h, rect, &a, &b);
	return n;
}

#endif
