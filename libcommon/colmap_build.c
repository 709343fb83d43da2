/* COLMAP model -> sgs_dataset (colmap_build.h).  COLMAP's pixel convention
 * (image corner at (0,0), pixel centres at +0.5) and camera axes (OpenCV)
 * are ours, so values carry over. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colmap_build.h"
#include "dataset_files.h"
#include "sgs_error.h"

static const struct colmap_camera *find_camera(const struct colmap_model *m, uint32_t id)
{
	for (size_t i = 0; i < m->ncameras; i++)
		if (m->cameras[i].id == id)
			return &m->cameras[i];
	return NULL;
}

/* COLMAP intrinsics -> sgs camera + distortion. */
static int convert_camera(const struct colmap_camera *c, struct sgs_camera *cam,
			  struct sgs_distortion *dist)
{
	const double *p = c->params;
	int lens = colmap_model_lens(c->model);

	if (lens < 0)
		return sgs_error_set("camera %u: model %s is not supported (use PINHOLE, "
				     "SIMPLE_PINHOLE, SIMPLE_RADIAL, RADIAL or OPENCV, or run "
				     "colmap image_undistorter)",
				     c->id, colmap_model_name(c->model));
	if (c->w == 0 || c->h == 0 || c->w > UINT32_MAX || c->h > UINT32_MAX)
		return sgs_error_set("camera %u: bad size %llux%llu", c->id,
				     (unsigned long long)c->w, (unsigned long long)c->h);
	memset(dist, 0, sizeof *dist);
	dist->lens = lens;
	cam->w = (uint32_t)c->w;
	cam->h = (uint32_t)c->h;
	if (lens == SGS_LENS_PINHOLE || lens == SGS_LENS_OPENCV) {
		cam->fx = p[0];
		cam->fy = p[1];
		cam->cx = p[2];
		cam->cy = p[3];
		if (lens == SGS_LENS_OPENCV) {
			dist->k1 = p[4];
			dist->k2 = p[5];
			dist->p1 = p[6];
			dist->p2 = p[7];
		}
	} else {
		cam->fx = cam->fy = p[0];
		cam->cx = p[1];
		cam->cy = p[2];
		if (lens == SGS_LENS_SIMPLE_RADIAL || lens == SGS_LENS_RADIAL)
			dist->k1 = p[3];
		if (lens == SGS_LENS_RADIAL)
			dist->k2 = p[4];
	}
	for (int i = 0; i < colmap_model_nparams(c->model); i++)
		if (!isfinite(p[i]))
			return sgs_error_set("camera %u: parameter %d is not finite", c->id, i + 1);
	if (!(cam->fx > 0 && cam->fy > 0))
		return sgs_error_set("camera %u: focal length must be positive", c->id);
	/* A lens the loader cannot undistort is refused here, naming the
	 * camera, rather than giving views that keep the distorted intrinsics. */
	struct sgs_camera pinhole;
	if (sgs_undistorted_camera(cam, dist, &pinhole) != 0)
		return sgs_error_prefix("camera %u", c->id);
	return 0;
}

static int convert_pose(const struct colmap_image *im, struct sgs_camera *cam)
{
	double n = sqrt(im->q[0] * im->q[0] + im->q[1] * im->q[1] + im->q[2] * im->q[2] +
			im->q[3] * im->q[3]);
	if (!(n > 1e-6) || !isfinite(n) || !isfinite(im->t[0]) || !isfinite(im->t[1]) ||
	    !isfinite(im->t[2]))
		return sgs_error_set("image %u (%s): bad pose", im->id, im->name);
	sgs_quat_to_rot(im->q, cam->R);
	memcpy(cam->t, im->t, sizeof cam->t);
	return 0;
}

/* "sub/IMG_1.JPG" -> "sub_IMG_1" */
static int view_name(const char *file, char *name)
{
	int has_ext;
	if (sgs_view_name(file, name, SGS_NAME_MAX, &has_ext) < 0)
		return sgs_error_set("image name '%s' is longer than %d characters", file,
				     SGS_NAME_MAX - 1);
	return 0;
}

static int cmp_image_name(const void *a, const void *b)
{
	const struct colmap_image *x = a, *y = b;
	return strcmp(x->name, y->name);
}

struct id_index {
	uint32_t id, index;
};

static int cmp_id(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int convert_views(const char *dir, const char *model_dir, const struct colmap_model *m,
			 struct sgs_dataset *d)
{
	d->views = calloc(m->nimages ? m->nimages : 1, sizeof *d->views);
	if (!d->views)
		return sgs_error_set("out of memory");
	d->nviews = (uint32_t)m->nimages;
	for (size_t i = 0; i < m->nimages; i++) {
		const struct colmap_image *im = &m->images[i];
		struct sgs_dataset_view *v = &d->views[i];
		const struct colmap_camera *c = find_camera(m, im->camera_id);
		if (!c)
			return sgs_error_set("%s: image %u (%s): unknown camera id %u", model_dir,
					     im->id, im->name, im->camera_id);
		if (convert_camera(c, &v->cam, &v->dist) < 0 || convert_pose(im, &v->cam) < 0 ||
		    view_name(im->name, v->name) < 0)
			return sgs_error_prefix("%s", model_dir);
		if ((size_t)snprintf(v->image_path, sizeof v->image_path, "%s/images/%s", dir,
				     im->name) >= sizeof v->image_path)
			return sgs_error_set("%s/images/%s: path too long", dir, im->name);
		if (!sgs_is_file(v->image_path))
			return sgs_error_set("%s: image file missing (listed in the COLMAP model)",
					     v->image_path);
		v->pool = SGS_POOL_ANY;
		if (i > 0 && strcmp(im->name, m->images[i - 1].name) == 0)
			return sgs_error_set("%s: image %s is listed twice", model_dir, im->name);
	}
	/* Two files may still map to one view name ("a.jpg", "a.png"). */
	char(*names)[SGS_NAME_MAX] = malloc(d->nviews * sizeof *names + 1);
	if (!names)
		return sgs_error_set("out of memory");
	for (uint32_t i = 0; i < d->nviews; i++)
		memcpy(names[i], d->views[i].name, SGS_NAME_MAX);
	qsort(names, d->nviews, sizeof *names, cmp_str);
	for (uint32_t i = 1; i < d->nviews; i++)
		if (strcmp(names[i], names[i - 1]) == 0) {
			sgs_error_set("%s: two images give the view name '%s'", model_dir, names[i]);
			free(names);
			return -1;
		}
	free(names);
	return 0;
}

/* Points and their tracks, image ids -> view indices (each view once). */
static int convert_points(const struct colmap_model *m, struct sgs_dataset *d)
{
	struct id_index *ids = malloc((m->nimages + 1) * sizeof *ids);
	d->xyz = malloc((m->npoints * 3 + 1) * sizeof *d->xyz);
	d->rgb = malloc(m->npoints * 3 + 1);
	d->track_start = malloc((m->npoints + 1) * sizeof *d->track_start);
	d->track = malloc((m->ntrack + 1) * sizeof *d->track);
	if (!ids || !d->xyz || !d->rgb || !d->track_start || !d->track) {
		free(ids);
		return sgs_error_set("out of memory");
	}
	for (size_t i = 0; i < m->nimages; i++)
		ids[i] = (struct id_index){m->images[i].id, (uint32_t)i};
	qsort(ids, m->nimages, sizeof *ids, cmp_id);
	for (size_t i = 1; i < m->nimages; i++)
		if (ids[i].id == ids[i - 1].id) {
			uint32_t id = ids[i].id;
			free(ids);
			return sgs_error_set("image id %u is used twice", id);
		}

	uint64_t out = 0;
	d->track_start[0] = 0;
	for (uint64_t p = 0; p < m->npoints; p++) {
		for (int k = 0; k < 3; k++) {
			if (!isfinite((float)m->xyz[3 * p + k])) {
				free(ids);
				return sgs_error_set("points3D entry %llu: coordinates not finite",
						     (unsigned long long)p + 1);
			}
			d->xyz[3 * p + k] = (float)m->xyz[3 * p + k];
			d->rgb[3 * p + k] = m->rgb[3 * p + k];
		}
		uint64_t first = out;
		for (uint64_t k = m->track_start[p]; k < m->track_start[p + 1]; k++) {
			struct id_index key = {m->track[k], 0};
			struct id_index *hit = bsearch(&key, ids, m->nimages, sizeof *ids, cmp_id);
			if (!hit) {
				free(ids);
				return sgs_error_set("points3D entry %llu: track names unknown "
						     "image id %u",
						     (unsigned long long)p + 1, m->track[k]);
			}
			d->track[out++] = hit->index;
		}
		qsort(&d->track[first], out - first, sizeof *d->track, cmp_u32);
		uint64_t w = first;
		for (uint64_t k = first; k < out; k++)
			if (k == first || d->track[k] != d->track[w - 1])
				d->track[w++] = d->track[k];
		out = w;
		d->track_start[p + 1] = out;
	}
	d->npoints = m->npoints;
	free(ids);
	return 0;
}

static int check_cameras(const struct colmap_model *m)
{
	for (size_t i = 0; i < m->ncameras; i++)
		for (size_t j = 0; j < i; j++)
			if (m->cameras[i].id == m->cameras[j].id)
				return sgs_error_set("camera id %u is used twice", m->cameras[i].id);
	return 0;
}

int colmap_build_dataset(const char *dir, const char *model_dir, struct colmap_model *m,
			 struct sgs_dataset *d)
{
	if (m->nimages == 0)
		return sgs_error_set("%s: the model has no images", model_dir);
	if (check_cameras(m) < 0)
		return sgs_error_prefix("%s", model_dir);
	qsort(m->images, m->nimages, sizeof *m->images, cmp_image_name);
	if (convert_views(dir, model_dir, m, d) < 0)
		return -1;
	if (convert_points(m, d) < 0)
		return sgs_error_prefix("%s", model_dir);
	return 0;
}
