/* In-memory images and their file codecs (libpng, libjpeg-turbo, libtiff). */
#ifndef SGS_IMAGE_H
#define SGS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Interleaved pixels, row-major, top row first.  bits is 8 (uint8_t
 * samples) or 16 (uint16_t samples in host byte order). */
struct sgs_image {
	uint32_t w, h, c; /* c: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
	uint32_t bits;
	void *data;
};

/* The largest image the decoders accept, checked on the header's size
 * before anything is allocated: 1 GiB of decoded samples (a 100-megapixel
 * 8-bit RGB photo is 300 MB). */
#define SGS_IMAGE_MAX_BYTES ((uint64_t)1 << 30)
/* 0, or -1 with "a WxHxC image is over the limit of 1024 MiB". */
int sgs_image_check_size(uint64_t w, uint64_t h, uint64_t c, uint32_t sample_bytes);

int sgs_image_alloc(struct sgs_image *img, uint32_t w, uint32_t h, uint32_t c, uint32_t bits);
void sgs_image_free(struct sgs_image *img);
size_t sgs_image_bytes(const struct sgs_image *img);

/* PNG of any colour type / depth: palette expanded, 1..8-bit → 8-bit,
 * 16-bit kept as 16-bit; c and bits tell what was read. */
int sgs_png_read(const char *path, struct sgs_image *img);
int sgs_png_write(const char *path, const struct sgs_image *img);
/* JPEG (baseline/progressive), decoded to 8-bit gray or RGB. */
int sgs_jpeg_read(const char *path, struct sgs_image *img);
/* PNG or JPEG, chosen by the file's signature bytes, not its name. */
int sgs_image_read(const char *path, struct sgs_image *img);

/* Convert to 8-bit with exactly `c` channels (3 or 4, or 1): gray is
 * replicated, a missing alpha becomes opaque, 16-bit is rounded. */
int sgs_image_to_u8(const struct sgs_image *src, uint32_t c, struct sgs_image *dst);

/* Float32 images (depth maps, error maps): TIFF with SAMPLEFORMAT_IEEEFP,
 * one or more channels interleaved. */
int sgs_tiff_read_float(const char *path, uint32_t *w, uint32_t *h, uint32_t *c, float **data);
int sgs_tiff_write_float(const char *path, uint32_t w, uint32_t h, uint32_t c, const float *data);

/* Depth as 16-bit gray PNG: value = round(depth * scale), 0 = no depth. */
int sgs_depth_png16_read(const char *path, float scale, uint32_t *w, uint32_t *h, float **depth);
int sgs_depth_png16_write(const char *path, float scale, uint32_t w, uint32_t h, const float *depth);

/* Box-filter downscale of an 8-bit image by an integer factor (w and h are
 * truncated to multiples of f as LLFF/3DGS do). */
int sgs_image_downscale(const struct sgs_image *src, uint32_t f, struct sgs_image *dst);

#endif
