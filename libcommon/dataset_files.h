/* Helpers shared by the importers and the format detection: checked path
 * joins, sorted listings of image files, image sizes, view names from file
 * names.  Layer 2 of the import stack (see sgs_import.h). */
#ifndef SGS_DATASET_FILES_H
#define SGS_DATASET_FILES_H

#include <stddef.h>
#include <stdint.h>

/* buf = a "/" b; -1 with a message if it does not fit. */
int sgs_path_join(char *buf, size_t size, const char *a, const char *b);
int sgs_is_dir(const char *path);
int sgs_is_file(const char *path);

/* Names (not paths) of the PNG/JPEG files in dir (by extension, any case),
 * sorted by strcmp as Python's sorted() does.  *names is one allocation:
 * free it with free().  An empty folder gives *n = 0. */
int sgs_list_images(const char *dir, char ***names, uint32_t *n);

/* File name without folder and extension, truncated to size. */
void sgs_file_stem(const char *name, char *stem, size_t size);

/* Width and height of an image file (decodes it). */
int sgs_image_size(const char *path, uint32_t *w, uint32_t *h);

/* View name of an image path relative to the dataset folder: extension
 * dropped, folders joined by '_' ("sub/IMG_1.JPG" -> "sub_IMG_1"); a name
 * that starts with its only dot (".hidden") has no extension.  *has_ext
 * says whether `rel` has one, also on failure.  -1, with no message set,
 * when the name needs more than size bytes (NUL included). */
int sgs_view_name(const char *rel, char *name, size_t size, int *has_ext);

#endif
