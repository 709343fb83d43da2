/* Per-Gaussian preprocessing (the "project" operation) and its VJP,
 * composed from the covariance, projection and SH helpers.  Both
 * backends call these once per Gaussian. */
#ifndef SGS_MATH_GAUSSIAN_H
#define SGS_MATH_GAUSSIAN_H

#include "sgs_math_bounds.h"
#include "sgs_math_common.h"
#include "sgs_math_cov.h"
#include "sgs_math_proj.h"
#include "sgs_math_sh.h"

/* Screen-space result for one Gaussian. */
struct sgs_splat2d {
	float xy[2];        /* pixel coordinates */
	float depth;        /* camera z */
	float conic[3];
	float opacity;      /* sigmoid(logit) x antialias factor */
	float color[3];
	uint8_t clamped[3];
	int radius;         /* Inria's 3-sigma radius; 0: culled */
	int rect[4];        /* its tiles x0, y0, x1, y1 (exclusive); the
	                     * pairs are those of its tiles the alpha ellipse
	                     * meets (sgs_splat_tile_count) */
};

/* Gradients arriving at a screen-space Gaussian. */
struct sgs_splat2d_grad {
	float xy[2], depth, conic[3], opacity, color[3];
};

/* campos = -R^T t */
static inline SGS_HD void sgs_cam_center(const struct sgs_cam *cam, float c[3])
{
	sgs_mat3t_vec(cam->R, cam->t, c);
	c[0] = -c[0], c[1] = -c[1], c[2] = -c[2];
}

static inline SGS_HD void sgs_cam_tiles(const struct sgs_cam *cam, int *tx, int *ty)
{
	*tx = (cam->w + SGS_TILE - 1) / SGS_TILE;
	*ty = (cam->h + SGS_TILE - 1) / SGS_TILE;
}

/* Project one Gaussian.  sh points at its K x 3 coefficients, deg is the
 * active degree.  Returns 1 if visible, 0 if culled (near plane, singular
 * footprint, rectangle outside the image); out->radius is 0 then.  As in
 * Inria's rasterizer, visibility (which decides the densification
 * statistics) follows the 3-sigma rectangle; the pairs the rasterizer
 * works on follow the tighter alpha ellipse (sgs_splat_tile_count). */
static inline SGS_HD int sgs_project_gaussian(const struct sgs_cam *cam, const float campos[3],
					      int antialias, const float mean[3],
					      const float log_scale[3], const float quat[4],
					      float logit, const float *sh, int deg,
					      struct sgs_splat2d *out)
{
	float p[3], lim[4], J[6], cov3[9], cov2[3], covd[3];
	int tx, ty;
	out->radius = 0;
	sgs_mat3_vec(cam->R, mean, p);
	p[0] += cam->t[0], p[1] += cam->t[1], p[2] += cam->t[2];
	if (!(p[2] > cam->znear))
		return 0;
	sgs_cov3d(log_scale, quat, cov3);
	sgs_cam_limits(cam, lim);
	sgs_proj_jacobian(cam, lim, p, J);
	sgs_cov2d(J, cam->R, cov3, cov2);
	float factor = sgs_cov2d_dilate(cov2, antialias, covd);
	if (!sgs_conic(covd, out->conic))
		return 0;
	float iz = 1.0f / p[2];
	float u = cam->fx * p[0] * iz + cam->cx, v = cam->fy * p[1] * iz + cam->cy;
	if (!(fabsf(u) < 1e30f && fabsf(v) < 1e30f))
		return 0;
	int r = sgs_screen_radius(covd);
	sgs_cam_tiles(cam, &tx, &ty);
	if (sgs_tile_rect(u, v, r, tx, ty, out->rect) == 0)
		return 0;
	float dir[3] = {mean[0] - campos[0], mean[1] - campos[1], mean[2] - campos[2]};
	sgs_sh_color(deg, sh, dir, out->color, out->clamped);
	out->xy[0] = u;
	out->xy[1] = v;
	out->depth = p[2];
	out->opacity = sgs_sigmoidf(logit) * factor;
	out->radius = r;
	return 1;
}

/* The (tile, Gaussian) pairs of a visible Gaussian: the tiles of its
 * rectangle its alpha ellipse meets (sgs_math_bounds.h) in an image h
 * pixels high. */
static inline SGS_HD int sgs_splat_tile_count(const struct sgs_splat2d *s, int h)
{
	struct sgs_ellipse el;
	if (!sgs_alpha_ellipse(s->conic, s->opacity, &el))
		return 0;
	return sgs_tile_count(&el, s->xy[0], s->xy[1], h, s->rect);
}

/* Gradients of one visible Gaussian's raw parameters from the gradients
 * of its screen-space result.  dmean, dls, dquat, dlogit and dsh (k <
 * (deg+1)^2) are written; dR, dt, dcampos are ADDED to (camera pose
 * gradient; turn dcampos into dR, dt once with sgs_campos_vjp), or all
 * NULL when no pose gradient is wanted. */
static inline SGS_HD void sgs_project_gaussian_vjp(
	const struct sgs_cam *cam, const float campos[3], int antialias, const float mean[3],
	const float log_scale[3], const float quat[4], float logit, const float *sh, int deg,
	const uint8_t clamped[3], const struct sgs_splat2d_grad *d, float dmean[3],
	float dls[3], float dquat[4], float *dlogit, float *dsh, float dR[9], float dt[3],
	float dcampos[3])
{
	float p[3], lim[4], J[6], cov3[9], cov2[3], covd[3];
	sgs_mat3_vec(cam->R, mean, p);
	p[0] += cam->t[0], p[1] += cam->t[1], p[2] += cam->t[2];
	sgs_cov3d(log_scale, quat, cov3);
	sgs_cam_limits(cam, lim);
	sgs_proj_jacobian(cam, lim, p, J);
	sgs_cov2d(J, cam->R, cov3, cov2);
	float factor = sgs_cov2d_dilate(cov2, antialias, covd);

	/* opacity = sigmoid(logit) * factor */
	float s = sgs_sigmoidf(logit);
	*dlogit = d->opacity * factor * s * (1.0f - s);
	float dfactor = d->opacity * s;

	/* conic -> dilated covariance -> covariance -> (J, W, Sigma) */
	float dcovd[3], dcov2[3], dJ[6], dW[9], dcov3[9];
	sgs_conic_vjp(covd, d->conic, dcovd);
	sgs_cov2d_dilate_vjp(cov2, antialias, dcovd, dfactor, dcov2);
	sgs_cov2d_vjp(J, cam->R, cov3, dcov2, dJ, dR ? dW : NULL, dcov3);
	sgs_cov3d_vjp(log_scale, quat, dcov3, dls, dquat);

	/* camera-space point: from the 2D mean, the depth and J */
	float iz = 1.0f / p[2];
	float dp[3];
	dp[0] = d->xy[0] * cam->fx * iz;
	dp[1] = d->xy[1] * cam->fy * iz;
	dp[2] = -(d->xy[0] * cam->fx * p[0] + d->xy[1] * cam->fy * p[1]) * iz * iz + d->depth;
	sgs_proj_jacobian_vjp(cam, lim, p, dJ, dp);

	/* p = R mean + t */
	sgs_mat3t_vec(cam->R, dp, dmean);
	for (int i = 0; dR && i < 3; i++) {
		dt[i] += dp[i];
		for (int j = 0; j < 3; j++)
			dR[3 * i + j] += dp[i] * mean[j] + dW[3 * i + j];
	}

	/* colour through the viewing direction mean - campos */
	float dir[3] = {mean[0] - campos[0], mean[1] - campos[1], mean[2] - campos[2]};
	float ddir[3];
	sgs_sh_color_vjp(deg, sh, dir, clamped, d->color, dsh, ddir);
	for (int i = 0; i < 3; i++) {
		dmean[i] += ddir[i];
		if (dcampos)
			dcampos[i] -= ddir[i];
	}
}

/* campos = -R^T t: add its gradient to dR and dt. */
static inline SGS_HD void sgs_campos_vjp(const struct sgs_cam *cam, const float dcampos[3],
					 float dR[9], float dt[3])
{
	for (int j = 0; j < 3; j++)
		for (int i = 0; i < 3; i++) {
			/* campos_i = -sum_j R_ji t_j */
			dR[3 * j + i] -= dcampos[i] * cam->t[j];
			dt[j] -= cam->R[3 * j + i] * dcampos[i];
		}
}

#endif
