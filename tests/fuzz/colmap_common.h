/* The COLMAP harnesses (fuzz_colmap_text.c, fuzz_colmap_bin.c): the input
 * is cameras, images and points3D separated by FZ_SEP, written into
 * sparse/0/ of a dataset folder whose images/ holds a.png, b.png and
 * c.png; then the whole importer (reader and model builder) runs. */
#ifndef COLMAP_COMMON_H
#define COLMAP_COMMON_H

#include <limits.h>

#include "fuzzlib.h"
#include "sgs_error.h"
#include "sgs_import.h"

static int colmap_one(const uint8_t *data, size_t size, const char *ext)
{
	static int ready;
	static const char *files[3] = {"cameras", "images", "points3D"};
	char rel[64], root[PATH_MAX];
	if (!ready) {
		for (int i = 0; i < 3; i++) {
			char img[32];
			snprintf(img, sizeof img, "colmap/images/%c.png", 'a' + i);
			fz_write(img, "", 0); /* the builder only asks whether they exist */
		}
		ready = 1;
	}
	const uint8_t *part[3] = {NULL, NULL, NULL};
	size_t len[3] = {0, 0, 0};
	fz_split(data, size, part, len, 3);
	for (int i = 0; i < 3; i++) {
		snprintf(rel, sizeof rel, "colmap/sparse/0/%s.%s", files[i], ext);
		fz_write(rel, part[i] ? part[i] : (const uint8_t *)"", len[i]);
	}
	struct sgs_dataset d;
	if (fz_note("sgs_import_colmap", sgs_import_colmap(fz_path(root, "colmap"), &d)) == 0) {
		FZ_ASSERT(d.nviews > 0 && d.views);
		for (uint64_t i = 0; i < d.npoints; i++)
			for (uint64_t k = d.track_start[i]; k < d.track_start[i + 1]; k++)
				FZ_ASSERT(d.track[k] < d.nviews);
		sgs_dataset_free(&d);
	}
	sgs_error_clear();
	return 0;
}

#endif
