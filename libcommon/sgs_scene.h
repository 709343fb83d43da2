/* A scene: posed views with their images, the train/test split, optional
 * masks, depth and seed points.  Read and written as the chunked `.sgs`
 * stream documented in sgs-formats(5). */
#ifndef SGS_SCENE_H
#define SGS_SCENE_H

#include <stdint.h>
#include <stdio.h>

#include "sgs_image.h"

#define SGS_SCENE_VERSION 1
#define SGS_NAME_MAX 64 /* view names, NUL included */

enum sgs_split { SGS_SPLIT_NONE = 0, SGS_SPLIT_TRAIN = 1, SGS_SPLIT_TEST = 2 };

/* Pinhole camera, OpenCV convention (x right, y down, z forward).
 * x_cam = R * x_world + t; pixel = (fx*x/z + cx, fy*y/z + cy), pixel
 * centres at +0.5 (the top-left pixel spans [0,1)). */
struct sgs_camera {
	uint32_t w, h;
	double fx, fy, cx, cy;
	double R[9]; /* row-major world-to-camera rotation */
	double t[3];
};

struct sgs_view {
	char name[SGS_NAME_MAX];  /* output file stem, e.g. "IMG_4026" */
	uint32_t id;              /* index in the source dataset's ordering */
	uint32_t split;           /* enum sgs_split */
	struct sgs_camera cam;
	float near, far;          /* depth bounds along z, 0 if unknown */
	struct sgs_image image;   /* 8-bit, 3 or 4 channels; data NULL if absent */
	uint8_t *mask;            /* w*h, 0 background / 255 object; NULL if absent */
	float *depth_gt;          /* w*h ground-truth z-depth, 0 = no surface; NULL if absent */
	float *depth_prior;       /* w*h prior z-depth for training, NULL if absent */
	float *depth_conf;        /* w*h confidence in [0,1] for depth_prior */
};

/* A chunk this version does not interpret, carried through verbatim. */
struct sgs_chunk {
	char tag[4];
	uint32_t flags;
	uint64_t length;
	uint8_t *payload;
};

struct sgs_scene {
	char source[32];        /* importer that made it: "llff", "blender", ... */
	char protocol[32];      /* "llff", "blender", "dtu", "all", "explicit" */
	float background[3];    /* colour images were composited on, in [0,1] */
	uint32_t nviews;
	struct sgs_view *views;
	uint64_t nseeds;
	float *seed_xyz;        /* 3*nseeds */
	uint8_t *seed_rgb;      /* 3*nseeds */
	uint32_t nextra;
	struct sgs_chunk *extra; /* unknown chunks, in stream order */
};

void sgs_scene_init(struct sgs_scene *s);
void sgs_scene_free(struct sgs_scene *s);
/* Append n zeroed views; returns a pointer to the first new one or NULL. */
struct sgs_view *sgs_scene_add_views(struct sgs_scene *s, uint32_t n);
void sgs_view_free(struct sgs_view *v);

/* Read a whole scene from a stream (no seeking: pipes work).  `name` is the
 * file name used in messages ("-" or "<stdin>" for a pipe). */
int sgs_scene_read(FILE *f, const char *name, struct sgs_scene *s);
int sgs_scene_write(FILE *f, const struct sgs_scene *s);
/* Convenience: path "-" means stdin/stdout.  Writing a path goes through a
 * temporary file renamed on success, so a failure leaves nothing behind. */
int sgs_scene_load(const char *path, struct sgs_scene *s);
int sgs_scene_save(const char *path, const struct sgs_scene *s);

/* Checks every invariant a tool relies on (finite poses, orthonormal R,
 * positive focal lengths, image sizes matching cameras, unique names). */
int sgs_scene_validate(const struct sgs_scene *s);

/* Count views of a split (SGS_SPLIT_NONE counts all). */
uint32_t sgs_scene_count(const struct sgs_scene *s, uint32_t split);
/* Parse "train", "test", "all" → split value (SGS_SPLIT_NONE for all). */
int sgs_split_parse(const char *word, uint32_t *split);

#endif
