/* Protocols: view selection on hand-built datasets (no pixels), the
 * loading pipeline on a tiny capture written here, seed points, depth
 * bounds, format detection, and the Blender protocol on lego. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgs_camera.h"
#include "sgs_error.h"
#include "sgs_import.h"
#include "sgs_protocol.h"
#include "tap.h"

static int has_text(const char *s, const char *part) { return strstr(s, part) != NULL; }

/* n views with a plain camera; pools as given (NULL: all SGS_POOL_ANY). */
static void make_dataset(struct sgs_dataset *d, uint32_t n, const uint32_t *pools)
{
	memset(d, 0, sizeof *d);
	snprintf(d->format, sizeof d->format, "test");
	d->nviews = n;
	d->views = calloc(n, sizeof *d->views);
	for (uint32_t i = 0; i < n; i++) {
		struct sgs_dataset_view *v = &d->views[i];
		snprintf(v->name, sizeof v->name, "v%03u", i);
		v->pool = pools ? pools[i] : SGS_POOL_ANY;
		v->cam.w = 8, v->cam.h = 6;
		v->cam.fx = v->cam.fy = 10, v->cam.cx = 4, v->cam.cy = 3;
		v->cam.R[0] = v->cam.R[4] = v->cam.R[8] = 1;
	}
}

/* The ids of one split, written as "1 10 19". */
static const char *ids_of(const uint32_t *split, uint32_t n, uint32_t which)
{
	static char ring[4][1024];
	static int next;
	char *buf = ring[next++ % 4];
	size_t used = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < n && used < sizeof ring[0] - 8; i++)
		if (split[i] == which)
			used += (size_t)snprintf(buf + used, sizeof ring[0] - used, "%s%u", used ? " " : "", i);
	return buf;
}

static int select_ids(const struct sgs_dataset *d, const char *protocol, int n, uint32_t *split,
		      char *name)
{
	struct sgs_import_opts o = {0};
	o.protocol = protocol;
	o.nviews = n;
	sgs_error_clear();
	return sgs_protocol_select(d, &o, split, name);
}

static void test_linspace(void)
{
	uint32_t out[8];
	sgs_linspace_indices(17, 3, out);
	ok(out[0] == 0 && out[1] == 8 && out[2] == 16, "linspace(0, 16, 3) -> 0 8 16");
	sgs_linspace_indices(6, 3, out);
	ok(out[0] == 0 && out[1] == 2 && out[2] == 5, "linspace(0, 5, 3): 2.5 rounds to 2 (even)");
	sgs_linspace_indices(8, 3, out);
	ok(out[1] == 4 && out[2] == 7, "linspace(0, 7, 3): 3.5 rounds to 4 (even)");
	sgs_linspace_indices(20, 5, out);
	ok(out[0] == 0 && out[1] == 5 && out[2] == 10 && out[3] == 14 && out[4] == 19,
	   "linspace(0, 19, 5) -> 0 5 10 14 19 (9.5 -> 10, 14.25 -> 14)");
	sgs_linspace_indices(9, 1, out);
	ok(out[0] == 0, "n = 1 gives the first index");
	sgs_linspace_indices(4, 4, out);
	ok(out[0] == 0 && out[1] == 1 && out[2] == 2 && out[3] == 3, "n = len gives every index");
}

static void test_llff_selection(void)
{
	struct sgs_dataset d;
	uint32_t split[20];
	char name[32];
	make_dataset(&d, 20, NULL);
	ok(select_ids(&d, "llff", 3, split, name) == 0 && strcmp(name, "llff") == 0,
	   "llff protocol, 3 views");
	ok(strcmp(ids_of(split, 20, SGS_SPLIT_TRAIN), "1 10 19") == 0, "train %s",
	   ids_of(split, 20, SGS_SPLIT_TRAIN));
	ok(strcmp(ids_of(split, 20, SGS_SPLIT_TEST), "0 8 16") == 0, "test %s",
	   ids_of(split, 20, SGS_SPLIT_TEST));
	ok(select_ids(&d, "llff", 0, split, name) == 0 &&
		   strcmp(ids_of(split, 20, SGS_SPLIT_TRAIN), "1 10 19") == 0,
	   "default is 3 views");
	ok(select_ids(&d, "llff", 2, split, name) == 0 &&
		   strcmp(ids_of(split, 20, SGS_SPLIT_TRAIN), "1 19") == 0, "2 views: 1 19");
	ok(select_ids(&d, "llff", 17, split, name) == 0 && strcmp(ids_of(split, 20, SGS_SPLIT_NONE), "") == 0,
	   "17 views use every non-test view");
	ok(select_ids(&d, "llff", 18, split, name) == -1 && has_text(sgs_error_get(), "1 to 17"),
	   "18 views refused: %s", sgs_error_get());
	sgs_dataset_free(&d);

	/* 7 views: rest = 1..6, linspace(0, 5, 3) = 0 2.5 5 -> ties to even
	 * picks rest[2] = 3 where rounding half up would pick 4. */
	make_dataset(&d, 7, NULL);
	int rc = select_ids(&d, "llff", 3, split, name);
	ok(rc == 0 && strcmp(ids_of(split, 7, SGS_SPLIT_TRAIN), "1 3 6") == 0,
	   "7 views: train %s (half to even)", ids_of(split, 7, SGS_SPLIT_TRAIN));
	sgs_dataset_free(&d);
}

static void test_blender_selection(void)
{
	struct sgs_dataset d;
	uint32_t pools[300], split[300];
	char name[32];
	/* test frames first, to check that ids index the train pool */
	for (int i = 0; i < 300; i++)
		pools[i] = i < 200 ? SGS_POOL_TEST : SGS_POOL_TRAIN;
	make_dataset(&d, 300, pools);
	ok(select_ids(&d, "blender", 0, split, name) == 0, "blender protocol: %s", sgs_error_get());
	ok(strcmp(ids_of(split, 300, SGS_SPLIT_TRAIN), "202 216 226 255 273 275 286 293") == 0,
	   "train frames 26 86 2 55 75 93 16 73 of the train pool");
	int ntest = 0, every8 = 1;
	for (int i = 0; i < 300; i++)
		if (split[i] == SGS_SPLIT_TEST) {
			ntest++;
			every8 &= i < 200 && i % 8 == 0;
		}
	ok(ntest == 25 && every8, "25 test views, every 8th test frame");
	ok(select_ids(&d, "blender", 3, split, name) == 0 &&
		   strcmp(ids_of(split, 300, SGS_SPLIT_TRAIN), "202 226 286") == 0, "3 views: 26 86 2");
	ok(select_ids(&d, "blender", 9, split, name) == -1 && has_text(sgs_error_get(), "-n 9"),
	   "9 views refused: %s", sgs_error_get());
	ok(select_ids(&d, "all", 0, split, name) == 0 &&
		   strcmp(ids_of(split, 300, SGS_SPLIT_TRAIN), "") != 0, "all on a Blender dataset");
	int ntrain = 0;
	ntest = 0;
	for (int i = 0; i < 300; i++) {
		ntrain += split[i] == SGS_SPLIT_TRAIN && i >= 200;
		ntest += split[i] == SGS_SPLIT_TEST && i < 200 && i % 8 == 0;
	}
	ok(ntrain == 100 && ntest == 25, "all: 100 train frames train, 25 test frames test");
	sgs_dataset_free(&d);

	make_dataset(&d, 30, NULL);
	ok(select_ids(&d, "blender", 0, split, name) == -1 && has_text(sgs_error_get(), "transforms_test"),
	   "blender on a dataset without pools: %s", sgs_error_get());
	sgs_dataset_free(&d);
}

static void test_dtu_selection(void)
{
	struct sgs_dataset d;
	uint32_t split[49];
	char name[32];
	make_dataset(&d, 49, NULL);
	ok(select_ids(&d, "dtu", 0, split, name) == 0 &&
		   strcmp(ids_of(split, 49, SGS_SPLIT_TRAIN), "22 25 28") == 0, "dtu 3 views");
	ok(strcmp(ids_of(split, 49, SGS_SPLIT_TEST), "1 2 9 10 11 12 14 15 23 24 26 27 29 30 31 32 33 "
						    "34 35 41 42 43 45 46 47") == 0, "dtu test views");
	ok(select_ids(&d, "dtu", 6, split, name) == 0 &&
		   strcmp(ids_of(split, 49, SGS_SPLIT_TRAIN), "22 25 28 40 44 48") == 0, "dtu 6 views");
	ok(select_ids(&d, "dtu", 9, split, name) == 0 &&
		   strcmp(ids_of(split, 49, SGS_SPLIT_TRAIN), "0 8 13 22 25 28 40 44 48") == 0,
	   "dtu 9 views");
	ok(select_ids(&d, "dtu", 10, split, name) == -1, "dtu 10 views refused: %s", sgs_error_get());
	sgs_dataset_free(&d);
	make_dataset(&d, 40, NULL);
	ok(select_ids(&d, "dtu", 3, split, name) == -1 && has_text(sgs_error_get(), "49"),
	   "dtu on 40 views refused: %s", sgs_error_get());
	sgs_dataset_free(&d);
}

static void test_all_and_explicit(void)
{
	struct sgs_dataset d;
	struct sgs_import_opts o = {0};
	uint32_t split[20];
	char name[32];
	make_dataset(&d, 20, NULL);
	ok(select_ids(&d, NULL, 0, split, name) == 0 && strcmp(name, "all") == 0 &&
		   strcmp(ids_of(split, 20, SGS_SPLIT_TEST), "") == 0 &&
		   strcmp(ids_of(split, 20, SGS_SPLIT_NONE), "") == 0,
	   "default protocol all: every view trains");
	int rc = select_ids(&d, "all", 5, split, name);
	ok(rc == 0 && strcmp(ids_of(split, 20, SGS_SPLIT_TRAIN), "0 5 10 14 19") == 0 &&
		   strcmp(ids_of(split, 20, SGS_SPLIT_NONE), "") == 0,
	   "all -n 5: train %s, the rest test", ids_of(split, 20, SGS_SPLIT_TRAIN));
	ok(select_ids(&d, "none", 0, split, name) == 0 && strcmp(name, "all") == 0, "none = all");

	long ids[3] = {3, 8, 5};
	o.protocol = "llff";
	o.train_ids = ids;
	o.ntrain = 3;
	sgs_error_clear();
	rc = sgs_protocol_select(&d, &o, split, name);
	ok(rc == 0 && strcmp(name, "explicit") == 0 &&
		   strcmp(ids_of(split, 20, SGS_SPLIT_TRAIN), "3 5 8") == 0 &&
		   strcmp(ids_of(split, 20, SGS_SPLIT_TEST), "0 16") == 0,
	   "-t 3,8,5 with llff: train %s, test %s", ids_of(split, 20, SGS_SPLIT_TRAIN),
	   ids_of(split, 20, SGS_SPLIT_TEST));
	o.protocol = "all";
	ok(sgs_protocol_select(&d, &o, split, name) == 0 &&
		   strcmp(ids_of(split, 20, SGS_SPLIT_NONE), "") == 0 &&
		   strcmp(ids_of(split, 20, SGS_SPLIT_TRAIN), "3 5 8") == 0,
	   "-t with all: the other views test");
	ids[1] = 20;
	ok(sgs_protocol_select(&d, &o, split, name) == -1 && has_text(sgs_error_get(), "20") &&
		   has_text(sgs_error_get(), "range"), "id out of range: %s", sgs_error_get());
	ids[1] = 3;
	ok(sgs_protocol_select(&d, &o, split, name) == -1 && has_text(sgs_error_get(), "twice"),
	   "duplicate id: %s", sgs_error_get());
	ids[1] = 4;
	o.nviews = 2;
	ok(sgs_protocol_select(&d, &o, split, name) == -1, "-n disagreeing with -t: %s",
	   sgs_error_get());
	o.nviews = 0;
	o.ntrain = 0;
	ok(sgs_protocol_select(&d, &o, split, name) == -1, "-t without ids: %s", sgs_error_get());

	ok(select_ids(&d, "nerf", 0, split, name) == -1 &&
		   has_text(sgs_error_get(), "llff, blender, dtu, all"),
	   "unknown protocol lists the valid ones: %s", sgs_error_get());
	ok(select_ids(&d, "all", 21, split, name) == -1, "all -n 21 of 20 refused: %s",
	   sgs_error_get());
	ok(select_ids(&d, "all", -1, split, name) == -1, "negative -n refused: %s", sgs_error_get());
	sgs_dataset_free(&d);
	make_dataset(&d, 0, NULL);
	ok(select_ids(&d, "all", 0, split, name) == -1, "empty dataset refused: %s", sgs_error_get());
	sgs_dataset_free(&d);
}

/* ---- loading pixels from a tiny capture written here ---- */

static int write_image(const char *path, uint32_t w, uint32_t h, uint32_t c, const uint8_t *px)
{
	struct sgs_image img;
	if (sgs_image_alloc(&img, w, h, c, 8) != 0)
		return -1;
	memcpy(img.data, px, (size_t)w * h * c);
	int rc = sgs_png_write(path, &img);
	sgs_image_free(&img);
	return rc;
}

static void test_loading(void)
{
	char dir[] = "/tmp/sgs_proto_XXXXXX", img[256], mask[256], small[256];
	if (!mkdtemp(dir)) {
		skip("no temporary folder", "loading pipeline");
		return;
	}
	/* 8x6 RGBA: left half (200, 100, 0, 128), right half opaque (10, 20, 30).
	 * Mask: first channel 200 (object) on the left, 100 on the right with
	 * the other channels 255 (must not count). */
	uint8_t rgba[8 * 6 * 4], m[8 * 6 * 3], tiny[4 * 3 * 3] = {0};
	for (int y = 0; y < 6; y++)
		for (int x = 0; x < 8; x++) {
			uint8_t *p = rgba + 4 * (y * 8 + x), *q = m + 3 * (y * 8 + x);
			int left = x < 4;
			p[0] = left ? 200 : 10, p[1] = left ? 100 : 20, p[2] = left ? 0 : 30;
			p[3] = left ? 128 : 255;
			q[0] = left ? 200 : 100, q[1] = q[2] = left ? 0 : 255;
		}
	snprintf(img, sizeof img, "%s/a.png", dir);
	snprintf(mask, sizeof mask, "%s/a_mask.png", dir);
	snprintf(small, sizeof small, "%s/small.png", dir);
	ok(write_image(img, 8, 6, 4, rgba) == 0 && write_image(mask, 8, 6, 3, m) == 0 &&
		   write_image(small, 4, 3, 3, tiny) == 0, "tiny capture written");

	struct sgs_dataset d;
	make_dataset(&d, 2, NULL);
	snprintf(d.views[0].image_path, sizeof d.views[0].image_path, "%s", img);
	snprintf(d.views[0].mask_path, sizeof d.views[0].mask_path, "%s", mask);
	snprintf(d.views[1].image_path, sizeof d.views[1].image_path, "%s", img);
	d.views[1].cam.t[2] = 1;
	struct sgs_import_opts o = {0};
	o.background[0] = o.background[1] = o.background[2] = 1;
	o.background_set = 1;
	o.downscale = 1;
	struct sgs_scene s;
	sgs_error_clear();
	ok(sgs_protocol_apply(&d, &o, &s) == 0 && s.nviews == 2, "apply protocol all: %s",
	   sgs_error_get());
	if (s.nviews == 2) {
		const uint8_t *p = s.views[0].image.data;
		ok(s.views[0].image.c == 3 && p[0] == 227 && p[1] == 177 && p[2] == 127,
		   "RGBA composited over white: %u %u %u", p[0], p[1], p[2]);
		ok(p[3 * 7] == 10 && p[3 * 7 + 1] == 20 && p[3 * 7 + 2] == 30, "opaque pixels kept");
		ok(s.views[0].mask && s.views[0].mask[0] == 255 && s.views[0].mask[7] == 0 &&
			   !s.views[1].mask, "mask: first channel > 127 is object, only where given");
		ok(s.views[0].split == SGS_SPLIT_TRAIN && s.views[1].id == 1 &&
			   strcmp(s.views[1].name, "v001") == 0 && strcmp(s.protocol, "all") == 0 &&
			   strcmp(s.source, "test") == 0 && s.background[0] == 1,
		   "split, id, name, protocol, source and background filled");
	}
	sgs_scene_free(&s);

	o.keep_alpha = 1;
	o.downscale = 2;
	o.background[0] = o.background[1] = o.background[2] = 0;
	ok(sgs_protocol_apply(&d, &o, &s) == 0 && s.nviews == 2, "apply with -a -r 2: %s",
	   sgs_error_get());
	if (s.nviews == 2) {
		const struct sgs_view *v = &s.views[0];
		const uint8_t *p = v->image.data;
		ok(v->image.c == 4 && v->image.w == 4 && v->image.h == 3 && p[3] == 128 && p[0] == 200,
		   "alpha kept, box-filtered to 4x3");
		ok(v->cam.w == 4 && v->cam.h == 3 && v->cam.fx == 5 && v->cam.fy == 5 &&
			   v->cam.cx == 2 && v->cam.cy == 1.5, "intrinsics divided by the factor");
		ok(v->mask && v->mask[0] == 255 && v->mask[1] == 255 && v->mask[2] == 0 &&
			   v->mask[3] == 0 && v->mask[4 * 2] == 255, "mask downscaled by nearest neighbour");
	}
	sgs_scene_free(&s);

	/* A distorted view: the camera becomes the undistorted pinhole. */
	d.views[1].dist.lens = SGS_LENS_SIMPLE_RADIAL;
	d.views[1].dist.k1 = -0.05;
	o.downscale = 1;
	struct sgs_camera want;
	ok(sgs_undistorted_camera(&d.views[1].cam, &d.views[1].dist, &want) == 0, "camera found");
	ok(sgs_protocol_apply(&d, &o, &s) == 0 && s.nviews == 2 && s.views[1].cam.fx == want.fx &&
		   s.views[1].image.w == 8 && s.views[1].image.data,
	   "distorted view undistorted (fx %g -> %g)", d.views[1].cam.fx, want.fx);
	sgs_scene_free(&s);
	d.views[1].dist.lens = SGS_LENS_PINHOLE;
	d.views[1].dist.k1 = 0;

	snprintf(d.views[1].image_path, sizeof d.views[1].image_path, "%s", small);
	ok(sgs_protocol_apply(&d, &o, &s) == -1 && has_text(sgs_error_get(), "small.png: image is 4x3") &&
		   s.nviews == 0, "image size unlike its camera refused: %s", sgs_error_get());
	snprintf(d.views[1].image_path, sizeof d.views[1].image_path, "%s/absent.png", dir);
	ok(sgs_protocol_apply(&d, &o, &s) == -1 && has_text(sgs_error_get(), "absent.png"),
	   "missing image named: %s", sgs_error_get());
	sgs_dataset_free(&d);
	unlink(img);
	unlink(mask);
	unlink(small);
	rmdir(dir);
}

static void test_seeds(void)
{
	struct sgs_dataset d;
	struct sgs_scene s;
	uint32_t split[3] = {SGS_SPLIT_TRAIN, SGS_SPLIT_TRAIN, SGS_SPLIT_TEST};
	make_dataset(&d, 3, NULL);
	d.npoints = 4;
	d.xyz = calloc(12, sizeof *d.xyz);
	d.rgb = calloc(12, 1);
	d.track_start = calloc(5, sizeof *d.track_start);
	d.track = calloc(9, sizeof *d.track);
	static const uint64_t starts[5] = {0, 2, 4, 6, 9};
	static const uint32_t tracks[9] = {0, 1, /* two train views */ 0, 2, /* one train */
					   0, 0, /* the same view twice */ 1, 2, 0};
	memcpy(d.track_start, starts, sizeof starts);
	memcpy(d.track, tracks, sizeof tracks);
	for (int k = 0; k < 12; k++)
		d.xyz[k] = (float)k, d.rgb[k] = (uint8_t)(10 * k);
	sgs_scene_init(&s);
	ok(sgs_protocol_seeds(&d, split, &s) == 0 && s.nseeds == 2, "2 of 4 points seen by 2 train views");
	ok(s.nseeds == 2 && s.seed_xyz[0] == 0 && s.seed_xyz[3] == 9 && s.seed_rgb[5] == 110,
	   "points 0 and 3 kept with their colours");
	sgs_scene_free(&s);
	free(d.track_start);
	free(d.track);
	d.track_start = NULL;
	d.track = NULL;
	ok(sgs_protocol_seeds(&d, split, &s) == 0 && s.nseeds == 0,
	   "without tracks, no seeds when views are held out");
	sgs_scene_free(&s);
	uint32_t all[3] = {1, 1, 1};
	ok(sgs_protocol_seeds(&d, all, &s) == 0 && s.nseeds == 4, "without tracks, all when all train");
	sgs_scene_free(&s);
	sgs_dataset_free(&d);
}

/* Camera at C looking at the origin, world z up. */
static void look_at(struct sgs_camera *c, const double C[3])
{
	double f[3] = {-C[0], -C[1], -C[2]}, up[3] = {0, 0, 1}, r[3], dn[3];
	double n = sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
	for (int k = 0; k < 3; k++)
		f[k] /= n;
	r[0] = f[1] * up[2] - f[2] * up[1], r[1] = f[2] * up[0] - f[0] * up[2],
	r[2] = f[0] * up[1] - f[1] * up[0];
	n = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
	for (int k = 0; k < 3; k++)
		r[k] /= n;
	dn[0] = f[1] * r[2] - f[2] * r[1], dn[1] = f[2] * r[0] - f[0] * r[2],
	dn[2] = f[0] * r[1] - f[1] * r[0];
	for (int k = 0; k < 3; k++)
		c->R[k] = r[k], c->R[3 + k] = dn[k], c->R[6 + k] = f[k];
	for (int k = 0; k < 3; k++)
		c->t[k] = -(c->R[3 * k] * C[0] + c->R[3 * k + 1] * C[1] + c->R[3 * k + 2] * C[2]);
}

static void scene_from(const struct sgs_dataset *d, struct sgs_scene *s)
{
	sgs_scene_init(s);
	sgs_scene_add_views(s, d->nviews);
	for (uint32_t i = 0; i < d->nviews; i++) {
		s->views[i].cam = d->views[i].cam;
		s->views[i].near = d->views[i].near;
		s->views[i].far = d->views[i].far;
	}
}

static void test_bounds(void)
{
	struct sgs_dataset d;
	struct sgs_scene s;
	make_dataset(&d, 8, NULL);
	for (int i = 0; i < 8; i++) {
		double a = i * M_PI / 4, C[3] = {4 * cos(a), 4 * sin(a), 0.5};
		look_at(&d.views[i].cam, C);
	}
	d.views[2].near = 1, d.views[2].far = 3; /* capture-given bounds win */
	scene_from(&d, &s);
	sgs_protocol_bounds(&d, &s);
	double dz = sqrt(16 + 0.25);
	ok(fabs(s.views[0].near - dz / 2) < 1e-4 && fabs(s.views[0].far - 1.5 * dz) < 1e-4,
	   "ring of cameras: bounds %.3f %.3f around the look-at point at %.3f", s.views[0].near,
	   s.views[0].far, dz);
	ok(s.views[2].near == 1 && s.views[2].far == 3, "given bounds kept");

	/* Seed points at depths 2..4 in front of view 0: percentile bounds. */
	s.nseeds = 200;
	s.seed_xyz = malloc(200 * 3 * sizeof *s.seed_xyz);
	s.seed_rgb = calloc(200 * 3, 1);
	double C[3];
	sgs_camera_center(&s.views[0].cam, C);
	for (int p = 0; p < 200; p++) {
		double depth = 2 + 2.0 * p / 199;
		for (int k = 0; k < 3; k++)
			s.seed_xyz[3 * p + k] = (float)(C[k] + depth * s.views[0].cam.R[6 + k]);
	}
	s.views[0].near = s.views[0].far = 0;
	sgs_protocol_bounds(&d, &s);
	ok(fabs(s.views[0].near - 0.8 * 2) < 1e-3 && fabs(s.views[0].far - 1.2 * 4) < 1e-3,
	   "from seed points: %.4f %.4f (20%% margin on 2 .. 4)", s.views[0].near, s.views[0].far);
	sgs_scene_free(&s);

	/* Forward-facing cameras (all looking down world -z) without points:
	 * the axes do not converge, so the bounds stay unknown. */
	for (int i = 0; i < 8; i++) {
		struct sgs_camera *c = &d.views[i].cam;
		memset(c->R, 0, sizeof c->R);
		c->R[0] = 1, c->R[4] = -1, c->R[8] = -1;
		c->t[0] = -0.1 * i, c->t[1] = 0, c->t[2] = 4;
		d.views[i].near = d.views[i].far = 0;
	}
	scene_from(&d, &s);
	sgs_protocol_bounds(&d, &s);
	ok(s.views[0].near == 0 && s.views[0].far == 0, "parallel cameras, no points: 0 0");
	sgs_scene_free(&s);
	sgs_dataset_free(&d);
}

static void touch(const char *dir, const char *name, int is_dir)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	if (is_dir) {
		mkdir(p, 0755);
	} else {
		FILE *f = fopen(p, "w");
		if (f)
			fclose(f);
	}
}

static void test_detect(const char *data)
{
	char dir[] = "/tmp/sgs_detect_XXXXXX", p[512];
	if (!mkdtemp(dir)) {
		skip("no temporary folder", "detection");
		return;
	}
	ok(sgs_import_detect(dir) == NULL, "empty folder: no format");
	struct sgs_import_opts o = {0};
	struct sgs_scene s;
	ok(sgs_import(dir, &o, &s) == -1 && has_text(sgs_error_get(), "-f"),
	   "undetectable folder: %s", sgs_error_get());
	o.format = "tiff";
	ok(sgs_import(dir, &o, &s) == -1 && has_text(sgs_error_get(), "colmap, blender"),
	   "unknown format: %s", sgs_error_get());
	static const struct {
		const char *file;
		int is_dir;
		const char *format;
	} steps[] = {{"cameras_sphere.npz", 0, "dtu"}, {"poses_bounds.npy", 0, "llff"},
		     {"transforms.json", 0, "ngp"},    {"transforms_train.json", 0, "blender"},
		     {"sparse", 1, NULL},              {"sparse/0", 1, "colmap"}};
	for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
		touch(dir, steps[k].file, steps[k].is_dir);
		if (!steps[k].format)
			continue;
		const char *f = sgs_import_detect(dir);
		ok(f && strcmp(f, steps[k].format) == 0, "%s -> %s (got %s)", steps[k].file,
		   steps[k].format, f ? f : "NULL");
	}
	for (int k = 5; k >= 0; k--) {
		snprintf(p, sizeof p, "%s/%s", dir, steps[k].file);
		steps[k].is_dir ? rmdir(p) : unlink(p);
	}
	rmdir(dir);

	if (!data) {
		skip("no data folder", "detection of the real captures");
		return;
	}
	static const char *const sets[3][2] = {
		{"llff/fern", "llff"}, {"blender/lego", "blender"}, {"dtu/scan24", "dtu"}};
	for (int k = 0; k < 3; k++) {
		snprintf(p, sizeof p, "%s/%s", data, sets[k][0]);
		const char *f = sgs_import_detect(p);
		ok(f && strcmp(f, sets[k][1]) == 0, "%s detected as %s", sets[k][0], sets[k][1]);
	}
}

static void test_lego(const char *data)
{
	char dir[512];
	struct sgs_dataset d;
	struct sgs_scene s;
	snprintf(dir, sizeof dir, "%s/blender/lego", data);
	sgs_error_clear();
	if (sgs_import_blender(dir, &d) != 0) {
		ok(0, "import lego: %s", sgs_error_get());
		return;
	}
	/* the k-th frame of transforms_train.json */
	uint32_t train_at[100], ntrain = 0;
	for (uint32_t i = 0; i < d.nviews && ntrain < 100; i++)
		if (d.views[i].pool == SGS_POOL_TRAIN)
			train_at[ntrain++] = i;
	struct sgs_import_opts o = {0};
	o.protocol = "blender";
	o.downscale = 1;
	o.background[0] = o.background[1] = o.background[2] = 1;
	ok(ntrain == 100 && sgs_protocol_apply(&d, &o, &s) == 0, "lego, protocol blender: %s",
	   sgs_error_get());
	static const uint32_t ids[8] = {26, 86, 2, 55, 75, 93, 16, 73};
	uint32_t found = 0, ntest = 0;
	int test_ok = 1, img_ok = 1, bounds_ok = 1;
	for (uint32_t k = 0; k < s.nviews; k++) {
		const struct sgs_view *v = &s.views[k];
		if (v->split == SGS_SPLIT_TRAIN) {
			for (int j = 0; j < 8; j++)
				found += ntrain == 100 && v->id == train_at[ids[j]];
		} else {
			ntest++;
			test_ok &= d.views[v->id].pool == SGS_POOL_TEST;
		}
		img_ok &= v->image.w == 400 && v->image.h == 400 && v->image.c == 3;
		bounds_ok &= v->near > 1.5 && v->near < 2.5 && v->far > 5.5 && v->far < 6.5;
	}
	ok(found == 8 && s.nviews == 33, "the 8 train frames 26 86 2 55 75 93 16 73 (%u found)",
	   found);
	ok(ntest == 25 && test_ok, "25 test views from transforms_test.json");
	if (s.nviews) {
		const struct sgs_view *v = &s.views[0];
		const uint8_t *p = v->image.data;
		diag("view %s: fx %.3f near %.3f far %.3f, corner pixel %u %u %u", v->name, v->cam.fx,
		     v->near, v->far, p[0], p[1], p[2]);
		ok(p[0] == 255 && p[1] == 255 && p[2] == 255, "transparent corner composited on white");
	}
	ok(img_ok, "400x400 RGB images");
	ok(bounds_ok, "near/far from the ring layout near NeRF's 2 and 6");
	sgs_error_clear();
	ok(sgs_scene_validate(&s) == 0, "scene validates: %s", sgs_error_get());
	sgs_scene_free(&s);
	sgs_dataset_free(&d);
}

int main(void)
{
	const char *data = test_data_dir();
	test_linspace();
	test_llff_selection();
	test_blender_selection();
	test_dtu_selection();
	test_all_and_explicit();
	test_loading();
	test_seeds();
	test_bounds();
	test_detect(data);
	if (data)
		test_lego(data);
	else
		skip("no data folder", "Blender protocol on lego");
	return tap_done();
}
