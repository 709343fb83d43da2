/* The CPU tile loops, written once for any vector width: included by
 * cpu_simd_portable.c (VW 4) and cpu_simd_avx2.c (VW 8, AVX2 + FMA),
 * which define VW and CPU_TILES_PATH (the suffix of the functions they
 * export, declared in cpu_internal.h).
 *
 * Forward: the tile's Gaussians front to back, each applied to the rows
 * of the tile its alpha box reaches, a vector of pixels at a time (the
 * same order and arithmetic per pixel as Inria's per-pixel loop); rows
 * whose pixels have all saturated are skipped, and the tile stops when
 * every pixel has.
 * Backward: the Gaussians back to front from the tile's last
 * contributor, one gradient record per (tile, Gaussian) pair (no shared
 * accumulators, so the result does not depend on the thread count);
 * rows whose pixels all end before the Gaussian are skipped. */
#include "cpu_simd.h"

#define CPU_TILES_CAT2(a, b) a##_##b
#define CPU_TILES_CAT(a, b) CPU_TILES_CAT2(a, b)
#define CPU_TILES_FN(name) CPU_TILES_CAT(name, CPU_TILES_PATH)

static inline __attribute__((always_inline)) void
raster_tile_impl(struct sgs_raster_ctx *ctx, long t, const struct sgs_render_out *out,
		 const int extras)
{
	const struct cpu_priv *pv = ctx->priv;
	const struct tile_box tb = tile_box(ctx, t);
	const int w = ctx->cam.w;
	const float *bg = ctx->opts.bg;
	struct fwd_soa st __attribute__((aligned(64)));
	int active = (tb.x1 - tb.x0) * (tb.y1 - tb.y0);

	struct vcols cols;
	vcols_of(&cols, tb.x0);
	fwd_soa_init(&st, tb.x1 - tb.x0);
	const uint32_t start = ctx->tile_ranges[2 * t], end = ctx->tile_ranges[2 * t + 1];
	for (uint32_t j = start; j < end && active > 0; j++) {
		const struct cpu_splat *s = pv->splats + ctx->isect_ids[j];
		if (j + PREFETCH_AHEAD < end)
			prefetch_splat(pv->splats + ctx->isect_ids[j + PREFETCH_AHEAD]);
		int xa, xb, ya, yb;
		if (!splat_box(s, &tb, &xa, &xb, &ya, &yb))
			continue;
		for (int y = ya; y <= yb; y++)
			if (st.row_active[y - tb.y0] > 0)
				active -= fwd_row(&st, s, y - tb.y0, (float)y + 0.5f, &cols, xa - tb.x0,
						  xb - tb.x0, (int32_t)(j - start), extras);
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

void CPU_TILES_FN(cpu_raster_tile)(struct sgs_raster_ctx *ctx, long t,
				   const struct sgs_render_out *out)
{
	/* one copy of the loop per set of wanted outputs (training wants
	 * colour, or colour and depth) */
	const int extras = (out->depth ? FWD_DEPTH : 0) |
			   (out->median_depth || out->n_contrib ? FWD_MEDIAN_COUNT : 0);
	switch (extras) {
	case 0: raster_tile_impl(ctx, t, out, 0); break;
	case FWD_DEPTH: raster_tile_impl(ctx, t, out, FWD_DEPTH); break;
	default: raster_tile_impl(ctx, t, out, FWD_DEPTH | FWD_MEDIAN_COUNT); break;
	}
}

static inline __attribute__((always_inline)) void
backward_tile_impl(struct sgs_raster_ctx *ctx, long t, const struct sgs_render_dout *dout,
		   const int depth)
{
	struct cpu_priv *pv = ctx->priv;
	const struct tile_box tb = tile_box(ctx, t);
	const int w = ctx->cam.w;
	const float *bg = ctx->opts.bg;
	struct bwd_soa st __attribute__((aligned(64)));
	int32_t maxlast = 0;
	double bgsum[3] = {0.0, 0.0, 0.0};

	struct vcols cols;
	vcols_of(&cols, tb.x0);
	memset(&st, 0, sizeof st);
	for (int y = tb.y0; y < tb.y1; y++)
		for (int x = tb.x0; x < tb.x1; x++) {
			const int p = (y - tb.y0) * SGS_TILE + (x - tb.x0);
			const size_t pix = (size_t)y * w + x;
			float dC[3] = {0.0f, 0.0f, 0.0f};
			if (dout->drgb)
				memcpy(dC, dout->drgb + 3 * pix, sizeof dC);
			const float dD = dout->ddepth ? dout->ddepth[pix] : 0.0f;
			const float dA = dout->dalpha ? dout->dalpha[pix] : 0.0f;
			const float TN = ctx->final_T[pix];
			/* as sgs_blend_bwd_init */
			st.T[p] = TN;
			st.dr[p] = dC[0], st.dg[p] = dC[1], st.db[p] = dC[2], st.dd[p] = dD;
			st.tnd[p] = TN * (dA - (bg[0] * dC[0] + bg[1] * dC[1] + bg[2] * dC[2]));
			st.last[p] = (int32_t)ctx->last_contrib[pix];
			if (st.last[p] > st.row_last[y - tb.y0])
				st.row_last[y - tb.y0] = st.last[p];
			for (int c = 0; c < 3; c++)
				bgsum[c] += (double)TN * dC[c];
		}
	for (int y = 0; y < SGS_TILE; y++)
		maxlast = st.row_last[y] > maxlast ? st.row_last[y] : maxlast;
	for (int c = 0; c < 3; c++)
		pv->tile_bg[3 * t + c] = bgsum[c];

	const uint32_t start = ctx->tile_ranges[2 * t], end = ctx->tile_ranges[2 * t + 1];
	/* Gaussians behind every pixel's last contributor get nothing */
	for (uint32_t j = start + (uint32_t)maxlast; j < end; j++)
		memset(pv->rec + (size_t)CPU_REC * pv->isect_slot[j], 0, CPU_REC * sizeof(float));
	for (int32_t jj = maxlast; jj-- > 0;) {
		const uint32_t j = start + (uint32_t)jj;
		const struct cpu_splat *s = pv->splats + ctx->isect_ids[j];
		if (jj >= PREFETCH_AHEAD)
			prefetch_splat(pv->splats + ctx->isect_ids[j - PREFETCH_AHEAD]);
		struct gradv acc;
		memset(&acc, 0, sizeof acc);
		int xa, xb, ya, yb, any = 0;
		if (splat_box(s, &tb, &xa, &xb, &ya, &yb))
			for (int y = ya; y <= yb; y++)
				if (jj < st.row_last[y - tb.y0])
					any |= bwd_row(&st, s, y - tb.y0, (float)y + 0.5f, &cols,
						       xa - tb.x0, xb - tb.x0, jj, &acc, depth);
		float *rec = pv->rec + (size_t)CPU_REC * pv->isect_slot[j];
		if (any)
			vhsum_rec(acc.v, rec);
		else
			memset(rec, 0, CPU_REC * sizeof(float));
	}
}

void CPU_TILES_FN(cpu_backward_tile)(struct sgs_raster_ctx *ctx, long t,
				     const struct sgs_render_dout *dout)
{
	if (dout->ddepth)
		backward_tile_impl(ctx, t, dout, 1);
	else
		backward_tile_impl(ctx, t, dout, 0);
}
