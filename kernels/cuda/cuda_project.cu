/* Twin: kernels/cpu/cpu_project.c · math: sgs_math_gaussian.h · test: tests/unit/test_backend_ops.c (rows project, project_backward) */
/* Per-Gaussian preprocessing on the GPU and its backward pass: one thread
 * per Gaussian around the shared math of sgs_math_gaussian.h; the pose
 * gradient is summed per block, then with one atomic per block. */
#include <string.h>

#include "cuda_internal.h"
#include "sgs_math_gaussian.h"
#include "sgs_math_reg.h"

/* The parameters of one render as the kernels read them. */
struct proj_params {
	struct sgs_cam cam;
	float campos[3];
	int antialias;
	float drop_rate; /* Gaussian dropout (sgs_raster_opts) */
	uint32_t drop_iteration;
	uint64_t drop_seed;
	uint32_t n;
	int K;   /* SH coefficients stored per Gaussian */
	int deg; /* active SH degree */
	const float *means, *log_scales, *quats, *opacity, *sh;
};

static struct proj_params proj_params_of(const struct sgs_raster_ctx *ctx)
{
	struct proj_params p;
	p.cam = ctx->cam;
	memcpy(p.campos, ctx->campos, sizeof p.campos);
	p.antialias = ctx->opts.antialias;
	p.drop_rate = ctx->opts.drop_rate;
	p.drop_iteration = ctx->opts.drop_iteration;
	p.drop_seed = ctx->opts.drop_seed;
	p.n = ctx->g.n;
	p.K = sgs_sh_coeffs(ctx->g.sh_degree);
	p.deg = ctx->g.sh_active;
	p.means = ctx->g.means;
	p.log_scales = ctx->g.log_scales;
	p.quats = ctx->g.quats;
	p.opacity = ctx->g.opacity;
	p.sh = ctx->g.sh;
	return p;
}

struct proj_out {
	float *xy, *depth, *conic_opacity, *color;
	uint8_t *clamped;
	int32_t *radii;
	uint32_t *tiles_touched;
};

static __global__ void __launch_bounds__(CUDA_BLOCK)
project_kernel(const struct proj_params p, const struct proj_out o)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= p.n)
		return;
	struct sgs_splat2d s;
	int vis = sgs_project_gaussian(&p.cam, p.campos, p.antialias, p.means + 3 * (size_t)i,
				       p.log_scales + 3 * (size_t)i, p.quats + 4 * (size_t)i,
				       p.opacity[i], p.sh + (size_t)3 * p.K * i, p.deg, &s);
	if (vis) { /* Gaussian dropout: 1 when off */
		const float keep = sgs_dropout_scale(p.drop_rate, p.drop_seed, p.drop_iteration, i);
		vis = keep != 0.0f;
		s.opacity *= keep;
	}
	o.radii[i] = vis ? s.radius : 0;
	o.tiles_touched[i] = vis ? (uint32_t)sgs_splat_tile_count(&s, p.cam.h) : 0u;
	if (!vis)
		return;
	o.xy[2 * i] = s.xy[0];
	o.xy[2 * i + 1] = s.xy[1];
	o.depth[i] = s.depth;
	reinterpret_cast<float4 *>(o.conic_opacity)[i] =
		make_float4(s.conic[0], s.conic[1], s.conic[2], s.opacity);
	for (int k = 0; k < 3; k++) {
		o.color[3 * i + k] = s.color[k];
		o.clamped[3 * i + k] = s.clamped[k];
	}
}

int cuda_project(struct sgs_raster_ctx *ctx, const struct sgs_gaussians *g,
		 const struct sgs_cam *cam, const struct sgs_raster_opts *opts)
{
	if (sgs_check_project_inputs(g, cam) || cuda_reserve_gaussians(ctx, g->n))
		return -1;
	struct cuda_priv *pv = (struct cuda_priv *)ctx->priv;
	const size_t n = g->n;
	ctx->g = *g;
	ctx->cam = *cam;
	ctx->opts = *opts;
	ctx->n_isect = 0;
	sgs_cam_center(cam, ctx->campos);
	sgs_cam_tiles(cam, &ctx->tiles_x, &ctx->tiles_y);
	/* the five gradient arrays, back to back in one allocation */
	ctx->d_xy = pv->dgrad;
	ctx->d_conic = pv->dgrad + 2 * n;
	ctx->d_opacity = pv->dgrad + 5 * n;
	ctx->d_color = pv->dgrad + 6 * n;
	ctx->d_depth = pv->dgrad + 9 * n;
	if (n == 0)
		return 0;

	struct proj_out o;
	o.xy = ctx->xy;
	o.depth = ctx->depth;
	o.conic_opacity = ctx->conic_opacity;
	o.color = ctx->color;
	o.clamped = ctx->clamped;
	o.radii = ctx->radii;
	o.tiles_touched = ctx->tiles_touched;
	project_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(proj_params_of(ctx), o);
	CUDA_TRY_LAUNCH("project_kernel");
	return 0;
}

struct proj_grad {
	/* inputs from rasterize_backward and project */
	const float *d_xy, *d_conic, *d_opacity, *d_color, *d_depth;
	const int32_t *radii;
	const uint8_t *clamped;
	/* outputs */
	float *means, *log_scales, *quats, *opacity, *sh;
	float *grad2d_accum, *grad2d_count; /* may be NULL */
	float *pose;                        /* 15 device floats (dR, dt, dcampos) or NULL */
	float half_w, half_h;
};

static __global__ void __launch_bounds__(CUDA_BLOCK)
project_backward_kernel(const struct proj_params p, const struct proj_grad o)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	float pose[15];
#pragma unroll
	for (int k = 0; k < 15; k++)
		pose[k] = 0.0f;
	/* no early return: every thread takes part in the pose reduction */
	if (i < p.n) {
		float *dsh = o.sh + (size_t)3 * p.K * i;
		if (o.radii[i] == 0) {
			for (int k = 0; k < 3; k++) {
				o.means[3 * i + k] = 0.0f;
				o.log_scales[3 * i + k] = 0.0f;
			}
			for (int k = 0; k < 4; k++)
				o.quats[4 * i + k] = 0.0f;
			o.opacity[i] = 0.0f;
			for (int k = 0; k < 3 * p.K; k++)
				dsh[k] = 0.0f;
		} else {
			struct sgs_splat2d_grad d;
			d.xy[0] = o.d_xy[2 * i];
			d.xy[1] = o.d_xy[2 * i + 1];
			d.depth = o.d_depth[i];
			for (int k = 0; k < 3; k++) {
				d.conic[k] = o.d_conic[3 * i + k];
				d.color[k] = o.d_color[3 * i + k];
			}
			d.opacity = o.d_opacity[i] *
				    sgs_dropout_scale(p.drop_rate, p.drop_seed, p.drop_iteration, i);
			uint8_t clamped[3] = {o.clamped[3 * i], o.clamped[3 * i + 1],
					      o.clamped[3 * i + 2]};
			float dmean[3], dls[3], dq[4], dlogit;
			sgs_project_gaussian_vjp(&p.cam, p.campos, p.antialias,
						 p.means + 3 * (size_t)i, p.log_scales + 3 * (size_t)i,
						 p.quats + 4 * (size_t)i, p.opacity[i],
						 p.sh + (size_t)3 * p.K * i, p.deg, clamped, &d, dmean,
						 dls, dq, &dlogit, dsh, pose, pose + 9, pose + 12);
			for (int k = 0; k < 3; k++) {
				o.means[3 * i + k] = dmean[k];
				o.log_scales[3 * i + k] = dls[k];
			}
			for (int k = 0; k < 4; k++)
				o.quats[4 * i + k] = dq[k];
			o.opacity[i] = dlogit;
			/* degrees above the active one take no gradient */
			for (int k = 3 * (p.deg + 1) * (p.deg + 1); k < 3 * p.K; k++)
				dsh[k] = 0.0f;
			if (o.grad2d_accum) {
				float gx = d.xy[0] * o.half_w, gy = d.xy[1] * o.half_h;
				o.grad2d_accum[i] += sqrtf(gx * gx + gy * gy);
			}
			if (o.grad2d_count)
				o.grad2d_count[i] += 1.0f;
		}
	}
	if (o.pose) /* uniform across the grid */
		cuda_block_sum_atomic<15>(pose, o.pose);
}

int cuda_project_backward(struct sgs_raster_ctx *ctx, struct sgs_gaussians *grad,
			  struct sgs_cam_grad *dcam, float *grad2d_accum, float *grad2d_count)
{
	const struct sgs_gaussians *g = &ctx->g;
	struct cuda_priv *pv = (struct cuda_priv *)ctx->priv;
	if (grad->n != g->n || grad->sh_degree != g->sh_degree)
		return sgs_error_set("gradient buffers for %u Gaussians of degree %d, render had "
				     "%u of degree %d", grad->n, grad->sh_degree, g->n,
				     g->sh_degree);
	const size_t n = g->n;
	float *pose = dcam ? pv->sums + CUDA_SUM_POSE : NULL;
	if (pose)
		CUDA_TRY(cudaMemsetAsync(pose, 0, 15 * sizeof(float), 0));
	if (n) {
		struct proj_grad o;
		o.d_xy = ctx->d_xy;
		o.d_conic = ctx->d_conic;
		o.d_opacity = ctx->d_opacity;
		o.d_color = ctx->d_color;
		o.d_depth = ctx->d_depth;
		o.radii = ctx->radii;
		o.clamped = ctx->clamped;
		o.means = grad->means;
		o.log_scales = grad->log_scales;
		o.quats = grad->quats;
		o.opacity = grad->opacity;
		o.sh = grad->sh;
		o.grad2d_accum = grad2d_accum;
		o.grad2d_count = grad2d_count;
		o.pose = pose;
		o.half_w = 0.5f * (float)ctx->cam.w;
		o.half_h = 0.5f * (float)ctx->cam.h;
		project_backward_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(proj_params_of(ctx), o);
		CUDA_TRY_LAUNCH("project_backward_kernel");
	}
	if (dcam) {
		float sum[15];
		CUDA_TRY(cudaMemcpy(sum, pose, sizeof sum, cudaMemcpyDeviceToHost));
		memcpy(dcam->dR, sum, 9 * sizeof(float));
		memcpy(dcam->dt, sum + 9, 3 * sizeof(float));
		sgs_campos_vjp(&ctx->cam, sum + 12, dcam->dR, dcam->dt);
	}
	return 0;
}
