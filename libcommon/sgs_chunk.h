/* The chunk framing shared by sgs's binary files (scenes, sgs-formats(5);
 * training checkpoints, sgs-train(1)): an 8-byte header {char magic[4],
 * u32 version}, then chunks {char tag[4], u32 flags, u64 length, payload,
 * 0-7 zero bytes of padding to a multiple of 8}, closed by an empty chunk
 * tagged "END ".  All little-endian.  Streams are read and written strictly
 * front to back, so pipes work.
 *
 * Both halves keep their state in a caller-owned struct and never print:
 * the reader returns -1 with a message naming the file (and, for a problem
 * inside a chunk, "'TAG' chunk at offset N"), after which it is done with
 * the stream; the writer keeps its first failure, turns later calls into
 * no-ops and reports it when asked (sgs_chunk_write_end).  Nothing is
 * allocated: payloads go to and from the caller's memory.
 *
 * Reading a file:
 *
 *	struct sgs_chunk_reader r;
 *	sgs_chunk_reader_init(&r, f, name);
 *	if (sgs_chunk_read_header(&r, "SGSC", "scene", 1, &version) < 0)
 *		return -1;
 *	while ((rc = sgs_chunk_read_next(&r)) == 1) {
 *		if (sgs_chunk_is(&r, "VIEW"))
 *			rc = sgs_chunk_expect_length(&r, 224) < 0 ? -1 :
 *			     sgs_chunk_read_payload(&r, buf, 224);
 *		else
 *			rc = sgs_chunk_check_unknown(&r);  (then the payload is skipped)
 *		if (rc < 0)
 *			return -1;
 *	}
 *	(rc is 0 at END, -1 on error)
 *
 * A file of fixed layout (a checkpoint) reads each chunk with
 * sgs_chunk_read_expect(&r, "TOPT", 40), its payload, and finally
 * sgs_chunk_read_expect(&r, "END ", 0).
 *
 * Writing one:
 *
 *	struct sgs_chunk_writer w;
 *	sgs_chunk_writer_init(&w, f);   (or sgs_chunk_writer_open(&w, path))
 *	sgs_chunk_write_header(&w, "SGSC", 1);
 *	sgs_chunk_write(&w, "HEAD", SGS_CHUNK_CRITICAL, p, 88);
 *	sgs_chunk_write_begin(&w, "IMAG", SGS_CHUNK_CRITICAL, 16 + n);
 *	sgs_chunk_write_data(&w, header, 16);
 *	sgs_chunk_write_data(&w, pixels, n);
 *	sgs_chunk_write_close(&w);
 *	if (sgs_chunk_write_end(&w, SGS_CHUNK_CRITICAL) < 0) ...
 *	(then sgs_chunk_writer_commit(&w) for a writer made by open)
 */
#ifndef SGS_CHUNK_H
#define SGS_CHUNK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sgs_error.h"
#include "sgs_output.h"

/* Flag bit 0: a reader that does not know the tag must refuse the file. */
#define SGS_CHUNK_CRITICAL 1u
#define SGS_CHUNK_HEADER_BYTES 16
/* Longest payload either half accepts: far beyond any real file, and low
 * enough that offsets plus padding can never wrap a u64. */
#define SGS_CHUNK_MAX_LENGTH ((uint64_t)1 << 62)

/* Zero bytes that follow a payload of this length. */
static inline uint64_t sgs_chunk_padding(uint64_t length) { return (8 - length % 8) % 8; }

/* ---- reading ------------------------------------------------------------ */

struct sgs_chunk_reader {
	FILE *f;
	const char *name;    /* file name for messages ("<stdin>" for a pipe) */
	uint64_t pos;        /* bytes consumed from the stream */
	/* The current chunk, valid after sgs_chunk_read_next/expect: */
	char tag[4];         /* as read, not NUL-terminated */
	char tagstr[20];     /* the tag escaped for messages (sgs_escape_bytes) */
	uint32_t flags;
	uint64_t length;     /* payload length, padding excluded */
	uint64_t offset;     /* of the chunk header, for messages */
	uint64_t left;       /* payload bytes not yet read */
	int64_t size;        /* bytes in the stream from where reading began
	                      * when it is a regular file, else -1 */
	int state;           /* private: where in the stream the reader is */
};

/* Start reading `f`; `name` is used in messages and must outlive `r`. */
void sgs_chunk_reader_init(struct sgs_chunk_reader *r, FILE *f, const char *name);

/* Read and check the 8-byte header: the 4 bytes of `magic`, a version from
 * 1 to max_version (stored in *version when not NULL).  `kind` names the
 * file type in messages: "not a <kind> file (bad magic 'PK\3\4')",
 * "empty input, not a <kind> file", "bad <kind> version 0",
 * "version 2 is newer than this sgs supports (1)".  A stream that starts
 * like the magic but ends within the header is reported truncated. */
int sgs_chunk_read_header(struct sgs_chunk_reader *r, const char *magic, const char *kind,
			  uint32_t max_version, uint32_t *version);

/* Finish the current chunk (as sgs_chunk_read_close) and read the next
 * chunk header into r->tag, flags, length, offset.  Returns 1 for a chunk,
 * 0 for the END chunk (its length checked to be 0; it has no padding), -1
 * on error: a stream that ends before END or inside the header (truncated),
 * a length over SGS_CHUNK_MAX_LENGTH, or, in a regular file, a payload
 * longer than what is left of the file (so nobody allocates for it).
 * After END it keeps returning 0. */
int sgs_chunk_read_next(struct sgs_chunk_reader *r);

/* Read the next chunk header and require this tag and length (the fixed
 * layout of a checkpoint).  "END " with length 0 may be expected too;
 * nothing may be expected after it.  Returns 0 or -1: "expected a 'TOPT' chunk at offset N, found 'TSTA'" or
 * "'TOPT' chunk at offset N: length is 8, expected 40". */
int sgs_chunk_read_expect(struct sgs_chunk_reader *r, const char *tag, uint64_t length);

/* Whether the current chunk's tag is these 4 bytes. */
int sgs_chunk_is(const struct sgs_chunk_reader *r, const char *tag);

/* -1 with "length is N, expected M" unless the current chunk's length is
 * `length`. */
int sgs_chunk_expect_length(struct sgs_chunk_reader *r, uint64_t length);

/* For a chunk the caller does not know: a critical one is refused
 * ("critical chunk not understood by this sgs (needs a newer sgs)"),
 * anything else returns 0 and may be kept (read its payload) or ignored
 * (the next sgs_chunk_read_next skips it).  Reserved flag bits are not
 * looked at. */
int sgs_chunk_check_unknown(struct sgs_chunk_reader *r);

/* Read n bytes of the current payload into buf.  Reading past the
 * payload's end is refused, a short stream is reported as truncated
 * "inside the 'TAG' chunk payload". */
int sgs_chunk_read_payload(struct sgs_chunk_reader *r, void *buf, size_t n);
/* The same for n little-endian f32, stored as host floats. */
int sgs_chunk_read_f32(struct sgs_chunk_reader *r, float *a, size_t n);
/* Read n payload bytes into a buffer malloc'ed for them (*out, which the
 * caller frees; NULL on failure).  From a pipe the buffer grows as the
 * data arrives, so a length the stream does not back costs no more memory
 * than the stream itself. */
int sgs_chunk_read_alloc(struct sgs_chunk_reader *r, size_t n, void **out);
/* The same for n little-endian f32, stored as host floats. */
int sgs_chunk_read_f32_alloc(struct sgs_chunk_reader *r, size_t n, float **out);
/* Read and drop n payload bytes. */
int sgs_chunk_read_skip(struct sgs_chunk_reader *r, uint64_t n);

/* Skip what is left of the payload, then read the padding, which must be
 * zero.  Called by sgs_chunk_read_next, so only needed to get errors in
 * the padding reported at once; harmless when repeated. */
int sgs_chunk_read_close(struct sgs_chunk_reader *r);

/* After END: -1 with "unexpected data after the END chunk" unless the
 * stream ends here (for files; a pipe may carry more). */
int sgs_chunk_read_eof(struct sgs_chunk_reader *r);

/* Set a message about the current chunk, "name: 'TAG' chunk at offset N:
 * <fmt>"; returns -1. */
int sgs_chunk_error(const struct sgs_chunk_reader *r, const char *fmt, ...) SGS_PRINTF(2, 3);

/* ---- writing ------------------------------------------------------------ */

struct sgs_chunk_writer {
	FILE *f;
	uint64_t pos;        /* bytes written */
	int failed;          /* a write or a call failed; the rest are no-ops */
	char msg[160];       /* the first failure, reported by write_end */
	/* private: */
	int state;
	char tag[4];         /* the open chunk */
	uint64_t length, left;
	struct sgs_output out; /* for writer_open / commit */
	int own;
};

/* Write to an open stream; the caller flushes and closes it. */
void sgs_chunk_writer_init(struct sgs_chunk_writer *w, FILE *f);
/* Write to a path ("-" is stdout) through a temporary file that
 * sgs_chunk_writer_commit renames into place, so a failure leaves nothing
 * behind.  Returns -1 with the message of sgs_output_open. */
int sgs_chunk_writer_open(struct sgs_chunk_writer *w, const char *path);

/* The header: magic (4 bytes) and version.  First, exactly once. */
void sgs_chunk_write_header(struct sgs_chunk_writer *w, const char *magic, uint32_t version);

/* Open a chunk whose payload will be `length` bytes, given with any number
 * of sgs_chunk_write_data/f32 calls, then sgs_chunk_write_close pads it.
 * Writing more or fewer bytes than declared is a failure. */
void sgs_chunk_write_begin(struct sgs_chunk_writer *w, const char *tag, uint32_t flags,
			   uint64_t length);
void sgs_chunk_write_data(struct sgs_chunk_writer *w, const void *p, size_t n);
/* n host floats as little-endian f32. */
void sgs_chunk_write_f32(struct sgs_chunk_writer *w, const float *a, size_t n);
void sgs_chunk_write_close(struct sgs_chunk_writer *w);

/* A whole chunk from one buffer (p may be NULL when length is 0). */
void sgs_chunk_write(struct sgs_chunk_writer *w, const char *tag, uint32_t flags, const void *p,
		     uint64_t length);

/* Write the END chunk with these flags and report: 0, or -1 with the first
 * failure ("write error: No space left on device", or a misuse such as
 * "'IMAG' chunk: 3 of its 61 payload bytes were not written").  For a
 * stream of its own (writer_init) that is all; data may still sit in the
 * FILE's buffer, so the caller checks fflush/fclose as usual. */
int sgs_chunk_write_end(struct sgs_chunk_writer *w, uint32_t flags);

/* For a writer made by sgs_chunk_writer_open, after write_end: flush,
 * close and rename into place.  If anything failed (END included), or END
 * was never written, the temporary file is removed and -1 returned with a
 * message naming the path.  Either way the writer is finished. */
int sgs_chunk_writer_commit(struct sgs_chunk_writer *w);
/* Give up: close and remove the temporary file (no-op for stdout). */
void sgs_chunk_writer_abort(struct sgs_chunk_writer *w);

#endif
