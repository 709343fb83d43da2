/* Visual-hull initialisation (sgs-train -I hull, --train-masks): carve a
 * voxel grid with the train views' masks and put Gaussians on the
 * surface of what remains.  Host code, deterministic: the same scene and
 * options give the same points on every machine and thread count. */
#ifndef SGS_HULL_H
#define SGS_HULL_H

#include <stddef.h>
#include <stdint.h>

struct sgs_scene;
struct sgs_view;

/* The defaults: voxels along the longest side of the carved region, and
 * the mask dilation in pixels that absorbs a few pixels of mask error
 * (sgs-train(1)). */
#define SGS_HULL_RES 128u
#define SGS_HULL_RES_MIN 16u
#define SGS_HULL_RES_MAX 512u
#define SGS_HULL_DILATE 2u
#define SGS_HULL_DILATE_MAX 64u

/* A carved grid: n[0] x n[1] x n[2] cubic voxels of side `voxel` from
 * corner lo; occ[(z n1 + y) n0 + x] is 1 for a kept voxel, 2 for a kept
 * voxel on the hull's surface (a 6-neighbour is carved away or outside
 * the grid), 0 for a carved one. */
struct sgs_hull {
	uint32_t n[3];
	double lo[3], voxel;
	uint8_t *occ;
	uint64_t kept, surface;
	uint32_t views; /* train views whose masks carved it */
};

/* The mask of view v for training into out (w h bytes, 0 or 255): its
 * mask chunk, else its alpha channel (>= 128 is the object).  0 when it
 * has neither (out untouched); out may be NULL to ask only. */
int sgs_view_train_mask(const struct sgs_view *v, uint8_t *out);
/* Does a train view of s have a mask (or alpha) for training? */
int sgs_scene_has_train_masks(const struct sgs_scene *s);

/* Carve: a voxel is kept when at least min(2, masked views) of the train
 * views with masks see its centre in their image and every one of them
 * has a mask pixel within `dilate` pixels plus the voxel's projected
 * half-diagonal of it.  Two passes: a coarse grid (res / 4, at least 16)
 * over the intersection of the views' mask frusta between their depth
 * bounds, then a grid of `res` voxels along the longest side over the
 * coarse hull's bounding box.  -1 with a message when no train view has
 * a mask or the masks share no volume. */
int sgs_hull_carve(const struct sgs_scene *s, uint32_t res, uint32_t dilate, struct sgs_hull *h);
void sgs_hull_free(struct sgs_hull *h);
/* The voxel index of world point p, or -1 outside the grid. */
int64_t sgs_hull_index(const struct sgs_hull *h, const double p[3]);

/* Points for the Gaussians: the centres of the surface voxels (the
 * interior is never seen, so Gaussians there would be wasted), all of
 * them or `max` spread evenly over their index order; coloured by the
 * mean of the train views that see the centre unoccluded (a z-buffer of
 * the surface voxels per view), else by the nearest such view's pixel
 * regardless of occlusion, else grey.  *xyz, *rgb malloc'ed (3 n each). */
int sgs_hull_points(const struct sgs_scene *s, const struct sgs_hull *h, uint64_t max, float **xyz,
		    uint8_t **rgb, uint64_t *n);

/* What a run's hull initialisation carved (sgs-train -v prints it). */
struct sgs_trainer;
struct sgs_hull_info {
	uint32_t n[3], views;
	double voxel;
	uint64_t kept, surface, points;
};
/* NULL unless the trainer was built with SGS_INIT_HULL (not on resume). */
const struct sgs_hull_info *sgs_trainer_hull(const struct sgs_trainer *t);
/* o's mask options in range and consistent (SGS_INIT_HULL needs
 * train_masks)?  -1 with the reason in why. */
struct sgs_trainer_opts;
int sgs_trainer_check_masks(const struct sgs_trainer_opts *o, char *why, size_t n);

#endif
