/* The .sgs scene stream: round trips, unknown chunks, truncation and the
 * error messages promised in sgs-formats(5). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "tap.h"

/* Offsets from the byte layout in sgs-formats(5). */
#define OFF_HEAD_PAYLOAD 24
#define OFF_NVIEWS (OFF_HEAD_PAYLOAD + 76)
#define OFF_VIEW0 112 /* chunk header of the first VIEW */
#define OFF_VIEW0_W (OFF_VIEW0 + 16 + 76)
#define OFF_VIEW0_H (OFF_VIEW0 + 16 + 80)
#define OFF_VIEW0_FX (OFF_VIEW0 + 16 + 88)

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A rotation about an arbitrary axis, so R is not trivially the identity. */
static void rotation(double angle, double R[9])
{
	double c = cos(angle), s = sin(angle);
	double Rz[9] = { c, -s, 0, s, c, 0, 0, 0, 1 };
	double Rx[9] = { 1, 0, 0, 0, c, -s, 0, s, c };
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			R[3 * i + j] = 0;
			for (int k = 0; k < 3; k++)
				R[3 * i + j] += Rz[3 * i + k] * Rx[3 * k + j];
		}
}

/* Two 5x3 views: one RGB with mask and ground-truth depth, one RGBA with a
 * depth prior; three seed points. */
static void make_scene(struct sgs_scene *s)
{
	sgs_scene_init(s);
	strcpy(s->source, "synthetic");
	strcpy(s->protocol, "all");
	s->background[0] = 1.0f;
	s->background[1] = 0.5f;
	s->background[2] = 0.25f;
	struct sgs_view *v = sgs_scene_add_views(s, 2);
	for (uint32_t i = 0; i < 2; i++) {
		struct sgs_camera *c = &v[i].cam;
		snprintf(v[i].name, sizeof v[i].name, "view_%u", i);
		v[i].id = 10 + i;
		v[i].split = i == 0 ? SGS_SPLIT_TRAIN : SGS_SPLIT_TEST;
		c->w = 5;
		c->h = 3;
		c->fx = 4.5 + i;
		c->fy = 4.25;
		c->cx = 2.5;
		c->cy = 1.5;
		rotation(0.3 * (i + 1), c->R);
		c->t[0] = 0.1;
		c->t[1] = -0.2;
		c->t[2] = 3.0 + i;
		v[i].near = 0.5f;
		v[i].far = 10.0f;
		uint32_t ch = i == 0 ? 3 : 4;
		v[i].image.w = 5;
		v[i].image.h = 3;
		v[i].image.c = ch;
		v[i].image.bits = 8;
		v[i].image.data = malloc(15 * ch);
		for (uint32_t k = 0; k < 15 * ch; k++)
			((uint8_t *)v[i].image.data)[k] = (uint8_t)(k * 7 + i);
	}
	v[0].mask = malloc(15);
	v[0].depth_gt = malloc(15 * sizeof(float));
	v[1].depth_prior = malloc(15 * sizeof(float));
	v[1].depth_conf = malloc(15 * sizeof(float));
	for (int k = 0; k < 15; k++) {
		v[0].mask[k] = k % 2 ? 255 : 0;
		v[0].depth_gt[k] = 1.0f + 0.125f * k;
		v[1].depth_prior[k] = 2.0f - 0.0625f * k;
		v[1].depth_conf[k] = k / 15.0f;
	}
	s->nseeds = 3;
	s->seed_xyz = malloc(9 * sizeof(float));
	s->seed_rgb = malloc(9);
	for (int k = 0; k < 9; k++) {
		s->seed_xyz[k] = -1.5f + 0.5f * k;
		s->seed_rgb[k] = (uint8_t)(20 * k);
	}
}

static int to_bytes(const struct sgs_scene *s, uint8_t **buf, size_t *len)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	int rc = sgs_scene_write(f, s);
	fclose(f);
	*buf = (uint8_t *)p;
	*len = n;
	return rc;
}

static int from_bytes(const uint8_t *buf, size_t len, struct sgs_scene *s)
{
	/* glibc's fmemopen refuses size 0 in some versions; an empty temporary
	 * file is empty for sure (a /dev/null that became a file may not be). */
	FILE *f = len ? fmemopen((void *)buf, len, "rb") : tmpfile();
	int rc = sgs_scene_read(f, "mem.sgs", s);
	fclose(f);
	return rc;
}

/* Offset of the nth (from 0) chunk header with this tag, or 0. */
static size_t find_nth_chunk(const uint8_t *buf, size_t len, const char *tag, int nth)
{
	for (size_t off = 8; off + 16 <= len;) {
		if (memcmp(buf + off, tag, 4) == 0 && nth-- == 0)
			return off;
		uint64_t l = get64(buf + off + 8);
		off += 16 + l + (8 - l % 8) % 8;
	}
	return 0;
}

static size_t find_chunk(const uint8_t *buf, size_t len, const char *tag)
{
	return find_nth_chunk(buf, len, tag, 0);
}

/* Expect reading to fail with a message containing `want`. */
static void expect_error(const uint8_t *buf, size_t len, const char *want, const char *what)
{
	struct sgs_scene s;
	int rc = from_bytes(buf, len, &s);
	ok(rc < 0 && strstr(sgs_error_get(), want) != NULL, "%s", what);
	if (rc == 0 || !strstr(sgs_error_get(), want))
		diag("got rc %d, message '%s'; wanted '%s'", rc, sgs_error_get(), want);
	ok(s.nviews == 0 && s.views == NULL && s.nextra == 0, "%s: scene left empty", what);
}

static void test_round_trip(void)
{
	struct sgs_scene a, b;
	uint8_t *buf1, *buf2;
	size_t len1, len2;
	make_scene(&a);
	ok(sgs_scene_validate(&a) == 0, "the test scene validates (%s)", sgs_error_get());
	ok(to_bytes(&a, &buf1, &len1) == 0, "write");
	ok(len1 % 8 == 0 && memcmp(buf1, "SGSC\1\0\0\0", 8) == 0, "magic, version 1, length %zu a multiple of 8", len1);
	ok(memcmp(buf1 + len1 - 16, "END \1\0\0\0\0\0\0\0\0\0\0\0", 16) == 0, "stream ends with an empty END chunk");
	ok(memcmp(buf1 + 8, "HEAD", 4) == 0 && get64(buf1 + 16) == 88, "HEAD first, 88 bytes");
	ok(memcmp(buf1 + OFF_VIEW0, "VIEW", 4) == 0 && get64(buf1 + OFF_VIEW0 + 8) == 224,
	   "VIEW at offset 112, 224 bytes");
	/* image 5x3x3 = 45 bytes + 16 header = 61, padded to 64 */
	size_t imag = find_chunk(buf1, len1, "IMAG");
	ok(imag == OFF_VIEW0 + 16 + 224 && get64(buf1 + imag + 8) == 61 &&
	   memcmp(buf1 + imag + 16 + 16 + 45, "\0\0\0", 3) == 0, "IMAG follows VIEW 0, length 61, zero padding");

	ok(from_bytes(buf1, len1, &b) == 0, "read back (%s)", sgs_error_get());
	ok(strcmp(b.source, "synthetic") == 0 && strcmp(b.protocol, "all") == 0, "source and protocol");
	ok(b.background[0] == 1.0f && b.background[1] == 0.5f && b.background[2] == 0.25f, "background");
	ok(b.nviews == 2, "2 views");
	int same = b.nviews == 2;
	for (uint32_t i = 0; same && i < 2; i++) {
		const struct sgs_view *x = &a.views[i], *y = &b.views[i];
		same = strcmp(x->name, y->name) == 0 && x->id == y->id && x->split == y->split &&
		       x->near == y->near && x->far == y->far &&
		       memcmp(&x->cam, &y->cam, sizeof x->cam) == 0 && y->image.c == x->image.c &&
		       y->image.w == 5 && y->image.h == 3 && y->image.bits == 8 &&
		       memcmp(x->image.data, y->image.data, 15 * x->image.c) == 0;
	}
	ok(same, "views equal: names, ids, splits, cameras, images");
	ok(b.nviews == 2 && b.views[0].mask && memcmp(b.views[0].mask, a.views[0].mask, 15) == 0 &&
	   !b.views[1].mask, "mask on view 0 only");
	ok(b.nviews == 2 && b.views[0].depth_gt && b.views[0].depth_gt[14] == 1.0f + 0.125f * 14 &&
	   memcmp(b.views[0].depth_gt, a.views[0].depth_gt, 60) == 0, "ground-truth depth");
	ok(b.nviews == 2 && b.views[1].depth_prior && b.views[1].depth_conf &&
	   memcmp(b.views[1].depth_prior, a.views[1].depth_prior, 60) == 0 &&
	   memcmp(b.views[1].depth_conf, a.views[1].depth_conf, 60) == 0 && !b.views[0].depth_prior,
	   "depth prior and confidence");
	ok(b.nseeds == 3 && memcmp(b.seed_xyz, a.seed_xyz, 36) == 0 && memcmp(b.seed_rgb, a.seed_rgb, 9) == 0,
	   "seed points");
	ok(b.nextra == 0, "no extra chunks");
	ok(sgs_scene_validate(&b) == 0, "read scene validates");
	ok(to_bytes(&b, &buf2, &len2) == 0 && len2 == len1 && memcmp(buf1, buf2, len1) == 0,
	   "write -> read -> write gives identical bytes (%zu)", len1);
	free(buf2);
	sgs_scene_free(&b);

	/* A depth prior without confidence is written with confidence 1. */
	free(a.views[1].depth_conf);
	a.views[1].depth_conf = NULL;
	ok(to_bytes(&a, &buf2, &len2) == 0 && from_bytes(buf2, len2, &b) == 0 &&
	   b.views[1].depth_conf && b.views[1].depth_conf[0] == 1.0f && b.views[1].depth_conf[14] == 1.0f,
	   "missing confidence written as 1");
	ok(sgs_scene_validate(&a) < 0 && strstr(sgs_error_get(), "confidence"),
	   "validate wants prior and confidence together");
	free(buf2);
	sgs_scene_free(&b);
	sgs_scene_free(&a);
	ok(a.nviews == 0 && a.views == NULL && a.seed_xyz == NULL, "free resets the scene");
	free(buf1);
}

/* Insert an extra chunk just before END. */
static uint8_t *with_chunk(const uint8_t *buf, size_t len, const char *tag, uint32_t flags,
			   const char *payload, size_t plen, size_t *out_len)
{
	size_t padded = plen + (8 - plen % 8) % 8;
	uint8_t *o = calloc(1, len + 16 + padded);
	memcpy(o, buf, len - 16);
	uint8_t *c = o + len - 16;
	memcpy(c, tag, 4);
	put32(c + 4, flags);
	put64(c + 8, plen);
	memcpy(c + 16, payload, plen);
	memcpy(c + 16 + padded, buf + len - 16, 16);
	*out_len = len + 16 + padded;
	return o;
}

static void test_unknown_chunks(void)
{
	struct sgs_scene a, b;
	uint8_t *buf, *in, *in2, *out;
	size_t len, inlen, in2len, outlen;
	make_scene(&a);
	to_bytes(&a, &buf, &len);
	sgs_scene_free(&a);

	in = with_chunk(buf, len, "XTRA", 0, "hello", 5, &inlen);
	in2 = with_chunk(in, inlen, "note", 0x10, "0123456789abcdef", 16, &in2len);
	ok(from_bytes(in2, in2len, &b) == 0, "non-critical unknown chunks are accepted (%s)", sgs_error_get());
	ok(b.nextra == 2 && memcmp(b.extra[0].tag, "XTRA", 4) == 0 && b.extra[0].length == 5 &&
	   memcmp(b.extra[0].payload, "hello", 5) == 0 && b.extra[0].flags == 0,
	   "first extra chunk kept with tag, length and payload");
	ok(b.nextra == 2 && memcmp(b.extra[1].tag, "note", 4) == 0 && b.extra[1].flags == 0x10 &&
	   b.extra[1].length == 16, "second extra chunk kept in order with its flags");
	int rc = to_bytes(&b, &out, &outlen);
	ok(rc == 0 && outlen == in2len && memcmp(out, in2, in2len) == 0,
	   "unknown chunks are written back verbatim (%zu bytes)", outlen);
	free(out);
	sgs_scene_free(&b);
	free(in);
	free(in2);

	in = with_chunk(buf, len, "ZZZZ", 1, "abc", 3, &inlen);
	expect_error(in, inlen, "needs a newer sgs", "critical unknown chunk refused");
	ok(strstr(sgs_error_get(), "'ZZZZ'") && strstr(sgs_error_get(), "mem.sgs:"),
	   "message names the file and the chunk: %s", sgs_error_get());
	free(in);
	in = with_chunk(buf, len, "VIE\001", 3, "", 0, &inlen);
	expect_error(in, inlen, "'VIE\\1'", "a critical tag with a control byte is shown escaped");
	free(in);
	free(buf);
}

static void test_truncation(void)
{
	struct sgs_scene a, b;
	uint8_t *buf;
	size_t len, failed = 0, messages = 0;
	make_scene(&a);
	to_bytes(&a, &buf, &len);
	sgs_scene_free(&a);
	for (size_t n = 0; n < len; n++) {
		int rc = from_bytes(buf, n, &b);
		failed += rc < 0 && b.views == NULL && b.nviews == 0;
		const char *m = sgs_error_get();
		messages += (n == 0 ? strstr(m, "empty") != NULL : strstr(m, "truncated") != NULL) &&
			    strncmp(m, "mem.sgs: ", 9) == 0;
		if (rc == 0)
			sgs_scene_free(&b);
	}
	ok(failed == len, "every one of the %zu truncated prefixes is refused (%zu were)", len, failed);
	ok(messages == len, "and each message names the file and says truncated (%zu of %zu)", messages, len);
	expect_error(buf, len - 16, "without an END chunk", "a stream without END is reported truncated");
	free(buf);
}

static void test_bad_headers(void)
{
	struct sgs_scene a;
	uint8_t *buf;
	size_t len;
	make_scene(&a);
	to_bytes(&a, &buf, &len);
	sgs_scene_free(&a);

	expect_error((const uint8_t *)"PK\003\004\024\0\0\0rest", 12,
		     "mem.sgs: not a scene file (bad magic 'PK\\3\\4')", "zip file: bad magic escaped");
	expect_error((const uint8_t *)"ply\n", 4, "bad magic 'ply\\12'", "PLY given as a scene");
	expect_error((const uint8_t *)"SG", 2, "truncated", "2-byte prefix of the magic");

	uint8_t *b = malloc(len);
	memcpy(b, buf, len);
	put32(b + 4, 7);
	expect_error(b, len, "version 7 is newer than this sgs supports (1)", "too-new version named");
	put32(b + 4, 0);
	expect_error(b, len, "bad scene version 0", "version 0 refused");

	memcpy(b, buf, len);
	put32(b + OFF_NVIEWS, 2000000);
	expect_error(b, len, "2000000 views is more than the limit", "view count over 1e6 refused");
	memcpy(b, buf, len);
	put32(b + OFF_NVIEWS, 3);
	expect_error(b, len, "view 2 of 3 has no VIEW chunk", "a missing view is detected");
	memcpy(b, buf, len);
	put32(b + OFF_NVIEWS, 1);
	expect_error(b, len, "view index 1 is out of range (the scene has 1 views)", "view index out of range");

	memcpy(b, buf, len);
	put32(b + OFF_VIEW0_W, 65536);
	put32(b + OFF_VIEW0_H, 65536);
	expect_error(b, len, "camera size 65536x65536 is too large", "camera of 2^32 pixels refused");
	memcpy(b, buf, len);
	put32(b + OFF_VIEW0_W, 6);
	expect_error(b, len, "size 5x3 differs from the camera's 6x3", "image size must match the camera");

	size_t imag = find_chunk(buf, len, "IMAG");
	memcpy(b, buf, len);
	put64(b + imag + 8, 69);
	expect_error(b, len, "length 69 does not match 5x3 x 3 bytes", "IMAG length inconsistent with w*h*c");
	memcpy(b, buf, len);
	put32(b + imag + 16 + 12, 2);
	expect_error(b, len, "2 channels, expected 3 or 4", "2-channel image refused");
	memcpy(b, buf, len);
	put32(b + imag + 16, 1); /* view 1's VIEW chunk comes later */
	expect_error(b, len, "view 1 has no VIEW chunk before this one", "image before its view refused");

	size_t view1 = find_nth_chunk(buf, len, "VIEW", 1);
	memcpy(b, buf, len);
	put32(b + view1 + 16, 0);
	expect_error(b, len, "duplicate VIEW chunk for view 0", "duplicated view index refused");

	memcpy(b, buf, len);
	put64(b + OFF_VIEW0 + 8, 232);
	expect_error(b, len, "length is 232, expected 224", "VIEW of the wrong length refused");
	memcpy(b, buf, len);
	memcpy(b + 8, "VIEW", 4);
	expect_error(b, len, "the first chunk must be HEAD", "HEAD must come first");

	size_t seed = find_chunk(buf, len, "SEED");
	memcpy(b, buf, len);
	put64(b + seed + 16, (uint64_t)1 << 40);
	expect_error(b, len, "1099511627776 seed points is more than the limit", "seed count over 2^31 refused");
	memcpy(b, buf, len);
	put64(b + seed + 16, ((uint64_t)1 << 60) + 3); /* 16*count wraps to 48 */
	expect_error(b, len, "seed points is more than the limit", "wrapping seed count refused");
	memcpy(b, buf, len);
	put64(b + seed + 16, 2);
	expect_error(b, len, "does not match 2 points", "seed count inconsistent with length");

	memcpy(b, buf, len);
	double nan = NAN;
	memcpy(b + OFF_VIEW0_FX, &nan, 8);
	expect_error(b, len, "view 0 ('view_0'): NaN or infinity", "NaN focal length refused on read");

	memcpy(b, buf, len);
	put64(b + len - 8, 8);
	expect_error(b, len, "length is 8, expected 0", "END with a payload refused");

	/* IMAG of 61 bytes at 352: 3 bytes of padding from 352+16+61. */
	memcpy(b, buf, len);
	b[imag + 16 + 61 + 2] = 1;
	expect_error(b, len, "mem.sgs: 'IMAG' chunk at offset 352: padding after the payload is not zero",
		     "non-zero padding refused");
	memcpy(b, buf, len);
	put64(b + imag + 8, (uint64_t)1 << 63);
	expect_error(b, len, "length 9223372036854775808 is too large", "chunk length 2^63 refused");
	free(b);
	free(buf);
}

static void test_validate(void)
{
	struct sgs_scene s;
	make_scene(&s);
	s.views[1].cam.R[4] = NAN;
	ok(sgs_scene_validate(&s) < 0 && strstr(sgs_error_get(), "view 1 ('view_1'): NaN"),
	   "validate refuses a NaN pose: %s", sgs_error_get());
	rotation(0.6, s.views[1].cam.R);
	ok(sgs_scene_validate(&s) == 0, "and accepts it again once fixed");
	s.views[1].cam.R[0] += 1e-5;
	ok(sgs_scene_validate(&s) < 0 && strstr(sgs_error_get(), "not a rotation"), "R off by 1e-5 refused");
	rotation(0.6, s.views[1].cam.R);
	s.views[1].cam.R[0] += 1e-8;
	ok(sgs_scene_validate(&s) == 0, "R off by 1e-8 accepted");
	for (int k = 0; k < 9; k++)
		s.views[1].cam.R[k] = k % 4 == 0 ? (k == 8 ? -1 : 1) : 0;
	ok(sgs_scene_validate(&s) < 0 && strstr(sgs_error_get(), "det -1"), "a reflection is refused");
	rotation(0.6, s.views[1].cam.R);
	s.views[0].cam.fy = 0;
	ok(sgs_scene_validate(&s) < 0 && strstr(sgs_error_get(), "focal lengths must be positive"), "fy = 0 refused");
	s.views[0].cam.fy = 4;
	strcpy(s.views[1].name, "view_0");
	ok(sgs_scene_validate(&s) < 0 && strstr(sgs_error_get(), "two views are named 'view_0'"),
	   "duplicate names refused");
	strcpy(s.views[1].name, "view_1");
	s.views[0].image.w = 4;
	ok(sgs_scene_validate(&s) < 0 && strstr(sgs_error_get(), "image is 4x3, camera is 5x3"),
	   "image size differing from the camera refused");
	uint8_t *buf;
	size_t len;
	ok(to_bytes(&s, &buf, &len) < 0 && strstr(sgs_error_get(), "image is 4x3"), "and refused by write");
	free(buf);
	s.views[0].image.w = 5;
	s.views[0].depth_gt[3] = INFINITY;
	ok(sgs_scene_validate(&s) < 0 && strstr(sgs_error_get(), "depth map"), "infinite depth refused");
	s.views[0].depth_gt[3] = 1;
	ok(sgs_scene_validate(&s) == 0, "valid again");
	sgs_scene_free(&s);
	ok(sgs_scene_validate(&s) < 0 && strstr(sgs_error_get(), "no views"), "an empty scene is invalid");
}

static void test_helpers(void)
{
	struct sgs_scene s;
	uint32_t split = 99;
	make_scene(&s);
	ok(sgs_scene_count(&s, SGS_SPLIT_NONE) == 2 && sgs_scene_count(&s, SGS_SPLIT_TRAIN) == 1 &&
	   sgs_scene_count(&s, SGS_SPLIT_TEST) == 1, "count by split");
	struct sgs_view *v = sgs_scene_add_views(&s, 3);
	ok(v == s.views + 2 && s.nviews == 5 && v[2].name[0] == 0 && v[2].image.data == NULL &&
	   v[2].cam.fx == 0 && strcmp(s.views[1].name, "view_1") == 0, "add_views appends zeroed views");
	ok(sgs_scene_count(&s, SGS_SPLIT_NONE) == 5 && sgs_scene_count(&s, SGS_SPLIT_TRAIN) == 1,
	   "new views have no split");
	ok(sgs_scene_add_views(&s, 1000000) == NULL && s.nviews == 5, "more than 1e6 views refused");
	sgs_scene_free(&s);
	ok(sgs_split_parse("train", &split) == 0 && split == SGS_SPLIT_TRAIN, "split 'train'");
	ok(sgs_split_parse("test", &split) == 0 && split == SGS_SPLIT_TEST, "split 'test'");
	ok(sgs_split_parse("all", &split) == 0 && split == SGS_SPLIT_NONE, "split 'all'");
	ok(sgs_split_parse("val", &split) < 0 && strstr(sgs_error_get(), "unknown split 'val'"), "split 'val' refused");
}

static void test_files(void)
{
	char dir[] = "/tmp/test_sceneXXXXXX", path[64], missing[80];
	struct sgs_scene a, b;
	uint8_t *buf1, *buf2;
	size_t len1, len2;
	if (!mkdtemp(dir)) {
		skip("mkdtemp failed", "save and load through a file");
		return;
	}
	snprintf(path, sizeof path, "%s/a.sgs", dir);
	make_scene(&a);
	to_bytes(&a, &buf1, &len1);
	ok(sgs_scene_save(path, &a) == 0, "save to a path");
	ok(sgs_scene_load(path, &b) == 0, "load it back");
	ok(to_bytes(&b, &buf2, &len2) == 0 && len1 == len2 && memcmp(buf1, buf2, len1) == 0,
	   "file round trip identical");
	free(buf2);
	sgs_scene_free(&b);
	a.views[0].image.c = 2;
	ok(sgs_scene_save(path, &a) < 0 && strncmp(sgs_error_get(), path, strlen(path)) == 0,
	   "saving an unwritable scene fails naming the path: %s", sgs_error_get());
	ok(sgs_scene_load(path, &b) == 0 && b.views[0].image.c == 3, "and leaves the old file intact");
	sgs_scene_free(&b);
	a.views[0].image.c = 3;
	snprintf(path, sizeof path, "%s/b.sgs", dir);
	ok(sgs_scene_save(path, &a) == 0 && unlink(path) == 0, "second file saved");
	snprintf(missing, sizeof missing, "%s/none/x.sgs", dir);
	ok(sgs_scene_load(missing, &b) < 0 && strstr(sgs_error_get(), "cannot open"), "missing file: %s",
	   sgs_error_get());
	/* a pipe cannot seek: reading must go strictly front to back */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "cat %s/a.sgs", dir);
	FILE *pipe = popen(cmd, "r");
	ok(pipe && sgs_scene_read(pipe, "<pipe>", &b) == 0 && b.nviews == 2 && b.nseeds == 3,
	   "read from a pipe (%s)", sgs_error_get());
	if (pipe)
		pclose(pipe);
	sgs_scene_free(&b);
	/* trailing bytes after END */
	snprintf(path, sizeof path, "%s/a.sgs", dir);
	FILE *f = fopen(path, "ab");
	fputs("junk", f);
	fclose(f);
	ok(sgs_scene_load(path, &b) < 0 && strstr(sgs_error_get(), "after the END chunk"), "trailing data refused");
	unlink(path);
	ok(rmdir(dir) == 0, "no temporary files left behind");
	sgs_scene_free(&a);
	free(buf1);
}

int main(void)
{
	test_round_trip();
	test_unknown_chunks();
	test_truncation();
	test_bad_headers();
	test_validate();
	test_helpers();
	test_files();
	return tap_done();
}
