/* Twin: kernels/cpu/cpu_train_loss.c · math: sgs_math_ssim.h · test: tests/unit/test_backend_ops.c (row loss_l1_ssim) */
/* The training loss on the GPU: (1 - lambda) L1 + lambda (1 - SSIM) and
 * its gradient, fused, with the CPU's passes (cpu_train_loss.c) as
 * separate kernels over channel planes: horizontal filtering of the five
 * SSIM statistics, vertical filtering with the per-pixel SSIM partials
 * (sgs_math_ssim.h) and the loss sums, horizontal then vertical filtering
 * of the partial maps into the gradient.  One thread per pixel and
 * channel; taps are added in the CPU's order.  The sums are reduced in
 * double in a fixed order (per block, then one block over the block
 * partials), so the loss is reproducible run to run. */
#include <pthread.h>

#include "cuda_train_internal.h"
#include "sgs_math_ssim.h"

#define TAPS SGS_SSIM_TAPS
#define HALF SGS_SSIM_HALF
#define LOSS_BLOCK 128 /* threads along x per block */
#define SUM_BLOCK 256  /* threads of the final reduction */

struct ssim_window {
	float w[TAPS];
};

struct loss_args {
	const float *img, *gt;
	float *dimg;
	int w, h;
	size_t plane;       /* w h: floats per channel plane */
	float *H[5];        /* 3 planes each: filtered x, y, xx, yy, xy; H[0..2]
	                     * are reused for the filtered partials */
	float *P[3];        /* 3 planes each: dS/dmx, dS/dexx, dS/dexy */
	double *partials;   /* 3 per block of ssim_kernel: S, |d|, d^2 */
	float l1_coef, ssim_coef;
};

/* The scratch planes outlive a call: the loss runs every iteration and
 * cudaMalloc/cudaFree would synchronise each time.  Grown on demand,
 * guarded for callers on several host threads. */
static struct {
	pthread_mutex_t lock;
	float *planes;
	size_t plane_floats;
	double *partials; /* blocks * 3 + 3 (the final sums at the end) */
	size_t partial_count;
} scratch = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, NULL, 0};

static void free_quietly(void *p)
{
	if (p && cudaFree(p) != cudaSuccess)
		(void)cudaGetLastError(); /* nothing to report it to */
}

static int reserve_scratch(size_t floats, size_t partials)
{
	if (floats > scratch.plane_floats) {
		free_quietly(scratch.planes);
		scratch.planes = NULL;
		scratch.plane_floats = 0;
		CUDA_TRY(cudaMalloc(&scratch.planes, floats * sizeof(float)));
		scratch.plane_floats = floats;
	}
	if (partials > scratch.partial_count) {
		free_quietly(scratch.partials);
		scratch.partials = NULL;
		scratch.partial_count = 0;
		CUDA_TRY(cudaMalloc(&scratch.partials, partials * sizeof(double)));
		scratch.partial_count = partials;
	}
	return 0;
}

/* Pass 1: horizontal filtering of the statistics of (x, y, c). */
static __global__ void __launch_bounds__(LOSS_BLOCK)
hstats_kernel(const struct loss_args a, const struct ssim_window wt)
{
	const int x = blockIdx.x * blockDim.x + threadIdx.x, c = blockIdx.z;
	if (x >= a.w)
		return;
	for (int y = blockIdx.y; y < a.h; y += gridDim.y) {
		const size_t row = (size_t)y * a.w;
		float s[5] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
		for (int k = 0; k < TAPS; k++) {
			const int j = x + k - HALF;
			if (j < 0 || j >= a.w)
				continue;
			const float u = a.img[3 * (row + j) + c], v = a.gt[3 * (row + j) + c];
			const float wk = wt.w[k];
			s[0] += wk * u;
			s[1] += wk * v;
			s[2] += wk * (u * u);
			s[3] += wk * (v * v);
			s[4] += wk * (u * v);
		}
		const size_t o = (size_t)c * a.plane + row + x;
#pragma unroll
		for (int q = 0; q < 5; q++)
			a.H[q][o] = s[q];
	}
}

/* Sum of three doubles over the block (LOSS_BLOCK threads, 1D), written
 * to out[0..3) by thread 0 in a fixed order. */
static __device__ void block_sum3(double v0, double v1, double v2, double *out)
{
	__shared__ double part[LOSS_BLOCK / 32][3];
	double v[3] = {v0, v1, v2};
	const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
	for (int q = 0; q < 3; q++) {
		for (int off = 16; off > 0; off >>= 1)
			v[q] += __shfl_down_sync(CUDA_FULL_MASK, v[q], off);
		if (lane == 0)
			part[warp][q] = v[q];
	}
	__syncthreads();
	if (threadIdx.x == 0)
		for (int q = 0; q < 3; q++) {
			double s = 0.0;
			for (int k = 0; k < LOSS_BLOCK / 32; k++)
				s += part[k][q];
			out[q] = s;
		}
}

/* Pass 2: vertical filtering, SSIM and its partials, the loss sums. */
static __global__ void __launch_bounds__(LOSS_BLOCK)
ssim_kernel(const struct loss_args a, const struct ssim_window wt)
{
	const int x = blockIdx.x * blockDim.x + threadIdx.x, c = blockIdx.z;
	double sum_s = 0.0, sum_l1 = 0.0, sum_se = 0.0;
	if (x < a.w) {
		for (int y = blockIdx.y; y < a.h; y += gridDim.y) {
			float st[5] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
			for (int k = 0; k < TAPS; k++) {
				const int r = y + k - HALF;
				if (r < 0 || r >= a.h)
					continue;
				const size_t o = (size_t)c * a.plane + (size_t)r * a.w + x;
				const float wk = wt.w[k];
#pragma unroll
				for (int q = 0; q < 5; q++)
					st[q] += wk * a.H[q][o];
			}
			float d_mx, d_exx, d_exy;
			const float S = sgs_ssim_pixel(st[0], st[1], st[2], st[3], st[4], &d_mx,
						       &d_exx, &d_exy);
			const size_t o = (size_t)c * a.plane + (size_t)y * a.w + x;
			a.P[0][o] = d_mx;
			a.P[1][o] = d_exx;
			a.P[2][o] = d_exy;
			const size_t k = 3 * ((size_t)y * a.w + x) + c;
			const double d = (double)a.img[k] - (double)a.gt[k];
			sum_s += (double)S;
			sum_l1 += d < 0.0 ? -d : d;
			sum_se += d * d;
		}
	}
	const size_t b = blockIdx.x + (size_t)gridDim.x * (blockIdx.y + (size_t)gridDim.y * blockIdx.z);
	block_sum3(sum_s, sum_l1, sum_se, a.partials + 3 * b);
}

/* Pass 3: horizontal filtering of the partial maps into H[0..2]. */
static __global__ void __launch_bounds__(LOSS_BLOCK)
hgrad_kernel(const struct loss_args a, const struct ssim_window wt)
{
	const int x = blockIdx.x * blockDim.x + threadIdx.x, c = blockIdx.z;
	if (x >= a.w)
		return;
	for (int y = blockIdx.y; y < a.h; y += gridDim.y) {
		const size_t row = (size_t)c * a.plane + (size_t)y * a.w;
		float s[3] = {0.0f, 0.0f, 0.0f};
		for (int k = 0; k < TAPS; k++) {
			const int j = x + k - HALF;
			if (j < 0 || j >= a.w)
				continue;
#pragma unroll
			for (int q = 0; q < 3; q++)
				s[q] += wt.w[k] * a.P[q][row + j];
		}
#pragma unroll
		for (int q = 0; q < 3; q++)
			a.H[q][row + x] = s[q];
	}
}

/* Pass 4: vertical filtering of the partial maps, combined with the L1
 * term into dL/dimg. */
static __global__ void __launch_bounds__(LOSS_BLOCK)
vgrad_kernel(const struct loss_args a, const struct ssim_window wt)
{
	const int x = blockIdx.x * blockDim.x + threadIdx.x, c = blockIdx.z;
	if (x >= a.w)
		return;
	for (int y = blockIdx.y; y < a.h; y += gridDim.y) {
		float g[3] = {0.0f, 0.0f, 0.0f};
		for (int k = 0; k < TAPS; k++) {
			const int r = y + k - HALF;
			if (r < 0 || r >= a.h)
				continue;
			const size_t o = (size_t)c * a.plane + (size_t)r * a.w + x;
#pragma unroll
			for (int q = 0; q < 3; q++)
				g[q] += wt.w[k] * a.H[q][o];
		}
		const size_t k = 3 * ((size_t)y * a.w + x) + c;
		const float xv = a.img[k], yv = a.gt[k];
		const float dS = g[0] + 2.0f * xv * g[1] + yv * g[2];
		a.dimg[k] = a.l1_coef * sgs_signf(xv - yv) - a.ssim_coef * dS;
	}
}

/* One block: out[q] = sum over blocks of partials[3 b + q], each thread
 * over a fixed stride of blocks, then a fixed tree. */
static __global__ void __launch_bounds__(SUM_BLOCK)
final_sum_kernel(const double *partials, size_t blocks, double *out)
{
	__shared__ double s[3][SUM_BLOCK];
	double v[3] = {0.0, 0.0, 0.0};
	for (size_t b = threadIdx.x; b < blocks; b += SUM_BLOCK)
		for (int q = 0; q < 3; q++)
			v[q] += partials[3 * b + q];
	for (int q = 0; q < 3; q++)
		s[q][threadIdx.x] = v[q];
	__syncthreads();
	for (int half = SUM_BLOCK / 2; half > 0; half >>= 1) {
		if ((int)threadIdx.x < half)
			for (int q = 0; q < 3; q++)
				s[q][threadIdx.x] += s[q][threadIdx.x + half];
		__syncthreads();
	}
	if (threadIdx.x < 3)
		out[threadIdx.x] = s[threadIdx.x][0];
}

static int run_loss(const float *img, const float *gt, int w, int h, float lambda, float *dimg,
		    double terms[4])
{
	const size_t plane = (size_t)w * h;
	const dim3 block(LOSS_BLOCK, 1, 1);
	const dim3 grid((unsigned)((w + LOSS_BLOCK - 1) / LOSS_BLOCK),
			(unsigned)(h < 65535 ? h : 65535), 3);
	const size_t blocks = (size_t)grid.x * grid.y * grid.z;
	if (reserve_scratch(8 * 3 * plane, 3 * blocks + 3))
		return -1;

	const double N = 3.0 * (double)plane;
	struct loss_args a;
	a.img = img, a.gt = gt, a.dimg = dimg, a.w = w, a.h = h, a.plane = plane;
	for (int q = 0; q < 5; q++)
		a.H[q] = scratch.planes + (size_t)q * 3 * plane;
	for (int q = 0; q < 3; q++)
		a.P[q] = scratch.planes + (size_t)(5 + q) * 3 * plane;
	a.partials = scratch.partials;
	a.l1_coef = (float)((1.0 - lambda) / N);
	a.ssim_coef = (float)(lambda / N);
	struct ssim_window wt;
	sgs_ssim_window(wt.w);

	hstats_kernel<<<grid, block>>>(a, wt);
	CUDA_TRY_LAUNCH("hstats_kernel");
	ssim_kernel<<<grid, block>>>(a, wt);
	CUDA_TRY_LAUNCH("ssim_kernel");
	hgrad_kernel<<<grid, block>>>(a, wt);
	CUDA_TRY_LAUNCH("hgrad_kernel");
	vgrad_kernel<<<grid, block>>>(a, wt);
	CUDA_TRY_LAUNCH("vgrad_kernel");
	double *sums = scratch.partials + 3 * blocks;
	final_sum_kernel<<<1, SUM_BLOCK>>>(scratch.partials, blocks, sums);
	CUDA_TRY_LAUNCH("final_sum_kernel");

	double host[3];
	/* synchronises: faults of the kernels above surface here */
	CUDA_TRY(cudaMemcpy(host, sums, sizeof host, cudaMemcpyDeviceToHost));
	terms[0] = host[1] / N;
	terms[1] = host[0] / N;
	terms[2] = host[2] / N;
	terms[3] = (1.0 - lambda) * terms[0] + lambda * (1.0 - terms[1]);
	return 0;
}

int cuda_loss_l1_ssim(const float *img, const float *gt, int w, int h, float lambda, float *dimg,
		      double terms[4])
{
	if (w <= 0 || h <= 0 || w > 65536 || h > 65536)
		return sgs_error_set("loss: image size %dx%d out of range", w, h);
	if (!img || !gt || !dimg || !terms)
		return sgs_error_set("loss: missing image, target or gradient buffer");
	pthread_mutex_lock(&scratch.lock);
	int rc = run_loss(img, gt, w, h, lambda, dimg, terms);
	pthread_mutex_unlock(&scratch.lock);
	return rc;
}
