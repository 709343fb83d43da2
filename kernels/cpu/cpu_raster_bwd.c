/* Twin: kernels/cuda/cuda_raster_bwd.cu · math: sgs_math_blend.h · test: tests/unit/test_backend_ops.c (row rasterize_backward) */
/* Backward rasterization on the CPU, deterministic for any thread count:
 * each tile sweeps its Gaussians back to front and writes one gradient
 * record per (tile, Gaussian) pair (no shared accumulators); a second
 * pass sums each Gaussian's records in its fixed tile order.  dL/dbg is
 * summed per tile, then over tiles in order. */
#include <string.h>

#include "cpu_simd.h"
#include "sgs_error.h"

static void backward_tile(struct sgs_raster_ctx *ctx, long t, const struct sgs_render_dout *dout)
{
	struct cpu_priv *pv = ctx->priv;
	const struct tile_box tb = tile_box(ctx, t);
	const int w = ctx->cam.w;
	const float *bg = ctx->opts.bg;
	struct bwd_soa st;
	int32_t maxlast = 0;
	double bgsum[3] = {0.0, 0.0, 0.0};

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
			st.T[p] = st.TN[p] = TN;
			st.dr[p] = dC[0], st.dg[p] = dC[1], st.db[p] = dC[2], st.dd[p] = dD;
			st.dfin[p] = dA - (bg[0] * dC[0] + bg[1] * dC[1] + bg[2] * dC[2]);
			st.last[p] = (int32_t)ctx->last_contrib[pix];
			if (st.last[p] > maxlast)
				maxlast = st.last[p];
			for (int c = 0; c < 3; c++)
				bgsum[c] += (double)TN * dC[c];
		}
	for (int c = 0; c < 3; c++)
		pv->tile_bg[3 * t + c] = bgsum[c];

	const uint32_t start = ctx->tile_ranges[2 * t], end = ctx->tile_ranges[2 * t + 1];
	/* Gaussians behind every pixel's last contributor get nothing */
	memset(pv->rec + (size_t)CPU_REC * (start + (uint32_t)maxlast), 0,
	       (size_t)CPU_REC * (end - start - (uint32_t)maxlast) * sizeof(float));
	for (int32_t jj = maxlast; jj-- > 0;) {
		const uint32_t j = start + (uint32_t)jj;
		const struct cpu_splat *s = pv->splats + ctx->isect_ids[j];
		if (jj >= PREFETCH_AHEAD)
			prefetch_splat(pv->splats + ctx->isect_ids[j - PREFETCH_AHEAD]);
		struct grad4 acc;
		memset(&acc, 0, sizeof acc);
		int xa, xb, ya, yb;
		if (splat_box(s, &tb, &xa, &xb, &ya, &yb))
			for (int y = ya; y <= yb; y++)
				bwd_row(&st, s, (y - tb.y0) * SGS_TILE + (xa - tb.x0), xa, xb - xa + 1,
					y, jj, &acc);
		float *rec = pv->rec + (size_t)CPU_REC * j;
		for (int c = 0; c < CPU_REC; c++)
			rec[c] = hsum4(acc.v[c]);
	}
}

int cpu_rasterize_backward(struct sgs_raster_ctx *ctx, const struct sgs_render_dout *dout,
			   float dbg[3])
{
	struct cpu_priv *pv = ctx->priv;
	const long tiles = (long)ctx->tiles_x * ctx->tiles_y;
	const long n = ctx->g.n;
	static const struct sgs_render_dout none = {NULL, NULL, NULL};
	if (!dout)
		dout = &none;

#pragma omp parallel for schedule(dynamic, 1)
	for (long t = 0; t < tiles; t++)
		backward_tile(ctx, t, dout);

#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++) {
		float acc[CPU_REC] = {0};
		const uint32_t *pos = pv->isect_pos + pv->offset[i];
		const uint32_t m = ctx->radii[i] ? ctx->tiles_touched[i] : 0;
		for (uint32_t k = 0; k < m; k++) {
			const float *r = pv->rec + (size_t)CPU_REC * pos[k];
			for (int c = 0; c < CPU_REC; c++)
				acc[c] += r[c];
		}
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
