/* Entry points of the CPU backend's training operations (kernels/cpu/
 * cpu_train_*.c), gathered by name into the backend table's `train`
 * (cpu_backend.c) through CPU_TRAIN_OPS. */
#ifndef SGS_CPU_TRAIN_INTERNAL_H
#define SGS_CPU_TRAIN_INTERNAL_H

#include "sgs_train_ops.h"

int cpu_loss_l1_ssim(const float *img, const float *gt, int w, int h, float lambda,
		     float *dimg, double terms[4]);
int cpu_loss_depth_pearson(const float *depth, const float *prior, const float *conf, size_t n,
			   float weight, float *ddepth, double *value);
int cpu_loss_depth_patch(const float *depth, const float *prior, const float *conf,
			 const struct sgs_depth_patches *p, float weight, float *ddepth,
			 double *value);
int cpu_loss_depth_relative(const float *depth, const float *prior, const float *conf,
			    const struct sgs_depth_patches *p, float weight, float *ddepth,
			    double *value);
int cpu_loss_depth_rank(const float *depth, const float *prior, const float *conf,
			const struct sgs_depth_rank *p, float weight, float *ddepth, double *value);
int cpu_loss_depth_continuity(const float *depth, const float *prior, const float *conf, int w,
			      int h, float tol, float weight, float *ddepth, double *value);
int cpu_loss_depth_smooth(const float *depth, const float *img, const float *conf, int w, int h,
			  float gamma, float weight, float *ddepth, double *value);
int cpu_loss_warp(const float *virt, const float *depth, const float *gt,
		  const struct sgs_warp_params *p, float *dvirt, float *ddepth, double *value,
		  double *valid);
int cpu_adam(float *p, const float *g, float *m, float *v, size_t count,
	     const struct sgs_adam_hp *hp);
int cpu_update_max_radii(float *max_radii, const struct sgs_raster_ctx *ctx);
int cpu_densify(const struct sgs_backend *be, struct sgs_train_state *st,
		const struct sgs_densify_params *p, struct sgs_densify_stats *stats);
int cpu_reset_opacity(struct sgs_train_state *st, float max_opacity);
int cpu_mcmc_relocate(const struct sgs_backend *be, struct sgs_train_state *st,
		      const struct sgs_mcmc_params *p, struct sgs_densify_stats *stats);
int cpu_mcmc_noise(struct sgs_train_state *st, float scale, uint64_t seed, uint32_t iteration);
int cpu_mcmc_regularise(struct sgs_train_state *st, float opacity_w, float scale_w);
int cpu_decay_opacity(struct sgs_train_state *st, float factor);
int cpu_add_scaled(float *y, const float *x, size_t count, float a);
int cpu_reg_scale(struct sgs_train_state *st, const struct sgs_scale_reg *p, double *value);

/* The CPU training operations by name, one list for both tables. */
#define CPU_TRAIN_OPS                                      \
	{                                                  \
		.loss_l1_ssim = cpu_loss_l1_ssim,          \
		.loss_depth_pearson = cpu_loss_depth_pearson, \
		.loss_depth_patch = cpu_loss_depth_patch, \
		.loss_depth_relative = cpu_loss_depth_relative, \
		.loss_depth_rank = cpu_loss_depth_rank,    \
		.loss_depth_continuity = cpu_loss_depth_continuity, \
		.loss_depth_smooth = cpu_loss_depth_smooth, \
		.loss_warp = cpu_loss_warp,                \
		.adam = cpu_adam,                          \
		.update_max_radii = cpu_update_max_radii,  \
		.densify = cpu_densify,                    \
		.reset_opacity = cpu_reset_opacity,        \
		.mcmc_relocate = cpu_mcmc_relocate,        \
		.mcmc_noise = cpu_mcmc_noise,              \
		.mcmc_regularise = cpu_mcmc_regularise,    \
		.decay_opacity = cpu_decay_opacity,        \
		.reg_scale = cpu_reg_scale,                \
		.add_scaled = cpu_add_scaled,              \
	}

#endif
