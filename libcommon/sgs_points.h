/* Point clouds a user already has (sgs-init --points): read from a PLY
 * file (ASCII or binary, either byte order; x y z with optional red green
 * blue on the `vertex` element, everything else skipped), checked against
 * a scene's train cameras, and turned into the scene's seed points. */
#ifndef SGS_POINTS_H
#define SGS_POINTS_H

#include <stdint.h>
#include <stdio.h>

#include "sgs_scene.h"

/* Far above any capture's point cloud, far below the SEED chunk's limit. */
#define SGS_POINTS_MAX 100000000ull

struct sgs_points {
	uint64_t n;          /* points kept */
	float *xyz;          /* 3n, world coordinates */
	uint8_t *rgb;        /* 3n */
	int has_colour;      /* 0: the file has no red green blue; rgb is grey 128 */
	uint64_t nonfinite;  /* vertices dropped for a NaN or infinite coordinate */
};

void sgs_points_init(struct sgs_points *p);
void sgs_points_free(struct sgs_points *p);

/* Read a PLY point cloud from a stream, front to back.  `name` names the
 * file in messages; `size` is the stream's length in bytes when known
 * (lets a header that promises more data than the file holds fail before
 * any allocation), -1 for a pipe.  Vertices with a non-finite coordinate
 * are dropped and counted; a file left with no point is an error.  Colour
 * components: integers clamped to [0, 255], float and double scaled from
 * [0, 1] to [0, 255] (then clamped).  On failure `p` is left empty. */
int sgs_points_read(FILE *f, const char *name, int64_t size, struct sgs_points *p);
/* The same for a path; "-" reads standard input. */
int sgs_points_load(const char *path, struct sgs_points *p);

/* How many points lie in front of at least one train view of `s` and
 * project inside its image. */
uint64_t sgs_points_seen(const struct sgs_points *p, const struct sgs_scene *s);

/* Hand the points over to the scene as its seed points, replacing any it
 * had; `p` is left empty. */
void sgs_points_to_seeds(struct sgs_points *p, struct sgs_scene *s);

#endif
