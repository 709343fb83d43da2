/* Helpers of the fuzz harnesses; see fuzzlib.h. */
#include "fuzzlib.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>

#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_synthetic.h"

static char dir[PATH_MAX];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Only the process that made the folder removes it (fork-safe enough for
 * libFuzzer, which does not fork by default). */
static pid_t owner;
static void remove_dir(void)
{
	if (dir[0] && getpid() == owner)
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_dir(void)
{
	if (dir[0])
		return dir;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/sgs-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		abort();
	}
	owner = getpid();
	atexit(remove_dir);
	return dir;
}

char *fz_path(char *buf, const char *rel)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s/%s", fz_dir(), rel) >= PATH_MAX)
		abort();
	return buf;
}

void fz_mkparents(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			perror(p);
			abort();
		}
		*s = '/';
	}
}

const char *fz_write(const char *rel, const void *data, size_t n)
{
	static char path[PATH_MAX];
	fz_path(path, rel);
	/* The folders are made once: a mkdir per component on every run was
	 * a good part of a harness's time. */
	FILE *f = fopen(path, "wb");
	if (!f && errno == ENOENT) {
		fz_mkparents(path);
		f = fopen(path, "wb");
	}
	if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

/* fmemopen refuses a zero-sized buffer: one spare byte, not readable. */
struct memfile {
	FILE *f;
	void *copy;
};
static struct memfile open_files[8];

FILE *fz_memfile(const void *data, size_t n)
{
	void *copy = malloc(n + 1);
	if (!copy)
		abort();
	if (n)
		memcpy(copy, data, n);
	FILE *f = fmemopen(copy, n ? n : 1, "rb");
	if (!f)
		abort();
	if (n == 0)
		fgetc(f); /* at the end from the start */
	for (int i = 0; i < 8; i++)
		if (!open_files[i].f) {
			open_files[i] = (struct memfile){f, copy};
			return f;
		}
	abort();
}

void fz_close(FILE *f)
{
	for (int i = 0; i < 8; i++)
		if (open_files[i].f == f) {
			fclose(f);
			free(open_files[i].copy);
			open_files[i].f = NULL;
			return;
		}
	abort();
}

int fz_split(const uint8_t *data, size_t n, const uint8_t **part, size_t *len, int max)
{
	const size_t k = strlen(FZ_SEP);
	int np = 0;
	size_t start = 0;
	for (size_t i = 0; np < max - 1 && i + k <= n; i++)
		if (memcmp(data + i, FZ_SEP, k) == 0) {
			part[np] = data + start;
			len[np++] = i - start;
			start = i + k;
			i += k - 1;
		}
	part[np] = data + start;
	len[np++] = n - start;
	return np;
}

static uint8_t pixel(uint32_t x, uint32_t y, uint32_t k) { return (uint8_t)(x * 37 + y * 11 + k * 70); }

void fz_png(const char *path, uint32_t w, uint32_t h, uint32_t c)
{
	struct sgs_image im;
	fz_mkparents(path);
	if (sgs_image_alloc(&im, w, h, c, 8) != 0)
		abort();
	uint8_t *p = im.data;
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			for (uint32_t k = 0; k < c; k++)
				*p++ = pixel(x, y, k);
	if (sgs_png_write(path, &im) != 0) {
		fprintf(stderr, "%s\n", path);
		abort();
	}
	sgs_image_free(&im);
}

void fz_jpeg(const char *path, uint32_t w, uint32_t h, uint32_t c)
{
	struct jpeg_compress_struct cinfo;
	struct jpeg_error_mgr jerr;
	uint8_t row[3 * 64];
	fz_mkparents(path);
	FILE *f = fopen(path, "wb");
	if (!f || w > 64 || (c != 1 && c != 3))
		abort();
	cinfo.err = jpeg_std_error(&jerr); /* the default error_exit exits: fine here */
	jpeg_create_compress(&cinfo);
	jpeg_stdio_dest(&cinfo, f);
	cinfo.image_width = w;
	cinfo.image_height = h;
	cinfo.input_components = (int)c;
	cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, 90, TRUE);
	jpeg_start_compress(&cinfo, TRUE);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++)
			for (uint32_t k = 0; k < c; k++)
				row[x * c + k] = pixel(x, y, k);
		JSAMPROW r = row;
		jpeg_write_scanlines(&cinfo, &r, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	if (fclose(f) != 0)
		abort();
}

void fz_tiny_scene(struct sgs_scene *s)
{
	struct sgs_synthetic_opts o;
	sgs_synthetic_defaults(&o);
	o.width = 16;
	o.height = 12;
	o.nviews = 4;
	o.ntrain = 3;
	if (sgs_synthetic_scene(&o, s) != 0)
		abort();
}

int fz_note(const char *reader, int rc)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "  %s: %s\n", reader, rc == 0 ? "read" : sgs_error_get());
	return rc;
}
