/* Twin: kernels/cpu/cpu_train_warp.c · math: sgs_math_warp.h · test: tests/unit/test_backend_ops.c (row loss_warp) */
/* Warp consistency on the GPU: one thread per image row (a row's pixels
 * scatter into the same row of the virtual image, so a thread that owns
 * the row writes its gradient in pixel order without atomics); the
 * rows' sums go to the host and are added in order, as on the CPU. */
#include <pthread.h>
#include <stdlib.h>

#include "cuda_train_internal.h"
#include "sgs_math_warp.h"
#include "sgs_train_host.h"

#define WARP_ROWS 64 /* rows per block: a 378-row view fills six blocks */

/* The rows' sums on the device, grown as views grow, kept between calls
 * (the term runs every iteration). */
static pthread_mutex_t sums_lock = PTHREAD_MUTEX_INITIALIZER;
static double *sums_dev;
static int sums_rows;

static __global__ void __launch_bounds__(WARP_ROWS)
warp_sum_kernel(const float *virt, const float *depth, const float *gt,
		const struct sgs_warp_params p, double *sums)
{
	const int y = blockIdx.x * WARP_ROWS + threadIdx.x;
	if (y < p.h)
		sgs_warp_row_sum(virt, depth, gt, &p, y, sums + 2 * (size_t)y);
}

static __global__ void __launch_bounds__(WARP_ROWS)
warp_grad_kernel(const float *virt, const float *depth, const float *gt,
		 const struct sgs_warp_params p, float scale, float *dvirt, float *ddepth)
{
	const int y = blockIdx.x * WARP_ROWS + threadIdx.x;
	if (y < p.h)
		sgs_warp_row_grad(virt, depth, gt, &p, y, scale, dvirt, ddepth);
}

static int run_warp(const float *virt, const float *depth, const float *gt,
		    const struct sgs_warp_params *p, float *dvirt, float *ddepth, double *value,
		    double *valid)
{
	const unsigned blocks = (unsigned)((p->h + WARP_ROWS - 1) / WARP_ROWS);
	if (p->h > sums_rows) {
		if (sums_dev && cudaFree(sums_dev) != cudaSuccess)
			(void)cudaGetLastError();
		sums_dev = NULL;
		sums_rows = 0;
		CUDA_TRY(cudaMalloc(&sums_dev, 2 * (size_t)p->h * sizeof(double)));
		sums_rows = p->h;
	}
	double *host = (double *)malloc(2 * (size_t)p->h * sizeof(double));
	if (!host)
		return sgs_error_set("warp consistency loss: out of memory for %d rows", p->h);
	warp_sum_kernel<<<blocks, WARP_ROWS>>>(virt, depth, gt, *p, sums_dev);
	if (cudaGetLastError() != cudaSuccess ||
	    cudaMemcpy(host, sums_dev, 2 * (size_t)p->h * sizeof(double),
		       cudaMemcpyDeviceToHost) != cudaSuccess) {
		free(host);
		return sgs_error_set("warp consistency loss: warp_sum_kernel failed");
	}
	double n = 0.0, s = 0.0;
	for (int y = 0; y < p->h; y++)
		n += host[2 * y], s += host[2 * y + 1];
	free(host);
	const float scale = n > 0.0 ? (float)(p->weight / (3.0 * n)) : 0.0f;
	warp_grad_kernel<<<blocks, WARP_ROWS>>>(virt, depth, gt, *p, scale, dvirt,
						n > 0.0 ? ddepth : NULL);
	CUDA_TRY_LAUNCH("warp_grad_kernel");
	if (n > 0.0)
		*value = s / (3.0 * n);
	if (valid)
		*valid = n;
	return 0;
}

int cuda_loss_warp(const float *virt, const float *depth, const float *gt,
		   const struct sgs_warp_params *p, float *dvirt, float *ddepth, double *value,
		   double *valid)
{
	if (sgs_warp_check(virt, depth, gt, p, dvirt, value) != 0)
		return -1;
	*value = 0.0;
	if (valid)
		*valid = 0.0;
	if (p->w == 0 || p->h == 0)
		return 0;
	pthread_mutex_lock(&sums_lock);
	int rc = run_warp(virt, depth, gt, p, dvirt, ddepth, value, valid);
	pthread_mutex_unlock(&sums_lock);
	return rc;
}
