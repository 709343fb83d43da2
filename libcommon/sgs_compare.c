/* Comparison images and contact sheets (sgs-eval -g). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sgs_compare.h"
#include "sgs_error.h"
#include "sgs_text.h"

const uint8_t sgs_compare_bg[3] = {32, 32, 32};
const uint8_t sgs_compare_fg[3] = {255, 255, 255};
const uint8_t sgs_compare_nodepth[3] = {96, 96, 96};

static const char *const titles[SGS_COMPARE_PANELS] = {"ground truth", "render", "error",
							 "depth"};
/* the longest title decides the font */
#define TITLE_CHARS 12
/* a contact sheet's label: "NAME  PSNR dB" fits this many characters */
#define LABEL_CHARS 24

static enum sgs_font band_font(uint32_t w)
{
	return sgs_font_fit(w > 2 * SGS_COMPARE_HPAD ? w - 2 * SGS_COMPARE_HPAD : 0, TITLE_CHARS);
}

uint32_t sgs_compare_band(uint32_t w)
{
	uint32_t cw, ch;
	sgs_font_size(band_font(w), &cw, &ch);
	return 2 * ch + 3 * SGS_COMPARE_VPAD;
}

static void fill(struct sgs_image *img, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		 const uint8_t rgb[3])
{
	uint8_t *px = img->data;
	for (uint32_t j = y; j < y + h && j < img->h; j++)
		for (uint32_t i = x; i < x + w && i < img->w; i++)
			memcpy(px + 3 * ((size_t)j * img->w + i), rgb, 3);
}

/* src's pixels at (x, y) of dst; src lies inside dst. */
static void blit(struct sgs_image *dst, const struct sgs_image *src, uint32_t x, uint32_t y)
{
	for (uint32_t j = 0; j < src->h; j++)
		memcpy((uint8_t *)dst->data + 3 * ((size_t)(y + j) * dst->w + x),
		       (const uint8_t *)src->data + 3 * (size_t)j * src->w, 3 * (size_t)src->w);
}

static int is_rgb8(const struct sgs_image *p, uint32_t w, uint32_t h)
{
	return p->c == 3 && p->bits == 8 && p->w == w && p->h == h;
}

/* The grey panel that stands where a view has no such image: "no
 * <title>". */
static int missing_panel(struct sgs_image *out, uint32_t x, uint32_t w, uint32_t h,
			 const char *title)
{
	char msg[64];
	uint32_t cw, ch, len = (uint32_t)snprintf(msg, sizeof msg, "no %s", title);
	len = len < sizeof msg ? len : sizeof msg - 1;
	enum sgs_font f = sgs_font_fit(w, len);
	sgs_font_size(f, &cw, &ch);
	fill(out, x, 0, w, h, sgs_compare_nodepth);
	uint32_t tw = cw * len;
	return sgs_text_draw(out, x + (tw < w ? (w - tw) / 2 : 0), h > ch ? (h - ch) / 2 : 0, w, ch,
			     f, msg, sgs_compare_fg);
}

int sgs_compare_panels(const struct sgs_image *const *panels, const char *const *titles,
		       uint32_t n, const char *caption, struct sgs_image *out)
{
	const struct sgs_image *first = NULL;
	for (uint32_t k = 0; k < n && !first; k++)
		first = panels[k];
	if (n == 0 || n > SGS_COMPARE_MAX_PANELS || !first)
		return sgs_error_set("a comparison of %u panels, %s", n,
				     first ? "too many" : "none with an image");
	uint32_t w = first->w, h = first->h, band = sgs_compare_band(w), cw, ch;
	for (uint32_t k = 0; k < n; k++)
		if (panels[k] && !is_rgb8(panels[k], w, h))
			return sgs_error_set("comparison panel %u is not an 8-bit RGB %ux%u image", k, w, h);
	if (sgs_image_alloc(out, n * w, h + band, 3, 8) != 0)
		return -1;
	enum sgs_font f = band_font(w);
	sgs_font_size(f, &cw, &ch);
	fill(out, 0, h, out->w, band, sgs_compare_bg);
	int rc = 0;
	for (uint32_t k = 0; k < n && rc == 0; k++) {
		if (panels[k])
			blit(out, panels[k], k * w, 0);
		else
			rc = missing_panel(out, k * w, w, h, titles[k]);
		if (rc == 0)
			rc = sgs_text_draw(out, k * w + SGS_COMPARE_HPAD, h + SGS_COMPARE_VPAD,
					   w - SGS_COMPARE_HPAD, ch, f, titles[k], sgs_compare_fg);
	}
	if (rc == 0)
		rc = sgs_text_draw(out, SGS_COMPARE_HPAD, h + 2 * SGS_COMPARE_VPAD + ch,
				   out->w - SGS_COMPARE_HPAD, ch, f, caption, sgs_compare_fg);
	if (rc != 0)
		sgs_image_free(out);
	return rc;
}

int sgs_compare_image(const struct sgs_image *gt, const struct sgs_image *render,
		      const struct sgs_image *error, const struct sgs_image *depth,
		      const char *caption, struct sgs_image *out)
{
	const struct sgs_image *panels[SGS_COMPARE_PANELS] = {gt, render, error, depth};
	if (!gt || !render || !error)
		return sgs_error_set("comparison without a ground truth, a render or an error map");
	return sgs_compare_panels(panels, titles, SGS_COMPARE_PANELS, caption, out);
}

int sgs_thumbnail(const struct sgs_image *src, struct sgs_image *out)
{
	uint32_t f = (src->w + SGS_THUMB_MAX_W - 1) / SGS_THUMB_MAX_W;
	if (f > 1)
		return sgs_image_downscale(src, f, out);
	if (sgs_image_alloc(out, src->w, src->h, src->c, src->bits) != 0)
		return -1;
	memcpy(out->data, src->data, sgs_image_bytes(src));
	return 0;
}

int sgs_contact_sheet(const struct sgs_image *thumbs, const char *const *labels, uint32_t n,
		      struct sgs_image *out)
{
	uint32_t tw = 0, th = 0, cw, ch;
	if (n == 0)
		return sgs_error_set("contact sheet of no image");
	for (uint32_t i = 0; i < n; i++) {
		if (thumbs[i].c != 3 || thumbs[i].bits != 8)
			return sgs_error_set("contact sheet: thumbnail %u is not 8-bit RGB", i);
		tw = thumbs[i].w > tw ? thumbs[i].w : tw;
		th = thumbs[i].h > th ? thumbs[i].h : th;
	}
	enum sgs_font f = sgs_font_fit(tw, LABEL_CHARS);
	sgs_font_size(f, &cw, &ch);
	uint32_t cell_h = th + ch + SGS_COMPARE_VPAD;
	uint32_t cols = (uint32_t)ceil(sqrt((double)n * cell_h / tw));
	cols = cols < 1 ? 1 : cols > n ? n : cols;
	uint32_t rows = (n + cols - 1) / cols;
	uint64_t sw = (uint64_t)cols * tw + (cols + 1) * SGS_SHEET_GAP;
	uint64_t sh = (uint64_t)rows * cell_h + (rows + 1) * SGS_SHEET_GAP;
	if (sgs_image_check_size(sw, sh, 3, 1) != 0 ||
	    sgs_image_alloc(out, (uint32_t)sw, (uint32_t)sh, 3, 8) != 0)
		return -1;
	fill(out, 0, 0, out->w, out->h, sgs_compare_bg);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t x = SGS_SHEET_GAP + i % cols * (tw + SGS_SHEET_GAP);
		uint32_t y = SGS_SHEET_GAP + i / cols * (cell_h + SGS_SHEET_GAP);
		blit(out, &thumbs[i], x, y);
		if (sgs_text_draw(out, x, y + th + SGS_COMPARE_VPAD, tw, ch, f, labels[i],
				  sgs_compare_fg) != 0) {
			sgs_image_free(out);
			return -1;
		}
	}
	return 0;
}
