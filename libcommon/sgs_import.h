/* Dataset import: every importer reads a capture into a `sgs_dataset`
 * (cameras and file names of all its images, seed points); the protocol
 * step then picks train/test views and loads only their pixels into a
 * `sgs_scene`.  See sgs-init(1). */
#ifndef SGS_IMPORT_H
#define SGS_IMPORT_H

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
};

void sgs_dataset_free(struct sgs_dataset *d);

/* Importers: `dir` is the dataset folder. */
int sgs_import_colmap(const char *dir, struct sgs_dataset *d);   /* sparse/0 text or binary + images/ */
int sgs_import_blender(const char *dir, struct sgs_dataset *d);  /* transforms_{train,test}.json */
int sgs_import_ngp(const char *dir, struct sgs_dataset *d);      /* transforms.json */
int sgs_import_llff(const char *dir, uint32_t downscale, struct sgs_dataset *d); /* poses_bounds.npy + images_N */
int sgs_import_dtu(const char *dir, struct sgs_dataset *d);      /* cameras_sphere.npz + image/ + mask/ */
/* Guess the format from the files in dir; NULL if none matches. */
const char *sgs_import_detect(const char *dir);

struct sgs_import_opts {
	const char *format;     /* NULL: detect */
	const char *protocol;   /* "llff", "blender", "dtu", "all"; NULL: "all" */
	int nviews;             /* -n, 0 = protocol default */
	const long *train_ids;  /* -t, NULL if not given */
	int ntrain;
	uint32_t downscale;     /* -r; 0 = protocol default (llff: images_8), 1 = full size */
	float background[3];    /* compositing colour for RGBA input */
	int background_set;     /* -B given: also the scene's background for opaque images
	                         * (otherwise black for them) */
	int keep_alpha;         /* store RGBA instead of compositing */
};

/* Select views by protocol and build the scene: loads and undistorts the
 * images of the chosen views, masks, seed points seen by >= 2 train views,
 * per-view near/far bounds. */
int sgs_protocol_apply(const struct sgs_dataset *d, const struct sgs_import_opts *o,
		       struct sgs_scene *s);
/* The whole of sgs-init for a dataset folder. */
int sgs_import(const char *dir, const struct sgs_import_opts *o, struct sgs_scene *s);

#endif
