/* The built-in synthetic scene: world layout from a seed, the camera ring,
 * the train/test split, and rendering every view with synthetic_trace.c. */
#include "sgs_synthetic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"

#define PI 3.14159265358979323846
#define SS 3 /* SS x SS rays per pixel; the middle one is the pixel centre */

void sgs_synthetic_defaults(struct sgs_synthetic_opts *o)
{
	o->width = 128;
	o->height = 96;
	o->nviews = 12;
	o->ntrain = 0;
	o->seed = 1;
}

/* splitmix64: a tiny, well-mixed generator; the layout must not depend on
 * the C library's rand(). */
static uint64_t next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double jitter(uint64_t *s) { return (next_u64(s) >> 11) * (2.0 / 9007199254740992.0) - 1; }

static void set3(double v[3], double x, double y, double z)
{
	v[0] = x;
	v[1] = y;
	v[2] = z;
}

/* Base colour nudged per seed, kept inside (0.05, 0.95). */
static void tint(double v[3], double r, double g, double b, uint64_t *s)
{
	double c[3] = {r, g, b};
	for (int k = 0; k < 3; k++)
		v[k] = fmin(0.95, fmax(0.05, c[k] + 0.08 * jitter(s)));
}

void sgs_synthetic_world(uint64_t seed, struct sgs_synthetic_world *w)
{
	uint64_t s = seed;
	memset(w, 0, sizeof *w);
	/* Spheres rest on the ground (centre height = radius). */
	static const double base[SGS_SYN_NSPHERES][3] = {
		{0.0, 0.0, 0.6}, {1.15, 0.55, 0.38}, {-1.0, 0.75, 0.42}};
	for (int i = 0; i < SGS_SYN_NSPHERES; i++) {
		double r = base[i][2] * (1 + 0.1 * jitter(&s));
		double amp = i == 0 ? 0.08 : 0.15;
		set3(w->sphere_c[i], base[i][0] + amp * jitter(&s), base[i][1] + amp * jitter(&s), r);
		w->sphere_r[i] = r;
	}
	tint(w->sphere_col[0][0], 0.85, 0.22, 0.15, &s);
	tint(w->sphere_col[0][1], 0.93, 0.88, 0.72, &s);
	tint(w->sphere_col[1][0], 0.15, 0.35, 0.80, &s);
	tint(w->sphere_col[1][1], 0.95, 0.80, 0.20, &s);
	tint(w->sphere_col[2][0], 0.20, 0.58, 0.25, &s);
	tint(w->sphere_col[2][1], 0.90, 0.92, 0.85, &s);
	double ax[3] = {0.3 + 0.2 * jitter(&s), 0.4 + 0.2 * jitter(&s), 1.0};
	double an = sqrt(ax[0] * ax[0] + ax[1] * ax[1] + ax[2] * ax[2]);
	set3(w->stripe_axis, ax[0] / an, ax[1] / an, ax[2] / an);

	set3(w->box_half, 0.35, 0.30, 0.35);
	set3(w->box_c, 0.25 + 0.15 * jitter(&s), -1.15 + 0.1 * jitter(&s), w->box_half[2]);
	w->box_yaw = 0.5 + 0.3 * jitter(&s);
	w->box_cos = cos(w->box_yaw);
	w->box_sin = sin(w->box_yaw);
	tint(w->box_col[0], 0.80, 0.45, 0.15, &s);
	tint(w->box_col[1], 0.55, 0.30, 0.70, &s);
	tint(w->box_col[2], 0.90, 0.85, 0.30, &s);

	w->ground_radius = 3.2;
	w->ground_tile = 0.4;
	set3(w->ground_col[0], 0.78, 0.76, 0.70);
	set3(w->ground_col[1], 0.42, 0.42, 0.46);
	double L[3] = {0.45, -0.35, 0.82};
	double ln = sqrt(L[0] * L[0] + L[1] * L[1] + L[2] * L[2]);
	set3(w->light, L[0] / ln, L[1] / ln, L[2] / ln);
	w->ambient = 0.35;
	set3(w->sky, 0.60, 0.74, 0.90);

	set3(w->target, 0, 0, 0.45);
	w->ring_radius = 4.2;
	w->ring_height = 1.9;
	w->ring_wobble = 0.3;
	w->ring_phase = 0.3;
	w->noise_seed = next_u64(&s);
}

static void normalize3(double v[3])
{
	double n = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
	for (int k = 0; k < 3; k++)
		v[k] /= n;
}

static void cross3(const double a[3], const double b[3], double out[3])
{
	out[0] = a[1] * b[2] - a[2] * b[1];
	out[1] = a[2] * b[0] - a[0] * b[2];
	out[2] = a[0] * b[1] - a[1] * b[0];
}

void sgs_synthetic_camera(const struct sgs_synthetic_world *w, uint32_t k, uint32_t n,
			  uint32_t width, uint32_t height, struct sgs_camera *c)
{
	double phi = 2 * PI * k / n + w->ring_phase;
	double C[3] = {w->ring_radius * cos(phi), w->ring_radius * sin(phi),
		       w->ring_height + w->ring_wobble * sin(3 * phi)};
	static const double up[3] = {0, 0, 1};
	/* OpenCV rows: x right = f x up, y down = f x right, z forward = f. */
	double f[3] = {w->target[0] - C[0], w->target[1] - C[1], w->target[2] - C[2]};
	double right[3], down[3];
	normalize3(f);
	cross3(f, up, right);
	normalize3(right);
	cross3(f, right, down);
	memset(c, 0, sizeof *c);
	c->w = width;
	c->h = height;
	c->fx = c->fy = 1.15 * width; /* ~47 degrees horizontal field of view */
	c->cx = width / 2.0;
	c->cy = height / 2.0;
	for (int j = 0; j < 3; j++) {
		c->R[j] = right[j];
		c->R[3 + j] = down[j];
		c->R[6 + j] = f[j];
	}
	for (int i = 0; i < 3; i++)
		c->t[i] = -(c->R[3 * i] * C[0] + c->R[3 * i + 1] * C[1] + c->R[3 * i + 2] * C[2]);
}

static uint8_t to_u8(double v)
{
	v = v * 255.0 + 0.5;
	return (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v);
}

/* Trace one view: colour from SS x SS rays, depth and mask from the pixel
 * centre.  The ray for pixel coordinate (u, v) has camera-space direction
 * ((u - cx)/fx, (v - cy)/fy, 1), so its hit's z-depth is exactly t. */
static int render_view(const struct sgs_synthetic_world *w, struct sgs_view *v)
{
	const struct sgs_camera *c = &v->cam;
	size_t npix = (size_t)c->w * c->h;
	if (sgs_image_alloc(&v->image, c->w, c->h, 3, 8) != 0)
		return -1;
	v->mask = malloc(npix);
	v->depth_gt = malloc(npix * sizeof *v->depth_gt);
	if (!v->mask || !v->depth_gt)
		return sgs_error_set("out of memory rendering %s", v->name);
	double C[3];
	for (int k = 0; k < 3; k++)
		C[k] = -(c->R[k] * c->t[0] + c->R[3 + k] * c->t[1] + c->R[6 + k] * c->t[2]);
	uint8_t *rgb = v->image.data;
	long h = (long)c->h;
#pragma omp parallel for schedule(static)
	for (long y = 0; y < h; y++) {
		for (uint32_t x = 0; x < c->w; x++) {
			double acc[3] = {0, 0, 0};
			size_t p = (size_t)y * c->w + x;
			for (int sy = 0; sy < SS; sy++)
				for (int sx = 0; sx < SS; sx++) {
					double u = x + (sx + 0.5) / SS, vv = y + (sy + 0.5) / SS;
					double dc[3] = {(u - c->cx) / c->fx, (vv - c->cy) / c->fy, 1};
					double d[3], col[3];
					for (int k = 0; k < 3; k++)
						d[k] = c->R[k] * dc[0] + c->R[3 + k] * dc[1] + c->R[6 + k] * dc[2];
					struct sgs_syn_hit hit;
					sgs_synthetic_radiance(w, C, d, col, &hit);
					for (int k = 0; k < 3; k++)
						acc[k] += col[k];
					if (sx == SS / 2 && sy == SS / 2) {
						int obj = hit.kind == SGS_SYN_SPHERE || hit.kind == SGS_SYN_BOX;
						v->depth_gt[p] = hit.kind == SGS_SYN_SKY ? 0.f : (float)hit.t;
						v->mask[p] = obj ? 255 : 0;
					}
				}
			for (int k = 0; k < 3; k++)
				rgb[p * 3 + k] = to_u8(acc[k] / (SS * SS));
		}
	}
	/* Depth bounds from the exact depths seen, with a margin for the
	 * sub-pixel rays that reach slightly nearer or farther. */
	float lo = INFINITY, hi = 0;
	for (size_t p = 0; p < npix; p++)
		if (v->depth_gt[p] > 0) {
			lo = fminf(lo, v->depth_gt[p]);
			hi = fmaxf(hi, v->depth_gt[p]);
		}
	if (hi <= 0) {
		lo = 0.1f;
		hi = 20.f;
	}
	v->near = 0.9f * lo;
	v->far = 1.1f * hi;
	return 0;
}

/* Train views spread evenly round the ring; without ntrain, the LLFF-like
 * rule: every 8th view is test. */
static uint32_t split_of(uint32_t k, uint32_t n, uint32_t ntrain)
{
	if (ntrain == 0)
		return k % 8 == 0 ? SGS_SPLIT_TEST : SGS_SPLIT_TRAIN;
	for (uint64_t i = 0; i < ntrain; i++)
		if ((uint32_t)(i * n / ntrain) == k)
			return SGS_SPLIT_TRAIN;
	return SGS_SPLIT_TEST;
}

int sgs_synthetic_scene(const struct sgs_synthetic_opts *o, struct sgs_scene *s)
{
	sgs_scene_init(s);
	if (o->width < 8 || o->height < 8 || o->width > 8192 || o->height > 8192)
		return sgs_error_set("synthetic scene: size %ux%u is outside 8..8192", o->width,
				     o->height);
	if (o->nviews < 1 || o->nviews > 1000)
		return sgs_error_set("synthetic scene: %u views is outside 1..1000", o->nviews);
	if (o->ntrain > o->nviews)
		return sgs_error_set("synthetic scene: %u train views but only %u views", o->ntrain,
				     o->nviews);
	struct sgs_synthetic_world w;
	sgs_synthetic_world(o->seed, &w);
	snprintf(s->source, sizeof s->source, "synthetic");
	snprintf(s->protocol, sizeof s->protocol, "%s", o->ntrain ? "explicit" : "all");
	for (int k = 0; k < 3; k++)
		s->background[k] = (float)w.sky[k];
	struct sgs_view *views = sgs_scene_add_views(s, o->nviews);
	if (!views)
		return -1;
	for (uint32_t k = 0; k < o->nviews; k++) {
		struct sgs_view *v = &views[k];
		snprintf(v->name, sizeof v->name, "view_%03u", k);
		v->id = k;
		v->split = split_of(k, o->nviews, o->ntrain);
		sgs_synthetic_camera(&w, k, o->nviews, o->width, o->height, &v->cam);
		if (render_view(&w, v) != 0) {
			sgs_scene_free(s);
			return -1;
		}
	}
	return 0;
}
