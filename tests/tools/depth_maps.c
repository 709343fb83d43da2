/*
 * Test helper for sgs-depth -m import: turns a scene's ground-truth depth
 * into the kind of maps an external estimator writes, with a known scale
 * and shift, and gives the scene seed points on the true surfaces.
 *
 *   depth_maps [-d] [-a scale] [-b shift] [-f tif|png] [-k stride] scene dir > scene'
 *
 * For every train view, dir/NAME.tif (float32) or dir/NAME.png (16-bit,
 * rounded) holds m = a g + b, or with -d m = a / g + b, where g is the
 * ground-truth depth (no value, NaN or 0, where g is 0).  Every stride-th
 * pixel with a depth, in each train view, becomes a seed point at the
 * centre of that pixel, and the scene goes to stdout with them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_scene.h"

static void die(const char *msg)
{
	fprintf(stderr, "depth_maps: %s\n", msg);
	exit(1);
}

static void backproject(const struct sgs_camera *c, double u, double v, double z, float out[3])
{
	double p[3] = {(u - c->cx) / c->fx * z - c->t[0], (v - c->cy) / c->fy * z - c->t[1],
		       z - c->t[2]};
	for (int i = 0; i < 3; i++) /* R^T p */
		out[i] = (float)(c->R[i] * p[0] + c->R[3 + i] * p[1] + c->R[6 + i] * p[2]);
}

int main(int argc, char **argv)
{
	double a = 1, b = 0;
	int disparity = 0, png = 0, ch;
	long stride = 7;
	while ((ch = getopt(argc, argv, "a:b:df:k:")) != -1) {
		switch (ch) {
		case 'a': a = strtod(optarg, NULL); break;
		case 'b': b = strtod(optarg, NULL); break;
		case 'd': disparity = 1; break;
		case 'f': png = strcmp(optarg, "png") == 0; break;
		case 'k': stride = strtol(optarg, NULL, 10); break;
		default: die("usage: depth_maps [-d] [-a scale] [-b shift] [-f tif|png] [-k stride] scene dir");
		}
	}
	if (argc - optind != 2 || stride < 1)
		die("usage: depth_maps [-d] [-a scale] [-b shift] [-f tif|png] [-k stride] scene dir");
	struct sgs_scene s;
	if (sgs_scene_load(argv[optind], &s) != 0)
		die(sgs_error_get());
	size_t cap = 0;
	for (uint32_t i = 0; i < s.nviews; i++)
		cap += (size_t)s.views[i].cam.w * s.views[i].cam.h;
	float *xyz = malloc(3 * cap * sizeof *xyz);
	uint8_t *rgb = calloc(3 * cap, 1);
	size_t nseeds = 0;
	if (!xyz || !rgb)
		die("out of memory");
	for (uint32_t i = 0; i < s.nviews; i++) {
		const struct sgs_view *v = &s.views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		if (!v->depth_gt)
			die("a train view has no ground-truth depth");
		size_t npix = (size_t)v->cam.w * v->cam.h, k = 0;
		float *m = malloc(npix * sizeof *m);
		if (!m)
			die("out of memory");
		for (size_t p = 0; p < npix; p++) {
			double g = v->depth_gt[p];
			m[p] = g > 0 ? (float)(disparity ? a / g + b : a * g + b) : (png ? 0.f : NAN);
			if (g > 0 && k++ % (size_t)stride == 0)
				backproject(&v->cam, p % v->cam.w + 0.5, (double)(p / v->cam.w) + 0.5, g,
					    xyz + 3 * nseeds++);
		}
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.%s", argv[optind + 1], v->name, png ? "png" : "tif");
		if ((png ? sgs_depth_png16_write(path, 1.0f, v->cam.w, v->cam.h, m)
			 : sgs_tiff_write_float(path, v->cam.w, v->cam.h, 1, m)) != 0)
			die(sgs_error_get());
		free(m);
	}
	free(s.seed_xyz);
	free(s.seed_rgb);
	s.seed_xyz = xyz;
	s.seed_rgb = rgb;
	s.nseeds = nseeds;
	if (sgs_scene_save("-", &s) != 0)
		die(sgs_error_get());
	sgs_scene_free(&s);
	return 0;
}
