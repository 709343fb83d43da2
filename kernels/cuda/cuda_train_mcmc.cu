/* Twin: kernels/cpu/cpu_train_mcmc.c · math: sgs_math_mcmc.h · test: tests/unit/test_backend_ops.c (rows mcmc_relocate, mcmc_regularise, mcmc_noise) */
/* The MCMC variant's operations on CUDA, twins of kernels/cpu/
 * cpu_train_mcmc.c.  The relocation plan is made on the host from the
 * downloaded opacities (n floats, the only transfer) with the same code
 * as the CPU backend, so both make identical moves; the moves themselves
 * run on the device. */
#include <stdlib.h>
#include <string.h>

#include "cuda_train_internal.h"
#include "sgs_math_mcmc.h"
#include "sgs_train_mcmc.h"

/* The five arrays of one Gaussian set, by value for the kernels. */
struct gset {
	float *means, *log_scales, *quats, *opacity, *sh;
};

static struct gset gset_of(const struct sgs_gaussians *g)
{
	struct gset s = {g->means, g->log_scales, g->quats, g->opacity, g->sh};
	return s;
}

static __device__ void zero_one(const struct gset g, size_t i, size_t sh)
{
	for (int k = 0; k < 3; k++)
		g.means[3 * i + k] = 0.0f, g.log_scales[3 * i + k] = 0.0f;
	for (int k = 0; k < 4; k++)
		g.quats[4 * i + k] = 0.0f;
	g.opacity[i] = 0.0f;
	for (size_t k = 0; k < sh; k++)
		g.sh[sh * i + k] = 0.0f;
}

static __global__ void __launch_bounds__(CUDA_BLOCK)
adjust_kernel(uint32_t na, const uint32_t *idx, const float *logit, const float *dlog,
	      const struct gset p, const struct gset m, const struct gset v, size_t sh)
{
	const uint32_t j = blockIdx.x * blockDim.x + threadIdx.x;
	if (j >= na)
		return;
	const size_t i = idx[j];
	p.opacity[i] = logit[j];
	for (int k = 0; k < 3; k++)
		p.log_scales[3 * i + k] += dlog[j];
	zero_one(m, i, sh);
	zero_one(v, i, sh);
}

struct stats3 {
	float *accum, *count, *radii;
};

static __global__ void __launch_bounds__(CUDA_BLOCK)
copy_kernel(uint32_t nc, const uint32_t *dst, const uint32_t *src, const struct gset p,
	    const struct gset m, const struct gset v, const struct gset g, const struct stats3 s3,
	    size_t sh)
{
	const uint32_t j = blockIdx.x * blockDim.x + threadIdx.x;
	if (j >= nc)
		return;
	const size_t d = dst[j], s = src[j];
	for (int k = 0; k < 3; k++) {
		p.means[3 * d + k] = p.means[3 * s + k];
		p.log_scales[3 * d + k] = p.log_scales[3 * s + k];
	}
	for (int k = 0; k < 4; k++)
		p.quats[4 * d + k] = p.quats[4 * s + k];
	p.opacity[d] = p.opacity[s];
	for (size_t k = 0; k < sh; k++)
		p.sh[sh * d + k] = p.sh[sh * s + k];
	zero_one(m, d, sh);
	zero_one(v, d, sh);
	zero_one(g, d, sh);
	s3.accum[d] = s3.count[d] = s3.radii[d] = 0.0f;
}

/* One phase of the plan: upload its lists into buf (device, large enough
 * for 3 nadj + 2 ncopy words) and run the two kernels in order. */
static int apply_phase(struct sgs_train_state *st, const struct sgs_mcmc_phase *ph, uint32_t *buf)
{
	const size_t sh = 3 * (size_t)sgs_sh_coeffs(st->params.sh_degree);
	const struct gset p = gset_of(&st->params), m = gset_of(&st->m), v = gset_of(&st->v);
	const uint32_t na = ph->nadj, nc = ph->ncopy;
	uint32_t *idx = buf, *dst = buf + 3 * (size_t)na, *src = dst + nc;
	float *logit = (float *)(buf + na), *dlog = (float *)(buf + 2 * (size_t)na);
	if (na) {
		CUDA_TRY(cudaMemcpy(idx, ph->adj_idx, na * sizeof(uint32_t), cudaMemcpyHostToDevice));
		CUDA_TRY(cudaMemcpy(logit, ph->adj_logit, na * sizeof(float), cudaMemcpyHostToDevice));
		CUDA_TRY(cudaMemcpy(dlog, ph->adj_dlog, na * sizeof(float), cudaMemcpyHostToDevice));
		adjust_kernel<<<cuda_blocks(na), CUDA_BLOCK>>>(na, idx, logit, dlog, p, m, v, sh);
		CUDA_TRY_LAUNCH("adjust_kernel");
	}
	if (nc) {
		const struct stats3 s3 = {st->grad2d_accum, st->grad2d_count, st->max_radii};
		CUDA_TRY(cudaMemcpy(dst, ph->copy_dst, nc * sizeof(uint32_t), cudaMemcpyHostToDevice));
		CUDA_TRY(cudaMemcpy(src, ph->copy_src, nc * sizeof(uint32_t), cudaMemcpyHostToDevice));
		copy_kernel<<<cuda_blocks(nc), CUDA_BLOCK>>>(nc, dst, src, p, m, v,
							      gset_of(&st->grads), s3, sh);
		CUDA_TRY_LAUNCH("copy_kernel");
	}
	return 0;
}

static int relocate_with(const struct sgs_backend *be, struct sgs_train_state *st,
			 const struct sgs_mcmc_params *p, struct sgs_mcmc_plan *plan,
			 float **host_op, uint32_t **buf)
{
	const uint32_t n = st->params.n;
	if (!(*host_op = (float *)malloc(((size_t)n + 1) * sizeof(float))))
		return sgs_error_set("mcmc_relocate: out of memory for %u opacities", n);
	if (n && be->download(*host_op, st->params.opacity, (size_t)n * sizeof(float)) != 0)
		return -1;
	if (sgs_mcmc_plan_make(*host_op, n, p, plan) != 0)
		return -1;
	size_t words = 1;
	for (int k = 0; k < 2; k++) {
		size_t w = 3 * (size_t)plan->ph[k].nadj + 2 * (size_t)plan->ph[k].ncopy;
		if (w > words)
			words = w;
	}
	CUDA_TRY(cudaMalloc((void **)buf, words * sizeof(uint32_t)));
	if (sgs_mcmc_reserve(be, st, plan->n_after, p->max_gaussians) != 0)
		return -1;
	/* the state changes from here on */
	if (apply_phase(st, &plan->ph[0], *buf) != 0)
		return -1;
	st->params.n = st->grads.n = st->m.n = st->v.n = plan->n_after;
	return apply_phase(st, &plan->ph[1], *buf);
}

int cuda_mcmc_relocate(const struct sgs_backend *be, struct sgs_train_state *st,
			      const struct sgs_mcmc_params *p, struct sgs_densify_stats *stats)
{
	struct sgs_mcmc_plan plan = {};
	float *host_op = NULL;
	uint32_t *buf = NULL;
	if (!be || !st || !p)
		return sgs_error_set("mcmc_relocate: missing backend, state or parameters");
	int rc = relocate_with(be, st, p, &plan, &host_op, &buf);
	if (rc == 0 && stats) {
		memset(stats, 0, sizeof *stats);
		stats->relocated = plan.ph[0].ncopy;
		stats->cloned = plan.ph[1].ncopy;
		stats->n_before = plan.n_before;
		stats->n_after = plan.n_after;
	}
	if (buf)
		cudaFree(buf); /* synchronises: the kernels are done with buf */
	sgs_mcmc_plan_free(&plan);
	free(host_op);
	return rc;
}

static __global__ void __launch_bounds__(CUDA_BLOCK)
noise_kernel(uint32_t n, const struct gset g, float scale, uint64_t seed, uint32_t iteration)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		sgs_mcmc_noise_one(g.means + 3 * (size_t)i, g.log_scales + 3 * (size_t)i,
				   g.quats + 4 * (size_t)i, g.opacity[i], scale, seed, iteration, i);
}

int cuda_mcmc_noise(struct sgs_train_state *st, float scale, uint64_t seed,
			   uint32_t iteration)
{
	if (!st)
		return sgs_error_set("mcmc_noise: no state");
	const uint32_t n = st->params.n;
	if (!n)
		return 0;
	noise_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(n, gset_of(&st->params), scale, seed, iteration);
	CUDA_TRY_LAUNCH("noise_kernel");
	return 0;
}

static __global__ void __launch_bounds__(CUDA_BLOCK)
regularise_kernel(uint32_t n, const float *op, const float *ls, float *dop, float *dls, float wo,
		  float ws)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= n)
		return;
	dop[i] += sgs_mcmc_opacity_reg_grad(op[i], wo);
	for (int k = 0; k < 3; k++)
		dls[3 * (size_t)i + k] += sgs_mcmc_scale_reg_grad(ls[3 * (size_t)i + k], ws);
}

int cuda_mcmc_regularise(struct sgs_train_state *st, float opacity_w, float scale_w)
{
	if (!st)
		return sgs_error_set("mcmc_regularise: no state");
	const uint32_t n = st->params.n;
	if (!n)
		return 0;
	const float wo = opacity_w / (float)n, ws = scale_w / (3.0f * (float)n);
	regularise_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(n, st->params.opacity,
							   st->params.log_scales, st->grads.opacity,
							   st->grads.log_scales, wo, ws);
	CUDA_TRY_LAUNCH("regularise_kernel");
	return 0;
}
