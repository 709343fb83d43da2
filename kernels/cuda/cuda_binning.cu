/* Twin: kernels/cpu/cpu_binning.c · math: sgs_math_proj.h, sgs_math_bounds.h · test: tests/unit/test_backend_ops.c (row bin_sort) */
/* Binning on the GPU as in Inria's rasterizer: an inclusive prefix sum of
 * the tiles each Gaussian touches gives every Gaussian its slots; each
 * Gaussian writes one key (tile << 32 | depth bits) per tile its alpha
 * ellipse meets (sgs_math_bounds.h) into its slots; a radix sort on only the bits in use orders them by tile, then
 * depth; per-tile ranges come from comparing neighbouring keys.
 * Duplication writes in Gaussian order and the radix sort is stable, so
 * equal depths stay in Gaussian order, as on the CPU. */
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>

#include "cuda_internal.h"
#include "sgs_math_bounds.h"
#include "sgs_math_proj.h"

/* The scan runs in 64 bits so a total above 2^32 is detected, not wrapped. */
static __global__ void __launch_bounds__(CUDA_BLOCK)
widen_kernel(uint32_t n, const int32_t *radii, const uint32_t *touched, uint64_t *offsets)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		offsets[i] = radii[i] > 0 ? touched[i] : 0u;
}

struct dup_args {
	uint32_t n;
	int tiles_x, tiles_y, h;
	const int32_t *radii;
	const float *xy, *depth, *conic_opacity;
	const uint64_t *offsets; /* inclusive prefix sum */
	uint64_t *keys;
	uint32_t *vals;
};

static __global__ void __launch_bounds__(CUDA_BLOCK) duplicate_kernel(const struct dup_args a)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= a.n || a.radii[i] <= 0)
		return;
	const uint64_t end = a.offsets[i];
	uint64_t pos = i ? a.offsets[i - 1] : 0;
	int rect[4];
	/* the same rectangle and ellipse project() counted the tiles of:
	 * same functions, same inputs */
	const float u = a.xy[2 * i], v = a.xy[2 * i + 1];
	sgs_tile_rect(u, v, a.radii[i], a.tiles_x, a.tiles_y, rect);
	const float4 co = reinterpret_cast<const float4 *>(a.conic_opacity)[i];
	const float con[3] = {co.x, co.y, co.z};
	struct sgs_ellipse el;
	/* depth > znear > 0: the float's bits order like its value */
	const uint64_t dbits = __float_as_uint(a.depth[i]);
	if (sgs_alpha_ellipse(con, co.w, &el))
		for (int ty = rect[1]; ty < rect[3]; ty++) {
			int x0, x1;
			sgs_tile_row_span(&el, u, v, ty, a.h, rect, &x0, &x1);
			for (int tx = x0; tx < x1; tx++) {
				if (pos >= end)
					return;
				const uint64_t tile =
					(uint32_t)ty * (uint32_t)a.tiles_x + (uint32_t)tx;
				a.keys[pos] = (tile << 32) | dbits;
				a.vals[pos] = i;
				pos++;
			}
		}
	/* only if tiles_touched disagrees with the rectangle (it cannot when
	 * both come from project()): keep every key a valid tile */
	const uint64_t last_tile = (uint32_t)a.tiles_x * (uint32_t)a.tiles_y - 1u;
	const uint64_t last = (last_tile << 32) | dbits;
	for (; pos < end; pos++) {
		a.keys[pos] = last;
		a.vals[pos] = i;
	}
}

/* Thread idx looks at sorted key idx and its predecessor: where the tile
 * changes it closes the previous tile's range, opens the new one, and gives
 * the empty tiles in between the empty range at idx (as the CPU's
 * cumulative counts do). */
static __global__ void __launch_bounds__(CUDA_BLOCK)
ranges_kernel(uint32_t m, uint32_t tiles, const uint64_t *keys, uint32_t *ranges)
{
	const uint32_t idx = blockIdx.x * blockDim.x + threadIdx.x;
	if (idx >= m)
		return;
	const uint32_t cur = (uint32_t)(keys[idx] >> 32);
	uint32_t first = 0; /* first tile not opened by an earlier key */
	int opens = 1;
	if (idx > 0) {
		const uint32_t prev = (uint32_t)(keys[idx - 1] >> 32);
		if (prev == cur) {
			opens = 0;
		} else {
			ranges[2 * prev + 1] = idx;
			first = prev + 1;
		}
	}
	if (opens) {
		for (uint32_t t = first; t < cur; t++) {
			ranges[2 * t] = idx;
			ranges[2 * t + 1] = idx;
		}
		ranges[2 * cur] = idx;
	}
	if (idx == m - 1) {
		ranges[2 * cur + 1] = m;
		for (uint32_t t = cur + 1; t < tiles; t++) {
			ranges[2 * t] = m;
			ranges[2 * t + 1] = m;
		}
	}
}

int cuda_bin_sort(struct sgs_raster_ctx *ctx)
{
	struct cuda_priv *pv = (struct cuda_priv *)ctx->priv;
	const uint32_t n = ctx->g.n;
	const size_t tiles = (size_t)ctx->tiles_x * (size_t)ctx->tiles_y;
	if (cuda_reserve_pixels(ctx, (size_t)ctx->cam.w * (size_t)ctx->cam.h, tiles))
		return -1;
	ctx->n_isect = 0;

	uint64_t total = 0;
	if (n > 0) {
		widen_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(n, ctx->radii, ctx->tiles_touched,
							     pv->offsets);
		CUDA_TRY_LAUNCH("widen_kernel");
		size_t bytes = 0;
		CUDA_TRY(cub::DeviceScan::InclusiveSum(NULL, bytes, pv->offsets, pv->offsets, n));
		if (cuda_reserve_temp(pv, bytes))
			return -1;
		CUDA_TRY(cub::DeviceScan::InclusiveSum(pv->temp, bytes, pv->offsets, pv->offsets, n));
		CUDA_TRY(cudaMemcpy(&total, pv->offsets + (n - 1), sizeof total,
				    cudaMemcpyDeviceToHost));
		if (total > UINT32_MAX)
			return sgs_error_set("more than 2^32 tile/Gaussian pairs");
	}
	if (cuda_reserve_isect(ctx, total))
		return -1;
	ctx->isect_ids = pv->vals[0];
	const uint32_t m = (uint32_t)total;
	if (m == 0) {
		/* every tile empty: [0, 0), as on the CPU */
		CUDA_TRY(cudaMemsetAsync(ctx->tile_ranges, 0, 2 * tiles * sizeof(uint32_t), 0));
		return 0;
	}

	struct dup_args a;
	a.n = n;
	a.tiles_x = ctx->tiles_x;
	a.tiles_y = ctx->tiles_y;
	a.h = ctx->cam.h;
	a.radii = ctx->radii;
	a.xy = ctx->xy;
	a.conic_opacity = ctx->conic_opacity;
	a.depth = ctx->depth;
	a.offsets = pv->offsets;
	a.keys = pv->keys[0];
	a.vals = pv->vals[0];
	duplicate_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(a);
	CUDA_TRY_LAUNCH("duplicate_kernel");

	/* tile ids need only as many bits as the largest one */
	int tile_bits = 0;
	while (tile_bits < 32 && (1ull << tile_bits) < (unsigned long long)tiles)
		tile_bits++;
	cub::DoubleBuffer<uint64_t> keys(pv->keys[0], pv->keys[1]);
	cub::DoubleBuffer<uint32_t> vals(pv->vals[0], pv->vals[1]);
	size_t bytes = 0;
	CUDA_TRY(cub::DeviceRadixSort::SortPairs(NULL, bytes, keys, vals, m, 0, 32 + tile_bits));
	if (cuda_reserve_temp(pv, bytes))
		return -1;
	CUDA_TRY(cub::DeviceRadixSort::SortPairs(pv->temp, bytes, keys, vals, m, 0,
						 32 + tile_bits));

	ranges_kernel<<<cuda_blocks(m), CUDA_BLOCK>>>(m, (uint32_t)tiles, keys.Current(),
						      ctx->tile_ranges);
	CUDA_TRY_LAUNCH("ranges_kernel");
	ctx->isect_ids = vals.Current();
	ctx->n_isect = m;
	return 0;
}
