/* Twin: kernels/cpu/cpu_raster_bwd.c · math: sgs_math_blend.h · test: tests/unit/test_backend_ops.c (row rasterize_backward) */
/* Backward rasterization on the GPU (as in Inria's renderCUDA backward):
 * one 16x16 block per tile walks the tile's list back to front in
 * shared-memory batches; every pixel starts at its last contributor and
 * recovers the transmittance in front of each Gaussian by dividing its
 * alpha back out (sgs_blend_step_vjp).  All threads of the block visit the
 * same Gaussian at the same step, so a warp sums its 32 pixels' gradients
 * with shuffles and adds them with one atomic per value.  dL/dbg is summed
 * per block and added with one atomic per channel. */
#include <stddef.h>

#include "cuda_internal.h"
#include "sgs_math_blend.h"

struct raster_bwd_args {
	int w, h, tiles_x;
	float bg[3];
	const uint32_t *ranges, *ids;
	const float2 *xy;
	const float4 *conic_opacity;
	const float *color, *depth;
	const float *final_T;
	const uint32_t *last_contrib;
	const float *drgb, *dalpha, *ddepth; /* may be NULL */
	float *d_xy, *d_conic, *d_opacity, *d_color, *d_depth;
	float *dbg; /* 3 device floats */
};

/* Gradient values one pixel passes to one Gaussian:
 * d_xy[2], d_conic[3], d_opacity, d_color[3], d_depth. */
#define BWD_VALS 10

static __global__ void __launch_bounds__(CUDA_TILE_PIX)
raster_bwd_kernel(const struct raster_bwd_args a)
{
	__shared__ uint32_t s_id[CUDA_TILE_PIX];
	__shared__ float2 s_xy[CUDA_TILE_PIX];
	__shared__ float4 s_co[CUDA_TILE_PIX];
	__shared__ float4 s_cz[CUDA_TILE_PIX]; /* colour, depth */
	__shared__ uint32_t s_maxlast;
	const int tid = threadIdx.y * SGS_TILE + threadIdx.x;
	const int lane = tid & 31;
	const int x = blockIdx.x * SGS_TILE + threadIdx.x;
	const int y = blockIdx.y * SGS_TILE + threadIdx.y;
	const bool inside = x < a.w && y < a.h;
	const size_t pix = inside ? (size_t)y * a.w + x : 0;
	const uint32_t tile = blockIdx.y * a.tiles_x + blockIdx.x;
	const uint32_t start = a.ranges[2 * tile];
	const float px = (float)x + 0.5f, py = (float)y + 0.5f;

	float dC[3] = {0.0f, 0.0f, 0.0f};
	float dD = 0.0f, dA = 0.0f, TN = 0.0f;
	uint32_t last = 0;
	if (inside) {
		if (a.drgb)
			for (int c = 0; c < 3; c++)
				dC[c] = a.drgb[3 * pix + c];
		if (a.ddepth)
			dD = a.ddepth[pix];
		if (a.dalpha)
			dA = a.dalpha[pix];
		TN = a.final_T[pix];
		last = a.last_contrib[pix];
	}
	struct sgs_blend_bwd st;
	sgs_blend_bwd_init(&st, TN, dC, dD, dA, a.bg);

	/* rgb = ... + T_N bg */
	const float bgpart[3] = {TN * dC[0], TN * dC[1], TN * dC[2]};
	if (tid == 0)
		s_maxlast = 0;
	cuda_block_sum_atomic<3>(bgpart, a.dbg); /* ends with a barrier */

	/* Gaussians behind every pixel's last contributor get nothing */
	if (last > 0)
		atomicMax(&s_maxlast, last);
	__syncthreads();
	uint32_t hi = s_maxlast; /* positions [0, hi) remain, walked downwards */

	while (hi > 0) {
		const uint32_t nb = hi < CUDA_TILE_PIX ? hi : CUDA_TILE_PIX;
		/* the previous batch is finished (and s_maxlast read) */
		__syncthreads();
		if ((uint32_t)tid < nb) {
			const uint32_t g = a.ids[start + hi - 1 - tid];
			s_id[tid] = g;
			s_xy[tid] = a.xy[g];
			s_co[tid] = a.conic_opacity[g];
			s_cz[tid] = make_float4(a.color[3 * g], a.color[3 * g + 1],
						a.color[3 * g + 2], a.depth[g]);
		}
		__syncthreads();
		/* k-th loaded = position hi - 1 - k, back to front; the loop is
		 * uniform over the block so the warp shuffles below see every lane */
		for (uint32_t k = 0; k < nb; k++) {
			float v[BWD_VALS];
#pragma unroll
			for (int i = 0; i < BWD_VALS; i++)
				v[i] = 0.0f;
			bool hit = false;
			if (hi - 1 - k < last) {
				const float2 m = s_xy[k];
				const float4 co = s_co[k];
				const float con[3] = {co.x, co.y, co.z};
				const float dx = m.x - px, dy = m.y - py;
				float G;
				const float alpha =
					sgs_blend_alpha(co.w, sgs_gauss_power(con, dx, dy), &G);
				if (alpha != 0.0f) {
					const float4 cz = s_cz[k];
					const float c[3] = {cz.x, cz.y, cz.z};
					float dc[3], dz;
					const float da = sgs_blend_step_vjp(&st, alpha, c, cz.w, dc, &dz);
					v[6] = dc[0];
					v[7] = dc[1];
					v[8] = dc[2];
					v[9] = dz;
					sgs_blend_alpha_vjp(con, co.w, G, dx, dy, da, v, v + 2, v + 5);
					hit = true;
				}
			}
			if (__any_sync(CUDA_FULL_MASK, hit)) {
#pragma unroll
				for (int i = 0; i < BWD_VALS; i++)
					v[i] = cuda_warp_sum(v[i]);
				if (lane == 0) {
					const uint32_t g = s_id[k];
					atomicAdd(a.d_xy + 2 * (size_t)g, v[0]);
					atomicAdd(a.d_xy + 2 * (size_t)g + 1, v[1]);
					atomicAdd(a.d_conic + 3 * (size_t)g, v[2]);
					atomicAdd(a.d_conic + 3 * (size_t)g + 1, v[3]);
					atomicAdd(a.d_conic + 3 * (size_t)g + 2, v[4]);
					atomicAdd(a.d_opacity + g, v[5]);
					atomicAdd(a.d_color + 3 * (size_t)g, v[6]);
					atomicAdd(a.d_color + 3 * (size_t)g + 1, v[7]);
					atomicAdd(a.d_color + 3 * (size_t)g + 2, v[8]);
					atomicAdd(a.d_depth + g, v[9]);
				}
			}
		}
		hi -= nb;
	}
}

int cuda_rasterize_backward(struct sgs_raster_ctx *ctx, const struct sgs_render_dout *dout,
			    float dbg[3])
{
	struct cuda_priv *pv = (struct cuda_priv *)ctx->priv;
	const size_t n = ctx->g.n;
	float *dbg_dev = pv->sums + CUDA_SUM_BG;
	/* overwrite, not add: the five arrays are one block of 10 n floats */
	if (n)
		CUDA_TRY(cudaMemsetAsync(pv->dgrad, 0, 10 * n * sizeof(float), 0));
	CUDA_TRY(cudaMemsetAsync(dbg_dev, 0, 3 * sizeof(float), 0));

	struct raster_bwd_args a;
	a.w = ctx->cam.w;
	a.h = ctx->cam.h;
	a.tiles_x = ctx->tiles_x;
	for (int c = 0; c < 3; c++)
		a.bg[c] = ctx->opts.bg[c];
	a.ranges = ctx->tile_ranges;
	a.ids = ctx->isect_ids;
	a.xy = reinterpret_cast<const float2 *>(ctx->xy);
	a.conic_opacity = reinterpret_cast<const float4 *>(ctx->conic_opacity);
	a.color = ctx->color;
	a.depth = ctx->depth;
	a.final_T = ctx->final_T;
	a.last_contrib = ctx->last_contrib;
	a.drgb = dout ? dout->drgb : NULL;
	a.dalpha = dout ? dout->dalpha : NULL;
	a.ddepth = dout ? dout->ddepth : NULL;
	a.d_xy = ctx->d_xy;
	a.d_conic = ctx->d_conic;
	a.d_opacity = ctx->d_opacity;
	a.d_color = ctx->d_color;
	a.d_depth = ctx->d_depth;
	a.dbg = dbg_dev;
	dim3 grid((unsigned)ctx->tiles_x, (unsigned)ctx->tiles_y), block(SGS_TILE, SGS_TILE);
	raster_bwd_kernel<<<grid, block>>>(a);
	CUDA_TRY_LAUNCH("raster_bwd_kernel");
	if (dbg)
		CUDA_TRY(cudaMemcpy(dbg, dbg_dev, 3 * sizeof(float), cudaMemcpyDeviceToHost));
	return 0;
}
