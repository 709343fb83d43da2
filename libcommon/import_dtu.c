/* DTU scans in the IDR/NeuS layout: cameras_sphere.npz holds, per image
 * number i, world_mat_i (top 3x4 = P = K[R|t] for the 1600x1200 originals)
 * and scale_mat_i (maps the unit sphere onto the object's bounding
 * sphere); photos are image/NNNNNN.png, masks mask/NNN.png. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_files.h"
#include "import_formats.h"
#include "sgs_dataset.h"
#include "sgs_error.h"
#include "sgs_npy.h"
#include "sgs_projection.h"

#define DTU_W 1600.0
#define DTU_H 1200.0

struct numbered {
	long number;
	const char *file;
};

static int by_number(const void *a, const void *b)
{
	long x = ((const struct numbered *)a)->number, y = ((const struct numbered *)b)->number;
	return (x > y) - (x < y);
}

static int read_mat4(const char *npz, const char *member, double m[16])
{
	struct sgs_npy a;
	if (sgs_npz_read(npz, member, &a) != 0)
		return -1;
	if (a.ndim != 2 || a.shape[0] != 4 || a.shape[1] != 4) {
		sgs_npy_free(&a);
		return sgs_error_set("%s: %s is not a 4x4 matrix", npz, member);
	}
	memcpy(m, a.data, 16 * sizeof *m);
	sgs_npy_free(&a);
	for (int k = 0; k < 16; k++)
		if (!isfinite(m[k]))
			return sgs_error_set("%s: %s has a non-finite value", npz, member);
	return 0;
}

/* P = (world_mat * scale_mat)[0:3], as IDR and NeuS use it. */
static void projection(const double W[16], const double S[16], double P[12])
{
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 4; c++) {
			double acc = 0;
			for (int k = 0; k < 4; k++)
				acc += W[4 * r + k] * S[4 * k + c];
			P[4 * r + c] = acc;
		}
}

/* The camera of image number `num`, its intrinsics scaled from the
 * 1600x1200 originals to the w x h files on disk.  Scaling fx, cx by
 * w/1600 (and fy, cy by h/1200) treats the calibration's pixel grid like
 * ours, as the sparse-view DTU loaders do; the half-pixel difference
 * between conventions is at most 1/8 pixel at 400x300.  The small skew of
 * DTU's calibration (|K01| < 1e-3 fx) cannot be represented and is dropped. */
static int dtu_camera(const char *npz, long num, uint32_t w, uint32_t h, struct sgs_camera *c)
{
	char name[64];
	double W[16], S[16], P[12], K[9];
	snprintf(name, sizeof name, "world_mat_%ld", num);
	if (read_mat4(npz, name, W) != 0)
		return -1;
	snprintf(name, sizeof name, "scale_mat_%ld", num);
	if (read_mat4(npz, name, S) != 0)
		return -1;
	projection(W, S, P);
	memset(c, 0, sizeof *c);
	if (sgs_decompose_projection(P, K, c->R, c->t) != 0)
		return sgs_error_prefix("%s: world_mat_%ld", npz, num);
	if (!(K[2] > 0 && K[2] < DTU_W && K[5] > 0 && K[5] < DTU_H))
		return sgs_error_set("%s: world_mat_%ld: principal point (%g, %g) lies outside the "
				     "1600x1200 originals it should describe", npz, num, K[2], K[5]);
	double sx = w / DTU_W, sy = h / DTU_H;
	c->w = w;
	c->h = h;
	c->fx = K[0] * sx;
	c->fy = K[4] * sy;
	c->cx = K[2] * sx;
	c->cy = K[5] * sy;
	return 0;
}

/* scale_mat makes the object fit the unit sphere (NeuS samples rays only
 * inside it), so its depths lie within z0 +- 1, z0 being the depth of the
 * sphere's centre (the world origin): t[2]. */
static void sphere_bounds(const struct sgs_camera *c, float *near, float *far)
{
	double z0 = c->t[2];
	*far = (float)(z0 + 1);
	*near = (float)fmax(z0 - 1, 0.02 * (z0 + 1));
}

static int list_numbered(const char *img_dir, char **names, uint32_t n, struct numbered *out)
{
	for (uint32_t i = 0; i < n; i++) {
		const char *s = names[i];
		char *end;
		if (!isdigit((unsigned char)s[0]))
			return sgs_error_set("%s/%s: expected numbered image names (000000.png ...)",
					     img_dir, s);
		out[i].number = strtol(s, &end, 10);
		out[i].file = s;
		if (*end != '.')
			return sgs_error_set("%s/%s: expected numbered image names (000000.png ...)",
					     img_dir, s);
	}
	qsort(out, n, sizeof *out, by_number);
	for (uint32_t i = 1; i < n; i++)
		if (out[i].number == out[i - 1].number)
			return sgs_error_set("%s: %s and %s have the same number", img_dir,
					     out[i - 1].file, out[i].file);
	return 0;
}

/* IDR writes masks as mask/NNN.png; some copies number them like the images.
 * A missing one is recorded where IDR would have it, for the protocol
 * step to refuse or report (sgs-init(1): the dtu protocol needs them). */
static void find_mask(const char *dir, long num, struct sgs_dataset_view *v)
{
	char name[64];
	static const char *const patterns[] = {"mask/%03ld.png", "mask/%06ld.png"};
	for (int p = 0; p < 2; p++) {
		snprintf(name, sizeof name, patterns[p], num);
		if (sgs_path_join(v->mask_path, sizeof v->mask_path, dir, name) == 0 &&
		    sgs_is_file(v->mask_path))
			return;
	}
	snprintf(name, sizeof name, patterns[0], num);
	if (sgs_path_join(v->mask_path, sizeof v->mask_path, dir, name) != 0)
		v->mask_path[0] = '\0';
	v->mask_missing = 1;
	sgs_error_clear();
}

int sgs_import_dtu(const char *dir, struct sgs_dataset *d)
{
	char npz[PATH_MAX], img_dir[PATH_MAX], path[PATH_MAX];
	char **names = NULL;
	struct numbered *order = NULL;
	uint32_t n = 0, w = 0, h = 0;

	memset(d, 0, sizeof *d);
	snprintf(d->format, sizeof d->format, "dtu");
	if (sgs_path_join(npz, sizeof npz, dir, "cameras_sphere.npz") != 0 ||
	    sgs_path_join(img_dir, sizeof img_dir, dir, "image") != 0)
		return -1;
	if (!sgs_is_file(npz))
		return sgs_error_set("%s: no such file", npz);
	if (sgs_list_images(img_dir, &names, &n) != 0)
		return -1;
	if (n == 0) {
		free(names);
		return sgs_error_set("%s: no images", img_dir);
	}
	order = malloc(n * sizeof *order);
	d->views = calloc(n, sizeof *d->views);
	if (!order || !d->views) {
		sgs_error_set("%s: out of memory", dir);
		goto fail;
	}
	if (list_numbered(img_dir, names, n, order) != 0)
		goto fail;

	/* The images share one size; the intrinsics are scaled to it. */
	if (sgs_path_join(path, sizeof path, img_dir, order[0].file) != 0 ||
	    sgs_image_size(path, &w, &h) != 0)
		goto fail;
	if ((uint64_t)w * 1200 != (uint64_t)h * 1600) {
		sgs_error_set("%s: %ux%u is not 4:3; cameras_sphere.npz describes 1600x1200 "
			      "images", path, w, h);
		goto fail;
	}

	d->nviews = n;
	for (uint32_t i = 0; i < n; i++) {
		struct sgs_dataset_view *v = &d->views[i];
		if (sgs_path_join(v->image_path, sizeof v->image_path, img_dir, order[i].file) != 0 ||
		    dtu_camera(npz, order[i].number, w, h, &v->cam) != 0)
			goto fail;
		sgs_file_stem(order[i].file, v->name, sizeof v->name);
		find_mask(dir, order[i].number, v);
		v->pool = SGS_POOL_ANY;
		v->dist.lens = SGS_LENS_PINHOLE;
		sphere_bounds(&v->cam, &v->near, &v->far);
	}
	free(order);
	free(names);
	return 0;

fail:
	free(order);
	free(names);
	free(d->views);
	memset(d, 0, sizeof *d);
	return -1;
}
