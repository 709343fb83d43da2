/* A scene written out as a COLMAP text model (sgs-init -x), so a scene
 * made here can go back to COLMAP or to the tools that read its models
 * (Inria's 3DGS, nerfstudio), and back into sgs-init -f colmap. */
#ifndef SGS_COLMAP_EXPORT_H
#define SGS_COLMAP_EXPORT_H

#include <stdint.h>

#include "sgs_scene.h"

struct sgs_colmap_export_stats {
	uint32_t nimages;
	uint64_t npoints, nobservations;
};

/* Write `dir`/sparse/0/{cameras,images,points3D}.txt and
 * `dir`/images/NAME.png: one PINHOLE camera and one image per view
 * (world-to-camera pose as COLMAP's qvec and tvec), the seed points with
 * a track of every view they project into.  `dir` must be absent or an
 * empty folder; the model is built in a temporary folder beside it and
 * renamed, so it appears complete or not at all.  `stats` may be NULL. */
int sgs_colmap_export(const struct sgs_scene *s, const char *dir,
		      struct sgs_colmap_export_stats *stats);

#endif
