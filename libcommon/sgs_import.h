/* Dataset import, the whole of sgs-init for a dataset folder (see
 * sgs-init(1)): an importer reads a capture into a `sgs_dataset` (cameras
 * and file names of all its images, seed points); the protocol step then
 * picks train/test views and loads only their pixels into a `sgs_scene`.
 *
 * The import stack in layers; a file includes headers of its own layer or
 * lower ones, never higher (tests/layers.sh checks it):
 *   7 umbrella        sgs_import.[ch]: format detection, importer + protocol
 *   6 protocol        sgs_protocol.[ch], protocol_*.c
 *   5 importers       import_formats.h, import_{colmap,blender,llff,dtu}.c
 *   4 colmap builder  colmap_build.[ch]: parsed model -> sgs_dataset
 *   3 colmap model    colmap_model.[ch], colmap_text.c, colmap_binary.c
 *   2 helpers         dataset_files.[ch]: paths, image listings, sizes, names
 *   1 dataset         sgs_dataset.[ch]: the importers' common result
 *   0 base            the rest of libcommon (sgs_camera, sgs_image, sgs_npy...)
 * and libcommon as a whole is below kernels/, train/ and cmd/.
 * This header pulls in layers 1, 5 and 6 for sgs-init and the tests. */
#ifndef SGS_IMPORT_H
#define SGS_IMPORT_H

#include "import_formats.h"
#include "sgs_dataset.h"
#include "sgs_protocol.h"
#include "sgs_scene.h"

/* 1 when `name` is a dataset format sgs_import() reads (colmap, blender,
 * ngp, llff, dtu). */
int sgs_import_format_known(const char *name);

/* Guess the format from the files in dir; NULL if none matches. */
const char *sgs_import_detect(const char *dir);

/* The whole of sgs-init for a dataset folder: detect (unless o->format),
 * import, apply the protocol. */
int sgs_import(const char *dir, const struct sgs_import_opts *o, struct sgs_scene *s);

#endif
