/* Host-side pieces of the training operations that the CPU and CUDA twins
 * share: argument checks, the constants Adam derives per step, and buffer
 * growth, so the two backends cannot drift apart in them. */
#ifndef SGS_TRAIN_HOST_H
#define SGS_TRAIN_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "sgs_train_ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-step constants of the bias-corrected update (sgs_adam_update). */
struct sgs_adam_consts {
	float step_first, step_rest; /* lr / (1 - b1^t) for the two element groups */
	float sqrt_bc2;              /* sqrt(1 - b2^t) */
};

/* Check Adam's arguments (messages name the problem) and derive the
 * constants; -1 with a message on bad input. */
int sgs_adam_prepare(const float *p, const float *g, const float *m, const float *v,
		     size_t count, const struct sgs_adam_hp *hp, struct sgs_adam_consts *c);

/* Capacity for `need` Gaussians: unchanged when it fits, else 1.5x growth
 * (at least need), clipped to max_gaussians when that cap is set and
 * suffices; 0 when it would pass 2^32 - 1. */
uint32_t sgs_train_capacity(uint32_t capacity, uint64_t need, uint32_t max_gaussians);

#ifdef __cplusplus
}
#endif

#endif
