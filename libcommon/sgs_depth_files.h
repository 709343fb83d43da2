/* Depth priors as files in a folder, named after their view:
 * STEM_depth.tif (float32 z-depth), STEM_depth.png (viridis preview) and
 * STEM_conf.png (8-bit confidence). */
#ifndef SGS_DEPTH_FILES_H
#define SGS_DEPTH_FILES_H

#include <stdint.h>

/* Confidence above which a prior pixel counts as confident (previews,
 * their range, and sgs-eval's prior scores). */
#define SGS_PRIOR_CONF_MIN 0.5f

/* 0 when `stem` names a file inside a folder: not empty, no '/', not
 * "." or "..", no control characters; otherwise -1 with a message. */
int sgs_stem_check(const char *stem);

/* "dir/stem suffix" in a malloc'd string, after sgs_stem_check(stem);
 * NULL with a message on failure. */
char *sgs_stem_path(const char *dir, const char *stem, const char *suffix);

/* The three files of one view's prior in `dir` (which must exist), each
 * written under a temporary name and renamed when complete. */
int sgs_depth_preview_write(const char *dir, const char *stem, uint32_t w, uint32_t h,
			    const float *depth, const float *conf);

#endif
