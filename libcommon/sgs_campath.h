/* Novel camera paths around a scene's cameras, for videos: an orbit around
 * the point the cameras look at (object-centric captures, as Mip-NeRF 360
 * renders them) or LLFF's spiral in front of a forward-facing capture. */
#ifndef SGS_CAMPATH_H
#define SGS_CAMPATH_H

#include "sgs_scene.h"

enum sgs_path_kind { SGS_PATH_ORBIT, SGS_PATH_SPIRAL };

/* Parse "orbit" / "spiral". */
int sgs_path_parse(const char *word, int *kind);

/* Fill out[0..nframes) with cameras along the path.  The path is fitted to
 * the train views (all views if none is marked train); intrinsics and size
 * are those of the first of them. */
int sgs_camera_path(const struct sgs_scene *s, int kind, uint32_t nframes, struct sgs_camera *out);

/* A camera at `pos` looking at `target`, with `up` the world direction that
 * should appear up in the image (OpenCV axes: y down). */
int sgs_camera_look_at(const double pos[3], const double target[3], const double up[3],
		       struct sgs_camera *c);

#endif
