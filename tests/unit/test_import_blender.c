/* NeRF-synthetic (Blender) and instant-ngp importers: the real lego capture
 * when present, small captures written here, and the committed ngp fixture
 * (tests/fixtures/ngp) with lens distortion. */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_import.h"
#include "tap.h"

/* ": <message>" after a failure (call it after the import ran), else "". */
static const char *why(void)
{
	static char buf[1100];
	const char *m = sgs_error_get();
	snprintf(buf, sizeof buf, "%s%s", *m ? ": " : "", m);
	return buf;
}

static double orthonormal_error(const double R[9])
{
	double e = 0;
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++) {
			double d = R[a] * R[b] + R[3 + a] * R[3 + b] + R[6 + a] * R[6 + b];
			e = fmax(e, fabs(d - (a == b)));
		}
	double det = R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) +
		     R[2] * (R[3] * R[7] - R[4] * R[6]);
	return fmax(e, fabs(det - 1));
}

static cJSON *load_json(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *text = malloc((size_t)n + 1);
	size_t got = fread(text, 1, (size_t)n, f);
	text[got] = '\0';
	fclose(f);
	cJSON *j = cJSON_Parse(text);
	free(text);
	return j;
}

static double mat(const cJSON *frame, int r, int c)
{
	const cJSON *m = cJSON_GetObjectItem(frame, "transform_matrix");
	return cJSON_GetArrayItem(cJSON_GetArrayItem(m, r), c)->valuedouble;
}

/* Compares views[first..] against the frames of one transforms file. */
static void check_against_json(const struct sgs_dataset *d, uint32_t first, const char *path,
			       const char *split, double *center_err, double *axis_err,
			       double *orth_err, double *focal_err, double *origin_px, int *behind)
{
	cJSON *j = load_json(path);
	if (!j)
		return;
	double angle = cJSON_GetObjectItem(j, "camera_angle_x")->valuedouble;
	double f = 0.5 * 400 / tan(0.5 * angle);
	const cJSON *frames = cJSON_GetObjectItem(j, "frames");
	int n = cJSON_GetArraySize(frames);
	for (int i = 0; i < n && first + i < d->nviews; i++) {
		const cJSON *fr = cJSON_GetArrayItem(frames, i);
		const struct sgs_camera *c = &d->views[first + i].cam;
		double C[3], uv[2], origin[3] = {0, 0, 0};
		sgs_camera_center(c, C);
		for (int k = 0; k < 3; k++) {
			*center_err = fmax(*center_err, fabs(C[k] - mat(fr, k, 3)));
			/* OpenCV x = GL x, y = -GL y, z = -GL z: rows of R are the
			 * world directions of the camera axes. */
			*axis_err = fmax(*axis_err, fabs(c->R[k] - mat(fr, k, 0)));
			*axis_err = fmax(*axis_err, fabs(c->R[3 + k] + mat(fr, k, 1)));
			*axis_err = fmax(*axis_err, fabs(c->R[6 + k] + mat(fr, k, 2)));
		}
		*orth_err = fmax(*orth_err, orthonormal_error(c->R));
		*focal_err = fmax(*focal_err, fmax(fabs(c->fx / f - 1), fabs(c->fy / f - 1)));
		if (c->cx != 200 || c->cy != 200 || c->w != 400 || c->h != 400)
			*focal_err = INFINITY;
		*behind += sgs_camera_project(c, origin, uv) <= 0;
		*origin_px = fmax(*origin_px, hypot(uv[0] - 200, uv[1] - 200));
		char want[64];
		snprintf(want, sizeof want, "%s_r_%d", split, i);
		if (strcmp(d->views[first + i].name, want) != 0)
			*focal_err = INFINITY, diag("view %u is %s", first + i, d->views[first + i].name);
	}
	cJSON_Delete(j);
}

static void test_lego(void)
{
	const char *data = test_data_dir();
	char dir[PATH_MAX], path[PATH_MAX + 64];
	struct stat st;
	if (data)
		snprintf(dir, sizeof dir, "%s/blender/lego", data);
	if (!data || stat(dir, &st) != 0) {
		skip("no ../shared/data/blender/lego", "lego imports");
		return;
	}
	struct sgs_dataset d;
	sgs_error_clear();
	int r = sgs_import_blender(dir, &d);
	if (!ok(r == 0, "lego imports%s", why()))
		return;
	uint32_t ntrain = 0, ntest = 0, order_ok = 1;
	for (uint32_t v = 0; v < d.nviews; v++) {
		ntrain += d.views[v].pool == SGS_POOL_TRAIN;
		ntest += d.views[v].pool == SGS_POOL_TEST;
		order_ok &= d.views[v].pool == (v < 100 ? SGS_POOL_TRAIN : SGS_POOL_TEST);
	}
	ok(d.nviews == 300 && ntrain == 100 && ntest == 200 && order_ok,
	   "100 train then 200 test views (%u, %u, %u)", d.nviews, ntrain, ntest);
	ok(strcmp(d.format, "blender") == 0 && d.has_alpha == 1 && d.background[0] == 1 &&
		   d.background[1] == 1 && d.background[2] == 1,
	   "RGBA images, white background");
	const char *p = d.views[0].image_path, *want = "/train/r_0.png";
	size_t n = strlen(p), k = strlen(want);
	ok(n > k && strcmp(p + n - k, want) == 0 && stat(p, &st) == 0, "file path gets .png: %s", p);

	double center = 0, axis = 0, orth = 0, focal = 0, origin = 0;
	int behind = 0;
	snprintf(path, sizeof path, "%s/transforms_train.json", dir);
	check_against_json(&d, 0, path, "train", &center, &axis, &orth, &focal, &origin, &behind);
	snprintf(path, sizeof path, "%s/transforms_test.json", dir);
	check_against_json(&d, 100, path, "test", &center, &axis, &orth, &focal, &origin, &behind);
	ok(focal < 1e-9, "focal 0.5*400/tan(camera_angle_x/2), centre (200,200), names split_r_i "
			 "(max rel err %.2g)",
	   focal);
	ok(center < 1e-9, "camera centres equal the transform_matrix translations (max err %.2g)",
	   center);
	ok(axis < 1e-6, "camera axes are GL x, -y, -z (max err %.2g, float32 input)", axis);
	ok(orth < 1e-12, "every R orthonormal with det 1 (max err %.2g)", orth);
	ok(!behind && origin < 20, "world origin in front of every camera, near the image centre "
				   "(max %.1f px off)",
	   origin);
	sgs_dataset_free(&d);
}

/* ---- small captures written into a temporary folder ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void write_png(const char *dir, const char *name, uint32_t w, uint32_t h, uint32_t c)
{
	char path[512];
	struct sgs_image img;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (sgs_image_alloc(&img, w, h, c, 8) < 0)
		return;
	memset(img.data, 200, sgs_image_bytes(&img));
	if (sgs_png_write(path, &img) < 0)
		diag("cannot write %s: %s", path, sgs_error_get());
	sgs_image_free(&img);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

#define IDENTITY "[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]"
#define MOVED "[[1,0,0,1],[0,1,0,2],[0,0,1,3],[0,0,0,1]]"

static void test_small_blender(const char *root)
{
	char dir[512], sub[600];
	snprintf(dir, sizeof dir, "%s/blender", root);
	mkdir(dir, 0755);
	snprintf(sub, sizeof sub, "%s/train", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof sub, "%s/test", dir);
	mkdir(sub, 0755);
	write_png(dir, "train/r_0.png", 8, 6, 4);
	write_png(dir, "train/r_1.png", 8, 6, 4);
	write_png(dir, "test/r_0.png", 8, 6, 4);
	write_text(dir, "transforms_train.json",
		   "{\"camera_angle_x\": 0.8, \"frames\": ["
		   "{\"file_path\": \"./train/r_0\", \"transform_matrix\": " IDENTITY "},"
		   "{\"file_path\": \"./train/r_1.png\", \"transform_matrix\": " MOVED "}]}");
	write_text(dir, "transforms_test.json",
		   "{\"camera_angle_x\": 0.8, \"frames\": ["
		   "{\"file_path\": \"./test/r_0\", \"transform_matrix\": " MOVED "}]}");
	write_text(dir, "transforms_val.json", "this file is not read");

	struct sgs_dataset d;
	sgs_error_clear();
	int r = sgs_import_blender(dir, &d);
	if (!ok(r == 0, "small Blender capture imports%s", why()))
		return;
	ok(d.nviews == 3 && strcmp(d.views[0].name, "train_r_0") == 0 &&
		   strcmp(d.views[1].name, "train_r_1") == 0 && strcmp(d.views[2].name, "test_r_0") == 0,
	   "names train_r_0 train_r_1 test_r_0, transforms_val.json ignored");
	ok(d.nviews == 3 && d.views[0].pool == SGS_POOL_TRAIN && d.views[1].pool == SGS_POOL_TRAIN &&
		   d.views[2].pool == SGS_POOL_TEST,
	   "pools from the file names");
	if (d.nviews == 3) {
		const struct sgs_camera *c = &d.views[0].cam, *m = &d.views[2].cam;
		double f = 4 / tan(0.4);
		ok(c->w == 8 && c->h == 6 && fabs(c->fx / f - 1) < 1e-15 && c->fy == c->fx &&
			   c->cx == 4 && c->cy == 3,
		   "intrinsics from the image size: f %.6f, centre (%g, %g)", c->fx, c->cx, c->cy);
		ok(c->R[0] == 1 && c->R[4] == -1 && c->R[8] == -1 && c->t[0] == 0 && c->t[1] == 0 &&
			   c->t[2] == 0,
		   "identity GL pose -> R diag(1,-1,-1), t 0");
		ok(m->t[0] == -1 && m->t[1] == 2 && m->t[2] == 3, "moved camera: t = -R C = (%g, %g, %g)",
		   m->t[0], m->t[1], m->t[2]);
		ok(d.has_alpha == 1 && d.views[0].dist.lens == SGS_LENS_PINHOLE, "RGBA noticed, no lens");
	}
	sgs_dataset_free(&d);

	/* Failures. */
	write_text(dir, "transforms_test.json", "{\"frames\": []}");
	ok(sgs_import_blender(dir, &d) < 0 && strstr(sgs_error_get(), "transforms_test.json: "
								      "'camera_angle_x' is missing"),
	   "missing camera_angle_x: %s", sgs_error_get());
	write_text(dir, "transforms_test.json",
		   "{\"camera_angle_x\": 0.8, \"frames\": [{\"file_path\": \"./test/r_9\", "
		   "\"transform_matrix\": " IDENTITY "}]}");
	ok(sgs_import_blender(dir, &d) < 0 && strstr(sgs_error_get(), "test/r_9.png"),
	   "missing image: %s", sgs_error_get());
	write_text(dir, "transforms_test.json",
		   "{\"camera_angle_x\": 0.8, \"frames\": [{\"file_path\": \"./test/r_0\", "
		   "\"transform_matrix\": [[1,0,0],[0,1,0],[0,0,1]]}]}");
	ok(sgs_import_blender(dir, &d) < 0 && strstr(sgs_error_get(), "frame 0: 'transform_matrix'"),
	   "3x3 matrix: %s", sgs_error_get());
	write_text(dir, "transforms_test.json",
		   "{\"camera_angle_x\": 0.8, \"frames\": [{\"file_path\": \"./test/r_0\", "
		   "\"transform_matrix\": [[2,0,0,0],[0,2,0,0],[0,0,2,0],[0,0,0,1]]}]}");
	ok(sgs_import_blender(dir, &d) < 0 && strstr(sgs_error_get(), "not a rotation"),
	   "scaled matrix: %s", sgs_error_get());
	write_text(dir, "transforms_test.json", "{\"camera_angle_x\": 0.8, \"frames\": [}");
	ok(sgs_import_blender(dir, &d) < 0 && strstr(sgs_error_get(), "invalid JSON"),
	   "broken JSON: %s", sgs_error_get());
}

static void test_ngp_fixture(void)
{
	struct sgs_dataset d;
	sgs_error_clear();
	int r = sgs_import_ngp("tests/fixtures/ngp", &d);
	if (!ok(r == 0, "ngp fixture imports%s", why()))
		return;
	ok(d.nviews == 2 && strcmp(d.format, "ngp") == 0 && d.views[0].pool == SGS_POOL_ANY &&
		   strcmp(d.views[0].name, "images_f0") == 0 && strcmp(d.views[1].name, "images_f1") == 0,
	   "two views images_f0, images_f1 in pool ANY");
	if (d.nviews != 2)
		return;
	const struct sgs_dataset_view *a = &d.views[0], *b = &d.views[1];
	ok(a->cam.w == 32 && a->cam.h == 24 && a->cam.fx == 500.5 && a->cam.fy == 501.25 &&
		   a->cam.cx == 15.7 && a->cam.cy == 11.2,
	   "global fl_x fl_y cx cy w h");
	ok(a->dist.lens == SGS_LENS_OPENCV && a->dist.k1 == -0.1 && a->dist.k2 == 0.02 &&
		   a->dist.p1 == 0.001 && a->dist.p2 == -0.0005,
	   "k1 k2 p1 p2 -> OPENCV lens");
	ok(b->cam.fx == 400 && b->cam.fy == 501.25 && b->dist.lens == SGS_LENS_PINHOLE,
	   "per-frame fl_x and zero distortion override the globals");
	ok(d.has_alpha == 0, "RGB images: no alpha");

	/* Frame 0: GL identity at (0.5, -0.25, 4); frame 1 looks from (4, 0, 0.5)
	 * along -x with GL up = +z.  The world origin lands where pinhole maths
	 * says. */
	double uv[2], O[3] = {0, 0, 0}, C[3];
	double z = sgs_camera_project(&a->cam, O, uv);
	ok(fabs(z - 4) < 1e-15 && fabs(uv[0] - (15.7 - 500.5 * 0.125)) < 1e-12 &&
		   fabs(uv[1] - (11.2 - 501.25 * 0.0625)) < 1e-12,
	   "frame 0 sees the origin at (%g, %g), z %g", uv[0], uv[1], z);
	z = sgs_camera_project(&b->cam, O, uv);
	ok(fabs(z - 4) < 1e-15 && fabs(uv[0] - 15.7) < 1e-12 &&
		   fabs(uv[1] - (11.2 + 501.25 * 0.125)) < 1e-12,
	   "frame 1 sees the origin at (%g, %g), z %g", uv[0], uv[1], z);
	sgs_camera_center(&b->cam, C);
	ok(C[0] == 4 && C[1] == 0 && C[2] == 0.5, "frame 1 centre (%g, %g, %g)", C[0], C[1], C[2]);
	sgs_dataset_free(&d);
}

static void expect_ngp_failure(const char *dir, const char *json, const char *needle,
			       const char *what)
{
	struct sgs_dataset d;
	write_text(dir, "transforms.json", json);
	int r = sgs_import_ngp(dir, &d);
	ok(r < 0 && strstr(sgs_error_get(), needle), "%s is refused: %s", what, sgs_error_get());
	if (r == 0)
		sgs_dataset_free(&d);
}

static void test_ngp_variants(const char *root)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/ngp", root);
	mkdir(dir, 0755);
	write_png(dir, "a.png", 16, 10, 4);

	/* Angles instead of focal lengths, size and centre from the image. */
	struct sgs_dataset d;
	write_text(dir, "transforms.json",
		   "{\"camera_angle_x\": 1.0, \"camera_angle_y\": 0.7, \"frames\": ["
		   "{\"file_path\": \"a.png\", \"transform_matrix\": " IDENTITY "}]}");
	sgs_error_clear();
	int r = sgs_import_ngp(dir, &d);
	if (ok(r == 0, "ngp with camera angles imports%s", why())) {
		const struct sgs_camera *c = &d.views[0].cam;
		ok(c->w == 16 && c->h == 10 && fabs(c->fx - 8 / tan(0.5)) < 1e-12 &&
			   fabs(c->fy - 5 / tan(0.35)) < 1e-12 && c->cx == 8 && c->cy == 5 &&
			   d.has_alpha == 1 && strcmp(d.views[0].name, "a") == 0,
		   "focal from camera_angle_x/_y, size and centre from the image, alpha noticed");
		sgs_dataset_free(&d);
	}

	/* As instant-ngp: a frame whose image file is absent is left out. */
	write_text(dir, "transforms.json",
		   "{\"fl_x\": 10, \"frames\": [{\"file_path\": \"gone.png\", \"transform_matrix\": "
		   IDENTITY "}, {\"file_path\": \"a.png\", \"transform_matrix\": " IDENTITY "}]}");
	r = sgs_import_ngp(dir, &d);
	ok(r == 0 && d.nviews == 1 && d.nabsent == 1 && strcmp(d.views[0].name, "a") == 0,
	   "a frame without its image file is skipped and counted%s", why());
	sgs_dataset_free(&d);
	expect_ngp_failure(dir, "{\"fl_x\": 10, \"frames\": [{\"file_path\": \"gone.png\", "
				"\"transform_matrix\": " IDENTITY "}]}",
			   "none of the 1 frames has its image file", "no frame with its image");
	expect_ngp_failure(dir, "{\"frames\": [{\"file_path\": \"a.png\", \"transform_matrix\": " IDENTITY "}]}",
			   "transforms.json: frame 0: 'fl_x' is missing", "no focal length");
	expect_ngp_failure(dir, "{\"fl_x\": 10, \"k1\": \"abc\", \"frames\": [{\"file_path\": "
				"\"a.png\", \"transform_matrix\": " IDENTITY "}]}",
			   "transforms.json: 'k1' is not a number", "a string k1");
	expect_ngp_failure(dir, "{\"fl_x\": 10, \"w\": 32, \"frames\": [{\"file_path\": "
				"\"a.png\", \"transform_matrix\": " IDENTITY "}]}",
			   "w, h say 32x10", "a size that does not match the image");
	expect_ngp_failure(dir, "{\"fl_x\": 10, \"is_fisheye\": true, \"frames\": [{\"file_path\": "
				"\"a.png\", \"transform_matrix\": " IDENTITY "}]}",
			   "'is_fisheye'", "a fisheye lens");
	expect_ngp_failure(dir, "{\"fl_x\": 10, \"frames\": [{\"transform_matrix\": " IDENTITY "}]}",
			   "frame 0: 'file_path' is missing", "a frame without file_path");
	expect_ngp_failure(dir, "{\"fl_x\": 10, \"frames\": {}}", "'frames' is not an array",
			   "frames that are no array");
	expect_ngp_failure(dir, "{\"fl_x\": 10, \"frames\": [{\"file_path\": \"a.png\", "
				"\"transform_matrix\": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,1,1]]}]}",
			   "last row", "a matrix with a bad last row");
	expect_ngp_failure(dir, "{\"fl_x\": 10, \"frames\": [{\"file_path\": \"a.png\", "
				"\"transform_matrix\": [[1,0,0,0],[0,1,0,0],[0,0,-1,0],[0,0,0,1]]}]}",
			   "reflection", "a mirrored matrix");
	write_text(dir, "a.png", "GIF89a not really");
	expect_ngp_failure(dir, "{\"fl_x\": 10, \"frames\": [{\"file_path\": \"a.png\", "
				"\"transform_matrix\": " IDENTITY "}]}",
			   "a.png: not a PNG or JPEG", "an image that is not PNG or JPEG");
}

int main(void)
{
	char root[] = "/tmp/sgs_test_blender_XXXXXX";
	test_lego();
	test_ngp_fixture();
	if (mkdtemp(root)) {
		test_small_blender(root);
		test_ngp_variants(root);
		nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	} else {
		ok(0, "make a temporary folder");
	}
	return tap_done();
}
