/* File-system helpers shared by the LLFF and DTU importers and the
 * protocol step: checked path joins and sorted listings of image files. */
#ifndef SGS_IMPORT_FILES_H
#define SGS_IMPORT_FILES_H

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

#endif
