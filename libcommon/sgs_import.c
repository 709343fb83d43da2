/* sgs-init's whole job for a dataset folder: recognise the format, run its
 * importer, then the protocol step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_files.h"
#include "import_formats.h"
#include "sgs_dataset.h"
#include "sgs_error.h"
#include "sgs_import.h"
#include "sgs_protocol.h"

#define LLFF_PROTOCOL_FACTOR 8 /* SPEC §5: the llff protocol is at 504x378 */

static int has(const char *dir, const char *name, int want_dir)
{
	char path[PATH_MAX];
	if (sgs_path_join(path, sizeof path, dir, name) != 0) {
		sgs_error_clear();
		return 0;
	}
	return want_dir ? sgs_is_dir(path) : sgs_is_file(path);
}

int sgs_import_format_known(const char *name)
{
	static const char *const names[] = {"colmap", "blender", "ngp", "llff", "dtu"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* The first match wins, so a full LLFF release (which also carries its
 * COLMAP model) is read as COLMAP, as 3DGS reads it; -f llff overrides. */
const char *sgs_import_detect(const char *dir)
{
	if (has(dir, "sparse/0", 1) || has(dir, "sparse/cameras.bin", 0) ||
	    has(dir, "sparse/cameras.txt", 0))
		return "colmap";
	if (has(dir, "transforms_train.json", 0))
		return "blender";
	if (has(dir, "transforms.json", 0))
		return "ngp";
	if (has(dir, "poses_bounds.npy", 0))
		return "llff";
	if (has(dir, "cameras_sphere.npz", 0))
		return "dtu";
	return NULL;
}

/* LLFF ships pre-shrunk copies (images_4/, images_8/) that are preferred
 * over shrinking images/ here; images/ is the fallback when the requested
 * images_N is missing, and then the loader does the downscaling.  Without
 * -r (downscale 0) the llff protocol means images_8; -r 1 is full size.  On return
 * *loader_factor is what the protocol step must still apply. */
static int import_llff(const char *dir, const struct sgs_import_opts *o, struct sgs_dataset *d,
		       uint32_t *loader_factor)
{
	uint32_t f = o->downscale;
	char folder[32];
	if (f == 0)
		f = o->protocol && strcmp(o->protocol, "llff") == 0 ? LLFF_PROTOCOL_FACTOR : 1;
	*loader_factor = 1;
	if (f > 1) {
		snprintf(folder, sizeof folder, "images_%u", f);
		if (!has(dir, folder, 1) && has(dir, "images", 1)) {
			*loader_factor = f;
			f = 1;
		}
	}
	return sgs_import_llff(dir, f, d);
}

int sgs_import(const char *dir, const struct sgs_import_opts *o, struct sgs_scene *s)
{
	struct sgs_dataset d;
	struct sgs_import_opts opts = *o;
	const char *format = o->format;
	int rc;

	sgs_scene_init(s);
	memset(&d, 0, sizeof d);
	if (!sgs_is_dir(dir))
		return sgs_error_set("%s: not a folder", dir);
	/* A typo in -p fails before any file is read. */
	if (o->protocol && !sgs_protocol_known(o->protocol))
		return sgs_error_set("%s: unknown protocol '%s' (valid: llff, blender, dtu, all)", dir,
				     o->protocol);
	if (!format && !(format = sgs_import_detect(dir)))
		return sgs_error_set("%s: cannot tell the dataset format (no sparse/0, "
				     "transforms_train.json, transforms.json, poses_bounds.npy or "
				     "cameras_sphere.npz); use -f", dir);
	if (strcmp(format, "colmap") == 0)
		rc = sgs_import_colmap(dir, &d);
	else if (strcmp(format, "blender") == 0)
		rc = sgs_import_blender(dir, &d);
	else if (strcmp(format, "ngp") == 0)
		rc = sgs_import_ngp(dir, &d);
	else if (strcmp(format, "llff") == 0)
		rc = import_llff(dir, o, &d, &opts.downscale);
	else if (strcmp(format, "dtu") == 0)
		rc = sgs_import_dtu(dir, &d);
	else
		return sgs_error_set("unknown dataset format '%s' (valid: colmap, blender, ngp, "
				     "llff, dtu, synthetic)", format);
	if (rc != 0) {
		sgs_dataset_free(&d);
		return -1;
	}
	if (d.nabsent > 0 && o->warn) {
		char line[PATH_MAX + 128];
		snprintf(line, sizeof line, "%s/transforms.json: skipped %u of %u frames whose image "
			 "files are absent", dir, d.nabsent, d.nabsent + d.nviews);
		o->warn(line);
	}
	rc = sgs_protocol_apply(&d, &opts, s);
	sgs_dataset_free(&d);
	/* What the tools would refuse is refused here, blaming the dataset,
	 * instead of a later tool failing far from the cause. */
	if (rc == 0 && sgs_scene_validate(s) != 0) {
		sgs_error_prefix("%s", dir);
		sgs_scene_free(s);
		rc = -1;
	}
	return rc;
}
