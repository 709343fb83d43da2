/* Entry points of the CUDA backend's training operations (kernels/cuda/
 * cuda_train_*.cu), assigned by name to the backend table's `train` in
 * cuda_backend.cu.
 * Buffers are device memory of sgs_backend_get("cuda"). */
#ifndef SGS_CUDA_TRAIN_INTERNAL_H
#define SGS_CUDA_TRAIN_INTERNAL_H

#include <pthread.h>

#include "cuda_internal.h"
#include "sgs_train_ops.h"

/* A reduction's per-block partial sums, on the device and their host copy,
 * kept between calls (the loss terms run every iteration) and grown as
 * needed; hold `lock` from the reserve to the last use of the sums. */
struct cuda_partials {
	pthread_mutex_t lock;
	double *dev, *host;
	size_t count; /* doubles in each */
};
#define CUDA_PARTIALS_INIT {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0}
/* Room for `doubles` sums in both; `what` names the operation in errors. */
int cuda_partials_reserve(struct cuda_partials *p, size_t doubles, const char *what);

int cuda_loss_depth_pearson(const float *depth, const float *prior, const float *conf, size_t n,
			    float weight, float *ddepth, double *value);
int cuda_loss_depth_patch(const float *depth, const float *prior, const float *conf,
			  const struct sgs_depth_patches *p, float weight, float *ddepth,
			  double *value);
int cuda_loss_depth_relative(const float *depth, const float *prior, const float *conf,
			     const struct sgs_depth_patches *p, float weight, float *ddepth,
			     double *value);
int cuda_loss_depth_rank(const float *depth, const float *prior, const float *conf,
			 const struct sgs_depth_rank *p, float weight, float *ddepth, double *value);
int cuda_loss_depth_continuity(const float *depth, const float *prior, const float *conf, int w,
			       int h, float tol, float weight, float *ddepth, double *value);
int cuda_loss_depth_smooth(const float *depth, const float *img, const float *conf, int w, int h,
			   float gamma, float weight, float *ddepth, double *value);
int cuda_loss_l1_ssim(const float *img, const float *gt, int w, int h, float lambda, float *dimg,
		      double terms[4]);
int cuda_loss_warp(const float *virt, const float *depth, const float *gt,
		   const struct sgs_warp_params *p, float *dvirt, float *ddepth, double *value,
		   double *valid);
int cuda_adam(float *p, const float *g, float *m, float *v, size_t count,
	      const struct sgs_adam_hp *hp);
int cuda_update_max_radii(float *max_radii, const struct sgs_raster_ctx *ctx);
int cuda_reset_opacity(struct sgs_train_state *st, float max_opacity);
int cuda_densify(const struct sgs_backend *be, struct sgs_train_state *st,
		 const struct sgs_densify_params *p, struct sgs_densify_stats *stats);
int cuda_mcmc_relocate(const struct sgs_backend *be, struct sgs_train_state *st,
		       const struct sgs_mcmc_params *p, struct sgs_densify_stats *stats);
int cuda_mcmc_noise(struct sgs_train_state *st, float scale, uint64_t seed, uint32_t iteration);
int cuda_mcmc_regularise(struct sgs_train_state *st, float opacity_w, float scale_w);
int cuda_decay_opacity(struct sgs_train_state *st, float factor);
int cuda_reg_scale(struct sgs_train_state *st, const struct sgs_scale_reg *p, double *value);
int cuda_add_scaled(float *y, const float *x, size_t count, float a);

/* Blocks for a grid-stride loop over n items (n > 0), capped so the
 * count fits any launch. */
static inline unsigned cuda_stride_blocks(size_t n)
{
	size_t b = (n + CUDA_BLOCK - 1) / CUDA_BLOCK;
	return (unsigned)(b < (1u << 20) ? b : (1u << 20));
}

#endif
