/* Twin: kernels/cuda/cuda_project.cu · math: sgs_math_gaussian.h · test: tests/unit/test_backend_ops.c (rows project, project_backward) */
/* Per-Gaussian preprocessing on the CPU and its backward pass: one
 * OpenMP loop over Gaussians around the shared math of
 * sgs_math_gaussian.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"
#include "sgs_error.h"
#include "sgs_math_gaussian.h"
#include "sgs_math_reg.h"

/* Gaussians per block of the pose-gradient reduction: a fixed size, so
 * the sum's rounding does not depend on the thread count. */
#define POSE_BLOCK 1024

/* The tiles each visible Gaussian's alpha ellipse meets, row by row of
 * its rectangle (sgs_tile_row_span), into pv->spans, and their count
 * into tiles_touched: computed once here, in parallel, and read by the
 * binning.  rowoff[i] holds Gaussian i's row count on entry. */
static int tile_spans(struct sgs_raster_ctx *ctx)
{
	struct cpu_priv *pv = ctx->priv;
	const long n = ctx->g.n;
	uint64_t rows = 0;
	for (long i = 0; i < n; i++) {
		uint32_t r = pv->rowoff[i];
		pv->rowoff[i] = (uint32_t)rows;
		rows += r;
		if (rows > UINT32_MAX)
			return sgs_error_set("more than 2^32 tile rows");
	}
	pv->rowoff[n] = (uint32_t)rows;
	if (cpu_reserve_rows(ctx, rows))
		return -1;
	const int h = ctx->cam.h;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++) {
		const uint32_t r0 = pv->rowoff[i], nr = pv->rowoff[i + 1] - r0;
		uint32_t count = 0;
		const struct cpu_splat *p = pv->splats + i;
		struct sgs_ellipse el;
		if (nr > 0 && sgs_alpha_ellipse(p->con, p->o, &el)) {
			const int *rect = pv->rect + 4 * i;
			int32_t *sp = pv->spans + 2 * (size_t)r0;
			for (uint32_t k = 0; k < nr; k++)
				count += (uint32_t)sgs_tile_row_span(&el, p->x, p->y, rect[1] + (int)k,
								     h, rect, sp + 2 * k,
								     sp + 2 * k + 1);
		}
		ctx->tiles_touched[i] = count;
	}
	return 0;
}

int cpu_project(struct sgs_raster_ctx *ctx, const struct sgs_gaussians *g,
		const struct sgs_cam *cam, const struct sgs_raster_opts *opts)
{
	if (sgs_check_project_inputs(g, cam) || cpu_reserve_gaussians(ctx, g->n))
		return -1;
	struct cpu_priv *pv = ctx->priv;
	ctx->g = *g;
	ctx->cam = *cam;
	ctx->opts = *opts;
	ctx->n_isect = 0;
	sgs_cam_center(cam, ctx->campos);
	sgs_cam_tiles(cam, &ctx->tiles_x, &ctx->tiles_y);
	const int K = sgs_sh_coeffs(g->sh_degree);
	const long n = g->n;

#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++) {
		struct sgs_splat2d s;
		int vis = sgs_project_gaussian(cam, ctx->campos, opts->antialias, g->means + 3 * i,
					       g->log_scales + 3 * i, g->quats + 4 * i,
					       g->opacity[i], g->sh + (size_t)3 * K * i,
					       g->sh_active, &s);
		if (vis) { /* Gaussian dropout: 1 when off */
			const float keep = sgs_dropout_scale(opts->drop_rate, opts->drop_seed,
							     opts->drop_iteration, (uint32_t)i);
			vis = keep != 0.0f;
			s.opacity *= keep;
		}
		ctx->radii[i] = vis ? s.radius : 0;
		pv->rowoff[i] = 0;
		if (!vis)
			continue;
		struct cpu_splat *p = pv->splats + i;
		ctx->xy[2 * i] = p->x = s.xy[0];
		ctx->xy[2 * i + 1] = p->y = s.xy[1];
		ctx->depth[i] = p->z = s.depth;
		for (int k = 0; k < 3; k++) {
			ctx->conic_opacity[4 * i + k] = p->con[k] = s.conic[k];
			ctx->color[3 * i + k] = p->rgb[k] = s.color[k];
			ctx->clamped[3 * i + k] = s.clamped[k];
		}
		ctx->conic_opacity[4 * i + 3] = p->o = s.opacity;
		for (int k = 0; k < 4; k++)
			pv->rect[4 * i + k] = s.rect[k];
		struct sgs_ellipse el;
		if (sgs_alpha_ellipse(s.conic, s.opacity, &el)) {
			p->ext_x = (float)el.ext_x;
			p->ext_y = (float)el.ext_y;
			pv->rowoff[i] = (uint32_t)(s.rect[3] - s.rect[1]);
		} else {
			p->ext_x = p->ext_y = -1.0f;
		}
	}
	return tile_spans(ctx);
}

int cpu_project_backward(struct sgs_raster_ctx *ctx, struct sgs_gaussians *grad,
			 struct sgs_cam_grad *dcam, float *grad2d_accum, float *grad2d_count)
{
	const struct sgs_gaussians *g = &ctx->g;
	const struct sgs_cam *cam = &ctx->cam;
	if (grad->n != g->n || grad->sh_degree != g->sh_degree)
		return sgs_error_set("gradient buffers for %u Gaussians of degree %d, render had "
				     "%u of degree %d", grad->n, grad->sh_degree, g->n,
				     g->sh_degree);
	const int K = sgs_sh_coeffs(g->sh_degree);
	const int Ka = sgs_sh_coeffs(g->sh_active);
	const long n = g->n;
	const long nblocks = (n + POSE_BLOCK - 1) / POSE_BLOCK;
	/* per block: dR[9], dt[3], dcampos[3] */
	if (cpu_reserve_pose(ctx, (size_t)(nblocks ? nblocks : 1) * 15))
		return -1;
	float *pose = ((struct cpu_priv *)ctx->priv)->pose;
	memset(pose, 0, (size_t)(nblocks ? nblocks : 1) * 15 * sizeof(float));
	const float hw = 0.5f * (float)cam->w, hh = 0.5f * (float)cam->h;

#pragma omp parallel for schedule(dynamic, 1)
	for (long b = 0; b < nblocks; b++) {
		float *acc = pose + 15 * b;
		long end = (b + 1) * POSE_BLOCK < n ? (b + 1) * POSE_BLOCK : n;
		for (long i = b * POSE_BLOCK; i < end; i++) {
			float *dmean = grad->means + 3 * i, *dls = grad->log_scales + 3 * i;
			float *dq = grad->quats + 4 * i, *dsh = grad->sh + (size_t)3 * K * i;
			if (ctx->radii[i] == 0) {
				memset(dmean, 0, 3 * sizeof(float));
				memset(dls, 0, 3 * sizeof(float));
				memset(dq, 0, 4 * sizeof(float));
				memset(dsh, 0, (size_t)3 * K * sizeof(float));
				grad->opacity[i] = 0.0f;
				continue;
			}
			struct sgs_splat2d_grad d;
			d.xy[0] = ctx->d_xy[2 * i];
			d.xy[1] = ctx->d_xy[2 * i + 1];
			d.depth = ctx->d_depth[i];
			for (int k = 0; k < 3; k++) {
				d.conic[k] = ctx->d_conic[3 * i + k];
				d.color[k] = ctx->d_color[3 * i + k];
			}
			d.opacity = ctx->d_opacity[i] *
				    sgs_dropout_scale(ctx->opts.drop_rate, ctx->opts.drop_seed,
						      ctx->opts.drop_iteration, (uint32_t)i);
			sgs_project_gaussian_vjp(cam, ctx->campos, ctx->opts.antialias,
						 g->means + 3 * i, g->log_scales + 3 * i,
						 g->quats + 4 * i, g->opacity[i],
						 g->sh + (size_t)3 * K * i, g->sh_active,
						 ctx->clamped + 3 * i, &d, dmean, dls, dq,
						 grad->opacity + i, dsh, dcam ? acc : NULL,
						 dcam ? acc + 9 : NULL, dcam ? acc + 12 : NULL);
			if (Ka < K)
				memset(dsh + 3 * Ka, 0, (size_t)3 * (K - Ka) * sizeof(float));
			if (grad2d_accum) {
				float gx = d.xy[0] * hw, gy = d.xy[1] * hh;
				grad2d_accum[i] += sqrtf(gx * gx + gy * gy);
			}
			if (grad2d_count)
				grad2d_count[i] += 1.0f;
		}
	}

	if (dcam) {
		double sum[15] = {0};
		for (long b = 0; b < nblocks; b++)
			for (int k = 0; k < 15; k++)
				sum[k] += pose[15 * b + k];
		float dcampos[3] = {(float)sum[12], (float)sum[13], (float)sum[14]};
		for (int k = 0; k < 9; k++)
			dcam->dR[k] = (float)sum[k];
		for (int k = 0; k < 3; k++)
			dcam->dt[k] = (float)sum[9 + k];
		sgs_campos_vjp(cam, dcampos, dcam->dR, dcam->dt);
	}
	return 0;
}
