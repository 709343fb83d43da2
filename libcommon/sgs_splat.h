/* A Gaussian Splatting model and its file: the binary little-endian PLY
 * that Inria's 3DGS writes, so every existing viewer opens it.  Layout and
 * reading rules are documented in sgs-formats(5). */
#ifndef SGS_SPLAT_H
#define SGS_SPLAT_H

#include <stdint.h>
#include <stdio.h>

#define SGS_SH_DEGREE_MAX 3
/* Spherical-harmonic coefficients per colour channel for a degree. */
#define SGS_SH_COEFFS(deg) (((deg) + 1) * ((deg) + 1))

/* Parameters are stored raw, as the optimiser sees them. */
struct sgs_splats {
	uint64_t n;             /* number of Gaussians */
	uint32_t sh_degree;     /* 0..3 */
	float *means;           /* 3n: x y z */
	float *log_scales;      /* 3n: scale_0..2 (natural log) */
	float *quats;           /* 4n: w x y z (rot_0..3), not necessarily unit */
	float *logit_opacity;   /* n */
	float *sh;              /* n * K * 3, K = SGS_SH_COEFFS(sh_degree),
	                         * indexed [gaussian][coeff][channel];
	                         * coeff 0 is the DC term (f_dc_*) */
};

void sgs_splats_init(struct sgs_splats *s);
/* Allocate zeroed arrays for n Gaussians of the given SH degree (any
 * previous contents are NOT freed).  n = 0 leaves the arrays NULL. */
int sgs_splats_alloc(struct sgs_splats *s, uint64_t n, uint32_t sh_degree);
void sgs_splats_free(struct sgs_splats *s);

/* Read a PLY from a stream (no seeking).  `name` is used in messages.
 * Properties are found by name in any order; nx ny nz and unknown
 * properties are skipped; float and double are accepted; the SH degree
 * follows from the number of f_rest_* properties (0, 9, 24, 45). */
int sgs_splat_read(FILE *f, const char *name, struct sgs_splats *s);
/* Write the Inria layout: x y z nx ny nz f_dc_0..2 f_rest_* opacity
 * scale_0..2 rot_0..3, all float, normals 0, f_rest channel-major. */
int sgs_splat_write(FILE *f, const struct sgs_splats *s);
/* Path "-" means stdin/stdout; writing a path goes through a temporary
 * file renamed on success. */
int sgs_splat_load(const char *path, struct sgs_splats *s);
int sgs_splat_save(const char *path, const struct sgs_splats *s);

/* Checks degree range and that every value is finite (reading accepts
 * NaN so a broken model can still be inspected). */
int sgs_splat_validate(const struct sgs_splats *s);
/* sgs_splat_load, then sgs_splat_validate: what a tool that uses the
 * model calls; every message names the file ("m.ply: Gaussian 5: ...").
 * On failure *s is freed. */
int sgs_splat_load_valid(const char *path, struct sgs_splats *s);

#endif
