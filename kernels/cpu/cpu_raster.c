/* Twin: kernels/cuda/cuda_raster.cu · math: sgs_math_blend.h · test: tests/unit/test_backend_ops.c (row rasterize) */
/* Forward rasterization on the CPU: one OpenMP task per 16x16 tile,
 * Gaussians front to back, each applied to the pixels of the tile it can
 * reach, a row of pixels at a time (same order and arithmetic per pixel
 * as Inria's per-pixel loop). */
#include <string.h>

#include "cpu_simd.h"
#include "sgs_error.h"

static void raster_tile(struct sgs_raster_ctx *ctx, long t, const struct sgs_render_out *out)
{
	const struct cpu_priv *pv = ctx->priv;
	const struct tile_box tb = tile_box(ctx, t);
	const int w = ctx->cam.w;
	const float *bg = ctx->opts.bg;
	struct fwd_soa st;
	int active = (tb.x1 - tb.x0) * (tb.y1 - tb.y0);

	fwd_soa_init(&st);
	const uint32_t start = ctx->tile_ranges[2 * t], end = ctx->tile_ranges[2 * t + 1];
	for (uint32_t j = start; j < end && active > 0; j++) {
		const struct cpu_splat *s = pv->splats + ctx->isect_ids[j];
		if (j + PREFETCH_AHEAD < end)
			prefetch_splat(pv->splats + ctx->isect_ids[j + PREFETCH_AHEAD]);
		int xa, xb, ya, yb;
		if (!splat_box(s, &tb, &xa, &xb, &ya, &yb))
			continue;
		for (int y = ya; y <= yb; y++)
			active -= fwd_row(&st, s, (y - tb.y0) * SGS_TILE + (xa - tb.x0), xa,
					  xb - xa + 1, y, (int32_t)(j - start));
	}

	for (int y = tb.y0; y < tb.y1; y++)
		for (int x = tb.x0; x < tb.x1; x++) {
			const int p = (y - tb.y0) * SGS_TILE + (x - tb.x0);
			const size_t pix = (size_t)y * w + x;
			const float T = st.T[p];
			out->rgb[3 * pix] = st.r[p] + T * bg[0];
			out->rgb[3 * pix + 1] = st.g[p] + T * bg[1];
			out->rgb[3 * pix + 2] = st.b[p] + T * bg[2];
			if (out->alpha)
				out->alpha[pix] = 1.0f - T;
			if (out->depth)
				out->depth[pix] = st.d[p];
			if (out->median_depth)
				out->median_depth[pix] = st.med[p];
			if (out->final_T)
				out->final_T[pix] = T;
			if (out->n_contrib)
				out->n_contrib[pix] = (uint32_t)st.cnt[p];
			ctx->final_T[pix] = T;
			ctx->last_contrib[pix] = (uint32_t)st.last[p];
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
