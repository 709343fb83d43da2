/* What the files of mvs/ share: the per-view working state of one
 * sgs_mvs_depth() run and the steps it is made of. */
#ifndef SGS_MVS_INTERNAL_H
#define SGS_MVS_INTERNAL_H

#include <stdint.h>

#include "sgs_mvs.h"

/* One train view while the sweep runs. */
struct mvs_view {
	uint32_t index;   /* in the scene */
	int w, h;
	float near, far;  /* its hypothesis range */
	float *grey;      /* backend buffer: w*h grey levels in [0,1] */
	float *depth;     /* host w*h: refined winner-take-all z, 0 = none */
	float *cost;      /* host w*h: aggregated cost of the winner */
};

/* Grey levels in [0,1] (Rec. 601 weights) of an 8- or 16-bit image with
 * 1..4 channels, into host memory of w*h floats. */
int mvs_grey(const struct sgs_image *img, float *out);

/* Depth of hypothesis k of n, uniform in inverse depth from near (k = 0)
 * to far (k = n - 1); a fractional k interpolates the inverse depth. */
float mvs_hypothesis(float near, float far, int n, float k);

#define MVS_MAX_SOURCES 16

/* The backend's view of reference ref against each source (nsrc <=
 * MVS_MAX_SOURCES). */
void mvs_pairs(const struct sgs_scene *s, const struct mvs_view *ref,
	       const struct mvs_view *const *src, int nsrc, const struct sgs_mvs_opts *o,
	       struct sgs_mvs_pair *pair);
/* Mean of the k smallest of c[0..n). */
float mvs_mean_best(const float *c, int n, int k);

/* The sweep of one reference view against its sources (mvs_sweep.c):
 * fills ref->depth and ref->cost. */
int mvs_sweep(const struct sgs_backend *be, const struct sgs_scene *s, struct mvs_view *ref,
	      const struct mvs_view *const *src, int nsrc, const struct sgs_mvs_opts *o);

/* The PatchMatch-style refinement (mvs_refine.c): o->refine passes over
 * ref->depth and ref->cost, each trying per pixel its own plane, a plane
 * slanted along the depth map's local normal and its four neighbours'
 * planes, keeping the one of least aggregated cost. */
int mvs_refine(const struct sgs_backend *be, const struct sgs_scene *s, struct mvs_view *ref,
	       const struct mvs_view *const *src, int nsrc, const struct sgs_mvs_opts *o);

/* The geometric consistency check (mvs_consistency.c): confidence of every
 * pixel of view i from the other views' depths, into conf (w*h). */
void mvs_consistency(const struct sgs_scene *s, const struct mvs_view *views, int nviews,
		     int i, const struct sgs_mvs_opts *o, float *conf);

#endif
