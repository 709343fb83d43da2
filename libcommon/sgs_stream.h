/* What a reader can know about the stream it reads before trusting a size
 * from a header: a regular file's remaining length bounds what the file
 * can still hold; a pipe's is unknown. */
#ifndef SGS_STREAM_H
#define SGS_STREAM_H

#include <stdint.h>
#include <stdio.h>

/* Bytes between the stream's position and the end of the file when f is
 * a regular file (stdin redirected from one included), else -1. */
int64_t sgs_stream_left(FILE *f);

#endif
