/* Depth priors as files in a folder, named after their view:
 * STEM_depth.tif (float32 z-depth), STEM_depth.png (viridis preview) and
 * STEM_conf.png (8-bit confidence). */
#ifndef SGS_DEPTH_FILES_H
#define SGS_DEPTH_FILES_H

#include <stdint.h>

#include "sgs_output.h" /* sgs_stem_path */

/* Confidence above which a prior pixel counts as confident (previews,
 * their range, and sgs-eval's prior scores). */
#define SGS_PRIOR_CONF_MIN 0.5f

/* The three files of one view's prior in `dir` (which must exist), each
 * written under a temporary name and renamed when complete. */
int sgs_depth_preview_write(const char *dir, const char *stem, uint32_t w, uint32_t h,
			    const float *depth, const float *conf);

#endif
