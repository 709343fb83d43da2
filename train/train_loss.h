/* The loss as a list of terms.  Each term has a name (its column in the
 * TSV log), a weight (constant or scheduled over the run) and the backend
 * op that adds its value and gradient.  Image terms run before the
 * backward pass and write gradients with respect to the render; parameter
 * terms (regularisers) run after it and add to the field's parameter
 * gradients.  A depth loss or a regulariser is one more entry. */
#ifndef SGS_TRAIN_LOSS_H
#define SGS_TRAIN_LOSS_H

#include <stdint.h>

#include "sgs_trainer.h"
#include "train_field.h"

enum { TERM_IMAGE, TERM_PARAMS };

/* Warp consistency's share of an iteration (train/warp.c): the field's
 * second raster context renders the virtual view, the image term warps
 * it and runs that render's backward into grad, the parameter term adds
 * grad once the train view's backward has written the field's. */
struct warp_eval {
	struct sgs_raster_ctx *ctx;
	struct sgs_cam cam;          /* the virtual camera */
	struct sgs_raster_opts ro;   /* the train render's (background, dropout) */
	struct sgs_warp_params p;    /* disp = fx b; weight set by the term */
	float *rgb, *dvirt;          /* backend, 3 x the view's pixels */
	struct sgs_gaussians *grad;  /* the field's gradient through the virtual view */
	int ready;                   /* grad holds this iteration's */
};

/* What a term sees in one iteration. */
struct loss_eval {
	const struct sgs_train_ops *ops;
	const struct sgs_trainer_opts *o;
	struct sgs_field *field;
	const float *img, *gt; /* render and ground truth, 3wh, backend */
	int w, h;
	float *dimg;           /* dL/d render; the photometric term writes it
	                        * first, later image terms add to it */
	uint32_t iteration;
	double l1, ssim, mse;  /* diagnostics of the photometric term */
	/* depth terms: the rendered expected depth, the view's prior and
	 * confidence (NULL when it has none), dL/d depth (zeroed before the
	 * image terms; a depth term adds to it and sets depth_used); NULL
	 * without depth terms */
	const float *depth, *prior, *conf;
	float *ddepth;
	int depth_used;
	float extent;          /* the scene radius (scale regularisers) */
	uint64_t seed;         /* the field's: the depth terms' random patches
	                        * and pairs are drawn from (seed, iteration) */
	/* CoR-GS: the field's gradient towards the other field's render of a
	 * pseudo view and its loss (NULL when none this iteration) */
	const struct sgs_gaussians *pseudo_grad;
	double pseudo_value;
	int pseudo;            /* the view is a pseudo view: the photometric
	                        * term is the pseudo term's */
	const struct sgs_backend *be;
	float *host;           /* host scratch of 3wh floats */
	struct warp_eval *warp; /* NULL: no warp term this iteration */
};

struct loss_term {
	const char *name;
	int stage;             /* TERM_IMAGE or TERM_PARAMS */
	int measured;          /* the op reports a value (a log column) */
	/* the weight at an iteration */
	float (*weight)(const struct sgs_trainer_opts *o, uint32_t iteration);
	/* add w x the term's gradient; its unweighted value into *value;
	 * 1: the term does not apply to this iteration (empty log cell) */
	int (*add)(struct loss_eval *e, float w, double *value);
};

/* Warp consistency's two halves (train/warp.c). */
int loss_warp_image(struct loss_eval *e, float w, double *value);
int loss_warp_params(struct loss_eval *e, float w, double *value);

/* The terms of a run, in evaluation order (at most SGS_MAX_TERMS). */
int loss_terms(const struct sgs_trainer_opts *o, const struct loss_term **out);

/* Evaluate the terms of one stage; values[k] receives term k's weighted
 * value (NAN when the op does not measure it or the term does not apply),
 * *total the sum. */
int loss_run(const struct loss_term *const *terms, int nterms, int stage, struct loss_eval *e,
	     double *values, double *total);

#endif
