/* NeRF-synthetic (Blender) and instant-ngp captures: transforms*.json with
 * camera-to-world matrices in OpenGL axes (x right, y up, z back) and a
 * field of view or focal lengths.  Both become world-to-camera poses in
 * OpenCV axes; the intrinsics use the size of the image file on disk. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "dataset_files.h"
#include "import_formats.h"
#include "sgs_dataset.h"
#include "sgs_error.h"

/* ---- image size from the file header (no decoding: lego has 300) ---- */

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

/* PNG: IHDR gives the size and colour type; a tRNS chunk before IDAT
 * adds an alpha channel when expanded. */
static int probe_png(FILE *f, const char *path, uint32_t *w, uint32_t *h, uint32_t *c)
{
	static const uint8_t channels[7] = {1, 0, 3, 3, 2, 0, 4};
	uint8_t b[25];
	if (fread(b, 1, 25, f) != 25 || memcmp(b + 4, "IHDR", 4) != 0 || b[17] > 6 ||
	    !channels[b[17]])
		return sgs_error_set("%s: broken PNG header", path);
	*w = be32(b + 8);
	*h = be32(b + 12);
	*c = channels[b[17]];
	for (;;) {
		uint8_t ch[8];
		if (fread(ch, 1, 8, f) != 8)
			return sgs_error_set("%s: truncated PNG", path);
		if (memcmp(ch + 4, "IDAT", 4) == 0 || memcmp(ch + 4, "IEND", 4) == 0)
			break;
		if (memcmp(ch + 4, "tRNS", 4) == 0) {
			*c = *c == 1 ? 2 : 4;
			break;
		}
		if (fseek(f, (long)be32(ch) + 4, SEEK_CUR) != 0)
			return sgs_error_set("%s: truncated PNG", path);
	}
	return 0;
}

/* JPEG: walk the marker segments up to the first start-of-frame. */
static int probe_jpeg(FILE *f, const char *path, uint32_t *w, uint32_t *h, uint32_t *c)
{
	for (;;) {
		int m = fgetc(f);
		if (m == EOF)
			break;
		if (m != 0xFF)
			continue;
		while ((m = fgetc(f)) == 0xFF)
			;
		if (m == EOF)
			break;
		if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7))
			continue; /* markers without a length */
		uint8_t b[6];
		if (fread(b, 1, 2, f) != 2 || be16(b) < 2)
			break;
		uint32_t len = be16(b);
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			if (fread(b, 1, 6, f) != 6)
				break;
			*h = be16(b + 1);
			*w = be16(b + 3);
			*c = b[5] == 1 ? 1 : 3; /* the decoder gives gray or RGB */
			return 0;
		}
		if (fseek(f, (long)len - 2, SEEK_CUR) != 0)
			break;
	}
	return sgs_error_set("%s: broken JPEG (no frame header)", path);
}

static int probe_image(const char *path, uint32_t *w, uint32_t *h, uint32_t *c)
{
	static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	uint8_t sig[8];
	FILE *f = fopen(path, "rb");
	int r;
	if (!f)
		return sgs_error_set("%s: %s", path, strerror(errno));
	if (fread(sig, 1, 8, f) == 8 && memcmp(sig, png_sig, 8) == 0)
		r = probe_png(f, path, w, h, c);
	else if (sig[0] == 0xFF && sig[1] == 0xD8 && fseek(f, 2, SEEK_SET) == 0)
		r = probe_jpeg(f, path, w, h, c);
	else
		r = sgs_error_set("%s: not a PNG or JPEG file", path);
	fclose(f);
	if (r == 0 && (*w == 0 || *h == 0))
		r = sgs_error_set("%s: image has size %ux%u", path, *w, *h);
	return r;
}

/* ---- JSON ---- */

static cJSON *read_json(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sgs_error_set("%s: %s", path, strerror(errno));
		return NULL;
	}
	char *text = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *p = realloc(text, cap = 2 * cap + 65536 + 1);
			if (!p) {
				free(text);
				fclose(f);
				sgs_error_set("out of memory");
				return NULL;
			}
			text = p;
		}
		size_t got = fread(text + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(text);
		sgs_error_set("%s: read error", path);
		return NULL;
	}
	text[n] = '\0';
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, n, &end, 0);
	if (!root || !cJSON_IsObject(root)) {
		if (root) {
			sgs_error_set("%s: top level is not a JSON object", path);
		} else {
			unsigned line = 1, col = 1;
			for (const char *p = text; end && p < end && p < text + n; p++, col++)
				if (*p == '\n')
					line++, col = 0;
			sgs_error_set("%s:%u:%u: invalid JSON", path, line, col);
		}
		cJSON_Delete(root);
		root = NULL;
	}
	free(text);
	return root;
}

/* Where a field is looked up: the frame first, then the file's top level. */
struct json_ctx {
	const char *file;  /* for messages, e.g. "lego/transforms_train.json" */
	const cJSON *root, *frame;
	int index;         /* frame index, -1 for top-level fields */
	int skip_absent;   /* instant-ngp: a frame without its image file is skipped */
	uint32_t nabsent;  /* the frames skipped so */
	char first_absent[PATH_MAX];
};

static int field_error(const struct json_ctx *j, const char *field, const char *problem)
{
	if (j->index >= 0)
		return sgs_error_set("%s: frame %d: '%s' %s", j->file, j->index, field, problem);
	return sgs_error_set("%s: '%s' %s", j->file, field, problem);
}

/* 1 found, 0 absent, -1 present but not a finite number. */
static int get_number(const struct json_ctx *j, const char *field, double *v)
{
	const cJSON *x = j->frame ? cJSON_GetObjectItemCaseSensitive(j->frame, field) : NULL;
	struct json_ctx top = *j;
	if (!x) {
		x = cJSON_GetObjectItemCaseSensitive(j->root, field);
		top.index = -1; /* name the level the bad value is at */
	}
	if (!x)
		return 0;
	if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
		return field_error(&top, field, "is not a number");
	*v = x->valuedouble;
	return 1;
}

/* Like get_number, with a default for an absent field: 0 or -1. */
static int get_number_or(const struct json_ctx *j, const char *field, double def, double *v)
{
	int r = get_number(j, field, v);
	if (r == 0)
		*v = def;
	return r < 0 ? -1 : 0;
}

static int need_number(const struct json_ctx *j, const char *field, double *v)
{
	int r = get_number(j, field, v);
	return r == 0 ? field_error(j, field, "is missing") : r;
}

static const cJSON *need_frames(const char *file, const cJSON *root)
{
	const cJSON *frames = cJSON_GetObjectItemCaseSensitive(root, "frames");
	if (!cJSON_IsArray(frames)) {
		sgs_error_set("%s: '%s' %s", file, "frames",
			      frames ? "is not an array" : "is missing");
		return NULL;
	}
	return frames;
}

/* transform_matrix: 4x4 (or 3x4) camera-to-world, rows of numbers. */
static int get_matrix(const struct json_ctx *j, double m[12])
{
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j->frame, "transform_matrix");
	if (!rows)
		return field_error(j, "transform_matrix", "is missing");
	int nrows = cJSON_GetArraySize(rows);
	if (!cJSON_IsArray(rows) || (nrows != 3 && nrows != 4))
		return field_error(j, "transform_matrix", "is not a 4x4 array");
	for (int r = 0; r < nrows; r++) {
		const cJSON *row = cJSON_GetArrayItem(rows, r);
		if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != 4)
			return field_error(j, "transform_matrix", "is not a 4x4 array");
		for (int c = 0; c < 4; c++) {
			const cJSON *x = cJSON_GetArrayItem(row, c);
			if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
				return field_error(j, "transform_matrix", "holds a non-number");
			if (r < 3)
				m[4 * r + c] = x->valuedouble;
			else if (fabs(x->valuedouble - (c == 3)) > 1e-6)
				return field_error(j, "transform_matrix",
						   "has a last row other than 0 0 0 1");
		}
	}
	return 0;
}

/* ---- poses ---- */

/* OpenGL camera-to-world (3x4, row-major) -> OpenCV world-to-camera.  The
 * rotation is first snapped to the nearest rotation matrix (Newton-Schulz
 * polar iteration: the files store float32 values) so R is orthonormal to
 * double precision, and t = -R C keeps the camera centre exactly. */
static int pose_from_gl(const struct json_ctx *j, const double m[12], struct sgs_camera *cam)
{
	double X[9], C[3];
	for (int r = 0; r < 3; r++) {
		X[3 * r + 0] = m[4 * r + 0];
		X[3 * r + 1] = -m[4 * r + 1]; /* flip the y and z camera axes */
		X[3 * r + 2] = -m[4 * r + 2];
		C[r] = m[4 * r + 3];
	}
	double err;
	int snap = sgs_rot_snap(X, 1e-3, &err);
	if (snap == -1)
		return field_error(j, "transform_matrix", "is not a rotation plus translation");
	if (snap == -2)
		return field_error(j, "transform_matrix", "is a reflection, not a rotation");
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++)
			cam->R[3 * r + c] = X[3 * c + r];
	for (int r = 0; r < 3; r++)
		cam->t[r] = -(cam->R[3 * r] * C[0] + cam->R[3 * r + 1] * C[1] +
			      cam->R[3 * r + 2] * C[2]);
	return 0;
}

/* ---- frames ---- */

/* file_path -> image path under dir and view name ("./train/r_0" ->
 * dir/train/r_0.png, "train_r_0").  The NeRF release leaves out ".png". */
static int frame_paths(const struct json_ctx *j, const char *dir, struct sgs_dataset_view *v)
{
	const cJSON *fp = cJSON_GetObjectItemCaseSensitive(j->frame, "file_path");
	if (!fp)
		return field_error(j, "file_path", "is missing");
	if (!cJSON_IsString(fp) || !fp->valuestring[0])
		return field_error(j, "file_path", "is not a file name");
	const char *rel = fp->valuestring;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	int has_ext;
	int named = sgs_view_name(rel, v->name, sizeof v->name, &has_ext);
	if ((size_t)snprintf(v->image_path, sizeof v->image_path, "%s/%s%s", dir, rel,
			     has_ext ? "" : ".png") >= sizeof v->image_path)
		return field_error(j, "file_path", "makes a path that is too long");
	if (named < 0)
		return field_error(j, "file_path", "makes a view name that is too long");
	return 0;
}

/* The parts every frame has: image path and name, pose, image size.  1
 * when the frame is skipped for want of its image (j->skip_absent). */
static int read_frame(struct json_ctx *j, const cJSON *fr, const char *dir,
		      struct sgs_dataset_view *v, uint32_t *w, uint32_t *h, uint32_t *c)
{
	double m[12];
	j->frame = fr;
	j->index++;
	if (!cJSON_IsObject(fr))
		return sgs_error_set("%s: frame %d is not an object", j->file, j->index);
	if (frame_paths(j, dir, v) < 0 || get_matrix(j, m) < 0 || pose_from_gl(j, m, &v->cam) < 0)
		return -1;
	/* Only an absent file: one that cannot be read is still an error. */
	if (j->skip_absent && access(v->image_path, F_OK) != 0 && errno == ENOENT) {
		if (j->nabsent++ == 0)
			memcpy(j->first_absent, v->image_path, sizeof j->first_absent);
		return 1;
	}
	if (probe_image(v->image_path, w, h, c) < 0)
		return sgs_error_prefix("%s: frame %d", j->file, j->index);
	return 0;
}

static int check_unique_names(const char *dir, const struct sgs_dataset *d)
{
	for (uint32_t i = 0; i < d->nviews; i++)
		for (uint32_t k = 0; k < i; k++)
			if (strcmp(d->views[i].name, d->views[k].name) == 0)
				return sgs_error_set("%s: two frames have the view name '%s'", dir,
						     d->views[i].name);
	return 0;
}

/* A zeroed slot for the next view, d->views[d->nviews]: the array grows
 * with the frames actually read (a view is 8 KiB; a frame can be 3 bytes
 * of JSON, so sizing it from the frame count would trust the file). */
static struct sgs_dataset_view *next_view(struct sgs_dataset *d, uint32_t *cap)
{
	if (d->nviews == *cap) {
		uint32_t c = *cap ? 2 * *cap : 16;
		struct sgs_dataset_view *v = realloc(d->views, (size_t)c * sizeof *v);
		if (!v) {
			sgs_error_set("out of memory");
			return NULL;
		}
		d->views = v;
		*cap = c;
	}
	memset(&d->views[d->nviews], 0, sizeof *d->views);
	return &d->views[d->nviews];
}

/* ---- NeRF-synthetic ---- */

/* Appends the frames of one transforms_<split>.json to d->views. */
static int blender_file(const char *dir, const char *file, const cJSON *root, uint32_t pool,
			struct sgs_dataset *d, uint32_t *cap)
{
	struct json_ctx j = {.file = file, .root = root, .index = -1};
	double angle;
	const cJSON *frames = need_frames(file, root), *fr;
	if (!frames || need_number(&j, "camera_angle_x", &angle) < 0)
		return -1;
	if (!(angle > 0 && angle < M_PI))
		return field_error(&j, "camera_angle_x", "is not an angle in (0, pi)");
	cJSON_ArrayForEach(fr, frames)
	{
		struct sgs_dataset_view *v = next_view(d, cap);
		uint32_t w, h, c;
		if (!v || read_frame(&j, fr, dir, v, &w, &h, &c) < 0)
			return -1;
		/* The focal length follows the real width (the same JSON serves
		 * the 800x800 originals and 400x400 copies). */
		v->cam.w = w;
		v->cam.h = h;
		v->cam.fx = v->cam.fy = 0.5 * w / tan(0.5 * angle);
		v->cam.cx = 0.5 * w;
		v->cam.cy = 0.5 * h;
		v->dist.lens = SGS_LENS_PINHOLE;
		v->pool = pool;
		if (c == 2 || c == 4)
			d->has_alpha = 1;
		d->nviews++;
	}
	return 0;
}

int sgs_import_blender(const char *dir, struct sgs_dataset *d)
{
	static const struct {
		const char *file;
		uint32_t pool;
		int required;
	} splits[] = {
		{"transforms_train.json", SGS_POOL_TRAIN, 1},
		{"transforms_test.json", SGS_POOL_TEST, 0},
	};
	char path[2][PATH_MAX];
	cJSON *root[2] = {NULL, NULL};
	const cJSON *frames;
	uint32_t total = 0, cap = 0;
	int r = 0;

	memset(d, 0, sizeof *d);
	snprintf(d->format, sizeof d->format, "blender");
	for (int i = 0; i < 2 && r == 0; i++) {
		if ((size_t)snprintf(path[i], PATH_MAX, "%s/%s", dir, splits[i].file) >= PATH_MAX)
			r = sgs_error_set("%s: path too long", dir);
		else if (!splits[i].required && access(path[i], F_OK) != 0)
			continue;
		else if (!(root[i] = read_json(path[i])) || !(frames = need_frames(path[i], root[i])))
			r = -1;
		else
			total += (uint32_t)cJSON_GetArraySize(frames);
	}
	if (r == 0 && total == 0)
		r = sgs_error_set("%s: no frames in transforms_train.json", dir);
	for (int i = 0; i < 2 && r == 0; i++)
		if (root[i])
			r = blender_file(dir, path[i], root[i], splits[i].pool, d, &cap);
	if (r == 0)
		r = check_unique_names(dir, d);
	/* NeRF-synthetic renders are evaluated on white. */
	for (int k = 0; k < 3; k++)
		d->background[k] = 1;
	cJSON_Delete(root[0]);
	cJSON_Delete(root[1]);
	if (r < 0)
		sgs_dataset_free(d);
	return r;
}

/* ---- instant-ngp ---- */

/* A lens the loader cannot undistort (k1 = 1e6) is refused naming the
 * file and its first non-zero coefficient; keeping the distorted
 * intrinsics would give images that match no camera. */
static int check_lens(const struct json_ctx *j, const struct sgs_camera *cam,
		      const struct sgs_distortion *dd)
{
	struct sgs_camera pinhole;
	if (sgs_undistorted_camera(cam, dd, &pinhole) == 0)
		return 0;
	const char *field = dd->k1 != 0 ? "k1" : dd->k2 != 0 ? "k2" : dd->p1 != 0 ? "p1" : "p2";
	char problem[600];
	snprintf(problem, sizeof problem, "is out of range: %s", sgs_error_get());
	return field_error(j, field, problem);
}

/* Intrinsics of one frame: each field from the frame, else the top level;
 * size defaults to the image file's, principal point to the centre. */
static int ngp_intrinsics(const struct json_ctx *j, uint32_t fw, uint32_t fh,
			  struct sgs_dataset_view *v)
{
	struct sgs_camera *cam = &v->cam;
	double w, h, angle, k3, k4;
	int r;

	if (get_number_or(j, "w", fw, &w) < 0 || get_number_or(j, "h", fh, &h) < 0)
		return -1;
	if (w != fw || h != fh)
		return sgs_error_set("%s: frame %d: w, h say %gx%g but %s is %ux%u", j->file,
				     j->index, w, h, v->image_path, fw, fh);
	cam->w = fw;
	cam->h = fh;
	if ((r = get_number(j, "fl_x", &cam->fx)) < 0)
		return -1;
	if (r == 0) {
		if ((r = get_number(j, "camera_angle_x", &angle)) < 0)
			return -1;
		if (r == 0)
			return field_error(j, "fl_x", "is missing (and so is camera_angle_x)");
		if (!(angle > 0 && angle < M_PI))
			return field_error(j, "camera_angle_x", "is not an angle in (0, pi)");
		cam->fx = 0.5 * w / tan(0.5 * angle);
	}
	if ((r = get_number(j, "fl_y", &cam->fy)) < 0)
		return -1;
	if (r == 0) {
		if ((r = get_number(j, "camera_angle_y", &angle)) < 0)
			return -1;
		if (r && !(angle > 0 && angle < M_PI))
			return field_error(j, "camera_angle_y", "is not an angle in (0, pi)");
		cam->fy = r ? 0.5 * h / tan(0.5 * angle) : cam->fx;
	}
	if (!(cam->fx > 0 && cam->fy > 0))
		return field_error(j, "fl_x", "gives a focal length that is not positive");
	if (get_number_or(j, "cx", 0.5 * w, &cam->cx) < 0 ||
	    get_number_or(j, "cy", 0.5 * h, &cam->cy) < 0)
		return -1;

	/* Lens: OPENCV when any of k1 k2 p1 p2 is set; fisheye and higher-order
	 * terms have no sgs lens model. */
	struct sgs_distortion *dd = &v->dist;
	memset(dd, 0, sizeof *dd);
	if (get_number_or(j, "k1", 0, &dd->k1) < 0 || get_number_or(j, "k2", 0, &dd->k2) < 0 ||
	    get_number_or(j, "p1", 0, &dd->p1) < 0 || get_number_or(j, "p2", 0, &dd->p2) < 0 ||
	    get_number_or(j, "k3", 0, &k3) < 0 || get_number_or(j, "k4", 0, &k4) < 0)
		return -1;
	const cJSON *fe = cJSON_GetObjectItemCaseSensitive(j->frame, "is_fisheye");
	if (!fe)
		fe = cJSON_GetObjectItemCaseSensitive(j->root, "is_fisheye");
	if (fe && (cJSON_IsTrue(fe) || (cJSON_IsNumber(fe) && fe->valuedouble != 0)))
		return field_error(j, "is_fisheye", "is set: fisheye lenses are not supported");
	if (k3 != 0 || k4 != 0)
		return field_error(j, k3 != 0 ? "k3" : "k4",
				   "is not zero: only k1 k2 p1 p2 distortion is supported");
	dd->lens = SGS_LENS_OPENCV;
	if (sgs_distortion_is_identity(dd))
		dd->lens = SGS_LENS_PINHOLE;
	return check_lens(j, cam, dd);
}

int sgs_import_ngp(const char *dir, struct sgs_dataset *d)
{
	char path[PATH_MAX];
	cJSON *root = NULL;
	const cJSON *frames, *fr;
	uint32_t cap = 0;
	int r = 0;

	memset(d, 0, sizeof *d);
	snprintf(d->format, sizeof d->format, "ngp");
	for (int k = 0; k < 3; k++)
		d->background[k] = 1;
	if ((size_t)snprintf(path, sizeof path, "%s/transforms.json", dir) >= sizeof path)
		return sgs_error_set("%s: path too long", dir);
	if (!(root = read_json(path)))
		return -1;
	if (!(frames = need_frames(path, root)))
		r = -1;
	else if (cJSON_GetArraySize(frames) == 0)
		r = sgs_error_set("%s: no frames", path);

	/* As instant-ngp does, frames whose image file is absent are left out
	 * (its own fox sample lists some); the caller warns with the count. */
	struct json_ctx j = {.file = path, .root = root, .index = -1, .skip_absent = 1};
	if (r == 0)
		cJSON_ArrayForEach(fr, frames)
		{
			struct sgs_dataset_view *v = next_view(d, &cap);
			uint32_t w, h, c;
			int got = v ? read_frame(&j, fr, dir, v, &w, &h, &c) : -1;
			if (got == 1) {
				memset(v, 0, sizeof *v);
				continue;
			}
			if (got < 0 || ngp_intrinsics(&j, w, h, v) < 0) {
				r = -1;
				break;
			}
			v->pool = SGS_POOL_ANY;
			if (c == 2 || c == 4)
				d->has_alpha = 1;
			d->nviews++;
		}
	if (r == 0 && d->nviews == 0 && j.nabsent > 0)
		r = sgs_error_set("%s: none of the %u frames has its image file (the first: %s)", path,
				  j.nabsent, j.first_absent);
	d->nabsent = j.nabsent;
	if (r == 0)
		r = check_unique_names(dir, d);
	cJSON_Delete(root);
	if (r < 0)
		sgs_dataset_free(d);
	return r;
}
