/* Twin: kernels/cpu/cpu_train_depth.c · math: sgs_math_depth.h · test: tests/unit/test_backend_ops.c (row loss_depth_pearson) */
/* Depth losses against a prior on the GPU: each block sums the weighted
 * moments of its pixels (warp shuffles, then the warps in order), the
 * host adds the blocks' sums in order (so the value does not depend on
 * scheduling) and computes the correlation, and a second kernel adds
 * the gradient. */
#include <pthread.h>

#include "cuda_internal.h"
#include "cuda_train_internal.h"
#include "sgs_math_depth.h"

#define DEPTH_BLOCK 256

/* Per-block moments, kept between calls (the loss runs every iteration). */
static struct {
	pthread_mutex_t lock;
	double *dev;
	double *host;
	size_t count; /* blocks */
} part = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0};

static int reserve_parts(size_t blocks)
{
	if (blocks <= part.count)
		return 0;
	if (part.dev && cudaFree(part.dev) != cudaSuccess)
		(void)cudaGetLastError();
	free(part.host);
	part.dev = NULL;
	part.host = NULL;
	part.count = 0;
	CUDA_TRY(cudaMalloc(&part.dev, blocks * SGS_DEPTH_MOMENTS * sizeof(double)));
	part.host = (double *)malloc(blocks * SGS_DEPTH_MOMENTS * sizeof(double));
	if (!part.host)
		return sgs_error_set("depth loss: out of host memory for %zu blocks", blocks);
	part.count = blocks;
	return 0;
}

static __global__ void __launch_bounds__(DEPTH_BLOCK)
moments_kernel(const float *depth, const float *prior, const float *conf, size_t n, double *out)
{
	__shared__ double warps[DEPTH_BLOCK / 32][SGS_DEPTH_MOMENTS];
	double m[SGS_DEPTH_MOMENTS] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
	const size_t i = (size_t)blockIdx.x * DEPTH_BLOCK + threadIdx.x;
	if (i < n) {
		const double c = sgs_depth_weight(prior[i], conf[i]);
		if (c > 0.0)
			sgs_depth_moments_add(m, depth[i], prior[i], c);
	}
	const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
	for (int k = 0; k < SGS_DEPTH_MOMENTS; k++) {
		for (int off = 16; off > 0; off >>= 1)
			m[k] += __shfl_down_sync(CUDA_FULL_MASK, m[k], off);
		if (lane == 0)
			warps[warp][k] = m[k];
	}
	__syncthreads();
	if (threadIdx.x < SGS_DEPTH_MOMENTS) {
		double s = 0.0;
		for (int w = 0; w < DEPTH_BLOCK / 32; w++)
			s += warps[w][threadIdx.x];
		out[(size_t)blockIdx.x * SGS_DEPTH_MOMENTS + threadIdx.x] = s;
	}
}

static __global__ void __launch_bounds__(DEPTH_BLOCK)
pearson_grad_kernel(const float *depth, const float *prior, const float *conf, size_t n,
		    float weight, const struct sgs_pearson p, float *ddepth)
{
	const size_t i = (size_t)blockIdx.x * DEPTH_BLOCK + threadIdx.x;
	if (i < n)
		ddepth[i] += weight * sgs_pearson_grad(&p, depth[i], prior[i],
						       sgs_depth_weight(prior[i], conf[i]));
}

static int run_pearson(const float *depth, const float *prior, const float *conf, size_t n,
		       float weight, float *ddepth, double *value)
{
	const size_t blocks = (n + DEPTH_BLOCK - 1) / DEPTH_BLOCK;
	if (reserve_parts(blocks))
		return -1;
	moments_kernel<<<(unsigned)blocks, DEPTH_BLOCK>>>(depth, prior, conf, n, part.dev);
	CUDA_TRY_LAUNCH("moments_kernel");
	CUDA_TRY(cudaMemcpy(part.host, part.dev, blocks * SGS_DEPTH_MOMENTS * sizeof(double),
			    cudaMemcpyDeviceToHost));
	double m[SGS_DEPTH_MOMENTS] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
	for (size_t b = 0; b < blocks; b++)
		for (int k = 0; k < SGS_DEPTH_MOMENTS; k++)
			m[k] += part.host[b * SGS_DEPTH_MOMENTS + k];
	const struct sgs_pearson p = sgs_pearson_of(m);
	*value = 1.0 - p.r;
	if (!p.ok)
		return 0;
	pearson_grad_kernel<<<(unsigned)blocks, DEPTH_BLOCK>>>(depth, prior, conf, n, weight, p,
							       ddepth);
	CUDA_TRY_LAUNCH("pearson_grad_kernel");
	return 0;
}

int cuda_loss_depth_pearson(const float *depth, const float *prior, const float *conf, size_t n,
			    float weight, float *ddepth, double *value)
{
	if (n && (!depth || !prior || !conf || !ddepth || !value))
		return sgs_error_set("depth loss: missing buffer");
	if (n == 0) {
		*value = 1.0;
		return 0;
	}
	pthread_mutex_lock(&part.lock);
	int rc = run_pearson(depth, prior, conf, n, weight, ddepth, value);
	pthread_mutex_unlock(&part.lock);
	return rc;
}
