/* LLFF import: axis conversion and intrinsics on a hand-built capture,
 * then fern and its llff protocol. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgs_camera.h"
#include "sgs_error.h"
#include "sgs_import.h"
#include "sgs_npy.h"
#include "sgs_projection.h"
#include "tap.h"

static int has_text(const char *s, const char *part) { return strstr(s, part) != NULL; }

/* A .npy v1 file of rows of 8-byte elements: float64 ('<f8') or, with
 * the same values cast, int64 ('<i8'). */
static int write_npy_as(const char *path, const char *descr, const double *v, int rows, int cols)
{
	char header[128];
	int64_t iv[64];
	if (descr[1] == 'i') {
		for (int k = 0; k < rows * cols && k < 64; k++)
			iv[k] = (int64_t)v[k];
		v = (const double *)(const void *)iv;
	}
	int n = snprintf(header, sizeof header,
			 "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }", descr, rows,
			 cols);
	while ((10 + n + 1) % 64)
		header[n++] = ' ';
	header[n++] = '\n';
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)n, 0};
	int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(header, 1, (size_t)n, f) == (size_t)n &&
		 fwrite(v, sizeof *v, (size_t)rows * cols, f) == (size_t)rows * cols;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int write_npy(const char *path, const double *v, int rows, int cols)
{
	return write_npy_as(path, "<f8", v, rows, cols);
}

static int write_png(const char *path, uint32_t w, uint32_t h, uint8_t level)
{
	struct sgs_image img;
	if (sgs_image_alloc(&img, w, h, 3, 8) != 0)
		return -1;
	memset(img.data, level, sgs_image_bytes(&img));
	int rc = sgs_png_write(path, &img);
	sgs_image_free(&img);
	return rc;
}

/* LLFF row for a camera at C whose (down, right, back) axes are the columns
 * of M, for full-size h x w images with focal f. */
static void llff_row(const double M[9], const double C[3], double h, double w, double f,
		     double near, double far, double *row)
{
	double hwf[3] = {h, w, f};
	for (int r = 0; r < 3; r++) {
		for (int c = 0; c < 3; c++)
			row[5 * r + c] = M[3 * r + c];
		row[5 * r + 3] = C[r];
		row[5 * r + 4] = hwf[r];
	}
	row[15] = near;
	row[16] = far;
}

static void test_hand_built(void)
{
	char dir[] = "/tmp/sgs_llff_XXXXXX", path[256];
	if (!mkdtemp(dir)) {
		skip("no temporary folder", "hand-built LLFF capture");
		return;
	}
	/* Camera 0: LLFF axes down = -y, right = +x, back = +z of the world
	 * (an OpenGL-like camera looking down -z from (1, 2, 3)). */
	double M0[9] = {0, 1, 0, -1, 0, 0, 0, 0, 1}; /* columns: down, right, back */
	double C0[3] = {1, 2, 3}, rows[2 * 17];
	llff_row(M0, C0, 12, 16, 20, 0.5, 40, rows);
	llff_row(M0, (double[3]){2, 2, 3}, 12, 16, 20, 0.5, 40, rows + 17);
	snprintf(path, sizeof path, "%s/poses_bounds.npy", dir);
	int made = write_npy(path, rows, 2, 17) == 0;
	snprintf(path, sizeof path, "%s/images_2", dir);
	made &= mkdir(path, 0755) == 0;
	snprintf(path, sizeof path, "%s/images_2/b.png", dir);
	made &= write_png(path, 8, 6, 10) == 0;
	snprintf(path, sizeof path, "%s/images_2/a.png", dir);
	made &= write_png(path, 8, 6, 20) == 0;
	ok(made, "hand-built capture written");

	struct sgs_dataset d;
	sgs_error_clear();
	ok(sgs_import_llff(dir, 2, &d) == 0 && d.nviews == 2, "import it: %s", sgs_error_get());
	if (d.nviews == 2) {
		const struct sgs_camera *c = &d.views[0].cam;
		ok(strcmp(d.views[0].name, "a") == 0 && strcmp(d.views[1].name, "b") == 0,
		   "views sorted by file name");
		ok(c->w == 8 && c->h == 6 && c->fx == 10 && c->fy == 10 && c->cx == 4 && c->cy == 3,
		   "intrinsics scaled to the 8x6 files: f %g cx %g cy %g", c->fx, c->cx, c->cy);
		/* OpenCV x = LLFF right = world +x, y = down = world -y, z = -back = world -z */
		double Rw[9] = {1, 0, 0, 0, -1, 0, 0, 0, -1}, e = 0, C[3];
		for (int k = 0; k < 9; k++)
			e = fmax(e, fabs(c->R[k] - Rw[k]));
		sgs_camera_center(c, C);
		for (int k = 0; k < 3; k++)
			e = fmax(e, fabs(C[k] - C0[k]));
		ok(e < 1e-15, "rotation and centre converted to OpenCV axes");
		double X[3] = {1 + 0.5, 2 - 0.25, 3 - 5}, uv[2]; /* 5 ahead, 0.5 right, 0.25 down */
		double z = sgs_camera_project(c, X, uv);
		ok(fabs(z - 5) < 1e-12 && fabs(uv[0] - (4 + 10 * 0.1)) < 1e-12 &&
			   fabs(uv[1] - (3 + 10 * 0.05)) < 1e-12,
		   "a point ahead, right and below projects to (%g, %g)", uv[0], uv[1]);
		ok(d.views[0].near == 0.5f && d.views[0].far == 40.f, "near/far from the bounds");
		sgs_dataset_free(&d);
	}

	sgs_error_clear();
	ok(sgs_import_llff(dir, 4, &d) == -1 && has_text(sgs_error_get(), "images_4") &&
		   has_text(sgs_error_get(), "images_2/"),
	   "missing images_4 names the folders there are: %s", sgs_error_get());
	snprintf(path, sizeof path, "%s/images_2/c.png", dir);
	write_png(path, 8, 6, 30);
	ok(sgs_import_llff(dir, 2, &d) == -1 && has_text(sgs_error_get(), "3 images") &&
		   has_text(sgs_error_get(), "2 poses"),
	   "image count checked: %s", sgs_error_get());
	unlink(path);
	snprintf(path, sizeof path, "%s/poses_bounds.npy", dir);
	write_npy(path, rows, 2, 15);
	ok(sgs_import_llff(dir, 2, &d) == -1 && has_text(sgs_error_get(), "poses_bounds.npy") &&
		   has_text(sgs_error_get(), "expected shape (N, 17), got (2, 15)"),
	   "shape checked: %s", sgs_error_get());
	unlink(path);

	/* Issue 11.3: what sgs-train would refuse far from the cause is
	 * refused here, naming the file and the row. */
	double bad[2 * 17];
	memcpy(bad, rows, sizeof bad);
	for (int r = 0; r < 3; r++)
		bad[17 + 5 * r + 1] = 0; /* row 1: a zero "right" column */
	write_npy(path, bad, 2, 17);
	ok(sgs_import_llff(dir, 2, &d) == -1 && has_text(sgs_error_get(), "poses_bounds.npy: row 1") &&
		   has_text(sgs_error_get(), "not orthonormal"),
	   "a zero rotation column is refused: %s", sgs_error_get());
	memcpy(bad, rows, sizeof bad);
	for (int r = 0; r < 3; r++)
		bad[5 * r] = -bad[5 * r]; /* row 0: "down" flipped, a mirror */
	write_npy(path, bad, 2, 17);
	ok(sgs_import_llff(dir, 2, &d) == -1 && has_text(sgs_error_get(), "poses_bounds.npy: row 0") &&
		   has_text(sgs_error_get(), "reflection"),
	   "a reflection is refused: %s", sgs_error_get());
	memcpy(bad, rows, sizeof bad);
	for (int r = 0; r < 3; r++)
		bad[5 * r + 2] *= 1 + 1e-5; /* float32-sized rounding: snapped, accepted */
	write_npy(path, bad, 2, 17);
	ok(sgs_import_llff(dir, 2, &d) == 0 && fabs(d.views[0].cam.R[8] + 1) < 1e-15,
	   "a rotation off by 1e-5 is snapped to one: %s", sgs_error_get());
	sgs_dataset_free(&d);
	write_npy_as(path, "<i8", rows, 2, 17);
	ok(sgs_import_llff(dir, 2, &d) == -1 && has_text(sgs_error_get(), "poses_bounds.npy") &&
		   has_text(sgs_error_get(), "an integer array"),
	   "an integer poses array is refused: %s", sgs_error_get());
	unlink(path);

	/* -r 4 with no images_4: the full-size images/ are shrunk on load. */
	snprintf(path, sizeof path, "%s/poses_bounds.npy", dir);
	write_npy(path, rows, 2, 17);
	snprintf(path, sizeof path, "%s/images", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/images/a.png", dir);
	write_png(path, 16, 12, 40);
	snprintf(path, sizeof path, "%s/images/b.png", dir);
	write_png(path, 16, 12, 50);
	struct sgs_import_opts o = {0};
	struct sgs_scene s;
	o.format = "llff";
	o.downscale = 4;
	sgs_error_clear();
	ok(sgs_import(dir, &o, &s) == 0 && s.nviews == 2, "-r 4 falls back to images/: %s",
	   sgs_error_get());
	ok(s.nviews == 2 && s.views[0].image.w == 4 && s.views[0].image.h == 3 &&
		   s.views[0].cam.fx == 5 && s.views[0].cam.cx == 2 &&
		   ((uint8_t *)s.views[0].image.data)[0] == 40,
	   "4x3 images, focal 20/4 (got %g)", s.nviews ? s.views[0].cam.fx : 0);
	sgs_scene_free(&s);
	o.downscale = 2; /* images_2 exists: used as is, not shrunk again */
	ok(sgs_import(dir, &o, &s) == 0 && s.nviews == 2 && s.views[0].image.w == 8 &&
		   s.views[0].cam.fx == 10 && ((uint8_t *)s.views[0].image.data)[0] == 20,
	   "-r 2 reads images_2 without downscaling twice");
	sgs_scene_free(&s);
	for (int k = 0; k < 3; k++) {
		static const char *const names[3] = {"images/a.png", "images/b.png", "poses_bounds.npy"};
		snprintf(path, sizeof path, "%s/%s", dir, names[k]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/images", dir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/images_2/a.png", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/images_2/b.png", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/images_2", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_fern_cameras(const char *fern)
{
	struct sgs_dataset d;
	struct sgs_npy pb;
	char path[600];
	snprintf(path, sizeof path, "%s/poses_bounds.npy", fern);
	sgs_error_clear();
	ok(sgs_import_llff(fern, 8, &d) == 0, "import fern images_8: %s", sgs_error_get());
	if (sgs_npy_read_file(path, &pb) != 0 || d.nviews != 20) {
		ok(0, "fern has 20 views and readable poses");
		return;
	}
	ok(strcmp(d.views[0].name, "IMG_4026") == 0 && strcmp(d.views[19].name, "IMG_4045") == 0,
	   "names IMG_4026 .. IMG_4045");
	int intr = 1, bounds = 1;
	double eC = 0;
	for (uint32_t i = 0; i < 20; i++) {
		const struct sgs_camera *c = &d.views[i].cam;
		const double *row = pb.data + 17 * i;
		double f = row[14] * (504.0 / 4032.0), C[3];
		intr &= fabs(c->fx - f) < 1e-9 && fabs(c->fy - f) < 1e-9 && c->cx == 252 &&
			c->cy == 189 && c->w == 504 && c->h == 378;
		bounds &= d.views[i].near > 0 && d.views[i].near < d.views[i].far &&
			  d.views[i].near == (float)row[15] && d.views[i].far == (float)row[16];
		sgs_camera_center(c, C);
		for (int k = 0; k < 3; k++)
			eC = fmax(eC, fabs(C[k] - row[5 * k + 3]));
	}
	ok(intr, "focal = f * 504/4032 (view 0: %.4f), principal point at the centre, 504x378",
	   d.views[0].cam.fx);
	ok(bounds, "near < far, positive, from the bounds (view 0: %g %g)", d.views[0].near,
	   d.views[0].far);
	ok(eC < 1e-12, "camera centres are the poses' translation (%.2g)", eC);

	/* A point 10 units along view 3's forward axis (LLFF: -back), 2 right,
	 * 1 down projects where a hand-built pinhole puts it, and so does the
	 * same camera taken through a projection matrix as the DTU importer
	 * does. */
	const double *row = pb.data + 17 * 3;
	double X[3], uv[2], uv2[2];
	for (int k = 0; k < 3; k++)
		X[k] = row[5 * k + 3] - 10 * row[5 * k + 2] + 2 * row[5 * k + 1] + 1 * row[5 * k + 0];
	const struct sgs_camera *c = &d.views[3].cam;
	double z = sgs_camera_project(c, X, uv);
	double f = row[14] / 8;
	ok(fabs(z - 10) < 1e-9 && fabs(uv[0] - (252 + f * 0.2)) < 1e-9 &&
		   fabs(uv[1] - (189 + f * 0.1)) < 1e-9,
	   "known point projects to (%.4f, %.4f)", uv[0], uv[1]);
	double Kc[9] = {c->fx, 0, c->cx, 0, c->fy, c->cy, 0, 0, 1}, P[12], K[9], R[9], t[3];
	for (int r = 0; r < 3; r++)
		for (int k = 0; k < 4; k++) {
			double v = 0;
			for (int j = 0; j < 3; j++)
				v += Kc[3 * r + j] * (k < 3 ? c->R[3 * j + k] : c->t[j]);
			P[4 * r + k] = 7.5 * v; /* any scale */
		}
	struct sgs_camera c2 = *c;
	ok(sgs_decompose_projection(P, K, R, t) == 0, "decompose that camera's K[R|t]");
	c2.fx = K[0], c2.fy = K[4], c2.cx = K[2], c2.cy = K[5];
	memcpy(c2.R, R, sizeof R);
	memcpy(c2.t, t, sizeof t);
	sgs_camera_project(&c2, X, uv2);
	ok(fabs(uv2[0] - uv[0]) < 1e-8 && fabs(uv2[1] - uv[1]) < 1e-8,
	   "the projection-matrix path projects it to the same pixel (%.2g px)",
	   fmax(fabs(uv2[0] - uv[0]), fabs(uv2[1] - uv[1])));
	sgs_npy_free(&pb);
	sgs_dataset_free(&d);
}

static void test_fern_protocol(const char *fern)
{
	struct sgs_import_opts o = {0};
	struct sgs_scene s;
	o.protocol = "llff";
	o.nviews = 3;
	o.downscale = 0; /* sgs-init's default: the llff protocol then means images_8 */
	sgs_error_clear();
	ok(sgs_import(fern, &o, &s) == 0, "sgs_import -p llff -n 3 fern: %s", sgs_error_get());
	static const uint32_t want_id[6] = {0, 1, 8, 10, 16, 19};
	static const uint32_t want_split[6] = {2, 1, 2, 1, 2, 1};
	int sel = s.nviews == 6;
	for (uint32_t k = 0; sel && k < 6; k++)
		sel &= s.views[k].id == want_id[k] && s.views[k].split == want_split[k];
	ok(sel, "train 1, 10, 19 and test 0, 8, 16");
	int img = s.nviews == 6;
	for (uint32_t k = 0; img && k < 6; k++)
		img &= s.views[k].image.w == 504 && s.views[k].image.h == 378 &&
		       s.views[k].image.c == 3 && s.views[k].cam.w == 504 && s.views[k].near > 0 &&
		       s.views[k].far > s.views[k].near && !s.views[k].mask;
	ok(img, "504x378 RGB images from images_8, bounds kept, no masks");
	ok(strcmp(s.source, "llff") == 0 && strcmp(s.protocol, "llff") == 0 && s.nseeds == 0,
	   "source llff, protocol llff, no seed points");
	ok(s.nviews == 6 && strcmp(s.views[1].name, "IMG_4027") == 0, "view names kept");
	sgs_error_clear();
	ok(sgs_scene_validate(&s) == 0, "scene validates: %s", sgs_error_get());
	sgs_scene_free(&s);

	o.downscale = 4; /* fern here has only images_8 */
	ok(sgs_import(fern, &o, &s) == -1 && has_text(sgs_error_get(), "images_8"),
	   "-r 4 without images_4 or images: %s", sgs_error_get());
}

int main(void)
{
	const char *data = test_data_dir();
	char fern[512];
	test_hand_built();
	if (!data) {
		skip("no data folder", "fern cameras");
		skip("no data folder", "fern llff protocol");
		return tap_done();
	}
	snprintf(fern, sizeof fern, "%s/llff/fern", data);
	test_fern_cameras(fern);
	test_fern_protocol(fern);
	return tap_done();
}
