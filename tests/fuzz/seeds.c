/* fuzz_seeds OUTDIR: writes a seed corpus for every harness of tests/fuzz/
 * into OUTDIR/<harness>/, made by the project's own writers where it has
 * them (scenes, splats, checkpoints, PNG, TIFF) and by hand after the
 * formats' documentation otherwise (PLY point clouds, .npy, .npz, COLMAP,
 * transforms.json).  Small files: libFuzzer sizes its inputs after them. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "fuzzlib.h"
#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_kernels.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_trainer.h"

static const char *out;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_seeds: %s: %s\n", what, sgs_error_get());
	exit(1);
}

static const char *path_of(const char *harness, const char *name)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s/%s", out, harness, name);
	fz_mkparents(p);
	return p;
}

static void put(const char *harness, const char *name, const void *data, size_t n)
{
	const char *p = path_of(harness, name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
}

static void put_str(const char *harness, const char *name, const char *s)
{
	put(harness, name, s, strlen(s));
}

/* ---- scenes ---- */

static void scenes(void)
{
	struct sgs_scene s;
	fz_tiny_scene(&s);
	if (sgs_scene_save(path_of("scene", "synthetic.sgs"), &s) != 0)
		die("scene");
	/* seed points, a depth prior, an unknown chunk, an RGBA image */
	float xyz[6] = {0, 0, 0, 0.5f, -0.25f, 1};
	uint8_t rgb[6] = {10, 20, 30, 200, 100, 50};
	s.nseeds = 2;
	s.seed_xyz = malloc(sizeof xyz);
	s.seed_rgb = malloc(sizeof rgb);
	memcpy(s.seed_xyz, xyz, sizeof xyz);
	memcpy(s.seed_rgb, rgb, sizeof rgb);
	struct sgs_view *v = &s.views[1];
	size_t np = (size_t)v->cam.w * v->cam.h;
	v->depth_prior = malloc(np * sizeof(float));
	v->depth_conf = malloc(np * sizeof(float));
	for (size_t i = 0; i < np; i++)
		v->depth_prior[i] = 2 + 0.01f * (float)i, v->depth_conf[i] = 0.5f;
	struct sgs_image rgba;
	if (sgs_image_to_u8(&s.views[0].image, 4, &rgba) != 0)
		die("rgba");
	sgs_image_free(&s.views[0].image);
	s.views[0].image = rgba;
	static uint8_t note[5] = "hello";
	s.extra = malloc(sizeof *s.extra);
	s.extra[0] = (struct sgs_chunk){{'N', 'O', 'T', 'E'}, 0, sizeof note, NULL};
	s.extra[0].payload = malloc(sizeof note);
	memcpy(s.extra[0].payload, note, sizeof note);
	s.nextra = 1;
	if (sgs_scene_save(path_of("scene", "extras.sgs"), &s) != 0)
		die("scene extras");
	sgs_scene_free(&s);
}

/* ---- splat PLY ---- */

static void splats(void)
{
	for (uint32_t deg = 0; deg <= 3; deg++) {
		struct sgs_splats s;
		char name[32];
		if (sgs_splats_alloc(&s, 3, deg) != 0)
			die("splats");
		for (size_t i = 0; i < 3; i++) {
			s.means[3 * i] = (float)i;
			s.quats[4 * i] = 1;
			s.log_scales[3 * i + 1] = -2;
			s.logit_opacity[i] = 0.5f;
			s.sh[3 * SGS_SH_COEFFS(deg) * i + 2] = 0.25f;
		}
		snprintf(name, sizeof name, "sh%u.ply", deg);
		if (sgs_splat_save(path_of("splat", name), &s) != 0)
			die("splat");
		sgs_splats_free(&s);
	}
	/* doubles, no normals, another element first, CRLF header */
	static const char head[] =
		"ply\r\nformat binary_little_endian 1.0\r\ncomment by hand\r\n"
		"element camera 1\r\nproperty uchar k\r\nproperty list uchar int ids\r\n"
		"element vertex 1\r\nproperty double x\r\nproperty double y\r\nproperty double z\r\n"
		"property float f_dc_0\r\nproperty float f_dc_1\r\nproperty float f_dc_2\r\n"
		"property float opacity\r\nproperty float scale_0\r\nproperty float scale_1\r\n"
		"property float scale_2\r\nproperty float rot_0\r\nproperty float rot_1\r\n"
		"property float rot_2\r\nproperty float rot_3\r\nproperty uchar extra\r\nend_header\r\n";
	uint8_t buf[sizeof head + 128];
	size_t n = sizeof head - 1;
	memcpy(buf, head, n);
	uint8_t camera[10] = {7, 2, 1, 0, 0, 0, 2, 0, 0, 0};
	memcpy(buf + n, camera, sizeof camera);
	n += sizeof camera;
	double x[3] = {0.5, -1, 2};
	memcpy(buf + n, x, sizeof x);
	n += sizeof x;
	float f[11] = {0.1f, 0.2f, 0.3f, 1, -3, -3, -3, 1, 0, 0, 0};
	memcpy(buf + n, f, sizeof f);
	n += sizeof f;
	buf[n++] = 9;
	put("splat", "double.ply", buf, n);

	/* lists of every length type before the vertices (skipped row by row),
	 * a face element after them (left unread) */
	static const char lhead[] =
		"ply\nformat binary_little_endian 1.0\n"
		"element strip 2\nproperty list short int a\nproperty list ushort double b\n"
		"property list int uchar c\nproperty list uint float d\nproperty list char short e\n"
		"element vertex 1\nproperty float x\nproperty float y\nproperty float z\n"
		"property float f_dc_0\nproperty float f_dc_1\nproperty float f_dc_2\n"
		"property float opacity\nproperty float scale_0\nproperty float scale_1\n"
		"property float scale_2\nproperty float rot_0\nproperty float rot_1\n"
		"property float rot_2\nproperty float rot_3\n"
		"element face 1\nproperty list uchar int vertex_indices\nend_header\n";
	uint8_t lbuf[sizeof lhead + 256];
	n = sizeof lhead - 1;
	memcpy(lbuf, lhead, n);
	for (int row = 0; row < 2; row++) {
		/* a: 1 int; b: 1 double; c: 2 uchar; d: 0 floats; e: 1 short */
		static const uint8_t strip[] = {1, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,
						2, 0, 0, 0, 7, 8, 0, 0, 0, 0, 1, 3, 0};
		memcpy(lbuf + n, strip, sizeof strip);
		n += sizeof strip;
	}
	float v[14] = {1, 2, 3, 0.5f, 0.5f, 0.5f, 0, -2, -2, -2, 1, 0, 0, 0};
	memcpy(lbuf + n, v, sizeof v);
	n += sizeof v;
	static const uint8_t face[] = {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	memcpy(lbuf + n, face, sizeof face);
	n += sizeof face;
	put("splat", "lists.ply", lbuf, n);
}

/* ---- point-cloud PLY ---- */

static void points(void)
{
	put_str("points", "ascii.ply",
		"ply\nformat ascii 1.0\nelement face 1\nproperty list uchar int vertex_indices\n"
		"element vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
		"property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n"
		"3 0 1 2\n0 0 0 255 0 0\n1.5 -2 3e-1 0 255 0\nnan 1 1 0 0 255\n");
	static const char le[] = "ply\nformat binary_little_endian 1.0\nelement vertex 2\n"
				 "property float x\nproperty float y\nproperty float z\n"
				 "property float red\nproperty float green\nproperty float blue\n"
				 "end_header\n";
	uint8_t buf[512];
	size_t n = sizeof le - 1;
	memcpy(buf, le, n);
	float v[12] = {1, 2, 3, 0.5f, 0.25f, 1, -1, -2, -3, 0, 0, 0};
	memcpy(buf + n, v, sizeof v);
	put("points", "le.ply", buf, n + sizeof v);
	static const char be[] = "ply\nformat binary_big_endian 1.0\nelement vertex 1\n"
				 "property double x\nproperty double y\nproperty double z\n"
				 "property short nx\nend_header\n";
	n = sizeof be - 1;
	memcpy(buf, be, n);
	double d[3] = {1, -2, 0.5};
	for (int k = 0; k < 3; k++) {
		uint8_t b[8];
		memcpy(b, &d[k], 8);
		for (int i = 0; i < 8; i++)
			buf[n++] = b[7 - i];
	}
	buf[n++] = 0xff, buf[n++] = 0xfe;
	put("points", "be.ply", buf, n);
}

/* ---- checkpoints ---- */

static void checkpoints(void)
{
	struct sgs_scene s;
	const struct sgs_backend *be = sgs_backend_get("cpu");
	fz_tiny_scene(&s);
	struct {
		const char *name;
		int mcmc, fields, sh;
	} runs[] = {{"inria.ckpt", 0, 1, 1}, {"mcmc.ckpt", 1, 1, 0}, {"two-fields.ckpt", 0, 2, 0}};
	for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
		struct sgs_trainer_opts o;
		struct sgs_trainer *t;
		struct sgs_step_info in;
		sgs_trainer_defaults(&o);
		o.init = SGS_INIT_RANDOM;
		o.init_count = 12;
		o.iterations = 20;
		o.sh_degree = runs[r].sh;
		o.mcmc = runs[r].mcmc;
		o.fields = (uint32_t)runs[r].fields;
		if (!be || sgs_trainer_new(be, &s, &o, &t) != 0)
			die("trainer");
		for (int i = 0; i < 3; i++)
			if (sgs_trainer_step(t, &in) != 0)
				die("step");
		if (sgs_trainer_checkpoint(t, path_of("ckpt", runs[r].name)) != 0)
			die("checkpoint");
		sgs_trainer_free(t);
	}
	sgs_scene_free(&s);
}

/* ---- .npy and .npz ---- */

/* A .npy image of a header dict and raw data; returns its length. */
static size_t npy(uint8_t *buf, int version, const char *dict, const void *data, size_t n)
{
	size_t hoff = version == 1 ? 10 : 12, dl = strlen(dict);
	size_t hlen = (hoff + dl + 1 + 15) / 16 * 16 - hoff; /* padded, ends in \n */
	memcpy(buf, "\x93NUMPY", 6);
	buf[6] = (uint8_t)version, buf[7] = 0;
	for (size_t i = 0; i < (version == 1 ? 2u : 4u); i++)
		buf[8 + i] = (uint8_t)(hlen >> (8 * i));
	memset(buf + hoff, ' ', hlen);
	memcpy(buf + hoff, dict, dl);
	buf[hoff + hlen - 1] = '\n';
	memcpy(buf + hoff + hlen, data, n);
	return hoff + hlen + n;
}

static void npz(const char *name, const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
		int deflate)
{
	int err;
	const char *p = path_of("npy", name);
	remove(p);
	zip_t *z = zip_open(p, ZIP_CREATE | ZIP_TRUNCATE, &err);
	if (!z)
		die("zip_open");
	const char *names[2] = {"world_mat_0.npy", "scale_mat_0.npy"};
	const uint8_t *data[2] = {a, b};
	size_t len[2] = {na, nb};
	for (int i = 0; i < 2; i++) {
		zip_source_t *src = zip_source_buffer(z, data[i], len[i], 0);
		zip_int64_t idx = src ? zip_file_add(z, names[i], src, ZIP_FL_OVERWRITE) : -1;
		if (idx < 0 || zip_set_file_compression(z, (zip_uint64_t)idx,
						      deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0)
			die("zip_file_add");
	}
	if (zip_close(z) != 0)
		die("zip_close");
}

static void npys(void)
{
	static uint8_t a[1024], b[1024], c[1024], d[1024];
	double m[16];
	for (int i = 0; i < 16; i++)
		m[i] = i == 0 || i == 5 || i == 10 || i == 15 ? 500.0 : 0.1 * i;
	size_t na = npy(a, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }", m, sizeof m);
	put("npy", "f8.npy", a, na);
	float f[6] = {1, 2, 3, 4, 5, 6};
	uint8_t fb[24];
	for (int i = 0; i < 6; i++)
		for (int k = 0; k < 4; k++)
			fb[4 * i + k] = ((uint8_t *)&f[i])[3 - k];
	size_t nb = npy(b, 2, "{'descr': '>f4', 'fortran_order': True, 'shape': (2, 3)}", fb, sizeof fb);
	put("npy", "f4-big-fortran.npy", b, nb);
	int64_t ints[3] = {-1, 0, 1 << 20};
	size_t nc = npy(c, 3, "{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (3L,)}", ints,
			sizeof ints);
	put("npy", "i8-v3.npy", c, nc);
	uint8_t u = 7;
	size_t nd = npy(d, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': ()}", &u, 1);
	put("npy", "u1-scalar.npy", d, nd);
	npz("stored.npz", a, na, d, nd, 0);
	npz("deflated.npz", a, na, b, nb, 1);
}

/* ---- COLMAP ---- */

static void colmap_text(void)
{
	put_str("colmap_text", "model.txt",
		"# Camera list\n1 PINHOLE 32 24 30 30 16 12\n2 OPENCV 32 24 30 31 16 12 0.01 -0.001 0 0\n"
		"@@@@# Image list\n"
		"1 1 0 0 0 0 0 4 1 a.png\n10 5 0.1 20 0 1 1\n"
		"2 0.9950042 0 0.0998334 0 0.2 0 4 2 b.png\n\n"
		"3 1 0 0 0 -0.2 0 4 1 c.png\n1 2 -1\n"
		"@@@@# 3D points\n1 0 0 0 255 0 0 0.5 1 0 2 0\n2 0.5 0.5 1 0 255 0 0.1 3 1\n");
}

static void le_put(uint8_t **p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		*(*p)++ = (uint8_t)(v >> (8 * i));
}

static void le_f64(uint8_t **p, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	le_put(p, u, 8);
}

static void colmap_bin(void)
{
	static uint8_t buf[4096];
	uint8_t *p = buf;
	/* cameras.bin: count, then id, model, w, h (u64), params */
	le_put(&p, 2, 8);
	le_put(&p, 1, 4), le_put(&p, 1, 4), le_put(&p, 32, 8), le_put(&p, 24, 8);
	double pin[4] = {30, 30, 16, 12};
	for (int i = 0; i < 4; i++)
		le_f64(&p, pin[i]);
	le_put(&p, 2, 4), le_put(&p, 2, 4), le_put(&p, 32, 8), le_put(&p, 24, 8);
	double rad[4] = {30, 16, 12, 0.01};
	for (int i = 0; i < 4; i++)
		le_f64(&p, rad[i]);
	memcpy(p, FZ_SEP, 4), p += 4;
	/* images.bin: id, q, t, camera, name\0, n2d, (x, y, id3d) */
	le_put(&p, 3, 8);
	for (uint32_t i = 1; i <= 3; i++) {
		le_put(&p, i, 4);
		double q[7] = {1, 0, 0, 0, 0.1 * i, 0, 4};
		for (int k = 0; k < 7; k++)
			le_f64(&p, q[k]);
		le_put(&p, i == 2 ? 2 : 1, 4);
		char name[6] = "a.png";
		name[0] = (char)('a' + i - 1);
		memcpy(p, name, 6), p += 6;
		le_put(&p, i == 1, 8);
		if (i == 1) {
			le_f64(&p, 10), le_f64(&p, 5);
			le_put(&p, 1, 8);
		}
	}
	memcpy(p, FZ_SEP, 4), p += 4;
	/* points3D.bin: id, xyz, rgb, error, track length, (image, point2d) */
	le_put(&p, 2, 8);
	for (uint64_t i = 1; i <= 2; i++) {
		le_put(&p, i, 8);
		le_f64(&p, 0.5 * i), le_f64(&p, 0), le_f64(&p, 1);
		*p++ = 255, *p++ = (uint8_t)(100 * i), *p++ = 0;
		le_f64(&p, 0.25);
		le_put(&p, 2, 8);
		le_put(&p, 1, 4), le_put(&p, 0, 4);
		le_put(&p, 2 + (uint32_t)i - 1, 4), le_put(&p, 0, 4);
	}
	put("colmap_bin", "model.bin", buf, (size_t)(p - buf));
}

/* ---- transforms.json ---- */

static void json(void)
{
	FILE *f = fopen("tests/fixtures/ngp/transforms.json", "rb");
	if (f) { /* the ngp fixture, when run from the tree's root */
		char buf[8192];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		put("json", "ngp-fixture.json", buf, n);
	}
	put_str("json", "ngp.json",
		"{\"camera_angle_x\": 0.9, \"camera_angle_y\": 0.7, \"frames\": [\n"
		" {\"file_path\": \"images/f0\", \"w\": 32, \"h\": 24, \"cx\": 16,\n"
		"  \"transform_matrix\": [[1,0,0,0],[0,1,0,0],[0,0,1,3],[0,0,0,1]]},\n"
		" {\"file_path\": \"./train/r_2.jpg\", \"fl_x\": 20, \"is_fisheye\": false,\n"
		"  \"transform_matrix\": [[0,0,1,3],[1,0,0,0],[0,1,0,0]]}]}\n");
	put_str("json", "blender.json",
		"{\"camera_angle_x\": 0.6911112070083618, \"frames\": [\n"
		" {\"file_path\": \"./train/r_0\", \"rotation\": 0.0125,\n"
		"  \"transform_matrix\": [[-1,0,0,0],[0,-0.7316888688738209,0.6816387600233341,2.7],[0,0.6816387600233341,0.7316888688738209,2.9],[0,0,0,1]]},\n"
		" {\"file_path\": \"./train/r_1\",\n"
		"  \"transform_matrix\": [[1,0,0,0],[0,1,0,0],[0,0,1,4],[0,0,0,1]]}]}\n");
}

/* ---- images ---- */

static void images(void)
{
	fz_png(path_of("image", "rgb.png"), 7, 5, 3);
	fz_png(path_of("image", "rgba.png"), 4, 4, 4);
	fz_png(path_of("image", "gray-alpha.png"), 3, 2, 2);
	fz_jpeg(path_of("image", "rgb.jpg"), 9, 8, 3);
	fz_jpeg(path_of("image", "gray.jpg"), 8, 3, 1);
	float depth[24];
	for (int i = 0; i < 24; i++)
		depth[i] = i % 5 ? 0.5f + 0.1f * i : 0;
	if (sgs_depth_png16_write(path_of("image", "depth16.png"), 1000, 6, 4, depth) != 0 ||
	    sgs_tiff_write_float(path_of("image", "depth.tiff"), 6, 4, 1, depth) != 0 ||
	    sgs_tiff_write_float(path_of("image", "rgb.tiff"), 2, 4, 3, depth) != 0)
		die("image");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: fuzz_seeds outdir\n", stderr);
		return 2;
	}
	out = argv[1];
	scenes();
	splats();
	points();
	checkpoints();
	npys();
	colmap_text();
	colmap_bin();
	json();
	images();
	return 0;
}
