/* The built-in synthetic scene: determinism, exact depth at the image
 * centre (intersections recomputed here from the world description),
 * masks consistent with depth, cameras, split and validity. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "sgs_synthetic.h"
#include "tap.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Independent nearest-hit distance along o + t d: sphere by the plain
 * quadratic formula, box by transforming the ray into the box frame and
 * clipping against each slab, ground disc by the plane equation. */
static double ref_hit(const struct sgs_synthetic_world *w, const double o[3], const double d[3],
		      int *obj)
{
	double best = INFINITY;
	*obj = 0;
	for (int i = 0; i < SGS_SYN_NSPHERES; i++) {
		const double *c = w->sphere_c[i];
		double oc[3] = {o[0] - c[0], o[1] - c[1], o[2] - c[2]};
		double A = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
		double B = 2 * (oc[0] * d[0] + oc[1] * d[1] + oc[2] * d[2]);
		double Cc = oc[0] * oc[0] + oc[1] * oc[1] + oc[2] * oc[2] - w->sphere_r[i] * w->sphere_r[i];
		double D = B * B - 4 * A * Cc;
		if (D >= 0) {
			double t = (-B - sqrt(D)) / (2 * A);
			if (t > 0 && t < best) {
				best = t;
				*obj = 1;
			}
		}
	}
	double cs = cos(-w->box_yaw), sn = sin(-w->box_yaw);
	double lo[3] = {o[0] - w->box_c[0], o[1] - w->box_c[1], o[2] - w->box_c[2]};
	double bo[3] = {cs * lo[0] - sn * lo[1], sn * lo[0] + cs * lo[1], lo[2]};
	double bd[3] = {cs * d[0] - sn * d[1], sn * d[0] + cs * d[1], d[2]};
	double tin = 0, tout = INFINITY;
	for (int k = 0; k < 3; k++) {
		double a = (-w->box_half[k] - bo[k]) / bd[k], b = (w->box_half[k] - bo[k]) / bd[k];
		tin = fmax(tin, fmin(a, b));
		tout = fmin(tout, fmax(a, b));
	}
	if (tin < tout && tin > 0 && tin < best) {
		best = tin;
		*obj = 1;
	}
	double tg = -o[2] / d[2];
	double gx = o[0] + tg * d[0], gy = o[1] + tg * d[1];
	if (tg > 0 && tg < best && hypot(gx, gy) <= w->ground_radius) {
		best = tg;
		*obj = 0;
	}
	return best;
}

static double orthonormality(const double R[9])
{
	double e = 0;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double s = 0;
			for (int k = 0; k < 3; k++)
				s += R[3 * i + k] * R[3 * j + k];
			e = fmax(e, fabs(s - (i == j)));
		}
	return e;
}

static void test_determinism(const struct sgs_synthetic_opts *o, const struct sgs_scene *a)
{
	struct sgs_scene b;
	int rc = sgs_synthetic_scene(o, &b);
	ok(rc == 0 && b.nviews == a->nviews, "second call succeeds");
	int same = rc == 0;
	for (uint32_t i = 0; same && i < a->nviews; i++) {
		const struct sgs_view *u = &a->views[i], *v = &b.views[i];
		size_t n = (size_t)u->cam.w * u->cam.h;
		same = memcmp(u->image.data, v->image.data, n * 3) == 0 &&
		       memcmp(u->mask, v->mask, n) == 0 &&
		       memcmp(u->depth_gt, v->depth_gt, n * sizeof(float)) == 0 &&
		       memcmp(&u->cam, &v->cam, sizeof u->cam) == 0;
	}
	ok(same, "same options give identical pixels, masks, depths and cameras");
	sgs_scene_free(&b);

	struct sgs_synthetic_opts o2 = *o;
	o2.seed = o->seed + 1;
	rc = sgs_synthetic_scene(&o2, &b);
	size_t n = (size_t)o->width * o->height * 3, diff = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		diff += ((uint8_t *)a->views[0].image.data)[i] != ((uint8_t *)b.views[0].image.data)[i];
	ok(rc == 0 && diff > n / 20, "another seed moves and recolours things (%zu of %zu bytes differ)",
	   diff, n);
	sgs_scene_free(&b);
}

static void test_centre_depth(const struct sgs_synthetic_opts *o, const struct sgs_scene *s)
{
	struct sgs_synthetic_world w;
	sgs_synthetic_world(o->seed, &w);
	double worst = 0;
	int all_obj = 1;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		const struct sgs_camera *c = &v->cam;
		uint32_t x = c->w / 2, y = c->h / 2;
		double dc[3] = {(x + 0.5 - c->cx) / c->fx, (y + 0.5 - c->cy) / c->fy, 1};
		double C[3], d[3];
		for (int k = 0; k < 3; k++) {
			C[k] = -(c->R[k] * c->t[0] + c->R[3 + k] * c->t[1] + c->R[6 + k] * c->t[2]);
			d[k] = c->R[k] * dc[0] + c->R[3 + k] * dc[1] + c->R[6 + k] * dc[2];
		}
		int obj;
		double t = ref_hit(&w, C, d, &obj);
		/* z of the hit point in camera space, projected with R|t */
		double X[3] = {C[0] + t * d[0], C[1] + t * d[1], C[2] + t * d[2]};
		double z = c->R[6] * X[0] + c->R[7] * X[1] + c->R[8] * X[2] + c->t[2];
		float got = v->depth_gt[(size_t)y * c->w + x];
		worst = fmax(worst, fabs(got - z) / z);
		all_obj = all_obj && obj && v->mask[(size_t)y * c->w + x] == 255;
		if (i == 0)
			diag("view 0 centre: depth_gt %.6f, analytic z %.6f", got, z);
	}
	ok(worst < 1e-6, "centre-pixel depth_gt equals the analytic z in every view (rel. err %.2g)",
	   worst);
	ok(all_obj, "every centre ray hits an object and is masked");
}

static void test_maps(const struct sgs_scene *s)
{
	struct sgs_synthetic_world w;
	sgs_synthetic_world(1, &w);
	size_t sky = 0, ground = 0, obj = 0, bad = 0, outside = 0, skycol = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		const uint8_t *rgb = v->image.data;
		for (size_t p = 0; p < (size_t)v->cam.w * v->cam.h; p++) {
			float d = v->depth_gt[p];
			if (v->mask[p] != 0 && v->mask[p] != 255)
				bad++;
			if (v->mask[p] == 255 && !(d > 0))
				bad++;
			if (d > 0 && (d < v->near || d > v->far))
				outside++;
			if (d == 0)
				sky++;
			else if (v->mask[p])
				obj++;
			else
				ground++;
		}
		/* Top-left pixel sees sky in every view of the default ring. */
		if (v->depth_gt[0] == 0 && v->depth_gt[1] == 0 && v->depth_gt[v->cam.w] == 0 &&
		    rgb[0] == (uint8_t)(w.sky[0] * 255 + 0.5) && rgb[2] == (uint8_t)(w.sky[2] * 255 + 0.5))
			skycol++;
	}
	ok(bad == 0, "masks are 0/255 and masked pixels have depth (%zu bad)", bad);
	ok(sky > 0 && ground > 0 && obj > 0, "views show sky (%zu), ground (%zu) and objects (%zu)",
	   sky, ground, obj);
	ok(outside == 0, "every depth lies within [near, far]");
	ok(skycol == s->nviews, "sky pixels carry the sky colour (%zu of %u views)", skycol, s->nviews);
}

static void test_cameras(const struct sgs_scene *s)
{
	struct sgs_synthetic_world w;
	sgs_synthetic_world(1, &w);
	double orth = 0, aim = 0, hmin = INFINITY, hmax = -INFINITY;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_camera *c = &s->views[i].cam;
		orth = fmax(orth, orthonormality(c->R));
		double Xc[3];
		for (int k = 0; k < 3; k++)
			Xc[k] = c->R[3 * k] * w.target[0] + c->R[3 * k + 1] * w.target[1] +
				c->R[3 * k + 2] * w.target[2] + c->t[k];
		double u = c->fx * Xc[0] / Xc[2] + c->cx, v = c->fy * Xc[1] / Xc[2] + c->cy;
		aim = fmax(aim, hypot(u - c->w / 2.0, v - c->h / 2.0));
		double Cz = -(c->R[2] * c->t[0] + c->R[5] * c->t[1] + c->R[8] * c->t[2]);
		hmin = fmin(hmin, Cz);
		hmax = fmax(hmax, Cz);
		/* y down: the world's up vector points to -y in the camera */
		if (i == 0)
			ok(c->R[5] < 0, "camera y axis points down in the world (R[1][2] = %.3f)", c->R[5]);
	}
	ok(orth < 1e-12, "R is orthonormal in every view (%.2g)", orth);
	ok(aim < 1e-9, "every camera looks at the scene centre (off by %.2g px)", aim);
	ok(hmax - hmin > 0.1 && hmax - hmin < 1.0, "camera heights vary slightly (%.3f .. %.3f)", hmin,
	   hmax);
	int rc = sgs_scene_validate(s);
	ok(rc == 0, "sgs_scene_validate accepts the scene%s%s", rc ? ": " : "",
	   rc ? sgs_error_get() : "");
}

static void test_split(void)
{
	struct sgs_synthetic_opts o = {16, 12, 12, 0, 1};
	struct sgs_scene s;
	char got[64] = "";
	int rc = sgs_synthetic_scene(&o, &s);
	for (uint32_t i = 0; rc == 0 && i < s.nviews; i++)
		strcat(got, s.views[i].split == SGS_SPLIT_TEST ? "T" : "t");
	ok(rc == 0 && strcmp(got, "TtttttttTttt") == 0 && strcmp(s.protocol, "all") == 0,
	   "ntrain 0: every 8th view is test (%s, protocol %s)", got, s.protocol);
	ok(strcmp(s.source, "synthetic") == 0 && s.nseeds == 0, "source synthetic, no seed points");
	sgs_scene_free(&s);

	o.ntrain = 3;
	got[0] = '\0';
	rc = sgs_synthetic_scene(&o, &s);
	for (uint32_t i = 0; rc == 0 && i < s.nviews; i++)
		strcat(got, s.views[i].split == SGS_SPLIT_TRAIN ? "t" : "T");
	ok(rc == 0 && strcmp(got, "tTTTtTTTtTTT") == 0 && strcmp(s.protocol, "explicit") == 0,
	   "ntrain 3 of 12: views 0, 4, 8 train (%s, protocol %s)", got, s.protocol);
	sgs_scene_free(&s);

	o.ntrain = 13;
	rc = sgs_synthetic_scene(&o, &s);
	ok(rc == -1 && strstr(sgs_error_get(), "13 train") && s.nviews == 0,
	   "more train views than views is an error: %s", sgs_error_get());
	o.ntrain = 0;
	o.width = 4;
	rc = sgs_synthetic_scene(&o, &s);
	ok(rc == -1 && strstr(sgs_error_get(), "4x12"), "tiny size is an error: %s", sgs_error_get());
}

int main(void)
{
	struct sgs_synthetic_opts o;
	struct sgs_scene s;
	sgs_synthetic_defaults(&o);
	ok(o.width == 128 && o.height == 96 && o.nviews == 12 && o.ntrain == 0,
	   "defaults are 128x96, 12 views, ntrain 0");
	double t0 = now();
	int rc = sgs_synthetic_scene(&o, &s);
	double dt = now() - t0;
	if (!ok(rc == 0 && s.nviews == 12, "default scene renders%s%s", rc ? ": " : "",
		rc ? sgs_error_get() : ""))
		return tap_done();
	diag("12 views at 128x96 in %.3f s", dt); /* reported, not asserted: speed is make bench's */
	const struct sgs_view *v = &s.views[3];
	ok(strcmp(v->name, "view_003") == 0 && v->id == 3 && v->image.c == 3 && v->image.bits == 8 &&
		   v->image.w == 128 && v->image.h == 96 && v->mask && v->depth_gt && !v->depth_prior,
	   "view 3: named view_003, 8-bit RGB 128x96 with mask and depth, no prior");

	test_determinism(&o, &s);
	test_centre_depth(&o, &s);
	test_maps(&s);
	test_cameras(&s);
	sgs_scene_free(&s);
	test_split();
	return tap_done();
}
