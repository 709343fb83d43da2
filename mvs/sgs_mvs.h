/* Plane-sweep multi-view stereo between a scene's train views (sgs-depth's
 * `mvs` mode): per view, depth hypotheses uniform in inverse depth, the
 * backend's NCC cost against the best-ranked source views, aggregation
 * over the best K of them, winner-take-all with parabolic sub-hypothesis
 * refinement, PatchMatch-style passes over slanted and neighbouring
 * planes, then a geometric consistency check across the views that sets
 * the confidence.  sgs_mvs_fuse_points() turns the confident depths
 * into seed points.  mvs/README describes the algorithm and the defaults.
 *
 * Every function returns 0 on success or -1 with a message in
 * sgs_error_get(); none prints. */
#ifndef SGS_MVS_H
#define SGS_MVS_H

#include <stdint.h>

#include "sgs_kernels.h"
#include "sgs_scene.h"

struct sgs_mvs_opts {
	int ndepths;          /* hypotheses per view, uniform in 1/depth (96) */
	int radius;           /* NCC window half-size: (2r+1)^2 pixels (3) */
	int bilateral;        /* 1: bilateral-weighted NCC (0) */
	float sigma_color;    /* bilateral grey-level sigma, images in [0,1] (0.1) */
	float sigma_space;    /* bilateral distance sigma in pixels (0: radius) */
	int max_sources;      /* source views per reference, best ranked (4) */
	int best_k;           /* per pixel, mean of the K smallest source costs (2) */
	int refine;           /* PatchMatch-style refinement passes after the
			       * sweep (slanted planes, propagation) (8) */
	float max_cost;       /* an aggregated cost (1 - NCC) above this is no match
			       * and gets confidence 0 (0.5) */
	float consist_tol;    /* relative depth agreement of the check (0.01) */
	int min_consistent;   /* other views that must agree for a non-zero
			       * confidence (1) */
	float default_near;   /* depth range when a view has no bounds and no */
	float default_far;    /* seed point projects into it (0.1, 100) */
	/* called before the sweep of each train view (done counts from 1),
	 * for a tool's progress display; NULL: none (the default) */
	void (*progress)(void *arg, int done, int total, const char *view);
	void *progress_arg;
};

/* Fill o with the defaults above. */
void sgs_mvs_defaults(struct sgs_mvs_opts *o);

/* Fill depth_prior (z-depth, 0 where no depth) and depth_conf (in [0,1], 0
 * where the check failed) of every train view of s, replacing any there.
 * Needs at least two train views with images.  Test views are not used. */
int sgs_mvs_depth(const struct sgs_backend *be, struct sgs_scene *s, const struct sgs_mvs_opts *o);

/* The depth range of train view v: its near/far bounds when set, else the
 * 2nd..98th percentile of the seed points' depths in front of it (widened
 * by 20%), else the defaults of o.  Writes *near < *far; returns which
 * source was used: 0 bounds, 1 seeds, 2 defaults. */
int sgs_mvs_depth_range(const struct sgs_scene *s, uint32_t v, const struct sgs_mvs_opts *o,
			float *near, float *far);

/* The source views of reference view `ref` among the train views with
 * images, best first: scored by the triangulation angle at the point the
 * reference sees at the middle of its depth range (preferring about 10
 * degrees, dropping views that look away or have no baseline).  Writes up
 * to max indices into out; returns how many. */
int sgs_mvs_rank_sources(const struct sgs_scene *s, uint32_t ref, float near, float far,
			 uint32_t *out, int max);

struct sgs_mvs_fuse_opts {
	float min_conf;   /* pixels with a lower confidence are left out (0.25) */
	float voxel_rel;  /* voxel edge as a fraction of the median fused depth
			   * (0.005): points in one voxel merge into their mean */
	int stride;       /* use every stride-th pixel per axis (1) */
};

void sgs_mvs_fuse_defaults(struct sgs_mvs_fuse_opts *o);

/* Back-project the confident depths of all train views to world points,
 * coloured from their images, merge them on a voxel grid (position and
 * colour averaged per voxel, in a fixed order) and make them the seed
 * points of s, replacing those there.  *npoints (may be NULL) receives
 * their number.  An error when no view has a confident depth. */
int sgs_mvs_fuse_points(struct sgs_scene *s, const struct sgs_mvs_fuse_opts *o,
			uint64_t *npoints);

#endif
