/* Visual hull from the train views' masks (sgs_hull.h): space carving on
 * a voxel grid, tested through summed-area tables of the masks so that a
 * voxel's whole footprint (plus the dilation) is tested in O(1) per view. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_camera.h"
#include "sgs_error.h"
#include "sgs_hull.h"
#include "sgs_kernels.h"
#include "sgs_scene.h"
#include "sgs_trainer.h"

int sgs_view_train_mask(const struct sgs_view *v, uint8_t *out)
{
	const struct sgs_image *im = &v->image;
	size_t np = (size_t)v->cam.w * v->cam.h;
	if (v->mask) {
		if (out)
			memcpy(out, v->mask, np);
		return 1;
	}
	if (!im->data || im->c != 4 || im->bits != 8 || im->w != v->cam.w || im->h != v->cam.h)
		return 0;
	const uint8_t *px = im->data;
	for (size_t i = 0; out && i < np; i++)
		out[i] = px[4 * i + 3] >= 128 ? 255 : 0;
	return 1;
}

int sgs_scene_has_train_masks(const struct sgs_scene *s)
{
	for (uint32_t i = 0; i < s->nviews; i++)
		if (s->views[i].split == SGS_SPLIT_TRAIN && sgs_view_train_mask(&s->views[i], NULL))
			return 1;
	return 0;
}

/* A train view with a mask: its summed-area table ((w + 1) x (h + 1)),
 * the mask's bounding box and the depth range it carves over. */
struct mview {
	const struct sgs_camera *c;
	uint32_t *sat;
	uint32_t bb[4]; /* x0, y0, x1, y1 (exclusive) of the mask pixels */
	double near, far;
};

static void free_views(struct mview *m, uint32_t n)
{
	for (uint32_t i = 0; m && i < n; i++)
		free(m[i].sat);
	free(m);
}

static int build_view(const struct sgs_view *v, uint8_t *mask, struct mview *m)
{
	uint32_t w = v->cam.w, h = v->cam.h;
	m->c = &v->cam;
	m->sat = calloc((size_t)(w + 1) * (h + 1), sizeof *m->sat);
	if (!m->sat)
		return sgs_error_set("view %s: out of memory for its mask", v->name);
	sgs_view_train_mask(v, mask);
	m->bb[0] = w, m->bb[1] = h, m->bb[2] = m->bb[3] = 0;
	for (uint32_t y = 0; y < h; y++) {
		uint32_t row = 0;
		for (uint32_t x = 0; x < w; x++) {
			int on = mask[(size_t)y * w + x] >= 128;
			row += on;
			m->sat[(size_t)(y + 1) * (w + 1) + x + 1] = m->sat[(size_t)y * (w + 1) + x + 1] + row;
			if (on) {
				m->bb[0] = x < m->bb[0] ? x : m->bb[0];
				m->bb[1] = y < m->bb[1] ? y : m->bb[1];
				m->bb[2] = x + 1 > m->bb[2] ? x + 1 : m->bb[2];
				m->bb[3] = y + 1 > m->bb[3] ? y + 1 : m->bb[3];
			}
		}
	}
	if (m->bb[2] == 0)
		return sgs_error_set("view %s: its mask is empty", v->name);
	return 0;
}

/* The masked train views; their depth ranges as the views give them, else
 * as sgs_random_points assumes. */
static int masked_views(const struct sgs_scene *s, struct mview **out, uint32_t *count)
{
	uint32_t n = 0;
	size_t maxpix = 0;
	float extent, centre[3];
	*out = NULL, *count = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split == SGS_SPLIT_TRAIN && sgs_view_train_mask(v, NULL)) {
			n++;
			if ((size_t)v->cam.w * v->cam.h > maxpix)
				maxpix = (size_t)v->cam.w * v->cam.h;
		}
	}
	if (n == 0)
		return sgs_error_set("no train view has a mask (or an alpha channel) to carve a "
				     "visual hull from");
	if (sgs_scene_extent(s, &extent, centre) != 0)
		return -1;
	struct mview *m = calloc(n, sizeof *m);
	uint8_t *mask = malloc(maxpix);
	if (!m || !mask) {
		free(m), free(mask);
		return sgs_error_set("out of memory for %u masks", n);
	}
	for (uint32_t i = 0, k = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN || !sgs_view_train_mask(v, NULL))
			continue;
		if (build_view(v, mask, &m[k]) != 0) {
			free(mask);
			free_views(m, k + 1);
			return -1;
		}
		if (v->near > 0 && v->far > v->near) { /* a margin: bounds are estimates */
			m[k].near = 0.9 * v->near;
			m[k].far = 1.1 * v->far;
		} else {
			double C[3], d = 0;
			sgs_camera_center(&v->cam, C);
			for (int a = 0; a < 3; a++)
				d += (C[a] - centre[a]) * (C[a] - centre[a]);
			m[k].near = SGS_NEAR_DEFAULT;
			m[k].far = 2 * sqrt(d) + 3 * extent;
		}
		k++;
	}
	free(mask);
	*out = m, *count = n;
	return 0;
}

/* World point of pixel (x, y) at depth z of camera c. */
static void unproject(const struct sgs_camera *c, double x, double y, double z, double p[3])
{
	double q[3] = {(x - c->cx) / c->fx * z - c->t[0], (y - c->cy) / c->fy * z - c->t[1],
		       z - c->t[2]};
	for (int a = 0; a < 3; a++)
		p[a] = c->R[a] * q[0] + c->R[3 + a] * q[1] + c->R[6 + a] * q[2];
}

/* Camera point of world point p. */
static void to_camera(const struct sgs_camera *c, const double p[3], double q[3])
{
	for (int a = 0; a < 3; a++)
		q[a] = c->R[3 * a] * p[0] + c->R[3 * a + 1] * p[1] + c->R[3 * a + 2] * p[2] + c->t[a];
}

/* The intersection of the views' frusta through their (dilated) mask
 * boxes between their depth ranges, as an axis-aligned box. */
static int frusta_box(const struct mview *m, uint32_t n, uint32_t dilate, double lo[3],
		      double hi[3])
{
	for (int a = 0; a < 3; a++)
		lo[a] = -INFINITY, hi[a] = INFINITY;
	for (uint32_t k = 0; k < n; k++) {
		double vlo[3] = {INFINITY, INFINITY, INFINITY}, vhi[3] = {-INFINITY, -INFINITY, -INFINITY};
		double x0 = (double)m[k].bb[0] - dilate, x1 = (double)m[k].bb[2] + dilate;
		double y0 = (double)m[k].bb[1] - dilate, y1 = (double)m[k].bb[3] + dilate;
		for (int corner = 0; corner < 8; corner++) {
			double p[3];
			unproject(m[k].c, corner & 1 ? x1 : x0, corner & 2 ? y1 : y0,
				  corner & 4 ? m[k].far : m[k].near, p);
			for (int a = 0; a < 3; a++) {
				vlo[a] = fmin(vlo[a], p[a]);
				vhi[a] = fmax(vhi[a], p[a]);
			}
		}
		for (int a = 0; a < 3; a++) {
			lo[a] = fmax(lo[a], vlo[a]);
			hi[a] = fmin(hi[a], vhi[a]);
		}
	}
	for (int a = 0; a < 3; a++)
		if (!(hi[a] > lo[a]) || !isfinite(hi[a] - lo[a]))
			return sgs_error_set("the train views' mask frusta share no volume (are the "
					     "poses and masks right?)");
	return 0;
}

/* Is there a mask pixel in the square of radius r around pixel (x, y)? */
static int mask_near(const struct mview *m, int64_t x, int64_t y, int64_t r)
{
	int64_t w = m->c->w, h = m->c->h;
	int64_t x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
	int64_t y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
	const uint32_t *S = m->sat;
	size_t W = (size_t)w + 1;
	return S[y1 * W + x1] + S[y0 * W + x0] > S[y0 * W + x1] + S[y1 * W + x0];
}

/* Does the voxel of centre p and side `voxel` survive the masks? */
static int keep_voxel(const struct mview *m, uint32_t n, const double p[3], double voxel,
		      uint32_t dilate)
{
	uint32_t seen = 0, need = n < 2 ? n : 2;
	for (uint32_t k = 0; k < n; k++) {
		const struct sgs_camera *c = m[k].c;
		double q[3];
		to_camera(c, p, q);
		if (!(q[2] > 1e-9))
			continue;
		double u = c->fx * q[0] / q[2] + c->cx, v = c->fy * q[1] / q[2] + c->cy;
		if (!(u >= 0 && u < c->w && v >= 0 && v < c->h))
			continue; /* out of this view: it cannot say */
		seen++;
		double f = c->fx > c->fy ? c->fx : c->fy;
		int64_t r = (int64_t)dilate + (int64_t)ceil(f * voxel * 0.8660254037844386 / q[2]);
		if (r > 1 << 20)
			r = 1 << 20;
		if (!mask_near(&m[k], (int64_t)u, (int64_t)v, r))
			return 0;
	}
	return seen >= need;
}

/* A grid of `res` voxels along the longest side of [lo, hi], carved. */
static int carve(const struct mview *m, uint32_t n, const double lo[3], const double hi[3],
		 uint32_t res, uint32_t dilate, struct sgs_hull *h)
{
	double side = fmax(hi[0] - lo[0], fmax(hi[1] - lo[1], hi[2] - lo[2]));
	h->voxel = side / res;
	for (int a = 0; a < 3; a++) {
		double k = ceil((hi[a] - lo[a]) / h->voxel - 1e-9);
		h->n[a] = k < 1 ? 1 : k > res ? res : (uint32_t)k;
		h->lo[a] = lo[a];
	}
	size_t total = (size_t)h->n[0] * h->n[1] * h->n[2];
	free(h->occ);
	if (!(h->occ = malloc(total)))
		return sgs_error_set("out of memory for a %ux%ux%u voxel grid", h->n[0], h->n[1], h->n[2]);
	const uint32_t nx = h->n[0], ny = h->n[1], nz = h->n[2];
#pragma omp parallel for schedule(dynamic, 1)
	for (int64_t z = 0; z < (int64_t)nz; z++)
		for (uint32_t y = 0; y < ny; y++)
			for (uint32_t x = 0; x < nx; x++) {
				double p[3] = {h->lo[0] + (x + 0.5) * h->voxel, h->lo[1] + (y + 0.5) * h->voxel,
					       h->lo[2] + (z + 0.5) * h->voxel};
				h->occ[((size_t)z * ny + y) * nx + x] =
					(uint8_t)keep_voxel(m, n, p, h->voxel, dilate);
			}
	h->kept = 0;
	for (size_t i = 0; i < total; i++)
		h->kept += h->occ[i];
	return 0;
}

/* Mark the kept voxels with a carved (or outside) 6-neighbour as 2. */
static void mark_surface(struct sgs_hull *h)
{
	const int64_t nx = h->n[0], ny = h->n[1], nz = h->n[2];
	h->surface = 0;
	for (int64_t z = 0; z < nz; z++)
		for (int64_t y = 0; y < ny; y++)
			for (int64_t x = 0; x < nx; x++) {
				uint8_t *o = &h->occ[(z * ny + y) * nx + x];
				if (!*o)
					continue;
				int open = x == 0 || y == 0 || z == 0 || x == nx - 1 || y == ny - 1 ||
					   z == nz - 1 || !o[-1] || !o[1] || !o[-nx] || !o[nx] ||
					   !o[-nx * ny] || !o[nx * ny];
				if (open) {
					*o = 2;
					h->surface++;
				}
			}
}

int sgs_hull_carve(const struct sgs_scene *s, uint32_t res, uint32_t dilate, struct sgs_hull *h)
{
	struct mview *m;
	uint32_t n;
	double lo[3], hi[3];
	memset(h, 0, sizeof *h);
	if (res < SGS_HULL_RES_MIN || res > SGS_HULL_RES_MAX)
		return sgs_error_set("hull resolution %u outside %u..%u", res, SGS_HULL_RES_MIN,
				     SGS_HULL_RES_MAX);
	if (masked_views(s, &m, &n) != 0)
		return -1;
	h->views = n;
	int rc = frusta_box(m, n, dilate, lo, hi);
	/* coarse pass: where the object is inside the frusta's box */
	uint32_t coarse = res / 4 > SGS_HULL_RES_MIN ? res / 4 : SGS_HULL_RES_MIN;
	if (rc == 0)
		rc = carve(m, n, lo, hi, coarse, dilate, h);
	if (rc == 0 && h->kept == 0)
		rc = sgs_error_set("the train views' masks carve everything away (are the poses and "
				   "masks right?)");
	if (rc == 0) {
		int64_t bmin[3] = {INT64_MAX, INT64_MAX, INT64_MAX}, bmax[3] = {-1, -1, -1};
		for (int64_t z = 0; z < h->n[2]; z++)
			for (int64_t y = 0; y < h->n[1]; y++)
				for (int64_t x = 0; x < h->n[0]; x++) {
					if (!h->occ[(z * h->n[1] + y) * h->n[0] + x])
						continue;
					int64_t q[3] = {x, y, z};
					for (int a = 0; a < 3; a++) {
						bmin[a] = q[a] < bmin[a] ? q[a] : bmin[a];
						bmax[a] = q[a] > bmax[a] ? q[a] : bmax[a];
					}
				}
		/* one coarse voxel of margin on every side */
		for (int a = 0; a < 3; a++) {
			double l = h->lo[a] + (bmin[a] - 1) * h->voxel, u = h->lo[a] + (bmax[a] + 2) * h->voxel;
			lo[a] = l, hi[a] = u;
		}
		rc = carve(m, n, lo, hi, res, dilate, h);
	}
	if (rc == 0 && h->kept == 0)
		rc = sgs_error_set("the train views' masks carve everything away at %u voxels", res);
	free_views(m, n);
	if (rc != 0) {
		sgs_hull_free(h);
		return -1;
	}
	mark_surface(h);
	return 0;
}

void sgs_hull_free(struct sgs_hull *h)
{
	free(h->occ);
	memset(h, 0, sizeof *h);
}

int64_t sgs_hull_index(const struct sgs_hull *h, const double p[3])
{
	int64_t q[3];
	for (int a = 0; a < 3; a++) {
		double f = floor((p[a] - h->lo[a]) / h->voxel);
		if (!(f >= 0 && f < h->n[a]))
			return -1;
		q[a] = (int64_t)f;
	}
	return (q[2] * h->n[1] + q[1]) * h->n[0] + q[0];
}

/* ---- points on the surface ---- */

static void voxel_centre(const struct sgs_hull *h, size_t i, double p[3])
{
	size_t x = i % h->n[0], y = i / h->n[0] % h->n[1], z = i / ((size_t)h->n[0] * h->n[1]);
	p[0] = h->lo[0] + (x + 0.5) * h->voxel;
	p[1] = h->lo[1] + (y + 0.5) * h->voxel;
	p[2] = h->lo[2] + (z + 0.5) * h->voxel;
}

/* Pixel of p in c and its depth; 0 when outside the image or behind. */
static int project(const struct sgs_camera *c, const double p[3], int64_t *px, double *z)
{
	double q[3];
	to_camera(c, p, q);
	if (!(q[2] > 1e-9))
		return 0;
	double u = c->fx * q[0] / q[2] + c->cx, v = c->fy * q[1] / q[2] + c->cy;
	if (!(u >= 0 && u < c->w && v >= 0 && v < c->h))
		return 0;
	*px = (int64_t)v * c->w + (int64_t)u;
	*z = q[2];
	return 1;
}

/* The nearest surface depth per pixel of c: every surface voxel splatted
 * as a square of its projected half side. */
static void zbuffer(const struct sgs_hull *h, const size_t *surf, uint64_t ns,
		    const struct sgs_camera *c, float *zb)
{
	size_t np = (size_t)c->w * c->h;
	double f = c->fx > c->fy ? c->fx : c->fy;
	for (size_t i = 0; i < np; i++)
		zb[i] = INFINITY;
	for (uint64_t k = 0; k < ns; k++) {
		double p[3], z;
		int64_t px;
		voxel_centre(h, surf[k], p);
		if (!project(c, p, &px, &z))
			continue;
		int64_t r = (int64_t)ceil(0.5 * f * h->voxel / z), x = px % c->w, y = px / c->w;
		if (r > 64)
			r = 64;
		for (int64_t yy = y - r; yy <= y + r; yy++)
			for (int64_t xx = x - r; xx <= x + r; xx++)
				if (xx >= 0 && yy >= 0 && xx < c->w && yy < c->h &&
				    zb[yy * c->w + xx] > (float)z)
					zb[yy * c->w + xx] = (float)z;
	}
}

/* Colours of the n chosen points: sums over the views that see each
 * unoccluded (sum[4 i + 3] counts them), and over all views it projects
 * into as the fallback (all[4 i + 3]). */
static int colour_points(const struct sgs_scene *s, const struct sgs_hull *h, const size_t *surf,
			 uint64_t ns, const float *xyz, uint64_t n, uint8_t *rgb)
{
	size_t maxpix = 0;
	for (uint32_t i = 0; i < s->nviews; i++)
		if (s->views[i].split == SGS_SPLIT_TRAIN && (size_t)s->views[i].cam.w * s->views[i].cam.h > maxpix)
			maxpix = (size_t)s->views[i].cam.w * s->views[i].cam.h;
	float *zb = malloc((maxpix ? maxpix : 1) * sizeof *zb);
	double *sum = calloc(8 * (n ? n : 1), sizeof *sum), *all = sum + 4 * n;
	if (!zb || !sum) {
		free(zb), free(sum);
		return sgs_error_set("out of memory colouring %llu hull points", (unsigned long long)n);
	}
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		const struct sgs_image *im = &v->image;
		if (v->split != SGS_SPLIT_TRAIN || !im->data || im->bits != 8 || im->c < 3 ||
		    im->w != v->cam.w || im->h != v->cam.h)
			continue;
		zbuffer(h, surf, ns, &v->cam, zb);
		const uint8_t *px = im->data;
		/* a pixel outside the mask shows what is behind the object: the
		 * hull is carved conservatively, so its rim projects there */
		uint8_t *mask = malloc((size_t)v->cam.w * v->cam.h);
		if (mask && !sgs_view_train_mask(v, mask))
			free(mask), mask = NULL;
#pragma omp parallel for schedule(static)
		for (int64_t k = 0; k < (int64_t)n; k++) {
			double p[3] = {xyz[3 * k], xyz[3 * k + 1], xyz[3 * k + 2]}, z;
			int64_t q;
			if (!project(&v->cam, p, &q, &z))
				continue;
			/* within a voxel and a half of the nearest surface: seen */
			double *acc = z <= zb[q] + 1.5 * h->voxel && (!mask || mask[q] >= 128) ? sum : all;
			for (int c = 0; c < 3; c++) {
				acc[4 * k + c] += px[(size_t)q * im->c + c];
				if (acc == sum)
					all[4 * k + c] += px[(size_t)q * im->c + c];
			}
			acc[4 * k + 3] += 1;
			if (acc == sum)
				all[4 * k + 3] += 1;
		}
		free(mask);
	}
	for (uint64_t k = 0; k < n; k++) {
		const double *acc = sum[4 * k + 3] > 0 ? sum : all;
		for (int c = 0; c < 3; c++)
			rgb[3 * k + c] = acc[4 * k + 3] > 0
						 ? (uint8_t)(acc[4 * k + c] / acc[4 * k + 3] + 0.5)
						 : 128;
	}
	free(zb);
	free(sum);
	return 0;
}

int sgs_hull_points(const struct sgs_scene *s, const struct sgs_hull *h, uint64_t max, float **xyz,
		    uint8_t **rgb, uint64_t *n)
{
	size_t total = (size_t)h->n[0] * h->n[1] * h->n[2];
	*xyz = NULL, *rgb = NULL, *n = 0;
	if (h->surface == 0 || max == 0)
		return sgs_error_set("the visual hull has no surface voxels to place Gaussians on");
	size_t *surf = malloc(h->surface * sizeof *surf);
	uint64_t ns = 0, m = h->surface < max ? h->surface : max;
	*xyz = malloc(3 * m * sizeof **xyz);
	*rgb = malloc(3 * m);
	if (!surf || !*xyz || !*rgb) {
		free(surf), free(*xyz), free(*rgb);
		*xyz = NULL, *rgb = NULL;
		return sgs_error_set("out of memory for %llu hull points", (unsigned long long)m);
	}
	for (size_t i = 0; i < total; i++)
		if (h->occ[i] == 2)
			surf[ns++] = i;
	for (uint64_t k = 0; k < m; k++) { /* evenly over the index order */
		double p[3];
		voxel_centre(h, surf[k * ns / m], p);
		for (int a = 0; a < 3; a++)
			(*xyz)[3 * k + a] = (float)p[a];
	}
	int rc = colour_points(s, h, surf, ns, *xyz, m, *rgb);
	free(surf);
	if (rc != 0) {
		free(*xyz), free(*rgb);
		*xyz = NULL, *rgb = NULL;
		return -1;
	}
	*n = m;
	return 0;
}

int sgs_trainer_check_masks(const struct sgs_trainer_opts *o, char *why, size_t n)
{
	if (o->train_masks != 0 && o->train_masks != 1)
		return snprintf(why, n, "train-masks flag %d", o->train_masks), -1;
	if (o->init == SGS_INIT_HULL && !o->train_masks)
		return snprintf(why, n, "a visual hull needs masks in training, which the run does "
				"not allow (the DTU protocol keeps masks for evaluation)"), -1;
	if (o->hull_res < SGS_HULL_RES_MIN || o->hull_res > SGS_HULL_RES_MAX ||
	    o->hull_dilate > SGS_HULL_DILATE_MAX)
		return snprintf(why, n, "hull of %u voxels (%u to %u) and %u pixels of dilation (at "
				"most %u)", o->hull_res, SGS_HULL_RES_MIN, SGS_HULL_RES_MAX,
				o->hull_dilate, SGS_HULL_DILATE_MAX), -1;
	return 0;
}
