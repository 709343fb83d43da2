/* Private state, error checking and device helpers of the CUDA backend
 * (kernels/cuda/).  Every .cu file is compiled on its own (no relocatable
 * device code), so device helpers shared between them live here as
 * static inline functions.  All work goes to the legacy default stream,
 * so operations are ordered without explicit events. */
#ifndef SGS_CUDA_INTERNAL_H
#define SGS_CUDA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime.h>

#include "sgs_kernels.h"
extern "C" {
#include "sgs_error.h"
}

/* Threads per block of the per-Gaussian kernels. */
#define CUDA_BLOCK 256
/* Pixels per tile = threads per rasterizer block = Gaussians per batch. */
#define CUDA_TILE_PIX (SGS_TILE * SGS_TILE)
#define CUDA_FULL_MASK 0xffffffffu

/* Record "file:line: call: CUDA error string" and return -1 from the
 * calling function when a CUDA call fails. */
int cuda_fail(cudaError_t err, const char *call, const char *file, int line);
#define CUDA_TRY(call)                                                          \
	do {                                                                    \
		cudaError_t cuda_try_err_ = (call);                             \
		if (cuda_try_err_ != cudaSuccess)                               \
			return cuda_fail(cuda_try_err_, #call, __FILE__, __LINE__); \
	} while (0)
/* After a <<<...>>> launch: configuration errors show up here; faults
 * inside the kernel surface at the next synchronising call. */
#define CUDA_TRY_LAUNCH(name)                                                   \
	do {                                                                    \
		cudaError_t cuda_try_err_ = cudaGetLastError();                 \
		if (cuda_try_err_ != cudaSuccess)                               \
			return cuda_fail(cuda_try_err_, "launch of " name, __FILE__, \
					 __LINE__);                             \
	} while (0)

/* Device state of one render context beyond the contract fields of
 * struct sgs_raster_ctx. */
struct cuda_priv {
	size_t cap_n, cap_isect, cap_pix, cap_tiles;
	float *dgrad;       /* 10 cap_n: backing store of ctx->d_* */
	uint64_t *offsets;  /* cap_n: inclusive prefix sum of tiles touched */
	uint64_t *keys[2];  /* cap_isect: tile << 32 | depth bits, ping-pong */
	uint32_t *vals[2];  /* cap_isect: Gaussian ids; ctx->isect_ids is one */
	void *temp;         /* CUB scratch */
	size_t temp_bytes;
	float *sums;        /* 32 device floats: dL/dbg [0,3), pose [3,18) */
};

/* Offsets into cuda_priv.sums */
#define CUDA_SUM_BG 0
#define CUDA_SUM_POSE 3
#define CUDA_SUM_COUNT 32

/* Make the per-Gaussian, per-pair and per-pixel/per-tile buffers of ctx
 * hold at least that many entries (contents are lost when they grow). */
int cuda_reserve_gaussians(struct sgs_raster_ctx *ctx, size_t n);
int cuda_reserve_isect(struct sgs_raster_ctx *ctx, size_t n_isect);
int cuda_reserve_pixels(struct sgs_raster_ctx *ctx, size_t pixels, size_t tiles);
/* Grow the CUB scratch buffer to at least `bytes`. */
int cuda_reserve_temp(struct cuda_priv *pv, size_t bytes);

/* Blocks of CUDA_BLOCK threads covering n items (n > 0). */
static inline unsigned cuda_blocks(size_t n)
{
	return (unsigned)((n + CUDA_BLOCK - 1) / CUDA_BLOCK);
}

const struct sgs_backend *cuda_backend_table(void);
int cuda_project(struct sgs_raster_ctx *ctx, const struct sgs_gaussians *g,
		 const struct sgs_cam *cam, const struct sgs_raster_opts *opts);
int cuda_bin_sort(struct sgs_raster_ctx *ctx);
int cuda_rasterize(struct sgs_raster_ctx *ctx, const struct sgs_render_out *out);
int cuda_rasterize_backward(struct sgs_raster_ctx *ctx, const struct sgs_render_dout *dout,
			    float dbg[3]);
int cuda_project_backward(struct sgs_raster_ctx *ctx, struct sgs_gaussians *grad,
			  struct sgs_cam_grad *dcam, float *grad2d_accum, float *grad2d_count);
int cuda_mvs_cost(const struct sgs_mvs_pair *p, const float *depths, int ndepths, float *cost);
int cuda_mvs_cost_planes(const struct sgs_mvs_pair *p, const float *planes, int nplanes,
			 float *cost);

/* Sum of v over the warp, in lane 0 (every lane must call it). */
static __device__ __forceinline__ float cuda_warp_sum(float v)
{
	for (int off = 16; off > 0; off >>= 1)
		v += __shfl_down_sync(CUDA_FULL_MASK, v, off);
	return v;
}

/* Add v[0..N) summed over the block (blockDim.x * blockDim.y * blockDim.z
 * a multiple of 32, at most 1024 threads) to dst[0..N) with one atomic per
 * entry.  Every thread of the block must call it; it ends with a barrier
 * so the caller may reuse shared memory afterwards. */
template <int N>
static __device__ __forceinline__ void cuda_block_sum_atomic(const float (&v)[N], float *dst)
{
	__shared__ float part[32][N];
	const int tid = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
	const int warps = (blockDim.x * blockDim.y * blockDim.z) >> 5;
	const int lane = tid & 31, warp = tid >> 5;
#pragma unroll
	for (int k = 0; k < N; k++) {
		float s = cuda_warp_sum(v[k]);
		if (lane == 0)
			part[warp][k] = s;
	}
	__syncthreads();
	if (tid < N) {
		float s = 0.0f;
		for (int w = 0; w < warps; w++)
			s += part[w][tid];
		atomicAdd(dst + tid, s);
	}
	__syncthreads();
}

#endif
