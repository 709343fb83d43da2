/* Aligning a relative depth map (a monocular network's output, known only
 * up to scale and shift) to metric depth at a few anchor pixels:
 *     depth      = s m + t     (a depth-like map)
 *     1 / depth  = s m + t     (a disparity-like map)
 * found robustly (RANSAC on pairs, then weighted least squares on the
 * inliers), deterministically for a given seed. */
#ifndef SGS_DEPTH_ALIGN_H
#define SGS_DEPTH_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#define SGS_ALIGN_MIN_ANCHORS 10

struct sgs_align_opts {
	int disparity;        /* 1: the map is inverse-depth-like */
	double inlier_rel;    /* |d - z| / z below this is an inlier (0.05) */
	uint32_t iterations;  /* RANSAC pair draws (1000) */
	uint32_t min_anchors; /* fewer is an error (SGS_ALIGN_MIN_ANCHORS) */
	uint64_t seed;        /* the pair draws; same seed, same fit */
};

struct sgs_align_fit {
	double scale, shift;  /* s and t above */
	uint32_t anchors;     /* anchors given */
	uint32_t inliers;     /* within inlier_rel after the refit */
	double median_rel;    /* median |d - z| / z over all anchors */
};

void sgs_align_defaults(struct sgs_align_opts *o);

/* Fit s, t from n anchors: m[i] the map's value there, z[i] > 0 the metric
 * depth.  The scale must come out positive (larger m means farther for a
 * depth map, nearer for a disparity map).  Fails with a message when n is
 * below o->min_anchors or no two anchors agree on a positive scale. */
int sgs_align_fit(const float *m, const float *z, size_t n, const struct sgs_align_opts *o,
		  struct sgs_align_fit *fit);

/* The aligned depth of a map value; 0 where it is not positive and finite
 * (a disparity at or beyond infinity, a NaN in the map). */
float sgs_align_apply(const struct sgs_align_fit *fit, int disparity, float m);

#endif
