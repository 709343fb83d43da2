/* The dataset importers: each reads one capture format in folder `dir`
 * into a sgs_dataset (sgs_dataset.h); on failure *d is left empty.
 * Layer 4 of the import stack (see sgs_import.h). */
#ifndef SGS_IMPORT_FORMATS_H
#define SGS_IMPORT_FORMATS_H

#include <stdint.h>

#include "sgs_dataset.h"

int sgs_import_colmap(const char *dir, struct sgs_dataset *d);   /* sparse/0 text or binary + images/ */
int sgs_import_blender(const char *dir, struct sgs_dataset *d);  /* transforms_{train,test}.json */
int sgs_import_ngp(const char *dir, struct sgs_dataset *d);      /* transforms.json */
int sgs_import_llff(const char *dir, uint32_t downscale, struct sgs_dataset *d); /* poses_bounds.npy + images_N */
int sgs_import_dtu(const char *dir, struct sgs_dataset *d);      /* cameras_sphere.npz + image/ + mask/ */

#endif
