/* The built-in synthetic scene (sgs-init -f synthetic): textured spheres, a
 * box and a checkered ground disc under a sky, ray traced analytically from
 * a ring of pinhole cameras, with exact z-depth and object masks for every
 * view.  No dataset needed; same options, same bytes. */
#ifndef SGS_SYNTHETIC_H
#define SGS_SYNTHETIC_H

#include <stdint.h>

#include "sgs_scene.h"

struct sgs_synthetic_opts {
	uint32_t width, height; /* pixels per view (>= 8) */
	uint32_t nviews;        /* cameras on the ring (>= 1) */
	uint32_t ntrain;        /* train views spread evenly; 0: every 8th view is test */
	uint64_t seed;          /* places and textures the primitives */
};

/* 128x96, 12 views, ntrain 0, seed 1: what sgs-init uses by default. */
void sgs_synthetic_defaults(struct sgs_synthetic_opts *o);

/* Render the scene into `s`, which is (re)initialised, not freed first.
 * Views are "view_000"...; 8-bit RGB images, masks (255 where a sphere or
 * the box is hit at the pixel centre) and depth_gt (z of the pixel-centre
 * ray's hit, 0 for sky) for every view; colour is the mean of a 3x3 grid
 * of rays per pixel.  On failure `s` is left empty. */
int sgs_synthetic_scene(const struct sgs_synthetic_opts *o, struct sgs_scene *s);

/* ---- the world itself, exposed so tests can check depth independently ---- */

#define SGS_SYN_NSPHERES 3

enum sgs_syn_kind { SGS_SYN_SKY = 0, SGS_SYN_GROUND, SGS_SYN_SPHERE, SGS_SYN_BOX };

struct sgs_synthetic_world {
	double sphere_c[SGS_SYN_NSPHERES][3], sphere_r[SGS_SYN_NSPHERES];
	double sphere_col[SGS_SYN_NSPHERES][2][3]; /* two texture colours each */
	double stripe_axis[3];                    /* sphere 1's stripe direction */
	double box_c[3], box_half[3], box_yaw;    /* box rotated by yaw about +z */
	double box_cos, box_sin;                  /* of box_yaw, cached */
	double box_col[3][3];                     /* by face axis (box frame x, y, z) */
	double ground_radius, ground_tile;        /* disc z = 0 centred on the origin */
	double ground_col[2][3];
	double light[3];                          /* unit vector towards the sun */
	double ambient;
	double sky[3];
	double target[3];                         /* point the cameras look at */
	double ring_radius, ring_height, ring_wobble, ring_phase;
	uint64_t noise_seed;
};

struct sgs_syn_hit {
	int kind;        /* enum sgs_syn_kind */
	int index;       /* which sphere; for the box, the face's axis 0..2 */
	double t;        /* ray parameter: point = o + t d */
	double p[3], n[3];
};

/* The layout for a seed (world z is up, the ground is z = 0). */
void sgs_synthetic_world(uint64_t seed, struct sgs_synthetic_world *w);
/* Nearest hit with t > tmin along o + t d (d need not be unit); returns kind. */
int sgs_synthetic_intersect(const struct sgs_synthetic_world *w, const double o[3],
			    const double d[3], double tmin, struct sgs_syn_hit *h);
/* Colour seen along a ray: textured albedo, Lambertian sun with hard
 * shadows plus ambient, or the sky.  Fills h when not NULL. */
void sgs_synthetic_radiance(const struct sgs_synthetic_world *w, const double o[3],
			    const double d[3], double rgb[3], struct sgs_syn_hit *h);
/* The camera of view k of n on the ring, looking at w->target. */
void sgs_synthetic_camera(const struct sgs_synthetic_world *w, uint32_t k, uint32_t n,
			  uint32_t width, uint32_t height, struct sgs_camera *c);

#endif
