/* sgs-eval -g's pictures, as sgs-eval(1) documents them: the font chosen
 * by the panel width, the label band's height, where the panels and text
 * land, the "no depth" panel, thumbnails and the contact sheet's grid. */
#include <stdlib.h>
#include <string.h>

#include "sgs_compare.h"
#include "sgs_error.h"
#include "sgs_text.h"
#include "tap.h"

static const uint8_t *px(const struct sgs_image *img, uint32_t x, uint32_t y)
{
	return (const uint8_t *)img->data + 3 * ((size_t)y * img->w + x);
}

/* Pixels of the box that differ from rgb. */
static size_t count_other(const struct sgs_image *img, uint32_t x, uint32_t y, uint32_t w,
			  uint32_t h, const uint8_t rgb[3])
{
	size_t n = 0;
	for (uint32_t j = y; j < y + h; j++)
		for (uint32_t i = x; i < x + w; i++)
			n += memcmp(px(img, i, j), rgb, 3) != 0;
	return n;
}

static void flat(struct sgs_image *img, uint32_t w, uint32_t h, uint8_t r, uint8_t g, uint8_t b)
{
	if (sgs_image_alloc(img, w, h, 3, 8) != 0)
		abort();
	uint8_t *p = img->data;
	for (size_t i = 0; i < (size_t)w * h; i++)
		p[3 * i] = r, p[3 * i + 1] = g, p[3 * i + 2] = b;
}

static void test_fonts(void)
{
	uint32_t cw, ch;
	sgs_font_size(SGS_FONT_TINY, &cw, &ch);
	ok(cw == 5 && ch == 8, "tiny font is 5x8 (%ux%u)", cw, ch);
	sgs_font_size(SGS_FONT_MEDIUM, &cw, &ch);
	ok(cw == 7 && ch == 13, "medium bold is 7x13 (%ux%u)", cw, ch);
	sgs_font_size(SGS_FONT_GIANT, &cw, &ch);
	ok(cw == 9 && ch == 15, "giant is 9x15 (%ux%u)", cw, ch);
	ok(sgs_font_fit(108, 12) == SGS_FONT_GIANT && sgs_font_fit(107, 12) == SGS_FONT_MEDIUM &&
	       sgs_font_fit(84, 12) == SGS_FONT_MEDIUM && sgs_font_fit(83, 12) == SGS_FONT_TINY,
	   "the largest font whose characters fit is chosen, tiny when none does");
	ok(sgs_compare_band(64) == 25 && sgs_compare_band(100) == 35 && sgs_compare_band(504) == 39,
	   "band: two lines of the panel's font and 3 pixels around each");
}

static void test_text(void)
{
	const uint8_t red[3] = {255, 0, 0}, black[3] = {0, 0, 0};
	struct sgs_image img, gray;
	flat(&img, 40, 20, 0, 0, 0);
	ok(sgs_text_draw(&img, 2, 2, 30, 8, SGS_FONT_TINY, "Hi", red) == 0, "text drawn");
	size_t lit = count_other(&img, 0, 0, 40, 20, black);
	ok(lit > 5 && lit == count_other(&img, 2, 2, 10, 8, black),
	   "glyph pixels only inside the two characters' box (%zu)", lit);
	size_t reds = 0;
	for (uint32_t i = 0; i < 40 * 20; i++)
		reds += memcmp((uint8_t *)img.data + 3 * i, red, 3) == 0;
	ok(reds == lit, "every glyph pixel is the colour given");
	sgs_image_free(&img);
	flat(&img, 40, 20, 0, 0, 0);
	sgs_text_draw(&img, 0, 0, 6, 8, SGS_FONT_TINY, "WWWW", red);
	ok(count_other(&img, 6, 0, 34, 20, black) == 0, "clipped to its box");
	ok(sgs_text_draw(&img, 50, 0, 10, 8, SGS_FONT_TINY, "x", red) == 0 &&
	       count_other(&img, 0, 0, 40, 20, black) == count_other(&img, 0, 0, 6, 8, black),
	   "outside the image: nothing drawn, no error");
	sgs_image_free(&img);
	flat(&img, 40, 20, 0, 0, 0);
	sgs_text_draw(&img, 0, 0, 40, 8, SGS_FONT_TINY, "\xc3\xa9", red);
	struct sgs_image q;
	flat(&q, 40, 20, 0, 0, 0);
	sgs_text_draw(&q, 0, 0, 40, 8, SGS_FONT_TINY, "??", red);
	ok(memcmp(img.data, q.data, sgs_image_bytes(&q)) == 0, "bytes outside ASCII show as '?'");
	sgs_image_alloc(&gray, 8, 8, 1, 8);
	ok(sgs_text_draw(&gray, 0, 0, 8, 8, SGS_FONT_TINY, "x", red) != 0, "gray image refused: %s",
	   sgs_error_get());
	sgs_image_free(&img);
	sgs_image_free(&q);
	sgs_image_free(&gray);
}

static void test_compare(void)
{
	struct sgs_image gt, rd, err, dp, out;
	flat(&gt, 64, 48, 10, 20, 30);
	flat(&rd, 64, 48, 40, 50, 60);
	flat(&err, 64, 48, 70, 80, 90);
	flat(&dp, 64, 48, 100, 110, 120);
	int rc = sgs_compare_image(&gt, &rd, &err, &dp, "view_000  PSNR 20.00 dB", &out);
	ok(rc == 0 && out.w == 256 && out.h == 73,
	   "four 64x48 panels and a 25-row band: 256x73 (%ux%u)", out.w, out.h);
	const struct sgs_image *panels[4] = {&gt, &rd, &err, &dp};
	int placed = 1;
	for (int k = 0; k < 4; k++)
		placed &= count_other(&out, 64 * k, 0, 64, 48, px(panels[k], 0, 0)) == 0;
	ok(placed, "panels at x = 0, 64, 128, 192, unchanged");
	ok(count_other(&out, 0, 48, 256, 25, sgs_compare_bg) > 100 &&
	       count_other(&out, 0, 48, 256, 3, sgs_compare_bg) == 0,
	   "text in the band, none in its top padding");
	sgs_image_free(&out);
	ok(sgs_compare_image(&gt, &rd, &err, NULL, "v", &out) == 0, "without depth");
	size_t grey = 64 * 48 - count_other(&out, 192, 0, 64, 48, sgs_compare_nodepth);
	ok(grey > 64 * 48 - 400 && grey < 64 * 48, "the depth panel is grey with a little text (%zu)",
	   grey);
	sgs_image_free(&out);
	struct sgs_image small;
	flat(&small, 32, 48, 0, 0, 0);
	ok(sgs_compare_image(&gt, &small, &err, NULL, "v", &out) != 0, "panels of other sizes refused: %s",
	   sgs_error_get());
	sgs_image_free(&small);
	sgs_image_free(&gt);
	sgs_image_free(&rd);
	sgs_image_free(&err);
	sgs_image_free(&dp);
}

/* Any number of panels (sgs-eval --baseline makes five). */
static void test_panels(void)
{
	struct sgs_image a, b, out;
	flat(&a, 64, 48, 10, 20, 30);
	flat(&b, 64, 48, 40, 50, 60);
	const struct sgs_image *p[5] = {&a, &b, NULL, &b, &a};
	const char *titles[5] = {"ground truth", "vanilla", "depth", "sparse", "error"};
	int rc = sgs_compare_panels(p, titles, 5, "view_000  vanilla 14.00 dB  sparse 16.00 dB", &out);
	ok(rc == 0 && out.w == 320 && out.h == 73, "five 64x48 panels: 320x73 (%ux%u)", out.w, out.h);
	int placed = rc == 0;
	for (int k = 0; placed && k < 5; k++)
		placed &= k == 2 || count_other(&out, 64 * k, 0, 64, 48, px(p[k], 0, 0)) == 0;
	size_t grey = rc ? 0 : 64 * 48 - count_other(&out, 128, 0, 64, 48, sgs_compare_nodepth);
	ok(placed && grey > 64 * 48 - 400 && grey < 64 * 48,
	   "panels in order; the missing one grey with its text (%zu grey)", grey);
	if (rc == 0)
		sgs_image_free(&out);
	const struct sgs_image *none[2] = {NULL, NULL};
	ok(sgs_compare_panels(none, titles, 2, "v", &out) != 0 &&
	       sgs_compare_panels(p, titles, 0, "v", &out) != 0 &&
	       sgs_compare_panels(p, titles, SGS_COMPARE_MAX_PANELS + 1, "v", &out) != 0,
	   "no image, no panel or too many: an error (%s)", sgs_error_get());
	sgs_image_free(&a);
	sgs_image_free(&b);
}

static void test_sheet(void)
{
	struct sgs_image big, th, t[3], sheet;
	flat(&big, 1000, 60, 1, 2, 3);
	int rc = sgs_thumbnail(&big, &th);
	ok(rc == 0 && th.w == 333 && th.h == 20,
	   "1000 wide: shrunk by 3 to 333x20 (%ux%u)", th.w, th.h);
	sgs_image_free(&th);
	sgs_image_free(&big);
	flat(&big, 480, 10, 1, 2, 3);
	ok(sgs_thumbnail(&big, &th) == 0 && th.w == 480 && memcmp(th.data, big.data, 480 * 30) == 0,
	   "480 wide: a copy");
	sgs_image_free(&th);
	sgs_image_free(&big);
	for (int i = 0; i < 3; i++)
		flat(&t[i], 100, 50, (uint8_t)(100 + i), 0, 0);
	const char *labels[3] = {"a", "b", "c"};
	/* tiny font (24 giant or medium characters do not fit 100 pixels):
	 * cells 100 x (50 + 8 + 3); ceil(sqrt(3 * 61 / 100)) = 2 columns */
	rc = sgs_contact_sheet(t, labels, 3, &sheet);
	ok(rc == 0 && sheet.w == 224 && sheet.h == 146,
	   "3 cells of 100x61 in 2 columns, 8 apart: 224x146 (%ux%u)", sheet.w, sheet.h);
	ok(count_other(&sheet, 8, 8, 100, 50, px(&t[0], 0, 0)) == 0 &&
	       count_other(&sheet, 116, 8, 100, 50, px(&t[1], 0, 0)) == 0 &&
	       count_other(&sheet, 8, 77, 100, 50, px(&t[2], 0, 0)) == 0,
	   "thumbnails row by row");
	ok(count_other(&sheet, 8, 61, 100, 8, sgs_compare_bg) > 0 &&
	       count_other(&sheet, 116, 77, 100, 69, sgs_compare_bg) == 0,
	   "labels under the thumbnails; the empty cell is background");
	sgs_image_free(&sheet);
	ok(sgs_contact_sheet(t, labels, 0, &sheet) != 0, "no image: an error");
	for (int i = 0; i < 3; i++)
		sgs_image_free(&t[i]);
}

int main(void)
{
	test_fonts();
	test_text();
	test_compare();
	test_panels();
	test_sheet();
	return tap_done();
}
