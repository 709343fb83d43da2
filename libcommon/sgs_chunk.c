/* The chunk framing of sgs's binary files; see sgs_chunk.h for the API and
 * sgs-formats(5) for the bytes. */
#include "sgs_chunk.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_le.h"
#include "sgs_stream.h"

#define END_TAG "END "

/* Reader states, in stream order. */
enum { R_HEADER, R_BETWEEN, R_CHUNK, R_END };
/* Writer states. */
enum { W_HEADER, W_BETWEEN, W_CHUNK, W_END };

/* ---- reading ------------------------------------------------------------ */

void sgs_chunk_reader_init(struct sgs_chunk_reader *r, FILE *f, const char *name)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->name = name;
	r->size = sgs_stream_left(f);
	r->state = R_HEADER;
}

int sgs_chunk_error(const struct sgs_chunk_reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sgs_error_set("%s: '%s' chunk at offset %llu: %s", r->name, r->tagstr,
			     (unsigned long long)r->offset, msg);
}

/* Read exactly n bytes; `what` names the part for a truncation message. */
static int read_exact(struct sgs_chunk_reader *r, void *buf, size_t n, const char *what)
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

int sgs_chunk_read_header(struct sgs_chunk_reader *r, const char *magic, const char *kind,
			  uint32_t max_version, uint32_t *version)
{
	uint8_t h[8];
	size_t got = fread(h, 1, sizeof h, r->f);
	r->pos = got;
	if (ferror(r->f))
		return sgs_error_set("%s: read error: %s", r->name, strerror(errno));
	if (got == 0)
		return sgs_error_set("%s: empty input, not a %s file", r->name, kind);
	/* Compare what there is of the magic first, so a short stream of some
	 * other format is named as such rather than as truncated. */
	size_t m = got < 4 ? got : 4;
	if (memcmp(h, magic, m) != 0) {
		char esc[40];
		sgs_escape_bytes(h, m, esc);
		return sgs_error_set("%s: not a %s file (bad magic '%s')", r->name, kind, esc);
	}
	if (got < sizeof h)
		return sgs_error_set("%s: truncated: stream ends at offset %zu inside the 8-byte header",
				     r->name, got);
	uint32_t v = sgs_get_u32(h + 4);
	if (v > max_version)
		return sgs_error_set("%s: version %u is newer than this sgs supports (%u)", r->name, v,
				     max_version);
	if (v == 0)
		return sgs_error_set("%s: bad %s version 0", r->name, kind);
	if (version)
		*version = v;
	r->state = R_BETWEEN;
	return 0;
}

/* Read the next chunk header into r; 0 or -1. */
static int read_chunk_header(struct sgs_chunk_reader *r)
{
	uint8_t h[SGS_CHUNK_HEADER_BYTES];
	if (r->state == R_HEADER)
		return sgs_error_set("%s: chunk read before the file header", r->name);
	if (sgs_chunk_read_close(r) < 0)
		return -1;
	r->offset = r->pos;
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
	r->left = r->length;
	r->state = R_CHUNK;
	/* Before anyone sizes a buffer or an offset from it. */
	if (r->length > SGS_CHUNK_MAX_LENGTH)
		return sgs_chunk_error(r, "length %llu is too large", (unsigned long long)r->length);
	uint64_t rest = r->size >= 0 && (uint64_t)r->size > r->pos ? (uint64_t)r->size - r->pos : 0;
	if (r->size >= 0 && r->length + sgs_chunk_padding(r->length) > rest)
		return sgs_chunk_error(r, "truncated: its %llu-byte payload runs past the end of the "
				       "file (%llu bytes left)",
				       (unsigned long long)r->length, (unsigned long long)rest);
	return 0;
}

int sgs_chunk_is(const struct sgs_chunk_reader *r, const char *tag)
{
	return memcmp(r->tag, tag, 4) == 0;
}

int sgs_chunk_expect_length(struct sgs_chunk_reader *r, uint64_t length)
{
	if (r->length != length)
		return sgs_chunk_error(r, "length is %llu, expected %llu", (unsigned long long)r->length,
				       (unsigned long long)length);
	return 0;
}

/* END has no payload and so no padding: the stream is done. */
static int at_end(struct sgs_chunk_reader *r)
{
	if (sgs_chunk_expect_length(r, 0) < 0)
		return -1;
	r->state = R_END;
	return 0;
}

int sgs_chunk_read_next(struct sgs_chunk_reader *r)
{
	if (r->state == R_END)
		return 0;
	if (read_chunk_header(r) < 0)
		return -1;
	if (sgs_chunk_is(r, END_TAG))
		return at_end(r) < 0 ? -1 : 0;
	return 1;
}

int sgs_chunk_read_expect(struct sgs_chunk_reader *r, const char *tag, uint64_t length)
{
	if (r->state == R_END)
		return sgs_error_set("%s: chunk expected after the END chunk", r->name);
	if (read_chunk_header(r) < 0)
		return -1;
	if (!sgs_chunk_is(r, tag)) {
		char want[20];
		sgs_escape_bytes((const uint8_t *)tag, 4, want);
		return sgs_error_set("%s: expected a '%s' chunk at offset %llu, found '%s'", r->name, want,
				     (unsigned long long)r->offset, r->tagstr);
	}
	if (sgs_chunk_is(r, END_TAG))
		return at_end(r);
	return sgs_chunk_expect_length(r, length);
}

int sgs_chunk_check_unknown(struct sgs_chunk_reader *r)
{
	if (r->flags & SGS_CHUNK_CRITICAL)
		return sgs_chunk_error(r, "critical chunk not understood by this sgs (needs a newer sgs)");
	return 0;
}

int sgs_chunk_read_payload(struct sgs_chunk_reader *r, void *buf, size_t n)
{
	if (r->state != R_CHUNK)
		return sgs_error_set("%s: payload read outside a chunk", r->name);
	if (n > r->left)
		return sgs_chunk_error(r, "reading %zu bytes would pass the end of its %llu-byte payload",
				       n, (unsigned long long)r->length);
	char what[64];
	snprintf(what, sizeof what, "the '%s' chunk payload", r->tagstr);
	if (read_exact(r, buf, n, what) < 0)
		return -1;
	r->left -= n;
	return 0;
}

/* Little-endian floats read straight into their array, then fixed up in
 * place (a no-op copy on little-endian hosts). */
int sgs_chunk_read_f32(struct sgs_chunk_reader *r, float *a, size_t n)
{
	if (n > SIZE_MAX / sizeof(float))
		return sgs_chunk_error(r, "%zu floats do not fit in memory", n);
	if (sgs_chunk_read_payload(r, a, n * sizeof(float)) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		a[i] = sgs_get_f32((const uint8_t *)&a[i]);
	return 0;
}

int sgs_chunk_read_alloc(struct sgs_chunk_reader *r, size_t n, void **out)
{
	/* A file's lengths were checked against its size: one allocation.  A
	 * pipe's were not: grow with the data (from 64 KiB, doubling). */
	size_t have = 0, cap = r->size >= 0 || n < 65536 ? n : 65536;
	uint8_t *buf = NULL;
	*out = NULL;
	do {
		uint8_t *b = realloc(buf, cap ? cap : 1);
		if (!b) {
			free(buf);
			return sgs_chunk_error(r, "out of memory for %zu bytes", cap);
		}
		buf = b;
		if (sgs_chunk_read_payload(r, buf + have, cap - have) < 0) {
			free(buf);
			return -1;
		}
		have = cap;
		cap = n - cap < cap ? n : 2 * cap;
	} while (have < n);
	*out = buf;
	return 0;
}

int sgs_chunk_read_f32_alloc(struct sgs_chunk_reader *r, size_t n, float **out)
{
	*out = NULL;
	if (n > SIZE_MAX / sizeof(float))
		return sgs_chunk_error(r, "%zu floats do not fit in memory", n);
	if (sgs_chunk_read_alloc(r, n * sizeof(float), (void **)out) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		(*out)[i] = sgs_get_f32((const uint8_t *)&(*out)[i]);
	return 0;
}

int sgs_chunk_read_skip(struct sgs_chunk_reader *r, uint64_t n)
{
	uint8_t buf[4096];
	while (n > 0) {
		size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
		if (sgs_chunk_read_payload(r, buf, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

int sgs_chunk_read_close(struct sgs_chunk_reader *r)
{
	if (r->state != R_CHUNK)
		return 0;
	if (sgs_chunk_read_skip(r, r->left) < 0)
		return -1;
	uint8_t pad[8];
	size_t n = (size_t)sgs_chunk_padding(r->length);
	char what[64];
	snprintf(what, sizeof what, "the padding after the '%s' chunk", r->tagstr);
	if (read_exact(r, pad, n, what) < 0)
		return -1;
	/* Writers always pad with zeros; anything else means the length was
	 * damaged or the stream is not what it claims, so say so here rather
	 * than at a confusing chunk header later. */
	for (size_t i = 0; i < n; i++)
		if (pad[i] != 0)
			return sgs_chunk_error(r, "padding after the payload is not zero");
	r->state = R_BETWEEN;
	return 0;
}

int sgs_chunk_read_eof(struct sgs_chunk_reader *r)
{
	if (fgetc(r->f) != EOF)
		return sgs_error_set("%s: unexpected data after the END chunk", r->name);
	if (ferror(r->f))
		return sgs_error_set("%s: read error at offset %llu: %s", r->name,
				     (unsigned long long)r->pos, strerror(errno));
	return 0;
}

/* ---- writing ------------------------------------------------------------ */

void sgs_chunk_writer_init(struct sgs_chunk_writer *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	w->state = W_HEADER;
}

int sgs_chunk_writer_open(struct sgs_chunk_writer *w, const char *path)
{
	struct sgs_output o;
	if (sgs_output_open(&o, path) < 0)
		return -1;
	sgs_chunk_writer_init(w, o.f);
	w->out = o;
	w->own = 1;
	return 0;
}

/* Keep the first failure only: it is the cause, the rest are echoes. */
static void fail(struct sgs_chunk_writer *w, const char *fmt, ...) SGS_PRINTF(2, 3);
static void fail(struct sgs_chunk_writer *w, const char *fmt, ...)
{
	if (w->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof w->msg, fmt, ap);
	va_end(ap);
	w->failed = 1;
}

static void put(struct sgs_chunk_writer *w, const void *p, size_t n)
{
	if (w->failed || n == 0)
		return;
	errno = 0;
	if (fwrite(p, 1, n, w->f) != n) {
		fail(w, "write error: %s", strerror(errno ? errno : EIO));
		return;
	}
	w->pos += n;
}

static void tag_text(const char *tag, char out[20])
{
	sgs_escape_bytes((const uint8_t *)tag, 4, out);
}

void sgs_chunk_write_header(struct sgs_chunk_writer *w, const char *magic, uint32_t version)
{
	uint8_t h[8];
	if (w->state != W_HEADER) {
		fail(w, "file header written twice");
		return;
	}
	memcpy(h, magic, 4);
	sgs_put_u32(h + 4, version);
	put(w, h, sizeof h);
	w->state = W_BETWEEN;
}

void sgs_chunk_write_begin(struct sgs_chunk_writer *w, const char *tag, uint32_t flags,
			   uint64_t length)
{
	char t[20];
	tag_text(tag, t);
	if (w->state != W_BETWEEN) {
		if (w->state == W_CHUNK) {
			char open[20];
			tag_text(w->tag, open);
			fail(w, "'%s' chunk begun inside the '%s' chunk", t, open);
		} else {
			fail(w, "'%s' chunk begun %s", t, w->state == W_HEADER ? "before the file header"
									    : "after END");
		}
		return;
	}
	if (length > SGS_CHUNK_MAX_LENGTH) {
		fail(w, "'%s' chunk: length %llu is too large", t, (unsigned long long)length);
		return;
	}
	uint8_t h[SGS_CHUNK_HEADER_BYTES];
	memcpy(h, tag, 4);
	sgs_put_u32(h + 4, flags);
	sgs_put_u64(h + 8, length);
	put(w, h, sizeof h);
	memcpy(w->tag, tag, 4);
	w->length = w->left = length;
	w->state = W_CHUNK;
}

void sgs_chunk_write_data(struct sgs_chunk_writer *w, const void *p, size_t n)
{
	if (w->failed || n == 0)
		return;
	if (w->state != W_CHUNK) {
		fail(w, "payload written outside a chunk");
		return;
	}
	if (n > w->left) {
		char t[20];
		tag_text(w->tag, t);
		fail(w, "'%s' chunk: more payload than its declared %llu bytes", t,
		     (unsigned long long)w->length);
		return;
	}
	put(w, p, n);
	w->left -= n;
}

void sgs_chunk_write_f32(struct sgs_chunk_writer *w, const float *a, size_t n)
{
	uint8_t buf[4096];
	while (n > 0 && !w->failed) {
		size_t k = n < sizeof buf / 4 ? n : sizeof buf / 4;
		for (size_t i = 0; i < k; i++)
			sgs_put_f32(buf + 4 * i, a[i]);
		sgs_chunk_write_data(w, buf, 4 * k);
		a += k;
		n -= k;
	}
}

void sgs_chunk_write_close(struct sgs_chunk_writer *w)
{
	static const uint8_t zeros[8];
	if (w->failed)
		return;
	if (w->state != W_CHUNK) {
		fail(w, "chunk closed that was not open");
		return;
	}
	if (w->left) {
		/* A short payload would shift every later chunk: never write it. */
		char t[20];
		tag_text(w->tag, t);
		fail(w, "'%s' chunk: %llu of its %llu payload bytes were not written", t,
		     (unsigned long long)w->left, (unsigned long long)w->length);
		return;
	}
	put(w, zeros, (size_t)sgs_chunk_padding(w->length));
	w->state = W_BETWEEN;
}

void sgs_chunk_write(struct sgs_chunk_writer *w, const char *tag, uint32_t flags, const void *p,
		     uint64_t length)
{
	sgs_chunk_write_begin(w, tag, flags, length);
	/* write_begin refused lengths over 2^62; on 32-bit hosts the payload
	 * is in memory, so it fits in size_t. */
	sgs_chunk_write_data(w, p, (size_t)length);
	sgs_chunk_write_close(w);
}

int sgs_chunk_write_end(struct sgs_chunk_writer *w, uint32_t flags)
{
	if (!w->failed && w->state == W_CHUNK) {
		char t[20];
		tag_text(w->tag, t);
		fail(w, "'%s' chunk not closed before END", t);
	}
	sgs_chunk_write(w, END_TAG, flags, NULL, 0);
	if (w->failed)
		return sgs_error_set("%s", w->msg);
	w->state = W_END;
	return 0;
}

int sgs_chunk_writer_commit(struct sgs_chunk_writer *w)
{
	if (!w->own)
		return sgs_error_set("commit on a writer that was not opened on a path");
	if (w->failed || w->state != W_END) {
		const char *name = w->out.path ? w->out.path : "<stdout>";
		sgs_error_set("%s: %s", name, w->failed ? w->msg : "no END chunk written");
		sgs_chunk_writer_abort(w);
		return -1;
	}
	w->own = 0;
	w->f = NULL;
	return sgs_output_commit(&w->out);
}

void sgs_chunk_writer_abort(struct sgs_chunk_writer *w)
{
	if (w->own)
		sgs_output_abort(&w->out);
	w->own = 0;
	w->f = NULL;
}
