/* Twin: kernels/cpu/cpu_train_depth.c · math: sgs_math_depth.h · test: tests/unit/test_backend_ops.c (rows loss_depth_pearson, loss_depth_patch, loss_depth_relative, loss_depth_rank, loss_depth_continuity, loss_depth_smooth) */
/* Depth losses against a prior on the GPU: each block sums the weighted
 * moments of its pixels (warp shuffles, then the warps in order), the
 * host adds the blocks' sums in order (so the value does not depend on
 * scheduling) and computes the correlation, and a second kernel adds
 * the gradient. */
#include <pthread.h>

#include "cuda_internal.h"
#include "cuda_train_internal.h"
#include "sgs_math_depth.h"
#include "sgs_train_host.h"

#define DEPTH_BLOCK 256

/* Per-block sums (the term runs every iteration). */
static struct cuda_partials part = CUDA_PARTIALS_INIT;

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
	if (cuda_partials_reserve(&part, blocks * SGS_DEPTH_MOMENTS, "depth loss"))
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

/* ---- the local terms: patches and pixel pairs ----
 *
 * Patches: one block per patch.  The first kernel sums the patch's
 * moments (each thread its pixels, then warp shuffles, then the warps in
 * order), derives its statistics and, for the relative term, the second
 * sums, and stores them per patch; the host counts the patches that count
 * in order, and the second kernel adds each pixel's gradient (every pixel
 * in one patch).  Pairs: one thread per pixel; the first kernel sums the
 * pairs' weights and weighted losses per block, the host adds the blocks
 * in order, the second kernel gathers each pixel's gradient.  Neither
 * uses atomics, so the GPU's result does not depend on scheduling. */

#define PATCH_BLOCK 256
#define PAIR_BLOCK 256

/* Scratch between the two kernels, kept between calls. */
static struct {
	pthread_mutex_t lock;
	void *dev, *host;
	size_t bytes;
} scratch = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0};

static int reserve_scratch(size_t bytes)
{
	if (bytes <= scratch.bytes)
		return 0;
	if (scratch.dev && cudaFree(scratch.dev) != cudaSuccess)
		(void)cudaGetLastError();
	free(scratch.host);
	scratch.dev = scratch.host = NULL;
	scratch.bytes = 0;
	CUDA_TRY(cudaMalloc(&scratch.dev, bytes));
	if (!(scratch.host = malloc(bytes)))
		return sgs_error_set("depth loss: out of host memory for %zu bytes", bytes);
	scratch.bytes = bytes;
	return 0;
}

/* v[0..N) summed over the block into thread 0's v (every thread calls
 * it; warps added in order).  red: shared, [blockDim.x / 32][N]. */
template <int N>
static __device__ __forceinline__ void block_sum_det(double (&v)[N], double (*red)[N])
{
	const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
	for (int k = 0; k < N; k++) {
		for (int off = 16; off > 0; off >>= 1)
			v[k] += __shfl_down_sync(CUDA_FULL_MASK, v[k], off);
		if (lane == 0)
			red[warp][k] = v[k];
	}
	__syncthreads();
	if (threadIdx.x == 0)
		for (int k = 0; k < N; k++) {
			double s = 0.0;
			for (int w = 0; w < (int)(blockDim.x >> 5); w++)
				s += red[w][k];
			v[k] = s;
		}
}

static __device__ __forceinline__ size_t patch_pixel(const struct sgs_depth_grid &g, int x0, int y0,
						      int pw, int j)
{
	return (size_t)(y0 + j / pw) * g.w + x0 + j % pw;
}

static __global__ void __launch_bounds__(PATCH_BLOCK)
patch_stat_kernel(const struct sgs_depth_grid g, int relative, const float *depth,
		  const float *prior, const float *conf, struct sgs_depth_patch_stat *out)
{
	__shared__ double red_m[PATCH_BLOCK / 32][SGS_DEPTH_PATCH_MOMENTS];
	__shared__ double red_r[PATCH_BLOCK / 32][SGS_DEPTH_REL_SUMS];
	__shared__ struct sgs_depth_patch_stat st;
	const int k = blockIdx.x;
	int x0, y0, x1, y1;
	sgs_depth_patch_rect(&g, k, &x0, &y0, &x1, &y1);
	const int pw = x1 - x0, n = pw * (y1 - y0);
	double m[SGS_DEPTH_PATCH_MOMENTS] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
	for (int j = threadIdx.x; j < n; j += PATCH_BLOCK) {
		const size_t i = patch_pixel(g, x0, y0, pw, j);
		const double c = sgs_depth_weight(prior[i], conf[i]);
		if (c > 0.0)
			sgs_depth_patch_moments_add(m, depth[i], prior[i], c);
	}
	block_sum_det<SGS_DEPTH_PATCH_MOMENTS>(m, red_m);
	if (threadIdx.x == 0)
		st = sgs_depth_patch_stat_of(m, g.need);
	__syncthreads();
	if (relative && st.counted) { /* the same for the whole block */
		double r[SGS_DEPTH_REL_SUMS] = {0.0, 0.0, 0.0};
		for (int j = threadIdx.x; j < n; j += PATCH_BLOCK) {
			const size_t i = patch_pixel(g, x0, y0, pw, j);
			sgs_depth_relative_add(&st, depth[i], prior[i],
					       sgs_depth_weight(prior[i], conf[i]), r);
		}
		block_sum_det<SGS_DEPTH_REL_SUMS>(r, red_r);
		if (threadIdx.x == 0)
			sgs_depth_relative_finish(&st, r);
	}
	if (threadIdx.x == 0)
		out[k] = st;
}

static __global__ void __launch_bounds__(PATCH_BLOCK)
patch_grad_kernel(const struct sgs_depth_grid g, int relative, const float *depth,
		  const float *prior, const float *conf, const struct sgs_depth_patch_stat *stats,
		  double scale, float *ddepth)
{
	const struct sgs_depth_patch_stat st = stats[blockIdx.x];
	if (!st.counted)
		return;
	int x0, y0, x1, y1;
	sgs_depth_patch_rect(&g, (int)blockIdx.x, &x0, &y0, &x1, &y1);
	const int pw = x1 - x0, n = pw * (y1 - y0);
	for (int j = threadIdx.x; j < n; j += PATCH_BLOCK) {
		const size_t i = patch_pixel(g, x0, y0, pw, j);
		ddepth[i] += (float)(scale * sgs_depth_patch_grad(&st, relative, depth[i], prior[i],
								 sgs_depth_weight(prior[i], conf[i])));
	}
}

static int run_patches(const struct sgs_depth_grid *g, int relative, const float *depth,
		       const float *prior, const float *conf, float weight, float *ddepth,
		       double *value)
{
	const size_t np = (size_t)g->nx * g->ny;
	if (reserve_scratch(np * sizeof(struct sgs_depth_patch_stat)))
		return -1;
	struct sgs_depth_patch_stat *dev = (struct sgs_depth_patch_stat *)scratch.dev;
	struct sgs_depth_patch_stat *host = (struct sgs_depth_patch_stat *)scratch.host;
	patch_stat_kernel<<<(unsigned)np, PATCH_BLOCK>>>(*g, relative, depth, prior, conf, dev);
	CUDA_TRY_LAUNCH("patch_stat_kernel");
	CUDA_TRY(cudaMemcpy(host, dev, np * sizeof *host, cudaMemcpyDeviceToHost));
	double sum = 0.0;
	size_t counted = 0;
	for (size_t k = 0; k < np; k++)
		if (host[k].counted)
			sum += host[k].value, counted++;
	if (!counted)
		return 0;
	*value = sum / (double)counted;
	patch_grad_kernel<<<(unsigned)np, PATCH_BLOCK>>>(*g, relative, depth, prior, conf, dev,
							 (double)weight / (double)counted, ddepth);
	CUDA_TRY_LAUNCH("patch_grad_kernel");
	return 0;
}

static int patches(const char *op, int relative, const float *depth, const float *prior,
		   const float *conf, const struct sgs_depth_patches *p, float weight,
		   float *ddepth, double *value)
{
	struct sgs_depth_grid g;
	if (sgs_depth_patches_prepare(op, depth, prior, conf, p, ddepth, value,
				      relative ? SGS_DEPTH_DRAW_RELATIVE : SGS_DEPTH_DRAW_PATCH,
				      &g) != 0)
		return -1;
	*value = 0.0;
	if ((size_t)g.nx * g.ny == 0)
		return 0;
	if ((size_t)g.nx * g.ny > 0x7fffffffu)
		return sgs_error_set("%s: %d x %d patches", op, g.nx, g.ny);
	pthread_mutex_lock(&scratch.lock);
	int rc = run_patches(&g, relative, depth, prior, conf, weight, ddepth, value);
	pthread_mutex_unlock(&scratch.lock);
	return rc;
}

int cuda_loss_depth_patch(const float *depth, const float *prior, const float *conf,
			  const struct sgs_depth_patches *p, float weight, float *ddepth,
			  double *value)
{
	return patches("local depth Pearson loss", 0, depth, prior, conf, p, weight, ddepth, value);
}

int cuda_loss_depth_relative(const float *depth, const float *prior, const float *conf,
			     const struct sgs_depth_patches *p, float weight, float *ddepth,
			     double *value)
{
	return patches("relative depth loss", 1, depth, prior, conf, p, weight, ddepth, value);
}

static __global__ void __launch_bounds__(PAIR_BLOCK)
pairs_sum_kernel(const struct sgs_depth_pairs P, const float *depth, const float *prior,
		 const float *conf, const float *img, double *out)
{
	__shared__ double red[PAIR_BLOCK / 32][2];
	const size_t i = (size_t)blockIdx.x * PAIR_BLOCK + threadIdx.x;
	double s[2] = {0.0, 0.0};
	if (i < (size_t)P.w * P.h) {
		const int x = (int)(i % P.w), y = (int)(i / P.w);
		for (int k = 0; k < P.nshift; k++) {
			const struct sgs_depth_pair r =
				sgs_depth_pair_at(&P, depth, prior, conf, img, x, y, k);
			s[0] += r.w;
			s[1] += r.w * r.l;
		}
	}
	block_sum_det<2>(s, red);
	if (threadIdx.x == 0) {
		out[2 * (size_t)blockIdx.x] = s[0];
		out[2 * (size_t)blockIdx.x + 1] = s[1];
	}
}

static __global__ void __launch_bounds__(PAIR_BLOCK)
pairs_grad_kernel(const struct sgs_depth_pairs P, const float *depth, const float *prior,
		  const float *conf, const float *img, double scale, float *ddepth)
{
	const size_t i = (size_t)blockIdx.x * PAIR_BLOCK + threadIdx.x;
	if (i < (size_t)P.w * P.h)
		ddepth[i] += (float)(scale * sgs_depth_pairs_grad(&P, depth, prior, conf, img,
								  (int)(i % P.w), (int)(i / P.w)));
}

static int run_pairs(const struct sgs_depth_pairs *P, const float *depth, const float *prior,
		     const float *conf, const float *img, float weight, float *ddepth,
		     double *value)
{
	const size_t n = (size_t)P->w * P->h, blocks = (n + PAIR_BLOCK - 1) / PAIR_BLOCK;
	if (reserve_scratch(2 * blocks * sizeof(double)))
		return -1;
	double *dev = (double *)scratch.dev, *host = (double *)scratch.host;
	pairs_sum_kernel<<<(unsigned)blocks, PAIR_BLOCK>>>(*P, depth, prior, conf, img, dev);
	CUDA_TRY_LAUNCH("pairs_sum_kernel");
	CUDA_TRY(cudaMemcpy(host, dev, 2 * blocks * sizeof(double), cudaMemcpyDeviceToHost));
	double W = 0.0, S = 0.0;
	for (size_t b = 0; b < blocks; b++)
		W += host[2 * b], S += host[2 * b + 1];
	if (!(W > 0.0))
		return 0;
	*value = S / W;
	pairs_grad_kernel<<<(unsigned)blocks, PAIR_BLOCK>>>(*P, depth, prior, conf, img,
							    (double)weight / W, ddepth);
	CUDA_TRY_LAUNCH("pairs_grad_kernel");
	return 0;
}

static int pairs(const struct sgs_depth_pairs *P, const float *depth, const float *prior,
		 const float *conf, const float *img, float weight, float *ddepth, double *value)
{
	*value = 0.0;
	if (P->w == 0 || P->h == 0)
		return 0;
	pthread_mutex_lock(&scratch.lock);
	int rc = run_pairs(P, depth, prior, conf, img, weight, ddepth, value);
	pthread_mutex_unlock(&scratch.lock);
	return rc;
}

int cuda_loss_depth_rank(const float *depth, const float *prior, const float *conf,
			 const struct sgs_depth_rank *p, float weight, float *ddepth, double *value)
{
	struct sgs_depth_pairs P;
	if (sgs_depth_rank_prepare(depth, prior, conf, p, ddepth, value, &P) != 0)
		return -1;
	return pairs(&P, depth, prior, conf, NULL, weight, ddepth, value);
}

int cuda_loss_depth_continuity(const float *depth, const float *prior, const float *conf, int w,
			       int h, float tol, float weight, float *ddepth, double *value)
{
	struct sgs_depth_pairs P;
	if (sgs_depth_continuity_prepare(depth, prior, conf, w, h, tol, ddepth, value, &P) != 0)
		return -1;
	return pairs(&P, depth, prior, conf, NULL, weight, ddepth, value);
}

int cuda_loss_depth_smooth(const float *depth, const float *img, const float *conf, int w, int h,
			   float gamma, float weight, float *ddepth, double *value)
{
	struct sgs_depth_pairs P;
	if (sgs_depth_smooth_prepare(depth, img, w, h, gamma, ddepth, value, &P) != 0)
		return -1;
	return pairs(&P, depth, NULL, conf, img, weight, ddepth, value);
}
