/* Sizes read from headers are refused before anything is allocated for
 * them: a chunk, a scene plane, a splat's vertex count, PNG, JPEG and
 * TIFF dimensions, an .npz member's size; in a regular file against what
 * the file holds, in a pipe by failing where the data ends (the buffers
 * grow with it), everywhere against the readers' hard limits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <tiffio.h>
#include <zip.h>
#include <zlib.h>

#include "sgs_chunk.h"
#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_npy.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "tap.h"

static char dir[] = "/tmp/sgs-test-limits.XXXXXX";

static const char *tmp(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static int has(const char *part) { return strstr(sgs_error_get(), part) != NULL; }

static void put_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		abort();
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * (3 - i));
}

/* ---- chunks and scenes ---- */

/* A scene header, HEAD, VIEW of a 16384x16384 camera, then an IMAG chunk
 * header for its RGBA plane (1 GiB + 16) followed by 64 bytes only. */
static size_t big_plane_scene(uint8_t *b)
{
	memset(b, 0, 512);
	memcpy(b, "SGSC\1\0\0\0", 8);
	uint8_t *p = b + 8;
	memcpy(p, "HEAD\1\0\0\0", 8), le64(p + 8, 88);
	memcpy(p + 16, "synthetic", 9);
	le32(p + 16 + 76, 1);
	p += 16 + 88;
	memcpy(p, "VIEW\1\0\0\0", 8), le64(p + 8, 224);
	uint8_t *v = p + 16;
	memcpy(v + 4, "v0", 2);
	le32(v + 72, 1), le32(v + 76, 16384), le32(v + 80, 16384);
	p += 16 + 224;
	uint64_t plane = (uint64_t)16384 * 16384 * 4;
	memcpy(p, "IMAG\1\0\0\0", 8), le64(p + 8, 16 + plane);
	le32(p + 16 + 4, 16384), le32(p + 16 + 8, 16384), le32(p + 16 + 12, 4);
	return (size_t)(p + 16 + 16 + 64 - b);
}

static void test_chunks(void)
{
	uint8_t b[512];
	size_t n = big_plane_scene(b);
	struct sgs_scene s;
	put_file(tmp("big.sgs"), b, n);
	ok(sgs_scene_load(tmp("big.sgs"), &s) != 0 &&
	   has("big.sgs: 'IMAG' chunk at offset 352: truncated: its 1073741840-byte payload runs "
	       "past the end of the file (80 bytes left)"),
	   "a file: a plane longer than the file is refused at its chunk header: %s",
	   sgs_error_get());
	FILE *f = fmemopen(b, n, "rb");
	ok(sgs_scene_read(f, "pipe", &s) != 0 &&
	   has("pipe: truncated: stream ends at offset 448 inside the 'IMAG' chunk payload"),
	   "a pipe: the same plane fails where the data ends (%s)", sgs_error_get());
	fclose(f);

	/* A view count that the rest of the file cannot hold VIEW chunks for
	 * (views are allocated as their chunks come, up to the count). */
	le32(b + 8 + 16 + 76, 1000000);
	put_file(tmp("views.sgs"), b, 8 + 16 + 88 + 16);
	ok(sgs_scene_load(tmp("views.sgs"), &s) != 0 &&
	   has("views.sgs: 'HEAD' chunk at offset 8: truncated: 1000000 views do not fit in the 16 "
	       "bytes left"),
	   "a file: a million views in 16 bytes: %s", sgs_error_get());

	/* The chunk layer alone, as checkpoints use it. */
	uint8_t c[40];
	memcpy(c, "TSTC\1\0\0\0BIG \0\0\0\0", 16);
	le64(c + 16, (uint64_t)1 << 40);
	memset(c + 24, 0, 16);
	put_file(tmp("big.tst"), c, sizeof c);
	f = fopen(tmp("big.tst"), "rb");
	struct sgs_chunk_reader r;
	sgs_chunk_reader_init(&r, f, "big.tst");
	ok(r.size == 40, "the reader knows a file's length (%lld)", (long long)r.size);
	ok(sgs_chunk_read_header(&r, "TSTC", "test", 1, NULL) == 0 && sgs_chunk_read_next(&r) < 0 &&
	   has("runs past the end of the file (16 bytes left)"),
	   "a 2^40-byte chunk in a 40-byte file: %s", sgs_error_get());
	fclose(f);
	/* A chunk that fits exactly, padding included, is fine. */
	le64(c + 16, 13);
	memcpy(c + 24 + 13, "\0\0\0", 3);
	put_file(tmp("fits.tst"), c, sizeof c);
	f = fopen(tmp("fits.tst"), "rb");
	sgs_chunk_reader_init(&r, f, "fits.tst");
	ok(sgs_chunk_read_header(&r, "TSTC", "test", 1, NULL) == 0 && sgs_chunk_read_next(&r) == 1 &&
	   r.length == 13, "a 13-byte chunk with its 3 bytes of padding fits 16 bytes");
	fclose(f);
}

/* ---- splat PLY ---- */

static void test_splat(void)
{
	static const char head[] =
		"ply\nformat binary_little_endian 1.0\nelement vertex 1000000000\n"
		"property float x\nproperty float y\nproperty float z\nproperty float f_dc_0\n"
		"property float f_dc_1\nproperty float f_dc_2\nproperty float opacity\n"
		"property float scale_0\nproperty float scale_1\nproperty float scale_2\n"
		"property float rot_0\nproperty float rot_1\nproperty float rot_2\n"
		"property float rot_3\nend_header\n";
	uint8_t b[sizeof head + 112];
	memcpy(b, head, sizeof head - 1);
	memset(b + sizeof head - 1, 0, 112); /* two vertices of 56 bytes */
	size_t n = sizeof head - 1 + 112;
	struct sgs_splats s;
	put_file(tmp("big.ply"), b, n);
	ok(sgs_splat_load(tmp("big.ply"), &s) != 0 &&
	   has("truncated: the header declares 1000000000 vertices of 56 bytes, more than the 112 "
	       "bytes left in the file"),
	   "a file: the vertex count is checked against its length: %s", sgs_error_get());
	FILE *f = fmemopen(b, n, "rb");
	ok(sgs_splat_read(f, "pipe", &s) != 0 &&
	   has("pipe: truncated: vertex data ends after 2 of 1000000000 vertices"),
	   "a pipe: arrays grow with the rows read, the read ends with them: %s", sgs_error_get());
	fclose(f);
	ok(s.n == 0 && !s.means, "and the model is left empty");
}

/* ---- images ---- */

static void png_chunk(uint8_t **p, const char *type, const uint8_t *data, uint32_t n)
{
	be32(*p, n);
	memcpy(*p + 4, type, 4);
	if (n)
		memcpy(*p + 8, data, n);
	be32(*p + 8 + n, (uint32_t)crc32(crc32(0, NULL, 0), *p + 4, 4 + n));
	*p += 12 + n;
}

static void test_png(void)
{
	/* IHDR of 60000x60000 8-bit gray, one empty IDAT, IEND: 3.6 GB of
	 * rows that no file of 57 bytes can hold at deflate's 1032:1. */
	uint8_t b[128], *p = b + 8, ihdr[13] = {0};
	memcpy(b, "\x89PNG\r\n\x1a\n", 8);
	be32(ihdr, 60000), be32(ihdr + 4, 60000);
	ihdr[8] = 8;
	png_chunk(&p, "IHDR", ihdr, 13);
	png_chunk(&p, "IDAT", (const uint8_t *)"", 0);
	png_chunk(&p, "IEND", NULL, 0);
	put_file(tmp("huge.png"), b, (size_t)(p - b));
	struct sgs_image im;
	ok(sgs_png_read(tmp("huge.png"), &im) != 0 &&
	   has("huge.png: the header's 60000x60000 image cannot fit in the"),
	   "PNG: a header larger than its file can hold: %s", sgs_error_get());
	ok(!im.data, "and nothing is left allocated");
}

/* A real 16x8 JPEG, its frame header then made to say 65000x65000. */
static void test_jpeg(void)
{
	struct jpeg_compress_struct cinfo;
	struct jpeg_error_mgr jerr;
	uint8_t row[16 * 3] = {0};
	unsigned char *mem = NULL;
	unsigned long len = 0;
	cinfo.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&cinfo);
	jpeg_mem_dest(&cinfo, &mem, &len);
	cinfo.image_width = 16, cinfo.image_height = 8;
	cinfo.input_components = 3, cinfo.in_color_space = JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_start_compress(&cinfo, TRUE);
	for (int y = 0; y < 8; y++) {
		JSAMPROW r = row;
		jpeg_write_scanlines(&cinfo, &r, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	unsigned char *sof = NULL;
	for (unsigned long i = 0; i + 9 < len && !sof; i++)
		if (mem[i] == 0xff && mem[i + 1] == 0xc0)
			sof = mem + i;
	ok(sof != NULL, "the JPEG has a baseline frame header");
	if (sof)
		sof[5] = sof[7] = 0xfd, sof[6] = sof[8] = 0xe8; /* height, width 65000 */
	put_file(tmp("huge.jpg"), mem, len);
	free(mem);
	struct sgs_image im;
	ok(sgs_jpeg_read(tmp("huge.jpg"), &im) != 0 &&
	   has("huge.jpg: a 65000x65000x3 image is over the limit of 1024 MiB"),
	   "JPEG: 65000x65000 refused from the frame header: %s", sgs_error_get());
	ok(!im.data, "and nothing is left allocated");
}

static void test_tiff(void)
{
	/* A float TIFF whose directory says 40000x40000 (6.4 GB of floats). */
	TIFF *t = TIFFOpen(tmp("huge.tiff"), "w");
	float row[4] = {0};
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 40000u);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, 40000u);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 32);
	TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 40000u);
	TIFFWriteRawStrip(t, 0, row, sizeof row);
	TIFFClose(t);
	uint32_t w, h, c;
	float *data;
	ok(sgs_tiff_read_float(tmp("huge.tiff"), &w, &h, &c, &data) != 0 &&
	   has("huge.tiff: a 40000x40000x1 image is over the limit of 1024 MiB"),
	   "TIFF: 40000x40000 floats refused before allocating: %s", sgs_error_get());
	ok(!data, "and no data is returned");
}

/* ---- npz ---- */

static void test_npz(void)
{
	/* a scalar float64 1.0: the 10-byte preamble, a 54-byte header */
	char npy[72];
	memcpy(npy, "\x93NUMPY\1\0\x36\0", 10);
	memset(npy + 10, ' ', 54);
	static const char dict[] = "{'descr': '<f8', 'fortran_order': False, 'shape': ()}";
	memcpy(npy + 10, dict, sizeof dict - 1);
	npy[63] = '\n';
	double one = 1.0;
	memcpy(npy + 64, &one, 8);
	int err;
	zip_t *z = zip_open(tmp("a.npz"), ZIP_CREATE | ZIP_TRUNCATE, &err);
	zip_source_t *src = zip_source_buffer(z, npy, sizeof npy, 0);
	zip_int64_t idx = zip_file_add(z, "x.npy", src, 0);
	zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
	zip_close(z);
	struct sgs_npy a;
	ok(sgs_npz_read(tmp("a.npz"), "x", &a) == 0 && a.ndim == 0 && a.data[0] == 1.0,
	   "a stored member reads");
	sgs_npy_free(&a);

	/* The central directory now claims 2 GB uncompressed for 72 stored
	 * bytes: refused before a buffer is made for it. */
	FILE *f = fopen(tmp("a.npz"), "r+b");
	uint8_t buf[1024];
	size_t n = fread(buf, 1, sizeof buf, f);
	uint8_t *cd = NULL;
	for (size_t i = 0; i + 4 <= n; i++)
		if (memcmp(buf + i, "PK\1\2", 4) == 0)
			cd = buf + i;
	ok(cd != NULL, "the archive has a central directory");
	if (cd) {
		le32(cd + 24, 0x7fffffff);
		fseek(f, 0, SEEK_SET);
		fwrite(buf, 1, n, f);
	}
	fclose(f);
	ok(sgs_npz_read(tmp("a.npz"), "x", &a) != 0 && has("too large or its size is corrupt"),
	   "a member size its compressed bytes cannot hold: %s", sgs_error_get());
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	test_chunks();
	test_splat();
	test_png();
	test_jpeg();
	test_tiff();
	test_npz();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
