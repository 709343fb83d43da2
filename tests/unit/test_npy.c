/* .npy parsing from hand-built buffers and .npz members built with libzip;
 * the real camera files when the data folder is present. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "sgs_error.h"
#include "sgs_npy.h"
#include "tap.h"

/* magic, version, header length (2 or 4 bytes), header, data */
static size_t make_npy(uint8_t *buf, int major, const char *header, const void *data, size_t n)
{
	size_t hl = strlen(header), off = 0;
	memcpy(buf, "\x93NUMPY", 6);
	buf[6] = (uint8_t)major;
	buf[7] = 0;
	if (major == 1) {
		buf[8] = hl & 0xff;
		buf[9] = (hl >> 8) & 0xff;
		off = 10;
	} else {
		for (int k = 0; k < 4; k++)
			buf[8 + k] = (hl >> (8 * k)) & 0xff;
		off = 12;
	}
	memcpy(buf + off, header, hl);
	memcpy(buf + off + hl, data, n);
	return off + hl + n;
}

static int has_text(const char *msg, const char *part)
{
	return strstr(msg, part) != NULL;
}

static void test_versions_and_types(void)
{
	uint8_t buf[1024];
	struct sgs_npy a;
	double d6[6] = {0, 1.5, -2, 3.25, 4e10, -5e-7};
	size_t len = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }      \n",
			      d6, sizeof d6);
	ok(sgs_npy_parse(buf, len, "v1.npy", &a) == 0, "v1 <f8 parses: %s", sgs_error_get());
	ok(a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 3 && sgs_npy_count(&a) == 6,
	   "v1 shape (2, 3)");
	ok(a.data && memcmp(a.data, d6, sizeof d6) == 0, "v1 values exact");
	sgs_npy_free(&a);

	float f3[3] = {1.5f, -2.25f, 1e-3f};
	len = make_npy(buf, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", f3,
		       sizeof f3);
	ok(sgs_npy_parse(buf, len, "v2.npy", &a) == 0 && a.ndim == 1 && a.shape[0] == 3,
	   "v2 <f4 (3,) parses");
	ok(a.data && a.data[0] == 1.5 && a.data[1] == -2.25 && a.data[2] == (double)1e-3f,
	   "f4 converted to double exactly (%g %g %g)", a.data ? a.data[0] : 0,
	   a.data ? a.data[1] : 0, a.data ? a.data[2] : 0);
	sgs_npy_free(&a);

	len = make_npy(buf, 3, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (1, 1, 2)}",
		       d6, 2 * sizeof *d6);
	ok(sgs_npy_parse(buf, len, "v3.npy", &a) == 0 && a.ndim == 3 && a.shape[2] == 2 &&
		   a.data[1] == 1.5, "v3 header, double quotes, no trailing comma");
	sgs_npy_free(&a);

	/* Fortran order: column-major storage of [[0 1 2] [3 4 5]]. */
	double fort[6] = {0, 3, 1, 4, 2, 5};
	len = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", fort,
		       sizeof fort);
	ok(sgs_npy_parse(buf, len, "f.npy", &a) == 0, "fortran_order True accepted");
	int c_order = a.data != NULL;
	for (int k = 0; c_order && k < 6; k++)
		c_order = a.data[k] == k;
	ok(c_order, "Fortran array reordered to C order");
	sgs_npy_free(&a);

	uint8_t be[8] = {0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18}; /* pi */
	len = make_npy(buf, 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (), }", be, 8);
	ok(sgs_npy_parse(buf, len, "be.npy", &a) == 0 && a.ndim == 0 && sgs_npy_count(&a) == 1 &&
		   a.data[0] == 3.141592653589793, "big-endian scalar '>f8' = pi");
	sgs_npy_free(&a);

	int32_t i4[3] = {-7, 0, 2000000000};
	len = make_npy(buf, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3L,), }", i4,
		       sizeof i4);
	ok(sgs_npy_parse(buf, len, "i4.npy", &a) == 0 && a.data[0] == -7 && a.data[2] == 2e9,
	   "<i4 with a Python 2 '3L' shape, negative values sign-extended");
	sgs_npy_free(&a);

	uint8_t u1[2] = {255, 3};
	len = make_npy(buf, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", u1, 2);
	ok(sgs_npy_parse(buf, len, "u1.npy", &a) == 0 && a.data[0] == 255 && a.data[1] == 3,
	   "|u1 parses");
	sgs_npy_free(&a);
}

static void test_errors(void)
{
	uint8_t buf[1024];
	struct sgs_npy a;
	double d6[6] = {0};
	size_t len = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
			      d6, sizeof d6);

	ok(sgs_npy_parse("PK\3\4 not numpy at all", 22, "x.npy", &a) == -1 &&
		   has_text(sgs_error_get(), "x.npy") && has_text(sgs_error_get(), "magic"),
	   "bad magic refused: %s", sgs_error_get());
	ok(a.data == NULL && a.ndim == 0, "failed parse leaves the array empty");
	ok(sgs_npy_parse(buf, len - 1, "t.npy", &a) == -1 && has_text(sgs_error_get(), "truncated"),
	   "one data byte short: %s", sgs_error_get());
	ok(sgs_npy_parse(buf, 30, "t.npy", &a) == -1 && has_text(sgs_error_get(), "truncated header"),
	   "cut inside the header: %s", sgs_error_get());
	ok(sgs_npy_parse(buf, 5, "t.npy", &a) == -1, "five bytes refused");

	len = make_npy(buf, 1, "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", d6,
		       32);
	ok(sgs_npy_parse(buf, len, "c.npy", &a) == -1 && has_text(sgs_error_get(), "'<c16'"),
	   "complex dtype refused by name: %s", sgs_error_get());
	len = make_npy(buf, 1, "{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (1,), }",
		       d6, 8);
	ok(sgs_npy_parse(buf, len, "s.npy", &a) == -1 && has_text(sgs_error_get(), "structured"),
	   "structured dtype refused: %s", sgs_error_get());
	len = make_npy(buf, 1, "{'descr': '<f8', 'shape': (1,), }", d6, 8);
	ok(sgs_npy_parse(buf, len, "m.npy", &a) == -1 && has_text(sgs_error_get(), "fortran_order"),
	   "missing key named: %s", sgs_error_get());
	len = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3, 4, 5), }",
		       d6, 8);
	ok(sgs_npy_parse(buf, len, "d.npy", &a) == -1, "five dimensions refused");
	len = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", d6, 16);
	buf[6] = 4;
	ok(sgs_npy_parse(buf, len, "v.npy", &a) == -1 && has_text(sgs_error_get(), "4.0"),
	   "format version 4.0 refused: %s", sgs_error_get());
}

static int add_member(zip_t *z, const char *name, const void *buf, size_t len, int method)
{
	zip_source_t *src = zip_source_buffer(z, buf, len, 0);
	zip_int64_t idx = src ? zip_file_add(z, name, src, ZIP_FL_OVERWRITE) : -1;
	if (idx < 0) {
		zip_source_free(src);
		return -1;
	}
	return zip_set_file_compression(z, (zip_uint64_t)idx, method, 0);
}

static void test_files(void)
{
	char dir[] = "/tmp/sgs_npy_XXXXXX", path[256], npz[256];
	struct sgs_npy a;
	if (!mkdtemp(dir)) {
		skip("no temporary folder", "npy files");
		return;
	}
	static uint8_t b1[4096], b2[4096];
	double m[16];
	for (int k = 0; k < 16; k++)
		m[k] = k * 0.5 - 3;
	size_t l1 = make_npy(b1, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }",
			     m, sizeof m);
	float big[600];
	for (int k = 0; k < 600; k++)
		big[k] = (float)k;
	size_t l2 = make_npy(b2, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (600,), }",
			     big, sizeof big);

	snprintf(path, sizeof path, "%s/m.npy", dir);
	FILE *f = fopen(path, "wb");
	int wrote = f && fwrite(b1, 1, l1, f) == l1;
	if (f)
		fclose(f);
	ok(wrote && sgs_npy_read_file(path, &a) == 0 && a.shape[0] == 4 && a.data[15] == 4.5,
	   "read .npy from a file");
	sgs_npy_free(&a);
	snprintf(path, sizeof path, "%s/absent.npy", dir);
	ok(sgs_npy_read_file(path, &a) == -1 && has_text(sgs_error_get(), "absent.npy"),
	   "missing file named: %s", sgs_error_get());

	snprintf(npz, sizeof npz, "%s/a.npz", dir);
	int code = 0;
	zip_t *z = zip_open(npz, ZIP_CREATE | ZIP_TRUNCATE, &code);
	int made = z && add_member(z, "stored.npy", b1, l1, ZIP_CM_STORE) == 0 &&
		   add_member(z, "packed.npy", b2, l2, ZIP_CM_DEFLATE) == 0 && zip_close(z) == 0;
	ok(made, "built an .npz with libzip");
	ok(sgs_npz_read(npz, "stored", &a) == 0 && a.shape[1] == 4 && a.data[1] == -2.5,
	   "stored member read");
	sgs_npy_free(&a);
	ok(sgs_npz_read(npz, "packed.npy", &a) == 0 && a.shape[0] == 600 && a.data[599] == 599,
	   "deflated member read (name with .npy)");
	sgs_npy_free(&a);
	ok(sgs_npz_read(npz, "world_mat_7", &a) == -1 && has_text(sgs_error_get(), "world_mat_7.npy"),
	   "missing member named: %s", sgs_error_get());
	ok(sgs_npz_has(npz, "stored") == 1 && sgs_npz_has(npz, "nope") == 0, "sgs_npz_has");
	ok(sgs_npz_read(path, "x", &a) == -1, "opening a missing archive fails: %s", sgs_error_get());
	unlink(npz);
	snprintf(path, sizeof path, "%s/m.npy", dir);
	unlink(path);
	rmdir(dir);
}

static void test_real_files(void)
{
	const char *data = test_data_dir();
	char path[512];
	struct sgs_npy a;
	if (!data) {
		skip("no data folder", "fern poses_bounds.npy");
		skip("no data folder", "DTU cameras_sphere.npz");
		return;
	}
	snprintf(path, sizeof path, "%s/llff/fern/poses_bounds.npy", data);
	ok(sgs_npy_read_file(path, &a) == 0 && a.ndim == 2 && a.shape[0] == 20 && a.shape[1] == 17 &&
		   a.data[0] == 0.02242251555532968 && a.data[4] == 3024 && a.data[9] == 4032,
	   "fern poses_bounds.npy: (20, 17), first value and h, w exact");
	sgs_npy_free(&a);
	snprintf(path, sizeof path, "%s/dtu/scan24/cameras_sphere.npz", data);
	ok(sgs_npz_read(path, "world_mat_25", &a) == 0 && a.shape[0] == 4 && a.shape[1] == 4 &&
		   a.data[0] == 1367.2535400390625 && a.data[15] == 1.0,
	   "DTU world_mat_25 (float32) read exactly");
	sgs_npy_free(&a);
}

int main(void)
{
	test_versions_and_types();
	test_errors();
	test_files();
	test_real_files();
	return tap_done();
}
