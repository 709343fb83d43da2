/* COLMAP sparse model -> sgs_dataset: finds the model folder, reads it
 * (binary preferred over text) and hands it to the model builder
 * (colmap_build.c), which checks it and converts cameras, poses and
 * points. */
#include <stdio.h>
#include <string.h>

#include "colmap_build.h"
#include "colmap_model.h"
#include "dataset_files.h"
#include "import_formats.h"
#include "sgs_dataset.h"
#include "sgs_error.h"

/* dir/sparse/0, else dir/sparse; binary when cameras.bin is there. */
static int find_model(const char *dir, char *model_dir, size_t size, int *binary)
{
	static const char *subdirs[] = {"sparse/0", "sparse"};
	char path[PATH_MAX + 32];
	for (int i = 0; i < 2; i++) {
		snprintf(model_dir, size, "%s/%s", dir, subdirs[i]);
		snprintf(path, sizeof path, "%s/cameras.bin", model_dir);
		if (sgs_is_file(path)) {
			*binary = 1;
			return 0;
		}
		snprintf(path, sizeof path, "%s/cameras.txt", model_dir);
		if (sgs_is_file(path)) {
			*binary = 0;
			return 0;
		}
	}
	return sgs_error_set("%s: no COLMAP model (sparse/0/cameras.bin or .txt)", dir);
}

int sgs_import_colmap(const char *dir, struct sgs_dataset *d)
{
	char model_dir[PATH_MAX];
	struct colmap_model m;
	int binary = 0;

	memset(d, 0, sizeof *d);
	memset(&m, 0, sizeof m);
	snprintf(d->format, sizeof d->format, "colmap");
	if (find_model(dir, model_dir, sizeof model_dir, &binary) < 0)
		return -1;
	int r = binary ? colmap_read_binary(model_dir, &m) : colmap_read_text(model_dir, &m);
	if (r == 0)
		r = colmap_build_dataset(dir, model_dir, &m, d);
	colmap_model_free(&m);
	if (r < 0)
		sgs_dataset_free(d);
	return r;
}
