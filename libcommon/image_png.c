/* PNG read/write through libpng (8- and 16-bit, gray/GA/RGB/RGBA). */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_output.h"
#include "sgs_stream.h"

struct png_err {
	const char *path;
	char msg[256];
};

static void on_png_error(png_structp png, png_const_charp msg)
{
	struct png_err *e = png_get_error_ptr(png);
	snprintf(e->msg, sizeof e->msg, "%s", msg);
	png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg; /* warnings (e.g. iCCP profiles) are not worth failing for */
}

/* The header's size against what the file can hold, before anything is
 * allocated for it: deflate compresses by at most 1032:1, and the
 * filtered rows (a filter byte each) are what it compresses. */
static int check_header_size(png_structp png, png_infop info, FILE *f)
{
	uint64_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	uint64_t ch = png_get_channels(png, info), depth = png_get_bit_depth(png, info);
	int64_t left = sgs_stream_left(f);
	uint64_t raw = h * (1 + (w * ch * depth + 7) / 8);
	if (left >= 0 && raw > 1032 * ((uint64_t)left + 64))
		return sgs_error_set("the header's %llux%llu image cannot fit in the %lld bytes that "
				     "follow it (truncated or corrupt)",
				     (unsigned long long)w, (unsigned long long)h, (long long)left);
	return 0;
}

int sgs_png_read(const char *path, struct sgs_image *img)
{
	struct png_err err = {path, ""};
	png_structp png = NULL;
	png_infop info = NULL;
	png_bytep *volatile rows = NULL;
	unsigned char sig[8];
	FILE *f = fopen(path, "rb");

	memset(img, 0, sizeof *img);
	if (!f)
		return sgs_error_set("%s: %s", path, strerror(errno));
	if (fread(sig, 1, 8, f) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
		fclose(f);
		return sgs_error_set("%s: not a PNG file", path);
	}
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, on_png_error, on_png_warning);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		fclose(f);
		return sgs_error_set("%s: out of memory", path);
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, NULL);
		free(rows);
		sgs_image_free(img);
		fclose(f);
		return sgs_error_set("%s: bad PNG: %s", path, err.msg);
	}
	png_init_io(png, f);
	png_set_sig_bytes(png, 8);
	png_read_info(png, info);

	int type = png_get_color_type(png, info);
	int depth = png_get_bit_depth(png, info);
	if (check_header_size(png, info, f) != 0) {
		png_destroy_read_struct(&png, &info, NULL);
		fclose(f);
		return sgs_error_prefix("%s", path);
	}
	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	if (png_get_valid(png, info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(png);
	if (depth == 16)
		png_set_swap(png); /* PNG is big-endian; we keep host order (little) */
	png_set_interlace_handling(png);
	png_read_update_info(png, info);

	uint32_t w = png_get_image_width(png, info);
	uint32_t h = png_get_image_height(png, info);
	uint32_t c = png_get_channels(png, info);
	uint32_t bits = png_get_bit_depth(png, info);
	if (sgs_image_check_size(w, h, c, bits / 8) != 0 || sgs_image_alloc(img, w, h, c, bits) != 0) {
		png_destroy_read_struct(&png, &info, NULL);
		fclose(f);
		return sgs_error_prefix("%s", path);
	}
	rows = malloc(sizeof *rows * h);
	if (!rows)
		png_error(png, "out of memory");
	size_t stride = (size_t)w * c * (bits / 8);
	for (uint32_t y = 0; y < h; y++)
		rows[y] = (png_bytep)img->data + y * stride;
	png_read_image(png, rows);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	free(rows);
	fclose(f);
	return 0;
}

int sgs_png_write(const char *path, const struct sgs_image *img)
{
	static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
				     PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
	struct png_err err = {path, ""};
	png_structp png;
	png_infop info;
	png_bytep *volatile rows = NULL;
	struct sgs_output out;

	if (img->c < 1 || img->c > 4 || (img->bits != 8 && img->bits != 16) || !img->data)
		return sgs_error_set("%s: cannot write a %u-channel %u-bit image as PNG", path, img->c, img->bits);
	/* Written under a temporary name and renamed: no half-written PNG
	 * is ever seen under the final name. */
	if (sgs_output_open(&out, path) != 0)
		return -1;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_png_error, on_png_warning);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		sgs_output_abort(&out);
		return sgs_error_set("%s: out of memory", path);
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(rows);
		sgs_output_abort(&out);
		return sgs_error_set("%s: cannot write PNG: %s", path, err.msg);
	}
	png_init_io(png, out.f);
	/* Fast zlib level: renders are written every frame. */
	png_set_compression_level(png, 3);
	png_set_IHDR(png, info, img->w, img->h, (int)img->bits, types[img->c], PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	if (img->bits == 16)
		png_set_swap(png);
	rows = malloc(sizeof *rows * img->h);
	if (!rows)
		png_error(png, "out of memory");
	size_t stride = (size_t)img->w * img->c * (img->bits / 8);
	for (uint32_t y = 0; y < img->h; y++)
		rows[y] = (png_bytep)img->data + y * stride;
	png_write_image(png, rows);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(rows);
	return sgs_output_commit(&out);
}
