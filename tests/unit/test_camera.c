/* Camera math: quaternions, projection, COLMAP lens models, undistortion
 * of points and of whole images. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "sgs_camera.h"
#include "sgs_error.h"
#include "tap.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static double uniform(double lo, double hi)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return lo + (hi - lo) * (double)(rng_state >> 11) / 9007199254740992.0;
}

static double orthonormal_error(const double R[9])
{
	double e = 0;
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++) {
			double d = R[a] * R[b] + R[3 + a] * R[3 + b] + R[6 + a] * R[6 + b];
			e = fmax(e, fabs(d - (a == b)));
		}
	double det = R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) +
		     R[2] * (R[3] * R[7] - R[4] * R[6]);
	return fmax(e, fabs(det - 1));
}

static void test_quaternions(void)
{
	/* 90 degrees about z maps x to y. */
	double q[4] = {sqrt(0.5), 0, 0, sqrt(0.5)}, R[9], q2[4];
	const double want[9] = {0, -1, 0, 1, 0, 0, 0, 0, 1};
	sgs_quat_to_rot(q, R);
	double e = 0;
	for (int i = 0; i < 9; i++)
		e = fmax(e, fabs(R[i] - want[i]));
	ok(e < 1e-15, "quaternion of 90 deg about z gives the expected matrix (err %.2g)", e);

	/* Round trips over random rotations, including angles near 180 deg
	 * where w ~ 0 (the branch that divides by x, y or z). */
	double worst = 0, worst_orth = 0;
	for (int n = 0; n < 2000; n++) {
		for (int i = 0; i < 4; i++)
			q[i] = uniform(-1, 1);
		if (n % 4 == 0)
			q[0] = uniform(-1e-3, 1e-3);
		double len = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
		double s = q[0] < 0 ? -1 / len : 1 / len;
		for (int i = 0; i < 4; i++)
			q[i] *= s;
		sgs_quat_to_rot(q, R);
		sgs_rot_to_quat(R, q2);
		for (int i = 0; i < 4; i++)
			worst = fmax(worst, fabs(q2[i] - q[i]));
		worst_orth = fmax(worst_orth, orthonormal_error(R));
	}
	ok(worst < 1e-12, "quaternion -> matrix -> quaternion round trip (max err %.2g)", worst);
	ok(worst_orth < 1e-14, "rotation matrices are orthonormal (max err %.2g)", worst_orth);

	/* A non-unit quaternion is normalised, not scaled into the matrix. */
	double qs[4] = {2 * sqrt(0.5), 0, 0, 2 * sqrt(0.5)};
	sgs_quat_to_rot(qs, R);
	ok(fabs(R[1] + 1) < 1e-15 && fabs(R[3] - 1) < 1e-15, "non-unit quaternion is normalised");
}

static void test_projection(void)
{
	struct sgs_camera c = {.w = 100, .h = 80, .fx = 100, .fy = 200, .cx = 50, .cy = 40};
	double X[3] = {1, 2, 5}, uv[2], C[3];
	c.R[0] = c.R[4] = c.R[8] = 1;
	c.t[2] = 5;
	double z = sgs_camera_project(&c, X, uv);
	ok(z == 10 && fabs(uv[0] - 60) < 1e-12 && fabs(uv[1] - 80) < 1e-12,
	   "known point projects to (60, 80) at z 10 (got %g, %g, z %g)", uv[0], uv[1], z);

	/* A rotated camera: the point one unit along its optical axis lands on
	 * the principal point, a point behind it gets negative z. */
	double q[4] = {0.9, 0.1, -0.3, 0.2};
	sgs_quat_to_rot(q, c.R);
	c.t[0] = 0.3, c.t[1] = -1.2, c.t[2] = 2.5;
	sgs_camera_center(&c, C);
	double P[3], B[3];
	for (int i = 0; i < 3; i++) {
		P[i] = C[i] + 2 * c.R[6 + i]; /* R's third row is the viewing direction */
		B[i] = C[i] - 2 * c.R[6 + i];
	}
	z = sgs_camera_project(&c, P, uv);
	ok(fabs(z - 2) < 1e-12 && fabs(uv[0] - 50) < 1e-9 && fabs(uv[1] - 40) < 1e-9,
	   "point on the optical axis projects to the principal point (%g, %g, z %g)", uv[0],
	   uv[1], z);
	ok(sgs_camera_project(&c, B, uv) < 0, "point behind the camera has negative z");
	ok(fabs(sgs_camera_project(&c, C, uv)) < 1e-12, "camera centre has z 0");
}

static const char *lens_name[] = {"PINHOLE", "SIMPLE_PINHOLE", "SIMPLE_RADIAL", "RADIAL",
				  "OPENCV"};

static void test_distortion(void)
{
	/* Hand-computed values of COLMAP's formulas at (0.3, 0.4), r2 = 0.25. */
	struct sgs_distortion sr = {SGS_LENS_SIMPLE_RADIAL, 0.1, 0.7, 0.3, 0.3};
	struct sgs_distortion ra = {SGS_LENS_RADIAL, 0.1, -0.2, 0.3, 0.3};
	struct sgs_distortion cv = {SGS_LENS_OPENCV, 0.1, -0.2, 0.01, -0.02};
	double xd, yd;
	sgs_distort(&sr, 0.3, 0.4, &xd, &yd);
	ok(fabs(xd - 0.3075) < 1e-15 && fabs(yd - 0.41) < 1e-15,
	   "SIMPLE_RADIAL ignores k2/p1/p2: (%.17g, %.17g)", xd, yd);
	/* radial = 0.1*0.25 - 0.2*0.0625 = 0.0125 */
	sgs_distort(&ra, 0.3, 0.4, &xd, &yd);
	ok(fabs(xd - 0.30375) < 1e-15 && fabs(yd - 0.405) < 1e-15, "RADIAL value (%.17g, %.17g)",
	   xd, yd);
	/* + 2 p1 xy + p2 (r2 + 2x2) = 0.0024 - 0.0086; + 2 p2 xy + p1 (r2 + 2y2) = -0.0048 + 0.0057 */
	sgs_distort(&cv, 0.3, 0.4, &xd, &yd);
	ok(fabs(xd - (0.30375 + 0.0024 - 0.0086)) < 1e-15 &&
		   fabs(yd - (0.405 - 0.0048 + 0.0057)) < 1e-15,
	   "OPENCV value (%.17g, %.17g)", xd, yd);

	struct sgs_distortion pin = {SGS_LENS_PINHOLE, 0.5, 0.5, 0.5, 0.5};
	struct sgs_distortion zero = {SGS_LENS_OPENCV, 0, 0, 0, 0};
	ok(sgs_distortion_is_identity(&pin) && sgs_distortion_is_identity(&zero) &&
		   !sgs_distortion_is_identity(&sr) && !sgs_distortion_is_identity(&cv),
	   "identity: pinhole models and all-zero coefficients only");

	/* Round trip for every model, barrel and pincushion, over the normalised
	 * field of a wide lens (|x|, |y| <= 0.6). */
	const double coeffs[2][4] = {{-0.12, 0.03, 0.002, -0.0015}, {0.09, 0.02, -0.003, 0.001}};
	for (int lens = SGS_LENS_PINHOLE; lens <= SGS_LENS_OPENCV; lens++)
		for (int s = 0; s < 2; s++) {
			struct sgs_distortion d = {lens, coeffs[s][0], coeffs[s][1], coeffs[s][2],
						   coeffs[s][3]};
			double worst = 0;
			int failed = 0;
			for (int i = 0; i <= 24; i++)
				for (int k = 0; k <= 24; k++) {
					double x = -0.6 + 0.05 * i, y = -0.6 + 0.05 * k, u, v;
					sgs_distort(&d, x, y, &xd, &yd);
					if (sgs_undistort_point(&d, xd, yd, &u, &v) < 0)
						failed++;
					else
						worst = fmax(worst, fmax(fabs(u - x), fabs(v - y)));
				}
			ok(!failed && worst < 1e-9, "%s (%s): undistort(distort(p)) = p (max err %.2g)",
			   lens_name[lens], s ? "pincushion" : "barrel", worst);
		}
}

/* A smooth test pattern in normalised camera coordinates, per channel. */
static double pattern(double x, double y, uint32_t ch)
{
	return 127.5 + 100 * sin(20 * x + 2 * ch) * cos(16 * y - ch) + 20 * x;
}

static double psnr_interior(const struct sgs_image *a, const struct sgs_image *b, uint32_t border)
{
	const uint8_t *p = a->data, *q = b->data;
	double se = 0;
	size_t n = 0;
	for (uint32_t y = border; y < a->h - border; y++)
		for (uint32_t x = border; x < a->w - border; x++)
			for (uint32_t c = 0; c < a->c; c++) {
				size_t i = ((size_t)y * a->w + x) * a->c + c;
				double d = (double)p[i] - q[i];
				se += d * d;
				n++;
			}
	return se == 0 ? 99 : 10 * log10(255.0 * 255.0 / (se / n));
}

/* Renders the pattern as a camera with lens d sees it: each pixel centre
 * is undistorted to normalised coordinates and the pattern evaluated. */
static int render(const struct sgs_camera *cam, const struct sgs_distortion *d, uint32_t c,
		  struct sgs_image *img)
{
	if (sgs_image_alloc(img, cam->w, cam->h, c, 8) < 0)
		return -1;
	uint8_t *p = img->data;
	for (uint32_t y = 0; y < cam->h; y++)
		for (uint32_t x = 0; x < cam->w; x++) {
			double xn, yn;
			if (sgs_undistort_point(d, (x + 0.5 - cam->cx) / cam->fx,
						(y + 0.5 - cam->cy) / cam->fy, &xn, &yn) < 0)
				return -1;
			for (uint32_t ch = 0; ch < c; ch++) {
				double v = pattern(xn, yn, ch);
				p[((size_t)y * cam->w + x) * c + ch] =
					(uint8_t)lround(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	return 0;
}

static void test_undistort_image(void)
{
	const struct sgs_camera src = {.w = 160, .h = 120, .fx = 150, .fy = 148, .cx = 81.3, .cy = 58.9};
	const struct sgs_distortion lenses[] = {
		{SGS_LENS_OPENCV, -0.15, 0.04, 0.003, -0.002},
		{SGS_LENS_RADIAL, 0.12, 0.03, 0, 0},
		{SGS_LENS_SIMPLE_RADIAL, -0.1, 0, 0, 0},
	};
	const uint32_t channels[] = {3, 1, 4};
	for (int i = 0; i < 3; i++) {
		const struct sgs_distortion *d = &lenses[i];
		struct sgs_distortion none = {SGS_LENS_PINHOLE, 0, 0, 0, 0};
		struct sgs_camera dst;
		struct sgs_image distorted = {0}, truth = {0}, out = {0};
		ok(sgs_undistorted_camera(&src, d, &dst) == 0, "undistorted camera found");
		if (render(&src, d, channels[i], &distorted) < 0 ||
		    render(&dst, &none, channels[i], &truth) < 0) {
			ok(0, "%s: render the test images: %s", lens_name[d->lens], sgs_error_get());
			continue;
		}
		int r = sgs_undistort_image(&distorted, &src, d, &dst, &out);
		ok(r == 0 && out.w == dst.w && out.h == dst.h && out.c == channels[i] && out.bits == 8,
		   "%s: undistort_image gives a %ux%u image with %u channels", lens_name[d->lens],
		   dst.w, dst.h, channels[i]);
		if (r == 0) {
			double psnr = psnr_interior(&out, &truth, 4);
			ok(psnr >= 35, "%s, %u channels: undistorted image matches the pinhole render "
				       "(PSNR %.1f dB)",
			   lens_name[d->lens], channels[i], psnr);
			/* Without the lens removed the images differ clearly, so the
			 * check above measures the undistortion. */
			struct sgs_image plain = {0};
			struct sgs_camera same = src;
			same.fx = dst.fx, same.fy = dst.fy;
			if (sgs_undistort_image(&distorted, &src, &none, &same, &plain) == 0) {
				double p0 = psnr_interior(&plain, &truth, 4);
				ok(p0 < psnr - 10, "ignoring the lens is much worse (PSNR %.1f dB)", p0);
			}
			sgs_image_free(&plain);
			/* The chosen camera leaves no blank pixel. */
			size_t zeros = 0;
			const uint8_t *o = out.data;
			for (size_t k = 0; k < (size_t)out.w * out.h; k++) {
				int all = 1;
				for (uint32_t ch = 0; ch < out.c; ch++)
					all &= o[k * out.c + ch] == 0;
				zeros += all;
			}
			ok(zeros == 0, "%s: no blank pixels in the undistorted image (%zu)",
			   lens_name[d->lens], zeros);
		}
		sgs_image_free(&distorted);
		sgs_image_free(&truth);
		sgs_image_free(&out);
	}
}

static void test_undistorted_camera(void)
{
	const struct sgs_camera src = {.w = 640, .h = 480, .fx = 500, .fy = 505, .cx = 322, .cy = 238};
	struct sgs_distortion barrel = {SGS_LENS_RADIAL, -0.2, 0.05, 0, 0};
	struct sgs_distortion pincushion = {SGS_LENS_SIMPLE_RADIAL, 0.15, 0, 0, 0};
	struct sgs_distortion none = {SGS_LENS_OPENCV, 0, 0, 0, 0};
	struct sgs_camera dst;

	ok(sgs_undistorted_camera(&src, &none, &dst) == 0, "the identity lens has a camera");
	ok(memcmp(&dst, &src, sizeof dst) == 0, "no distortion: the camera is kept");

	const struct sgs_distortion *ds[2] = {&barrel, &pincushion};
	for (int i = 0; i < 2; i++) {
		ok(sgs_undistorted_camera(&src, ds[i], &dst) == 0, "undistorted camera found");
		double s = dst.fx / src.fx;
		ok(dst.w == src.w && dst.h == src.h && dst.cx == src.cx && dst.cy == src.cy &&
			   fabs(dst.fy / src.fy - s) < 1e-15,
		   "%s: same size and principal point, one focal scale", i ? "pincushion" : "barrel");
		ok(i ? s > 1 : s < 1, "%s: focal scale %.4f %s 1", i ? "pincushion" : "barrel", s,
		   i ? ">" : "<");
		/* Every border pixel of the new image lies inside the source, and
		 * the tightest one touches its edge (no needless crop). */
		double slack = INFINITY;
		int outside = 0;
		for (uint32_t k = 0; k <= 2 * (src.w + src.h); k++) {
			double u, v;
			if (k <= src.w)
				u = k, v = 0;
			else if (k <= 2 * src.w)
				u = k - src.w, v = src.h;
			else if (k <= 2 * src.w + src.h)
				u = 0, v = k - 2 * src.w;
			else
				u = src.w, v = k - 2 * src.w - src.h;
			double xd, yd;
			sgs_distort(ds[i], (u - dst.cx) / dst.fx, (v - dst.cy) / dst.fy, &xd, &yd);
			double su = src.fx * xd + src.cx, sv = src.fy * yd + src.cy;
			double m = fmin(fmin(su, src.w - su), fmin(sv, src.h - sv));
			/* Pixel centres sit half a pixel inside the border, so a
			 * miss of a hundredth of a pixel cannot blank any pixel. */
			outside += m < -0.01;
			slack = fmin(slack, m);
		}
		ok(!outside && slack < 0.5, "%s: new border maps inside the source (min margin %.3g px)",
		   i ? "pincushion" : "barrel", slack);
	}
}

static void test_errors(void)
{
	struct sgs_camera c = {.w = 4, .h = 4, .fx = 4, .fy = 4, .cx = 2, .cy = 2};
	struct sgs_distortion d = {SGS_LENS_SIMPLE_RADIAL, 0.1, 0, 0, 0};
	struct sgs_image img = {0}, out = {0};
	sgs_image_alloc(&img, 5, 4, 3, 8);
	ok(sgs_undistort_image(&img, &c, &d, &c, &out) < 0 && strstr(sgs_error_get(), "5x4"),
	   "image size not matching its camera is refused: %s", sgs_error_get());
	sgs_image_free(&img);
	sgs_image_alloc(&img, 4, 4, 3, 16);
	ok(sgs_undistort_image(&img, &c, &d, &c, &out) < 0, "16-bit image is refused: %s",
	   sgs_error_get());
	sgs_image_free(&img);

	/* Issue 11.4: a lens far outside any real one (k1 = 1e6) used to keep
	 * the distorted intrinsics silently, and every pixel came out 0. */
	struct sgs_camera src = {.w = 32, .h = 24, .fx = 500, .fy = 500, .cx = 16, .cy = 12}, dst;
	struct sgs_distortion wild = {SGS_LENS_OPENCV, 1e6, 0, 0, 0};
	ok(sgs_undistorted_camera(&src, &wild, &dst) == -1 && strstr(sgs_error_get(), "k1 1e+06") &&
		   strstr(sgs_error_get(), "cannot be undistorted over the 32x24 image"),
	   "k1 = 1e6 is refused: %s", sgs_error_get());
	struct sgs_distortion folds = {SGS_LENS_SIMPLE_RADIAL, -5, 0, 0, 0};
	src.fx = src.fy = 20; /* a wide view: the barrel folds over inside it */
	ok(sgs_undistorted_camera(&src, &folds, &dst) == -1 &&
		   strstr(sgs_error_get(), "cannot be undistorted"),
	   "k1 = -5 over a wide view is refused: %s", sgs_error_get());

	/* A lens that folds over between the principal point and the border:
	 * Newton finds each border point's outer preimage, so the border alone
	 * looked fine and the camera was accepted with a focal scale of 1.48. */
	struct sgs_camera sq = {.w = 200, .h = 200, .fx = 100, .fy = 100, .cx = 100, .cy = 100};
	struct sgs_distortion inner_fold = {SGS_LENS_RADIAL, -4, 5, 0, 0};
	ok(sgs_undistorted_camera(&sq, &inner_fold, &dst) == -1 &&
		   strstr(sgs_error_get(), "folds over inside the image"),
	   "k1 = -4, k2 = 5 (folds inside the image) is refused: %s", sgs_error_get());

	/* libFuzzer (colmap_bin): a COLMAP camera 14549016 pixels tall took one
	 * Newton solve per border pixel, 20 s and more; the border samples are
	 * now capped, so it is refused at once. */
	struct sgs_camera tall = {.w = 32, .h = 14549016, .fx = 30, .fy = 30, .cx = 16, .cy = 12};
	struct sgs_distortion mild = {SGS_LENS_SIMPLE_RADIAL, 0.01, 0, 0, 0};
	clock_t t0 = clock();
	int r = sgs_undistorted_camera(&tall, &mild, &dst);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(r == -1 && strstr(sgs_error_get(), "32x14549016") && secs < 2,
	   "a 32x14549016 camera is refused in %.3f s: %s", secs, sgs_error_get());
	/* and a large real-looking one is still undistorted, as quickly */
	struct sgs_camera big = {.w = 100000, .h = 100000, .fx = 5e4, .fy = 5e4, .cx = 5e4, .cy = 5e4};
	struct sgs_distortion barrel = {SGS_LENS_SIMPLE_RADIAL, -0.05, 0, 0, 0};
	t0 = clock();
	r = sgs_undistorted_camera(&big, &barrel, &dst);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(r == 0 && dst.fx < big.fx && secs < 2, "a 100000x100000 barrel camera: focal scale %.4f in %.3f s",
	   dst.fx / big.fx, secs);
}

int main(void)
{
	test_quaternions();
	test_projection();
	test_distortion();
	test_undistort_image();
	test_undistorted_camera();
	test_errors();
	return tap_done();
}
