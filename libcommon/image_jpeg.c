/* JPEG decoding through libjpeg(-turbo); errors longjmp back to us instead
 * of libjpeg's default exit(). */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "sgs_error.h"
#include "sgs_image.h"

struct jpeg_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

static void on_jpeg_error(j_common_ptr cinfo)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;
	(*cinfo->err->format_message)(cinfo, e->msg);
	longjmp(e->jump, 1);
}

/* Corrupt-data warnings: decode what we can, like other readers; but
 * image data that ends early is an error, not an image padded with grey
 * (which a lying header could make as large as the size limit): the file
 * ending, or a marker where the scan's data should go on (libFuzzer: 269
 * bytes, an EOI after a few bytes of scan, decoded to 255x55551 pixels). */
static void on_jpeg_message(j_common_ptr cinfo, int level)
{
	if (level < 0 && (cinfo->err->msg_code == JWRN_JPEG_EOF ||
			  cinfo->err->msg_code == JWRN_HIT_MARKER))
		on_jpeg_error(cinfo);
}

int sgs_jpeg_read(const char *path, struct sgs_image *img)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_err err;
	FILE *f = fopen(path, "rb");

	memset(img, 0, sizeof *img);
	if (!f)
		return sgs_error_set("%s: %s", path, strerror(errno));
	cinfo.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = on_jpeg_error;
	err.mgr.emit_message = on_jpeg_message;
	if (setjmp(err.jump)) {
		jpeg_destroy_decompress(&cinfo);
		sgs_image_free(img);
		fclose(f);
		return sgs_error_set("%s: bad JPEG: %s", path, err.msg);
	}
	jpeg_create_decompress(&cinfo);
	/* Progressive files keep every coefficient (2 bytes a sample) in
	 * memory; beyond this libjpeg fails instead of allocating. */
	cinfo.mem->max_memory_to_use = (long)(2 * SGS_IMAGE_MAX_BYTES);
	jpeg_stdio_src(&cinfo, f);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
	if (sgs_image_check_size(cinfo.image_width, cinfo.image_height,
				 cinfo.num_components == 1 ? 1 : 3, 1) != 0) {
		jpeg_destroy_decompress(&cinfo);
		fclose(f);
		return sgs_error_prefix("%s", path);
	}
	jpeg_start_decompress(&cinfo);
	if (sgs_image_alloc(img, cinfo.output_width, cinfo.output_height,
			    (uint32_t)cinfo.output_components, 8) != 0) {
		jpeg_destroy_decompress(&cinfo);
		fclose(f);
		return sgs_error_prefix("%s", path);
	}
	size_t stride = (size_t)img->w * img->c;
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = (JSAMPROW)img->data + cinfo.output_scanline * stride;
		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	fclose(f);
	return 0;
}

int sgs_image_read(const char *path, struct sgs_image *img)
{
	unsigned char sig[8] = {0};
	FILE *f = fopen(path, "rb");
	memset(img, 0, sizeof *img);
	if (!f)
		return sgs_error_set("%s: %s", path, strerror(errno));
	size_t n = fread(sig, 1, sizeof sig, f);
	fclose(f);
	if (n >= 8 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0)
		return sgs_png_read(path, img);
	if (n >= 3 && sig[0] == 0xff && sig[1] == 0xd8 && sig[2] == 0xff)
		return sgs_jpeg_read(path, img);
	return sgs_error_set("%s: not a PNG or JPEG image", path);
}
