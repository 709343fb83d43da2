/* Scene -> COLMAP text model (sgs_colmap_export.h).  COLMAP's camera axes
 * and pixel convention are the scene's (OpenCV axes, pixel centres at
 * +0.5), so intrinsics and world-to-camera poses carry over unchanged. */
#include "sgs_colmap_export.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgs_camera.h"
#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_output.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Whether view v sees seed p: in front of the camera and inside its
 * image (occlusion is not tested).  uv receives the pixel position. */
static int observes(const struct sgs_view *v, const float *xyz, double uv[2])
{
	double X[3] = {xyz[0], xyz[1], xyz[2]};
	double z = sgs_camera_project(&v->cam, X, uv);
	return z > 0 && isfinite(uv[0]) && isfinite(uv[1]) && uv[0] >= 0 && uv[1] >= 0 &&
	       uv[0] < v->cam.w && uv[1] < v->cam.h;
}

/* The views must be files that COLMAP's text format can name. */
static int check_views(const struct sgs_scene *s)
{
	if (s->nviews == 0)
		return sgs_error_set("the scene has no views");
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (sgs_stem_check(v->name) != 0)
			return -1;
		for (const char *p = v->name; *p; p++)
			if (*p == ' ' || *p == '\t')
				return sgs_error_set("view '%s': COLMAP's text model cannot hold a "
						     "name with a space", v->name);
		if (!v->image.data)
			return sgs_error_set("view '%s' has no image, which the model must list",
					     v->name);
	}
	return 0;
}

static FILE *open_text(const char *dir, const char *name, char *path)
{
	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		sgs_error_set("%s: cannot create: %s", path, strerror(errno));
	return f;
}

static int close_text(FILE *f, const char *path)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return sgs_error_set("%s: write error: %s", path, strerror(errno ? errno : EIO));
	return 0;
}

static int write_cameras(const struct sgs_scene *s, const char *dir)
{
	char path[PATH_MAX];
	FILE *f = open_text(dir, "cameras.txt", path);
	if (!f)
		return -1;
	fprintf(f, "# Camera list with one line of data per camera:\n"
		   "#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n"
		   "# Number of cameras: %u\n", s->nviews);
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_camera *c = &s->views[i].cam;
		fprintf(f, "%u PINHOLE %u %u %.17g %.17g %.17g %.17g\n", i + 1, c->w, c->h, c->fx,
			c->fy, c->cx, c->cy);
	}
	return close_text(f, path);
}

/* Image lines, each followed by its POINTS2D: the seeds the view sees, in
 * seed order, so that a seed's index there is the number of seeds before
 * it that the view also sees (what write_points recounts). */
static int write_images(const struct sgs_scene *s, const char *dir, uint64_t *nobs)
{
	char path[PATH_MAX];
	FILE *f = open_text(dir, "images.txt", path);
	if (!f)
		return -1;
	fprintf(f, "# Image list with two lines of data per image:\n"
		   "#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME\n"
		   "#   POINTS2D[] as (X, Y, POINT3D_ID)\n"
		   "# Number of images: %u\n", s->nviews);
	*nobs = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		double q[4], uv[2];
		sgs_rot_to_quat(v->cam.R, q);
		if (q[0] < 0) /* the same rotation; COLMAP's habit */
			for (int k = 0; k < 4; k++)
				q[k] = -q[k];
		fprintf(f, "%u %.17g %.17g %.17g %.17g %.17g %.17g %.17g %u %s.png\n", i + 1, q[0], q[1],
			q[2], q[3], v->cam.t[0], v->cam.t[1], v->cam.t[2], i + 1, v->name);
		const char *sep = "";
		for (uint64_t p = 0; p < s->nseeds; p++)
			if (observes(v, s->seed_xyz + 3 * p, uv)) {
				fprintf(f, "%s%.6f %.6f %llu", sep, uv[0], uv[1], (unsigned long long)p + 1);
				sep = " ";
				++*nobs;
			}
		fputc('\n', f);
	}
	return close_text(f, path);
}

static int write_points(const struct sgs_scene *s, const char *dir, uint64_t nobs)
{
	char path[PATH_MAX];
	uint64_t *next = calloc(s->nviews, sizeof *next); /* POINTS2D index per view */
	if (!next)
		return sgs_error_set("out of memory");
	FILE *f = open_text(dir, "points3D.txt", path);
	if (!f) {
		free(next);
		return -1;
	}
	fprintf(f, "# 3D point list with one line of data per point:\n"
		   "#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n"
		   "# Number of points: %llu, mean track length: %g\n",
		(unsigned long long)s->nseeds, s->nseeds ? (double)nobs / (double)s->nseeds : 0.0);
	for (uint64_t p = 0; p < s->nseeds; p++) {
		const float *x = s->seed_xyz + 3 * p;
		const uint8_t *c = s->seed_rgb + 3 * p;
		double uv[2];
		/* Error 0: the observations are the point's own projections. */
		fprintf(f, "%llu %.9g %.9g %.9g %u %u %u 0", (unsigned long long)p + 1, x[0], x[1], x[2],
			c[0], c[1], c[2]);
		for (uint32_t i = 0; i < s->nviews; i++)
			if (observes(&s->views[i], x, uv))
				fprintf(f, " %u %llu", i + 1, (unsigned long long)next[i]++);
		fputc('\n', f);
	}
	free(next);
	return close_text(f, path);
}

static int write_pngs(const struct sgs_scene *s, const char *dir)
{
	for (uint32_t i = 0; i < s->nviews; i++) {
		char *path = sgs_stem_path(dir, s->views[i].name, ".png");
		int rc = path ? sgs_png_write(path, &s->views[i].image) : -1;
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* `dir` may be replaced by the rename: absent, or an empty folder. */
static int check_target(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return errno == ENOENT ? 0 : sgs_error_set("%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sgs_error_set("%s: exists and is not a folder", dir);
	DIR *d = opendir(dir);
	if (!d)
		return sgs_error_set("%s: %s", dir, strerror(errno));
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)) != NULL)
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty ? 0 : sgs_error_set("%s: exists and is not empty (the export makes a new "
					 "folder)", dir);
}

/* Everything of the model inside the folder `tmp`. */
static int write_model(const struct sgs_scene *s, const char *tmp, struct sgs_colmap_export_stats *st)
{
	char images[PATH_MAX], sparse[PATH_MAX];
	/* Room for the longest file name inside too ("points3D.txt", a view). */
	if (strlen(tmp) + 16 + SGS_NAME_MAX >= PATH_MAX)
		return sgs_error_set("%s: path too long", tmp);
	snprintf(images, sizeof images, "%.*s/images", PATH_MAX - 16, tmp);
	snprintf(sparse, sizeof sparse, "%.*s/sparse/0", PATH_MAX - 16, tmp);
	if (sgs_mkdir_p(images) != 0 || sgs_mkdir_p(sparse) != 0)
		return -1;
	if (write_cameras(s, sparse) != 0 || write_images(s, sparse, &st->nobservations) != 0 ||
	    write_points(s, sparse, st->nobservations) != 0 || write_pngs(s, images) != 0)
		return -1;
	st->nimages = s->nviews;
	st->npoints = s->nseeds;
	return 0;
}

int sgs_colmap_export(const struct sgs_scene *s, const char *dir, struct sgs_colmap_export_stats *stats)
{
	struct sgs_colmap_export_stats st = {0};
	char target[PATH_MAX], tmp[PATH_MAX + 200];
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/') /* "out/" renames as "out" */
		n--;
	if (n == 0 || n >= sizeof target)
		return sgs_error_set("%s: bad folder name", dir);
	memcpy(target, dir, n);
	target[n] = '\0';
	if (check_views(s) != 0 || check_target(target) != 0)
		return -1;
	/* Named as sgs_output names temporary files, so that the folder of
	 * a killed export is removed by the next export to the same target. */
	if (sgs_output_mkdtemp(target, tmp, sizeof tmp) != 0)
		return -1;
	int rc = write_model(s, tmp, &st);
	if (rc == 0 && rename(tmp, target) != 0)
		rc = sgs_error_set("%s: cannot rename into place: %s", target, strerror(errno));
	if (rc != 0) {
		sgs_remove_tree(tmp);
		return -1;
	}
	if (stats)
		*stats = st;
	return 0;
}
