/*
 * Test helper for pictures (sgs-eval -g): reads PNGs the way a person's
 * eye would check them, as 8-bit RGB pixels.
 *
 *   png_probe size F                  prints "W H"
 *   png_probe same F X Y G            exit 0 when G's pixels equal F's at
 *                                     (X, Y); else the first difference
 *   png_probe count F X Y W H R G B   prints how many pixels of the box
 *                                     differ from colour R,G,B
 *   png_probe crop F X Y W H OUT      writes that box of F to OUT
 *   png_probe view S NAME OUT         writes view NAME's ground truth of
 *                                     scene S as sgs-eval reads it (alpha
 *                                     over the scene's background) to OUT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_metrics.h"
#include "sgs_scene.h"

static void die(const char *msg)
{
	fprintf(stderr, "png_probe: %s\n", msg);
	exit(2);
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0)
		die("bad number");
	return v;
}

static void load_rgb(const char *path, struct sgs_image *out)
{
	struct sgs_image img;
	if (sgs_png_read(path, &img) != 0 || sgs_image_to_u8(&img, 3, out) != 0)
		die(sgs_error_get());
	sgs_image_free(&img);
}

static const uint8_t *px(const struct sgs_image *img, long x, long y)
{
	return (const uint8_t *)img->data + 3 * ((size_t)y * img->w + (size_t)x);
}

static int same(const char *f, long x, long y, const char *g)
{
	struct sgs_image a, b;
	load_rgb(f, &a);
	load_rgb(g, &b);
	if (x + b.w > a.w || y + b.h > a.h)
		die("the second image does not fit there");
	int rc = 0;
	for (long j = 0; j < (long)b.h && !rc; j++)
		for (long i = 0; i < (long)b.w && !rc; i++)
			if (memcmp(px(&a, x + i, y + j), px(&b, i, j), 3) != 0) {
				printf("differ at %ld,%ld\n", i, j);
				rc = 1;
			}
	sgs_image_free(&a);
	sgs_image_free(&b);
	return rc;
}

static int count(char **av)
{
	struct sgs_image a;
	long x = num(av[1]), y = num(av[2]), w = num(av[3]), h = num(av[4]);
	uint8_t c[3] = {(uint8_t)num(av[5]), (uint8_t)num(av[6]), (uint8_t)num(av[7])};
	load_rgb(av[0], &a);
	if (x + w > (long)a.w || y + h > (long)a.h)
		die("box outside the image");
	long n = 0;
	for (long j = y; j < y + h; j++)
		for (long i = x; i < x + w; i++)
			n += memcmp(px(&a, i, j), c, 3) != 0;
	sgs_image_free(&a);
	printf("%ld\n", n);
	return 0;
}

static int crop(char **av)
{
	struct sgs_image a, b;
	long x = num(av[1]), y = num(av[2]), w = num(av[3]), h = num(av[4]);
	load_rgb(av[0], &a);
	if (w == 0 || h == 0 || x + w > (long)a.w || y + h > (long)a.h)
		die("box outside the image");
	if (sgs_image_alloc(&b, (uint32_t)w, (uint32_t)h, 3, 8) != 0)
		die(sgs_error_get());
	for (long j = 0; j < h; j++)
		memcpy((uint8_t *)b.data + 3 * (size_t)(j * w), px(&a, x, y + j), 3 * (size_t)w);
	if (sgs_png_write(av[5], &b) != 0)
		die(sgs_error_get());
	sgs_image_free(&a);
	sgs_image_free(&b);
	return 0;
}

static int view(const char *scene, const char *name, const char *out)
{
	struct sgs_scene s;
	struct sgs_image img;
	float *rgb;
	if (sgs_scene_load(scene, &s) != 0)
		die(sgs_error_get());
	for (uint32_t i = 0; i < s.nviews; i++) {
		const struct sgs_view *v = &s.views[i];
		if (strcmp(v->name, name) != 0)
			continue;
		if (sgs_image_to_rgbf(&v->image, s.background, &rgb) != 0 ||
		    sgs_rgbf_to_image(rgb, v->image.w, v->image.h, &img) != 0 ||
		    sgs_png_write(out, &img) != 0)
			die(sgs_error_get());
		free(rgb);
		sgs_image_free(&img);
		sgs_scene_free(&s);
		return 0;
	}
	die("no such view");
	return 1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "size") && argc == 3) {
		struct sgs_image a;
		load_rgb(argv[2], &a);
		printf("%u %u\n", a.w, a.h);
		sgs_image_free(&a);
		return 0;
	}
	if (!strcmp(cmd, "same") && argc == 6)
		return same(argv[2], num(argv[3]), num(argv[4]), argv[5]);
	if (!strcmp(cmd, "count") && argc == 10)
		return count(argv + 2);
	if (!strcmp(cmd, "crop") && argc == 8)
		return crop(argv + 2);
	if (!strcmp(cmd, "view") && argc == 5)
		return view(argv[2], argv[3], argv[4]);
	die("usage: png_probe size F | same F X Y G | count F X Y W H R G B | crop F X Y W H OUT |"
	    " view S NAME OUT");
	return 2;
}
