/* The `.sgs` scene stream: an 8-byte header, then tagged chunks padded to
 * 8 bytes (the framing is sgs_chunk's), read and written strictly front to
 * back so pipes work.  Every byte is documented in sgs-formats(5); keep the
 * two in step. */
#include "sgs_scene.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_chunk.h"
#include "sgs_error.h"
#include "sgs_le.h"
#include "sgs_output.h"

#define SCENE_MAGIC "SGSC"
#define SCENE_KIND "scene" /* "not a scene file" */
#define FLAG_CRITICAL SGS_CHUNK_CRITICAL

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
	struct sgs_chunk_reader c; /* the stream and the chunk being read */
	/* state across chunks */
	int have_head, have_seed;
	uint32_t head_nviews;
	uint8_t *seen;         /* SEEN_* per view, s->nviews entries */
	uint32_t extra_cap;
};

static int read_head(struct reader *r, struct sgs_scene *s)
{
	uint8_t p[HEAD_BYTES];
	if (r->have_head)
		return sgs_chunk_error(&r->c, "duplicate HEAD chunk");
	if (sgs_chunk_expect_length(&r->c, HEAD_BYTES) < 0 || sgs_chunk_read_payload(&r->c, p, sizeof p) < 0)
		return -1;
	memcpy(s->source, p, 32);
	memcpy(s->protocol, p + 32, 32);
	if (!field_has_nul(s->source, 32) || !field_has_nul(s->protocol, 32))
		return sgs_chunk_error(&r->c, "source or protocol name is not NUL-terminated");
	for (int i = 0; i < 3; i++)
		s->background[i] = sgs_get_f32(p + 64 + 4 * i);
	r->head_nviews = sgs_get_u32(p + 76);
	if (r->head_nviews > MAX_VIEWS)
		return sgs_chunk_error(&r->c, "%u views is more than the limit of %u", r->head_nviews,
				       MAX_VIEWS);
	/* Every view has a VIEW chunk: in a file, they must fit what is left
	 * (views are allocated as their chunks come, up to this count). */
	uint64_t left = r->c.size >= 0 && (uint64_t)r->c.size > r->c.pos ? (uint64_t)r->c.size - r->c.pos
									  : 0;
	if (r->c.size >= 0 && r->head_nviews > left / (SGS_CHUNK_HEADER_BYTES + VIEW_BYTES))
		return sgs_chunk_error(&r->c, "truncated: %u views do not fit in the %llu bytes left",
				       r->head_nviews, (unsigned long long)left);
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
		return sgs_chunk_error(&r->c, "out of memory");
	s->views = v;
	uint8_t *seen = realloc(r->seen, (size_t)want);
	if (!seen)
		return sgs_chunk_error(&r->c, "out of memory");
	r->seen = seen;
	memset(v + s->nviews, 0, (size_t)(want - s->nviews) * sizeof *v);
	memset(seen + s->nviews, 0, (size_t)(want - s->nviews));
	s->nviews = (uint32_t)want;
	return 0;
}

static int read_view(struct reader *r, struct sgs_scene *s)
{
	uint8_t p[VIEW_BYTES];
	if (sgs_chunk_expect_length(&r->c, VIEW_BYTES) < 0 || sgs_chunk_read_payload(&r->c, p, sizeof p) < 0)
		return -1;
	uint32_t i = sgs_get_u32(p);
	if (i >= r->head_nviews)
		return sgs_chunk_error(&r->c, "view index %u is out of range (the scene has %u views)", i,
				       r->head_nviews);
	if (grow_views(r, s, i) < 0)
		return -1;
	if (r->seen[i] & SEEN_VIEW)
		return sgs_chunk_error(&r->c, "duplicate VIEW chunk for view %u", i);
	r->seen[i] |= SEEN_VIEW;

	struct sgs_view *v = &s->views[i];
	struct sgs_camera *c = &v->cam;
	memcpy(v->name, p + 4, SGS_NAME_MAX);
	if (!field_has_nul(v->name, SGS_NAME_MAX))
		return sgs_chunk_error(&r->c, "view %u: name is not NUL-terminated", i);
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
		return sgs_chunk_error(&r->c, "view %u: unknown split value %u", i, v->split);
	if ((uint64_t)c->w * c->h > MAX_PLANE_BYTES / 4)
		return sgs_chunk_error(&r->c, "view %u: camera size %ux%u is too large", i, c->w, c->h);
	int finite = isfinite(c->fx) && isfinite(c->fy) && isfinite(c->cx) && isfinite(c->cy) &&
		     isfinite(v->near) && isfinite(v->far);
	for (int k = 0; k < 9; k++)
		finite = finite && isfinite(c->R[k]);
	for (int k = 0; k < 3; k++)
		finite = finite && isfinite(c->t[k]);
	if (!finite)
		return sgs_chunk_error(&r->c,
				       "view %u ('%s'): NaN or infinity in pose, intrinsics or depth range",
				       i, v->name);
	return 0;
}

/* IMAG, MASK, DGT, DPRI: a 16-byte header {view, w, h, channels or 0},
 * then `planes` arrays of w*h*elem bytes. */
static int read_plane(struct reader *r, struct sgs_scene *s, int seen_bit)
{
	struct sgs_chunk_reader *cr = &r->c;
	uint8_t p[PLANE_HEADER_BYTES];
	if (cr->length < PLANE_HEADER_BYTES)
		return sgs_chunk_error(cr, "length %llu is shorter than its %d-byte header",
				       (unsigned long long)cr->length, PLANE_HEADER_BYTES);
	if (sgs_chunk_read_payload(cr, p, sizeof p) < 0)
		return -1;
	uint32_t i = sgs_get_u32(p), w = sgs_get_u32(p + 4), h = sgs_get_u32(p + 8), c = sgs_get_u32(p + 12);
	if (i >= r->head_nviews)
		return sgs_chunk_error(cr, "view index %u is out of range (the scene has %u views)", i,
				       r->head_nviews);
	if (i >= s->nviews || !(r->seen[i] & SEEN_VIEW))
		return sgs_chunk_error(cr, "view %u has no VIEW chunk before this one", i);
	if (r->seen[i] & seen_bit)
		return sgs_chunk_error(cr, "duplicate chunk for view %u", i);
	r->seen[i] |= (uint8_t)seen_bit;

	struct sgs_view *v = &s->views[i];
	if (w != v->cam.w || h != v->cam.h)
		return sgs_chunk_error(cr, "view %u: size %ux%u differs from the camera's %ux%u", i, w, h,
				       v->cam.w, v->cam.h);
	if (w == 0 || h == 0)
		return sgs_chunk_error(cr, "view %u: empty %ux%u plane", i, w, h);
	uint64_t elem = 4, planes = 1;
	if (seen_bit == SEEN_IMAG) {
		if (c != 3 && c != 4)
			return sgs_chunk_error(cr, "view %u: %u channels, expected 3 or 4", i, c);
		elem = c;
	} else if (seen_bit == SEEN_MASK) {
		elem = 1;
	} else if (seen_bit == SEEN_DPRI) {
		planes = 2;
	}
	/* w*h*4 <= 2^31 was checked with the camera, so no overflow here. */
	uint64_t plane = (uint64_t)w * h * elem;
	if (plane > MAX_PLANE_BYTES)
		return sgs_chunk_error(cr, "view %u: %llu bytes per plane is over the limit", i,
				       (unsigned long long)plane);
	if (cr->length != PLANE_HEADER_BYTES + planes * plane)
		return sgs_chunk_error(cr, "length %llu does not match %ux%u x %llu bytes + %d-byte header",
				       (unsigned long long)cr->length, w, h,
				       (unsigned long long)(planes * elem), PLANE_HEADER_BYTES);
	/* Buffers grow with the data in a pipe (sgs_chunk_read_alloc). */
	size_t npix = (size_t)w * h;
	switch (seen_bit) {
	case SEEN_IMAG:
		v->image.w = w;
		v->image.h = h;
		v->image.c = c;
		v->image.bits = 8;
		return sgs_chunk_read_alloc(cr, (size_t)plane, &v->image.data);
	case SEEN_MASK:
		return sgs_chunk_read_alloc(cr, npix, (void **)&v->mask);
	case SEEN_DGT:
		return sgs_chunk_read_f32_alloc(cr, npix, &v->depth_gt);
	default:
		if (sgs_chunk_read_f32_alloc(cr, npix, &v->depth_prior) < 0)
			return -1;
		return sgs_chunk_read_f32_alloc(cr, npix, &v->depth_conf);
	}
}

static int read_seed(struct reader *r, struct sgs_scene *s)
{
	struct sgs_chunk_reader *cr = &r->c;
	uint8_t p[8];
	if (r->have_seed)
		return sgs_chunk_error(cr, "duplicate SEED chunk");
	r->have_seed = 1;
	if (cr->length < 8)
		return sgs_chunk_error(cr, "length %llu is shorter than its count field",
				       (unsigned long long)cr->length);
	if (sgs_chunk_read_payload(cr, p, 8) < 0)
		return -1;
	uint64_t n = sgs_get_u64(p);
	if (n > MAX_SEEDS)
		return sgs_chunk_error(cr, "%llu seed points is more than the limit of %llu",
				       (unsigned long long)n, (unsigned long long)MAX_SEEDS);
	if (cr->length != 8 + n * SEED_RECORD_BYTES)
		return sgs_chunk_error(cr, "length %llu does not match %llu points of %d bytes + 8",
				       (unsigned long long)cr->length, (unsigned long long)n,
				       SEED_RECORD_BYTES);
	if (n == 0)
		return 0;
	/* The arrays grow with the data (a pipe's length is not checked
	 * against anything), by doubling from 64Ki points. */
	uint64_t cap = 0;
	uint8_t buf[256 * SEED_RECORD_BYTES];
	for (uint64_t done = 0; done < n;) {
		size_t k = n - done < 256 ? (size_t)(n - done) : 256;
		if (done + k > cap) {
			cap = cr->size >= 0 ? n : cap ? (2 * cap < n ? 2 * cap : n) : (n < 65536 ? n : 65536);
			float *xyz = realloc(s->seed_xyz, (size_t)cap * 3 * sizeof(float));
			if (xyz)
				s->seed_xyz = xyz;
			uint8_t *rgb = xyz ? realloc(s->seed_rgb, (size_t)cap * 3) : NULL;
			if (!rgb)
				return sgs_chunk_error(cr, "out of memory");
			s->seed_rgb = rgb;
		}
		if (sgs_chunk_read_payload(cr, buf, k * SEED_RECORD_BYTES) < 0)
			return -1;
		s->nseeds = done + k;
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
	struct sgs_chunk_reader *cr = &r->c;
	if (sgs_chunk_check_unknown(cr) < 0)
		return -1;
	if (cr->length > SIZE_MAX / 2)
		return sgs_chunk_error(cr, "length %llu is too large", (unsigned long long)cr->length);
	if (s->nextra == r->extra_cap) {
		if (r->extra_cap >= UINT32_MAX / 2)
			return sgs_chunk_error(cr, "too many unknown chunks");
		uint32_t cap = r->extra_cap ? 2 * r->extra_cap : 8;
		struct sgs_chunk *e = realloc(s->extra, cap * sizeof *e);
		if (!e)
			return sgs_chunk_error(cr, "out of memory");
		s->extra = e;
		r->extra_cap = cap;
	}
	struct sgs_chunk *c = &s->extra[s->nextra++];
	memcpy(c->tag, cr->tag, 4);
	c->flags = cr->flags;
	c->length = cr->length;
	c->payload = NULL;
	size_t have = 0, cap = 0, len = (size_t)cr->length;
	while (have < len) {
		if (have == cap) {
			cap = cap ? 2 * cap : 65536;
			if (cap > len)
				cap = len;
			uint8_t *b = realloc(c->payload, cap);
			if (!b)
				return sgs_chunk_error(cr, "out of memory");
			c->payload = b;
		}
		if (sgs_chunk_read_payload(cr, c->payload + have, cap - have) < 0)
			return -1;
		have = cap;
	}
	return 0;
}

static int check_complete(struct reader *r, const struct sgs_scene *s)
{
	if (!r->have_head)
		return sgs_error_set("%s: no HEAD chunk", r->c.name);
	for (uint32_t i = 0; i < r->head_nviews; i++)
		if (i >= s->nviews || !(r->seen[i] & SEEN_VIEW))
			return sgs_error_set("%s: view %u of %u has no VIEW chunk", r->c.name, i,
					     r->head_nviews);
	return 0;
}

/* Everything up to and including END; on failure s holds what was read so
 * far and the caller frees it. */
static int read_scene(struct reader *r, struct sgs_scene *s)
{
	struct sgs_chunk_reader *cr = &r->c;
	if (sgs_chunk_read_header(cr, SCENE_MAGIC, SCENE_KIND, SGS_SCENE_VERSION, NULL) < 0)
		return -1;
	for (;;) {
		int more = sgs_chunk_read_next(cr);
		if (more < 0)
			return -1;
		if (!r->have_head && !sgs_chunk_is(cr, "HEAD"))
			return sgs_chunk_error(cr, "the first chunk must be HEAD");
		if (!more)
			return check_complete(r, s);
		int rc;
		if (sgs_chunk_is(cr, "HEAD"))
			rc = read_head(r, s);
		else if (sgs_chunk_is(cr, "VIEW"))
			rc = read_view(r, s);
		else if (sgs_chunk_is(cr, "IMAG"))
			rc = read_plane(r, s, SEEN_IMAG);
		else if (sgs_chunk_is(cr, "MASK"))
			rc = read_plane(r, s, SEEN_MASK);
		else if (sgs_chunk_is(cr, "DGT "))
			rc = read_plane(r, s, SEEN_DGT);
		else if (sgs_chunk_is(cr, "DPRI"))
			rc = read_plane(r, s, SEEN_DPRI);
		else if (sgs_chunk_is(cr, "SEED"))
			rc = read_seed(r, s);
		else
			rc = read_unknown(r, s);
		/* Close here so a problem in the padding is blamed on this chunk. */
		if (rc < 0 || sgs_chunk_read_close(cr) < 0)
			return -1;
	}
}

/* `to_eof`: also refuse data after END, as in a file (sgs-formats(5)). */
static int read_stream(FILE *f, const char *name, struct sgs_scene *s, int to_eof)
{
	struct reader r;
	memset(&r, 0, sizeof r);
	sgs_chunk_reader_init(&r.c, f, name);
	sgs_scene_init(s);
	int rc = read_scene(&r, s);
	if (rc == 0 && to_eof)
		rc = sgs_chunk_read_eof(&r.c);
	free(r.seen);
	if (rc < 0)
		sgs_scene_free(s);
	return rc;
}

int sgs_scene_read(FILE *f, const char *name, struct sgs_scene *s)
{
	return read_stream(f, name, s, 0);
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
	int rc = read_stream(f, name, s, 1);
	if (!is_stdin)
		fclose(f);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* Copy a string into a zero-filled field, truncating so the NUL fits:
 * the bytes written never depend on what follows the NUL in memory. */
static void put_string(uint8_t *field, const char *s, size_t size)
{
	memset(field, 0, size);
	memcpy(field, s, strnlen(s, size - 1));
}

static void write_head(struct sgs_chunk_writer *w, const struct sgs_scene *s)
{
	uint8_t p[HEAD_BYTES];
	memset(p, 0, sizeof p);
	put_string(p, s->source, 32);
	put_string(p + 32, s->protocol, 32);
	for (int i = 0; i < 3; i++)
		sgs_put_f32(p + 64 + 4 * i, s->background[i]);
	sgs_put_u32(p + 76, s->nviews);
	sgs_chunk_write(w, "HEAD", FLAG_CRITICAL, p, sizeof p);
}

static void write_view(struct sgs_chunk_writer *w, uint32_t i, const struct sgs_view *v)
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
	sgs_chunk_write(w, "VIEW", FLAG_CRITICAL, p, sizeof p);
}

/* Open a per-pixel chunk and write its 16-byte header; the caller writes
 * data_bytes of pixels and closes it. */
static void plane_begin(struct sgs_chunk_writer *w, const char *tag, uint32_t flags, uint32_t i,
			const struct sgs_camera *c, uint32_t channels, uint64_t data_bytes)
{
	uint8_t p[PLANE_HEADER_BYTES];
	sgs_put_u32(p, i);
	sgs_put_u32(p + 4, c->w);
	sgs_put_u32(p + 8, c->h);
	sgs_put_u32(p + 12, channels);
	sgs_chunk_write_begin(w, tag, flags, PLANE_HEADER_BYTES + data_bytes);
	sgs_chunk_write_data(w, p, sizeof p);
}

static void write_view_data(struct sgs_chunk_writer *w, uint32_t i, const struct sgs_view *v)
{
	const struct sgs_camera *c = &v->cam;
	size_t npix = (size_t)c->w * c->h;
	if (v->image.data) {
		uint64_t n = (uint64_t)npix * v->image.c;
		plane_begin(w, "IMAG", FLAG_CRITICAL, i, c, v->image.c, n);
		sgs_chunk_write_data(w, v->image.data, (size_t)n);
		sgs_chunk_write_close(w);
	}
	if (v->mask) {
		plane_begin(w, "MASK", 0, i, c, 0, npix);
		sgs_chunk_write_data(w, v->mask, npix);
		sgs_chunk_write_close(w);
	}
	if (v->depth_gt) {
		plane_begin(w, "DGT ", 0, i, c, 0, 4 * (uint64_t)npix);
		sgs_chunk_write_f32(w, v->depth_gt, npix);
		sgs_chunk_write_close(w);
	}
	if (v->depth_prior) {
		plane_begin(w, "DPRI", 0, i, c, 0, 8 * (uint64_t)npix);
		sgs_chunk_write_f32(w, v->depth_prior, npix);
		if (v->depth_conf) {
			sgs_chunk_write_f32(w, v->depth_conf, npix);
		} else { /* no confidence given: full confidence */
			float one[256];
			for (size_t k = 0; k < 256; k++)
				one[k] = 1.0f;
			for (size_t k = 0; k < npix; k += 256)
				sgs_chunk_write_f32(w, one, npix - k < 256 ? npix - k : 256);
		}
		sgs_chunk_write_close(w);
	}
}

static void write_seeds(struct sgs_chunk_writer *w, const struct sgs_scene *s)
{
	uint8_t buf[256 * SEED_RECORD_BYTES];
	sgs_chunk_write_begin(w, "SEED", 0, 8 + s->nseeds * SEED_RECORD_BYTES);
	sgs_put_u64(buf, s->nseeds);
	sgs_chunk_write_data(w, buf, 8);
	memset(buf, 0, sizeof buf);
	for (uint64_t done = 0; done < s->nseeds && !w->failed;) {
		size_t k = s->nseeds - done < 256 ? (size_t)(s->nseeds - done) : 256;
		for (size_t j = 0; j < k; j++, done++) {
			uint8_t *q = buf + j * SEED_RECORD_BYTES;
			for (int a = 0; a < 3; a++) {
				sgs_put_f32(q + 4 * a, s->seed_xyz[3 * done + a]);
				q[12 + a] = s->seed_rgb[3 * done + a];
			}
		}
		sgs_chunk_write_data(w, buf, k * SEED_RECORD_BYTES);
	}
	sgs_chunk_write_close(w);
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

static int write_scene(struct sgs_chunk_writer *w, const struct sgs_scene *s)
{
	if (check_writable(s) < 0)
		return -1;
	sgs_chunk_write_header(w, SCENE_MAGIC, SGS_SCENE_VERSION);
	write_head(w, s);
	for (uint32_t i = 0; i < s->nviews && !w->failed; i++) {
		write_view(w, i, &s->views[i]);
		write_view_data(w, i, &s->views[i]);
	}
	if (s->nseeds)
		write_seeds(w, s);
	for (uint32_t k = 0; k < s->nextra && !w->failed; k++) {
		const struct sgs_chunk *c = &s->extra[k];
		sgs_chunk_write(w, c->tag, c->flags, c->payload, c->length);
	}
	return sgs_chunk_write_end(w, FLAG_CRITICAL);
}

int sgs_scene_write(FILE *f, const struct sgs_scene *s)
{
	struct sgs_chunk_writer w;
	sgs_chunk_writer_init(&w, f);
	return write_scene(&w, s);
}

int sgs_scene_save(const char *path, const struct sgs_scene *s)
{
	struct sgs_chunk_writer w;
	const char *name = strcmp(path, "-") == 0 ? "<stdout>" : path;
	if (sgs_chunk_writer_open(&w, path) < 0)
		return -1;
	if (write_scene(&w, s) < 0) {
		sgs_error_prefix("%s", name);
		sgs_chunk_writer_abort(&w);
		return -1;
	}
	return sgs_chunk_writer_commit(&w);
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
	if (!field_has_nul(v->name, SGS_NAME_MAX))
		return sgs_error_set("view %u: unterminated name", i);
	/* Names become output file stems: one that leaves the folder ("../x")
	 * or names none ("", ".") is refused wherever a scene is read. */
	if (sgs_stem_check(v->name) != 0)
		return sgs_error_prefix("view %u", i);
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
