/* Text into images through libgd: each line is drawn alone into a small
 * gdImage the size of its box (which clips it), and the glyph pixels are
 * copied out; libgd never writes a file here, PNGs stay with image_png.c. */
#include <gd.h>
#include <gdfontg.h>
#include <gdfontmb.h>
#include <gdfontt.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_text.h"

static gdFontPtr font_of(enum sgs_font f)
{
	return f == SGS_FONT_GIANT ? gdFontGetGiant() : f == SGS_FONT_MEDIUM ? gdFontGetMediumBold()
									   : gdFontGetTiny();
}

void sgs_font_size(enum sgs_font f, uint32_t *cw, uint32_t *ch)
{
	gdFontPtr g = font_of(f);
	*cw = (uint32_t)g->w;
	*ch = (uint32_t)g->h;
}

enum sgs_font sgs_font_fit(uint32_t width, uint32_t chars)
{
	static const enum sgs_font largest_first[] = {SGS_FONT_GIANT, SGS_FONT_MEDIUM};
	for (size_t i = 0; i < sizeof largest_first / sizeof *largest_first; i++) {
		uint32_t cw, ch;
		sgs_font_size(largest_first[i], &cw, &ch);
		if ((uint64_t)cw * chars <= width)
			return largest_first[i];
	}
	return SGS_FONT_TINY;
}

int sgs_text_draw(struct sgs_image *img, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		  enum sgs_font f, const char *text, const uint8_t rgb[3])
{
	if (img->c != 3 || img->bits != 8)
		return sgs_error_set("text needs an 8-bit RGB image");
	if (x >= img->w || y >= img->h)
		return 0;
	w = w < img->w - x ? w : img->w - x;
	h = h < img->h - y ? h : img->h - y;
	if (w == 0 || h == 0 || !*text)
		return 0;
	size_t n = strlen(text);
	unsigned char *s = malloc(n + 1);
	gdImagePtr g = s ? gdImageCreateTrueColor((int)w, (int)h) : NULL;
	if (!g) {
		free(s);
		return sgs_error_set("out of memory for text");
	}
	/* the fonts' upper half is Latin-2, not what UTF-8 names mean */
	for (size_t i = 0; i <= n; i++)
		s[i] = i == n ? 0 : (text[i] >= 0x20 && text[i] < 0x7f) ? (unsigned char)text[i] : '?';
	/* a new true-colour image is black: glyphs are the non-zero pixels */
	gdImageString(g, font_of(f), 0, 0, s, gdTrueColor(255, 255, 255));
	uint8_t *px = img->data;
	for (uint32_t j = 0; j < h; j++)
		for (uint32_t i = 0; i < w; i++)
			if (gdImageGetTrueColorPixel(g, (int)i, (int)j) != 0)
				memcpy(px + 3 * ((size_t)(y + j) * img->w + x + i), rgb, 3);
	gdImageDestroy(g);
	free(s);
	return 0;
}
