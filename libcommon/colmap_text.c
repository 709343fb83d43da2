/* COLMAP's text model (cameras.txt, images.txt, points3D.txt), read as
 * COLMAP's own reader does: '#' comments and blank lines skipped, except
 * that every image line is followed by its POINTS2D line, which may be
 * empty. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colmap_model.h"
#include "sgs_error.h"

struct text_file {
	FILE *f;
	char path[4200];
	char *line;
	size_t cap;
	unsigned long lineno;
};

static int text_open(struct text_file *t, const char *dir, const char *name)
{
	memset(t, 0, sizeof *t);
	snprintf(t->path, sizeof t->path, "%s/%s", dir, name);
	t->f = fopen(t->path, "r");
	if (!t->f)
		return sgs_error_set("%s: %s", t->path, strerror(errno));
	return 0;
}

static void text_close(struct text_file *t)
{
	if (t->f)
		fclose(t->f);
	free(t->line);
	t->f = NULL;
	t->line = NULL;
}

/* Next raw line with trailing whitespace removed: 1, 0 at end of file, -1
 * on a read error. */
static int text_raw_line(struct text_file *t)
{
	ssize_t n = getline(&t->line, &t->cap, t->f);
	if (n < 0)
		return ferror(t->f) ? sgs_error_set("%s: read error", t->path) : 0;
	t->lineno++;
	while (n > 0 && isspace((unsigned char)t->line[n - 1]))
		t->line[--n] = '\0';
	if (memchr(t->line, '\0', (size_t)n))
		return sgs_error_set("%s:%lu: NUL byte: not a text file", t->path, t->lineno);
	return 1;
}

/* Next line that is neither blank nor a comment; returns its start. */
static int text_data_line(struct text_file *t, char **start)
{
	int r;
	while ((r = text_raw_line(t)) > 0) {
		char *p = t->line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p && *p != '#') {
			*start = p;
			return 1;
		}
	}
	return r;
}

static int at_token_end(const char *p)
{
	return *p == '\0' || isspace((unsigned char)*p);
}

/* "missing <what>" at the end of the line, else "bad <what> '<token>'". */
static int token_error(struct text_file *t, const char *p, const char *what)
{
	int n = 0;
	while (p[n] && !isspace((unsigned char)p[n]) && n < 24)
		n++;
	if (!*p)
		return sgs_error_set("%s:%lu: missing %s", t->path, t->lineno, what);
	return sgs_error_set("%s:%lu: bad %s '%.*s'", t->path, t->lineno, what, n, p);
}

static int parse_u64(struct text_file *t, char **p, const char *what, uint64_t max, uint64_t *v)
{
	char *end = *p;
	while (isspace((unsigned char)**p))
		(*p)++;
	errno = 0;
	unsigned long long x = isdigit((unsigned char)**p) ? strtoull(*p, &end, 10) : 0;
	if (!isdigit((unsigned char)**p) || !at_token_end(end) || errno || x > max)
		return token_error(t, *p, what);
	*v = x;
	*p = end;
	return 0;
}

static int parse_double(struct text_file *t, char **p, const char *what, double *v)
{
	char *end;
	while (isspace((unsigned char)**p))
		(*p)++;
	*v = strtod(*p, &end);
	if (end == *p || !at_token_end(end))
		return token_error(t, *p, what);
	*p = end;
	return 0;
}

static int expect_end(struct text_file *t, char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return sgs_error_set("%s:%lu: unexpected '%.20s' at end of line", t->path,
				     t->lineno, p);
	return 0;
}

/* CAMERA_ID MODEL WIDTH HEIGHT PARAMS[] */
static int read_cameras(struct text_file *t, struct colmap_model *m)
{
	char *p;
	int r;
	while ((r = text_data_line(t, &p)) > 0) {
		uint64_t id;
		if (parse_u64(t, &p, "camera id", UINT32_MAX, &id) < 0)
			return -1;
		while (isspace((unsigned char)*p))
			p++;
		char *name = p;
		if (!*p)
			return token_error(t, p, "camera model");
		while (*p && !isspace((unsigned char)*p))
			p++;
		char save = *p;
		*p = '\0';
		int model = colmap_model_by_name(name);
		if (model < 0)
			return sgs_error_set("%s:%lu: unknown camera model '%s'", t->path, t->lineno,
					     name);
		*p = save;
		struct colmap_camera *c = colmap_add_camera(m);
		if (!c)
			return -1;
		c->id = (uint32_t)id;
		c->model = model;
		if (parse_u64(t, &p, "width", UINT32_MAX, &c->w) < 0 ||
		    parse_u64(t, &p, "height", UINT32_MAX, &c->h) < 0)
			return -1;
		for (int i = 0; i < colmap_model_nparams(model); i++) {
			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				return sgs_error_set("%s:%lu: %s needs %d parameters, got %d",
						     t->path, t->lineno, colmap_model_name(model),
						     colmap_model_nparams(model), i);
			if (parse_double(t, &p, "camera parameter", &c->params[i]) < 0)
				return -1;
		}
		if (expect_end(t, p) < 0)
			return -1;
	}
	return r;
}

/* The line after an image's must be its POINTS2D: X Y POINT3D_ID
 * triples, all numbers, or empty.  Anything else (most often the next
 * image's line, in a file written without POINTS2D lines) is refused
 * here, naming the line, instead of being skipped silently and taking
 * an image with it. */
static int check_points2d(struct text_file *t, uint32_t image_id)
{
	size_t ntok = 0;
	int numeric = 1;
	for (char *p = t->line;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		char *end;
		strtod(p, &end);
		numeric &= end != p && at_token_end(end);
		while (*p && !isspace((unsigned char)*p))
			p++;
		ntok++;
	}
	if (numeric && ntok % 3 == 0)
		return 0;
	return sgs_error_set("%s:%lu: expected the POINTS2D line of image %u (X Y POINT3D_ID "
			     "triples, or an empty line), found '%.40s'; COLMAP writes two lines "
			     "per image", t->path, t->lineno, image_id, t->line);
}

/* IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME, then a POINTS2D line. */
static int read_images(struct text_file *t, struct colmap_model *m)
{
	char *p;
	int r;
	while ((r = text_data_line(t, &p)) > 0) {
		uint64_t id, cam;
		struct colmap_image *im = colmap_add_image(m);
		if (!im || parse_u64(t, &p, "image id", UINT32_MAX, &id) < 0)
			return -1;
		im->id = (uint32_t)id;
		for (int i = 0; i < 4; i++)
			if (parse_double(t, &p, "quaternion", &im->q[i]) < 0)
				return -1;
		for (int i = 0; i < 3; i++)
			if (parse_double(t, &p, "translation", &im->t[i]) < 0)
				return -1;
		if (parse_u64(t, &p, "camera id", UINT32_MAX, &cam) < 0)
			return -1;
		im->camera_id = (uint32_t)cam;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return sgs_error_set("%s:%lu: missing image name", t->path, t->lineno);
		im->name = strdup(p);
		if (!im->name)
			return sgs_error_set("out of memory");
		/* The observations line; only the 3D side (points3D) is needed,
		 * but a file without these lines must not lose every other image. */
		if ((r = text_raw_line(t)) < 0 || (r > 0 && check_points2d(t, im->id) < 0))
			return -1;
	}
	return r;
}

/* POINT3D_ID X Y Z R G B ERROR TRACK[] as (IMAGE_ID, POINT2D_IDX) */
static int read_points(struct text_file *t, struct colmap_model *m)
{
	char *p;
	int r;
	while ((r = text_data_line(t, &p)) > 0) {
		uint64_t id, c, idx, img;
		double xyz[3], err;
		uint8_t rgb[3];
		if (parse_u64(t, &p, "point id", UINT64_MAX, &id) < 0)
			return -1;
		for (int i = 0; i < 3; i++)
			if (parse_double(t, &p, "coordinate", &xyz[i]) < 0)
				return -1;
		for (int i = 0; i < 3; i++) {
			if (parse_u64(t, &p, "colour", 255, &c) < 0)
				return -1;
			rgb[i] = (uint8_t)c;
		}
		if (parse_double(t, &p, "error", &err) < 0 || colmap_add_point(m, xyz, rgb) < 0)
			return -1;
		for (;;) {
			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			if (parse_u64(t, &p, "track image id", UINT32_MAX, &img) < 0 ||
			    parse_u64(t, &p, "track point2D index", UINT32_MAX, &idx) < 0)
				return -1;
			if (colmap_add_observation(m, (uint32_t)img) < 0)
				return -1;
		}
	}
	return r;
}

int colmap_read_text(const char *dir, struct colmap_model *m)
{
	static const struct {
		const char *file;
		int (*read)(struct text_file *, struct colmap_model *);
	} parts[] = {
		{"cameras.txt", read_cameras},
		{"images.txt", read_images},
		{"points3D.txt", read_points},
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		struct text_file t;
		if (text_open(&t, dir, parts[i].file) < 0)
			return -1;
		int r = parts[i].read(&t, m);
		text_close(&t);
		if (r < 0)
			return -1;
	}
	return 0;
}
