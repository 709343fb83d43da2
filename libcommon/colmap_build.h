/* The COLMAP model builder: a parsed sparse model (colmap_model.h) turned
 * into the importers' common result (sgs_dataset.h): cameras and lenses,
 * poses, view names and image paths, points with their tracks.  Layer 3 of
 * the import stack (see sgs_import.h), used by import_colmap.c. */
#ifndef COLMAP_BUILD_H
#define COLMAP_BUILD_H

#include "colmap_model.h"
#include "sgs_dataset.h"

/* Check m (images, unique camera and image ids, supported camera models,
 * finite values) and fill d from it: views sorted by image name, image
 * files looked up under dir/images/ (they must exist).  Messages name
 * model_dir, the folder m was read from.  m->images is sorted in place.
 * On failure d may hold a part: sgs_dataset_free() it. */
int colmap_build_dataset(const char *dir, const char *model_dir, struct colmap_model *m,
			 struct sgs_dataset *d);

#endif
