/* Tile geometry shared by the CPU forward and backward tile loops. */
#ifndef SGS_CPU_TILE_H
#define SGS_CPU_TILE_H

#include <math.h>

#include "cpu_internal.h"

#define TILE_PIX (SGS_TILE * SGS_TILE)

/* Pixel bounds [x0, x1) x [y0, y1) of tile t. */
struct tile_box {
	int x0, y0, x1, y1;
};

static inline struct tile_box tile_box(const struct sgs_raster_ctx *ctx, long t)
{
	struct tile_box b;
	b.x0 = (int)(t % ctx->tiles_x) * SGS_TILE;
	b.y0 = (int)(t / ctx->tiles_x) * SGS_TILE;
	b.x1 = b.x0 + SGS_TILE < ctx->cam.w ? b.x0 + SGS_TILE : ctx->cam.w;
	b.y1 = b.y0 + SGS_TILE < ctx->cam.h ? b.y0 + SGS_TILE : ctx->cam.h;
	return b;
}

/* Pixels [*a, *b] within [lo, hi) whose centre (x + 0.5) lies within ext
 * of c: the only ones where the Gaussian can pass the 1/255 test, so
 * skipping the others changes nothing.  Returns 0 if there are none. */
static inline int pixel_span(float c, float ext, int lo, int hi, int *a, int *b)
{
	float fa = ceilf(c - ext - 0.5f), fb = floorf(c + ext - 0.5f);
	if (!(ext >= 0.0f) || !(fa < (float)hi) || !(fb >= (float)lo))
		return 0;
	*a = fa > (float)lo ? (int)fa : lo;
	*b = fb < (float)(hi - 1) ? (int)fb : hi - 1;
	return *a <= *b;
}

/* The splats of a tile are scattered in memory (depth order); asking for
 * the one a few positions ahead hides most of the cache misses. */
#define PREFETCH_AHEAD 8
static inline void prefetch_splat(const struct cpu_splat *p)
{
#if defined(__GNUC__)
	__builtin_prefetch(p);
#else
	(void)p;
/* Within row y, the pixels [*a, *b] of [xa, xb] whose centres lie in
 * the splat's ellipse d^T Q d <= q (the exact row section of the region
 * splat_box bounds); 0 if none.  A degenerate splat (q < 0: bounded by
 * its box only) keeps the whole span. */
static inline int row_span(const struct cpu_splat *s, int y, int xa, int xb, int *a, int *b)
{
	*a = xa, *b = xb;
	if (s->q < 0.0f)
		return 1;
	const double dy = (double)s->y - ((double)y + 0.5), A = s->con[0];
	const double disc = (double)s->q * A - (double)s->det * dy * dy;
	if (disc < 0.0)
		return 0;
	/* dx = x - pixel solves A dx^2 + 2 b dx dy + c dy^2 = q */
	const double half = sqrt(disc) / A + 0.01, mid = (double)s->x + s->con[1] * dy / A;
	const double lo = ceil(mid - half - 0.5), hi = floor(mid + half - 0.5);
	if (lo > xb || hi < xa)
		return 0;
	if (lo > xa)
		*a = (int)lo;
	if (hi < xb)
		*b = (int)hi;
	return *a <= *b;
}

#endif
}

/* Do the Gaussian's pixel spans meet this tile? */
static inline int splat_box(const struct cpu_splat *s, const struct tile_box *tb, int *xa, int *xb,
			    int *ya, int *yb)
{
	return pixel_span(s->x, s->ext_x, tb->x0, tb->x1, xa, xb) &&
	       pixel_span(s->y, s->ext_y, tb->y0, tb->y1, ya, yb);
}

/* Within row y, the pixels [*a, *b] of [xa, xb] whose centres lie in
 * the splat's ellipse d^T Q d <= q (the exact row section of the region
 * splat_box bounds); 0 if none.  A degenerate splat (q < 0: bounded by
 * its box only) keeps the whole span. */
static inline int row_span(const struct cpu_splat *s, int y, int xa, int xb, int *a, int *b)
{
	*a = xa, *b = xb;
	if (s->q < 0.0f)
		return 1;
	const double dy = (double)s->y - ((double)y + 0.5), A = s->con[0];
	const double disc = (double)s->q * A - (double)s->det * dy * dy;
	if (disc < 0.0)
		return 0;
	/* dx = x - pixel solves A dx^2 + 2 b dx dy + c dy^2 = q */
	const double half = sqrt(disc) / A + 0.01, mid = (double)s->x + s->con[1] * dy / A;
	const double lo = ceil(mid - half - 0.5), hi = floor(mid + half - 0.5);
	if (lo > xb || hi < xa)
		return 0;
	if (lo > xa)
		*a = (int)lo;
	if (hi < xb)
		*b = (int)hi;
	return *a <= *b;
}

#endif
