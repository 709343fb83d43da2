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

/* Densify's argument checks: state arrays agree in n and degree, n within
 * capacity, sane thresholds. */
int sgs_densify_check(const struct sgs_train_state *st, const struct sgs_densify_params *p);

/* The arrays of a training state densify rebuilds, and how each new row is
 * filled: copied from its source, moments kept for survivors and zeroed
 * for new Gaussians, split children's means sampled and scales shrunk,
 * gradients and screen statistics zeroed. */
enum { SGS_FILL_COPY, SGS_FILL_MOMENT, SGS_FILL_MEANS, SGS_FILL_SCALES, SGS_FILL_ZERO };
struct sgs_state_array {
	float **p;
	size_t stride; /* floats per Gaussian */
	int how;       /* SGS_FILL_* */
};
#define SGS_STATE_ARRAYS 23
/* Fill a[] (SGS_STATE_ARRAYS entries) in rebuild order, means first while
 * the scales and rotations they sample from are still the old ones;
 * returns the count. */
int sgs_state_arrays(struct sgs_train_state *st, struct sgs_state_array *a);

/* Everything a densify rebuild to n_out Gaussians decides before touching
 * the state: the arrays (into arr), the new capacity, whether it grows,
 * the widest array; when it grows, fresh[k] receives a new array of the
 * new capacity for every arr[k] through be->alloc.  On failure the caller
 * frees whatever fresh[] holds. */
struct sgs_state_plan {
	int count;         /* entries of arr */
	uint32_t capacity; /* after the rebuild */
	int grow;          /* fresh arrays were allocated */
	size_t max_stride; /* floats per Gaussian of the widest array */
};
int sgs_state_plan(const struct sgs_backend *be, struct sgs_train_state *st, uint32_t n_out,
		   uint32_t max_gaussians, struct sgs_state_array *arr, float **fresh,
		   struct sgs_state_plan *plan);

/* The argument checks of decay_opacity and reg_scale. */
int sgs_decay_check(const struct sgs_train_state *st, float factor);
int sgs_scale_reg_check(const struct sgs_train_state *st, const struct sgs_scale_reg *p,
			const double *value);
/* The depth ops' argument checks and set-up, one per op, so both
 * backends lay out the same patches and pairs (sgs_math_depth.h): -1
 * with a message naming the op on bad input.  The maps are w h floats
 * (img 3 w h); conf may be NULL only for the smoothness. */
struct sgs_depth_grid;
struct sgs_depth_pairs;
int sgs_depth_patches_prepare(const char *op, const float *depth, const float *prior,
			      const float *conf, const struct sgs_depth_patches *p,
			      const float *ddepth, const double *value, uint32_t draw,
			      struct sgs_depth_grid *g);
int sgs_depth_rank_prepare(const float *depth, const float *prior, const float *conf,
			   const struct sgs_depth_rank *p, const float *ddepth, const double *value,
			   struct sgs_depth_pairs *P);
int sgs_depth_continuity_prepare(const float *depth, const float *prior, const float *conf, int w,
				 int h, float tol, const float *ddepth, const double *value,
				 struct sgs_depth_pairs *P);
int sgs_depth_smooth_prepare(const float *depth, const float *img, int w, int h, float gamma,
			     const float *ddepth, const double *value, struct sgs_depth_pairs *P);
/* loss_warp's argument checks. */
int sgs_warp_check(const float *virt, const float *depth, const float *gt,
		   const struct sgs_warp_params *p, const float *dvirt, const double *value);

#ifdef __cplusplus
}
#endif

#endif
