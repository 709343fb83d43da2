/* The 3DGS splat PLY: byte-exact round trips for every SH degree, the
 * Inria property order and channel-major f_rest, and lenient reading of
 * files written by other tools. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_splat.h"
#include "tap.h"

/* Distinct, exactly representable values that encode where they belong. */
static void make_splats(struct sgs_splats *s, uint64_t n, uint32_t degree)
{
	uint32_t K = SGS_SH_COEFFS(degree);
	sgs_splats_alloc(s, n, degree);
	for (uint64_t i = 0; i < n; i++) {
		for (int a = 0; a < 3; a++) {
			s->means[3 * i + a] = (float)i + 0.25f * a;
			s->log_scales[3 * i + a] = -2.0f - 0.5f * a - (float)i;
		}
		for (int a = 0; a < 4; a++)
			s->quats[4 * i + a] = 0.5f + 0.125f * a + (float)i;
		s->logit_opacity[i] = 0.75f - (float)i;
		for (uint32_t k = 0; k < K; k++)
			for (int c = 0; c < 3; c++)
				s->sh[(i * K + k) * 3 + c] = 1000.0f * (float)i + 100.0f * c + (float)k;
	}
}

static int to_bytes(const struct sgs_splats *s, uint8_t **buf, size_t *len)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	int rc = sgs_splat_write(f, s);
	fclose(f);
	*buf = (uint8_t *)p;
	*len = n;
	return rc;
}

static int from_bytes(const void *buf, size_t len, struct sgs_splats *s)
{
	FILE *f = len ? fmemopen((void *)buf, len, "rb") : fopen("/dev/null", "rb");
	int rc = sgs_splat_read(f, "mem.ply", s);
	fclose(f);
	return rc;
}

static int same_splats(const struct sgs_splats *a, const struct sgs_splats *b)
{
	size_t n = (size_t)a->n, K = SGS_SH_COEFFS(a->sh_degree);
	return a->n == b->n && a->sh_degree == b->sh_degree &&
	       memcmp(a->means, b->means, 12 * n) == 0 && memcmp(a->log_scales, b->log_scales, 12 * n) == 0 &&
	       memcmp(a->quats, b->quats, 16 * n) == 0 &&
	       memcmp(a->logit_opacity, b->logit_opacity, 4 * n) == 0 &&
	       memcmp(a->sh, b->sh, 12 * K * n) == 0;
}

static size_t header_length(const uint8_t *buf, size_t len)
{
	const char *end = memmem(buf, len, "end_header\n", 11);
	return end ? (size_t)(end - (const char *)buf) + 11 : 0;
}

static float file_float(const uint8_t *p)
{
	uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	float v;
	memcpy(&v, &u, 4);
	return v;
}

static void test_round_trips(void)
{
	static const int nrest[] = { 0, 9, 24, 45 };
	for (uint32_t d = 0; d <= 3; d++) {
		struct sgs_splats a, b;
		uint8_t *buf1, *buf2;
		size_t len1, len2;
		make_splats(&a, 7, d);
		ok(to_bytes(&a, &buf1, &len1) == 0, "degree %u: write", d);
		size_t hl = header_length(buf1, len1);
		int nprops = 17 + nrest[d];
		ok(hl > 0 && len1 == hl + 7 * 4 * (size_t)nprops, "degree %u: %d float properties x 7 vertices after the header",
		   d, nprops);
		char last_rest[64];
		snprintf(last_rest, sizeof last_rest, "property float f_rest_%d\nproperty float opacity\n",
			 nrest[d] - 1);
		if (d == 0)
			ok(memmem(buf1, hl, "f_rest", 6) == NULL, "degree 0: no f_rest");
		else
			ok(memmem(buf1, hl, last_rest, strlen(last_rest)) != NULL,
			   "degree %u: f_rest_%d is the last f_rest, before opacity", d, nrest[d] - 1);
		ok(from_bytes(buf1, len1, &b) == 0, "degree %u: read (%s)", d, sgs_error_get());
		ok(same_splats(&a, &b), "degree %u: all parameters equal after reading", d);
		ok(to_bytes(&b, &buf2, &len2) == 0 && len1 == len2 && memcmp(buf1, buf2, len1) == 0,
		   "degree %u: write -> read -> write identical (%zu bytes)", d, len1);
		free(buf1);
		free(buf2);
		sgs_splats_free(&a);
		sgs_splats_free(&b);
	}
}

static void test_inria_layout(void)
{
	struct sgs_splats a;
	uint8_t *buf;
	size_t len;
	make_splats(&a, 2, 3);
	to_bytes(&a, &buf, &len);
	char want[4096];
	int n = snprintf(want, sizeof want,
			 "ply\nformat binary_little_endian 1.0\nelement vertex 2\n"
			 "property float x\nproperty float y\nproperty float z\n"
			 "property float nx\nproperty float ny\nproperty float nz\n"
			 "property float f_dc_0\nproperty float f_dc_1\nproperty float f_dc_2\n");
	for (int i = 0; i < 45; i++)
		n += snprintf(want + n, sizeof want - (size_t)n, "property float f_rest_%d\n", i);
	snprintf(want + n, sizeof want - (size_t)n,
		 "property float opacity\nproperty float scale_0\nproperty float scale_1\n"
		 "property float scale_2\nproperty float rot_0\nproperty float rot_1\n"
		 "property float rot_2\nproperty float rot_3\nend_header\n");
	size_t hl = header_length(buf, len);
	ok(hl == strlen(want) && memcmp(buf, want, hl) == 0, "header is exactly Inria's (%zu bytes)", hl);

	/* Vertex 1, 62 floats: x y z nx ny nz dc0..2 rest0..44 opacity s0..2 r0..3 */
	const uint8_t *row = buf + hl + 62 * 4;
	ok(file_float(row) == 1.0f && file_float(row + 8) == 1.5f, "x and z of vertex 1");
	ok(file_float(row + 12) == 0 && file_float(row + 16) == 0 && file_float(row + 20) == 0, "normals are 0");
	ok(file_float(row + 24) == 1000 && file_float(row + 28) == 1100 && file_float(row + 32) == 1200,
	   "f_dc_0..2 = coefficient 0 of R, G, B");
	/* channel-major: f_rest_{c*15 + k-1} = coefficient k of channel c */
	ok(file_float(row + 36) == 1001, "f_rest_0 = R coefficient 1");
	ok(file_float(row + 36 + 14 * 4) == 1015, "f_rest_14 = R coefficient 15");
	ok(file_float(row + 36 + 15 * 4) == 1101, "f_rest_15 = G coefficient 1");
	ok(file_float(row + 36 + 32 * 4) == 1203, "f_rest_32 = B coefficient 3");
	ok(file_float(row + 36 + 44 * 4) == 1215, "f_rest_44 = B coefficient 15");
	ok(file_float(row + 54 * 4) == -0.25f, "opacity");
	ok(file_float(row + 55 * 4) == -3.0f && file_float(row + 57 * 4) == -4.0f, "scale_0 and scale_2");
	ok(file_float(row + 58 * 4) == 1.5f && file_float(row + 61 * 4) == 1.875f, "rot_0 (w) and rot_3");
	free(buf);
	sgs_splats_free(&a);

	/* degree 1: 9 f_rest, 3 per channel */
	make_splats(&a, 1, 1);
	to_bytes(&a, &buf, &len);
	hl = header_length(buf, len);
	ok(file_float(buf + hl + 9 * 4) == 1 && file_float(buf + hl + 11 * 4) == 3 &&
	   file_float(buf + hl + 12 * 4) == 101 && file_float(buf + hl + 17 * 4) == 203,
	   "degree 1: f_rest_0,2 = R coeff 1,3; f_rest_3 = G coeff 1; f_rest_8 = B coeff 3");
	free(buf);
	sgs_splats_free(&a);
}

/* A file as another tool might write it: comments, CRLF, an element before
 * the vertices (with a list), no normals, permuted properties, a double,
 * an unknown property, and an element after the vertices. */
static void test_foreign_file(void)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);
	fputs("ply\r\nformat binary_little_endian 1.0\r\ncomment written by hand\n"
	      "obj_info test\nelement camera 2\nproperty uchar kind\nproperty list uchar int ids\n"
	      "element vertex 2\nproperty float rot_3\nproperty float32 f_dc_2\nproperty float x\n"
	      "property uchar red\nproperty float scale_1\nproperty double opacity\nproperty float f_dc_0\n"
	      "property float y\nproperty float rot_0\nproperty float z\nproperty float f_dc_1\n"
	      "property float scale_0\nproperty float rot_2\nproperty float rot_1\nproperty float scale_2\n"
	      "element face 1\nproperty list uchar int vertex_indices\nend_header\n", f);
	/* camera: kind 7, list of 2 ints; kind 8, empty list */
	fwrite("\x07\x02\x01\0\0\0\x02\0\0\0\x08\x00", 1, 12, f);
	for (int i = 0; i < 2; i++) {
		float v[15] = { 4, 0.3f, 1, 0, -1, 0, 0.1f, 2, 1, 3, 0.2f, -2, 3, 2, -3 };
		for (int k = 0; k < 15; k++)
			v[k] += 10 * i;
		fwrite(v, 4, 3, f);                 /* rot_3 f_dc_2 x */
		fputc(200, f);                      /* red */
		fwrite(v + 4, 4, 1, f);             /* scale_1 */
		double op = 0.5 + i;
		fwrite(&op, 8, 1, f);               /* opacity */
		fwrite(v + 6, 4, 9, f);             /* f_dc_0 y rot_0 z f_dc_1 scale_0 rot_2 rot_1 scale_2 */
	}
	fwrite("\x03\0\0\0\0\x01\0\0\0\x02\0\0\0", 1, 13, f);
	fclose(f);

	struct sgs_splats s;
	ok(from_bytes(p, len, &s) == 0, "hand-built PLY read (%s)", sgs_error_get());
	ok(s.n == 2 && s.sh_degree == 0, "2 Gaussians, no f_rest: SH degree 0");
	if (s.n == 2) {
		ok(s.means[3] == 11 && s.means[4] == 12 && s.means[5] == 13, "xyz by name (%g %g %g)",
		   s.means[3], s.means[4], s.means[5]);
		ok(s.quats[0] == 1 && s.quats[1] == 2 && s.quats[2] == 3 && s.quats[3] == 4,
		   "rot_0..3 by name (%g %g %g %g)", s.quats[0], s.quats[1], s.quats[2], s.quats[3]);
		ok(s.log_scales[0] == -2 && s.log_scales[1] == -1 && s.log_scales[2] == -3, "scale_0..2 by name");
		ok(s.logit_opacity[0] == 0.5f && s.logit_opacity[1] == 1.5f, "double opacity converted");
		ok(s.sh[0] == 0.1f && s.sh[1] == 0.2f && s.sh[2] == 0.3f && s.sh[3] == 0.1f + 10.0f &&
		   s.sh[5] == 0.3f + 10.0f, "f_dc_0..2 by name");
	} else {
		skip("read failed", "values");
	}
	sgs_splats_free(&s);
	free(p);
}

static void expect_error(const char *text, size_t len, const char *want, const char *what)
{
	struct sgs_splats s;
	int rc = from_bytes(text, len, &s);
	ok(rc < 0 && s.n == 0 && s.means == NULL && strstr(sgs_error_get(), want), "%s", what);
	if (rc == 0 || !strstr(sgs_error_get(), want))
		diag("got rc %d, '%s'; wanted '%s'", rc, sgs_error_get(), want);
}

#define EXPECT(text, want, what) expect_error(text, sizeof text - 1, want, what)

#define VERTEX_PROPS                                                                              \
	"property float x\nproperty float y\nproperty float z\nproperty float f_dc_0\n"             \
	"property float f_dc_1\nproperty float f_dc_2\nproperty float scale_0\n"                   \
	"property float scale_1\nproperty float scale_2\nproperty float rot_0\n"                   \
	"property float rot_1\nproperty float rot_2\n"

static void test_refusals(void)
{
	EXPECT("ply\nformat ascii 1.0\nelement vertex 1\n" VERTEX_PROPS "end_header\n",
	       "mem.ply: ASCII PLY is not supported; convert to binary_little_endian", "ASCII refused");
	EXPECT("ply\nformat binary_big_endian 1.0\nelement vertex 1\n" VERTEX_PROPS "end_header\n",
	       "mem.ply: big-endian PLY is not supported; convert to binary_little_endian",
	       "big-endian refused");
	EXPECT("ply\nformat binary_little_endian 1.0\nelement vertex 1\n" VERTEX_PROPS "end_header\n",
	       "missing vertex properties: opacity, rot_3", "missing properties are all named");
	EXPECT("ply\nformat binary_little_endian 1.0\nelement vertex 1\n" VERTEX_PROPS
	       "property float rot_3\nproperty uchar opacity\nend_header\n",
	       "vertex property opacity is not float or double", "a uchar opacity refused");
	EXPECT("ply\nformat binary_little_endian 1.0\nelement vertex 1\n" VERTEX_PROPS
	       "property float rot_3\nproperty float opacity\nproperty float f_rest_0\nproperty float f_rest_1\n"
	       "property float f_rest_2\nend_header\n",
	       "3 f_rest_* properties; expected 0, 9, 24 or 45", "3 f_rest refused");
	EXPECT("ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty float x\nproperty float x\n"
	       "end_header\n", "property x declared twice", "duplicate property refused");
	EXPECT("SGSC\1\0\0\0", "mem.ply: not a PLY file (starts with 'SGSC')", "scene file given as a PLY");
	EXPECT("\x89PNG", "not a PLY file (starts with '\\211PNG')", "PNG given as a PLY, bytes escaped");
	EXPECT("ply\nformat binary_little_endian 1.0\nelement face 0\nend_header\n", "no vertex element",
	       "no vertex element");
	EXPECT("ply\nformat binary_little_endian 1.0\nelement vertex 1\n", "header ends before end_header",
	       "header without end_header");
	EXPECT("", "empty input", "empty input");
}

static void test_truncation(void)
{
	struct sgs_splats a, b;
	uint8_t *buf;
	size_t len, refused = 0, data_msgs = 0;
	make_splats(&a, 3, 1);
	to_bytes(&a, &buf, &len);
	size_t hl = header_length(buf, len);
	for (size_t n = 0; n < len; n++) {
		int rc = from_bytes(buf, n, &b);
		refused += rc < 0 && b.n == 0 && b.means == NULL;
		if (n >= hl)
			data_msgs += strstr(sgs_error_get(), "truncated: vertex data ends after") != NULL;
		if (rc == 0)
			sgs_splats_free(&b);
	}
	ok(refused == len, "all %zu truncated prefixes refused (%zu were)", len, refused);
	ok(data_msgs == len - hl, "truncated vertex data reported as such (%zu of %zu)", data_msgs, len - hl);
	from_bytes(buf, hl + 26 * 4 + 5, &b);
	ok(strstr(sgs_error_get(), "ends after 1 of 3 vertices") != NULL, "message counts vertices: %s",
	   sgs_error_get());
	free(buf);
	sgs_splats_free(&a);
}

static void test_validate(void)
{
	struct sgs_splats a, b;
	uint8_t *buf;
	size_t len;
	make_splats(&a, 4, 2);
	ok(sgs_splat_validate(&a) == 0, "valid splats pass");
	a.logit_opacity[2] = NAN;
	to_bytes(&a, &buf, &len);
	ok(from_bytes(buf, len, &b) == 0 && isnan(b.logit_opacity[2]), "NaN is read");
	ok(sgs_splat_validate(&b) < 0 && strstr(sgs_error_get(), "Gaussian 2: the opacity logit is nan"),
	   "validate reports it: %s", sgs_error_get());
	sgs_splats_free(&b);
	free(buf);
	a.logit_opacity[2] = 0;
	a.sh[(3 * 9 + 5) * 3 + 1] = INFINITY;
	ok(sgs_splat_validate(&a) < 0 && strstr(sgs_error_get(), "Gaussian 3: an SH coefficient is inf"),
	   "infinite SH coefficient located: %s", sgs_error_get());
	a.sh[(3 * 9 + 5) * 3 + 1] = 0;
	memset(a.quats + 4, 0, 16);
	ok(sgs_splat_validate(&a) < 0 && strstr(sgs_error_get(), "Gaussian 1: rotation quaternion is zero"),
	   "zero quaternion reported");
	sgs_splats_free(&a);
	ok(sgs_splats_alloc(&a, 1, 4) < 0 && a.means == NULL, "SH degree 4 refused by alloc");
	make_splats(&a, 0, 0);
	ok(to_bytes(&a, &buf, &len) == 0 && from_bytes(buf, len, &b) == 0 && b.n == 0 && b.means == NULL,
	   "an empty model round-trips");
	free(buf);
	sgs_splats_free(&b);
}

static void test_files(void)
{
	char dir[] = "/tmp/test_splatXXXXXX", path[64];
	struct sgs_splats a, b;
	if (!mkdtemp(dir)) {
		skip("mkdtemp failed", "save and load through a file");
		return;
	}
	snprintf(path, sizeof path, "%s/m.ply", dir);
	make_splats(&a, 5, 3);
	ok(sgs_splat_save(path, &a) == 0, "save to a path");
	ok(sgs_splat_load(path, &b) == 0 && same_splats(&a, &b), "load it back, equal");
	sgs_splats_free(&b);
	a.sh_degree = 5;
	ok(sgs_splat_save(path, &a) < 0 && strstr(sgs_error_get(), "m.ply: SH degree 5"),
	   "a failed save names the file: %s", sgs_error_get());
	a.sh_degree = 3;
	ok(sgs_splat_load(path, &b) == 0 && b.n == 5, "the old file is untouched");
	sgs_splats_free(&b);
	ok(unlink(path) == 0 && rmdir(dir) == 0, "no temporary files left behind");
	sgs_splats_free(&a);
}

int main(void)
{
	test_round_trips();
	test_inria_layout();
	test_foreign_file();
	test_refusals();
	test_truncation();
	test_validate();
	test_files();
	return tap_done();
}
