/* The compact ".splat" file of the web viewers (antimatter15/splat and the
 * viewers derived from it): 32 bytes per Gaussian, no header, largest and
 * most opaque first.  Layout in sgs-formats(5). */
#ifndef SGS_SPLAT_WEB_H
#define SGS_SPLAT_WEB_H

#include <stdint.h>
#include <stdio.h>

#include "sgs_splat.h"

#define SGS_WEB_SPLAT_BYTES 32

/* One Gaussian's record: position and linear scale as float32, RGBA8
 * (DC colour, sigmoid opacity), the unit quaternion w x y z as q*128+128
 * in uint8; values rounded to nearest and clamped. */
void sgs_web_splat_encode(const struct sgs_splats *s, uint64_t i, uint8_t out[SGS_WEB_SPLAT_BYTES]);

/* The viewers' draw order: indices by exp(sum of log-scales) *
 * sigmoid(opacity), descending, ties by index.  malloc'd; NULL with a
 * message on failure (n = 0 gives a valid empty array). */
uint64_t *sgs_web_splat_order(const struct sgs_splats *s);

/* 0 when every Gaussian fits the format; -1 with a message naming the
 * first whose linear scale, exp(log-scale), overflows a float. */
int sgs_web_splat_check(const struct sgs_splats *s);

/* Write every Gaussian in that order, after sgs_web_splat_check. */
int sgs_web_splat_write(FILE *f, const struct sgs_splats *s);
/* Path "-" is stdout; a file appears under its name only once complete. */
int sgs_web_splat_save(const char *path, const struct sgs_splats *s);

#endif
