/* Lines of text drawn into 8-bit RGB images with libgd's built-in bitmap
 * fonts (compiled into libgd: no font file to find at run time).  Only
 * sgs-eval links libgd; nothing else may call these. */
#ifndef SGS_TEXT_H
#define SGS_TEXT_H

#include <stdint.h>

#include "sgs_image.h"

/* libgd's fonts, smallest first: tiny 5x8, medium bold 7x13, giant 9x15
 * pixels a character. */
enum sgs_font { SGS_FONT_TINY, SGS_FONT_MEDIUM, SGS_FONT_GIANT };

void sgs_font_size(enum sgs_font f, uint32_t *cw, uint32_t *ch);

/* The largest font in which `chars` characters fit in `width` pixels
 * (tiny when none does). */
enum sgs_font sgs_font_fit(uint32_t width, uint32_t chars);

/* Draw `text` at (x, y), its top-left corner, into the box of w x h
 * pixels there (clipped to the box and to the image) in colour rgb;
 * the box's other pixels are left as they are.  Bytes outside printable
 * ASCII show as '?'.  img must be 8-bit RGB. */
int sgs_text_draw(struct sgs_image *img, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		  enum sgs_font f, const char *text, const uint8_t rgb[3]);

#endif
