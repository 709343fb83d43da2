/* The importers' common result: a capture read into a `sgs_dataset`
 * (cameras and file names of all its images, seed points), before the
 * protocol step picks views and loads pixels.  The bottom layer of the
 * import stack (see sgs_import.h): types only, no importer behind them. */
#ifndef SGS_DATASET_H
#define SGS_DATASET_H

#include <limits.h>
#include <stdint.h>

#include "sgs_camera.h"
#include "sgs_scene.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

enum sgs_pool { SGS_POOL_ANY = 0, SGS_POOL_TRAIN = 1, SGS_POOL_TEST = 2 };

struct sgs_dataset_view {
	char name[SGS_NAME_MAX];     /* e.g. "IMG_4026", "test_r_0", "000025" */
	char image_path[PATH_MAX];
	char mask_path[PATH_MAX];    /* "" when none */
	int mask_missing;            /* the format gives every view a mask and
	                              * this one's file is absent: mask_path is
	                              * where it was looked for, and unread */
	uint32_t pool;               /* enum sgs_pool: Blender train/test files */
	/* Camera of the image as stored on disk (w, h of that file), before
	 * any -r downscale.  For distorted COLMAP cameras, cam holds the
	 * distorted intrinsics and dist the lens; the loader undistorts. */
	struct sgs_camera cam;
	struct sgs_distortion dist;
	float near, far;             /* capture-given depth bounds, 0 if none */
};

struct sgs_dataset {
	char format[16];             /* "colmap", "blender", "ngp", "llff", "dtu" */
	uint32_t nviews;
	struct sgs_dataset_view *views; /* in the dataset's natural order (sorted by name for llff/colmap) */
	/* Seed points (COLMAP points3D), with the views that observed each:
	 * views of point i are track[track_start[i] .. track_start[i+1]). */
	uint64_t npoints;
	float *xyz;                  /* 3*npoints */
	uint8_t *rgb;                /* 3*npoints */
	uint64_t *track_start;       /* npoints+1 */
	uint32_t *track;             /* view indices into views[] */
	/* Images with an alpha channel are composited over this (Blender). */
	float background[3];
	int has_alpha;
	/* Frames left out because their image file is absent (instant-ngp
	 * skips them too); the import warns with the count. */
	uint32_t nabsent;
};

/* Frees every array and zeroes *d (safe on a zeroed or half-built one). */
void sgs_dataset_free(struct sgs_dataset *d);

#endif
