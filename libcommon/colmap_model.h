/* A COLMAP sparse model as read from cameras/images/points3D, before it is
 * turned into a sgs_dataset.  Internal to the COLMAP importer: the text and
 * binary readers (colmap_text.c, colmap_binary.c) fill it through the
 * functions of colmap_model.c, the builder (colmap_build.h) converts it.
 * Layer 3 of the import stack (see sgs_import.h): nothing of sgs's dataset
 * types here. */
#ifndef COLMAP_MODEL_H
#define COLMAP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define COLMAP_MAX_PARAMS 16

struct colmap_camera {
	uint32_t id;
	int model;      /* COLMAP's model id (0 SIMPLE_PINHOLE, 1 PINHOLE, ...) */
	uint64_t w, h;
	double params[COLMAP_MAX_PARAMS];
};

struct colmap_image {
	uint32_t id, camera_id;
	double q[4];    /* world-to-camera rotation, (w, x, y, z) */
	double t[3];
	char *name;     /* path relative to images/ */
};

struct colmap_model {
	size_t ncameras, cap_cameras;
	struct colmap_camera *cameras;
	size_t nimages, cap_images;
	struct colmap_image *images;
	/* Points, with the image ids that observed each point i in
	 * track[track_start[i] .. track_start[i+1]). */
	uint64_t npoints, cap_points;
	double *xyz;
	uint8_t *rgb;
	uint64_t *track_start; /* npoints+1 entries once the first point exists */
	uint64_t ntrack, cap_track;
	uint32_t *track;
};

/* COLMAP's camera model table: id <-> name <-> parameter count; -1 or NULL
 * for an unknown one. */
int colmap_model_by_name(const char *name);
const char *colmap_model_name(int model);
int colmap_model_nparams(int model);
/* The sgs lens (enum sgs_lens) of a model; -1 for one sgs cannot
 * undistort, or an unknown one. */
int colmap_model_lens(int model);

/* Growing the model (the returned slot is zeroed); NULL/-1 on no memory. */
struct colmap_camera *colmap_add_camera(struct colmap_model *m);
struct colmap_image *colmap_add_image(struct colmap_model *m);
int colmap_add_point(struct colmap_model *m, const double xyz[3], const uint8_t rgb[3]);
int colmap_add_observation(struct colmap_model *m, uint32_t image_id);
void colmap_model_free(struct colmap_model *m);

/* Read cameras, images, points3D from `dir` (the sparse/0 folder). */
int colmap_read_text(const char *dir, struct colmap_model *m);
int colmap_read_binary(const char *dir, struct colmap_model *m);

#endif
