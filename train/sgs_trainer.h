/* The optimiser loop of sgs-train: Inria 3DGS's training recipe driven
 * through a backend table (kernels/sgs_kernels.h) and its training ops
 * (kernels/sgs_train_ops.h).  Host-side orchestration only: every heavy
 * loop runs in the backend.  Like all library code it never prints; the
 * tool reads the per-iteration numbers from struct sgs_step_info. */
#ifndef SGS_TRAINER_H
#define SGS_TRAINER_H

#include <stdint.h>
#include <stdio.h>

#include "sgs_kernels.h"
#include "sgs_train_ops.h"

struct sgs_scene;
struct sgs_splats;

/* AUTO: the scene's seed points when it has any, else random points;
 * resolved when the trainer is built (checkpoints store the choice). */
/* AUTO resolves to DEPTH when a train view has a confident depth prior,
 * else SEEDS when the scene has seed points, else RANDOM.  HULL (a visual
 * hull carved from the train views' masks, train/sgs_hull.h) needs
 * train_masks, and AUTO never picks it. */
enum sgs_init_kind { SGS_INIT_SEEDS = 0, SGS_INIT_RANDOM = 1, SGS_INIT_AUTO = 2, SGS_INIT_DEPTH = 3,
		     SGS_INIT_HULL = 4 };

/* The largest cap a run may have (sgs-train --max-gaussians): a
 * checkpoint asking for more is corrupt. */
#define SGS_MAX_GAUSSIANS 2000000000u

/* The recipe.  Everything here except inject_nan_at is stored in a
 * checkpoint, so a resumed run follows the same recipe. */
struct sgs_trainer_opts {
	uint32_t iterations;    /* total iterations; 0: the recipe's
	                         * (sgs_trainer_auto_iterations), resolved
	                         * when the trainer is built */
	uint64_t seed;          /* every random choice derives from it */
	int sh_degree;          /* storage and final active SH degree, 0..3 (3) */
	int init;               /* enum sgs_init_kind */
	uint32_t init_count;    /* Gaussians for SGS_INIT_RANDOM (100000), and
	                         * about as many for SGS_INIT_DEPTH */
	int random_bg;          /* random background colour per iteration */
	uint32_t max_gaussians; /* hard cap for densification; 0: the run's
	                         * own (sgs_trainer_auto_cap), resolved when
	                         * the trainer is built */
	float lambda_dssim;     /* weight of 1 - SSIM in the loss (0.2) */
	uint32_t inject_nan_at; /* testing aid: poison the render at this
	                         * iteration so the loss is NaN; 0: never */
	int mcmc;               /* MCMC densification (Kheradmand et al.
	                         * 2024) instead of Inria's; max_gaussians 0
	                         * then becomes 3x the initial count */
	/* The schedule's densification window, interval and opacity reset
	 * period; SGS_RECIPE keeps the recipe's value (sgs_schedule_make),
	 * SGS_NEVER as reset_every disables resets. */
	uint32_t densify_from, densify_until, densify_every, reset_every;
	uint32_t fields;        /* Gaussian fields trained together on the
	                         * same views, 1 or 2 (1); field k draws its
	                         * randomness from seed + k */
	float depth_weight;     /* weight of the depth prior's Pearson term
	                         * (SGS_DEPTH_PEARSON_WEIGHT); 0: off.  Resolved
	                         * to 0 when no train view has a prior */
	/* Sparse-view regularisers (sgs-train(1)), each off at 0. */
	float dropout;          /* DropGaussian: the largest drop rate, [0, 1),
	                         * rising linearly over the run */
	float opacity_decay;    /* opacity x this at every densification step,
	                         * (0, 1); replaces the recipe's opacity resets */
	float scale_ratio_weight, scale_ratio; /* the scale ratio term and its
	                         * threshold (SGS_SCALE_RATIO) */
	float scale_max_weight, scale_max; /* the largest-scale term, and the
	                         * largest scale as a fraction of the scene
	                         * radius (SGS_SCALE_MAX) */
	float floater_std;      /* floater pruning at densification steps:
	                         * mean kNN distance above mean + this x std */
	uint32_t floater_knn;   /* k (SGS_FLOATER_KNN) */
	float floater_margin;   /* and in front of a depth prior: z < (1 -
	                         * margin) prior (0: no depth test; sgs-train's
	                         * --prune-floaters: SGS_FLOATER_MARGIN), where
	                         * its confidence is at least floater_conf
	                         * (SGS_FLOATER_CONF) */
	float floater_conf;
	/* The local depth terms' weights (0: off, the default); the four
	 * against the prior resolve to 0 like depth_weight, the smoothness
	 * (against the train image) applies with or without priors. */
	float depth_patch_weight;      /* local (patch) Pearson */
	float depth_relative_weight;   /* patch-normalised L1 */
	float depth_rank_weight;       /* ranking hinge */
	float depth_continuity_weight; /* continuity of neighbours */
	float depth_smooth_weight;     /* edge-aware smoothness */
	uint32_t depth_patch_size;     /* side of the patches of the patch
	                                * and relative terms (SGS_DEPTH_PATCH_SIZE) */
	/* CoR-GS co-regularisation (needs fields = 2) and FSGS unpooling,
	 * sgs-train(1); off at 0. */
	int coreg;              /* pseudo views and co-pruning between the fields */
	float coreg_weight;     /* weight of the pseudo-view term (1) */
	uint32_t coreg_start;   /* pseudo views from this iteration on (SGS_RECIPE:
	                         * a fifth of the run, sgs_coreg_start) */
	uint32_t coprune_every; /* co-prune every N iterations (500; SGS_NEVER) */
	float coprune_mult;     /* no counterpart within this x the field's spacing,
	                         * the median over its Gaussians of the mean distance
	                         * to the SGS_COPRUNE_KNN nearest (SGS_COPRUNE_MULT) */
	float coprune_dist;     /* or within this absolute distance (0: the multiple) */
	float unpool;           /* unpooling's gap threshold: >= 1 a multiple of the
	                         * median k-NN gap, < 1 a quantile of the gaps; 0 off */
	uint32_t unpool_knn;    /* k (SGS_UNPOOL_KNN) */
	uint32_t unpool_until;  /* at densification steps up to here (SGS_RECIPE: the
	                         * densification window's end) */
	/* Camera pose refinement and pseudo views (sgs-train(1)), off by
	 * default. */
	int refine_poses;       /* an SE(3) correction per train view but the
	                         * first, optimised from the pose gradient */
	float pose_lr;          /* its Adam rate: radians, and x the scene
	                         * radius for the translation (SGS_POSE_LR) */
	uint32_t pose_from;     /* refine after this iteration (0) */
	float pseudo_weight;    /* gradient weight of a pseudo view's
	                         * photometric loss (SGS_PSEUDO_WEIGHT);
	                         * resolved to 0 until pseudo views are
	                         * attached (sgs_trainer_set_pseudo) */
	uint32_t pseudo_every;  /* every k-th iteration trains on one of them
	                         * (SGS_PSEUDO_EVERY) */
	/* Warp consistency from virtual binocular views (Binocular3DGS,
	 * train/warp.c, sgs-train(1)), off by default. */
	int warp;               /* the term is on */
	float warp_weight;      /* its weight (SGS_WARP_WEIGHT) */
	float warp_baseline;    /* largest |b| as a fraction of the train views'
	                         * mean distance to the scene (SGS_WARP_BASELINE) */
	uint32_t warp_start;    /* from this iteration on (SGS_RECIPE: a fifth of
	                         * the run, sgs_warp_start) */
	/* ---- masks in training (--train-masks; sgs-train(1)) ---- */
	int train_masks;        /* the train views' masks (or alpha) may be used;
	                         * off by default: the DTU protocol keeps masks
	                         * for evaluation only */
	uint32_t hull_res;      /* SGS_INIT_HULL's voxels along the longest side
	                         * (SGS_HULL_RES) */
	uint32_t hull_dilate;   /* and its mask dilation in pixels (SGS_HULL_DILATE) */
	/* ---- end of masks in training ---- */
};

/* The regularisers' parameters when only their switch is given. */
#define SGS_SCALE_RATIO 10.0f
#define SGS_SCALE_MAX 0.1f
#define SGS_FLOATER_KNN 20u
#define SGS_FLOATER_MARGIN 0.1f
#define SGS_FLOATER_CONF 0.5f
#define SGS_COPRUNE_EVERY 500u
#define SGS_COPRUNE_MULT 5.0f
#define SGS_COPRUNE_KNN 8
#define SGS_UNPOOL_KNN 3u
#define SGS_POSE_LR 1e-4f
#define SGS_PSEUDO_WEIGHT 0.1f
#define SGS_PSEUDO_EVERY 4u
#define SGS_WARP_WEIGHT 0.5f
#define SGS_WARP_BASELINE 0.02f

/* The depth term's default weight: FSGS's for its global Pearson term,
 * and the best of 0, 0.05, 0.2, 0.5 on fern and DTU with plane-sweep
 * priors (sgs-train(1)), though by little. */
#define SGS_DEPTH_PEARSON_WEIGHT 0.05f

/* The local depth terms' fixed numbers (sgs-train(1)): patch side
 * (FSGS's and SparseGS's local patches are of this order), the ranking
 * window's radius and shifts per iteration, the prior's relative
 * difference that orders a pair (ranking) or joins neighbours
 * (continuity), the ranking hinge's relative margin (SparseNeRF's 1e-4),
 * and the smoothness's edge sharpness on images in [0, 1]. */
#define SGS_DEPTH_PATCH_SIZE 32u
#define SGS_DEPTH_PATCH_MIN 4u
#define SGS_DEPTH_PATCH_MAX 1024u
#define SGS_DEPTH_RANK_RADIUS 3
#define SGS_DEPTH_RANK_SHIFTS 4
#define SGS_DEPTH_PRIOR_TOL 0.01f
#define SGS_DEPTH_RANK_MARGIN 1e-4f
#define SGS_DEPTH_SMOOTH_GAMMA 10.0f

/* Does o use the scene's depth priors (a term against them is on)? */
int sgs_trainer_uses_prior(const struct sgs_trainer_opts *o);
/* Check o's depth weights and patch size; -1 with a message. */
int sgs_trainer_check_depth(const struct sgs_trainer_opts *o);

#define SGS_NEVER UINT32_MAX
#define SGS_RECIPE (UINT32_MAX - 1)
#define SGS_MAX_FIELDS 2
#define SGS_MAX_TERMS 16

/* The MCMC recipe's constants (the paper's defaults). */
#define SGS_MCMC_NOISE_LR 5e5f
#define SGS_MCMC_OPACITY_REG 0.01f
#define SGS_MCMC_SCALE_REG 0.01f
#define SGS_MCMC_CAP_FACTOR 3u

void sgs_trainer_defaults(struct sgs_trainer_opts *o);

/* Iterations for a run on ntrain train views: Inria's 30000, or 1000 on a
 * sparse scene (at most SGS_SPARSE_VIEWS views).  Without regularisation
 * more iterations only overfit: on fern's 3 views the test PSNR was 18.0
 * dB after 250 iterations, 18.1 after 500, 17.8 after 750 of a 3000 run.
 * Test PSNR (random init, 2-core CPU) after 1000 iterations against
 * 3000: fern 3 views 17.63 dB against 16.78, lego 8 views 19.82 against
 * 19.24, DTU scan24 3 views (masked) 8.57 against 8.26. */
#define SGS_SPARSE_VIEWS 9
uint32_t sgs_trainer_auto_iterations(uint32_t ntrain);

/* The cap a run gets unless told otherwise: a quarter of a Gaussian per
 * train pixel (fern's 3 views at 504x378: 142 884; lego's 8 at 400x400:
 * 320 000), and at least twice the initial count so densification always
 * has room.  Inria's recipe has no cap and grows with the gradient
 * statistic; on a few views that statistic stays high (every train pixel
 * can still be fitted better) and the count, and the seconds per
 * iteration, grew without bound. */
uint32_t sgs_trainer_auto_cap(const struct sgs_scene *s, uint32_t initial);


/* ---- the schedule ---- */

/* The recipe's schedule for a run of `iterations` on ntrain views:
 * densify from min(500, iterations / 10) while the iteration is below
 * min(15000, iterations / 2), every 100 iterations rounded up to whole
 * passes over the train views (Inria's interval whatever the run
 * length); opacity resets every third of the run, 300 to 3000 (Inria's
 * period); the SH degree rises
 * every 1000 x iterations / 30000 (at least 1). */
struct sgs_schedule {
	uint32_t iterations;
	uint32_t sh_interval;      /* raise the active SH degree (1000) */
	uint32_t densify_from;     /* densify when iteration > this (500) */
	uint32_t densify_until;    /* statistics and densify while < this (15000) */
	uint32_t densify_interval; /* (100) */
	uint32_t reset_interval;   /* opacity reset (n/3, 300..3000); also the iteration
	                            * after which screen-size pruning starts */
	int resets;                /* 0: no opacity resets (opacity decay replaces
	                            * the recipe's) */
};
void sgs_schedule_make(uint32_t iterations, uint32_t ntrain, struct sgs_schedule *s);
/* The schedule of a run: sgs_schedule_make with o's overrides. */
void sgs_schedule_for(const struct sgs_trainer_opts *o, uint32_t ntrain, struct sgs_schedule *s);

/* DropGaussian's rate at iteration it (1-based) of the run: o->dropout x
 * it / o->iterations, rising linearly to o->dropout at the last. */
float sgs_dropout_rate(const struct sgs_trainer_opts *o, uint32_t it);

/* Inria's position learning rate: log-linear from 1.6e-4 x extent at step 0
 * to 1.6e-6 x extent at max_steps (constant afterwards). */
float sgs_lr_position(float extent, uint32_t step, uint32_t max_steps);

#define SGS_LR_SH 2.5e-3f
#define SGS_LR_SH_REST (2.5e-3f / 20.0f)
#define SGS_LR_OPACITY 0.05f
#define SGS_LR_SCALE 0.005f
#define SGS_LR_ROTATION 0.001f

/* ---- initialisation helpers (host arrays) ---- */

/* Inria's getNerfppNorm: 1.1 x the largest distance of the train cameras'
 * centres from their mean (1 when that is 0, e.g. one camera).  centre
 * (may be NULL) receives the mean.  -1 when there are no train views. */
int sgs_scene_extent(const struct sgs_scene *s, float *extent, float centre[3]);

/* The size of what the train views see, for the recipe's scene-relative
 * numbers (position learning rate, clone / split / prune sizes): the
 * camera extent above, or 1.1 x the largest distance from the camera
 * centroid to the point each train view looks at (its optical axis at
 * sqrt(near far)) when that is larger.  Inria uses the camera extent
 * alone, which suits cameras around an object; three forward-facing
 * views stand a few units apart before a scene 20 to 80 units deep (LLFF
 * fern), and the camera extent then pruned every Gaussian wider than a few
 * pixels. */
int sgs_scene_radius(const struct sgs_scene *s, float *radius);

/* log(sqrt(max(d, 1e-7))) for each of n points, d the mean squared
 * distance to its (up to) three nearest other points, as Inria's
 * distCUDA2 (exact, with a k-d tree).  n = 1 gives log(sqrt(1e-7)). */
int sgs_knn_log_scales(const float *xyz, uint64_t n, float *log_scale);
/* The mean distance from each of n points to its (up to) k nearest other
 * points, 1 <= k <= SGS_KNN_MAX, with the same k-d tree (floater
 * pruning's statistic); 0 for a lone point. */
#define SGS_KNN_MAX 64
int sgs_knn_mean_distance(const float *xyz, uint64_t n, int k, float *dist);

/* Random points inside the union of the train frusta: view and pixel
 * uniform, depth z with density proportional to z^2 between the view's
 * near and far bounds (uniform in volume).  Views without bounds use
 * [0.2, 2 (distance to the camera centroid) + 3 extent]. */
int sgs_random_points(const struct sgs_scene *s, uint64_t seed, uint64_t n, float *xyz,
		      uint8_t *rgb);

/* One point per prior pixel on a stride (CoherentGS-style depth
 * initialisation): every train view's pixels with a depth prior of
 * confidence >= SGS_DEPTH_INIT_CONF, on a grid of stride round(sqrt(those
 * pixels / about)) so that about `about` points result, back-projected
 * through the pixel centre, coloured from the image.  *n receives the
 * count; *xyz (3 n) and *rgb (3 n) are malloc'ed.  -1 with a message when
 * no train view has such a pixel. */
#define SGS_DEPTH_INIT_CONF 0.25f
/* Does a train view of s have a prior pixel sgs_depth_points would use? */
int sgs_scene_has_depth_prior(const struct sgs_scene *s);
int sgs_depth_points(const struct sgs_scene *s, uint64_t about, float **xyz, uint8_t **rgb,
		     uint64_t *n);

/* Floater selection on host arrays, as sgs-train's floater pruning makes
 * it at a densification step (o->floater_*): flags[i] gets bit 0 when the
 * mean distance of Gaussian i to its floater_knn nearest is above mean +
 * floater_std x std over all n (floater_std > 0), and bit 1 when its
 * opacity is at least 1/255 and its centre projects into a train view of
 * s (NULL: none) nearer than (1 - floater_margin) x that view's depth
 * prior at the pixel, with a confidence of at least floater_conf
 * (floater_margin > 0; Gaussians with bit 0 are not tested).  counts
 * receives the two counts. */
int sgs_floater_flags(const struct sgs_trainer_opts *o, const struct sgs_scene *s,
		      const float *xyz, const float *logit_opacity, uint32_t n, uint8_t *flags,
		      uint32_t counts[2]);

/* ---- CoR-GS co-regularisation and FSGS unpooling (train/coreg.c) ---- */

/* For each of nq query points the distance to the nearest of nref
 * reference points (the k-d tree above); with skip_self (query is ref)
 * each point's other than itself.  INFINITY where there is none. */
int sgs_knn_nearest(const float *ref, uint64_t nref, const float *query, uint64_t nq,
		    int skip_self, float *dist);
/* The k (1..SGS_KNN_MAX) nearest other points of each of n points,
 * nearest first: idx[k i + j], dist[k i + j]; UINT32_MAX and INFINITY
 * past the points there are. */
int sgs_knn_neighbours(const float *xyz, uint64_t n, int k, uint32_t *idx, float *dist);

/* The iteration pseudo views start at: o->coreg_start, or a fifth of the
 * run for SGS_RECIPE. */
uint32_t sgs_coreg_start(const struct sgs_trainer_opts *o);

/* ---- warp consistency from virtual binocular views (train/warp.c) ---- */

/* The iteration the term starts at: o->warp_start, or a fifth of the run
 * for SGS_RECIPE. */
uint32_t sgs_warp_start(const struct sgs_trainer_opts *o);
/* The train views' mean distance to what they see: the mean of
 * sqrt(near far) over the train views with depth bounds, else the mean
 * distance of their centres from the centroid, else 1. */
float sgs_warp_distance(const struct sgs_scene *s);
/* The virtual camera: c moved by b along its own x axis (t_x - b). */
void sgs_warp_cam(const struct sgs_cam *c, float b, struct sgs_cam *out);

/* A camera between a and b: rotation slerped (world-to-camera, the short
 * way) and centre interpolated at s in [0, 1], then turned by the
 * rotation vector drot (radians, left-multiplied) and moved by dcentre;
 * a's intrinsics. */
void sgs_pseudo_cam(const struct sgs_cam *a, const struct sgs_cam *b, double s,
		    const double dcentre[3], const double drot[3], struct sgs_cam *out);

/* Co-pruning's test on host arrays: drop[i] = 1 for each of field a's na
 * points with no point of field b (nb) within the threshold, o->coprune_dist
 * or o->coprune_mult x a's spacing: the median of the mean distance of
 * its points to their SGS_COPRUNE_KNN nearest (the nearest alone is 0 for
 * Inria's clones, which sit on their source until Adam moves them);
 * written to *threshold; *count the dropped. */
int sgs_coprune_flags(const struct sgs_trainer_opts *o, const float *xa, uint32_t na,
		      const float *xb, uint32_t nb, uint8_t *drop, float *threshold,
		      uint32_t *count);

/* Unpooling's plan on host arrays: the pairs (source i, neighbour j), j
 * one of i's o->unpool_knn nearest, whose distance is above the
 * threshold (o->unpool; written to *threshold), each pair once, at most
 * `budget` of them (the largest gaps first, then by index), into
 * pairs[2 m] (malloc'ed, *npairs = m). */
int sgs_unpool_pairs(const struct sgs_trainer_opts *o, const float *xyz, uint32_t n,
		     uint32_t budget, uint32_t **pairs, uint32_t *npairs, float *threshold);

/* ---- the loop ---- */

struct sgs_trainer;

/* What one iteration did. */
struct sgs_step_info {
	uint32_t iteration; /* 1-based number of the iteration just done */
	uint32_t view;      /* scene view index it trained on (of the pseudo
	                     * scene when pseudo is set) */
	int pseudo;         /* the iteration trained on a pseudo view */
	double l1, ssim, mse, loss, psnr; /* of that view (the first field) */
	int nterms;
	double terms[SGS_MAX_TERMS]; /* weighted value of each measured loss
	                              * term (sgs_trainer_term_names) */
	uint32_t gaussians; /* count after the iteration */
	int sh_active;
	int densified, opacity_reset;
	int floater_pass;      /* floater pruning ran, and took (set their
	                        * opacity to nothing, for the strategy to
	                        * prune or relocate): */
	uint32_t floaters[2];  /* kNN outliers, Gaussians in front of a prior */
	int coprune_pass;      /* co-pruning ran before the iteration and */
	uint32_t copruned[2];  /* dropped this many Gaussians of each field */
	uint32_t unpooled;     /* Gaussians unpooling added (the first field) */
	struct sgs_densify_stats dstats;
	double seconds;     /* training time so far, resumed runs included */
};

/* The memory a run needs at its peak, estimated up front: the Gaussian
 * cap times the bytes of one Gaussian (optimiser state, the old arrays
 * beside the new ones when the state last grows, rasterizer buffers and
 * tile pairs) for every field, the train views' ground truth and depth
 * priors, and the per-pixel buffers of the largest view.  o->max_gaussians
 * must be resolved (not 0). */
struct sgs_train_memory {
	uint64_t per_gaussian; /* bytes, one field */
	uint64_t gaussians;    /* cap x per_gaussian x fields */
	uint64_t images;
	uint64_t pixels;
	uint64_t total;
};
void sgs_trainer_memory(const struct sgs_scene *s, const struct sgs_trainer_opts *o,
			struct sgs_train_memory *m);

/* Build Gaussians for s's train views as o says and upload everything.
 * The scene must outlive the trainer.  Both this and resume refuse a run
 * whose sgs_trainer_memory is more than the backend has available
 * ("training needs about 4.6 TiB (...) but the cpu backend has 22.8 GiB
 * available; lower --max-gaussians"). */
int sgs_trainer_new(const struct sgs_backend *be, const struct sgs_scene *s, const struct sgs_trainer_opts *o,
		    struct sgs_trainer **out);
/* Continue from a checkpoint written by sgs_trainer_checkpoint for the
 * same scene.  iterations > 0 replaces the stored total (which changes
 * the learning-rate and densification schedule of what remains). */
int sgs_trainer_resume(const struct sgs_backend *be, const struct sgs_scene *s, const char *path, uint32_t iterations,
		       struct sgs_trainer **out);
void sgs_trainer_free(struct sgs_trainer *t);

/* One iteration; -1 with "iteration N: ..." on failure (the loss is NaN or
 * infinite, out of memory, a kernel failed). */
int sgs_trainer_step(struct sgs_trainer *t, struct sgs_step_info *info);
/* Iterations done so far, and the total the run is aiming for. */
uint32_t sgs_trainer_iteration(const struct sgs_trainer *t);
uint32_t sgs_trainer_iterations(const struct sgs_trainer *t);
uint32_t sgs_trainer_gaussians(const struct sgs_trainer *t);
/* The names of the loss terms that measure their value, in the order of
 * sgs_step_info.terms; returns their count (at most SGS_MAX_TERMS). */
int sgs_trainer_term_names(const struct sgs_trainer *t, const char **names);
/* The recipe as resolved (initialisation, cap, iterations) and the
 * schedule that follows from it. */
const struct sgs_trainer_opts *sgs_trainer_get_opts(const struct sgs_trainer *t);
const struct sgs_schedule *sgs_trainer_schedule(const struct sgs_trainer *t);
void sgs_trainer_set_inject_nan(struct sgs_trainer *t, uint32_t iteration);

/* Where the iterations' time went (make bench), summed over the
 * iterations since profiling was switched on: wall seconds of the forward
 * render, the image loss, the backward pass (rasterizer and projection,
 * parameter loss terms), the optimiser (densification step and Adam),
 * and the (tile, Gaussian) pairs and Gaussians rendered.  Profiling
 * synchronises the device between phases; it is off by default. */
struct sgs_trainer_profile {
	uint32_t iterations;
	double forward, loss, backward, optimise, total;
	uint64_t pairs, gaussians;
};
void sgs_trainer_profile_start(struct sgs_trainer *t);
void sgs_trainer_profile_get(const struct sgs_trainer *t, struct sgs_trainer_profile *p);

/* Mean PSNR and SSIM over the views of a split (SGS_SPLIT_TEST, ...),
 * each rendered on the scene background; masks are not applied.  views 0
 * when the split is empty. */
struct sgs_eval_result {
	uint32_t views;
	double psnr, ssim;
};
int sgs_trainer_evaluate(struct sgs_trainer *t, int split, struct sgs_eval_result *r);

/* Pseudo views (sgs-train --pseudo): every view of p, whatever its
 * split, trains every o->pseudo_every iterations in place of a train
 * view, its photometric gradient x o->pseudo_weight.  Call before the
 * first step (after a resume, with the pseudo scene of the checkpoint, or
 * with NULL to check that it had none); p must outlive the trainer.  A
 * weight of 0 leaves the run as without.
 * -1 with the pseudo view named (no image, not 8-bit RGB(A) of its
 * camera's size), or when the checkpoint was made with other pseudo
 * views. */
int sgs_trainer_set_pseudo(struct sgs_trainer *t, const struct sgs_scene *p);

/* The world-to-camera pose of train view i (a scene index) as the run
 * has it: the scene's, or refined (--refine-poses).  -1 when i is not a
 * train view. */
int sgs_trainer_view_pose(const struct sgs_trainer *t, uint32_t i, double R[9], double tr[3]);
/* The scene with the train views' poses as the run has them, every other
 * field and chunk as read, to path ("-": stdout) through a temporary
 * file renamed into place. */
int sgs_trainer_save_poses(const struct sgs_trainer *t, const char *path);
/* The same scene written to f (an output the caller commits). */
int sgs_trainer_write_poses(const struct sgs_trainer *t, FILE *f);

/* The current model (the first field) as host arrays (sgs_splats_alloc'ed
 * into out); _field: field k's. */
int sgs_trainer_export(const struct sgs_trainer *t, struct sgs_splats *out);
int sgs_trainer_export_field(const struct sgs_trainer *t, uint32_t k, struct sgs_splats *out);
/* Iteration it's pseudo view (CoR-GS): train views a and b (indices among
 * the train views) and s drawn from the seed and it, noise added
 * (sgs-train(1)). */
void sgs_trainer_pseudo_cam(const struct sgs_trainer *t, uint32_t it, struct sgs_cam *cam,
			    uint32_t *a, uint32_t *b, double *s);

/* Field k's baseline at iteration it: uniform in [-B, B), B =
 * warp_baseline x sgs_warp_distance, drawn from (seed, it) so a resumed
 * run draws the same. */
float sgs_trainer_warp_baseline(const struct sgs_trainer *t, uint32_t it, uint32_t k);

/* Everything that decides the rest of the run, written atomically (a
 * temporary file renamed into place); format in sgs-train(1). */
int sgs_trainer_checkpoint(const struct sgs_trainer *t, const char *path);

#endif
