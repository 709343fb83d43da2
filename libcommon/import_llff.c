/* LLFF captures: poses_bounds.npy (one row per image, in sorted file-name
 * order: a 3x5 camera-to-world matrix [R | t | hwf] stored row-major, then
 * the near and far scene bounds) and the photos in images/ or images_N/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_files.h"
#include "import_formats.h"
#include "sgs_dataset.h"
#include "sgs_error.h"
#include "sgs_npy.h"

#define LLFF_ROW 17

/* Say which images* folders exist, so a wrong -r is easy to fix. */
static void list_image_folders(const char *dir, char *buf, size_t size)
{
	char path[PATH_MAX], name[32];
	static const unsigned factors[] = {1, 2, 4, 8, 16};
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof factors / sizeof *factors; i++) {
		if (factors[i] == 1)
			snprintf(name, sizeof name, "images");
		else
			snprintf(name, sizeof name, "images_%u", factors[i]);
		if (sgs_path_join(path, sizeof path, dir, name) != 0 || !sgs_is_dir(path))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s/", used ? ", " : "", name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	sgs_error_clear();
}

/* The 3x3 rotation of a pose row: its columns are the camera's (down,
 * right, backwards) axes in world coordinates. */
static void row_rotation(const double *row, double M[9])
{
	for (int r = 0; r < 3; r++)
		for (int k = 0; k < 3; k++)
			M[3 * r + k] = row[5 * r + k];
}

/* One pose row, its rotation M snapped by check_row -> OpenCV
 * world-to-camera camera.  The OpenCV axes (right, down, forward) are
 * (col1, col0, -col2) of M; they are the rows of the world-to-camera
 * rotation. */
static void llff_camera(const double *row, const double M[9], uint32_t w_img, uint32_t h_img,
			struct sgs_camera *c)
{
	double w_full = row[9], f_full = row[14];
	double s = w_img / w_full; /* the hwf are for the full-size photos */

	memset(c, 0, sizeof *c);
	c->w = w_img;
	c->h = h_img;
	c->fx = c->fy = f_full * s;
	c->cx = w_img / 2.0;
	c->cy = h_img / 2.0;
	for (int k = 0; k < 3; k++) {
		c->R[0 + k] = M[3 * k + 1];
		c->R[3 + k] = M[3 * k + 0];
		c->R[6 + k] = -M[3 * k + 2];
	}
	for (int r = 0; r < 3; r++)
		c->t[r] = -(c->R[3 * r] * row[3] + c->R[3 * r + 1] * row[8] + c->R[3 * r + 2] * row[13]);
}

/* The row's rotation must be one (orthonormal up to the file's rounding,
 * not a reflection): snapped into M, else an error naming the row.  A
 * zero or scaled column would otherwise reach sgs-train as a camera that
 * no view validation accepts. */
static int check_rotation(const double *row, uint64_t i, const char *npy, double M[9])
{
	double err;
	row_rotation(row, M);
	int snap = sgs_rot_snap(M, 1e-3, &err);
	if (snap == -1)
		return sgs_error_set("%s: row %llu: the rotation columns (values 0-2, 5-7, 10-12) are "
				     "not orthonormal (|M^T M - I| = %g)",
				     npy, (unsigned long long)i, err);
	if (snap == -2)
		return sgs_error_set("%s: row %llu: the rotation columns are a reflection, not a "
				     "rotation", npy, (unsigned long long)i);
	return 0;
}

static int check_row(const double *row, uint64_t i, uint32_t w_img, uint32_t h_img,
		     const char *npy, double M[9])
{
	for (int k = 0; k < LLFF_ROW; k++)
		if (!isfinite(row[k]))
			return sgs_error_set("%s: row %llu has a non-finite value", npy,
					     (unsigned long long)i);
	double h = row[4], w = row[9], f = row[14];
	if (!(h > 0 && w > 0 && f > 0))
		return sgs_error_set("%s: row %llu: bad h, w, f (%g, %g, %g)", npy,
				     (unsigned long long)i, h, w, f);
	/* images_N are the originals resized to round(w/N) x round(h/N); a
	 * different aspect ratio means the folder does not match the poses. */
	double s = w_img / w;
	if (fabs(h * s - h_img) > 2.0)
		return sgs_error_set("%s: row %llu is for %gx%g images, which does not match the "
				     "%ux%u images on disk", npy, (unsigned long long)i, w, h, w_img,
				     h_img);
	if (!(row[15] >= 0 && row[16] > row[15]))
		return sgs_error_set("%s: row %llu: bad near/far bounds (%g, %g)", npy,
				     (unsigned long long)i, row[15], row[16]);
	return check_rotation(row, i, npy, M);
}

/* poses_bounds.npy holds floats: an integer array is a file written by
 * mistake (its poses would be truncated to whole numbers). */
static int check_poses(const struct sgs_npy *poses, const char *npy_path)
{
	if (poses->kind != 'f')
		return sgs_error_set("%s: %s array; poses and bounds must be float32 or float64",
				     npy_path, poses->kind == 'u' ? "an unsigned integer" : "an integer");
	if (poses->ndim != 2 || poses->shape[1] != LLFF_ROW || poses->shape[0] == 0) {
		char got[96] = "()";
		if (poses->ndim == 1)
			snprintf(got, sizeof got, "(%llu,)", (unsigned long long)poses->shape[0]);
		else if (poses->ndim >= 2)
			snprintf(got, sizeof got, "(%llu, %llu%s)", (unsigned long long)poses->shape[0],
				 (unsigned long long)poses->shape[1], poses->ndim > 2 ? ", ..." : "");
		return sgs_error_set("%s: expected shape (N, 17), got %s", npy_path, got);
	}
	return 0;
}

int sgs_import_llff(const char *dir, uint32_t downscale, struct sgs_dataset *d)
{
	char npy_path[PATH_MAX], img_dir[PATH_MAX], folder[32], path[PATH_MAX];
	struct sgs_npy poses = {0};
	char **names = NULL;
	uint32_t n = 0, w_img = 0, h_img = 0;

	memset(d, 0, sizeof *d);
	snprintf(d->format, sizeof d->format, "llff");
	if (downscale <= 1)
		snprintf(folder, sizeof folder, "images");
	else
		snprintf(folder, sizeof folder, "images_%u", downscale);
	if (sgs_path_join(npy_path, sizeof npy_path, dir, "poses_bounds.npy") != 0 ||
	    sgs_path_join(img_dir, sizeof img_dir, dir, folder) != 0)
		return -1;

	if (sgs_npy_read_file(npy_path, &poses) != 0)
		return -1;
	if (check_poses(&poses, npy_path) != 0) {
		sgs_npy_free(&poses);
		return -1;
	}

	if (!sgs_is_dir(img_dir)) {
		char have[128];
		list_image_folders(dir, have, sizeof have);
		sgs_npy_free(&poses);
		return sgs_error_set("%s: no such folder (this capture has %s)", img_dir,
				     have[0] ? have : "no images folder");
	}
	if (sgs_list_images(img_dir, &names, &n) != 0)
		goto fail;
	if (n != poses.shape[0]) {
		sgs_error_set("%s: %u images, but %s has %llu poses", img_dir, n, npy_path,
			      (unsigned long long)poses.shape[0]);
		goto fail;
	}
	/* All images of an LLFF folder share one size; decode only the first. */
	if (sgs_path_join(path, sizeof path, img_dir, names[0]) != 0 ||
	    sgs_image_size(path, &w_img, &h_img) != 0)
		goto fail;

	d->views = calloc(n, sizeof *d->views);
	if (!d->views) {
		sgs_error_set("%s: out of memory", dir);
		goto fail;
	}
	d->nviews = n;
	for (uint32_t i = 0; i < n; i++) {
		struct sgs_dataset_view *v = &d->views[i];
		const double *row = poses.data + (size_t)i * LLFF_ROW;
		double M[9];
		if (check_row(row, i, w_img, h_img, npy_path, M) != 0 ||
		    sgs_path_join(v->image_path, sizeof v->image_path, img_dir, names[i]) != 0)
			goto fail;
		sgs_file_stem(names[i], v->name, sizeof v->name);
		v->pool = SGS_POOL_ANY;
		llff_camera(row, M, w_img, h_img, &v->cam);
		v->dist.lens = SGS_LENS_PINHOLE;
		v->near = (float)row[15];
		v->far = (float)row[16];
	}
	free(names);
	sgs_npy_free(&poses);
	return 0;

fail:
	free(names);
	sgs_npy_free(&poses);
	free(d->views);
	memset(d, 0, sizeof *d);
	return -1;
}
