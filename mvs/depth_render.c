/* Rendering depth priors from a splat model on any backend. */
#include <math.h>
#include <stdlib.h>

#include "depth_render.h"
#include "sgs_error.h"

struct sgs_depth_renderer {
	const struct sgs_backend *be;
	struct sgs_gaussians g;
	struct sgs_raster_ctx *ctx;
	struct sgs_render_out out;
	int w, h; /* size of out's buffers, 0 before the first frame */
};

struct sgs_depth_renderer *sgs_depth_renderer_new(const struct sgs_backend *be,
						  const struct sgs_splats *sp)
{
	struct sgs_gaussians host = {(uint32_t)sp->n, (int)sp->sh_degree, (int)sp->sh_degree,
				     sp->means, sp->log_scales, sp->quats, sp->logit_opacity, sp->sh};
	struct sgs_depth_renderer *r = calloc(1, sizeof *r);
	if (!r) {
		sgs_error_set("out of memory");
		return NULL;
	}
	r->be = be;
	if (sgs_gaussians_alloc(be, &r->g, (uint32_t)sp->n, (int)sp->sh_degree) != 0) {
		free(r);
		return NULL;
	}
	if (sgs_gaussians_upload(be, &r->g, &host) != 0 || !(r->ctx = be->ctx_new())) {
		sgs_depth_renderer_free(r);
		return NULL;
	}
	return r;
}

void sgs_depth_renderer_free(struct sgs_depth_renderer *r)
{
	if (!r)
		return;
	sgs_render_out_free(r->be, &r->out);
	if (r->ctx)
		r->be->ctx_free(r->ctx);
	sgs_gaussians_free(r->be, &r->g);
	free(r);
}

int sgs_depth_render(struct sgs_depth_renderer *r, const struct sgs_camera *camera, float *depth,
		     float *conf)
{
	const struct sgs_backend *be = r->be;
	struct sgs_raster_opts ro = {.bg = {0, 0, 0}, .antialias = 0};
	struct sgs_cam cam;
	int w = (int)camera->w, h = (int)camera->h;
	size_t npix = (size_t)w * h;
	if (w != r->w || h != r->h) {
		sgs_render_out_free(be, &r->out);
		r->w = r->h = 0;
		if (sgs_render_out_alloc(be, &r->out, w, h, 1) != 0)
			return -1;
		r->w = w;
		r->h = h;
	}
	sgs_cam_from_camera(camera, &cam);
	/* conf holds the opacity until it is turned into the confidence. */
	if (sgs_render(r->ctx, &r->g, &cam, &ro, &r->out) != 0 || be->sync() != 0 ||
	    be->download(depth, r->out.depth, npix * sizeof(float)) != 0 ||
	    be->download(conf, r->out.alpha, npix * sizeof(float)) != 0)
		return -1;
	for (size_t i = 0; i < npix; i++) {
		float a = conf[i], d = a >= SGS_RENDER_MIN_ALPHA ? depth[i] / a : 0.f;
		int ok = a >= SGS_RENDER_MIN_ALPHA && isfinite(d) && d > 0;
		depth[i] = ok ? d : 0.f;
		conf[i] = ok ? (a < 1 ? a : 1.f) : 0.f;
	}
	return 0;
}
