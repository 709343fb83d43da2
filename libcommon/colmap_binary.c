/* COLMAP's binary model (cameras.bin, images.bin, points3D.bin): the
 * little-endian layout of COLMAP's WriteCamerasBinary / WriteImagesBinary /
 * WritePoints3DBinary.  Every count is checked against the bytes left in
 * the file, so garbage fails with a message instead of a huge allocation. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "colmap_model.h"
#include "sgs_error.h"

struct bin_file {
	FILE *f;
	char path[4200];
	uint64_t size, pos;
};

static int bin_open(struct bin_file *b, const char *dir, const char *name)
{
	struct stat st;
	memset(b, 0, sizeof *b);
	snprintf(b->path, sizeof b->path, "%s/%s", dir, name);
	b->f = fopen(b->path, "rb");
	if (!b->f)
		return sgs_error_set("%s: %s", b->path, strerror(errno));
	if (fstat(fileno(b->f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(b->f);
		b->f = NULL;
		return sgs_error_set("%s: not a regular file", b->path);
	}
	b->size = (uint64_t)st.st_size;
	return 0;
}

static void bin_close(struct bin_file *b)
{
	if (b->f)
		fclose(b->f);
	b->f = NULL;
}

static int bin_read(struct bin_file *b, void *buf, size_t n)
{
	if (fread(buf, 1, n, b->f) != n)
		return ferror(b->f) ? sgs_error_set("%s: read error", b->path)
				    : sgs_error_set("%s: truncated (ends at byte %llu)", b->path,
						    (unsigned long long)b->size);
	b->pos += n;
	return 0;
}

static int bin_skip(struct bin_file *b, uint64_t n)
{
	if (n > b->size - b->pos || fseeko(b->f, (off_t)n, SEEK_CUR) < 0)
		return sgs_error_set("%s: truncated (ends at byte %llu)", b->path,
				     (unsigned long long)b->size);
	b->pos += n;
	return 0;
}

static uint64_t le_bytes(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int rd_u32(struct bin_file *b, uint32_t *v)
{
	uint8_t p[4];
	if (bin_read(b, p, 4) < 0)
		return -1;
	*v = (uint32_t)le_bytes(p, 4);
	return 0;
}

static int rd_u64(struct bin_file *b, uint64_t *v)
{
	uint8_t p[8];
	if (bin_read(b, p, 8) < 0)
		return -1;
	*v = le_bytes(p, 8);
	return 0;
}

static int rd_f64(struct bin_file *b, double *v)
{
	uint64_t u;
	if (rd_u64(b, &u) < 0)
		return -1;
	memcpy(v, &u, sizeof *v);
	return 0;
}

static int rd_f64s(struct bin_file *b, double *v, int n)
{
	for (int i = 0; i < n; i++)
		if (rd_f64(b, &v[i]) < 0)
			return -1;
	return 0;
}

/* A count read from the file must fit in the bytes that are left. */
static int check_count(struct bin_file *b, uint64_t count, uint64_t min_bytes, const char *what)
{
	if (count > (b->size - b->pos) / min_bytes)
		return sgs_error_set("%s: truncated or corrupt: %llu %s do not fit in the %llu "
				     "bytes left",
				     b->path, (unsigned long long)count, what,
				     (unsigned long long)(b->size - b->pos));
	return 0;
}

static int check_end(struct bin_file *b)
{
	if (b->pos != b->size)
		return sgs_error_set("%s: %llu unexpected bytes after the last record (corrupt?)",
				     b->path, (unsigned long long)(b->size - b->pos));
	return 0;
}

static int read_cameras(struct bin_file *b, struct colmap_model *m)
{
	uint64_t n;
	if (rd_u64(b, &n) < 0 || check_count(b, n, 24, "cameras") < 0)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		struct colmap_camera *c = colmap_add_camera(m);
		uint32_t model;
		if (!c || rd_u32(b, &c->id) < 0 || rd_u32(b, &model) < 0)
			return -1;
		if (colmap_model_nparams((int)model) < 0)
			return sgs_error_set("%s: camera %u has unknown model id %u (corrupt?)",
					     b->path, c->id, model);
		c->model = (int)model;
		if (rd_u64(b, &c->w) < 0 || rd_u64(b, &c->h) < 0 ||
		    rd_f64s(b, c->params, colmap_model_nparams(c->model)) < 0)
			return -1;
	}
	return check_end(b);
}

static int read_name(struct bin_file *b, char **name)
{
	char buf[4096];
	size_t n = 0;
	for (;;) {
		if (bin_read(b, &buf[n], 1) < 0)
			return -1;
		if (buf[n] == '\0')
			break;
		if (++n == sizeof buf)
			return sgs_error_set("%s: image name longer than %zu bytes (corrupt?)",
					     b->path, sizeof buf - 1);
	}
	if (n == 0)
		return sgs_error_set("%s: empty image name (corrupt?)", b->path);
	*name = strdup(buf);
	return *name ? 0 : sgs_error_set("out of memory");
}

static int read_images(struct bin_file *b, struct colmap_model *m)
{
	uint64_t n, npoints2d;
	if (rd_u64(b, &n) < 0 || check_count(b, n, 74, "images") < 0)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		struct colmap_image *im = colmap_add_image(m);
		if (!im || rd_u32(b, &im->id) < 0 || rd_f64s(b, im->q, 4) < 0 ||
		    rd_f64s(b, im->t, 3) < 0 || rd_u32(b, &im->camera_id) < 0 ||
		    read_name(b, &im->name) < 0 || rd_u64(b, &npoints2d) < 0)
			return -1;
		/* Each observation is x, y (double) and a point3D id (int64). */
		if (check_count(b, npoints2d, 24, "2D points") < 0 || bin_skip(b, 24 * npoints2d) < 0)
			return -1;
	}
	return check_end(b);
}

static int read_points(struct bin_file *b, struct colmap_model *m)
{
	uint64_t n, id, len;
	if (rd_u64(b, &n) < 0 || check_count(b, n, 51, "points") < 0)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		double xyz[3], err;
		uint8_t rgb[3];
		if (rd_u64(b, &id) < 0 || rd_f64s(b, xyz, 3) < 0 || bin_read(b, rgb, 3) < 0 ||
		    rd_f64(b, &err) < 0 || rd_u64(b, &len) < 0)
			return -1;
		if (check_count(b, len, 8, "track entries") < 0 || colmap_add_point(m, xyz, rgb) < 0)
			return -1;
		for (uint64_t k = 0; k < len; k++) {
			uint32_t img, idx;
			if (rd_u32(b, &img) < 0 || rd_u32(b, &idx) < 0 ||
			    colmap_add_observation(m, img) < 0)
				return -1;
		}
	}
	return check_end(b);
}

int colmap_read_binary(const char *dir, struct colmap_model *m)
{
	static const struct {
		const char *file;
		int (*read)(struct bin_file *, struct colmap_model *);
	} parts[] = {
		{"cameras.bin", read_cameras},
		{"images.bin", read_images},
		{"points3D.bin", read_points},
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		struct bin_file b;
		if (bin_open(&b, dir, parts[i].file) < 0)
			return -1;
		int r = parts[i].read(&b, m);
		bin_close(&b);
		if (r < 0)
			return -1;
	}
	return 0;
}
