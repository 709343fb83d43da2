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
#endif
}

/* Do the Gaussian's pixel spans meet this tile? */
static inline int splat_box(const struct cpu_splat *s, const struct tile_box *tb, int *xa, int *xb,
			    int *ya, int *yb)
{
	return pixel_span(s->x, s->ext_x, tb->x0, tb->x1, xa, xb) &&
	       pixel_span(s->y, s->ext_y, tb->y0, tb->y1, ya, yb);
}

#endif
