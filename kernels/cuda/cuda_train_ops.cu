/* Twin: kernels/cpu/cpu_train_ops.c · math: sgs_math_optim.h · test: tests/unit/test_backend_ops.c (rows adam, update_max_radii, reset_opacity) */
/* The CUDA backend's elementwise training operations: Adam, the
 * screen-radius maximum, the opacity reset, each one grid-stride kernel
 * around the shared arithmetic of sgs_math_optim.h. */
#include <math.h>

#include "cuda_train_internal.h"
#include "sgs_math_optim.h"
#include "sgs_train_host.h"

struct adam_args {
	float step_first, step_rest, sqrt_bc2, b1, b2, eps;
	size_t period, nfirst;
};

static __global__ void __launch_bounds__(CUDA_BLOCK)
adam_kernel(size_t count, float *p, const float *g, float *m, float *v, const struct adam_args a)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count;
	     i += (size_t)gridDim.x * blockDim.x) {
		const float step = a.period == 0 || i % a.period < a.nfirst ? a.step_first : a.step_rest;
		float pi = p[i], mi = m[i], vi = v[i];
		sgs_adam_update(&pi, g[i], &mi, &vi, step, a.sqrt_bc2, a.b1, a.b2, a.eps);
		p[i] = pi, m[i] = mi, v[i] = vi;
	}
}

int cuda_adam(float *p, const float *g, float *m, float *v, size_t count,
	      const struct sgs_adam_hp *hp)
{
	struct sgs_adam_consts c;
	if (sgs_adam_prepare(p, g, m, v, count, hp, &c))
		return -1;
	if (!count)
		return 0;
	struct adam_args a;
	a.step_first = c.step_first;
	a.step_rest = c.step_rest;
	a.sqrt_bc2 = c.sqrt_bc2;
	a.b1 = hp->beta1, a.b2 = hp->beta2, a.eps = hp->eps;
	a.period = hp->period, a.nfirst = hp->nfirst;
	adam_kernel<<<cuda_stride_blocks(count), CUDA_BLOCK>>>(count, p, g, m, v, a);
	CUDA_TRY_LAUNCH("adam_kernel");
	return 0;
}

static __global__ void __launch_bounds__(CUDA_BLOCK)
max_radii_kernel(uint32_t n, float *max_radii, const int32_t *radii)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n) {
		const float r = (float)radii[i];
		if (r > max_radii[i])
			max_radii[i] = r;
	}
}

int cuda_update_max_radii(float *max_radii, const struct sgs_raster_ctx *ctx)
{
	if (!ctx)
		return sgs_error_set("update_max_radii: no render context");
	const uint32_t n = ctx->g.n;
	if (!n)
		return 0;
	if (!max_radii || !ctx->radii)
		return sgs_error_set("update_max_radii: missing buffer");
	max_radii_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(n, max_radii, ctx->radii);
	CUDA_TRY_LAUNCH("max_radii_kernel");
	return 0;
}

static __global__ void __launch_bounds__(CUDA_BLOCK)
cap_kernel(uint32_t n, float *x, float cap)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n && x[i] > cap)
		x[i] = cap;
}

int cuda_reset_opacity(struct sgs_train_state *st, float max_opacity)
{
	if (!(max_opacity > 0.0f && max_opacity < 1.0f))
		return sgs_error_set("reset_opacity: maximum opacity %g outside (0, 1)",
				     max_opacity);
	const uint32_t n = st->params.n;
	if (!n)
		return 0;
	const float cap = (float)log((double)max_opacity / (1.0 - (double)max_opacity));
	cap_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(n, st->params.opacity, cap);
	CUDA_TRY_LAUNCH("cap_kernel");
	CUDA_TRY(cudaMemsetAsync(st->m.opacity, 0, (size_t)n * sizeof(float), 0));
	CUDA_TRY(cudaMemsetAsync(st->v.opacity, 0, (size_t)n * sizeof(float), 0));
	return 0;
}
