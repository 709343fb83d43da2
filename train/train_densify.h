/* Densification strategies as a small table of hooks: Inria's (gradient
 * statistics, clone / split / prune, opacity resets) and MCMC's
 * (relocation of dead Gaussians, growth to a cap, position noise).  The
 * training step calls the hooks; it has no branch on the strategy. */
#ifndef SGS_TRAIN_DENSIFY_H
#define SGS_TRAIN_DENSIFY_H

#include <stdint.h>

#include "train_field.h"

struct sgs_trainer;
struct sgs_step_info;

struct densify_strategy {
	const char *name;
	/* the backward pass accumulates screen-space gradients in the window */
	int gathers_stats;
	/* once the initial Gaussians exist: resolve the cap and check ops */
	int (*prepare)(struct sgs_trainer *t);
	/* after the backward pass of iteration it: densify, prune or reset
	 * when due, reporting in info (densified, opacity_reset, dstats) */
	int (*step)(struct sgs_trainer *t, struct sgs_field *f, uint32_t field, uint32_t it,
		    struct sgs_step_info *info);
	/* after the optimiser step (may be NULL) */
	int (*after_optimise)(struct sgs_trainer *t, struct sgs_field *f, uint32_t field,
			      uint32_t it);
};

extern const struct densify_strategy densify_inria, densify_mcmc;

/* Whether iteration it is a densification step of the schedule (both
 * strategies use the same window and interval). */
struct sgs_schedule;
int densify_due(const struct sgs_schedule *sc, uint32_t it);

#endif
