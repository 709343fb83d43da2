/* Pictures of an evaluation: a comparison image per view (ground truth |
 * render | error map | depth, side by side, with a label band under
 * them) and a contact sheet of many such images.  All images 8-bit RGB.
 * The labels are drawn with sgs_text.h, so only a tool linking libgd
 * (sgs-eval) may call these. */
#ifndef SGS_COMPARE_H
#define SGS_COMPARE_H

#include <stdint.h>

#include "sgs_image.h"

#define SGS_COMPARE_PANELS 4
/* The most panels one comparison may have (sgs_compare_panels). */
#define SGS_COMPARE_MAX_PANELS 8
/* Space around a line of text, pixels: above and below, left of it. */
#define SGS_COMPARE_VPAD 3
#define SGS_COMPARE_HPAD 2
/* Contact sheet: thumbnails at most this wide, this far apart and from
 * the sheet's edges. */
#define SGS_THUMB_MAX_W 480
#define SGS_SHEET_GAP 8

/* Background of label bands and of the sheet, the text's colour, and
 * the "no depth" panel's grey. */
extern const uint8_t sgs_compare_bg[3], sgs_compare_fg[3], sgs_compare_nodepth[3];

/* Height of the label band under panels w pixels wide: a row of panel
 * titles and a row for the caption, each a line of the font that fits
 * "ground truth" in a panel. */
uint32_t sgs_compare_band(uint32_t w);

/* The four panels of one w x h view side by side, 4w x (h + band): at x
 * = 0, w, 2w, 3w; depth NULL makes a grey panel saying "no depth".  The
 * band holds each panel's title and, under them, `caption` (clipped to
 * the width). */
int sgs_compare_image(const struct sgs_image *gt, const struct sgs_image *render,
		      const struct sgs_image *error, const struct sgs_image *depth,
		      const char *caption, struct sgs_image *out);

/* n panels of w x h side by side, n w x (h + band), each with its title
 * in the band and `caption` under them; a NULL panel is grey and says
 * "no <title>".  At least one panel is not NULL; all are 8-bit RGB of
 * one size. */
int sgs_compare_panels(const struct sgs_image *const *panels, const char *const *titles,
		       uint32_t n, const char *caption, struct sgs_image *out);

/* src shrunk by the smallest whole factor that makes it at most
 * SGS_THUMB_MAX_W wide (box filter; a copy when it already is). */
int sgs_thumbnail(const struct sgs_image *src, struct sgs_image *out);

/* The n thumbnails in a grid of cells, row by row, each with its label
 * under it.  A cell is as large as the largest thumbnail plus a label
 * line; the column count is the one that makes the sheet closest to
 * square, ceil(sqrt(n * cell height / cell width)) at most n. */
int sgs_contact_sheet(const struct sgs_image *thumbs, const char *const *labels, uint32_t n,
		      struct sgs_image *out);

#endif
