/* Entry points of the CPU backend's training operations (kernels/cpu/
 * cpu_train_*.c), gathered into sgs_cpu_train_ops by cpu_train_ops.c. */
#ifndef SGS_CPU_TRAIN_INTERNAL_H
#define SGS_CPU_TRAIN_INTERNAL_H

#include "sgs_train_ops.h"

int cpu_loss_l1_ssim(const float *img, const float *gt, int w, int h, float lambda,
		     float *dimg, double terms[4]);
int cpu_densify(const struct sgs_backend *be, struct sgs_train_state *st,
		const struct sgs_densify_params *p, struct sgs_densify_stats *stats);
int cpu_mcmc_relocate(const struct sgs_backend *be, struct sgs_train_state *st,
		      const struct sgs_mcmc_params *p, struct sgs_densify_stats *stats);
int cpu_mcmc_noise(struct sgs_train_state *st, float scale, uint64_t seed, uint32_t iteration);
int cpu_mcmc_regularise(struct sgs_train_state *st, float opacity_w, float scale_w);

#endif
