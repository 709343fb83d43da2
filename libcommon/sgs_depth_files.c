/* Writing a depth prior and its previews next to each other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_colormap.h"
#include "sgs_depth_files.h"
#include "sgs_error.h"
#include "sgs_image.h"

static int write_png(const char *dir, const char *stem, const char *suffix, struct sgs_image *img)
{
	char *path = sgs_stem_path(dir, stem, suffix);
	int rc = path ? sgs_png_write(path, img) : -1;
	free(path);
	sgs_image_free(img);
	return rc;
}

int sgs_depth_preview_write(const char *dir, const char *stem, uint32_t w, uint32_t h,
			    const float *depth, const float *conf)
{
	struct sgs_image img;
	char *path = sgs_stem_path(dir, stem, "_depth.tif");
	if (!path)
		return -1;
	int rc = sgs_tiff_write_float(path, w, h, 1, depth);
	free(path);
	if (rc != 0)
		return -1;
	if (sgs_depth_colorize(depth, conf, w, h, SGS_PRIOR_CONF_MIN, &img) != 0 ||
	    write_png(dir, stem, "_depth.png", &img) != 0)
		return -1;
	if (sgs_conf_image(conf, w, h, &img) != 0 || write_png(dir, stem, "_conf.png", &img) != 0)
		return -1;
	return 0;
}
