/* Colour-mapped previews of depth maps: the viridis ramp (perceptually
 * uniform, luminance rising monotonically from dark purple to yellow) and
 * the robust range it is stretched over. */
#ifndef SGS_COLORMAP_H
#define SGS_COLORMAP_H

#include <stddef.h>
#include <stdint.h>

#include "sgs_image.h"

/* Percentiles of the confident depths that set a preview's range. */
#define SGS_PREVIEW_LO_PCT 2.0
#define SGS_PREVIEW_HI_PCT 98.0

/* matplotlib's viridis at t in [0,1] (clamped; NaN reads as 0) as 8-bit
 * RGB, from a degree-6 polynomial fit per channel (within 4/255 of
 * the published table). */
void sgs_viridis(double t, uint8_t rgb[3]);

/* The 2nd and 98th percentiles of the depths with conf > conf_min, finite
 * and > 0.  Returns 0, 1 when no pixel qualifies (nothing to stretch
 * over), -1 on error. */
int sgs_depth_range(const float *depth, const float *conf, size_t n, float conf_min,
		    float *lo, float *hi);

/* 8-bit RGB preview: depth lo (near) is the bright yellow end, hi (far)
 * the dark purple one, clamped outside; pixels with conf <= conf_min or
 * no positive finite depth are black.  With no confident pixel at all
 * the whole image is black.  Allocates *out. */
int sgs_depth_colorize(const float *depth, const float *conf, uint32_t w, uint32_t h,
		       float conf_min, struct sgs_image *out);

/* Confidence in [0,1] (clamped) as 8-bit gray, 1 -> 255.  Allocates *out. */
int sgs_conf_image(const float *conf, uint32_t w, uint32_t h, struct sgs_image *out);

#endif
