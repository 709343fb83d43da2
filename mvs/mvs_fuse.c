/* sgs_mvs_fuse_points(): the confident depths of every train view as world
 * points coloured from their images, merged on one voxel grid (edge
 * relative to the median depth) by sorting on the voxel key, so the
 * result is the same whatever the order and thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_mvs.h"

struct fpoint {
	int64_t key[3]; /* voxel coordinates */
	uint64_t order; /* view, then pixel: ties keep a fixed order */
	float xyz[3];
	uint8_t rgb[3];
};

static int cmp_point(const void *a, const void *b)
{
	const struct fpoint *p = a, *q = b;
	for (int k = 0; k < 3; k++)
		if (p->key[k] != q->key[k])
			return p->key[k] < q->key[k] ? -1 : 1;
	return (p->order > q->order) - (p->order < q->order);
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

void sgs_mvs_fuse_defaults(struct sgs_mvs_fuse_opts *o)
{
	o->min_conf = 0.25f;
	o->voxel_rel = 0.005f;
	o->stride = 1;
}

static int usable(const struct sgs_view *v, size_t p, float min_conf)
{
	return v->split == SGS_SPLIT_TRAIN && v->depth_prior && v->depth_conf && v->image.data &&
	       v->image.bits == 8 && v->depth_prior[p] > 0 && v->depth_conf[p] >= min_conf &&
	       v->depth_conf[p] > 0;
}

/* Colour of pixel p (8-bit images, grey replicated). */
static void pixel_rgb(const struct sgs_image *img, size_t p, uint8_t rgb[3])
{
	const uint8_t *d = (const uint8_t *)img->data + p * img->c;
	for (int k = 0; k < 3; k++)
		rgb[k] = d[img->c >= 3 ? k : 0];
}

int sgs_mvs_fuse_points(struct sgs_scene *s, const struct sgs_mvs_fuse_opts *o,
			uint64_t *npoints)
{
	if (o->stride < 1 || !(o->voxel_rel > 0) || !(o->min_conf >= 0 && o->min_conf <= 1))
		return sgs_error_set("fuse: stride %d, voxel %g, minimum confidence %g out of range",
				     o->stride, o->voxel_rel, o->min_conf);
	size_t n = 0;
	const size_t st = (size_t)o->stride;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		for (size_t y = 0; y < v->cam.h; y += st)
			for (size_t x = 0; x < v->cam.w; x += st)
				n += usable(v, y * v->cam.w + x, o->min_conf);
	}
	if (!n)
		return sgs_error_set("fuse: no train view has a depth with confidence >= %g",
				     o->min_conf);
	struct fpoint *pt = malloc(n * sizeof *pt);
	float *z = malloc(n * sizeof *z);
	if (!pt || !z) {
		free(pt), free(z);
		return sgs_error_set("fuse: out of memory for %zu points", n);
	}
	size_t m = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		const struct sgs_camera *c = &v->cam;
		for (size_t y = 0; y < c->h; y += st)
			for (size_t x = 0; x < c->w; x += st) {
				size_t p = y * c->w + x;
				if (!usable(v, p, o->min_conf))
					continue;
				double d = v->depth_prior[p];
				double xc[3] = {d * (x + 0.5 - c->cx) / c->fx - c->t[0],
						d * (y + 0.5 - c->cy) / c->fy - c->t[1], d - c->t[2]};
				struct fpoint *q = &pt[m];
				for (int k = 0; k < 3; k++)
					q->xyz[k] = (float)(c->R[k] * xc[0] + c->R[3 + k] * xc[1] +
							    c->R[6 + k] * xc[2]);
				pixel_rgb(&v->image, p, q->rgb);
				q->order = ((uint64_t)i << 40) | p;
				z[m++] = (float)d;
			}
	}
	qsort(z, n, sizeof *z, cmp_float);
	const double voxel = o->voxel_rel * z[n / 2];
	free(z);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			pt[i].key[k] = (int64_t)floor(pt[i].xyz[k] / voxel);
	qsort(pt, n, sizeof *pt, cmp_point);

	/* one mean point per run of equal keys, written over the array's front */
	size_t out = 0;
	float *xyz = NULL;
	uint8_t *rgb = NULL;
	for (size_t a = 0, b; a < n; a = b) {
		double sx[3] = {0, 0, 0}, sc[3] = {0, 0, 0};
		for (b = a; b < n && !memcmp(pt[b].key, pt[a].key, sizeof pt[a].key); b++)
			for (int k = 0; k < 3; k++) {
				sx[k] += pt[b].xyz[k];
				sc[k] += pt[b].rgb[k];
			}
		for (int k = 0; k < 3; k++) {
			pt[out].xyz[k] = (float)(sx[k] / (double)(b - a));
			pt[out].rgb[k] = (uint8_t)(sc[k] / (double)(b - a) + 0.5);
		}
		out++;
	}
	xyz = malloc(out * 3 * sizeof *xyz);
	rgb = malloc(out * 3);
	if (!xyz || !rgb) {
		free(pt), free(xyz), free(rgb);
		return sgs_error_set("fuse: out of memory for %zu points", out);
	}
	for (size_t i = 0; i < out; i++) {
		memcpy(xyz + 3 * i, pt[i].xyz, sizeof pt[i].xyz);
		memcpy(rgb + 3 * i, pt[i].rgb, 3);
	}
	free(pt);
	free(s->seed_xyz);
	free(s->seed_rgb);
	s->seed_xyz = xyz;
	s->seed_rgb = rgb;
	s->nseeds = out;
	if (npoints)
		*npoints = out;
	return 0;
}
