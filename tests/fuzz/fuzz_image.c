/* The image wrappers: PNG and JPEG by signature (sgs_image_read), float
 * TIFF depth maps and 16-bit PNG depth, all from the same file. */
#include <stdlib.h>

#include "fuzzlib.h"
#include "sgs_error.h"
#include "sgs_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write("in.img", data, size);
	struct sgs_image im, u8;
	uint32_t w, h, c;
	float *f;
	if (fz_note("sgs_image_read", sgs_image_read(path, &im)) == 0) {
		FZ_ASSERT(im.w > 0 && im.h > 0 && im.c >= 1 && im.c <= 4 && im.data);
		/* what the importers do next */
		if (sgs_image_to_u8(&im, 3, &u8) == 0)
			sgs_image_free(&u8);
		sgs_image_free(&im);
	}
	if (fz_note("sgs_tiff_read_float", sgs_tiff_read_float(path, &w, &h, &c, &f)) == 0) {
		FZ_ASSERT(w > 0 && h > 0 && c > 0 && f);
		volatile float last = f[(size_t)w * h * c - 1];
		(void)last;
		free(f);
	}
	if (fz_note("sgs_depth_png16_read", sgs_depth_png16_read(path, 1000.0f, &w, &h, &f)) == 0) {
		FZ_ASSERT(w > 0 && h > 0 && f);
		free(f);
	}
	sgs_error_clear();
	return 0;
}
