/* The viridis ramp and depth previews built on it. */
#include <math.h>
#include <stdlib.h>

#include "sgs_colormap.h"
#include "sgs_error.h"

/* Least-squares degree-6 polynomials through matplotlib's 256-entry
 * viridis table, one per channel, coefficients of t^0 .. t^6. */
static const double viridis_poly[3][7] = {
	{0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486,
	 6.228269936347081, 4.776384997670288, -5.435455855934631},
	{0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585,
	 14.17993336680509, -13.74514537774601, 4.645852612178535},
	{0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987,
	 56.69055260068105, -65.35303263337234, 26.3124352495832},
};

void sgs_viridis(double t, uint8_t rgb[3])
{
	t = t > 0 ? (t < 1 ? t : 1) : 0; /* NaN -> 0 as well */
	for (int c = 0; c < 3; c++) {
		double v = 0;
		for (int k = 6; k >= 0; k--)
			v = v * t + viridis_poly[c][k];
		v = v < 0 ? 0 : v > 1 ? 1 : v;
		rgb[c] = (uint8_t)lround(v * 255.0);
	}
}

static int compare_floats(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static int usable(const float *depth, const float *conf, size_t i, float conf_min)
{
	return conf[i] > conf_min && isfinite(depth[i]) && depth[i] > 0;
}

int sgs_depth_range(const float *depth, const float *conf, size_t n, float conf_min,
		    float *lo, float *hi)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		m += usable(depth, conf, i, conf_min);
	if (m == 0)
		return 1;
	float *v = malloc(m * sizeof *v);
	if (!v)
		return sgs_error_set("out of memory");
	m = 0;
	for (size_t i = 0; i < n; i++)
		if (usable(depth, conf, i, conf_min))
			v[m++] = depth[i];
	qsort(v, m, sizeof *v, compare_floats);
	*lo = v[(size_t)floor(SGS_PREVIEW_LO_PCT / 100.0 * (double)(m - 1) + 0.5)];
	*hi = v[(size_t)floor(SGS_PREVIEW_HI_PCT / 100.0 * (double)(m - 1) + 0.5)];
	free(v);
	return 0;
}

int sgs_depth_colorize(const float *depth, const float *conf, uint32_t w, uint32_t h,
		       float conf_min, struct sgs_image *out)
{
	size_t n = (size_t)w * h;
	float lo = 0, hi = 0;
	int rc = sgs_depth_range(depth, conf, n, conf_min, &lo, &hi), have = rc == 0;
	if (rc < 0)
		return -1;
	if (sgs_image_alloc(out, w, h, 3, 8) != 0)
		return -1;
	uint8_t *px = out->data;
	/* A flat map (hi == lo) shows as the near colour. */
	double span = hi > lo ? (double)hi - lo : 1.0;
	for (size_t i = 0; i < n; i++) {
		if (have && usable(depth, conf, i, conf_min))
			sgs_viridis(1.0 - ((double)depth[i] - lo) / span, px + 3 * i);
		else
			px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = 0;
	}
	return 0;
}

int sgs_conf_image(const float *conf, uint32_t w, uint32_t h, struct sgs_image *out)
{
	if (sgs_image_alloc(out, w, h, 1, 8) != 0)
		return -1;
	uint8_t *px = out->data;
	for (size_t i = 0; i < (size_t)w * h; i++) {
		float c = conf[i] > 0 ? (conf[i] < 1 ? conf[i] : 1) : 0;
		px[i] = (uint8_t)lrintf(c * 255.f);
	}
	return 0;
}
