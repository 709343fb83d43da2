/* Image buffers and the 8-bit / 16-bit helpers that do not depend on a codec. */
#include "sgs_image.h"

#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"

size_t sgs_image_bytes(const struct sgs_image *img)
{
	return (size_t)img->w * img->h * img->c * (img->bits / 8);
}

int sgs_image_check_size(uint64_t w, uint64_t h, uint64_t c, uint32_t sample_bytes)
{
	/* each factor is below 2^32: the products cannot wrap before the test */
	if (w == 0 || h == 0 || c == 0)
		return sgs_error_set("empty %llux%llu image", (unsigned long long)w,
				     (unsigned long long)h);
	if (w * h > SGS_IMAGE_MAX_BYTES || w * h * c * sample_bytes > SGS_IMAGE_MAX_BYTES)
		return sgs_error_set("a %llux%llux%llu image is over the limit of %llu MiB",
				     (unsigned long long)w, (unsigned long long)h, (unsigned long long)c,
				     (unsigned long long)(SGS_IMAGE_MAX_BYTES >> 20));
	return 0;
}

int sgs_image_alloc(struct sgs_image *img, uint32_t w, uint32_t h, uint32_t c, uint32_t bits)
{
	memset(img, 0, sizeof *img);
	if (w == 0 || h == 0 || c < 1 || c > 4 || (bits != 8 && bits != 16))
		return sgs_error_set("bad image shape %ux%ux%u (%u-bit)", w, h, c, bits);
	/* Refuse sizes whose byte count would not fit comfortably. */
	if ((uint64_t)w * h * c * (bits / 8) > ((uint64_t)1 << 34))
		return sgs_error_set("image %ux%u is too large", w, h);
	img->w = w;
	img->h = h;
	img->c = c;
	img->bits = bits;
	img->data = calloc(sgs_image_bytes(img), 1);
	if (!img->data)
		return sgs_error_set("out of memory for a %ux%u image", w, h);
	return 0;
}

void sgs_image_free(struct sgs_image *img)
{
	free(img->data);
	memset(img, 0, sizeof *img);
}

static unsigned sample(const struct sgs_image *img, size_t i)
{
	if (img->bits == 16)
		return (((const uint16_t *)img->data)[i] * 255u + 32767u) / 65535u;
	return ((const uint8_t *)img->data)[i];
}

int sgs_image_to_u8(const struct sgs_image *src, uint32_t c, struct sgs_image *dst)
{
	if (c != 1 && c != 3 && c != 4)
		return sgs_error_set("cannot convert to %u channels", c);
	if (sgs_image_alloc(dst, src->w, src->h, c, 8) != 0)
		return -1;
	uint8_t *out = dst->data;
	size_t npix = (size_t)src->w * src->h;
	int has_alpha = src->c == 2 || src->c == 4;
	int gray = src->c <= 2;
	for (size_t p = 0; p < npix; p++) {
		size_t i = p * src->c;
		unsigned r = sample(src, i);
		unsigned g = gray ? r : sample(src, i + 1);
		unsigned b = gray ? r : sample(src, i + 2);
		unsigned a = has_alpha ? sample(src, i + src->c - 1) : 255;
		uint8_t *o = out + p * c;
		if (c == 1) {
			/* Rec. 601 luma, as most tools convert to gray. */
			o[0] = (uint8_t)((299 * r + 587 * g + 114 * b + 500) / 1000);
		} else {
			o[0] = (uint8_t)r;
			o[1] = (uint8_t)g;
			o[2] = (uint8_t)b;
			if (c == 4)
				o[3] = (uint8_t)a;
		}
	}
	return 0;
}

int sgs_image_downscale(const struct sgs_image *src, uint32_t f, struct sgs_image *dst)
{
	if (src->bits != 8)
		return sgs_error_set("downscale needs an 8-bit image");
	if (f == 0 || src->w / f == 0 || src->h / f == 0)
		return sgs_error_set("cannot downscale a %ux%u image by %u", src->w, src->h, f);
	uint32_t w = src->w / f, h = src->h / f, c = src->c;
	if (sgs_image_alloc(dst, w, h, c, 8) != 0)
		return -1;
	const uint8_t *in = src->data;
	uint8_t *out = dst->data;
	uint32_t area = f * f;
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			for (uint32_t k = 0; k < c; k++) {
				uint32_t sum = 0;
				for (uint32_t dy = 0; dy < f; dy++) {
					const uint8_t *row = in + ((size_t)(y * f + dy) * src->w + x * f) * c + k;
					for (uint32_t dx = 0; dx < f; dx++)
						sum += row[dx * c];
				}
				out[((size_t)y * w + x) * c + k] = (uint8_t)((sum + area / 2) / area);
			}
	return 0;
}
