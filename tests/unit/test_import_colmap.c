/* COLMAP importer: a small model written here in both the text and the
 * binary format must import to identical cameras, poses, points and
 * tracks, and the imported cameras must reproduce COLMAP's 2D
 * observations.  Broken models must fail with messages that name the
 * problem. */
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_import.h"
#include "tap.h"

struct cam_def {
	uint32_t id;
	const char *model;
	int model_id, nparams;
	uint64_t w, h;
	double p[8];
};

static const struct cam_def cams[] = {
	{1, "PINHOLE", 1, 4, 64, 48, {60, 62, 32.5, 23.75}},
	{2, "OPENCV", 4, 8, 80, 60, {70, 71, 40.2, 29.9, -0.05, 0.01, 0.001, -0.002}},
	{3, "SIMPLE_RADIAL", 2, 4, 64, 48, {58, 31, 24, 0.03}},
};
#define NCAMS 3

struct img_def {
	uint32_t id, cam;
	const char *name;
	double q[4], t[3];
};

/* Ids deliberately out of name order; "d.png" observes nothing (its
 * POINTS2D line is empty); "sub/b.jpg" sits in a subfolder. */
static const struct img_def imgs[] = {
	{7, 1, "c.png", {0.99, 0.05, -0.03, 0.02}, {0.1, -0.2, 4.0}},
	{2, 2, "a.png", {0.97, -0.04, 0.2, 0.01}, {-0.3, 0.1, 4.2}},
	{5, 3, "sub/b.jpg", {0.98, 0.1, -0.15, -0.05}, {0.2, 0.3, 3.8}},
	{9, 1, "d.png", {1, 0, 0, 0}, {0, 0, 5}},
};
#define NIMGS 4
/* View index of each image once sorted by name: a, c, d, sub/b. */
static const uint32_t view_of[NIMGS] = {1, 0, 3, 2};

#define NPTS 5
static const double pts[NPTS][3] = {
	{0, 0, 0}, {0.3, -0.2, 0.1}, {-0.4, 0.25, -0.2}, {0.15, 0.35, 0.3}, {-0.2, -0.3, 0.25},
};
static const uint8_t pts_rgb[NPTS][3] = {
	{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {12, 34, 56}, {200, 100, 50},
};
/* Which images (indices into imgs) observe each point; point 1 lists image
 * 0 twice, as a track may. */
static const int track_len[NPTS] = {3, 3, 2, 2, 1};
static const int tracks[NPTS][3] = {{0, 1, 2}, {1, 0, 0}, {0, 2}, {1, 2}, {2}};

/* Observation table: image i observes point tracks[p][k] as its j-th 2D
 * point; filled by build_observations. */
static double obs_xy[NIMGS][8][2];
static int64_t obs_pid[NIMGS][8];
static int nobs[NIMGS];
static uint32_t obs_idx[NPTS][3]; /* POINT2D_IDX of each track entry */

/* ---- an independent projection: Hamilton product, COLMAP's formulas ---- */

static void quat_rotate(const double q[4], const double v[3], double out[3])
{
	double n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
	double w = q[0] / n, x = q[1] / n, y = q[2] / n, z = q[3] / n;
	/* t = 2 (q_v x v); v' = v + w t + q_v x t */
	double tx = 2 * (y * v[2] - z * v[1]), ty = 2 * (z * v[0] - x * v[2]),
	       tz = 2 * (x * v[1] - y * v[0]);
	out[0] = v[0] + w * tx + (y * tz - z * ty);
	out[1] = v[1] + w * ty + (z * tx - x * tz);
	out[2] = v[2] + w * tz + (x * ty - y * tx);
}

static void colmap_project(const struct img_def *im, const double X[3], double uv[2])
{
	const struct cam_def *c = &cams[im->cam - 1];
	double p[3];
	quat_rotate(im->q, X, p);
	double u = (p[0] + im->t[0]) / (p[2] + im->t[2]), v = (p[1] + im->t[1]) / (p[2] + im->t[2]);
	double fx, fy, cx, cy, k1 = 0, k2 = 0, p1 = 0, p2 = 0;
	if (c->model_id == 2) { /* SIMPLE_RADIAL: f cx cy k */
		fx = fy = c->p[0], cx = c->p[1], cy = c->p[2], k1 = c->p[3];
	} else {
		fx = c->p[0], fy = c->p[1], cx = c->p[2], cy = c->p[3];
		if (c->model_id == 4)
			k1 = c->p[4], k2 = c->p[5], p1 = c->p[6], p2 = c->p[7];
	}
	double u2 = u * u, v2 = v * v, uv_ = u * v, r2 = u2 + v2, rad = k1 * r2 + k2 * r2 * r2;
	double du = u * rad + 2 * p1 * uv_ + p2 * (r2 + 2 * u2);
	double dv = v * rad + 2 * p2 * uv_ + p1 * (r2 + 2 * v2);
	uv[0] = fx * (u + du) + cx;
	uv[1] = fy * (v + dv) + cy;
}

static void build_observations(void)
{
	memset(nobs, 0, sizeof nobs);
	for (int p = 0; p < NPTS; p++)
		for (int k = 0; k < track_len[p]; k++) {
			int i = tracks[p][k];
			colmap_project(&imgs[i], pts[p], obs_xy[i][nobs[i]]);
			obs_pid[i][nobs[i]] = p + 1;
			obs_idx[p][k] = (uint32_t)nobs[i]++;
		}
	/* An observation without a 3D point, as COLMAP keeps them. */
	obs_xy[0][nobs[0]][0] = 3.5;
	obs_xy[0][nobs[0]][1] = 4.5;
	obs_pid[0][nobs[0]++] = -1;
}

/* ---- writing the model ---- */

static int mkdirs(const char *path)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	return mkdir(buf, 0755) == 0 || access(buf, F_OK) == 0 ? 0 : -1;
}

static FILE *open_in(const char *dir, const char *name, const char *mode)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return fopen(path, mode);
}

static void touch_images(const char *dir)
{
	char path[512];
	snprintf(path, sizeof path, "%s/images/sub", dir);
	mkdirs(path);
	for (int i = 0; i < NIMGS; i++) {
		snprintf(path, sizeof path, "%s/images/%s", dir, imgs[i].name);
		FILE *f = fopen(path, "w");
		if (f)
			fclose(f);
	}
}

static void write_text(const char *model)
{
	FILE *f = open_in(model, "cameras.txt", "w");
	fprintf(f, "# Camera list with one line of data per camera:\n"
		   "#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n# Number of cameras: 3\n");
	for (int c = 0; c < NCAMS; c++) {
		fprintf(f, "%u %s %llu %llu", cams[c].id, cams[c].model,
			(unsigned long long)cams[c].w, (unsigned long long)cams[c].h);
		for (int k = 0; k < cams[c].nparams; k++)
			fprintf(f, " %.17g", cams[c].p[k]);
		fprintf(f, "\n");
	}
	fclose(f);

	f = open_in(model, "images.txt", "w");
	fprintf(f, "# Image list with two lines of data per image:\n"
		   "#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME\n"
		   "#   POINTS2D[] as (X, Y, POINT3D_ID)\n# Number of images: 4\n");
	for (int i = 0; i < NIMGS; i++) {
		const struct img_def *im = &imgs[i];
		fprintf(f, "%u %.17g %.17g %.17g %.17g %.17g %.17g %.17g %u %s\n", im->id, im->q[0],
			im->q[1], im->q[2], im->q[3], im->t[0], im->t[1], im->t[2], im->cam, im->name);
		for (int j = 0; j < nobs[i]; j++)
			fprintf(f, "%s%.17g %.17g %lld", j ? " " : "", obs_xy[i][j][0], obs_xy[i][j][1],
				(long long)obs_pid[i][j]);
		fprintf(f, "\n");
	}
	fclose(f);

	f = open_in(model, "points3D.txt", "w");
	fprintf(f, "# 3D point list with one line of data per point:\n\n");
	for (int p = 0; p < NPTS; p++) {
		fprintf(f, "%d %.17g %.17g %.17g %u %u %u 0.5", p + 1, pts[p][0], pts[p][1],
			pts[p][2], pts_rgb[p][0], pts_rgb[p][1], pts_rgb[p][2]);
		for (int k = 0; k < track_len[p]; k++)
			fprintf(f, " %u %u", imgs[tracks[p][k]].id, obs_idx[p][k]);
		fprintf(f, "\n");
	}
	fclose(f);
}

static void put(FILE *f, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		fputc((int)(v >> (8 * i) & 0xFF), f);
}

static void put_f64(FILE *f, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	put(f, u, 8);
}

static void write_binary(const char *model)
{
	FILE *f = open_in(model, "cameras.bin", "wb");
	put(f, NCAMS, 8);
	for (int c = 0; c < NCAMS; c++) {
		put(f, cams[c].id, 4);
		put(f, (uint64_t)cams[c].model_id, 4);
		put(f, cams[c].w, 8);
		put(f, cams[c].h, 8);
		for (int k = 0; k < cams[c].nparams; k++)
			put_f64(f, cams[c].p[k]);
	}
	fclose(f);

	f = open_in(model, "images.bin", "wb");
	put(f, NIMGS, 8);
	for (int i = 0; i < NIMGS; i++) {
		const struct img_def *im = &imgs[i];
		put(f, im->id, 4);
		for (int k = 0; k < 4; k++)
			put_f64(f, im->q[k]);
		for (int k = 0; k < 3; k++)
			put_f64(f, im->t[k]);
		put(f, im->cam, 4);
		fwrite(im->name, 1, strlen(im->name) + 1, f);
		put(f, (uint64_t)nobs[i], 8);
		for (int j = 0; j < nobs[i]; j++) {
			put_f64(f, obs_xy[i][j][0]);
			put_f64(f, obs_xy[i][j][1]);
			put(f, (uint64_t)obs_pid[i][j], 8);
		}
	}
	fclose(f);

	f = open_in(model, "points3D.bin", "wb");
	put(f, NPTS, 8);
	for (int p = 0; p < NPTS; p++) {
		put(f, (uint64_t)p + 1, 8);
		for (int k = 0; k < 3; k++)
			put_f64(f, pts[p][k]);
		fwrite(pts_rgb[p], 1, 3, f);
		put_f64(f, 0.5);
		put(f, (uint64_t)track_len[p], 8);
		for (int k = 0; k < track_len[p]; k++) {
			put(f, imgs[tracks[p][k]].id, 4);
			put(f, obs_idx[p][k], 4);
		}
	}
	fclose(f);
}

/* A dataset folder with images/ and the model in `sub` ("sparse/0"). */
static void make_dataset(const char *dir, const char *sub, int binary)
{
	char model[512];
	snprintf(model, sizeof model, "%s/%s", dir, sub);
	mkdirs(model);
	touch_images(dir);
	if (binary)
		write_binary(model);
	else
		write_text(model);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- checks ---- */

static void check_dataset(const struct sgs_dataset *d, const char *what)
{
	static const char *names[NIMGS] = {"a", "c", "d", "sub_b"};
	int names_ok = d->nviews == NIMGS;
	for (uint32_t v = 0; names_ok && v < NIMGS; v++)
		names_ok = strcmp(d->views[v].name, names[v]) == 0;
	ok(names_ok, "%s: 4 views sorted by name, subfolder '/' -> '_'", what);
	if (!names_ok)
		return;
	ok(strcmp(d->format, "colmap") == 0, "%s: format is colmap", what);

	const struct sgs_dataset_view *a = &d->views[0], *b = &d->views[3];
	ok(a->cam.w == 80 && a->cam.h == 60 && a->cam.fx == 70 && a->cam.fy == 71 &&
		   a->cam.cx == 40.2 && a->cam.cy == 29.9,
	   "%s: OPENCV intrinsics carried over", what);
	ok(a->dist.lens == SGS_LENS_OPENCV && a->dist.k1 == -0.05 && a->dist.k2 == 0.01 &&
		   a->dist.p1 == 0.001 && a->dist.p2 == -0.002,
	   "%s: OPENCV distortion k1 k2 p1 p2", what);
	ok(b->cam.fx == 58 && b->cam.fy == 58 && b->cam.cx == 31 && b->cam.cy == 24 &&
		   b->dist.lens == SGS_LENS_SIMPLE_RADIAL && b->dist.k1 == 0.03,
	   "%s: SIMPLE_RADIAL f cx cy k", what);
	ok(d->views[1].dist.lens == SGS_LENS_PINHOLE && d->views[1].cam.cx == 32.5 &&
		   d->views[1].cam.cy == 23.75,
	   "%s: PINHOLE camera", what);
	const char *tail = strstr(b->image_path, "/images/sub/b.jpg");
	ok(tail && tail[strlen("/images/sub/b.jpg")] == '\0', "%s: image path %s", what,
	   b->image_path);

	/* Poses: R from the normalised quaternion, t as given. */
	double worst = 0;
	for (int i = 0; i < NIMGS; i++) {
		const struct sgs_camera *c = &d->views[view_of[i]].cam;
		for (int k = 0; k < 3; k++) {
			double e[3] = {k == 0, k == 1, k == 2}, col[3];
			quat_rotate(imgs[i].q, e, col);
			for (int r = 0; r < 3; r++)
				worst = fmax(worst, fabs(c->R[3 * r + k] - col[r]));
			worst = fmax(worst, fabs(c->t[k] - imgs[i].t[k]));
		}
	}
	ok(worst < 1e-14, "%s: poses match the quaternions (max err %.2g)", what, worst);

	/* Points and tracks (image ids -> sorted view indices, once each). */
	int pts_ok = d->npoints == NPTS;
	for (int p = 0; pts_ok && p < NPTS; p++)
		for (int k = 0; k < 3; k++)
			pts_ok &= d->xyz[3 * p + k] == (float)pts[p][k] && d->rgb[3 * p + k] == pts_rgb[p][k];
	ok(pts_ok, "%s: %llu points with xyz and rgb", what, (unsigned long long)d->npoints);
	static const uint32_t want_track[] = {0, 1, 3, /**/ 0, 1, /**/ 1, 3, /**/ 0, 3, /**/ 3};
	static const uint64_t want_start[] = {0, 3, 5, 7, 9, 10};
	int tr_ok = pts_ok;
	for (int p = 0; tr_ok && p <= NPTS; p++)
		tr_ok = d->track_start[p] == want_start[p];
	for (int k = 0; tr_ok && k < 10; k++)
		tr_ok = d->track[k] == want_track[k];
	ok(tr_ok, "%s: tracks as sorted view indices, repeated image counted once", what);

	/* Pinhole projection (plus the lens) reproduces every 2D observation. */
	double err = 0;
	for (int i = 0; i < NIMGS; i++) {
		const struct sgs_dataset_view *v = &d->views[view_of[i]];
		for (int j = 0; j < nobs[i]; j++) {
			if (obs_pid[i][j] < 0)
				continue;
			const double *X = pts[obs_pid[i][j] - 1];
			double uv[2], xd, yd;
			sgs_camera_project(&v->cam, X, uv);
			double xn = (uv[0] - v->cam.cx) / v->cam.fx, yn = (uv[1] - v->cam.cy) / v->cam.fy;
			sgs_distort(&v->dist, xn, yn, &xd, &yd);
			uv[0] = v->cam.fx * xd + v->cam.cx;
			uv[1] = v->cam.fy * yd + v->cam.cy;
			err = fmax(err, fmax(fabs(uv[0] - obs_xy[i][j][0]), fabs(uv[1] - obs_xy[i][j][1])));
		}
	}
	ok(err < 1e-6, "%s: projections land on the COLMAP observations (max err %.2g px)", what,
	   err);
}

static int same_dataset(const struct sgs_dataset *x, const struct sgs_dataset *y)
{
	if (x->nviews != y->nviews || x->npoints != y->npoints)
		return 0;
	for (uint32_t v = 0; v < x->nviews; v++) {
		const struct sgs_dataset_view *a = &x->views[v], *b = &y->views[v];
		const char *ta = strstr(a->image_path, "/images/"), *tb = strstr(b->image_path, "/images/");
		if (strcmp(a->name, b->name) || memcmp(&a->cam, &b->cam, sizeof a->cam) ||
		    memcmp(&a->dist, &b->dist, sizeof a->dist) || !ta || !tb || strcmp(ta, tb) ||
		    a->pool != b->pool)
			return 0;
	}
	uint64_t nt = x->track_start[x->npoints];
	return memcmp(x->xyz, y->xyz, 3 * x->npoints * sizeof *x->xyz) == 0 &&
	       memcmp(x->rgb, y->rgb, 3 * x->npoints) == 0 &&
	       memcmp(x->track_start, y->track_start, (x->npoints + 1) * sizeof *x->track_start) == 0 &&
	       nt == y->track_start[y->npoints] && memcmp(x->track, y->track, nt * sizeof *x->track) == 0;
}

/* Imports dir expecting failure; the message must contain `needle`. */
static void expect_failure(const char *dir, const char *needle, const char *what)
{
	struct sgs_dataset d;
	sgs_error_clear();
	int r = sgs_import_colmap(dir, &d);
	ok(r < 0 && strstr(sgs_error_get(), needle), "%s is refused: %s", what, sgs_error_get());
	if (r == 0)
		sgs_dataset_free(&d);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	FILE *f = open_in(dir, name, "w");
	fputs(text, f);
	fclose(f);
}

static void truncate_file(const char *dir, const char *name, long keep)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (truncate(path, keep) != 0)
		diag("truncate %s failed", path);
}

int main(void)
{
	char root[] = "/tmp/sgs_test_colmap_XXXXXX";
	char txt[256], bin[256], flat[256], model[300];
	if (!mkdtemp(root)) {
		ok(0, "make a temporary folder");
		return tap_done();
	}
	build_observations();
	snprintf(txt, sizeof txt, "%s/text", root);
	snprintf(bin, sizeof bin, "%s/binary", root);
	snprintf(flat, sizeof flat, "%s/flat", root);
	make_dataset(txt, "sparse/0", 0);
	make_dataset(bin, "sparse/0", 1);
	make_dataset(flat, "sparse", 1);

	struct sgs_dataset dt, db, df;
	int rt = sgs_import_colmap(txt, &dt);
	ok(rt == 0, "text model imports%s%s", rt ? ": " : "", rt ? sgs_error_get() : "");
	int rb = sgs_import_colmap(bin, &db);
	ok(rb == 0, "binary model imports%s%s", rb ? ": " : "", rb ? sgs_error_get() : "");
	if (rt == 0)
		check_dataset(&dt, "text");
	if (rb == 0)
		check_dataset(&db, "binary");
	if (rt == 0 && rb == 0)
		ok(same_dataset(&dt, &db), "text and binary give identical datasets");
	int rf = sgs_import_colmap(flat, &df);
	ok(rf == 0 && rb == 0 && same_dataset(&df, &db), "a model directly in sparse/ imports%s%s",
	   rf ? ": " : "", rf ? sgs_error_get() : "");
	if (rf == 0)
		sgs_dataset_free(&df);

	/* With both formats present the binary one wins: a text model with
	 * another focal length next to it changes nothing. */
	snprintf(model, sizeof model, "%s/sparse/0", bin);
	write_file(model, "cameras.txt", "1 PINHOLE 64 48 99 99 32 24\n2 PINHOLE 80 60 99 99 40 30\n"
					  "3 PINHOLE 64 48 99 99 32 24\n");
	rf = sgs_import_colmap(bin, &df);
	ok(rf == 0 && rb == 0 && same_dataset(&df, &db), "binary model preferred over text");
	if (rf == 0)
		sgs_dataset_free(&df);
	if (rt == 0)
		sgs_dataset_free(&dt);
	if (rb == 0)
		sgs_dataset_free(&db);

	/* Failures, each on a fresh copy of the model. */
	char bad[256];
	snprintf(bad, sizeof bad, "%s/bad", root);
	snprintf(model, sizeof model, "%s/sparse/0", bad);

	make_dataset(bad, "sparse/0", 0);
	char img[300];
	snprintf(img, sizeof img, "%s/images/d.png", bad);
	remove(img);
	expect_failure(bad, "images/d.png", "a missing image file");
	touch_images(bad);

	write_file(model, "cameras.txt", "1 PINHOLE 64 48 60 62 32.5 23.75\n"
					  "2 FULL_OPENCV 80 60 70 71 40 30 0 0 0 0 0 0 0 0\n"
					  "3 SIMPLE_RADIAL 64 48 58 31 24 0.03\n");
	expect_failure(bad, "FULL_OPENCV", "an unsupported camera model");
	write_file(model, "cameras.txt", "1 PINHOLE 64 48 60 62 32.5 23.75\n2 FISHY 80 60 1 2 3\n");
	expect_failure(bad, "unknown camera model 'FISHY'", "an unknown camera model");
	write_file(model, "cameras.txt", "# comment\n1 PINHOLE 64 48 60 6x2 32.5 23.75\n");
	expect_failure(bad, "cameras.txt:2: bad camera parameter '6x2'", "a malformed number");
	write_file(model, "cameras.txt", "1 PINHOLE 64 48 60 62 32.5\n");
	expect_failure(bad, "PINHOLE needs 4 parameters", "a camera line with too few parameters");
	write_text(model);
	write_file(model, "points3D.txt", "1 0 0 0 255 0 0 0.5 7 0 42 0\n");
	expect_failure(bad, "unknown image id 42", "a track naming an unknown image");
	write_file(model, "points3D.txt", "1 0 0 0 256 0 0 0.5 7 0\n");
	expect_failure(bad, "points3D.txt:1: bad colour '256'", "a colour above 255");
	write_text(model);
	write_file(model, "images.txt", "7 1 0 0 0 0 0 4 1 c.png\n\n7 1 0 0 0 0 0 4 1 d.png\n\n");
	expect_failure(bad, "image id 7 is used twice", "a repeated image id");
	write_file(model, "images.txt", "7 1 0 0 0 0 0 4 8 c.png\n\n");
	expect_failure(bad, "unknown camera id 8", "an image with an unknown camera");
	write_file(model, "images.txt", "7 0 0 0 0 0 0 4 1 c.png\n\n");
	expect_failure(bad, "bad pose", "a zero quaternion");
	/* Issue 11.11: without POINTS2D lines every other image line was taken
	 * for one, and points3D was then blamed for naming unknown images. */
	write_file(model, "images.txt", "7 1 0 0 0 0 0 4 1 c.png\n2 1 0 0 0 0 0 4 2 a.png\n"
					"5 1 0 0 0 0 0 4 3 sub/b.jpg\n9 1 0 0 0 0 0 5 1 d.png\n");
	expect_failure(bad, "images.txt:2: expected the POINTS2D line of image 7",
		       "images.txt without POINTS2D lines");
	write_file(model, "images.txt", "7 1 0 0 0 0 0 4 1 c.png\n1.5 2.5 -1 3.5 4.5\n");
	expect_failure(bad, "images.txt:2: expected the POINTS2D line of image 7",
		       "a POINTS2D line that is not triples");
	write_text(model);

	rm_tree(bad);
	make_dataset(bad, "sparse/0", 1);
	truncate_file(model, "images.bin", 150);
	expect_failure(bad, "images.bin: truncated", "a truncated images.bin");
	write_binary(model);
	FILE *f = open_in(model, "points3D.bin", "wb");
	put(f, 0x0123456789ABCDEFull, 8); /* a count no file could hold */
	put(f, 0, 8);
	fclose(f);
	expect_failure(bad, "points3D.bin: truncated or corrupt", "a points3D.bin with a garbage count");
	write_binary(model);
	f = open_in(model, "cameras.bin", "ab");
	put(f, 0xDEADBEEF, 4);
	fclose(f);
	expect_failure(bad, "cameras.bin: 4 unexpected bytes", "trailing bytes in cameras.bin");
	write_binary(model);
	f = open_in(model, "cameras.bin", "r+b");
	fseek(f, 12, SEEK_SET);
	put(f, 77, 4); /* model id of camera 1 */
	fclose(f);
	expect_failure(bad, "unknown model id 77", "an unknown binary model id");
	rm_tree(bad);
	mkdirs(bad);
	expect_failure(bad, "no COLMAP model", "a folder without a model");

	rm_tree(root);
	return tap_done();
}
