/* Twin: kernels/cpu/cpu_raster.c · math: sgs_math_blend.h · test: tests/unit/test_backend_ops.c (row rasterize) */
/* Forward rasterization on the GPU: one 16x16 block per tile, one thread
 * per pixel.  The block walks its tile's front-to-back list in batches of
 * 256 Gaussians that its threads load together into shared memory, and
 * stops as soon as every pixel of the tile is saturated.  Per pixel the
 * arithmetic is the shared blend step of sgs_math_blend.h, in the same
 * order as the CPU backend. */
#include "cuda_internal.h"
#include "sgs_math_blend.h"

struct raster_args {
	int w, h, tiles_x;
	float bg[3];
	const uint32_t *ranges, *ids;
	const float2 *xy;
	const float4 *conic_opacity;
	const float *color, *depth;
	struct sgs_render_out out; /* rgb required, the others may be NULL */
	float *final_T;            /* ctx copies for the backward pass */
	uint32_t *last_contrib;
};

static __global__ void __launch_bounds__(CUDA_TILE_PIX) raster_kernel(const struct raster_args a)
{
	__shared__ float2 s_xy[CUDA_TILE_PIX];
	__shared__ float4 s_co[CUDA_TILE_PIX];
	__shared__ float4 s_cz[CUDA_TILE_PIX]; /* colour, depth */
	const int tid = threadIdx.y * SGS_TILE + threadIdx.x;
	const int x = blockIdx.x * SGS_TILE + threadIdx.x;
	const int y = blockIdx.y * SGS_TILE + threadIdx.y;
	const bool inside = x < a.w && y < a.h;
	const uint32_t tile = blockIdx.y * a.tiles_x + blockIdx.x;
	const uint32_t start = a.ranges[2 * tile], end = a.ranges[2 * tile + 1];
	const float px = (float)x + 0.5f, py = (float)y + 0.5f;

	struct sgs_blend_fwd st;
	sgs_blend_fwd_init(&st);
	uint32_t last = 0;
	bool done = !inside;
	for (uint32_t base = 0; base < end - start; base += CUDA_TILE_PIX) {
		/* the barrier also keeps the previous batch alive until all
		 * threads are through with it */
		if (__syncthreads_count(done) == CUDA_TILE_PIX)
			break;
		if (base + tid < end - start) {
			const uint32_t g = a.ids[start + base + tid];
			s_xy[tid] = a.xy[g];
			s_co[tid] = a.conic_opacity[g];
			s_cz[tid] = make_float4(a.color[3 * g], a.color[3 * g + 1],
						a.color[3 * g + 2], a.depth[g]);
		}
		__syncthreads();
		const uint32_t nb = min((uint32_t)CUDA_TILE_PIX, end - start - base);
		for (uint32_t k = 0; !done && k < nb; k++) {
			const float2 m = s_xy[k];
			const float4 co = s_co[k];
			const float con[3] = {co.x, co.y, co.z};
			float G;
			const float alpha =
				sgs_blend_alpha(co.w, sgs_gauss_power(con, m.x - px, m.y - py), &G);
			if (alpha == 0.0f)
				continue;
			const float4 cz = s_cz[k];
			const float c[3] = {cz.x, cz.y, cz.z};
			if (!sgs_blend_step(&st, alpha, c, cz.w)) {
				done = true;
				break;
			}
			last = base + k + 1;
		}
	}
	if (!inside)
		return;

	const size_t pix = (size_t)y * a.w + x;
	for (int c = 0; c < 3; c++)
		a.out.rgb[3 * pix + c] = st.rgb[c] + st.T * a.bg[c];
	if (a.out.alpha)
		a.out.alpha[pix] = 1.0f - st.T;
	if (a.out.depth)
		a.out.depth[pix] = st.depth;
	if (a.out.median_depth)
		a.out.median_depth[pix] = st.median;
	if (a.out.final_T)
		a.out.final_T[pix] = st.T;
	if (a.out.n_contrib)
		a.out.n_contrib[pix] = st.count;
	a.final_T[pix] = st.T;
	a.last_contrib[pix] = last;
}

int cuda_rasterize(struct sgs_raster_ctx *ctx, const struct sgs_render_out *out)
{
	if (!out || !out->rgb)
		return sgs_error_set("rasterize: no RGB output buffer");
	struct raster_args a;
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
	a.out = *out;
	a.final_T = ctx->final_T;
	a.last_contrib = ctx->last_contrib;
	dim3 grid((unsigned)ctx->tiles_x, (unsigned)ctx->tiles_y), block(SGS_TILE, SGS_TILE);
	raster_kernel<<<grid, block>>>(a);
	CUDA_TRY_LAUNCH("raster_kernel");
	return 0;
}
