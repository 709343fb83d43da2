/* Twin: kernels/cuda/cuda_raster_bwd.cu · math: sgs_math_blend.h · test: tests/unit/test_backend_ops.c (row rasterize_backward) */
/* Backward rasterization on the CPU, deterministic for any thread count:
 * each tile sweeps its Gaussians back to front and writes one gradient
 * record per (tile, Gaussian) pair (the tile loop of the path in use,
 * cpu_tiles.h) into the pair's slot among its Gaussian's; a second pass
 * sums each Gaussian's records in that fixed order.  dL/dbg is summed per tile, then over tiles in order. */
#include "cpu_internal.h"
#include "sgs_error.h"

int cpu_rasterize_backward(struct sgs_raster_ctx *ctx, const struct sgs_render_dout *dout,
			   float dbg[3])
{
	struct cpu_priv *pv = ctx->priv;
	const long tiles = (long)ctx->tiles_x * ctx->tiles_y;
	const long n = ctx->g.n;
	static const struct sgs_render_dout none = {NULL, NULL, NULL};
	if (!dout)
		dout = &none;

	void (*tile)(struct sgs_raster_ctx *, long, const struct sgs_render_dout *) =
		cpu_simd()->backward_tile;
	const uint32_t *order = ((const struct cpu_priv *)ctx->priv)->tile_order;
#pragma omp parallel for schedule(dynamic, 1)
	for (long k = 0; k < tiles; k++)
		tile(ctx, order[k], dout);

#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++) {
		float acc[CPU_REC] = {0};
		const float *r = pv->rec + (size_t)CPU_REC * pv->offset[i];
		const uint32_t m = ctx->radii[i] ? ctx->tiles_touched[i] : 0;
		for (uint32_t k = 0; k < m; k++, r += CPU_REC)
			for (int c = 0; c < CPU_REC; c++)
				acc[c] += r[c];
		ctx->d_xy[2 * i] = acc[0];
		ctx->d_xy[2 * i + 1] = acc[1];
		for (int c = 0; c < 3; c++) {
			ctx->d_conic[3 * i + c] = acc[2 + c];
			ctx->d_color[3 * i + c] = acc[6 + c];
		}
		ctx->d_opacity[i] = acc[5];
		ctx->d_depth[i] = acc[9];
	}

	if (dbg) {
		double sum[3] = {0.0, 0.0, 0.0};
		for (long t = 0; t < tiles; t++)
			for (int c = 0; c < 3; c++)
				sum[c] += pv->tile_bg[3 * t + c];
		for (int c = 0; c < 3; c++)
			dbg[c] = (float)sum[c];
	}
	return 0;
}
