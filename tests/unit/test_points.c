/* Point-cloud PLY files (sgs-init --points): the three formats, types by
 * name, colour rules, skipped elements and properties, non-finite points,
 * every hostile header and truncation; then the camera check and the
 * hand-over to a scene's seeds. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_points.h"
#include "tap.h"

/* ---- building files ----------------------------------------------------- */

/* A file being written: header text, then binary values in one byte order. */
struct ply_file {
	char *data;
	size_t len;
	FILE *f;
	int big;
};

static void file_begin(struct ply_file *b, int big, const char *header)
{
	b->data = NULL;
	b->len = 0;
	b->f = open_memstream(&b->data, &b->len);
	b->big = big;
	fputs(header, b->f);
}

static void put_bytes(struct ply_file *b, const void *v, size_t n)
{
	const uint8_t *p = v;
	for (size_t i = 0; i < n; i++)
		fputc(p[b->big ? n - 1 - i : i], b->f); /* the host is little-endian */
}

static void put_f32(struct ply_file *b, float v) { put_bytes(b, &v, 4); }
static void put_f64(struct ply_file *b, double v) { put_bytes(b, &v, 8); }
static void put_i32(struct ply_file *b, int32_t v) { put_bytes(b, &v, 4); }
static void put_i16(struct ply_file *b, int16_t v) { put_bytes(b, &v, 2); }
static void put_u8(struct ply_file *b, uint8_t v) { fputc(v, b->f); }

static void file_end(struct ply_file *b) { fclose(b->f); }

/* Reads len bytes of buf; size is what the reader is told (-1: a pipe). */
static int read_mem(const void *buf, size_t len, int64_t size, struct sgs_points *p)
{
	FILE *f = len ? fmemopen((void *)buf, len, "rb") : fopen("/dev/null", "rb");
	int rc = sgs_points_read(f, "mem.ply", size, p);
	fclose(f);
	return rc;
}

static int read_text(const char *text, struct sgs_points *p)
{
	return read_mem(text, strlen(text), (int64_t)strlen(text), p);
}

static int point_is(const struct sgs_points *p, uint64_t i, float x, float y, float z, int r, int g,
		    int bl)
{
	const float *q = p->xyz + 3 * i;
	const uint8_t *c = p->rgb + 3 * i;
	return i < p->n && q[0] == x && q[1] == y && q[2] == z && c[0] == r && c[1] == g && c[2] == bl;
}

/* ---- good files --------------------------------------------------------- */

static void test_ascii(void)
{
	struct sgs_points p;
	int rc = read_text("ply\r\nformat ascii 1.0\r\ncomment made by hand\r\n"
			   "obj_info scanner 3 x y z with many words\r\n"
			   "element vertex 3\r\nproperty float x\r\nproperty float y\r\nproperty float z\r\n"
			   "property float intensity\r\nproperty uchar red\r\nproperty uchar green\r\n"
			   "property uchar blue\r\nend_header\r\n"
			   "1 2 3 0.5 255 0 10\r\n-1.5 0 2e3 7 1 2 3\r\n\t0.25  0.5 0.75 1 4 5 6",
			   &p);
	ok(rc == 0 && p.n == 3 && p.has_colour && p.nonfinite == 0, "ASCII, CRLF, comments: 3 points (%s)",
	   sgs_error_get());
	ok(rc == 0 && point_is(&p, 0, 1, 2, 3, 255, 0, 10) && point_is(&p, 1, -1.5f, 0, 2000, 1, 2, 3) &&
	   point_is(&p, 2, 0.25f, 0.5f, 0.75f, 4, 5, 6), "ASCII values, intensity skipped");
	sgs_points_free(&p);
}

/* COLMAP's fused.ply: float x y z nx ny nz, uchar red green blue. */
static void fused(struct ply_file *b, int big)
{
	char header[512];
	snprintf(header, sizeof header,
		 "ply\nformat %s 1.0\nelement vertex 2\nproperty float x\nproperty float y\n"
		 "property float z\nproperty float nx\nproperty float ny\nproperty float nz\n"
		 "property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n",
		 big ? "binary_big_endian" : "binary_little_endian");
	file_begin(b, big, header);
	for (int i = 0; i < 2; i++) {
		put_f32(b, 1.5f + i);
		put_f32(b, -2.25f);
		put_f32(b, 1e-3f * (i + 1));
		for (int k = 0; k < 3; k++)
			put_f32(b, 0.5f);
		put_u8(b, (uint8_t)(10 + i));
		put_u8(b, 200);
		put_u8(b, 255);
	}
	file_end(b);
}

static void test_binary(void)
{
	for (int big = 0; big <= 1; big++) {
		struct ply_file b;
		struct sgs_points p;
		fused(&b, big);
		int rc = read_mem(b.data, b.len, (int64_t)b.len, &p);
		ok(rc == 0 && p.n == 2 && p.has_colour, "%s fused.ply: 2 points (%s)", big ? "big" : "little",
		   sgs_error_get());
		ok(rc == 0 && point_is(&p, 0, 1.5f, -2.25f, 1e-3f, 10, 200, 255) &&
		   point_is(&p, 1, 2.5f, -2.25f, 2e-3f, 11, 200, 255), "%s-endian values",
		   big ? "big" : "little");
		sgs_points_free(&p);
		rc = read_mem(b.data, b.len, -1, &p);
		ok(rc == 0 && p.n == 2, "%s-endian from a pipe (length unknown)", big ? "big" : "little");
		sgs_points_free(&p);
		free(b.data);
	}
}

/* Open3D style: double coordinates, float colours in [0, 1]. */
static void test_double_float_colour(void)
{
	struct ply_file b;
	struct sgs_points p;
	static const double col[3][3] = { { 0, 0.5, 1 }, { 1.5, -0.2, 0.999 }, { 0.25, 0.75, 0.002 } };
	file_begin(&b, 0, "ply\nformat binary_little_endian 1.0\nelement vertex 3\n"
			  "property double x\nproperty double y\nproperty double z\n"
			  "property float red\nproperty float green\nproperty float blue\nend_header\n");
	for (int i = 0; i < 3; i++) {
		put_f64(&b, 0.1 * i);
		put_f64(&b, 1e6);
		put_f64(&b, -3.0);
		for (int k = 0; k < 3; k++)
			put_f32(&b, (float)col[i][k]);
	}
	file_end(&b);
	int rc = read_mem(b.data, b.len, (int64_t)b.len, &p);
	ok(rc == 0 && p.n == 3 && p.has_colour, "double coordinates, float colours (%s)", sgs_error_get());
	ok(rc == 0 && point_is(&p, 0, 0.0f, 1e6f, -3, 0, 128, 255) &&
	   point_is(&p, 1, (float)0.1, 1e6f, -3, 255, 0, 255) &&
	   point_is(&p, 2, (float)0.2, 1e6f, -3, 64, 191, 1),
	   "doubles rounded to float; colour x255 rounded, clamped to [0, 255]");
	sgs_points_free(&p);
	free(b.data);
}

static void test_no_colour_int_types(void)
{
	struct sgs_points p;
	int rc = read_text("ply\nformat ascii 1.0\nelement vertex 2\nproperty short x\nproperty int y\n"
			   "property uchar z\nend_header\n-7 100000 255\n0 -1 0\n", &p);
	ok(rc == 0 && p.n == 2 && !p.has_colour, "integer coordinates, no colour (%s)", sgs_error_get());
	ok(rc == 0 && point_is(&p, 0, -7, 100000, 255, 128, 128, 128) &&
	   point_is(&p, 1, 0, -1, 0, 128, 128, 128), "grey 128 where colour is absent");
	sgs_points_free(&p);
	rc = read_text("ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\n"
		       "property float z\nproperty ushort red\nproperty short green\nproperty int blue\n"
		       "end_header\n0 0 0 300 -5 256\n0 0 0 65535 127 0\n", &p);
	ok(rc == 0 && point_is(&p, 0, 0, 0, 0, 255, 0, 255) && point_is(&p, 1, 0, 0, 0, 255, 127, 0),
	   "other integer colour types clamped to [0, 255] (%s)", sgs_error_get());
	sgs_points_free(&p);
}

/* A mesh: a face element with a list before the vertices, edges after,
 * and a list property on the vertices themselves. */
static void test_other_elements(void)
{
	struct ply_file b;
	struct sgs_points p;
	for (int big = 0; big <= 1; big++) {
		file_begin(&b, big, big ? "ply\nformat binary_big_endian 1.0\n" : "ply\nformat binary_little_endian 1.0\n");
		fputs("element face 2\nproperty list uchar int vertex_indices\nproperty short flags\n"
		      "element vertex 2\nproperty uchar red\nproperty list int float tags\n"
		      "property float x\nproperty float y\nproperty float z\nproperty uchar green\n"
		      "property uchar blue\nproperty double confidence\n"
		      "element edge 1\nproperty int vertex1\nproperty int vertex2\nend_header\n", b.f);
		put_u8(&b, 3), put_i32(&b, 0), put_i32(&b, 1), put_i32(&b, 2), put_i16(&b, -1);
		put_u8(&b, 0), put_i16(&b, 7);
		for (int i = 0; i < 2; i++) {
			put_u8(&b, (uint8_t)(50 + i));
			put_i32(&b, i);
			for (int k = 0; k < i; k++)
				put_f32(&b, 9.0f);
			put_f32(&b, (float)i), put_f32(&b, 2.0f), put_f32(&b, 4.0f);
			put_u8(&b, 60), put_u8(&b, 70), put_f64(&b, 0.5);
		}
		put_i32(&b, 0), put_i32(&b, 1);
		file_end(&b);
		int rc = read_mem(b.data, b.len, (int64_t)b.len, &p);
		ok(rc == 0 && p.n == 2 && point_is(&p, 0, 0, 2, 4, 50, 60, 70) &&
		   point_is(&p, 1, 1, 2, 4, 51, 60, 70),
		   "%s-endian: face lists, a vertex list and extra properties skipped (%s)",
		   big ? "big" : "little", sgs_error_get());
		sgs_points_free(&p);
		free(b.data);
	}
	int rc = read_text("ply\nformat ascii 1.0\nelement face 2\nproperty list uchar int vertex_indices\n"
			   "element vertex 1\nproperty float x\nproperty float y\nproperty float z\n"
			   "property list ushort double normal\nend_header\n"
			   "3 0 1 2\n4 0 1 2 3\n5 6 7 3 0.1 0.2 0.3\n", &p);
	ok(rc == 0 && p.n == 1 && point_is(&p, 0, 5, 6, 7, 128, 128, 128),
	   "ASCII: face lists and a vertex list skipped (%s)", sgs_error_get());
	sgs_points_free(&p);
	rc = read_text("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
		       "property float z\nelement face 1000000\nproperty list uchar int vertex_indices\n"
		       "end_header\n1 2 3\n", &p);
	ok(rc == 0 && p.n == 1, "elements after the vertices are not read (%s)", sgs_error_get());
	sgs_points_free(&p);
}

static void test_nonfinite(void)
{
	struct sgs_points p;
	int rc = read_text("ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\n"
			   "property double z\nend_header\n1 1 1\nnan 0 0\n0 inf 0\n2 2 1e300\n", &p);
	ok(rc == 0 && p.n == 1 && p.nonfinite == 3 && point_is(&p, 0, 1, 1, 1, 128, 128, 128),
	   "NaN, infinite and out-of-float-range vertices dropped and counted (%s)", sgs_error_get());
	sgs_points_free(&p);
	rc = read_text("ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\n"
		       "property float z\nend_header\nnan 0 0\n0 -inf 0\n", &p);
	ok(rc < 0 && strstr(sgs_error_get(), "mem.ply: all 2 vertices have a non-finite coordinate"),
	   "no finite vertex is an error: %s", sgs_error_get());
	rc = read_text("ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\n"
		       "property float z\nproperty float red\nproperty float green\nproperty float blue\n"
		       "end_header\n0 0 0 1 1 1\n0 0 0 1 nan 1\n", &p);
	ok(rc < 0 && strstr(sgs_error_get(), "mem.ply: vertex 1: green is nan"),
	   "a NaN colour is an error naming the vertex: %s", sgs_error_get());
}

/* ---- hostile files ------------------------------------------------------ */

static void expect_error(const char *text, const char *want, const char *what)
{
	struct sgs_points p;
	int rc = read_text(text, &p);
	ok(rc < 0 && p.n == 0 && p.xyz == NULL && p.rgb == NULL && strstr(sgs_error_get(), want), "%s",
	   what);
	if (rc == 0 || !strstr(sgs_error_get(), want))
		diag("got rc %d, '%s'; wanted '%s'", rc, sgs_error_get(), want);
	if (rc == 0)
		sgs_points_free(&p);
}

#define XYZ "property float x\nproperty float y\nproperty float z\n"
#define ASCII "ply\nformat ascii 1.0\n"
#define LE "ply\nformat binary_little_endian 1.0\n"

static void test_bad_headers(void)
{
	expect_error("", "mem.ply: empty file, not a PLY file", "empty file");
	expect_error("\x89PNG\r\n", "mem.ply: not a PLY file (starts with '\\211PNG')", "a PNG");
	expect_error("pl", "not a PLY file (starts with 'pl')", "two bytes");
	expect_error("ply\rformat", "bad line ending after 'ply'", "CR without LF after ply");
	expect_error("ply\nformat binary_middle_endian 1.0\n", "unknown PLY format 'binary_middle_endian'",
		     "unknown format");
	expect_error("ply\nformat ascii 2.0\n", "unsupported PLY version '2.0'", "version 2.0");
	expect_error("ply\nformat ascii\n", "malformed format line", "format without version");
	expect_error("ply\nelement vertex 1\n", "expected a format line after 'ply', got 'element'",
		     "no format line");
	expect_error(ASCII "format ascii 1.0\n", "two format lines", "two format lines");
	expect_error(ASCII "property float x\n", "property before any element", "property first");
	expect_error(ASCII "element vertex 1\nproperty float128 x\n", "property x: unknown type 'float128'",
		     "unknown type");
	expect_error(ASCII "element vertex 1\nproperty list float int x\n", "bad list types 'float int'",
		     "float list length");
	expect_error(ASCII "element vertex 1\nproperty float\n", "malformed property line",
		     "property without a name");
	expect_error(ASCII "element vertex 1\n" XYZ "property float x\n", "property x declared twice",
		     "duplicate property");
	expect_error(ASCII "element vertex 1\nelement vertex 2\n", "element vertex declared twice",
		     "duplicate element");
	expect_error(ASCII "element vertex -1\n", "element vertex: bad count '-1'", "negative count");
	expect_error(ASCII "element vertex 99999999999999999999999\n", "bad count", "count over 64 bits");
	expect_error(ASCII "element vertex 1\n" XYZ "bogus\n", "unknown header keyword 'bogus'",
		     "unknown keyword");
	expect_error(ASCII "element vertex 1\n" XYZ, "the header ends before end_header",
		     "no end_header");
	expect_error(ASCII "element face 1\nproperty list uchar int vertex_indices\nend_header\n3 0 1 2\n",
		     "mem.ply: no vertex element", "no vertex element");
	expect_error(ASCII "element vertex 1\nproperty float y\nproperty float z\nend_header\n1 2\n",
		     "mem.ply: the vertex element has no property x", "missing x");
	expect_error(ASCII "element vertex 1\nproperty list uchar float x\nproperty float y\n"
			   "property float z\nend_header\n1 0 0 0\n",
		     "vertex property x is a list", "x as a list");
	expect_error(ASCII "element vertex 1\n" XYZ "property uchar red\nend_header\n0 0 0 9\n",
		     "only some of red, green and blue", "red without green and blue");
	expect_error(ASCII "element vertex 0\n" XYZ "end_header\n", "the vertex element is empty",
		     "no vertices");
	expect_error(LE "element vertex 100000001\n" XYZ "end_header\n",
		     "mem.ply: 100000001 vertices is more than the limit of 100000000 points", "huge count");
	expect_error(LE "element vertex 18446744073709551615\n" XYZ "end_header\n",
		     "more than the limit", "count of 2^64 - 1");
	char line[5000];
	memset(line, 'a', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	char text[5100];
	snprintf(text, sizeof text, ASCII "comment %s\n", line);
	expect_error(text, "header line longer than 4096 bytes", "an endless header line");
}

static void test_bad_data(void)
{
	expect_error(LE "element vertex 1000\n" XYZ "end_header\n0123456789ab",
		     "mem.ply: the header declares 1000 vertex rows of at least 12 bytes, more than "
		     "the 12 bytes after the header hold", "count larger than the file (binary)");
	expect_error(LE "element face 1000000\nproperty list uint int v\nelement vertex 1\n" XYZ
			"end_header\n0123456789ab",
		     "1000000 face rows of at least 4 bytes", "a face count larger than the file");
	expect_error(ASCII "element vertex 3\n" XYZ "end_header\n1 2 3\n4 5 6\n",
		     "3 vertex rows of at least 6 bytes", "count larger than the file (ASCII)");
	expect_error(ASCII "element vertex 1\n" XYZ "end_header\n1 2.5x 3\n",
		     "the vertex element: '2.5x' is not a number", "garbage in a number");
	expect_error(ASCII "element vertex 1\n" XYZ "property uchar red\nproperty uchar green\n"
			   "property uchar blue\nend_header\n1 2 3 1.5 0 0\n",
		     "'1.5' is not a uchar", "a fraction for a uchar");
	expect_error(ASCII "element vertex 1\n" XYZ "property uchar red\nproperty uchar green\n"
			   "property uchar blue\nend_header\n1 2 3 256 0 0\n",
		     "'256' is not a uchar", "256 for a uchar");
	expect_error(ASCII "element face 1\nproperty list char int v\nelement vertex 1\n" XYZ
			   "end_header\n-3 1 2 3\n1 2 3\n",
		     "element face: negative list length -3", "a negative list length");
	char big[200];
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char text[600];
	snprintf(text, sizeof text, ASCII "element vertex 1\n" XYZ "end_header\n%s 0 0\n", big);
	expect_error(text, "a value longer than 63 characters", "a 199-digit number");
}

/* Every prefix of a valid binary file is refused, told its length or not,
 * and so is every prefix of an ASCII one that cuts a vertex row. */
static void test_truncation(void)
{
	struct ply_file b;
	struct sgs_points p;
	fused(&b, 0);
	size_t refused = 0, refused_pipe = 0;
	for (size_t n = 0; n < b.len; n++) {
		refused += read_mem(b.data, n, (int64_t)n, &p) < 0 && p.xyz == NULL;
		refused_pipe += read_mem(b.data, n, -1, &p) < 0 && p.xyz == NULL;
	}
	ok(refused == b.len && refused_pipe == b.len, "all %zu prefixes refused (%zu, %zu from a pipe)",
	   b.len, refused, refused_pipe);
	read_mem(b.data, b.len - 1, -1, &p);
	ok(strstr(sgs_error_get(), "mem.ply: truncated: the data ends in the vertex element") != NULL,
	   "a pipe's truncation is reported as such: %s", sgs_error_get());
	free(b.data);
	const char *text = ASCII "element vertex 2\n" XYZ "end_header\n1 2 3\n4 5 6\n";
	refused = 0;
	for (size_t n = 0; n < strlen(text) - 2; n++)
		refused += read_mem(text, n, -1, &p) < 0;
	ok(refused == strlen(text) - 2, "every ASCII prefix that cuts a value is refused (%zu of %zu)",
	   refused, strlen(text) - 2);
}

/* Random bytes after a valid header, and random bytes for a header: an
 * error or a result, never a crash (run under ASan / valgrind to see). */
static void test_garbage(void)
{
	uint64_t state = 88172645463325252ull;
	size_t errors = 0, runs = 400;
	for (size_t r = 0; r < runs; r++) {
		char buf[300];
		size_t n = (size_t)snprintf(buf, sizeof buf, "%s",
					    r % 2 ? LE "element face 3\nproperty list uchar int v\n"
						       "element vertex 4\n" XYZ "end_header\n"
						  : "ply\n");
		for (; n < sizeof buf; n++) {
			state ^= state << 13, state ^= state >> 7, state ^= state << 17;
			buf[n] = (char)(state >> 24);
		}
		struct sgs_points p;
		int rc = read_mem(buf, sizeof buf, r % 3 ? (int64_t)sizeof buf : -1, &p);
		errors += rc < 0 && sgs_error_get()[0] != '\0' && strncmp(sgs_error_get(), "mem.ply: ", 9) == 0;
		if (rc == 0)
			sgs_points_free(&p);
		else if (p.xyz != NULL)
			break;
	}
	ok(errors > runs / 2, "garbage: %zu of %zu runs refused with a message naming the file", errors,
	   runs);
}

static void test_load(void)
{
	char dir[] = "/tmp/test_pointsXXXXXX", path[64];
	struct sgs_points p;
	if (!mkdtemp(dir)) {
		skip("mkdtemp failed", "files");
		return;
	}
	snprintf(path, sizeof path, "%s/c.ply", dir);
	FILE *f = fopen(path, "wb");
	fputs(LE "element vertex 5\n" XYZ "end_header\n", f);
	float v[12] = { 0 };
	fwrite(v, 4, 12, f);
	fclose(f);
	ok(sgs_points_load(path, &p) < 0 &&
	   strstr(sgs_error_get(), "c.ply: the header declares 5 vertex rows of at least 12 bytes, "
				   "more than the 48 bytes after the header hold"),
	   "a file's length is checked before reading: %s", sgs_error_get());
	fclose(fopen(path, "wb"));
	ok(sgs_points_load(path, &p) < 0 && strstr(sgs_error_get(), "c.ply: empty file"), "empty file");
	unlink(path);
	ok(sgs_points_load(path, &p) < 0 && strstr(sgs_error_get(), "c.ply: cannot open: "),
	   "missing file: %s", sgs_error_get());
	rmdir(dir);
}

/* ---- cameras and seeds -------------------------------------------------- */

static void test_seen_and_seeds(void)
{
	struct sgs_scene s;
	struct sgs_points p;
	sgs_scene_init(&s);
	struct sgs_view *v = sgs_scene_add_views(&s, 2);
	for (int i = 0; i < 2; i++) {
		struct sgs_camera *c = &v[i].cam;
		c->w = 10, c->h = 8, c->fx = c->fy = 10, c->cx = 5, c->cy = 3.75;
		c->R[0] = c->R[4] = c->R[8] = 1;
		c->t[0] = i == 0 ? 0 : -100; /* view 1 looks at x = 100 */
	}
	v[0].split = SGS_SPLIT_TRAIN;
	v[1].split = SGS_SPLIT_TEST;
	int rc = read_text(ASCII "element vertex 6\n" XYZ "end_header\n"
				 "0 0 1\n0 0 -1\n100 0 1\n-0.5 -0.375 1\n0.5 0 1\n0.49 0.39 1\n", &p);
	ok(rc == 0 && sgs_points_seen(&p, &s) == 3,
	   "in view: centre, top-left corner, inside the bottom-right edge; not behind, not outside, "
	   "not in a test view only");
	v[1].split = SGS_SPLIT_TRAIN;
	ok(sgs_points_seen(&p, &s) == 4, "a second train view sees the fourth");
	s.nseeds = 1;
	s.seed_xyz = calloc(3, sizeof(float));
	s.seed_rgb = calloc(3, 1);
	sgs_points_to_seeds(&p, &s);
	ok(s.nseeds == 6 && s.seed_xyz[3 * 4] == 0.5f && s.seed_rgb[0] == 128 && p.n == 0 &&
	   p.xyz == NULL, "the points replace the scene's seeds");
	sgs_scene_free(&s);
}

int main(void)
{
	test_ascii();
	test_binary();
	test_double_float_colour();
	test_no_colour_int_types();
	test_other_elements();
	test_nonfinite();
	test_bad_headers();
	test_bad_data();
	test_truncation();
	test_garbage();
	test_load();
	test_seen_and_seeds();
	return tap_done();
}
