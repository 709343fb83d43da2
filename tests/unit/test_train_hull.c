/* The visual hull (train/hull.c, sgs-train -I hull --train-masks) on the
 * synthetic scene, whose masks and geometry are exact: the hull holds the
 * true surface, is not much bigger than the objects, its points carry
 * the surface's colours; alpha serves as a mask; the errors (no masks,
 * masks not allowed); the carving is deterministic; a run from a hull
 * resumes byte-identically with the init kind and the flag in TOPT.
 * CPU backend. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_hull.h"
#include "sgs_kernels.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_synthetic.h"
#include "sgs_trainer.h"
#include "tap.h"
#include "testlib_train.h"

#define RES 96u

/* World point of pixel (x, y) of v at its ground-truth depth. */
static void gt_point(const struct sgs_view *v, uint32_t x, uint32_t y, double p[3])
{
	const struct sgs_camera *c = &v->cam;
	double z = v->depth_gt[(size_t)y * c->w + x];
	double q[3] = {(x + 0.5 - c->cx) / c->fx * z - c->t[0], (y + 0.5 - c->cy) / c->fy * z - c->t[1],
		       z - c->t[2]};
	for (int a = 0; a < 3; a++)
		p[a] = c->R[a] * q[0] + c->R[3 + a] * q[1] + c->R[6 + a] * q[2];
}

/* Distance of p outside the objects (0 inside one). */
static double outside(const struct sgs_synthetic_world *w, const double p[3])
{
	double best = INFINITY;
	for (int k = 0; k < SGS_SYN_NSPHERES; k++) {
		double d = 0;
		for (int a = 0; a < 3; a++)
			d += (p[a] - w->sphere_c[k][a]) * (p[a] - w->sphere_c[k][a]);
		d = sqrt(d) - w->sphere_r[k];
		best = fmin(best, d < 0 ? 0 : d);
	}
	double x = p[0] - w->box_c[0], y = p[1] - w->box_c[1], z = p[2] - w->box_c[2];
	double b[3] = {w->box_cos * x + w->box_sin * y, -w->box_sin * x + w->box_cos * y, z}, q = 0;
	for (int a = 0; a < 3; a++) {
		double e = fabs(b[a]) - w->box_half[a];
		q += e > 0 ? e * e : 0;
	}
	return fmin(best, sqrt(q));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Every object pixel of every view, back-projected at its true depth,
 * lies in a kept voxel; the kept volume against the objects'; points
 * well outside the objects are carved away. */
static void test_carve(const struct sgs_scene *s, const struct sgs_synthetic_world *w)
{
	struct sgs_hull h, h2;
	int rc = sgs_hull_carve(s, RES, SGS_HULL_DILATE, &h);
	ok(rc == 0, "carve at %u voxels %s", RES, rc ? sgs_error_get() : "");
	if (rc != 0)
		return;
	diag("%ux%ux%u voxels of %.4f from %u masks: %llu kept, %llu on the surface", h.n[0], h.n[1],
	     h.n[2], h.voxel, h.views, (unsigned long long)h.kept, (unsigned long long)h.surface);
	uint64_t total = 0, inside = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		for (uint32_t y = 0; y < v->cam.h; y++)
			for (uint32_t x = 0; x < v->cam.w; x++) {
				size_t k = (size_t)y * v->cam.w + x;
				if (v->mask[k] < 128 || !(v->depth_gt[k] > 0))
					continue;
				double p[3];
				gt_point(v, x, y, p);
				int64_t j = sgs_hull_index(&h, p);
				total++;
				inside += j >= 0 && h.occ[j] != 0;
			}
	}
	ok(total > 10000 && inside >= 0.99 * total,
	   "true surface points of all %u views inside the hull: %llu of %llu (%.2f%%)", s->nviews,
	   (unsigned long long)inside, (unsigned long long)total, 100.0 * inside / total);

	double vobj = 8 * w->box_half[0] * w->box_half[1] * w->box_half[2];
	for (int k = 0; k < SGS_SYN_NSPHERES; k++)
		vobj += 4.0 / 3.0 * M_PI * pow(w->sphere_r[k], 3);
	double vhull = h.kept * pow(h.voxel, 3);
	/* a ring of cameras at one height carves little above and below, and
	 * each voxel's footprint is tested whole: a loose bound */
	ok(vhull < 4.0 * vobj, "hull volume %.4f, %.2f x the objects' %.4f", vhull, vhull / vobj, vobj);

	/* random points of the grid's box at least two voxels outside every
	 * object: carved away */
	uint64_t far = 0, carved = 0, state = 12345;
	for (int i = 0; i < 200000; i++) {
		double p[3];
		for (int a = 0; a < 3; a++) {
			state = state * 6364136223846793005ull + 1442695040888963407ull;
			p[a] = h.lo[a] + (double)(state >> 11) / (double)(1ull << 53) * h.n[a] * h.voxel;
		}
		if (outside(w, p) < 2 * h.voxel)
			continue;
		int64_t j = sgs_hull_index(&h, p);
		far++;
		carved += j < 0 || h.occ[j] == 0;
	}
	ok(far > 1000 && carved >= 0.9 * far,
	   "points of the grid two voxels or more outside the objects carved away: %.2f%% of %llu",
	   100.0 * carved / far, (unsigned long long)far);

	/* the same scene, the same grid */
	rc = sgs_hull_carve(s, RES, SGS_HULL_DILATE, &h2);
	size_t n = (size_t)h.n[0] * h.n[1] * h.n[2];
	ok(rc == 0 && memcmp(h.n, h2.n, sizeof h.n) == 0 && memcmp(h.occ, h2.occ, n) == 0,
	   "carving is deterministic");
	sgs_hull_free(&h2);

	/* colours: against the world itself.  A point's truth is the mean
	 * radiance along the rays from the train cameras through it that hit
	 * an object no nearer than it (less a voxel and a half): what the
	 * views that see it unoccluded show there. */
	float *xyz;
	uint8_t *rgb;
	uint64_t np, compared = 0;
	double err = 0, *errs = NULL;
	rc = sgs_hull_points(s, &h, UINT64_MAX, &xyz, &rgb, &np) == 0 &&
	     (errs = malloc(np * sizeof *errs)) != NULL;
	ok(rc && np == h.surface, "one point per surface voxel: %llu", (unsigned long long)np);
	for (uint64_t k = 0; rc && k < np; k++) {
		double truth[3] = {0, 0, 0}, seen = 0;
		double pk[3] = {xyz[3 * k], xyz[3 * k + 1], xyz[3 * k + 2]};
		if (outside(w, pk) > 2 * h.voxel)
			continue; /* a bulge of the hull: views see different surface through it */
		for (uint32_t i = 0; i < s->nviews; i++) {
			const struct sgs_camera *c = &s->views[i].cam;
			if (s->views[i].split != SGS_SPLIT_TRAIN)
				continue;
			double C[3], d[3], col[3], dist = 0;
			for (int a = 0; a < 3; a++)
				C[a] = -(c->R[a] * c->t[0] + c->R[3 + a] * c->t[1] + c->R[6 + a] * c->t[2]);
			for (int a = 0; a < 3; a++) {
				d[a] = xyz[3 * k + a] - C[a];
				dist += d[a] * d[a];
			}
			dist = sqrt(dist);
			struct sgs_syn_hit hit;
			sgs_synthetic_radiance(w, C, d, col, &hit);
			/* t is in units of d: 1 at the point */
			if ((hit.kind != SGS_SYN_SPHERE && hit.kind != SGS_SYN_BOX) ||
			    hit.t < 1 - 1.5 * h.voxel / dist)
				continue;
			for (int a = 0; a < 3; a++)
				truth[a] += col[a];
			seen++;
		}
		if (seen == 0)
			continue;
		double e = 0;
		for (int a = 0; a < 3; a++)
			e += fabs(rgb[3 * k + a] / 255.0 - truth[a] / seen) / 3;
		errs[compared++] = e;
		err += e;
	}
	/* the views that see a point differ a little between the hull's
	 * z-buffer and the exact world, and textures change sharply: the
	 * median is near, the mean less so */
	err /= compared ? compared : 1;
	qsort(errs, compared, sizeof *errs, cmp_double);
	double median = compared ? errs[compared / 2] : 1;
	ok(rc && compared > 100 && median < 0.05 && err < 0.1,
	   "colours of the %llu points within two voxels of the objects against the world seen "
	   "through them: median error %.4f, mean %.4f", (unsigned long long)compared, median, err);
	free(errs);
	if (rc) {
		/* at most max points, spread over the surface */
		free(xyz), free(rgb);
		rc = sgs_hull_points(s, &h, 1000, &xyz, &rgb, &np) == 0;
		ok(rc && np == 1000, "-N 1000: %llu points", (unsigned long long)np);
		free(xyz), free(rgb);
	}
	sgs_hull_free(&h);
}

/* An RGBA image's alpha is a mask where the view has none. */
static void test_alpha(struct sgs_scene *s)
{
	struct sgs_view *v = &s->views[1];
	size_t np = (size_t)v->cam.w * v->cam.h;
	uint8_t *rgba = malloc(4 * np), *m = malloc(np), *old = v->image.data, *mask = v->mask;
	for (size_t i = 0; i < np; i++) {
		memcpy(rgba + 4 * i, old + 3 * i, 3);
		rgba[4 * i + 3] = mask[i] ? 200 : 20;
	}
	v->image.data = rgba, v->image.c = 4, v->mask = NULL;
	int rc = sgs_view_train_mask(v, m);
	ok(rc == 1 && memcmp(m, mask, np) == 0, "alpha >= 128 is the object where there is no mask");
	v->image.data = old, v->image.c = 3;
	ok(sgs_view_train_mask(v, NULL) == 0, "neither mask nor alpha: none");
	v->mask = mask;
	free(rgba);
	free(m);
}

static void short_opts(struct sgs_trainer_opts *o)
{
	sgs_trainer_defaults(o);
	o->init = SGS_INIT_HULL;
	o->train_masks = 1;
	o->hull_res = 48;
	o->init_count = 3000;
	o->iterations = 40;
	o->seed = 5;
}

/* -I hull needs the flag, the flag needs masks; auto never picks it. */
static void test_errors(struct sgs_scene *s)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	short_opts(&o);
	o.train_masks = 0;
	int rc = sgs_trainer_new(be, s, &o, &t);
	ok(rc == -1 && strstr(sgs_error_get(), "needs masks in training"),
	   "a hull without --train-masks: %s", sgs_error_get());

	uint8_t **saved = calloc(s->nviews, sizeof *saved);
	for (uint32_t i = 0; i < s->nviews; i++)
		if (s->views[i].split == SGS_SPLIT_TRAIN)
			saved[i] = s->views[i].mask, s->views[i].mask = NULL;
	short_opts(&o);
	rc = sgs_trainer_new(be, s, &o, &t);
	ok(rc == -1 && strstr(sgs_error_get(), "no train view has a mask"),
	   "--train-masks on a scene whose train views have no masks: %s", sgs_error_get());
	struct sgs_hull h;
	rc = sgs_hull_carve(s, 32, 2, &h);
	ok(rc == -1 && strstr(sgs_error_get(), "no train view has a mask"), "carving without masks: %s",
	   sgs_error_get());
	for (uint32_t i = 0; i < s->nviews; i++)
		if (saved[i])
			s->views[i].mask = saved[i];
	free(saved);

	short_opts(&o);
	o.init = SGS_INIT_AUTO;
	o.init_count = 500;
	rc = sgs_trainer_new(be, s, &o, &t);
	ok(rc == 0 && sgs_trainer_get_opts(t)->init == SGS_INIT_RANDOM && !sgs_trainer_hull(t),
	   "-I auto with --train-masks (no priors, no seeds): random, not the hull %s",
	   rc ? sgs_error_get() : "");
	sgs_trainer_free(t);
	short_opts(&o);
	o.hull_res = 8;
	rc = sgs_trainer_new(be, s, &o, &t);
	ok(rc == -1 && strstr(sgs_error_get(), "hull of 8 voxels"), "a hull of 8 voxels: %s",
	   sgs_error_get());
}

/* A run from the hull: checkpoint at 17 and resume = uninterrupted; the
 * init kind and the flag are in TOPT. */
static void test_resume(const struct sgs_scene *s)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	char path[] = "/tmp/test_train_hull.XXXXXX";
	size_t la = 0, lb = 0;
	char *ba = NULL, *bb = NULL;
	close(mkstemp(path));
	short_opts(&o);
	o.hull_dilate = 3;
	int rc = sgs_trainer_new(be, s, &o, &a) == 0 && testlib_steps(a, 40, NULL) == 0 &&
		 (ba = testlib_model_bytes(a, &la)) != NULL;
	const struct sgs_hull_info *hi = rc ? sgs_trainer_hull(a) : NULL;
	ok(rc && hi && hi->points > 0 && hi->points <= 3000 && hi->surface > 0,
	   "a run from the hull: %llu points on %llu surface voxels %s",
	   hi ? (unsigned long long)hi->points : 0ull, hi ? (unsigned long long)hi->surface : 0ull,
	   rc ? "" : sgs_error_get());
	rc = rc && sgs_trainer_new(be, s, &o, &b) == 0 && testlib_steps(b, 17, NULL) == 0 &&
	     sgs_trainer_checkpoint(b, path) == 0;
	sgs_trainer_free(b);
	b = NULL;
	uint8_t head[24 + 368];
	FILE *f = fopen(path, "rb");
	rc = rc && f && fread(head, 1, sizeof head, f) == sizeof head;
	if (f)
		fclose(f);
	ok(rc && memcmp(head + 8, "TOPT", 4) == 0 && head[16] == 368 - 256 && head[17] == 1 &&
		   head[24 + 20] == SGS_INIT_HULL && head[24 + 352] == 1 && head[24 + 356] == 48 &&
		   head[24 + 360] == 3,
	   "TOPT: 368 bytes, init kind %d at 20, --train-masks at 352, resolution at 356, "
	   "dilation at 360", SGS_INIT_HULL);
	rc = rc && sgs_trainer_resume(be, s, path, 0, &b) == 0 && testlib_steps(b, 40, NULL) == 0 &&
	     (bb = testlib_model_bytes(b, &lb)) != NULL;
	const struct sgs_trainer_opts *ro = rc ? sgs_trainer_get_opts(b) : NULL;
	ok(rc && ro->init == SGS_INIT_HULL && ro->train_masks == 1 && ro->hull_res == 48 &&
		   ro->hull_dilate == 3,
	   "resumed recipe: hull, --train-masks, 48 voxels, 3 px %s", rc ? "" : sgs_error_get());
	ok(rc && la == lb && memcmp(ba, bb, la) == 0,
	   "resumed model equals the uninterrupted one (%zu bytes)", la);
	free(ba);
	free(bb);
	sgs_trainer_free(a);
	sgs_trainer_free(b);
	unlink(path);
}

int main(void)
{
	struct sgs_scene scene;
	struct sgs_synthetic_opts so;
	struct sgs_synthetic_world w;
	sgs_synthetic_defaults(&so);
	if (sgs_synthetic_scene(&so, &scene) != 0) {
		ok(0, "synthetic scene: %s", sgs_error_get());
		return tap_done();
	}
	sgs_synthetic_world(so.seed, &w);
	test_carve(&scene, &w);
	test_alpha(&scene);
	test_errors(&scene);
	test_resume(&scene);
	sgs_scene_free(&scene);
	return tap_done();
}
