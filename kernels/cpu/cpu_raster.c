/* Twin: kernels/cuda/cuda_raster.cu · math: sgs_math_blend.h · test: tests/unit/test_backend_ops.c (row rasterize) */
/* Forward rasterization on the CPU: one OpenMP task per 16x16 tile, the
 * tile loop of the path in use (cpu_tiles.h, cpu_simd_path.c). */
#include "cpu_internal.h"
#include "sgs_error.h"

int cpu_rasterize(struct sgs_raster_ctx *ctx, const struct sgs_render_out *out)
{
	if (!out || !out->rgb)
		return sgs_error_set("rasterize: no RGB output buffer");
	const long tiles = (long)ctx->tiles_x * ctx->tiles_y;
	void (*tile)(struct sgs_raster_ctx *, long, const struct sgs_render_out *) =
		cpu_simd()->raster_tile;
	const uint32_t *order = ((const struct cpu_priv *)ctx->priv)->tile_order;
#pragma omp parallel for schedule(dynamic, 1)
	for (long k = 0; k < tiles; k++)
		tile(ctx, order[k], out);
	return 0;
}
