/* Forward rasterization on the CPU: one OpenMP task per 16x16 tile,
 * Gaussians front to back, each applied to the pixels of the tile it can
 * reach (same order and arithmetic per pixel as Inria's per-pixel loop). */
#include <string.h>

#include "cpu_tile.h"
#include "sgs_error.h"
#include "sgs_math_blend.h"

static void raster_tile(struct sgs_raster_ctx *ctx, long t, const struct sgs_render_out *out)
{
	const struct cpu_priv *pv = ctx->priv;
	const struct tile_box tb = tile_box(ctx, t);
	const int w = ctx->cam.w;
	const float *bg = ctx->opts.bg;
	struct sgs_blend_fwd st[TILE_PIX];
	uint32_t last[TILE_PIX];
	uint8_t done[TILE_PIX];
	int active = (tb.x1 - tb.x0) * (tb.y1 - tb.y0);

	for (int p = 0; p < TILE_PIX; p++) {
		sgs_blend_fwd_init(st + p);
		last[p] = 0;
		done[p] = 0;
	}
	const uint32_t start = ctx->tile_ranges[2 * t], end = ctx->tile_ranges[2 * t + 1];
	for (uint32_t j = start; j < end && active > 0; j++) {
		const struct cpu_splat *s = pv->splats + ctx->isect_ids[j];
		int xa, xb, ya, yb;
		if (!splat_box(s, &tb, &xa, &xb, &ya, &yb))
			continue;
		for (int y = ya; y <= yb; y++) {
			const float dy = s->y - ((float)y + 0.5f);
			const int row = (y - tb.y0) * SGS_TILE - tb.x0;
			for (int x = xa; x <= xb; x++) {
				const int p = row + x;
				if (done[p])
					continue;
				const float dx = s->x - ((float)x + 0.5f);
				float G;
				float a = sgs_blend_alpha(s->o, sgs_gauss_power(s->con, dx, dy), &G);
				if (a == 0.0f)
					continue;
				if (!sgs_blend_step(st + p, a, s->rgb, s->z)) {
					done[p] = 1;
					active--;
					continue;
				}
				last[p] = j - start + 1;
			}
		}
	}

	for (int y = tb.y0; y < tb.y1; y++)
		for (int x = tb.x0; x < tb.x1; x++) {
			const int p = (y - tb.y0) * SGS_TILE + (x - tb.x0);
			const size_t pix = (size_t)y * w + x;
			const struct sgs_blend_fwd *s = st + p;
			for (int c = 0; c < 3; c++)
				out->rgb[3 * pix + c] = s->rgb[c] + s->T * bg[c];
			if (out->alpha)
				out->alpha[pix] = 1.0f - s->T;
			if (out->depth)
				out->depth[pix] = s->depth;
			if (out->median_depth)
				out->median_depth[pix] = s->median;
			if (out->final_T)
				out->final_T[pix] = s->T;
			if (out->n_contrib)
				out->n_contrib[pix] = s->count;
			ctx->final_T[pix] = s->T;
			ctx->last_contrib[pix] = last[p];
		}
}

int cpu_rasterize(struct sgs_raster_ctx *ctx, const struct sgs_render_out *out)
{
	if (!out || !out->rgb)
		return sgs_error_set("rasterize: no RGB output buffer");
	const long tiles = (long)ctx->tiles_x * ctx->tiles_y;
#pragma omp parallel for schedule(dynamic, 1)
	for (long t = 0; t < tiles; t++)
		raster_tile(ctx, t, out);
	return 0;
}
