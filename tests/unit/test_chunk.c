/* The chunk codec shared by scene files and checkpoints: round trips,
 * padding, unknown and critical chunks, truncation at every byte, bad
 * headers, absurd lengths, writer misuse and reading from a pipe. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sgs_chunk.h"
#include "sgs_error.h"
#include "tap.h"

#define MAGIC "TSTC"
#define KIND "test"

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

static int has(const char *part) { return strstr(sgs_error_get(), part) != NULL; }

static FILE *mem_in(const uint8_t *buf, size_t len)
{
	/* glibc's fmemopen refuses size 0 in some versions; an empty temporary
	 * file is empty for sure (a /dev/null that became a file may not be). */
	return len ? fmemopen((void *)buf, len, "rb") : tmpfile();
}

/* The small stream most tests use: chunks of lengths 0, 1, 5, 8, 13 and
 * 16 (every kind of padding), flags 0, critical and a reserved bit, a
 * payload given in pieces, floats, then END. */
static const float floats[5] = { 1.5f, -0.0f, 3.0e38f, 1.0e-40f, -2.25f };

static void write_sample(struct sgs_chunk_writer *w)
{
	uint8_t p[16];
	for (int i = 0; i < 16; i++)
		p[i] = (uint8_t)(0xa0 + i);
	sgs_chunk_write_header(w, MAGIC, 3);
	sgs_chunk_write(w, "ZERO", 0, NULL, 0);
	sgs_chunk_write(w, "ONE ", SGS_CHUNK_CRITICAL, p, 1);
	sgs_chunk_write(w, "FIVE", 0x10, p, 5);
	sgs_chunk_write(w, "8888", 0, p, 8);
	sgs_chunk_write_begin(w, "PCS ", SGS_CHUNK_CRITICAL, 13);
	sgs_chunk_write_data(w, p, 3);
	sgs_chunk_write_data(w, p + 3, 0);
	sgs_chunk_write_data(w, p + 3, 10);
	sgs_chunk_write_close(w);
	sgs_chunk_write_begin(w, "FLTS", 0, 4 * 5);
	sgs_chunk_write_f32(w, floats, 5);
	sgs_chunk_write_close(w);
}

static const struct {
	const char *tag;
	uint32_t flags;
	uint64_t length;
} sample[] = {
	{ "ZERO", 0, 0 }, { "ONE ", 1, 1 }, { "FIVE", 0x10, 5 }, { "8888", 0, 8 },
	{ "PCS ", 1, 13 }, { "FLTS", 0, 20 },
};
#define NSAMPLE (sizeof sample / sizeof sample[0])

static size_t sample_bytes(uint8_t **buf)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	struct sgs_chunk_writer w;
	sgs_chunk_writer_init(&w, f);
	write_sample(&w);
	int rc = sgs_chunk_write_end(&w, SGS_CHUNK_CRITICAL);
	fclose(f);
	if (rc < 0)
		diag("writing the sample failed: %s", sgs_error_get());
	*buf = (uint8_t *)p;
	return n;
}

/* Read the sample; `payloads` reads every payload (else lets read_next
 * skip them).  0 when everything matched. */
static int read_sample(FILE *f, const char *name, int payloads)
{
	struct sgs_chunk_reader r;
	uint32_t version = 0;
	uint8_t p[32];
	float a[5];
	sgs_error_clear();
	sgs_chunk_reader_init(&r, f, name);
	if (sgs_chunk_read_header(&r, MAGIC, KIND, 3, &version) < 0)
		return -1;
	if (version != 3)
		return sgs_error_set("version %u", version);
	uint64_t off = 8;
	for (size_t k = 0; k < NSAMPLE; k++) {
		int rc = sgs_chunk_read_next(&r);
		if (rc < 0)
			return -1;
		if (rc != 1 || !sgs_chunk_is(&r, sample[k].tag) || r.flags != sample[k].flags ||
		    r.length != sample[k].length || r.offset != off)
			return sgs_error_set("chunk %zu: rc %d tag '%s' flags %u length %llu offset %llu", k,
					     rc, r.tagstr, r.flags, (unsigned long long)r.length,
					     (unsigned long long)r.offset);
		off += 16 + r.length + sgs_chunk_padding(r.length);
		if (!payloads)
			continue;
		if (sgs_chunk_is(&r, "FLTS")) {
			if (sgs_chunk_read_f32(&r, a, 5) < 0)
				return -1;
			if (memcmp(a, floats, sizeof a) != 0)
				return sgs_error_set("floats differ");
		} else {
			if (sgs_chunk_read_payload(&r, p, (size_t)r.length) < 0)
				return -1;
			for (size_t i = 0; i < r.length; i++)
				if (p[i] != 0xa0 + i)
					return sgs_error_set("'%s' payload byte %zu differs", r.tagstr, i);
		}
		if (r.left != 0 || sgs_chunk_read_close(&r) < 0)
			return -1;
	}
	int rc = sgs_chunk_read_next(&r);
	if (rc != 0)
		return rc < 0 ? -1 : sgs_error_set("no END after the sample (tag '%s')", r.tagstr);
	if (r.offset != off || r.pos != off + 16)
		return sgs_error_set("END at %llu, stream at %llu", (unsigned long long)r.offset,
				     (unsigned long long)r.pos);
	if (sgs_chunk_read_next(&r) != 0)
		return sgs_error_set("read_next after END is not 0");
	return 0;
}

static int read_sample_mem(const uint8_t *buf, size_t len, int payloads)
{
	FILE *f = mem_in(buf, len);
	int rc = read_sample(f, "mem", payloads);
	fclose(f);
	return rc;
}

static void test_round_trip(void)
{
	uint8_t *buf;
	size_t len = sample_bytes(&buf);
	ok(len == 8 + 16 * 7 + 0 + 8 + 8 + 8 + 16 + 24, "sample is %zu bytes", len);
	ok(memcmp(buf, "TSTC\3\0\0\0", 8) == 0, "header: magic and version");
	ok(memcmp(buf + 8, "ZERO\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0, "empty chunk: header only");
	ok(memcmp(buf + 24, "ONE \1\0\0\0\1\0\0\0\0\0\0\0\xa0\0\0\0\0\0\0\0", 24) == 0,
	   "1-byte chunk: flags, length, payload, 7 zero bytes");
	ok(memcmp(buf + len - 16, "END \1\0\0\0\0\0\0\0\0\0\0\0", 16) == 0, "END with the given flags");
	ok(read_sample_mem(buf, len, 1) == 0, "read back with payloads (%s)", sgs_error_get());
	ok(read_sample_mem(buf, len, 0) == 0, "read back skipping payloads (%s)", sgs_error_get());

	/* A partly read payload is skipped by the next read_next. */
	struct sgs_chunk_reader r;
	uint8_t p[8];
	FILE *f = mem_in(buf, len);
	sgs_chunk_reader_init(&r, f, "mem");
	int good = sgs_chunk_read_header(&r, MAGIC, KIND, 3, NULL) == 0 && sgs_chunk_read_next(&r) == 1 &&
		   sgs_chunk_read_next(&r) == 1 && sgs_chunk_read_next(&r) == 1 &&
		   sgs_chunk_is(&r, "FIVE") && sgs_chunk_read_payload(&r, p, 2) == 0 && r.left == 3 &&
		   memcmp(p, "\xa0\xa1", 2) == 0 && sgs_chunk_read_next(&r) == 1 && sgs_chunk_is(&r, "8888");
	ok(good, "rest of a partly read payload skipped (%s)", sgs_error_get());
	ok(sgs_chunk_read_payload(&r, p, 8) == 0 && sgs_chunk_read_payload(&r, p, 1) < 0 &&
	   has("mem: '8888' chunk at offset 72: reading 1 bytes would pass the end of its 8-byte payload"),
	   "reading past the payload refused: %s", sgs_error_get());
	fclose(f);

	/* A fixed layout read with expect. */
	f = mem_in(buf, len);
	sgs_error_clear();
	sgs_chunk_reader_init(&r, f, "mem");
	good = sgs_chunk_read_header(&r, MAGIC, KIND, 3, NULL) == 0;
	for (size_t k = 0; good && k < NSAMPLE; k++)
		good = sgs_chunk_read_expect(&r, sample[k].tag, sample[k].length) == 0;
	ok(good && sgs_chunk_read_expect(&r, "END ", 0) == 0 && sgs_chunk_read_eof(&r) == 0,
	   "read_expect walks the whole stream to END and EOF (%s)", sgs_error_get());
	ok(sgs_chunk_read_expect(&r, "MORE", 0) < 0 && has("mem: chunk expected after the END chunk"),
	   "nothing can be expected after END: %s", sgs_error_get());
	fclose(f);

	f = mem_in(buf, len);
	sgs_chunk_reader_init(&r, f, "mem");
	sgs_chunk_read_header(&r, MAGIC, KIND, 3, NULL);
	ok(sgs_chunk_read_expect(&r, "ONE ", 1) < 0 &&
	   has("mem: expected a 'ONE ' chunk at offset 8, found 'ZERO'"), "expect: wrong tag named: %s",
	   sgs_error_get());
	ok(sgs_chunk_read_expect(&r, "ONE ", 4) < 0 &&
	   has("mem: 'ONE ' chunk at offset 24: length is 1, expected 4"), "expect: wrong length named: %s",
	   sgs_error_get());
	ok(sgs_chunk_read_expect(&r, "END ", 0) < 0 && has("expected a 'END ' chunk at offset 48, found 'FIVE'"),
	   "expect END early: %s", sgs_error_get());
	fclose(f);

	/* Data after END. */
	uint8_t *more = malloc(len + 4);
	memcpy(more, buf, len);
	memcpy(more + len, "junk", 4);
	f = mem_in(more, len + 4);
	ok(read_sample(f, "mem", 0) == 0, "a stream with data after END reads");
	sgs_chunk_reader_init(&r, f, "mem");
	ok(sgs_chunk_read_eof(&r) < 0 && has("mem: unexpected data after the END chunk"),
	   "read_eof refuses data after END: %s", sgs_error_get());
	fclose(f);
	free(more);
	free(buf);
}

static void test_padding(void)
{
	uint8_t p[24];
	memset(p, 0xff, sizeof p);
	int aligned = 1, zeros = 1;
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	struct sgs_chunk_writer w;
	sgs_chunk_writer_init(&w, f);
	sgs_chunk_write_header(&w, MAGIC, 1);
	for (uint64_t l = 0; l <= 17; l++)
		sgs_chunk_write(&w, "PADS", 0, p, l);
	ok(sgs_chunk_write_end(&w, 0) == 0, "chunks of 0 to 17 bytes written");
	fclose(f);
	const uint8_t *b = (const uint8_t *)out;
	size_t off = 8;
	for (uint64_t l = 0; l <= 17; l++) {
		aligned = aligned && off % 8 == 0 && get64(b + off + 8) == l;
		for (uint64_t i = l; i < l + sgs_chunk_padding(l); i++)
			zeros = zeros && b[off + 16 + i] == 0;
		off += 16 + l + sgs_chunk_padding(l);
	}
	ok(aligned && off + 16 == n, "every chunk starts at a multiple of 8");
	ok(zeros, "padding is zeros");
	ok(sgs_chunk_padding(0) == 0 && sgs_chunk_padding(1) == 7 && sgs_chunk_padding(8) == 0 &&
	   sgs_chunk_padding(13) == 3, "sgs_chunk_padding");

	/* The third chunk (length 2, 6 bytes of padding) starts at 8+16+24. */
	size_t third = 8 + 16 + (16 + 8);
	uint8_t *bad = malloc(n);
	memcpy(bad, out, n);
	bad[third + 16 + 2 + 5] = 1;
	struct sgs_chunk_reader r;
	FILE *in = mem_in(bad, n);
	sgs_chunk_reader_init(&r, in, "pad");
	int rc = sgs_chunk_read_header(&r, MAGIC, KIND, 1, NULL);
	if (rc == 0)
		while ((rc = sgs_chunk_read_next(&r)) == 1)
			;
	ok(rc < 0 && has("pad: 'PADS' chunk at offset 48: padding after the payload is not zero"),
	   "non-zero padding refused at its chunk: %s", sgs_error_get());
	fclose(in);
	free(bad);
	free(out);
}

static void test_unknown(void)
{
	uint8_t *buf;
	size_t len = sample_bytes(&buf);
	struct sgs_chunk_reader r;
	FILE *f = mem_in(buf, len);
	sgs_chunk_reader_init(&r, f, "mem");
	sgs_chunk_read_header(&r, MAGIC, KIND, 3, NULL);
	int rc, critical = 0, kept = 0, msg = 0;
	while ((rc = sgs_chunk_read_next(&r)) == 1) {
		/* A reader that knows none of the tags. */
		if (sgs_chunk_check_unknown(&r) < 0) {
			critical++;
			msg += has("mem: '") && has("' chunk at offset ") &&
			       has(": critical chunk not understood by this sgs (needs a newer sgs)");
		} else {
			kept++;
		}
	}
	ok(rc == 0 && critical == 2 && kept == 4, "critical chunks refused, others (reserved bits too) kept");
	ok(msg == 2, "the refusal names the chunk and says why");
	fclose(f);

	/* A tag with a control byte is shown escaped. */
	memcpy(buf + 24, "ON\001E", 4);
	f = mem_in(buf, len);
	sgs_chunk_reader_init(&r, f, "mem");
	sgs_chunk_read_header(&r, MAGIC, KIND, 3, NULL);
	sgs_chunk_read_next(&r);
	sgs_chunk_read_next(&r);
	ok(sgs_chunk_check_unknown(&r) < 0 && has("mem: 'ON\\1E' chunk at offset 24: critical"),
	   "escaped tag: %s", sgs_error_get());
	fclose(f);
	free(buf);
}

static void test_truncation(void)
{
	uint8_t *buf;
	size_t len = sample_bytes(&buf);
	size_t refused[2] = { 0, 0 }, named[2] = { 0, 0 };
	for (int payloads = 0; payloads < 2; payloads++)
		for (size_t n = 0; n < len; n++) {
			sgs_error_clear();
			refused[payloads] += read_sample_mem(buf, n, payloads) < 0;
			named[payloads] += strncmp(sgs_error_get(), "mem: ", 5) == 0 &&
					   (n == 0 ? has("empty input, not a test file") : has("truncated"));
		}
	ok(refused[1] == len && named[1] == len,
	   "every one of the %zu prefixes refused as truncated, payloads read (%zu, %zu)", len, refused[1],
	   named[1]);
	ok(refused[0] == len && named[0] == len, "and with payloads skipped (%zu, %zu)", refused[0], named[0]);

	static const struct {
		size_t n;
		const char *msg;
	} at[] = {
		{ 2, "mem: truncated: stream ends at offset 2 inside the 8-byte header" },
		{ 8, "mem: truncated: stream ends at offset 8 without an END chunk" },
		{ 13, "mem: truncated: stream ends at offset 13 inside a chunk header" },
		{ 40, "mem: truncated: stream ends at offset 40 inside the 'ONE ' chunk payload" },
		{ 41, "mem: truncated: stream ends at offset 41 inside the padding after the 'ONE ' chunk" },
		{ 47, "mem: truncated: stream ends at offset 47 inside the padding after the 'ONE ' chunk" },
	};
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		read_sample_mem(buf, at[k].n, 1);
		ok(strcmp(sgs_error_get(), at[k].msg) == 0, "cut at %zu: %s", at[k].n, sgs_error_get());
	}
	free(buf);
}

static void test_bad_headers(void)
{
	struct sgs_chunk_reader r;
	uint32_t version = 99;
	static const struct {
		const char *bytes;
		size_t n;
		uint32_t max;
		const char *msg;
	} cases[] = {
		{ "PK\003\004\024\0\0\0", 8, 1, "mem: not a test file (bad magic 'PK\\3\\4')" },
		{ "ply\n", 4, 1, "mem: not a test file (bad magic 'ply\\12')" },
		{ "TX", 2, 1, "mem: not a test file (bad magic 'TX')" },
		{ "TS", 2, 1, "mem: truncated: stream ends at offset 2 inside the 8-byte header" },
		{ "TSTC\1\0\0", 7, 1, "mem: truncated: stream ends at offset 7 inside the 8-byte header" },
		{ "TSTC\0\0\0\0", 8, 1, "mem: bad test version 0" },
		{ "TSTC\3\0\0\0", 8, 2, "mem: version 3 is newer than this sgs supports (2)" },
		{ "", 0, 1, "mem: empty input, not a test file" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		FILE *f = mem_in((const uint8_t *)cases[k].bytes, cases[k].n);
		sgs_chunk_reader_init(&r, f, "mem");
		int rc = sgs_chunk_read_header(&r, MAGIC, KIND, cases[k].max, &version);
		ok(rc < 0 && strcmp(sgs_error_get(), cases[k].msg) == 0 && version == 99, "%s",
		   sgs_error_get());
		fclose(f);
	}
	FILE *f = mem_in((const uint8_t *)"TSTC\2\0\0\0", 8);
	sgs_chunk_reader_init(&r, f, "mem");
	ok(sgs_chunk_read_header(&r, MAGIC, KIND, 2, &version) == 0 && version == 2 && r.pos == 8,
	   "an older version is accepted and returned");
	ok(sgs_chunk_read_next(&r) < 0 && has("without an END chunk"), "and a stream of only a header is truncated");
	fclose(f);
}

/* A stream of header + one chunk header with this length. */
static int read_length(uint64_t length, int skip)
{
	uint8_t b[8 + 16 + 8];
	memcpy(b, "TSTC\1\0\0\0BIG ", 12);
	put32(b + 12, 0);
	put64(b + 16, length);
	memset(b + 24, 0, 8);
	struct sgs_chunk_reader r;
	FILE *f = mem_in(b, sizeof b);
	sgs_chunk_reader_init(&r, f, "mem");
	int rc = sgs_chunk_read_header(&r, MAGIC, KIND, 1, NULL);
	if (rc == 0)
		rc = sgs_chunk_read_next(&r) < 0 ? -1 : 0;
	if (rc == 0 && skip)
		rc = sgs_chunk_read_next(&r);
	fclose(f);
	return rc;
}

static void test_lengths(void)
{
	ok(read_length(UINT64_MAX, 0) < 0 && has("mem: 'BIG ' chunk at offset 8: length 18446744073709551615 is too large"),
	   "length 2^64-1 refused: %s", sgs_error_get());
	ok(read_length(((uint64_t)1 << 62) + 1, 0) < 0 && has("is too large"), "length 2^62+1 refused");
	ok(read_length((uint64_t)1 << 62, 0) == 0, "length 2^62 is a header like any other");
	ok(read_length((uint64_t)1 << 62, 1) < 0 &&
	   has("mem: truncated: stream ends at offset 32 inside the 'BIG ' chunk payload"),
	   "skipping it finds the truncation at once: %s", sgs_error_get());
	ok(read_length(9, 1) < 0 && has("inside the 'BIG ' chunk payload"), "length 9 of 8 bytes: truncated");
	ok(read_length(8, 1) < 0 && has("without an END chunk"), "length 8: payload, then no END");

	uint8_t end[8 + 16];
	memcpy(end, "TSTC\1\0\0\0END \1\0\0\0", 16);
	put64(end + 16, 8);
	struct sgs_chunk_reader r;
	FILE *f = mem_in(end, sizeof end);
	sgs_chunk_reader_init(&r, f, "mem");
	sgs_chunk_read_header(&r, MAGIC, KIND, 1, NULL);
	ok(sgs_chunk_read_next(&r) < 0 && has("mem: 'END ' chunk at offset 8: length is 8, expected 0"),
	   "END with a payload refused: %s", sgs_error_get());
	fclose(f);
}

/* Write into a FILE and return what write_end said. */
static int misuse(void (*fn)(struct sgs_chunk_writer *))
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	struct sgs_chunk_writer w;
	sgs_chunk_writer_init(&w, f);
	sgs_chunk_write_header(&w, MAGIC, 1);
	fn(&w);
	int rc = sgs_chunk_write_end(&w, 0);
	fclose(f);
	free(p);
	return rc;
}

static void short_payload(struct sgs_chunk_writer *w)
{
	sgs_chunk_write_begin(w, "IMAG", 1, 61);
	sgs_chunk_write_data(w, "0123456789", 10);
	sgs_chunk_write_close(w);
}

static void long_payload(struct sgs_chunk_writer *w)
{
	sgs_chunk_write_begin(w, "IMAG", 1, 4);
	sgs_chunk_write_data(w, "0123456789", 10);
	sgs_chunk_write_close(w);
}

static void unclosed(struct sgs_chunk_writer *w)
{
	sgs_chunk_write_begin(w, "IMAG", 1, 4);
	sgs_chunk_write_data(w, "0123", 4);
}

static void nested(struct sgs_chunk_writer *w)
{
	sgs_chunk_write_begin(w, "IMAG", 1, 4);
	sgs_chunk_write_begin(w, "MASK", 0, 4);
}

static void huge(struct sgs_chunk_writer *w)
{
	sgs_chunk_write_begin(w, "HUGE", 0, UINT64_MAX);
}

static void two_headers(struct sgs_chunk_writer *w)
{
	sgs_chunk_write_header(w, MAGIC, 1);
}

static void test_writer_errors(void)
{
	ok(misuse(short_payload) < 0 && has("'IMAG' chunk: 51 of its 61 payload bytes were not written"),
	   "short payload: %s", sgs_error_get());
	ok(misuse(long_payload) < 0 && has("'IMAG' chunk: more payload than its declared 4 bytes"),
	   "long payload: %s", sgs_error_get());
	ok(misuse(unclosed) < 0 && has("'IMAG' chunk not closed before END"), "unclosed: %s", sgs_error_get());
	ok(misuse(nested) < 0 && has("'MASK' chunk begun inside the 'IMAG' chunk"), "nested: %s",
	   sgs_error_get());
	ok(misuse(huge) < 0 && has("'HUGE' chunk: length 18446744073709551615 is too large"), "huge: %s",
	   sgs_error_get());
	ok(misuse(two_headers) < 0 && has("file header written twice"), "two headers: %s", sgs_error_get());

	/* Unbuffered, so the write itself fails rather than a later flush. */
	FILE *full = fopen("/dev/full", "wb");
	if (!full) {
		skip("no /dev/full", "write error reported");
		return;
	}
	setvbuf(full, NULL, _IONBF, 0);
	struct sgs_chunk_writer w;
	sgs_chunk_writer_init(&w, full);
	write_sample(&w);
	ok(w.failed && sgs_chunk_write_end(&w, 0) < 0 && has("write error: No space left on device"),
	   "write error kept and reported once: %s", sgs_error_get());
	fclose(full);
}

static void test_files(void)
{
	char dir[] = "/tmp/test_chunkXXXXXX", path[64];
	if (!mkdtemp(dir)) {
		skip("mkdtemp failed", "writing to a path");
		return;
	}
	snprintf(path, sizeof path, "%s/a.tst", dir);
	struct sgs_chunk_writer w;
	sgs_error_clear();
	ok(sgs_chunk_writer_open(&w, path) == 0, "open a path");
	write_sample(&w);
	ok(sgs_chunk_write_end(&w, SGS_CHUNK_CRITICAL) == 0 && access(path, F_OK) != 0,
	   "END written, file not there until commit");
	ok(sgs_chunk_writer_commit(&w) == 0, "commit (%s)", sgs_error_get());
	FILE *f = fopen(path, "rb");
	ok(f && read_sample(f, path, 1) == 0, "the file reads back (%s)", sgs_error_get());
	if (f)
		fclose(f);

	/* Commit without END: refused, old file kept, no temporary left. */
	ok(sgs_chunk_writer_open(&w, path) == 0, "open it again");
	sgs_chunk_write_header(&w, MAGIC, 3);
	sgs_chunk_write(&w, "ZERO", 0, NULL, 0);
	ok(sgs_chunk_writer_commit(&w) < 0 && strncmp(sgs_error_get(), path, strlen(path)) == 0 &&
	   has("no END chunk written"), "commit without END refused: %s", sgs_error_get());
	f = fopen(path, "rb");
	ok(f && read_sample(f, path, 1) == 0, "and the old file is intact");
	if (f)
		fclose(f);
	ok(sgs_chunk_writer_open(&w, path) == 0, "open a third time");
	sgs_chunk_write_header(&w, MAGIC, 3);
	sgs_chunk_writer_abort(&w);
	ok(unlink(path) == 0 && rmdir(dir) == 0, "abort leaves no temporary file behind");
}

/* Through a real pipe, written in small bursts by another process, so
 * reads return short counts and nothing can seek. */
static void test_pipe(void)
{
	uint8_t *buf;
	size_t len = sample_bytes(&buf);
	int fd[2];
	if (pipe(fd) != 0) {
		skip("pipe failed", "reading from a pipe");
		free(buf);
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		for (size_t off = 0; off < len; off += 7) {
			size_t k = len - off < 7 ? len - off : 7;
			if (write(fd[1], buf + off, k) != (ssize_t)k)
				_exit(1);
			usleep(200);
		}
		_exit(0);
	}
	close(fd[1]);
	FILE *f = fdopen(fd[0], "rb");
	ok(pid > 0 && f && read_sample(f, "<pipe>", 1) == 0, "read from a pipe (%s)", sgs_error_get());
	struct sgs_chunk_reader r;
	sgs_chunk_reader_init(&r, f, "<pipe>");
	ok(sgs_chunk_read_eof(&r) == 0, "and the pipe ends after END");
	if (f)
		fclose(f);
	int status = 1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer process done");

	/* The writer on a pipe: a child writes, the parent reads it back. */
	if (pipe(fd) != 0) {
		free(buf);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		FILE *out = fdopen(fd[1], "wb");
		struct sgs_chunk_writer w;
		sgs_chunk_writer_init(&w, out);
		write_sample(&w);
		int rc = sgs_chunk_write_end(&w, SGS_CHUNK_CRITICAL);
		_exit(rc == 0 && fclose(out) == 0 ? 0 : 1);
	}
	close(fd[1]);
	f = fdopen(fd[0], "rb");
	uint8_t *got = malloc(len + 1);
	size_t n = f ? fread(got, 1, len + 1, f) : 0;
	ok(n == len && memcmp(got, buf, len) == 0, "writing to a pipe gives the same bytes (%zu)", n);
	if (f)
		fclose(f);
	status = 1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer process done");
	free(got);
	free(buf);
}

int main(void)
{
	test_round_trip();
	test_padding();
	test_unknown();
	test_truncation();
	test_bad_headers();
	test_lengths();
	test_writer_errors();
	test_files();
	test_pipe();
	return tap_done();
}
