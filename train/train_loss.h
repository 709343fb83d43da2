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

/* The terms of a run, in evaluation order (at most SGS_MAX_TERMS). */
int loss_terms(const struct sgs_trainer_opts *o, const struct loss_term **out);

/* Evaluate the terms of one stage; values[k] receives term k's weighted
 * value (NAN when the op does not measure it or the term does not apply),
 * *total the sum. */
int loss_run(const struct loss_term *const *terms, int nterms, int stage, struct loss_eval *e,
	     double *values, double *total);

#endif
