/* Twin: kernels/cuda/cuda_binning.cu · math: sgs_math_proj.h, sgs_math_bounds.h · test: tests/unit/test_backend_ops.c (row bin_sort) */
/* Binning on the CPU: instead of duplicating 64-bit keys (tile << 32 |
 * depth) and sorting them, sort the visible Gaussians once by depth and
 * deal them out to their tiles in that order.  The result is the same
 * order a stable key sort gives (tile, then depth, ties by index). */
#include <omp.h>
#include <string.h>

#include "cpu_internal.h"
#include "sgs_error.h"

/* Stable LSD radix sort of (key, id) by the 32-bit key, 8 bits a pass. */
static void radix_sort(uint32_t *key, uint32_t *id, uint32_t *tkey, uint32_t *tid, size_t m)
{
	for (int shift = 0; shift < 32; shift += 8) {
		size_t count[257] = {0};
		for (size_t i = 0; i < m; i++)
			count[((key[i] >> shift) & 255) + 1]++;
		int trivial = 0;
		for (int d = 1; d <= 256; d++)
			trivial |= count[d] == m;
		if (trivial)
			continue;
		for (int d = 1; d <= 256; d++)
			count[d] += count[d - 1];
		for (size_t i = 0; i < m; i++) {
			size_t pos = count[(key[i] >> shift) & 255]++;
			tkey[pos] = key[i];
			tid[pos] = id[i];
		}
		memcpy(key, tkey, m * sizeof *key);
		memcpy(id, tid, m * sizeof *id);
	}
}

/* Each Gaussian's tiles are the row spans project() found
 * (sgs_math_bounds.h). */
static inline const int32_t *spans_of(const struct cpu_priv *pv, uint32_t g, uint32_t *rows,
				      int *ty0)
{
	*rows = pv->rowoff[g + 1] - pv->rowoff[g];
	*ty0 = pv->rect[4 * (size_t)g + 1];
	return pv->spans + 2 * (size_t)pv->rowoff[g];
}

/* Pairs per tile of the Gaussians order[j0, j1). */
static void count_pairs(const struct sgs_raster_ctx *ctx, uint32_t j0, uint32_t j1, uint32_t *count)
{
	const struct cpu_priv *pv = ctx->priv;
	for (uint32_t j = j0; j < j1; j++) {
		uint32_t rows;
		int ty0;
		const int32_t *sp = spans_of(pv, pv->order[j], &rows, &ty0);
		for (uint32_t k = 0; k < rows; k++) {
			uint32_t *row = count + (size_t)(ty0 + (int)k) * ctx->tiles_x;
			for (int tx = sp[2 * k]; tx < sp[2 * k + 1]; tx++)
				row[tx]++;
		}
	}
}

/* Deal the Gaussians order[j0, j1) out to their tiles, front to back,
 * from the per-tile cursors; give each pair its slot among its
 * Gaussian's, where the backward pass writes its record, so that a
 * Gaussian's records lie together in a fixed order. */
static void deal_pairs(struct sgs_raster_ctx *ctx, uint32_t j0, uint32_t j1, uint32_t *cursor)
{
	struct cpu_priv *pv = ctx->priv;
	for (uint32_t j = j0; j < j1; j++) {
		const uint32_t g = pv->order[j];
		uint32_t rows, slot = pv->offset[g];
		int ty0;
		const int32_t *sp = spans_of(pv, g, &rows, &ty0);
		for (uint32_t k = 0; k < rows; k++) {
			uint32_t *row = cursor + (size_t)(ty0 + (int)k) * ctx->tiles_x;
			for (int tx = sp[2 * k]; tx < sp[2 * k + 1]; tx++) {
				uint32_t pos = row[tx]++;
				ctx->isect_ids[pos] = g;
				pv->isect_slot[pos] = slot++;
			}
		}
	}
}

/* Tiles with the most pairs first (by powers of two, in tile order
 * within each), so the dynamic schedule of the tile loops does not end
 * on a heavy tile. */
static void order_tiles(struct sgs_raster_ctx *ctx, size_t tiles)
{
	struct cpu_priv *pv = ctx->priv;
	size_t start[34] = {0};
	for (size_t t = 0; t < tiles; t++) {
		uint32_t c = ctx->tile_ranges[2 * t + 1] - ctx->tile_ranges[2 * t];
		start[33 - (c ? 32 - __builtin_clz(c) : 0)]++; /* 33 - bit length */
	}
	for (size_t b = 0, run = 0; b < 34; b++) {
		size_t c = start[b];
		start[b] = run;
		run += c;
	}
	for (size_t t = 0; t < tiles; t++) {
		uint32_t c = ctx->tile_ranges[2 * t + 1] - ctx->tile_ranges[2 * t];
		pv->tile_order[start[33 - (c ? 32 - __builtin_clz(c) : 0)]++] = (uint32_t)t;
	}
}

int cpu_bin_sort(struct sgs_raster_ctx *ctx)
{
	struct cpu_priv *pv = ctx->priv;
	const uint32_t n = ctx->g.n;
	const size_t tiles = (size_t)ctx->tiles_x * ctx->tiles_y;
	if (cpu_reserve_pixels(ctx, (size_t)ctx->cam.w * ctx->cam.h, tiles))
		return -1;

	/* Gaussians with pairs by depth; depth > znear > 0, so the float
	 * bits order like the values */
	uint32_t nv = 0;
	uint64_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		pv->offset[i] = (uint32_t)total;
		total += ctx->tiles_touched[i];
		if (total > UINT32_MAX)
			return sgs_error_set("more than 2^32 tile/Gaussian pairs");
		if (ctx->radii[i] && ctx->tiles_touched[i]) {
			memcpy(pv->keys + nv, ctx->depth + i, sizeof(uint32_t));
			pv->order[nv++] = i;
		}
	}
	pv->offset[n] = (uint32_t)total;
	pv->n_visible = nv;
	radix_sort(pv->keys, pv->order, pv->tmpkeys, pv->tmp, nv);
	if (cpu_reserve_isect(ctx, total))
		return -1;
	ctx->n_isect = (uint32_t)total;

	/* A counting sort by tile in parallel: each thread counts the pairs
	 * of a contiguous run of the depth order, the runs' cursors are laid
	 * out tile by tile in run order, and each thread deals its run out.
	 * The result is the same for any number of runs. */
	int runs = omp_get_max_threads();
	runs = nv < 4096u * (uint32_t)runs ? 1 : runs > 64 ? 64 : runs;
	if (cpu_reserve_cursors(ctx, (size_t)runs * tiles))
		return -1;
#pragma omp parallel for schedule(static, 1)
	for (int r = 0; r < runs; r++) {
		uint32_t *count = pv->cursor + (size_t)r * tiles;
		memset(count, 0, tiles * sizeof(uint32_t));
		count_pairs(ctx, (uint32_t)((uint64_t)nv * r / runs),
			    (uint32_t)((uint64_t)nv * (r + 1) / runs), count);
	}
	uint32_t start = 0;
	for (size_t t = 0; t < tiles; t++) {
		ctx->tile_ranges[2 * t] = start;
		for (int r = 0; r < runs; r++) {
			uint32_t c = pv->cursor[(size_t)r * tiles + t];
			pv->cursor[(size_t)r * tiles + t] = start;
			start += c;
		}
		ctx->tile_ranges[2 * t + 1] = start;
	}
#pragma omp parallel for schedule(static, 1)
	for (int r = 0; r < runs; r++)
		deal_pairs(ctx, (uint32_t)((uint64_t)nv * r / runs),
			   (uint32_t)((uint64_t)nv * (r + 1) / runs), pv->cursor + (size_t)r * tiles);
	order_tiles(ctx, tiles);
	return 0;
}
