/* Twin: kernels/cpu/cpu_train_reg.c · math: sgs_math_reg.h · test: tests/unit/test_backend_ops.c (rows decay_opacity, reg_scale, add_scaled) */
/* The sparse-view regularisers on the GPU: opacity decay (one thread per
 * Gaussian) and the scale regularisers (one thread per Gaussian adds its
 * gradient; each block sums its values in double, the host adds the
 * blocks' sums in order, so the value does not depend on scheduling). */
#include <pthread.h>
#include <stdlib.h>

#include "cuda_train_internal.h"
#include "sgs_math_reg.h"
#include "sgs_train_host.h"

static __global__ void __launch_bounds__(CUDA_BLOCK)
decay_kernel(uint32_t n, float *o, float factor)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		o[i] = sgs_decay_logit(o[i], factor);
}

int cuda_decay_opacity(struct sgs_train_state *st, float factor)
{
	if (sgs_decay_check(st, factor))
		return -1;
	const uint32_t n = st->params.n;
	if (!n)
		return 0;
	decay_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(n, st->params.opacity, factor);
	CUDA_TRY_LAUNCH("decay_kernel");
	return 0;
}

/* Per-block sums (the term runs every iteration). */
static struct cuda_partials part = CUDA_PARTIALS_INIT;

static __global__ void __launch_bounds__(CUDA_BLOCK)
scale_reg_kernel(uint32_t n, const float *ls, float *dls, const struct sgs_scale_reg p,
		 float inv_n, double *out)
{
	__shared__ double warps[CUDA_BLOCK / 32];
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	double v = 0.0;
	if (i < n) {
		float l[3] = {ls[3 * (size_t)i], ls[3 * (size_t)i + 1], ls[3 * (size_t)i + 2]};
		float d[3] = {dls[3 * (size_t)i], dls[3 * (size_t)i + 1], dls[3 * (size_t)i + 2]};
		v = sgs_scale_reg_one(l, &p, inv_n, d);
		for (int k = 0; k < 3; k++)
			dls[3 * (size_t)i + k] = d[k];
	}
	for (int off = 16; off > 0; off >>= 1)
		v += __shfl_down_sync(CUDA_FULL_MASK, v, off);
	const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	if (lane == 0)
		warps[warp] = v;
	__syncthreads();
	if (threadIdx.x == 0) {
		double s = 0.0;
		for (int w = 0; w < CUDA_BLOCK / 32; w++)
			s += warps[w];
		out[blockIdx.x] = s;
	}
}

static int run_scale_reg(struct sgs_train_state *st, const struct sgs_scale_reg *p,
			 double *value)
{
	const uint32_t n = st->params.n;
	const size_t blocks = cuda_blocks(n);
	if (cuda_partials_reserve(&part, blocks, "reg_scale"))
		return -1;
	scale_reg_kernel<<<(unsigned)blocks, CUDA_BLOCK>>>(n, st->params.log_scales,
							    st->grads.log_scales, *p,
							    1.0f / (float)n, part.dev);
	CUDA_TRY_LAUNCH("scale_reg_kernel");
	CUDA_TRY(cudaMemcpy(part.host, part.dev, blocks * sizeof(double), cudaMemcpyDeviceToHost));
	double sum = 0.0;
	for (size_t b = 0; b < blocks; b++)
		sum += part.host[b];
	*value = sum / (double)n;
	return 0;
}

int cuda_reg_scale(struct sgs_train_state *st, const struct sgs_scale_reg *p, double *value)
{
	if (sgs_scale_reg_check(st, p, value))
		return -1;
	*value = 0.0;
	if (st->params.n == 0)
		return 0;
	pthread_mutex_lock(&part.lock);
	int rc = run_scale_reg(st, p, value);
	pthread_mutex_unlock(&part.lock);
	return rc;
}

static __global__ void __launch_bounds__(CUDA_BLOCK)
add_scaled_kernel(size_t n, float *y, const float *x, float a)
{
	const size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		y[i] = sgs_add_scaled_one(y[i], x[i], a);
}

int cuda_add_scaled(float *y, const float *x, size_t count, float a)
{
	if (count && (!y || !x))
		return sgs_error_set("add_scaled: missing buffer");
	if (!count)
		return 0;
	add_scaled_kernel<<<(unsigned)cuda_blocks(count), CUDA_BLOCK>>>(count, y, x, a);
	CUDA_TRY_LAUNCH("add_scaled_kernel");
	return 0;
}
