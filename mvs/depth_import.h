/* External depth maps (a monocular network's output, one file per train
 * view) turned into metric depth priors: find the view's file, collect
 * anchors of known depth, fit scale and shift (depth_align.h), apply. */
#ifndef SGS_DEPTH_IMPORT_H
#define SGS_DEPTH_IMPORT_H

#include <stddef.h>

#include "depth_align.h"
#include "sgs_scene.h"

/* At most about this many anchors per view (a regular subset of them
 * when there are more): enough for the fit, which costs O(anchors). */
#define SGS_IMPORT_MAX_ANCHORS 4096

/* Where a view's anchors came from. */
enum sgs_anchor_source { SGS_ANCHORS_SEEDS = 0, SGS_ANCHORS_PRIOR = 1 };

/* The map of view v in dir: dir/NAME.tif, dir/NAME.tiff, dir/NAME.png or
 * dir/NAME_depth.tif (sgs-depth -o's), the first that exists; a single-channel float32 TIFF or a 16-bit gray
 * PNG (raw values; 0 reads as "no value", NaN).  Its size must be the
 * view's.  *path receives the file used (malloc'd). */
int sgs_depth_map_load(const char *dir, const struct sgs_view *v, float **map, char **path);

/* Anchors of view v: pairs (map value, metric z-depth).  From the view's
 * depth prior when it has one (its pixels with confidence above
 * SGS_PRIOR_CONF_MIN, on a regular stride), else from the scene's seed
 * points in front of the camera and inside the image, the nearest per
 * pixel unless one around it is clearly nearer; at most about
 * SGS_IMPORT_MAX_ANCHORS either way.  Anchors where the map has no finite value are left out.
 * m and z are malloc'd (NULL when *n is 0). */
int sgs_depth_anchors(const struct sgs_scene *s, const struct sgs_view *v, const float *map,
		      float **m, float **z, size_t *n, int *source);

/* The whole import of one view: load, anchor, fit, apply.  depth and conf
 * (w*h each, the caller's) receive the aligned depth and 1 where it is
 * positive and finite, 0 (and depth 0) elsewhere. */
int sgs_depth_import_view(const struct sgs_scene *s, const struct sgs_view *v, const char *dir,
			  const struct sgs_align_opts *o, float *depth, float *conf,
			  struct sgs_align_fit *fit, int *source);

#endif
