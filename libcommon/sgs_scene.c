/* The `.sgs` scene stream: an 8-byte header, then tagged chunks padded to
 * 8 bytes, read and written strictly front to back so pipes work.  Every
 * byte is documented in sgs-formats(5); keep the two in step. */
#include "sgs_scene.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_output.h"
#include "sgs_error.h"
#include "sgs_le.h"

#define SCENE_MAGIC "SGSC"
#define FLAG_CRITICAL 1u

/* Limits that keep a corrupt or hostile header from asking for absurd
 * allocations; they are far above any real capture. */
#define MAX_VIEWS 1000000u
#define MAX_PLANE_BYTES ((uint64_t)1 << 31)
#define MAX_SEEDS ((uint64_t)1 << 31)

/* Payload sizes fixed by the format. */
#define HEAD_BYTES 88
#define VIEW_BYTES 224
#define PLANE_HEADER_BYTES 16
#define SEED_RECORD_BYTES 16

/* Which per-view chunks have been read, to refuse duplicates. */
enum { SEEN_VIEW = 1, SEEN_IMAG = 2, SEEN_MASK = 4, SEEN_DGT = 8, SEEN_DPRI = 16 };

static uint64_t padding(uint64_t length) { return (8 - length % 8) % 8; }

/* A fixed-size string field must hold its NUL. */
static int field_has_nul(const char *field, size_t size) { return memchr(field, '\0', size) != NULL; }

static int tag_is(const char tag[4], const char *want) { return memcmp(tag, want, 4) == 0; }

static int is_known_tag(const char tag[4])
{
	static const char *known[] = { "HEAD", "VIEW", "IMAG", "MASK", "DGT ", "DPRI", "SEED", "END " };
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (tag_is(tag, known[i]))
			return 1;
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

struct reader {
	FILE *f;
	const char *name;
	uint64_t pos;          /* bytes consumed so far, for messages */
	/* the chunk being read */
	char tag[4];
	char tagstr[20];
	uint32_t flags;
	uint64_t length;
	uint64_t chunk_pos;
	/* state across chunks */
	int have_head, have_seed;
	uint32_t head_nviews;
	uint8_t *seen;         /* SEEN_* per view, s->nviews entries */
	uint32_t extra_cap;
};

static int chunk_error(struct reader *r, const char *fmt, ...) SGS_PRINTF(2, 3);
static int chunk_error(struct reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sgs_error_set("%s: '%s' chunk at offset %llu: %s", r->name, r->tagstr,
			     (unsigned long long)r->chunk_pos, msg);
}

/* Read exactly n bytes; `what` names the part for a truncation message. */
static int read_exact(struct reader *r, void *buf, size_t n, const char *what)
{
	size_t got = n ? fread(buf, 1, n, r->f) : 0;
	r->pos += got;
	if (got == n)
		return 0;
	if (ferror(r->f))
		return sgs_error_set("%s: read error at offset %llu: %s", r->name,
				     (unsigned long long)r->pos, strerror(errno));
	return sgs_error_set("%s: truncated: stream ends at offset %llu inside %s", r->name,
			     (unsigned long long)r->pos, what);
}

static int read_payload(struct reader *r, void *buf, size_t n)
{
	char what[64];
	snprintf(what, sizeof what, "the '%s' chunk payload", r->tagstr);
	return read_exact(r, buf, n, what);
}

/* Little-endian floats read straight into their array, then fixed up in
 * place (a no-op copy on little-endian hosts). */
static int read_f32s(struct reader *r, float *a, size_t n)
{
	if (read_payload(r, a, n * sizeof(float)) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		a[i] = sgs_get_f32((const uint8_t *)&a[i]);
	return 0;
}

static int read_header(struct reader *r)
{
	uint8_t h[8];
	size_t got = fread(h, 1, sizeof h, r->f);
	r->pos = got;
	if (ferror(r->f))
		return sgs_error_set("%s: read error: %s", r->name, strerror(errno));
	if (got == 0)
		return sgs_error_set("%s: empty input, not a scene file", r->name);
	size_t m = got < 4 ? got : 4;
	if (memcmp(h, SCENE_MAGIC, m) != 0) {
		char esc[40];
		sgs_escape_bytes(h, m, esc);
		return sgs_error_set("%s: not a scene file (bad magic '%s')", r->name, esc);
	}
	if (got < sizeof h)
		return sgs_error_set("%s: truncated: stream ends at offset %zu inside the 8-byte header",
				     r->name, got);
	uint32_t version = sgs_get_u32(h + 4);
	if (version > SGS_SCENE_VERSION)
		return sgs_error_set("%s: version %u is newer than this sgs supports (%u)", r->name,
				     version, SGS_SCENE_VERSION);
	if (version == 0)
		return sgs_error_set("%s: bad scene version 0", r->name);
	return 0;
}

/* Returns 1 when a chunk header was read, -1 on error. */
static int read_chunk_header(struct reader *r)
{
	uint8_t h[16];
	r->chunk_pos = r->pos;
	size_t got = fread(h, 1, sizeof h, r->f);
	r->pos += got;
	if (ferror(r->f))
		return sgs_error_set("%s: read error at offset %llu: %s", r->name,
				     (unsigned long long)r->pos, strerror(errno));
	if (got == 0)
		return sgs_error_set("%s: truncated: stream ends at offset %llu without an END chunk",
				     r->name, (unsigned long long)r->pos);
	if (got < sizeof h)
		return sgs_error_set("%s: truncated: stream ends at offset %llu inside a chunk header",
				     r->name, (unsigned long long)r->pos);
	memcpy(r->tag, h, 4);
	sgs_escape_bytes(h, 4, r->tagstr);
	r->flags = sgs_get_u32(h + 4);
	r->length = sgs_get_u64(h + 8);
	return 1;
}

static int skip_padding(struct reader *r)
{
	uint8_t pad[8];
	char what[64];
	snprintf(what, sizeof what, "the padding after the '%s' chunk", r->tagstr);
	return read_exact(r, pad, (size_t)padding(r->length), what);
}

static int expect_length(struct reader *r, uint64_t want)
{
	if (r->length != want)
		return chunk_error(r, "length is %llu, expected %llu", (unsigned long long)r->length,
				   (unsigned long long)want);
	return 0;
}

static int read_head(struct reader *r, struct sgs_scene *s)
{
	uint8_t p[HEAD_BYTES];
	if (r->have_head)
		return chunk_error(r, "duplicate HEAD chunk");
	if (expect_length(r, HEAD_BYTES) < 0 || read_payload(r, p, sizeof p) < 0)
		return -1;
	memcpy(s->source, p, 32);
	memcpy(s->protocol, p + 32, 32);
	if (!field_has_nul(s->source, 32) || !field_has_nul(s->protocol, 32))
		return chunk_error(r, "source or protocol name is not NUL-terminated");
	for (int i = 0; i < 3; i++)
		s->background[i] = sgs_get_f32(p + 64 + 4 * i);
	r->head_nviews = sgs_get_u32(p + 76);
	if (r->head_nviews > MAX_VIEWS)
		return chunk_error(r, "%u views is more than the limit of %u", r->head_nviews, MAX_VIEWS);
	r->have_head = 1;
	return 0;
}

/* Make room for view index i (views may come in any order). */
static int grow_views(struct reader *r, struct sgs_scene *s, uint32_t i)
{
	if (i < s->nviews)
		return 0;
	uint64_t want = (uint64_t)s->nviews * 2;
	if (want < (uint64_t)i + 1)
		want = (uint64_t)i + 1;
	if (want > r->head_nviews)
		want = r->head_nviews;
	struct sgs_view *v = realloc(s->views, (size_t)want * sizeof *v);
	if (!v)
		return chunk_error(r, "out of memory");
	s->views = v;
	uint8_t *seen = realloc(r->seen, (size_t)want);
	if (!seen)
		return chunk_error(r, "out of memory");
	r->seen = seen;
	memset(v + s->nviews, 0, (size_t)(want - s->nviews) * sizeof *v);
	memset(seen + s->nviews, 0, (size_t)(want - s->nviews));
	s->nviews = (uint32_t)want;
	return 0;
}

static int read_view(struct reader *r, struct sgs_scene *s)
{
	uint8_t p[VIEW_BYTES];
	if (expect_length(r, VIEW_BYTES) < 0 || read_payload(r, p, sizeof p) < 0)
		return -1;
	uint32_t i = sgs_get_u32(p);
	if (i >= r->head_nviews)
		return chunk_error(r, "view index %u is out of range (the scene has %u views)", i,
				   r->head_nviews);
	if (grow_views(r, s, i) < 0)
		return -1;
	if (r->seen[i] & SEEN_VIEW)
		return chunk_error(r, "duplicate VIEW chunk for view %u", i);
	r->seen[i] |= SEEN_VIEW;

	struct sgs_view *v = &s->views[i];
	struct sgs_camera *c = &v->cam;
	memcpy(v->name, p + 4, SGS_NAME_MAX);
	if (!field_has_nul(v->name, SGS_NAME_MAX))
		return chunk_error(r, "view %u: name is not NUL-terminated", i);
	v->id = sgs_get_u32(p + 68);
	v->split = sgs_get_u32(p + 72);
	c->w = sgs_get_u32(p + 76);
	c->h = sgs_get_u32(p + 80);
	c->fx = sgs_get_f64(p + 88);
	c->fy = sgs_get_f64(p + 96);
	c->cx = sgs_get_f64(p + 104);
	c->cy = sgs_get_f64(p + 112);
	for (int k = 0; k < 9; k++)
		c->R[k] = sgs_get_f64(p + 120 + 8 * k);
	for (int k = 0; k < 3; k++)
		c->t[k] = sgs_get_f64(p + 192 + 8 * k);
	v->near = sgs_get_f32(p + 216);
	v->far = sgs_get_f32(p + 220);

	if (v->split > SGS_SPLIT_TEST)
		return chunk_error(r, "view %u: unknown split value %u", i, v->split);
	if ((uint64_t)c->w * c->h > MAX_PLANE_BYTES / 4)
		return chunk_error(r, "view %u: camera size %ux%u is too large", i, c->w, c->h);
	int finite = isfinite(c->fx) && isfinite(c->fy) && isfinite(c->cx) && isfinite(c->cy) &&
		     isfinite(v->near) && isfinite(v->far);
	for (int k = 0; k < 9; k++)
		finite = finite && isfinite(c->R[k]);
	for (int k = 0; k < 3; k++)
		finite = finite && isfinite(c->t[k]);
	if (!finite)
		return chunk_error(r, "view %u ('%s'): NaN or infinity in pose, intrinsics or depth range",
				   i, v->name);
	return 0;
}

/* IMAG, MASK, DGT, DPRI: a 16-byte header {view, w, h, channels or 0},
 * then `planes` arrays of w*h*elem bytes. */
static int read_plane(struct reader *r, struct sgs_scene *s, int seen_bit)
{
	uint8_t p[PLANE_HEADER_BYTES];
	if (r->length < PLANE_HEADER_BYTES)
		return chunk_error(r, "length %llu is shorter than its %d-byte header",
				   (unsigned long long)r->length, PLANE_HEADER_BYTES);
	if (read_payload(r, p, sizeof p) < 0)
		return -1;
	uint32_t i = sgs_get_u32(p), w = sgs_get_u32(p + 4), h = sgs_get_u32(p + 8), c = sgs_get_u32(p + 12);
	if (i >= r->head_nviews)
		return chunk_error(r, "view index %u is out of range (the scene has %u views)", i,
				   r->head_nviews);
	if (i >= s->nviews || !(r->seen[i] & SEEN_VIEW))
		return chunk_error(r, "view %u has no VIEW chunk before this one", i);
	if (r->seen[i] & seen_bit)
		return chunk_error(r, "duplicate chunk for view %u", i);
	r->seen[i] |= (uint8_t)seen_bit;

	struct sgs_view *v = &s->views[i];
	if (w != v->cam.w || h != v->cam.h)
		return chunk_error(r, "view %u: size %ux%u differs from the camera's %ux%u", i, w, h,
				   v->cam.w, v->cam.h);
	if (w == 0 || h == 0)
		return chunk_error(r, "view %u: empty %ux%u plane", i, w, h);
	uint64_t elem = 4, planes = 1;
	if (seen_bit == SEEN_IMAG) {
		if (c != 3 && c != 4)
			return chunk_error(r, "view %u: %u channels, expected 3 or 4", i, c);
		elem = c;
	} else if (seen_bit == SEEN_MASK) {
		elem = 1;
	} else if (seen_bit == SEEN_DPRI) {
		planes = 2;
	}
	/* w*h*4 <= 2^31 was checked with the camera, so no overflow here. */
	uint64_t plane = (uint64_t)w * h * elem;
	if (plane > MAX_PLANE_BYTES)
		return chunk_error(r, "view %u: %llu bytes per plane is over the limit", i,
				   (unsigned long long)plane);
	if (r->length != PLANE_HEADER_BYTES + planes * plane)
		return chunk_error(r, "length %llu does not match %ux%u x %llu bytes + %d-byte header",
				   (unsigned long long)r->length, w, h,
				   (unsigned long long)(planes * elem), PLANE_HEADER_BYTES);
	size_t npix = (size_t)w * h;
	switch (seen_bit) {
	case SEEN_IMAG:
		if (!(v->image.data = malloc((size_t)plane)))
			return chunk_error(r, "out of memory");
		v->image.w = w;
		v->image.h = h;
		v->image.c = c;
		v->image.bits = 8;
		return read_payload(r, v->image.data, (size_t)plane);
	case SEEN_MASK:
		if (!(v->mask = malloc(npix)))
			return chunk_error(r, "out of memory");
		return read_payload(r, v->mask, npix);
	case SEEN_DGT:
		if (!(v->depth_gt = malloc(npix * sizeof(float))))
			return chunk_error(r, "out of memory");
		return read_f32s(r, v->depth_gt, npix);
	default:
		if (!(v->depth_prior = malloc(npix * sizeof(float))) ||
		    !(v->depth_conf = malloc(npix * sizeof(float))))
			return chunk_error(r, "out of memory");
		if (read_f32s(r, v->depth_prior, npix) < 0)
			return -1;
		return read_f32s(r, v->depth_conf, npix);
	}
}

static int read_seed(struct reader *r, struct sgs_scene *s)
{
	uint8_t p[8];
	if (r->have_seed)
		return chunk_error(r, "duplicate SEED chunk");
	r->have_seed = 1;
	if (r->length < 8)
		return chunk_error(r, "length %llu is shorter than its count field",
				   (unsigned long long)r->length);
	if (read_payload(r, p, 8) < 0)
		return -1;
	uint64_t n = sgs_get_u64(p);
	if (n > MAX_SEEDS)
		return chunk_error(r, "%llu seed points is more than the limit of %llu",
				   (unsigned long long)n, (unsigned long long)MAX_SEEDS);
	if (r->length != 8 + n * SEED_RECORD_BYTES)
		return chunk_error(r, "length %llu does not match %llu points of %d bytes + 8",
				   (unsigned long long)r->length, (unsigned long long)n, SEED_RECORD_BYTES);
	if (n == 0)
		return 0;
	s->seed_xyz = malloc((size_t)n * 3 * sizeof(float));
	s->seed_rgb = malloc((size_t)n * 3);
	if (!s->seed_xyz || !s->seed_rgb)
		return chunk_error(r, "out of memory");
	s->nseeds = n;
	uint8_t buf[256 * SEED_RECORD_BYTES];
	for (uint64_t done = 0; done < n;) {
		size_t k = n - done < 256 ? (size_t)(n - done) : 256;
		if (read_payload(r, buf, k * SEED_RECORD_BYTES) < 0)
			return -1;
		for (size_t j = 0; j < k; j++, done++) {
			const uint8_t *q = buf + j * SEED_RECORD_BYTES;
			for (int a = 0; a < 3; a++) {
				s->seed_xyz[3 * done + a] = sgs_get_f32(q + 4 * a);
				s->seed_rgb[3 * done + a] = q[12 + a];
			}
		}
	}
	return 0;
}

/* A chunk this version does not know: refuse it if critical, otherwise
 * keep it verbatim.  The buffer grows as data arrives so a bogus length
 * in a short stream costs no more memory than the stream itself. */
static int read_unknown(struct reader *r, struct sgs_scene *s)
{
	if (r->flags & FLAG_CRITICAL)
		return chunk_error(r, "critical chunk not understood by this sgs (needs a newer sgs)");
	if (r->length > SIZE_MAX / 2)
		return chunk_error(r, "length %llu is too large", (unsigned long long)r->length);
	if (s->nextra == r->extra_cap) {
		if (r->extra_cap >= UINT32_MAX / 2)
			return chunk_error(r, "too many unknown chunks");
		uint32_t cap = r->extra_cap ? 2 * r->extra_cap : 8;
		struct sgs_chunk *e = realloc(s->extra, cap * sizeof *e);
		if (!e)
			return chunk_error(r, "out of memory");
		s->extra = e;
		r->extra_cap = cap;
	}
	struct sgs_chunk *c = &s->extra[s->nextra++];
	memcpy(c->tag, r->tag, 4);
	c->flags = r->flags;
	c->length = r->length;
	c->payload = NULL;
	size_t have = 0, cap = 0, len = (size_t)r->length;
	while (have < len) {
		if (have == cap) {
			cap = cap ? 2 * cap : 65536;
			if (cap > len)
				cap = len;
			uint8_t *b = realloc(c->payload, cap);
			if (!b)
				return chunk_error(r, "out of memory");
			c->payload = b;
		}
		if (read_payload(r, c->payload + have, cap - have) < 0)
			return -1;
		have = cap;
	}
	return 0;
}

static int check_complete(struct reader *r, const struct sgs_scene *s)
{
	if (!r->have_head)
		return sgs_error_set("%s: no HEAD chunk", r->name);
	for (uint32_t i = 0; i < r->head_nviews; i++)
		if (i >= s->nviews || !(r->seen[i] & SEEN_VIEW))
			return sgs_error_set("%s: view %u of %u has no VIEW chunk", r->name, i,
					     r->head_nviews);
	return 0;
}

int sgs_scene_read(FILE *f, const char *name, struct sgs_scene *s)
{
	struct reader r;
	memset(&r, 0, sizeof r);
	r.f = f;
	r.name = name;
	sgs_scene_init(s);
	if (read_header(&r) < 0)
		goto fail;
	for (;;) {
		if (read_chunk_header(&r) < 0)
			goto fail;
		int rc;
		if (!r.have_head && !tag_is(r.tag, "HEAD")) {
			chunk_error(&r, "the first chunk must be HEAD");
			goto fail;
		}
		if (tag_is(r.tag, "END ")) {
			if (expect_length(&r, 0) < 0 || check_complete(&r, s) < 0)
				goto fail;
			break;
		} else if (tag_is(r.tag, "HEAD")) {
			rc = read_head(&r, s);
		} else if (tag_is(r.tag, "VIEW")) {
			rc = read_view(&r, s);
		} else if (tag_is(r.tag, "IMAG")) {
			rc = read_plane(&r, s, SEEN_IMAG);
		} else if (tag_is(r.tag, "MASK")) {
			rc = read_plane(&r, s, SEEN_MASK);
		} else if (tag_is(r.tag, "DGT ")) {
			rc = read_plane(&r, s, SEEN_DGT);
		} else if (tag_is(r.tag, "DPRI")) {
			rc = read_plane(&r, s, SEEN_DPRI);
		} else if (tag_is(r.tag, "SEED")) {
			rc = read_seed(&r, s);
		} else {
			rc = read_unknown(&r, s);
		}
		if (rc < 0 || skip_padding(&r) < 0)
			goto fail;
	}
	free(r.seen);
	return 0;
fail:
	free(r.seen);
	sgs_scene_free(s);
	return -1;
}

int sgs_scene_load(const char *path, struct sgs_scene *s)
{
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f) {
		sgs_scene_init(s);
		return sgs_error_set("%s: cannot open: %s", path, strerror(errno));
	}
	int rc = sgs_scene_read(f, name, s);
	if (rc == 0 && fgetc(f) != EOF) {
		sgs_scene_free(s);
		rc = sgs_error_set("%s: unexpected data after the END chunk", name);
	}
	if (!is_stdin)
		fclose(f);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

struct writer {
	FILE *f;
	int err; /* errno of the first failed write, or -1 */
};

static void put_bytes(struct writer *w, const void *p, size_t n)
{
	if (w->err || n == 0)
		return;
	if (fwrite(p, 1, n, w->f) != n)
		w->err = errno ? errno : EIO;
}

static void chunk_begin(struct writer *w, const char *tag, uint32_t flags, uint64_t length)
{
	uint8_t h[16];
	memcpy(h, tag, 4);
	sgs_put_u32(h + 4, flags);
	sgs_put_u64(h + 8, length);
	put_bytes(w, h, sizeof h);
}

static void chunk_end(struct writer *w, uint64_t length)
{
	static const uint8_t zeros[8];
	put_bytes(w, zeros, (size_t)padding(length));
}

static void put_f32s(struct writer *w, const float *a, size_t n)
{
	uint8_t buf[4096];
	while (n > 0) {
		size_t k = n < sizeof buf / 4 ? n : sizeof buf / 4;
		for (size_t i = 0; i < k; i++)
			sgs_put_f32(buf + 4 * i, a[i]);
		put_bytes(w, buf, 4 * k);
		a += k;
		n -= k;
	}
}

/* Copy a string into a zero-filled field, truncating so the NUL fits:
 * the bytes written never depend on what follows the NUL in memory. */
static void put_string(uint8_t *field, const char *s, size_t size)
{
	memset(field, 0, size);
	memcpy(field, s, strnlen(s, size - 1));
}

static void write_head(struct writer *w, const struct sgs_scene *s)
{
	uint8_t p[HEAD_BYTES];
	memset(p, 0, sizeof p);
	put_string(p, s->source, 32);
	put_string(p + 32, s->protocol, 32);
	for (int i = 0; i < 3; i++)
		sgs_put_f32(p + 64 + 4 * i, s->background[i]);
	sgs_put_u32(p + 76, s->nviews);
	chunk_begin(w, "HEAD", FLAG_CRITICAL, sizeof p);
	put_bytes(w, p, sizeof p);
}

static void write_view(struct writer *w, uint32_t i, const struct sgs_view *v)
{
	uint8_t p[VIEW_BYTES];
	const struct sgs_camera *c = &v->cam;
	memset(p, 0, sizeof p);
	sgs_put_u32(p, i);
	put_string(p + 4, v->name, SGS_NAME_MAX);
	sgs_put_u32(p + 68, v->id);
	sgs_put_u32(p + 72, v->split);
	sgs_put_u32(p + 76, c->w);
	sgs_put_u32(p + 80, c->h);
	sgs_put_f64(p + 88, c->fx);
	sgs_put_f64(p + 96, c->fy);
	sgs_put_f64(p + 104, c->cx);
	sgs_put_f64(p + 112, c->cy);
	for (int k = 0; k < 9; k++)
		sgs_put_f64(p + 120 + 8 * k, c->R[k]);
	for (int k = 0; k < 3; k++)
		sgs_put_f64(p + 192 + 8 * k, c->t[k]);
	sgs_put_f32(p + 216, v->near);
	sgs_put_f32(p + 220, v->far);
	chunk_begin(w, "VIEW", FLAG_CRITICAL, sizeof p);
	put_bytes(w, p, sizeof p);
}

static void plane_begin(struct writer *w, const char *tag, uint32_t flags, uint32_t i,
			const struct sgs_camera *c, uint32_t channels, uint64_t data_bytes)
{
	uint8_t p[PLANE_HEADER_BYTES];
	sgs_put_u32(p, i);
	sgs_put_u32(p + 4, c->w);
	sgs_put_u32(p + 8, c->h);
	sgs_put_u32(p + 12, channels);
	chunk_begin(w, tag, flags, PLANE_HEADER_BYTES + data_bytes);
	put_bytes(w, p, sizeof p);
}

static void write_view_data(struct writer *w, uint32_t i, const struct sgs_view *v)
{
	const struct sgs_camera *c = &v->cam;
	size_t npix = (size_t)c->w * c->h;
	if (v->image.data) {
		uint64_t n = (uint64_t)npix * v->image.c;
		plane_begin(w, "IMAG", FLAG_CRITICAL, i, c, v->image.c, n);
		put_bytes(w, v->image.data, (size_t)n);
		chunk_end(w, PLANE_HEADER_BYTES + n);
	}
	if (v->mask) {
		plane_begin(w, "MASK", 0, i, c, 0, npix);
		put_bytes(w, v->mask, npix);
		chunk_end(w, PLANE_HEADER_BYTES + npix);
	}
	if (v->depth_gt) {
		plane_begin(w, "DGT ", 0, i, c, 0, 4 * (uint64_t)npix);
		put_f32s(w, v->depth_gt, npix);
		chunk_end(w, PLANE_HEADER_BYTES + 4 * (uint64_t)npix);
	}
	if (v->depth_prior) {
		plane_begin(w, "DPRI", 0, i, c, 0, 8 * (uint64_t)npix);
		put_f32s(w, v->depth_prior, npix);
		if (v->depth_conf) {
			put_f32s(w, v->depth_conf, npix);
		} else { /* no confidence given: full confidence */
			float one[256];
			for (size_t k = 0; k < 256; k++)
				one[k] = 1.0f;
			for (size_t k = 0; k < npix; k += 256)
				put_f32s(w, one, npix - k < 256 ? npix - k : 256);
		}
		chunk_end(w, PLANE_HEADER_BYTES + 8 * (uint64_t)npix);
	}
}

static void write_seeds(struct writer *w, const struct sgs_scene *s)
{
	uint8_t buf[256 * SEED_RECORD_BYTES];
	uint64_t length = 8 + s->nseeds * SEED_RECORD_BYTES;
	chunk_begin(w, "SEED", 0, length);
	sgs_put_u64(buf, s->nseeds);
	put_bytes(w, buf, 8);
	memset(buf, 0, sizeof buf);
	for (uint64_t done = 0; done < s->nseeds;) {
		size_t k = s->nseeds - done < 256 ? (size_t)(s->nseeds - done) : 256;
		for (size_t j = 0; j < k; j++, done++) {
			uint8_t *q = buf + j * SEED_RECORD_BYTES;
			for (int a = 0; a < 3; a++) {
				sgs_put_f32(q + 4 * a, s->seed_xyz[3 * done + a]);
				q[12 + a] = s->seed_rgb[3 * done + a];
			}
		}
		put_bytes(w, buf, k * SEED_RECORD_BYTES);
	}
	chunk_end(w, length);
}

/* Refuse to write anything the reader would refuse, before the first
 * byte goes out. */
static int check_writable(const struct sgs_scene *s)
{
	if (s->nviews > MAX_VIEWS)
		return sgs_error_set("%u views is more than the limit of %u", s->nviews, MAX_VIEWS);
	if (s->nviews && !s->views)
		return sgs_error_set("scene has %u views but no view array", s->nviews);
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		const struct sgs_camera *c = &v->cam;
		if (v->split > SGS_SPLIT_TEST)
			return sgs_error_set("view %u: unknown split value %u", i, v->split);
		if ((uint64_t)c->w * c->h > MAX_PLANE_BYTES / 4)
			return sgs_error_set("view %u: camera size %ux%u is too large", i, c->w, c->h);
		int has_data = v->image.data || v->mask || v->depth_gt || v->depth_prior;
		if (has_data && (c->w == 0 || c->h == 0))
			return sgs_error_set("view %u: image data for an empty %ux%u camera", i, c->w, c->h);
		if (v->image.data) {
			const struct sgs_image *im = &v->image;
			if (im->w != c->w || im->h != c->h)
				return sgs_error_set("view %u: image is %ux%u, camera is %ux%u", i, im->w,
						     im->h, c->w, c->h);
			if ((im->c != 3 && im->c != 4) || im->bits != 8)
				return sgs_error_set("view %u: image must be 8-bit RGB or RGBA (is %u-bit, %u channels)",
						     i, im->bits, im->c);
		}
	}
	if (s->nseeds > MAX_SEEDS)
		return sgs_error_set("%llu seed points is more than the limit of %llu",
				     (unsigned long long)s->nseeds, (unsigned long long)MAX_SEEDS);
	if (s->nseeds && (!s->seed_xyz || !s->seed_rgb))
		return sgs_error_set("scene has %llu seed points but no seed arrays",
				     (unsigned long long)s->nseeds);
	for (uint32_t k = 0; k < s->nextra; k++) {
		const struct sgs_chunk *c = &s->extra[k];
		if (is_known_tag(c->tag))
			return sgs_error_set("extra chunk %u uses the reserved tag '%.4s'", k, c->tag);
		if (c->length && !c->payload)
			return sgs_error_set("extra chunk %u has no payload", k);
	}
	return 0;
}

int sgs_scene_write(FILE *f, const struct sgs_scene *s)
{
	struct writer w = { f, 0 };
	uint8_t h[8];
	if (check_writable(s) < 0)
		return -1;
	memcpy(h, SCENE_MAGIC, 4);
	sgs_put_u32(h + 4, SGS_SCENE_VERSION);
	put_bytes(&w, h, sizeof h);
	write_head(&w, s);
	for (uint32_t i = 0; i < s->nviews && !w.err; i++) {
		write_view(&w, i, &s->views[i]);
		write_view_data(&w, i, &s->views[i]);
	}
	if (s->nseeds)
		write_seeds(&w, s);
	for (uint32_t k = 0; k < s->nextra && !w.err; k++) {
		const struct sgs_chunk *c = &s->extra[k];
		char tag[5];
		memcpy(tag, c->tag, 4);
		tag[4] = '\0';
		chunk_begin(&w, tag, c->flags, c->length);
		put_bytes(&w, c->payload, (size_t)c->length);
		chunk_end(&w, c->length);
	}
	chunk_begin(&w, "END ", FLAG_CRITICAL, 0);
	if (w.err)
		return sgs_error_set("write error: %s", strerror(w.err));
	return 0;
}

int sgs_scene_save(const char *path, const struct sgs_scene *s)
{
	struct sgs_output o;
	const char *name = strcmp(path, "-") == 0 ? "<stdout>" : path;
	if (sgs_output_open(&o, path) < 0)
		return -1;
	if (sgs_scene_write(o.f, s) < 0) {
		sgs_error_prefix("%s", name);
		sgs_output_abort(&o);
		return -1;
	}
	return sgs_output_commit(&o);
}

/* ---- memory ------------------------------------------------------------- */

void sgs_scene_init(struct sgs_scene *s) { memset(s, 0, sizeof *s); }

void sgs_view_free(struct sgs_view *v)
{
	sgs_image_free(&v->image);
	free(v->mask);
	free(v->depth_gt);
	free(v->depth_prior);
	free(v->depth_conf);
	v->mask = NULL;
	v->depth_gt = v->depth_prior = v->depth_conf = NULL;
}

void sgs_scene_free(struct sgs_scene *s)
{
	for (uint32_t i = 0; s->views && i < s->nviews; i++)
		sgs_view_free(&s->views[i]);
	free(s->views);
	free(s->seed_xyz);
	free(s->seed_rgb);
	for (uint32_t k = 0; s->extra && k < s->nextra; k++)
		free(s->extra[k].payload);
	free(s->extra);
	sgs_scene_init(s);
}

struct sgs_view *sgs_scene_add_views(struct sgs_scene *s, uint32_t n)
{
	if (n == 0 || n > MAX_VIEWS || s->nviews > MAX_VIEWS - n) {
		sgs_error_set("cannot add %u views to %u (limit %u)", n, s->nviews, MAX_VIEWS);
		return NULL;
	}
	struct sgs_view *v = realloc(s->views, ((size_t)s->nviews + n) * sizeof *v);
	if (!v) {
		sgs_error_set("out of memory adding %u views", n);
		return NULL;
	}
	s->views = v;
	memset(v + s->nviews, 0, (size_t)n * sizeof *v);
	s->nviews += n;
	return v + s->nviews - n;
}

/* ---- queries ------------------------------------------------------------ */

uint32_t sgs_scene_count(const struct sgs_scene *s, uint32_t split)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->nviews; i++)
		n += split == SGS_SPLIT_NONE || s->views[i].split == split;
	return n;
}

int sgs_split_parse(const char *word, uint32_t *split)
{
	if (strcmp(word, "train") == 0)
		*split = SGS_SPLIT_TRAIN;
	else if (strcmp(word, "test") == 0)
		*split = SGS_SPLIT_TEST;
	else if (strcmp(word, "all") == 0)
		*split = SGS_SPLIT_NONE;
	else
		return sgs_error_set("unknown split '%s' (expected train, test or all)", word);
	return 0;
}

/* ---- validation --------------------------------------------------------- */

static int all_finite(const float *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(a[i]))
			return 0;
	return 1;
}

/* Largest deviation of R R^T from the identity; NaN stays NaN. */
static double orthonormality_error(const double R[9])
{
	double worst = 0;
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++) {
			double d = -(a == b);
			for (int k = 0; k < 3; k++)
				d += R[3 * a + k] * R[3 * b + k];
			d = fabs(d);
			if (!(d <= worst))
				worst = d;
		}
	return worst;
}

static double det3(const double R[9])
{
	return R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) +
	       R[2] * (R[3] * R[7] - R[4] * R[6]);
}

static int validate_view(uint32_t i, const struct sgs_view *v)
{
	const struct sgs_camera *c = &v->cam;
	if (!field_has_nul(v->name, SGS_NAME_MAX) || v->name[0] == '\0')
		return sgs_error_set("view %u: empty or unterminated name", i);
	int finite = isfinite(c->fx) && isfinite(c->fy) && isfinite(c->cx) && isfinite(c->cy) &&
		     isfinite(v->near) && isfinite(v->far);
	for (int k = 0; k < 9; k++)
		finite = finite && isfinite(c->R[k]);
	for (int k = 0; k < 3; k++)
		finite = finite && isfinite(c->t[k]);
	if (!finite)
		return sgs_error_set("view %u ('%s'): NaN or infinity in pose, intrinsics or depth range",
				     i, v->name);
	if (!(c->fx > 0) || !(c->fy > 0))
		return sgs_error_set("view %u ('%s'): focal lengths must be positive (fx %g, fy %g)", i,
				     v->name, c->fx, c->fy);
	if (c->w == 0 || c->h == 0)
		return sgs_error_set("view %u ('%s'): empty %ux%u camera", i, v->name, c->w, c->h);
	double e = orthonormality_error(c->R);
	if (!(e <= 1e-6) || det3(c->R) <= 0)
		return sgs_error_set("view %u ('%s'): R is not a rotation (|R R^T - I| = %g, det %g)", i,
				     v->name, e, det3(c->R));
	if (v->split > SGS_SPLIT_TEST)
		return sgs_error_set("view %u ('%s'): unknown split value %u", i, v->name, v->split);
	if (v->near < 0 || v->far < 0 || (v->far > 0 && v->far <= v->near))
		return sgs_error_set("view %u ('%s'): bad depth range near %g far %g", i, v->name,
				     v->near, v->far);
	if (v->image.data) {
		const struct sgs_image *im = &v->image;
		if (im->w != c->w || im->h != c->h)
			return sgs_error_set("view %u ('%s'): image is %ux%u, camera is %ux%u", i, v->name,
					     im->w, im->h, c->w, c->h);
		if ((im->c != 3 && im->c != 4) || im->bits != 8)
			return sgs_error_set("view %u ('%s'): image must be 8-bit RGB or RGBA", i, v->name);
	}
	size_t npix = (size_t)c->w * c->h;
	if (!v->depth_prior != !v->depth_conf)
		return sgs_error_set("view %u ('%s'): depth prior and confidence must come together", i,
				     v->name);
	if ((v->depth_gt && !all_finite(v->depth_gt, npix)) ||
	    (v->depth_prior && !all_finite(v->depth_prior, npix)) ||
	    (v->depth_conf && !all_finite(v->depth_conf, npix)))
		return sgs_error_set("view %u ('%s'): NaN or infinity in a depth map", i, v->name);
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sgs_scene_validate(const struct sgs_scene *s)
{
	if (s->nviews == 0 || !s->views)
		return sgs_error_set("scene has no views");
	if (!field_has_nul(s->source, sizeof s->source) || !field_has_nul(s->protocol, sizeof s->protocol))
		return sgs_error_set("source or protocol name is not NUL-terminated");
	if (!all_finite(s->background, 3))
		return sgs_error_set("background colour is not finite");
	for (uint32_t i = 0; i < s->nviews; i++)
		if (validate_view(i, &s->views[i]) < 0)
			return -1;
	if (s->nseeds && (!s->seed_xyz || !s->seed_rgb))
		return sgs_error_set("scene has %llu seed points but no seed arrays",
				     (unsigned long long)s->nseeds);
	if (s->nseeds && !all_finite(s->seed_xyz, (size_t)s->nseeds * 3))
		return sgs_error_set("NaN or infinity in the seed points");

	/* Names become output file stems, so they must be unique. */
	const char **names = malloc(s->nviews * sizeof *names);
	if (!names)
		return sgs_error_set("out of memory");
	for (uint32_t i = 0; i < s->nviews; i++)
		names[i] = s->views[i].name;
	qsort(names, s->nviews, sizeof *names, compare_names);
	int rc = 0;
	for (uint32_t i = 1; i < s->nviews && rc == 0; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			rc = sgs_error_set("two views are named '%s'", names[i]);
	free(names);
	return rc;
}
