/* The trainer's state, shared by train/trainer_*.c (the public side is
 * train/sgs_trainer.h). */
#ifndef SGS_TRAINER_INTERNAL_H
#define SGS_TRAINER_INTERNAL_H

#include "sgs_hull.h"
#include "sgs_trainer.h"
#include "train_densify.h"
#include "train_field.h"
#include "train_loss.h"

struct sgs_view;

/* A train view as the loop uses it. */
struct train_view {
	uint32_t scene_index;
	struct sgs_cam cam;
	int w, h;
	float *gt;     /* backend buffer, 3wh in [0,1], composited on the
	                * scene background when the image has alpha */
	float *alpha;  /* host, wh, only for RGBA images when the background
	                * is random; gt then holds straight (unmatted) colour */
	float *rgb;    /* host, 3wh straight colour, with alpha above */
	float *prior;  /* backend, wh depth prior (0: none at a pixel), and */
	float *conf;   /* its confidence; both NULL when the view has none or
	                * the depth term is off */
};

/* CoR-GS's pseudo views (train/coreg.c): scratch, rebuilt every
 * iteration. */
struct trainer_coreg {
	float *rgb[SGS_MAX_FIELDS];           /* each field's render, 3 x largest view */
	struct sgs_gaussians grad[SGS_MAX_FIELDS]; /* its gradient towards the other's */
	uint32_t cap[SGS_MAX_FIELDS];         /* Gaussians grad[k] has room for */
	double value[SGS_MAX_FIELDS];         /* its loss (L1 + D-SSIM) */
	int ready;                            /* computed for this iteration */
	float cam_extent;                     /* sgs_scene_extent: the noise's scale */
};

/* Warp consistency's scratch (train/warp.c), rebuilt on resume. */
struct trainer_warp {
	struct sgs_raster_ctx *ctx[SGS_MAX_FIELDS]; /* each field's virtual view */
	float *rgb, *dvirt;                   /* 3 x largest view */
	struct sgs_gaussians grad[SGS_MAX_FIELDS];
	uint32_t cap[SGS_MAX_FIELDS];         /* Gaussians grad[k] has room for */
	float distance;                       /* sgs_warp_distance */
	struct warp_eval e;                   /* this iteration's */
};

/* A refined pose (--refine-poses): the world-to-camera R|t, and Adam's
 * moments of the twist (rho, omega) of the left update exp(xi^) [R|t]. */
struct train_pose {
	double R[9], t[3];
	double m[6], v[6];
	uint32_t steps;
};

struct sgs_trainer {
	const struct sgs_backend *be;
	const struct sgs_train_ops *ops; /* &be->train */
	const struct sgs_scene *scene;
	struct sgs_trainer_opts o;
	struct sgs_schedule sched;
	const struct densify_strategy *densify;
	const struct loss_term *terms[SGS_MAX_TERMS];
	int nterms;
	float extent;
	uint64_t fingerprint; /* of the train views, checked on resume */
	int white_bg;

	uint32_t ntrain;
	struct train_view *views;
	uint32_t *stack;      /* views left in this pass, popped from the end */
	uint32_t stack_len;

	/* Everything below decides the future and goes into checkpoints. */
	uint64_t rng_counter; /* draws taken from the trainer's stream */
	uint32_t iteration;   /* iterations done */
	uint32_t nfields;
	struct sgs_field fields[SGS_MAX_FIELDS];
	struct train_pose *poses; /* per train view with refine_poses, else NULL */

	/* Pseudo views (sgs_trainer_set_pseudo); pseudo_fp is their
	 * fingerprint (checkpointed), pseudo_weight the weight asked for. */
	const struct sgs_scene *pseudo_scene;
	struct train_view *pseudo;
	uint32_t npseudo;
	uint64_t pseudo_fp;
	float pseudo_weight;

	/* Scratch, rebuilt on resume. */
	struct sgs_render_out out; /* sized for the largest train view */
	float *dimg;               /* backend, 3 x largest view */
	float *ddepth;             /* backend, largest view: dL/d depth; NULL
	                            * without depth terms (then out.depth is
	                            * NULL too) */
	float *gt_scratch;         /* backend: GT composited on a random bg */
	float *host_scratch;       /* host twin of gt_scratch */
	size_t maxpix;             /* pixels the scratch buffers hold */
	double seconds;            /* training time, resumed runs included */
	int profiling;
	struct sgs_trainer_profile prof;
	struct trainer_coreg coreg;
	struct trainer_warp warp;
	int has_hull;                /* -I hull carved this run's start */
	struct sgs_hull_info hull;
};

/* Views, GT images, extent, fingerprint, strategy, loss terms and scratch
 * buffers for o (the fields are not touched).  t must be zeroed first. */
int trainer_setup(struct sgs_trainer *t, const struct sgs_backend *be, const struct sgs_scene *s,
		  const struct sgs_trainer_opts *o);
/* (Re)allocate the scratch buffers (render outputs, gradients, ground
 * truth) for views of up to maxpix pixels; kept when they are as large. */
int trainer_scratch(struct sgs_trainer *t, size_t maxpix);
/* The regularisers' options (sgs_trainer_opts) in range?  -1 with the
 * reason in why. */
int trainer_check_reg(const struct sgs_trainer_opts *o, char *why, size_t n);
/* The train-view fingerprint (cameras and image bytes). */
uint64_t trainer_fingerprint(const struct sgs_scene *s);
/* v's image as floats in [0,1] (3 per pixel): composited on bg, or, when
 * alpha is given, straight colour with the alpha (1 for RGB) in alpha. */
int trainer_view_rgb(const struct sgs_view *v, const float bg[3], float *rgb, float *alpha);
/* -1 with a message when the run's memory estimate (sgs_trainer_memory,
 * at t->o's resolved cap) is more than t->be says it has available. */
int trainer_check_memory(const struct sgs_trainer *t);
/* The seed of field k's own random draws (field 0: the run's seed). */
uint64_t trainer_field_seed(const struct sgs_trainer *t, uint32_t k);
/* Pose refinement (train/poses.c): the poses as the scene has them, and
 * one Adam step of train view k's from the pose gradient g (summed over
 * the fields); tv->cam follows. */
int trainer_poses_init(struct sgs_trainer *t);
void trainer_pose_step(struct sgs_trainer *t, uint32_t k, const struct sgs_cam_grad *g);
/* Does train view k refine its pose at iteration it? */
int trainer_pose_active(const struct sgs_trainer *t, uint32_t k, uint32_t it);
/* tv->cam from a refined pose. */
void trainer_pose_apply(const struct train_pose *p, struct sgs_cam *cam);
/* Fingerprint of a pseudo scene (cameras and images of every view). */
uint64_t trainer_pseudo_fingerprint(const struct sgs_scene *p);
/* Upload one view's image (composited on the scene background) into tv. */
int trainer_upload_view(struct sgs_trainer *t, struct train_view *tv, const struct sgs_view *v);
/* Floater pruning of field f (train/floaters.c): floaters found get an
 * opacity the strategy's step then prunes; counts into info. */
int trainer_floaters(struct sgs_trainer *t, struct sgs_field *f, struct sgs_step_info *info);

/* CoR-GS and FSGS (train/coreg.c): scratch for o (maxpix: the largest
 * view) and its release; both fields' pseudo views of iteration it and
 * their gradients (coreg.ready); co-pruning before iteration it when due
 * (counts per field); unpooling of field f at a densification step
 * (info->unpooled). */
int trainer_coreg_setup(struct sgs_trainer *t, size_t maxpix);
void trainer_coreg_free(struct sgs_trainer *t);
int trainer_coreg_pseudo(struct sgs_trainer *t, uint32_t it, const float bg[3]);
int trainer_coprune_due(const struct sgs_trainer *t, uint32_t it);
int trainer_coprune(struct sgs_trainer *t, uint32_t counts[2]);
int trainer_unpool_due(const struct sgs_trainer *t, uint32_t it);
int trainer_unpool(struct sgs_trainer *t, struct sgs_field *f, struct sgs_step_info *info);

/* Warp consistency (train/warp.c): scratch for views of up to maxpix
 * pixels and its release; field k's share of iteration it on train view
 * tv rendered with ro into *out (NULL when the term is off then). */
int trainer_warp_setup(struct sgs_trainer *t, size_t maxpix);
void trainer_warp_free(struct sgs_trainer *t);
int trainer_warp_prepare(struct sgs_trainer *t, uint32_t k, uint32_t it,
			 const struct train_view *tv, const struct sgs_raster_opts *ro,
			 struct warp_eval **out);

#endif
