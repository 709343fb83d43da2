/* The trainer's state, shared by kernels/trainer_*.c (the public side is
 * kernels/sgs_trainer.h). */
#ifndef SGS_TRAINER_INTERNAL_H
#define SGS_TRAINER_INTERNAL_H

#include "sgs_trainer.h"

/* Adam parameter groups, in checkpoint order. */
enum { GRP_MEANS, GRP_SCALES, GRP_QUATS, GRP_OPACITY, GRP_SH, NGROUPS };

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
};

struct sgs_trainer {
	const struct sgs_backend *be;
	const struct sgs_train_ops *ops;
	const struct sgs_scene *scene;
	struct sgs_trainer_opts o;
	struct sgs_schedule sched;
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
	uint32_t adam_step[NGROUPS]; /* Adam steps applied per group */
	int sh_active;
	struct sgs_train_state st;

	/* Scratch, rebuilt on resume. */
	struct sgs_raster_ctx *ctx;
	struct sgs_render_out out; /* sized for the largest train view */
	float *dimg;               /* backend, 3 x largest view */
	float *gt_scratch;         /* backend: GT composited on a random bg */
	float *host_scratch;       /* host twin of gt_scratch */
	double seconds;            /* training time, resumed runs included */
};

/* Views, GT images, extent, fingerprint and scratch buffers for o (the
 * Gaussians are not touched).  t must be zeroed first. */
int trainer_setup(struct sgs_trainer *t, const struct sgs_backend *be,
		  const struct sgs_train_ops *ops, const struct sgs_scene *s,
		  const struct sgs_trainer_opts *o);
/* Allocate the per-Gaussian state for n Gaussians (all zero). */
int trainer_alloc_state(struct sgs_trainer *t, uint32_t n);
/* The train-view fingerprint (cameras and image bytes). */
uint64_t trainer_fingerprint(const struct sgs_scene *s);

/* The per-Gaussian arrays of a set, with their lengths in floats. */
void trainer_arrays(const struct sgs_gaussians *g, float *p[5], size_t len[5]);

#endif
