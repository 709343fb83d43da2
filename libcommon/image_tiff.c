/* Float32 TIFF (depth maps) through libtiff, and 16-bit PNG depth. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_output.h"

/* libtiff reports through global handlers; keep the last message so that
 * ours can include it, and never print. */
static _Thread_local char tiff_msg[256];

static void on_tiff_error(const char *module, const char *fmt, va_list ap)
{
	(void)module;
	vsnprintf(tiff_msg, sizeof tiff_msg, fmt, ap);
}

static void quiet_tiff(void)
{
	TIFFSetErrorHandler(on_tiff_error);
	TIFFSetWarningHandler(NULL);
	tiff_msg[0] = '\0';
}

int sgs_tiff_read_float(const char *path, uint32_t *w, uint32_t *h, uint32_t *c, float **data)
{
	uint16_t spp = 1, bps = 0, fmt = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG;
	uint32_t width = 0, height = 0;
	quiet_tiff();
	*data = NULL;
	TIFF *t = TIFFOpen(path, "r");
	if (!t)
		return sgs_error_set("%s: cannot open TIFF%s%s", path, tiff_msg[0] ? ": " : "", tiff_msg);
	TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &width);
	TIFFGetField(t, TIFFTAG_IMAGELENGTH, &height);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &fmt);
	TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar);
	if (fmt != SAMPLEFORMAT_IEEEFP || bps != 32) {
		TIFFClose(t);
		return sgs_error_set("%s: expected 32-bit float samples, found %u-bit %s", path, bps,
				     fmt == SAMPLEFORMAT_IEEEFP ? "float" : "integer");
	}
	if (planar != PLANARCONFIG_CONTIG && spp > 1) {
		TIFFClose(t);
		return sgs_error_set("%s: planar (separate) TIFF is not supported", path);
	}
	if (width == 0 || height == 0 || spp == 0) {
		TIFFClose(t);
		return sgs_error_set("%s: bad TIFF size %ux%ux%u", path, width, height, spp);
	}
	if (sgs_image_check_size(width, height, spp, sizeof(float)) != 0) {
		TIFFClose(t);
		return sgs_error_prefix("%s", path);
	}
	float *buf = malloc((size_t)width * height * spp * sizeof *buf);
	if (!buf) {
		TIFFClose(t);
		return sgs_error_set("%s: out of memory", path);
	}
	size_t row_bytes = (size_t)width * spp * sizeof *buf;
	if ((size_t)TIFFScanlineSize(t) != row_bytes) {
		free(buf);
		TIFFClose(t);
		return sgs_error_set("%s: unexpected TIFF scanline size", path);
	}
	for (uint32_t y = 0; y < height; y++) {
		if (TIFFReadScanline(t, (char *)buf + y * row_bytes, y, 0) < 0) {
			free(buf);
			TIFFClose(t);
			return sgs_error_set("%s: cannot read row %u: %s", path, y, tiff_msg);
		}
	}
	TIFFClose(t);
	*w = width;
	*h = height;
	*c = spp;
	*data = buf;
	return 0;
}

int sgs_tiff_write_float(const char *path, uint32_t w, uint32_t h, uint32_t c, const float *data)
{
	struct sgs_output out;
	quiet_tiff();
	/* A temporary file renamed on success; libtiff gets its own
	 * descriptor because TIFFClose closes it. */
	if (sgs_output_open(&out, path) != 0)
		return -1;
	int fd = dup(fileno(out.f));
	TIFF *t = fd >= 0 ? TIFFFdOpen(fd, path, "w") : NULL;
	if (!t) {
		if (fd >= 0)
			close(fd);
		sgs_output_abort(&out);
		return sgs_error_set("%s: cannot create TIFF%s%s", path, tiff_msg[0] ? ": " : "", tiff_msg);
	}
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)c);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 32);
	TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, c >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
	TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
	TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_FLOATINGPOINT);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(t, 0));
	if (c == 2 || c > 3) {
		uint16_t extra = EXTRASAMPLE_UNSPECIFIED;
		TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &extra);
	}
	size_t row = (size_t)w * c;
	float *tmp = malloc(row * sizeof *tmp); /* libtiff may modify the buffer */
	if (!tmp) {
		TIFFClose(t);
		sgs_output_abort(&out);
		return sgs_error_set("%s: out of memory", path);
	}
	for (uint32_t y = 0; y < h; y++) {
		memcpy(tmp, data + y * row, row * sizeof *tmp);
		if (TIFFWriteScanline(t, tmp, y, 0) < 0) {
			free(tmp);
			TIFFClose(t);
			sgs_output_abort(&out);
			return sgs_error_set("%s: cannot write TIFF: %s", path, tiff_msg);
		}
	}
	free(tmp);
	if (!TIFFFlush(t)) {
		TIFFClose(t);
		sgs_output_abort(&out);
		return sgs_error_set("%s: write error", path);
	}
	TIFFClose(t);
	return sgs_output_commit(&out);
}

int sgs_depth_png16_read(const char *path, float scale, uint32_t *w, uint32_t *h, float **depth)
{
	struct sgs_image img;
	*depth = NULL;
	if (!(scale > 0))
		return sgs_error_set("%s: depth scale must be positive", path);
	if (sgs_png_read(path, &img) != 0)
		return -1;
	if (img.bits != 16 || img.c != 1) {
		uint32_t c = img.c, b = img.bits;
		sgs_image_free(&img);
		return sgs_error_set("%s: a depth PNG must be 16-bit gray, found %u-bit with %u channels", path, b, c);
	}
	size_t n = (size_t)img.w * img.h;
	float *d = malloc(n * sizeof *d);
	if (!d) {
		sgs_image_free(&img);
		return sgs_error_set("%s: out of memory", path);
	}
	const uint16_t *v = img.data;
	for (size_t i = 0; i < n; i++)
		d[i] = v[i] / scale;
	*w = img.w;
	*h = img.h;
	*depth = d;
	sgs_image_free(&img);
	return 0;
}

int sgs_depth_png16_write(const char *path, float scale, uint32_t w, uint32_t h, const float *depth)
{
	struct sgs_image img;
	if (!(scale > 0))
		return sgs_error_set("%s: depth scale must be positive", path);
	if (sgs_image_alloc(&img, w, h, 1, 16) != 0)
		return sgs_error_prefix("%s", path);
	uint16_t *v = img.data;
	for (size_t i = 0; i < (size_t)w * h; i++) {
		float q = depth[i] * scale;
		/* 0 means "no depth": negative, NaN and non-finite all map there. */
		v[i] = (uint16_t)(isfinite(q) && q > 0 ? (q > 65535.f ? 65535.f : roundf(q)) : 0);
	}
	int rc = sgs_png_write(path, &img);
	sgs_image_free(&img);
	return rc;
}
