/* One Gaussian field: the parameters being optimised, their Adam moments
 * and step counts, the densification statistics, the active SH degree and
 * the raster context that renders it.  A trainer holds one or two (two
 * fields trained together on the same views regularise each other). */
#ifndef SGS_TRAIN_FIELD_H
#define SGS_TRAIN_FIELD_H

#include <stdint.h>

#include "sgs_kernels.h"
#include "sgs_train_ops.h"

/* Adam parameter groups, in checkpoint order. */
enum { GRP_MEANS, GRP_SCALES, GRP_QUATS, GRP_OPACITY, GRP_SH, NGROUPS };

struct sgs_field {
	struct sgs_train_state st;   /* params, grads, moments, statistics */
	uint32_t adam_step[NGROUPS]; /* Adam steps applied per group */
	int sh_active;               /* SH degree used when rendering */
	struct sgs_raster_ctx *ctx;  /* scratch, rebuilt on resume */
};

/* The per-Gaussian arrays of a set, with their lengths in floats. */
void field_arrays(const struct sgs_gaussians *g, float *p[NGROUPS], size_t len[NGROUPS]);

/* Allocate n zeroed Gaussians of SH degree deg (and the raster context). */
int field_alloc(struct sgs_field *f, const struct sgs_backend *be, uint32_t n, int deg);
void field_free(struct sgs_field *f, const struct sgs_backend *be);

/* Inria's initialisation from points and colours: scales from the three
 * nearest neighbours, identity rotation, opacity 0.1, DC colour. */
int field_from_points(struct sgs_field *f, const struct sgs_backend *be, int deg,
		      const float *xyz, const uint8_t *rgb, uint64_t n);

/* Host-side edits of the whole state (parameters, moments, gradients,
 * statistics): drop the Gaussians with drop[i] set, keeping the order;
 * append add->n Gaussians with add's (host) parameters and zero
 * moments, gradients and statistics, growing the buffers up to
 * max_gaussians (0: no cap) as densify does. */
int field_compact(struct sgs_field *f, const struct sgs_backend *be, const uint8_t *drop);
int field_append(struct sgs_field *f, const struct sgs_backend *be, uint32_t max_gaussians,
		 const struct sgs_gaussians *add);

/* Room in grad (holding *cap Gaussians) for a gradient of p's: grown to
 * 1.5 x p->n when p outgrew it or changed degree; n and sh_active follow
 * p. */
int field_grad_reserve(const struct sgs_backend *be, const struct sgs_gaussians *p,
		       struct sgs_gaussians *grad, uint32_t *cap);

/* Propagate sh_active to every set of the state (kernels read it). */
void field_sync_sh(struct sgs_field *f);

/* One Adam step of every group at Inria's rates (the position rate
 * given); skip_opacity leaves the opacity group alone. */
int field_optimise(struct sgs_field *f, const struct sgs_train_ops *ops, float lr_mean,
		   int skip_opacity);

#endif
