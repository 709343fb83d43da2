/* Conveniences built on the backend table: parameter and output buffers,
 * the forward and backward sequences, camera conversion. */
#include <math.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_scene.h"
#include "sgs_splat.h"

/* The five parameter arrays of a Gaussian set and their sizes in floats. */
static void gaussian_arrays(const struct sgs_gaussians *g, float **p[5], size_t len[5])
{
	size_t n = g->n, K = (size_t)sgs_sh_coeffs(g->sh_degree);
	struct sgs_gaussians *m = (struct sgs_gaussians *)g;
	p[0] = &m->means, len[0] = 3 * n;
	p[1] = &m->log_scales, len[1] = 3 * n;
	p[2] = &m->quats, len[2] = 4 * n;
	p[3] = &m->opacity, len[3] = n;
	p[4] = &m->sh, len[4] = 3 * K * n;
}

int sgs_gaussians_alloc(const struct sgs_backend *be, struct sgs_gaussians *g, uint32_t n,
			int sh_degree)
{
	float **p[5];
	size_t len[5];
	if (sh_degree < 0 || sh_degree > 3)
		return sgs_error_set("SH degree %d out of range 0..3", sh_degree);
	memset(g, 0, sizeof *g);
	g->n = n;
	g->sh_degree = g->sh_active = sh_degree;
	gaussian_arrays(g, p, len);
	for (int i = 0; i < 5; i++) {
		*p[i] = be->alloc(len[i] * sizeof(float));
		if (!*p[i] || be->memset(*p[i], 0, len[i] * sizeof(float))) {
			sgs_gaussians_free(be, g);
			return sgs_error_prefix("%u Gaussians on %s", n, be->name);
		}
	}
	return 0;
}

void sgs_gaussians_free(const struct sgs_backend *be, struct sgs_gaussians *g)
{
	float **p[5];
	size_t len[5];
	gaussian_arrays(g, p, len);
	for (int i = 0; i < 5; i++) {
		be->free(*p[i]);
		*p[i] = NULL;
	}
}

static int gaussians_copy(const struct sgs_backend *be, const struct sgs_gaussians *dst,
			  const struct sgs_gaussians *src, int up)
{
	float **pd[5], **ps[5];
	size_t len[5], lens[5];
	if (dst->n != src->n || dst->sh_degree != src->sh_degree)
		return sgs_error_set("Gaussian copy: %u of degree %d into %u of degree %d",
				     src->n, src->sh_degree, dst->n, dst->sh_degree);
	gaussian_arrays(dst, pd, len);
	gaussian_arrays(src, ps, lens);
	for (int i = 0; i < 5; i++) {
		size_t bytes = len[i] * sizeof(float);
		if (up ? be->upload(*pd[i], *ps[i], bytes) : be->download(*pd[i], *ps[i], bytes))
			return -1;
	}
	return 0;
}

int sgs_gaussians_upload(const struct sgs_backend *be, const struct sgs_gaussians *dst,
			 const struct sgs_gaussians *host_src)
{
	return gaussians_copy(be, dst, host_src, 1);
}

int sgs_gaussians_download(const struct sgs_backend *be, const struct sgs_gaussians *host_dst,
			   const struct sgs_gaussians *src)
{
	return gaussians_copy(be, host_dst, src, 0);
}

int sgs_render_out_alloc(const struct sgs_backend *be, struct sgs_render_out *out, int w, int h,
			 int want_aux)
{
	size_t np = (size_t)w * (size_t)h;
	memset(out, 0, sizeof *out);
	out->rgb = be->alloc(3 * np * sizeof(float));
	if (!out->rgb)
		return -1;
	if (want_aux) {
		out->alpha = be->alloc(np * sizeof(float));
		out->depth = be->alloc(np * sizeof(float));
		out->median_depth = be->alloc(np * sizeof(float));
		out->final_T = be->alloc(np * sizeof(float));
		out->n_contrib = be->alloc(np * sizeof(uint32_t));
		if (!out->alpha || !out->depth || !out->median_depth || !out->final_T ||
		    !out->n_contrib) {
			sgs_render_out_free(be, out);
			return -1;
		}
	}
	return 0;
}

uint64_t sgs_render_memory(uint64_t n, int sh_degree, uint64_t npix)
{
	const uint64_t params = (11 + 3 * (uint64_t)sgs_sh_coeffs(sh_degree)) * sizeof(float);
	const uint64_t per_gaussian = params + SGS_RASTER_BYTES_PER_GAUSSIAN +
				      SGS_RASTER_PAIRS_PER_GAUSSIAN * SGS_RASTER_BYTES_PER_PAIR;
	/* rgb, alpha, depth, median depth, final T and the contributor count */
	const uint64_t per_pixel = 8 * sizeof(float);
	return n * per_gaussian + npix * per_pixel;
}

void sgs_render_out_free(const struct sgs_backend *be, struct sgs_render_out *out)
{
	be->free(out->rgb);
	be->free(out->alpha);
	be->free(out->depth);
	be->free(out->median_depth);
	be->free(out->final_T);
	be->free(out->n_contrib);
	memset(out, 0, sizeof *out);
}

int sgs_render(struct sgs_raster_ctx *ctx, const struct sgs_gaussians *g,
	       const struct sgs_cam *cam, const struct sgs_raster_opts *opts,
	       const struct sgs_render_out *out)
{
	const struct sgs_backend *be = ctx->be;
	if (be->project(ctx, g, cam, opts) || be->bin_sort(ctx) || be->rasterize(ctx, out))
		return -1;
	return 0;
}

int sgs_render_backward(struct sgs_raster_ctx *ctx, const struct sgs_render_dout *dout,
			struct sgs_gaussians *grad, float dbg[3], struct sgs_cam_grad *dcam,
			float *grad2d_accum, float *grad2d_count)
{
	const struct sgs_backend *be = ctx->be;
	if (be->rasterize_backward(ctx, dout, dbg) ||
	    be->project_backward(ctx, grad, dcam, grad2d_accum, grad2d_count))
		return -1;
	return 0;
}

int sgs_gaussians_view(const struct sgs_splats *s, struct sgs_gaussians *g)
{
	if (s->n > UINT32_MAX)
		return sgs_error_set("%llu Gaussians: more than the kernels take (2^32 - 1)",
				     (unsigned long long)s->n);
	if (s->sh_degree > 3)
		return sgs_error_set("SH degree %u out of range 0..3", s->sh_degree);
	g->n = (uint32_t)s->n;
	g->sh_degree = g->sh_active = (int)s->sh_degree;
	g->means = s->means;
	g->log_scales = s->log_scales;
	g->quats = s->quats;
	g->opacity = s->logit_opacity;
	g->sh = s->sh;
	return 0;
}

void sgs_cam_from_camera(const struct sgs_camera *c, struct sgs_cam *k)
{
	k->w = (int)c->w;
	k->h = (int)c->h;
	k->fx = (float)c->fx;
	k->fy = (float)c->fy;
	k->cx = (float)c->cx;
	k->cy = (float)c->cy;
	for (int i = 0; i < 9; i++)
		k->R[i] = (float)c->R[i];
	for (int i = 0; i < 3; i++)
		k->t[i] = (float)c->t[i];
	k->znear = SGS_NEAR_DEFAULT;
}

void sgs_cam_grad_twist(const struct sgs_cam *cam, const struct sgs_cam_grad *g, float twist[6])
{
	float w[3] = {0.0f, 0.0f, 0.0f};
	/* sum over columns j of R_j x dR_j, then t x dt */
	for (int j = 0; j < 3; j++) {
		float a[3] = {cam->R[j], cam->R[3 + j], cam->R[6 + j]};
		float b[3] = {g->dR[j], g->dR[3 + j], g->dR[6 + j]};
		w[0] += a[1] * b[2] - a[2] * b[1];
		w[1] += a[2] * b[0] - a[0] * b[2];
		w[2] += a[0] * b[1] - a[1] * b[0];
	}
	w[0] += cam->t[1] * g->dt[2] - cam->t[2] * g->dt[1];
	w[1] += cam->t[2] * g->dt[0] - cam->t[0] * g->dt[2];
	w[2] += cam->t[0] * g->dt[1] - cam->t[1] * g->dt[0];
	for (int i = 0; i < 3; i++) {
		twist[i] = g->dt[i];
		twist[3 + i] = w[i];
	}
}

int sgs_check_project_inputs(const struct sgs_gaussians *g, const struct sgs_cam *cam)
{
	if (g->sh_degree < 0 || g->sh_degree > 3 || g->sh_active < 0 ||
	    g->sh_active > g->sh_degree)
		return sgs_error_set("SH degree %d (active %d) out of range", g->sh_degree,
				     g->sh_active);
	if (cam->w <= 0 || cam->h <= 0 || cam->w > 65536 || cam->h > 65536)
		return sgs_error_set("image size %dx%d out of range", cam->w, cam->h);
	if (!(cam->fx > 0.0f) || !(cam->fy > 0.0f))
		return sgs_error_set("focal length (%g, %g) not positive", cam->fx, cam->fy);
	if (g->n && (!g->means || !g->log_scales || !g->quats || !g->opacity || !g->sh))
		return sgs_error_set("Gaussian parameter buffer missing");
	return 0;
}

int sgs_check_mvs_inputs(const struct sgs_mvs_pair *p, const float *depths, const float *planes,
			 int ndepths, const float *cost)
{
	if (!p || !p->ref || !p->src || !cost || (!depths && !planes))
		return sgs_error_set("mvs_cost: missing image, hypothesis or cost buffer");
	if (p->ref_w <= 0 || p->ref_h <= 0 || p->src_w <= 0 || p->src_h <= 0 ||
	    p->ref_w > 65536 || p->ref_h > 65536 || p->src_w > 65536 || p->src_h > 65536)
		return sgs_error_set("mvs_cost: image sizes %dx%d, %dx%d out of range", p->ref_w,
				     p->ref_h, p->src_w, p->src_h);
	if (ndepths < 1 || ndepths > SGS_MVS_MAX_DEPTHS)
		return sgs_error_set("mvs_cost: %d depth hypotheses outside 1..%d", ndepths,
				     SGS_MVS_MAX_DEPTHS);
	if (p->radius < 0 || p->radius > SGS_MVS_MAX_RADIUS)
		return sgs_error_set("mvs_cost: window radius %d outside 0..%d", p->radius,
				     SGS_MVS_MAX_RADIUS);
	if (!(p->ref_K[0] > 0.0f && p->ref_K[1] > 0.0f && p->src_K[0] > 0.0f &&
	      p->src_K[1] > 0.0f))
		return sgs_error_set("mvs_cost: focal lengths not positive");
	for (int k = 0; depths && k < ndepths; k++)
		if (!(depths[k] > 0.0f) || !isfinite(depths[k]))
			return sgs_error_set("mvs_cost: depth hypothesis %d is %g, not positive", k,
					     depths[k]);
	return 0;
}

int sgs_grow_group(void *(*alloc)(size_t), void (*release)(void *), struct sgs_grow_item *items,
		   int count, size_t *cap, size_t need, const char *what)
{
	if (need <= *cap && *cap)
		return 0;
	size_t ncap = need + need / 4 + 16;
	for (int i = 0; i < count; i++) {
		release(*items[i].p);
		*items[i].p = NULL;
	}
	*cap = 0;
	for (int i = 0; i < count; i++)
		if (!(*items[i].p = alloc(ncap * items[i].elem))) {
			for (int k = 0; k < i; k++) {
				release(*items[k].p);
				*items[k].p = NULL;
			}
			return sgs_error_prefix("%zu %s (%zu bytes each)", ncap, what, items[i].elem);
		}
	*cap = ncap;
	return 0;
}
