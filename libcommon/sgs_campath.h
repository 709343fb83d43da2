/* Novel camera paths around a scene's cameras, for videos: an orbit around
 * the point the cameras look at (object-centric captures, as Mip-NeRF 360
 * renders them) or LLFF's spiral in front of a forward-facing capture. */
#ifndef SGS_CAMPATH_H
#define SGS_CAMPATH_H

#include "sgs_scene.h"

enum sgs_path_kind { SGS_PATH_ORBIT, SGS_PATH_SPIRAL, SGS_PATH_BETWEEN };

/* Parse "orbit" / "spiral" / "between". */
int sgs_path_parse(const char *word, int *kind);
/* The name of a path kind. */
const char *sgs_path_name(int kind);

/* Fill out[0..nframes) with cameras along the path.  The path is fitted to
 * the train views (all views if none is marked train); intrinsics and size
 * are those of the first of them.  SGS_PATH_BETWEEN instead runs through
 * those views in scene order (at least two): the frames are spread over
 * the n - 1 segments between consecutive views (the first nframes % (n -
 * 1) segments get one more), at fractions (i + 1) / (m + 1) of a segment
 * with m frames, so no frame falls on a view; the rotation is slerped,
 * the camera centre interpolated linearly, and the intrinsics and size
 * are those of the nearer end. */
int sgs_camera_path(const struct sgs_scene *s, int kind, uint32_t nframes, struct sgs_camera *out);

/* A camera at `pos` looking at `target`, with `up` the world direction that
 * should appear up in the image (OpenCV axes: y down). */
int sgs_camera_look_at(const double pos[3], const double target[3], const double up[3],
		       struct sgs_camera *c);

#endif
