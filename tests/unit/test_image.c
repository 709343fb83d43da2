/* Image codecs: PNG 8/16-bit round trips for every channel count, JPEG
 * decoding of a file encoded here with libjpeg, float TIFF and 16-bit PNG
 * depth round trips, conversions and downscaling. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>

#include "sgs_error.h"
#include "sgs_image.h"
#include "tap.h"

static char dir[] = "/tmp/sgs-test-image.XXXXXX";

static const char *tmp(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static void fill(struct sgs_image *img, unsigned seed)
{
	size_t n = (size_t)img->w * img->h * img->c;
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		if (img->bits == 8)
			((uint8_t *)img->data)[i] = (uint8_t)(seed >> 16);
		else
			((uint16_t *)img->data)[i] = (uint16_t)(seed >> 8);
	}
}

static void png_round_trips(void)
{
	for (uint32_t bits = 8; bits <= 16; bits += 8)
		for (uint32_t c = 1; c <= 4; c++) {
			struct sgs_image a, b;
			sgs_image_alloc(&a, 37, 23, c, bits);
			fill(&a, c * bits);
			int wr = sgs_png_write(tmp("a.png"), &a);
			int rd = sgs_png_read(tmp("a.png"), &b);
			ok(wr == 0 && rd == 0 && b.w == 37 && b.h == 23 && b.c == c && b.bits == bits &&
				   memcmp(a.data, b.data, sgs_image_bytes(&a)) == 0,
			   "PNG %u-bit %u-channel round trip is exact", bits, c);
			sgs_image_free(&a);
			sgs_image_free(&b);
		}
}

static int write_jpeg(const char *path, const struct sgs_image *img)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, f);
	c.image_width = img->w;
	c.image_height = img->h;
	c.input_components = (int)img->c;
	c.in_color_space = img->c == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 98, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)img->data + (size_t)c.next_scanline * img->w * img->c;
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	return fclose(f);
}

static void jpeg_decoding(void)
{
	struct sgs_image a, b;
	sgs_image_alloc(&a, 64, 48, 3, 8);
	/* A smooth gradient survives JPEG almost exactly. */
	for (uint32_t y = 0; y < 48; y++)
		for (uint32_t x = 0; x < 64; x++) {
			uint8_t *p = (uint8_t *)a.data + (y * 64 + x) * 3;
			p[0] = (uint8_t)(x * 4);
			p[1] = (uint8_t)(y * 5);
			p[2] = 128;
		}
	write_jpeg(tmp("a.jpg"), &a);
	int rc = sgs_image_read(tmp("a.jpg"), &b);
	double maxerr = 0;
	if (rc == 0)
		for (size_t i = 0; i < sgs_image_bytes(&a); i++)
			maxerr = fmax(maxerr, fabs((double)((uint8_t *)a.data)[i] - ((uint8_t *)b.data)[i]));
	ok(rc == 0 && b.w == 64 && b.h == 48 && b.c == 3 && maxerr <= 8,
	   "JPEG decoded by signature with max error %.0f <= 8", maxerr);
	sgs_image_free(&b);

	FILE *f = fopen(tmp("a.jpg"), "r+b");
	fseek(f, 200, SEEK_SET);
	ftruncate(fileno(f), 300);
	fclose(f);
	rc = sgs_image_read(tmp("a.jpg"), &b);
	ok(rc == 0 || strstr(sgs_error_get(), "a.jpg") != NULL,
	   "truncated JPEG does not crash (%s)", rc ? sgs_error_get() : "decoded partially");
	sgs_image_free(&b);

	/* The scan cut short by the end-of-image marker: refused, not decoded
	 * as grey (libFuzzer found a 269-byte file decoding to 255x55551). */
	write_jpeg(tmp("a.jpg"), &a);
	f = fopen(tmp("a.jpg"), "r+b");
	fseek(f, 0, SEEK_END);
	long len = ftell(f), sos = -1;
	uint8_t *bytes = malloc((size_t)len);
	fseek(f, 0, SEEK_SET);
	if (bytes && fread(bytes, 1, (size_t)len, f) == (size_t)len)
		for (long i = 0; i + 1 < len && sos < 0; i++)
			if (bytes[i] == 0xff && bytes[i + 1] == 0xda)
				sos = i;
	free(bytes);
	/* 40 bytes into the scan (its header is 14): EOI, and the file ends */
	fseek(f, sos + 40, SEEK_SET);
	fputc(0xff, f);
	fputc(0xd9, f);
	ftruncate(fileno(f), sos + 42);
	fclose(f);
	rc = sgs_image_read(tmp("a.jpg"), &b);
	ok(sos > 0 && rc != 0 && strstr(sgs_error_get(), "a.jpg: bad JPEG") != NULL,
	   "JPEG whose scan ends at a marker refused: %s", rc ? sgs_error_get() : "decoded");
	sgs_image_free(&b);

	f = fopen(tmp("junk.png"), "wb");
	fputs("GIF89a not really", f);
	fclose(f);
	rc = sgs_image_read(tmp("junk.png"), &b);
	ok(rc != 0 && strstr(sgs_error_get(), "junk.png: not a PNG or JPEG") != NULL,
	   "unknown signature refused: %s", sgs_error_get());
	rc = sgs_png_read(tmp("missing.png"), &b);
	ok(rc != 0 && strstr(sgs_error_get(), "missing.png") != NULL, "missing file named: %s",
	   sgs_error_get());
	sgs_image_free(&a);
}

static void truncated_png(void)
{
	struct sgs_image a, b;
	sgs_image_alloc(&a, 40, 40, 3, 8);
	fill(&a, 7);
	sgs_png_write(tmp("t.png"), &a);
	truncate(tmp("t.png"), 100);
	int rc = sgs_png_read(tmp("t.png"), &b);
	ok(rc != 0 && strstr(sgs_error_get(), "t.png") != NULL, "truncated PNG refused: %s",
	   sgs_error_get());
	sgs_image_free(&a);
}

static void tiff_and_depth(void)
{
	uint32_t w = 19, h = 11, c = 1;
	float *d = malloc(sizeof *d * w * h * 3), *r = NULL;
	for (uint32_t i = 0; i < w * h * 3; i++)
		d[i] = 0.001f * (float)i * (float)i - 3.25f;
	for (c = 1; c <= 3; c += 2) {
		uint32_t rw, rh, rc_;
		int wr = sgs_tiff_write_float(tmp("d.tiff"), w, h, c, d);
		int rd = sgs_tiff_read_float(tmp("d.tiff"), &rw, &rh, &rc_, &r);
		ok(wr == 0 && rd == 0 && rw == w && rh == h && rc_ == c &&
			   memcmp(d, r, sizeof *d * w * h * c) == 0,
		   "float TIFF %u-channel round trip is exact", c);
		free(r);
	}
	/* 16-bit PNG depth: quantised to 1/scale. */
	for (uint32_t i = 0; i < w * h; i++)
		d[i] = 0.5f + 0.01f * (float)i;
	d[3] = 0.f;
	uint32_t rw, rh;
	int wr = sgs_depth_png16_write(tmp("d.png"), 1000.f, w, h, d);
	int rd = sgs_depth_png16_read(tmp("d.png"), 1000.f, &rw, &rh, &r);
	double maxerr = 0;
	if (rd == 0)
		for (uint32_t i = 0; i < w * h; i++)
			maxerr = fmax(maxerr, fabs(d[i] - r[i]));
	ok(wr == 0 && rd == 0 && maxerr <= 0.5e-3 + 1e-6 && r[3] == 0.f,
	   "16-bit PNG depth round trip within half a quantum (%.2g)", maxerr);
	free(r);
	struct sgs_image a;
	sgs_image_alloc(&a, 4, 4, 3, 8);
	sgs_png_write(tmp("rgb.png"), &a);
	ok(sgs_depth_png16_read(tmp("rgb.png"), 1000.f, &rw, &rh, &r) != 0 &&
		   strstr(sgs_error_get(), "16-bit gray") != NULL,
	   "8-bit RGB PNG refused as depth: %s", sgs_error_get());
	ok(sgs_tiff_read_float(tmp("rgb.png"), &rw, &rh, &c, &r) != 0 &&
		   strstr(sgs_error_get(), "rgb.png") != NULL,
	   "PNG refused as TIFF: %s", sgs_error_get());
	sgs_image_free(&a);
	free(d);
}

static void conversions(void)
{
	struct sgs_image g, rgba, d;
	sgs_image_alloc(&g, 4, 2, 2, 16);
	uint16_t *p = g.data;
	for (int i = 0; i < 8; i++) {
		p[2 * i] = (uint16_t)(i * 9000);
		p[2 * i + 1] = 65535;
	}
	sgs_image_to_u8(&g, 4, &rgba);
	uint8_t *q = rgba.data;
	ok(q[4 * 3 + 0] == (27000 * 255 + 32767) / 65535 && q[4 * 3 + 1] == q[4 * 3 + 0] && q[4 * 3 + 3] == 255,
	   "16-bit gray+alpha widens to RGBA with rounding (%u)", q[12]);
	sgs_image_free(&g);
	sgs_image_free(&rgba);

	struct sgs_image a;
	sgs_image_alloc(&a, 5, 4, 1, 8);
	for (int i = 0; i < 20; i++)
		((uint8_t *)a.data)[i] = (uint8_t)(i * 10);
	sgs_image_downscale(&a, 2, &d);
	q = d.data;
	/* The top-left 2×2 block holds 0, 10, 50, 60: mean 30; the fifth column is dropped. */
	ok(d.w == 2 && d.h == 2 && q[0] == 30 && q[1] == 50 && q[2] == 130,
	   "box downscale by 2 averages 2x2 blocks (%u %u %u)", q[0], q[1], q[2]);
	sgs_image_free(&a);
	sgs_image_free(&d);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	png_round_trips();
	jpeg_decoding();
	truncated_png();
	tiff_and_depth();
	conversions();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return tap_done();
}
