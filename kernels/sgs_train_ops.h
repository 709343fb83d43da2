/* The types the training operations of a backend take (loss, optimiser,
 * densification): the table itself, struct sgs_train_ops, is the `train`
 * member of struct sgs_backend (sgs_kernels.h), called as
 * be->train.adam(...).  Same rules as sgs_kernels.h: buffers are the
 * backend's, every function returns 0 or -1 with a message, none prints.
 * Each has a CPU reference in kernels/cpu/ and a CUDA twin in
 * kernels/cuda/ checked against it (kernels/README). */
#ifndef SGS_TRAIN_OPS_H
#define SGS_TRAIN_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "sgs_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Adam as torch.optim.Adam (bias-corrected):
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   p -= lr_i / (1 - b1^step) * m / (sqrt(v) / sqrt(1 - b2^step) + eps)
 * lr_i = lr for elements with (i % period) < nfirst, else lr_rest; period
 * 0 means lr for every element.  (SH is stored [g][k][c], so period 3K,
 * nfirst 3 gives the DC terms their own rate.) */
struct sgs_adam_hp {
	float lr, lr_rest;
	uint32_t period, nfirst;
	float beta1, beta2, eps; /* 0.9, 0.999, 1e-15 for 3DGS */
	uint32_t step;           /* 1-based step count for bias correction */
};

/* Everything the optimiser keeps per Gaussian.  params, grads, m and v
 * have the same n and sh_degree; capacity is how many Gaussians every
 * buffer here can hold (densify grows them). */
struct sgs_train_state {
	struct sgs_gaussians params, grads, m, v;
	float *grad2d_accum;   /* n: sum of |dL/d mean2D| (NDC units) */
	float *grad2d_count;   /* n: renders in which the Gaussian was visible */
	float *max_radii;      /* n: largest screen radius seen (pixels) */
	uint32_t capacity;
};

/* Inria 3DGS's densify_and_prune, in its order:
 *  g = grad2d_accum / grad2d_count (0 where count is 0);
 *  clone: g >= grad_threshold and max scale <= percent_dense * extent:
 *         an exact copy is appended (zero Adam moments);
 *  split: g >= grad_threshold and max scale >  percent_dense * extent
 *         (clones never split): 2 new Gaussians at mean + R(q) s, s ~
 *         N(0, diag(scale^2)), scale / 1.6, other parameters copied, zero
 *         moments; the original is removed;
 *  prune: sigmoid(opacity) < min_opacity, or (max_screen_size > 0 and
 *         (max_radii > max_screen_size or max scale > 0.1 extent)) -- the
 *         world-space test only with the screen-space one, as Inria; new
 *         Gaussians are judged too (their max_radii is 0).
 * Survivors keep their order, then clones, then split children (the two
 * children of a parent side by side, parents in index order).  The normal
 * samples come from sgs_rng_normal(seed, iteration, parent index, draw =
 * 3 child + axis) (sgs_math_rng.h) so the CPU and CUDA backends produce
 * the same children.  With max_gaussians > 0, densifying stops adding
 * once the count would exceed it: only the first max_gaussians - n
 * candidates (clone or split, in index order) are densified.  Afterwards
 * grad2d_accum, grad2d_count, max_radii and grads are zero, params.n (and
 * grads.n, m.n, v.n) is the new count, and the buffers of st may have
 * been replaced (capacity grows 1.5x, at most to max_gaussians when set).
 * stats->pruned counts removals after densifying: n_before + cloned +
 * split - n_after.  When memory runs out st is left unchanged. */
struct sgs_densify_params {
	float grad_threshold;  /* 0.0002 */
	float percent_dense;   /* 0.01 */
	float extent;          /* scene extent (camera spread radius x 1.1) */
	float min_opacity;     /* 0.005 */
	float max_screen_size; /* 20 after the first opacity reset, else 0 */
	uint32_t max_gaussians;
	uint64_t seed;
	uint32_t iteration;
};

struct sgs_densify_stats {
	uint32_t cloned, split, pruned, n_before, n_after;
	uint32_t relocated; /* MCMC: dead Gaussians moved (cloned: added) */
};

/* MCMC densification ("3D Gaussian Splatting as Markov Chain Monte
 * Carlo", Kheradmand et al. 2024), one relocation / growth step:
 *  1. dead Gaussians (sigmoid(opacity) <= min_opacity) take the parameters
 *     of live ones drawn with probability proportional to sigmoid(opacity)
 *     (multinomial with replacement);
 *  2. min(max_gaussians, n + n / 20) - n copies of Gaussians drawn the
 *     same way (all of them, relocated ones included) are appended.
 * In each phase a source drawn d times ends up with N = d + 1 copies
 * (itself included); all get opacity o' = 1 - (1 - o)^(1/N) and scale
 * x o / sum_{i=1..N} sum_{k=0..i-1} C(i-1,k) (-1)^k o'^(k+1) / sqrt(k+1)
 * (the paper's Eq. 9, N capped at SGS_MCMC_MAX_N), o' clamped to
 * [min_opacity, 1 - 2^-23].  Adam moments of sources and copies are zero
 * afterwards, and so are grads, grad2d_accum, grad2d_count and max_radii
 * of the copies.  The draws are sgs_rng_uniform(seed, iteration, k,
 * SGS_MCMC_DRAW + phase), planned on the host in double
 * (kernels/sgs_train_mcmc.h), so every backend makes the same moves.
 * stats: relocated, cloned (= added), n_before, n_after. */
struct sgs_mcmc_params {
	float min_opacity;      /* 0.005 */
	uint32_t max_gaussians; /* the cap, > 0 */
	uint64_t seed;
	uint32_t iteration;
};
/* The random patches of loss_depth_patch and loss_depth_relative: a grid
 * of size x size patches over the w x h maps, shifted by amounts drawn
 * from (seed, iteration) (sgs_math_depth.h). */
struct sgs_depth_patches {
	int w, h;
	int size;           /* 2 to SGS_DEPTH_MAX_PATCH */
	uint64_t seed;
	uint32_t iteration;
};
#define SGS_DEPTH_MAX_PATCH 4096

/* The pairs of loss_depth_rank: `shifts` shifts (1 to
 * SGS_DEPTH_MAX_SHIFTS) drawn from (seed, iteration) in the window of
 * radius `radius` (1 to 64); tol: the prior's relative difference that
 * orders a pair; margin: the hinge's relative margin. */
struct sgs_depth_rank {
	int w, h;
	int radius, shifts;
	float tol, margin;
	uint64_t seed;
	uint32_t iteration;
};

#define SGS_MCMC_MAX_N 51
#define SGS_MCMC_DRAW 128u
#define SGS_MCMC_NOISE_DRAW 64u

/* The scale regularisers against needles (reg_scale), per Gaussian with
 * s its three scales (exp of the log-scales):
 *   ratio_weight (max(s_max / s_min, ratio_max) - ratio_max)
 *       (PhysGaussian's anisotropy term, Xie et al. 2024; ratio_max >= 1)
 *   + max_weight (max(s_max / max_scale, 1) - 1)
 * (max_scale > 0: a fraction of the scene radius).  A weight of 0 leaves
 * its part out. */
struct sgs_scale_reg {
	float ratio_weight, ratio_max;
	float max_weight, max_scale;
};

/* loss_warp's view: w x h maps; disp = fx b, the horizontal shift in
 * pixels times the depth (b the virtual camera's offset along the train
 * camera's x axis, either sign); pixels whose depth is below min_depth
 * (> 0) take no part; the gradients are weight x dL/d. */
struct sgs_warp_params {
	int w, h;
	float disp, min_depth, weight;
};

#ifdef __cplusplus
}
#endif

#endif
