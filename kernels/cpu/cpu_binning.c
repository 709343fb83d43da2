/* Twin: kernels/cuda/cuda_binning.cu · math: sgs_math_proj.h, sgs_math_bounds.h · test: tests/unit/test_backend_ops.c (row bin_sort) */
/* Binning on the CPU: instead of duplicating 64-bit keys (tile << 32 |
 * depth) and sorting them, sort the visible Gaussians once by depth and
 * deal them out to their tiles in that order.  The result is the same
 * order a stable key sort gives (tile, then depth, ties by index). */
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

int cpu_bin_sort(struct sgs_raster_ctx *ctx)
{
	struct cpu_priv *pv = ctx->priv;
	const uint32_t n = ctx->g.n;
	const size_t tiles = (size_t)ctx->tiles_x * ctx->tiles_y;
	if (cpu_reserve_pixels(ctx, (size_t)ctx->cam.w * ctx->cam.h, tiles))
		return -1;

	/* visible Gaussians by depth; depth > znear > 0, so the float bits
	 * order like the values */
	uint32_t nv = 0;
	uint64_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		pv->offset[i] = (uint32_t)total;
		total += ctx->tiles_touched[i];
		if (total > UINT32_MAX)
			return sgs_error_set("more than 2^32 tile/Gaussian pairs");
		if (ctx->radii[i]) {
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

	/* tile ranges from the per-tile counts; each Gaussian's tiles are
	 * the row spans project() found (sgs_math_bounds.h) */
	memset(pv->cursor, 0, tiles * sizeof(uint32_t));
	for (uint32_t j = 0; j < nv; j++) {
		const uint32_t g = pv->order[j];
		const int32_t *sp = pv->spans + 2 * (size_t)pv->rowoff[g];
		const int ty0 = pv->rect[4 * (size_t)g + 1];
		for (uint32_t k = 0; k < pv->rowoff[g + 1] - pv->rowoff[g]; k++) {
			uint32_t *row = pv->cursor + (size_t)(ty0 + (int)k) * ctx->tiles_x;
			for (int tx = sp[2 * k]; tx < sp[2 * k + 1]; tx++)
				row[tx]++;
		}
	}
	uint32_t start = 0;
	for (size_t t = 0; t < tiles; t++) {
		uint32_t c = pv->cursor[t];
		ctx->tile_ranges[2 * t] = start;
		ctx->tile_ranges[2 * t + 1] = start + c;
		pv->cursor[t] = start;
		start += c;
	}

	/* deal out front to back; remember where each pair went so the
	 * backward pass can gather a Gaussian's records in a fixed order */
	for (uint32_t j = 0; j < nv; j++) {
		const uint32_t g = pv->order[j];
		const int32_t *sp = pv->spans + 2 * (size_t)pv->rowoff[g];
		const int ty0 = pv->rect[4 * (size_t)g + 1];
		uint32_t *slot = pv->isect_pos + pv->offset[g];
		for (uint32_t k = 0; k < pv->rowoff[g + 1] - pv->rowoff[g]; k++) {
			uint32_t *row = pv->cursor + (size_t)(ty0 + (int)k) * ctx->tiles_x;
			for (int tx = sp[2 * k]; tx < sp[2 * k + 1]; tx++) {
				uint32_t pos = row[tx]++;
				ctx->isect_ids[pos] = g;
				*slot++ = pos;
			}
		}
	}
	return 0;
}
