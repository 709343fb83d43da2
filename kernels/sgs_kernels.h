/* The compute kernels behind one API: a backend table (CPU always, CUDA
 * when built with nvcc and a device is present) whose operations work on
 * buffers the backend owns, so the CUDA backend can keep everything on the
 * device.  The per-Gaussian and per-pixel math both backends share lives
 * in sgs_math_*.h.
 *
 * Conventions (all backends):
 * - Camera: OpenCV pinhole, x_cam = R x_world + t (R row-major).  A pixel
 *   coordinate u = fx X/Z + cx puts the top-left pixel at [0,1), so pixel
 *   (x, y) is evaluated at its centre (x + 0.5, y + 0.5).  (Inria's
 *   rasterizer uses pixel centres at integers, with u_inria = u - 0.5; the
 *   two give identical images.)
 * - Images are row-major, top row first; RGB is interleaved [y][x][c].
 * - Parameters are raw: log-scales, wxyz quaternions (normalised inside),
 *   logit opacities, SH coefficients [gaussian][coeff][channel].
 * - Numerics follow Inria's 3DGS: near clip z <= 0.2 culled, 0.3 px^2
 *   dilation, radius ceil(3 sqrt(lambda_max)), 16x16 tiles, alpha =
 *   min(0.99, o G), skip alpha < 1/255, stop before T falls below 1e-4.
 *
 * Every function returns 0 on success or -1 with a message in
 * sgs_error_get(); none prints. */
#ifndef SGS_KERNELS_H
#define SGS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SGS_TILE 16            /* tile side in pixels */
#define SGS_NEAR_DEFAULT 0.2f  /* Inria's near clip on camera z */

/* A view of the Gaussian parameters (or of their gradients, same layout),
 * all pointers into buffers of the backend that holds them. */
struct sgs_gaussians {
	uint32_t n;
	int sh_degree;     /* storage degree 0..3: K = (sh_degree+1)^2 coefficients */
	int sh_active;     /* degree used for colour, <= sh_degree */
	float *means;      /* 3n world xyz */
	float *log_scales; /* 3n */
	float *quats;      /* 4n w x y z, any norm > 0 */
	float *opacity;    /* n logits */
	float *sh;         /* n*K*3 [g][k][c]; k = 0 is the DC term */
};

/* A camera as the kernels see it (host struct, passed by value to the
 * device).  Fill it with sgs_cam_from_camera() or by hand. */
struct sgs_cam {
	int w, h;
	float fx, fy, cx, cy;
	float R[9]; /* world-to-camera rotation, row-major */
	float t[3];
	float znear; /* Gaussians with camera z <= znear are culled (0.2) */
};

struct sgs_raster_opts {
	float bg[3];   /* background colour added with the final transmittance */
	int antialias; /* 1: scale opacity by sqrt(det(cov)/det(cov + 0.3 I))
	                * (Mip-Splatting / Inria's antialiasing flag), 0: off */
	/* Gaussian dropout (training only; 0, the default, is off): project()
	 * multiplies Gaussian i's opacity by sgs_dropout_scale(drop_rate,
	 * drop_seed, drop_iteration, i) (sgs_math_reg.h), 0 with probability
	 * drop_rate -- the Gaussian is then culled (radius 0) -- else
	 * 1 / (1 - drop_rate); project_backward() scales its gradient alike. */
	float drop_rate; /* [0, 1) */
	uint32_t drop_iteration;
	uint64_t drop_seed;
};

/* Forward outputs: backend buffers of w*h pixels (rgb 3*w*h), allocated by
 * the caller with be->alloc.  Only rgb is required; others may be NULL. */
struct sgs_render_out {
	float *rgb;          /* sum_i c_i a_i T_i + T_final bg */
	float *alpha;        /* 1 - T_final */
	float *depth;        /* expected depth sum_i z_i a_i T_i, NOT divided by
	                      * alpha (divide yourself for a normalised depth) */
	float *median_depth; /* z of the Gaussian at which T first drops below
	                      * 0.5; 0 where it never does (no surface) */
	float *final_T;      /* transmittance after the last contributor */
	uint32_t *n_contrib; /* number of Gaussians actually blended */
};

/* Upstream gradients for the backward pass (backend buffers laid out as
 * the matching outputs; NULL means zero). */
struct sgs_render_dout {
	const float *drgb;
	const float *dalpha;
	const float *ddepth; /* of the expected (unnormalised) depth */
};

/* Gradient of the loss with respect to the world-to-camera pose, as the
 * 12 entries of R (row-major, treated as free entries) and t.  Turn it
 * into a twist with sgs_cam_grad_twist(). */
struct sgs_cam_grad {
	float dR[9];
	float dt[3];
};

/* State shared by the operations of one render: what project() saw and
 * the intermediates backward needs.  Created by be->ctx_new, reused across
 * frames (buffers grow as needed).  The fields below are the contract
 * between backends (the CUDA-vs-CPU checks compare them); all pointers are
 * backend buffers. */
struct sgs_raster_ctx {
	const struct sgs_backend *be;
	/* Copies of project()'s inputs.  g's buffers must not change until
	 * the backward pass of this render is done. */
	struct sgs_gaussians g;
	struct sgs_cam cam;
	struct sgs_raster_opts opts;
	float campos[3];        /* camera centre -R^T t (for SH directions) */
	int tiles_x, tiles_y;

	/* project(): per Gaussian, n entries (radius 0 = culled; the other
	 * fields of a culled Gaussian are unspecified) */
	float *xy;              /* 2n pixel coordinates (u, v) */
	float *depth;           /* n camera z */
	float *conic_opacity;   /* 4n: conic (a, b, c) and effective opacity o,
	                         * G = exp(-0.5 (a dx^2 + c dy^2) - b dx dy) */
	float *color;           /* 3n: SH colour + 0.5, clamped at 0 */
	uint8_t *clamped;       /* 3n: 1 where that channel was clamped */
	int32_t *radii;         /* n */
	uint32_t *tiles_touched;/* n: tiles in the Gaussian's rectangle */

	/* bin_sort(): n_isect (tile, Gaussian) pairs, grouped by tile in
	 * row-major tile order, front to back within a tile (ties by
	 * Gaussian index). */
	uint32_t n_isect;       /* host value */
	uint32_t *isect_ids;    /* n_isect Gaussian indices */
	uint32_t *tile_ranges;  /* 2 per tile: [start, end) into isect_ids */

	/* rasterize(): per pixel, w*h entries */
	float *final_T;
	uint32_t *last_contrib; /* 1 + position (within the tile's list) of
	                         * the last Gaussian blended, 0 if none */

	/* rasterize_backward(): per Gaussian, n entries (0 for culled) */
	float *d_xy;            /* 2n dL/d(u, v), pixel units */
	float *d_conic;         /* 3n dL/d(a, b, c) as used in G above */
	float *d_opacity;       /* n dL/d(effective opacity o) */
	float *d_color;         /* 3n dL/d(colour), before the clamp mask */
	float *d_depth;         /* n dL/d(camera z) through the depth output */

	void *priv;             /* backend-specific state */
};

/* The parameter and state types of the training operations are in
 * sgs_train_ops.h. */
struct sgs_adam_hp;
struct sgs_train_state;
struct sgs_densify_params;
struct sgs_densify_stats;
struct sgs_mcmc_params;
struct sgs_scale_reg;
struct sgs_depth_patches;
struct sgs_depth_rank;
struct sgs_warp_params;

/* Loss, optimiser and densification on a backend's buffers: the `train`
 * member of struct sgs_backend (sgs_train_ops.h documents adam, densify
 * and mcmc_relocate with their parameters). */
struct sgs_train_ops {
	/* L = (1 - lambda) mean|img - gt| + lambda (1 - SSIM(img, gt)), SSIM as
	 * the published 3DGS evaluation (11x11 Gaussian window, sigma 1.5,
	 * zero padding, mean over pixels and channels).  img, gt: w*h*3
	 * interleaved.  Writes dL/dimg into dimg (w*h*3) and, on the host,
	 * terms[0] = mean L1, terms[1] = mean SSIM, terms[2] = MSE,
	 * terms[3] = L. */
	int (*loss_l1_ssim)(const float *img, const float *gt, int w, int h, float lambda,
			    float *dimg, double terms[4]);
	/* Depth against a prior (sgs_math_depth.h): L = 1 - r, r the
	 * confidence-weighted Pearson correlation of depth and prior over the
	 * n pixels with prior > 0 and conf > 0.  ADDS weight x dL/ddepth to
	 * ddepth (n) and writes L into *value (host; 0 with no gradient when
	 * either map is constant there). */
	int (*loss_depth_pearson)(const float *depth, const float *prior, const float *conf,
				  size_t n, float weight, float *ddepth, double *value);
	/* The local depth terms (sgs_math_depth.h has their definitions),
	 * on w x h maps: like loss_depth_pearson each ADDS weight x dL/ddepth
	 * to ddepth and writes its unweighted L into *value (0 when no patch
	 * or pair takes part, and then no gradient).  Their random patches
	 * and pairs are functions of (seed, iteration), so every backend and
	 * a resumed run draw the same.
	 * loss_depth_patch: mean over counted patches of 1 - r_p (local
	 * Pearson); loss_depth_relative: mean over counted patches of the L1
	 * distance of the patch-normalised maps. */
	int (*loss_depth_patch)(const float *depth, const float *prior, const float *conf,
				const struct sgs_depth_patches *p, float weight, float *ddepth,
				double *value);
	int (*loss_depth_relative)(const float *depth, const float *prior, const float *conf,
				   const struct sgs_depth_patches *p, float weight, float *ddepth,
				   double *value);
	/* Ranking hinge over pixel pairs in a window. */
	int (*loss_depth_rank)(const float *depth, const float *prior, const float *conf,
			       const struct sgs_depth_rank *p, float weight, float *ddepth,
			       double *value);
	/* |x_a - x_b| over neighbours whose priors agree within tol. */
	int (*loss_depth_continuity)(const float *depth, const float *prior, const float *conf,
				     int w, int h, float tol, float weight, float *ddepth,
				     double *value);
	/* Edge-aware smoothness of the depth against img (w h 3 interleaved,
	 * the ground truth; no gradient to it); conf NULL weighs every pair 1. */
	int (*loss_depth_smooth)(const float *depth, const float *img, const float *conf, int w,
				 int h, float gamma, float weight, float *ddepth, double *value);
	/* Warp consistency (sgs_math_warp.h, struct sgs_warp_params): virt
	 * (w h 3) the render of the train camera moved along its x axis,
	 * depth (w h) the train view's rendered depth, gt its image; pixel
	 * (x, y) samples virt linearly at (x - disp / depth, y).  L = mean of
	 * |warped - gt| over the pixels whose sample lies inside virt (and
	 * depth >= min_depth) and the three channels.  WRITES weight x
	 * dL/dvirt into dvirt (w h 3), ADDS weight x dL/ddepth to ddepth
	 * unless it is NULL (the gradient stopped there), writes L into
	 * *value (host; 0 and no gradient when no pixel takes part) and the
	 * pixels taking part into *valid (host; may be NULL). */
	int (*loss_warp)(const float *virt, const float *depth, const float *gt,
			 const struct sgs_warp_params *p, float *dvirt, float *ddepth,
			 double *value, double *valid);
	int (*adam)(float *p, const float *g, float *m, float *v, size_t count,
		    const struct sgs_adam_hp *hp);
	/* max_radii[i] = max(max_radii[i], radii[i]) for the n Gaussians of
	 * ctx (uses ctx->radii from the last project()). */
	int (*update_max_radii)(float *max_radii, const struct sgs_raster_ctx *ctx);
	int (*densify)(const struct sgs_backend *be, struct sgs_train_state *st,
		       const struct sgs_densify_params *p, struct sgs_densify_stats *stats);
	/* Inria's opacity reset: opacity = min(opacity, logit(max_opacity))
	 * and the opacity moments zeroed. */
	int (*reset_opacity)(struct sgs_train_state *st, float max_opacity);
	/* ---- MCMC densification ---- */
	int (*mcmc_relocate)(const struct sgs_backend *be, struct sgs_train_state *st,
			     const struct sgs_mcmc_params *p, struct sgs_densify_stats *stats);
	/* The paper's position noise, after the Adam step:
	 *   mean += scale * sigmoid(-100 (sigmoid(opacity) - 0.005)) Sigma eta
	 * Sigma the 3D covariance, eta_k = sgs_rng_normal(seed, iteration, i,
	 * SGS_MCMC_NOISE_DRAW + k); scale = lr_position x noise_lr (5e5). */
	int (*mcmc_noise)(struct sgs_train_state *st, float scale, uint64_t seed,
			  uint32_t iteration);
	/* Adds the gradients of opacity_w mean(sigmoid(opacity)) + scale_w
	 * mean(exp(log_scale)) (means over n and 3n elements) to st->grads. */
	int (*mcmc_regularise)(struct sgs_train_state *st, float opacity_w, float scale_w);
	/* ---- sparse-view regularisers (sgs_math_reg.h) ---- */
	/* Opacity decay: opacity = logit(factor x sigmoid(opacity)) for every
	 * Gaussian, factor in (0, 1); the Adam moments are kept. */
	int (*decay_opacity)(struct sgs_train_state *st, float factor);
	/* The scale regularisers (struct sgs_scale_reg): ADDS the gradient of
	 * L = mean over the Gaussians of sgs_scale_reg_one to
	 * st->grads.log_scales and writes L into *value (host). */
	int (*reg_scale)(struct sgs_train_state *st, const struct sgs_scale_reg *p, double *value);
	/* y[i] += a x[i] for count floats (sgs_add_scaled_one): a gradient
	 * computed apart (CoR-GS's pseudo views) added to a field's. */
	int (*add_scaled)(float *y, const float *x, size_t count, float a);
};

/* One reference/source pair of the plane-sweep matching cost (mvs_cost).
 * Images are grey levels in [0,1], row-major, in backend buffers. */
#define SGS_MVS_MAX_DEPTHS 64 /* hypotheses per mvs_cost call (a slab) */
#define SGS_MVS_MAX_RADIUS 15 /* window half-size */
struct sgs_mvs_pair {
	const float *ref; /* ref_w * ref_h */
	const float *src; /* src_w * src_h */
	int ref_w, ref_h, src_w, src_h;
	float ref_K[4], src_K[4]; /* fx fy cx cy of each camera */
	float R[9], t[3];         /* reference camera -> source camera:
				   * x_src = R x_ref + t (R row-major) */
	int radius;               /* NCC window (2 radius + 1)^2, 0..SGS_MVS_MAX_RADIUS */
	float sigma_color;        /* > 0: bilateral weights exp(-dI^2 / 2 sc^2 */
	float sigma_space;        /*   - |dx|^2 / 2 ss^2), dI against the centre
				   * pixel; a sigma <= 0 leaves its factor out
				   * (both <= 0: plain box NCC) */
};

/* The backend table.  Operations are called in order project, bin_sort,
 * rasterize (forward), then rasterize_backward, project_backward. */
struct sgs_backend {
	const char *name;        /* "cpu" or "cuda" */
	const char *device_name; /* e.g. "AMD EPYC ... (16 threads)", "NVIDIA H100" */

	/* Buffers.  alloc(0) returns a valid pointer; alloc returns NULL
	 * with a message on failure.  upload: host -> buffer, download:
	 * buffer -> host, copy: buffer -> buffer; all complete before they
	 * return. */
	void *(*alloc)(size_t bytes);
	void (*free)(void *p);
	int (*upload)(void *dst, const void *src, size_t bytes);
	int (*download)(void *dst, const void *src, size_t bytes);
	int (*memset)(void *dst, int byte, size_t bytes);
	int (*copy)(void *dst, const void *src, size_t bytes);
	int (*sync)(void); /* wait for queued work (timing) */
	/* Bytes that buffers can still take: the host's available memory
	 * (MemAvailable, within a cgroup's limit) for the CPU, the device's
	 * free memory (cudaMemGetInfo) for CUDA; -1 when unknown.  May be
	 * NULL (unknown). */
	int (*mem_available)(uint64_t *bytes);

	struct sgs_raster_ctx *(*ctx_new)(void);
	void (*ctx_free)(struct sgs_raster_ctx *ctx);

	/* Per-Gaussian preprocessing: cull, 2D mean, conic, opacity, colour,
	 * radius, tiles touched.  Keeps copies of g, cam, opts in ctx. */
	int (*project)(struct sgs_raster_ctx *ctx, const struct sgs_gaussians *g,
		       const struct sgs_cam *cam, const struct sgs_raster_opts *opts);
	/* Duplicate per tile, sort by tile then depth, tile ranges. */
	int (*bin_sort)(struct sgs_raster_ctx *ctx);
	/* Blend front to back; fills ctx->final_T, ctx->last_contrib. */
	int (*rasterize)(struct sgs_raster_ctx *ctx, const struct sgs_render_out *out);

	/* Pixel gradients -> per-Gaussian 2D gradients in ctx->d_*; adds
	 * nothing, overwrites.  dbg (host, may be NULL) receives dL/dbg. */
	int (*rasterize_backward)(struct sgs_raster_ctx *ctx,
				  const struct sgs_render_dout *dout, float dbg[3]);
	/* ctx->d_* -> parameter gradients, written (not added) for all n
	 * Gaussians into grad (same n and sh_degree as ctx->g; zero for
	 * culled Gaussians and for SH degrees above sh_active).
	 * dcam (host, may be NULL) receives the pose gradient.
	 * grad2d_accum / grad2d_count (buffers of n, may be NULL): for every
	 * Gaussian with radius > 0, ADD |dL/d mean2D| in Inria's NDC units,
	 * i.e. |(d_xy.u * w/2, d_xy.v * h/2)|, so Inria's densification
	 * threshold (0.0002) applies unchanged, and add 1 to the count. */
	int (*project_backward)(struct sgs_raster_ctx *ctx, struct sgs_gaussians *grad,
				struct sgs_cam_grad *dcam, float *grad2d_accum,
				float *grad2d_count);

	/* Loss, optimiser and densification on this backend's buffers
	 * (every backend fills all of them). */
	struct sgs_train_ops train;

	/* Plane-sweep matching cost: for each of the ndepths (1..
	 * SGS_MVS_MAX_DEPTHS) fronto-parallel planes z_ref = depths[k] (a HOST
	 * array, > 0) and each reference pixel, cost[k][y][x] = 1 - NCC of the
	 * pixel's window against the source sampled (bilinear) where the plane
	 * maps each window pixel, or SGS_MVS_COST_INVALID (2) where it cannot
	 * be scored (sgs_math_mvs.h).  cost: backend buffer of ndepths *
	 * ref_w * ref_h floats, overwritten. */
	int (*mvs_cost)(const struct sgs_mvs_pair *p, const float *depths, int ndepths,
			float *cost);
	/* The same cost for a plane per pixel and candidate (PatchMatch-style
	 * refinement): planes, a backend buffer of nplanes (1..
	 * SGS_MVS_MAX_DEPTHS) * ref_w * ref_h * 4 floats (n_x, n_y, n_z, c),
	 * the plane n . X_ref = c in reference camera coordinates; cost[k][y]
	 * [x] as above, SGS_MVS_COST_INVALID where the plane does not meet the
	 * pixel's ray in front of the camera. */
	int (*mvs_cost_planes)(const struct sgs_mvs_pair *p, const float *planes, int nplanes,
			       float *cost);
};

/* "auto" (CUDA when built with it and a device is present, else CPU),
 * "cpu" or "cuda".  NULL with a message when the request cannot be met
 * ("CUDA backend not built", "no CUDA device: ..."). */
const struct sgs_backend *sgs_backend_get(const char *name);
const struct sgs_backend *sgs_backend_cpu(void);
/* The CPU backend's tile-loop code path, chosen once from the CPU's
 * features ("avx2" or "portable"; SGS_CPU_SIMD=portable forces the
 * latter). */
const char *sgs_cpu_simd_path(void);
#ifdef SGS_WITH_CUDA
/* kernels/cuda: NULL with a message when no device can be used. */
const struct sgs_backend *sgs_backend_cuda(void);
#endif

/* ---- conveniences built on the table (kernels/sgs_kernels.c) ---- */

/* Coefficients per channel for an SH degree. */
static inline int sgs_sh_coeffs(int degree) { return (degree + 1) * (degree + 1); }

/* Allocate / free the five parameter buffers of g on be (zeroed). */
int sgs_gaussians_alloc(const struct sgs_backend *be, struct sgs_gaussians *g,
			uint32_t n, int sh_degree);
void sgs_gaussians_free(const struct sgs_backend *be, struct sgs_gaussians *g);
/* Copy host arrays (same layout) to / from the buffers of g. */
int sgs_gaussians_upload(const struct sgs_backend *be, const struct sgs_gaussians *dst,
			 const struct sgs_gaussians *host_src);
int sgs_gaussians_download(const struct sgs_backend *be, const struct sgs_gaussians *host_dst,
			   const struct sgs_gaussians *src);

/* Allocate / free the outputs for w x h: rgb always, the others when
 * want_aux is non-zero (NULL otherwise). */
int sgs_render_out_alloc(const struct sgs_backend *be, struct sgs_render_out *out,
			 int w, int h, int want_aux);
void sgs_render_out_free(const struct sgs_backend *be, struct sgs_render_out *out);

/* What a tool needs before it allocates (sgs-train, sgs-render): a size
 * that cannot fit is refused with the numbers at the start, not met as an
 * allocation failure, or the OOM killer, part way through.
 * Per Gaussian, the rasterizer's buffers (projection, its gradients and
 * the sort keys: about 200 bytes on the CPU) and its tile/Gaussian pairs
 * (make bench counts 9 to 48 per Gaussian, fewer as the Gaussians
 * multiply and shrink), each pair's key, value, slot and CPU backward
 * record. */
#define SGS_RASTER_BYTES_PER_GAUSSIAN 256
#define SGS_RASTER_PAIRS_PER_GAUSSIAN 10
#define SGS_RASTER_BYTES_PER_PAIR 48
/* Bytes on the backend of n Gaussians (sgs_gaussians_alloc) rendered
 * into npix pixels with every output (sgs_render_out_alloc, want_aux). */
uint64_t sgs_render_memory(uint64_t n, int sh_degree, uint64_t npix);

/* For backends: reallocate a group of arrays together (through the
 * backend's alloc/free) when `need` entries exceed the group's capacity
 * *cap, with 25% headroom so a slowly growing model does not reallocate
 * every frame.  On failure every array of the group is NULL and *cap 0. */
struct sgs_grow_item {
	void **p;
	size_t elem; /* bytes per entry */
};
int sgs_grow_group(void *(*alloc)(size_t), void (*release)(void *), struct sgs_grow_item *items,
		   int count, size_t *cap, size_t need, const char *what);

/* The argument checks every backend's project() makes first, so all
 * report bad input with the same words. */
int sgs_check_project_inputs(const struct sgs_gaussians *g, const struct sgs_cam *cam);

/* The argument checks of every backend's mvs_cost() (depths: the host
 * array of hypotheses) and mvs_cost_planes() (depths NULL, planes the
 * plane buffer). */
int sgs_check_mvs_inputs(const struct sgs_mvs_pair *p, const float *depths, const float *planes,
			 int ndepths, const float *cost);

/* project + bin_sort + rasterize. */
int sgs_render(struct sgs_raster_ctx *ctx, const struct sgs_gaussians *g,
	       const struct sgs_cam *cam, const struct sgs_raster_opts *opts,
	       const struct sgs_render_out *out);
/* rasterize_backward + project_backward. */
int sgs_render_backward(struct sgs_raster_ctx *ctx, const struct sgs_render_dout *dout,
			struct sgs_gaussians *grad, float dbg[3], struct sgs_cam_grad *dcam,
			float *grad2d_accum, float *grad2d_count);

struct sgs_splats; /* libcommon/sgs_splat.h */
/* A host view of a loaded splat model (no copy): the upload source for a
 * device backend, or the parameters themselves on the CPU backend, whose
 * buffers are plain host memory. */
int sgs_gaussians_view(const struct sgs_splats *s, struct sgs_gaussians *g);

struct sgs_camera; /* libcommon/sgs_scene.h */
/* Double-precision scene camera -> kernel camera (znear 0.2). */
void sgs_cam_from_camera(const struct sgs_camera *c, struct sgs_cam *k);

/* Pose gradient as a twist (rho, omega) for the left perturbation
 * [R|t] <- exp(xi^) [R|t]: dL/drho = dL/dt, dL/domega = sum_j R_j x dR_j
 * + t x dL/dt (R_j, dR_j the columns). */
void sgs_cam_grad_twist(const struct sgs_cam *cam, const struct sgs_cam_grad *g, float twist[6]);

#ifdef __cplusplus
}
#endif

#endif
