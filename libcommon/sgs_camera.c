/* Camera math on the host: quaternions, projection, and COLMAP's lens
 * models (the formulas of COLMAP's src/colmap/sensor/models.h). */
#include "sgs_camera.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sgs_error.h"

void sgs_quat_to_rot(const double q[4], double R[9])
{
	double n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
	double w = q[0] / n, x = q[1] / n, y = q[2] / n, z = q[3] / n;

	R[0] = 1 - 2 * (y * y + z * z);
	R[1] = 2 * (x * y - w * z);
	R[2] = 2 * (x * z + w * y);
	R[3] = 2 * (x * y + w * z);
	R[4] = 1 - 2 * (x * x + z * z);
	R[5] = 2 * (y * z - w * x);
	R[6] = 2 * (x * z - w * y);
	R[7] = 2 * (y * z + w * x);
	R[8] = 1 - 2 * (x * x + y * y);
}

/* Shepperd's method: pick the largest of w, x, y, z to divide by so the
 * result stays accurate for every rotation angle. */
void sgs_rot_to_quat(const double R[9], double q[4])
{
	double tr = R[0] + R[4] + R[8], s;

	if (tr > R[0] && tr > R[4] && tr > R[8]) {
		s = 2 * sqrt(1 + tr);
		q[0] = 0.25 * s;
		q[1] = (R[7] - R[5]) / s;
		q[2] = (R[2] - R[6]) / s;
		q[3] = (R[3] - R[1]) / s;
	} else if (R[0] >= R[4] && R[0] >= R[8]) {
		s = 2 * sqrt(1 + R[0] - R[4] - R[8]);
		q[0] = (R[7] - R[5]) / s;
		q[1] = 0.25 * s;
		q[2] = (R[1] + R[3]) / s;
		q[3] = (R[2] + R[6]) / s;
	} else if (R[4] >= R[8]) {
		s = 2 * sqrt(1 + R[4] - R[0] - R[8]);
		q[0] = (R[2] - R[6]) / s;
		q[1] = (R[1] + R[3]) / s;
		q[2] = 0.25 * s;
		q[3] = (R[5] + R[7]) / s;
	} else {
		s = 2 * sqrt(1 + R[8] - R[0] - R[4]);
		q[0] = (R[3] - R[1]) / s;
		q[1] = (R[2] + R[6]) / s;
		q[2] = (R[5] + R[7]) / s;
		q[3] = 0.25 * s;
	}
	/* q and -q are the same rotation; report the one with w >= 0. */
	if (q[0] < 0)
		for (int i = 0; i < 4; i++)
			q[i] = -q[i];
}

/* Newton-Schulz polar iteration X <- 1.5 X - 0.5 X (X^T X): converges to
 * the orthonormal factor of X when X is close to one. */
int sgs_rot_snap(double X[9], double tol, double *err0)
{
	for (int it = 0; it < 8; it++) {
		double XtX[9], Y[9], err = 0;
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 3; b++) {
				XtX[3 * a + b] = X[a] * X[b] + X[3 + a] * X[3 + b] + X[6 + a] * X[6 + b];
				double d = fabs(XtX[3 * a + b] - (a == b));
				err = d > err || d != d ? d : err; /* NaN stays NaN */
			}
		if (it == 0) {
			*err0 = err;
			if (!(err <= tol))
				return -1;
		}
		if (err < 1e-15)
			break;
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 3; b++)
				Y[3 * a + b] = 1.5 * X[3 * a + b] -
					       0.5 * (X[3 * a] * XtX[b] + X[3 * a + 1] * XtX[3 + b] +
						      X[3 * a + 2] * XtX[6 + b]);
		memcpy(X, Y, sizeof Y);
	}
	double det = X[0] * (X[4] * X[8] - X[5] * X[7]) - X[1] * (X[3] * X[8] - X[5] * X[6]) +
		     X[2] * (X[3] * X[7] - X[4] * X[6]);
	return det > 0 ? 0 : -2;
}

void sgs_camera_center(const struct sgs_camera *c, double C[3])
{
	for (int i = 0; i < 3; i++)
		C[i] = -(c->R[i] * c->t[0] + c->R[3 + i] * c->t[1] + c->R[6 + i] * c->t[2]);
}

double sgs_camera_project(const struct sgs_camera *c, const double X[3], double uv[2])
{
	double p[3];

	for (int i = 0; i < 3; i++)
		p[i] = c->R[3 * i] * X[0] + c->R[3 * i + 1] * X[1] + c->R[3 * i + 2] * X[2] + c->t[i];
	uv[0] = c->fx * p[0] / p[2] + c->cx;
	uv[1] = c->fy * p[1] / p[2] + c->cy;
	return p[2];
}

/* The coefficients a lens model actually uses; the others read as zero so
 * stale values in unused fields cannot leak into the maths. */
static void active_coeffs(const struct sgs_distortion *d, double *k1, double *k2,
			  double *p1, double *p2)
{
	*k1 = *k2 = *p1 = *p2 = 0;
	switch (d->lens) {
	case SGS_LENS_OPENCV:
		*p1 = d->p1;
		*p2 = d->p2;
		/* fall through */
	case SGS_LENS_RADIAL:
		*k2 = d->k2;
		/* fall through */
	case SGS_LENS_SIMPLE_RADIAL:
		*k1 = d->k1;
		break;
	default:
		break;
	}
}

int sgs_distortion_is_identity(const struct sgs_distortion *d)
{
	double k1, k2, p1, p2;

	active_coeffs(d, &k1, &k2, &p1, &p2);
	return k1 == 0 && k2 == 0 && p1 == 0 && p2 == 0;
}

/* SIMPLE_RADIAL and RADIAL are OPENCV with the missing terms zero, so one
 * formula covers all models. */
void sgs_distort(const struct sgs_distortion *d, double x, double y, double *xd, double *yd)
{
	double k1, k2, p1, p2;

	active_coeffs(d, &k1, &k2, &p1, &p2);
	double x2 = x * x, y2 = y * y, xy = x * y, r2 = x2 + y2;
	double radial = k1 * r2 + k2 * r2 * r2;
	*xd = x + x * radial + 2 * p1 * xy + p2 * (r2 + 2 * x2);
	*yd = y + y * radial + 2 * p2 * xy + p1 * (r2 + 2 * y2);
}

/* Jacobian of sgs_distort at (x, y), row-major 2x2. */
static void distort_jacobian(double k1, double k2, double p1, double p2, double x, double y,
			     double J[4])
{
	double r2 = x * x + y * y;
	double radial = k1 * r2 + k2 * r2 * r2;
	double dr = 2 * (k1 + 2 * k2 * r2); /* d radial / dx = x * dr */

	J[0] = 1 + radial + x * x * dr + 2 * p1 * y + 6 * p2 * x;
	J[1] = x * y * dr + 2 * p1 * x + 2 * p2 * y;
	J[2] = x * y * dr + 2 * p2 * y + 2 * p1 * x;
	J[3] = 1 + radial + y * y * dr + 2 * p2 * x + 6 * p1 * y;
}

int sgs_undistort_point(const struct sgs_distortion *d, double xd, double yd, double *x, double *y)
{
	double k1, k2, p1, p2, J[4];
	double u = xd, v = yd;

	active_coeffs(d, &k1, &k2, &p1, &p2);
	if (k1 == 0 && k2 == 0 && p1 == 0 && p2 == 0) {
		*x = xd;
		*y = yd;
		return 0;
	}
	/* Newton on distort(u, v) = (xd, yd), starting from the distorted point
	 * (close to the answer for the mild distortion of real lenses). */
	for (int it = 0; it < 100; it++) {
		double fu, fv;
		sgs_distort(d, u, v, &fu, &fv);
		fu -= xd;
		fv -= yd;
		distort_jacobian(k1, k2, p1, p2, u, v, J);
		double det = J[0] * J[3] - J[1] * J[2];
		if (!isfinite(det) || fabs(det) < 1e-300)
			break;
		double du = (J[3] * fu - J[1] * fv) / det;
		double dv = (J[0] * fv - J[2] * fu) / det;
		u -= du;
		v -= dv;
		if (!isfinite(u) || !isfinite(v))
			break;
		if (fabs(du) + fabs(dv) <= 1e-15 * (1 + fabs(u) + fabs(v))) {
			*x = u;
			*y = v;
			return 0;
		}
	}
	/* Accept a solution that stalled at round-off level. */
	double fu, fv;
	sgs_distort(d, u, v, &fu, &fv);
	if (isfinite(u) && isfinite(v) && fabs(fu - xd) + fabs(fv - yd) < 1e-12) {
		*x = u;
		*y = v;
		return 0;
	}
	return -1;
}

/* Bilinear sample of channel ch at continuous pixel position (u, v), pixel
 * centres at +0.5.  Positions inside the image rectangle [0,w]x[0,h] are
 * valid (the half pixel at the border replicates the edge pixel); outside
 * it the result is 0. */
static double sample_bilinear(const struct sgs_image *img, double u, double v, uint32_t ch)
{
	const uint8_t *p = img->data;
	if (!(u >= 0 && v >= 0 && u <= img->w && v <= img->h))
		return 0;
	double fx = u - 0.5, fy = v - 0.5;
	double x0f = floor(fx), y0f = floor(fy);
	double ax = fx - x0f, ay = fy - y0f;
	long x0 = (long)x0f, y0 = (long)y0f;
	long x1 = x0 + 1, y1 = y0 + 1, W = img->w, H = img->h;
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 >= W ? W - 1 : x1;
	y1 = y1 >= H ? H - 1 : y1;
	size_t c = img->c;
	double a = p[((size_t)y0 * W + x0) * c + ch], b = p[((size_t)y0 * W + x1) * c + ch];
	double e = p[((size_t)y1 * W + x0) * c + ch], f = p[((size_t)y1 * W + x1) * c + ch];
	return (1 - ay) * ((1 - ax) * a + ax * b) + ay * ((1 - ax) * e + ax * f);
}

int sgs_undistort_image(const struct sgs_image *src_img, const struct sgs_camera *src,
			const struct sgs_distortion *d, const struct sgs_camera *dst,
			struct sgs_image *dst_img)
{
	if (!src_img->data || src_img->bits != 8 || src_img->c < 1 || src_img->c > 4)
		return sgs_error_set("undistort: need an 8-bit image with 1 to 4 channels");
	if (src_img->w != src->w || src_img->h != src->h)
		return sgs_error_set("undistort: image is %ux%u but its camera is %ux%u",
				     src_img->w, src_img->h, src->w, src->h);
	if (!(dst->fx > 0 && dst->fy > 0 && src->fx > 0 && src->fy > 0) || !dst->w || !dst->h)
		return sgs_error_set("undistort: camera with non-positive focal length or size");
	if (sgs_image_alloc(dst_img, dst->w, dst->h, src_img->c, 8) < 0)
		return -1;

	uint8_t *out = dst_img->data;
	uint32_t c = src_img->c;
	long H = dst->h;
#pragma omp parallel for schedule(static)
	for (long y = 0; y < H; y++) {
		for (uint32_t x = 0; x < dst->w; x++) {
			double xn = (x + 0.5 - dst->cx) / dst->fx;
			double yn = (y + 0.5 - dst->cy) / dst->fy;
			double xd, yd;
			sgs_distort(d, xn, yn, &xd, &yd);
			double u = src->fx * xd + src->cx, v = src->fy * yd + src->cy;
			uint8_t *o = out + ((size_t)y * dst->w + x) * c;
			for (uint32_t ch = 0; ch < c; ch++) {
				double s = sample_bilinear(src_img, u, v, ch);
				o[ch] = (uint8_t)(s + 0.5 > 255 ? 255 : s + 0.5);
			}
		}
	}
	return 0;
}

/* Where the pixel (u, v) of the distorted camera lands in normalised
 * undistorted coordinates. */
static int undistorted_normal(const struct sgs_camera *c, const struct sgs_distortion *d,
			      double u, double v, double *x, double *y)
{
	return sgs_undistort_point(d, (u - c->cx) / c->fx, (v - c->cy) / c->fy, x, y);
}

/* "k1 1e+06, k2 0, p1 0, p2 0": the lens in messages. */
static void lens_words(const struct sgs_distortion *d, char *buf, size_t n)
{
	double k1, k2, p1, p2;
	active_coeffs(d, &k1, &k2, &p1, &p2);
	snprintf(buf, n, "k1 %g, k2 %g, p1 %g, p2 %g", k1, k2, p1, p2);
}

static int lens_error(const struct sgs_camera *c, const struct sgs_distortion *d, const char *why)
{
	char lens[128];
	lens_words(d, lens, sizeof lens);
	return sgs_error_set("lens distortion (%s) cannot be undistorted over the %ux%u image: %s",
			     lens, c->w, c->h, why);
}

/* Border samples per edge: one per pixel up to this size, which covers
 * every real camera; beyond it they spread evenly, so a hostile size (a
 * COLMAP camera 14 million pixels tall) costs no more than a 16K image
 * instead of millions of Newton solves. */
#define MAX_EDGE_SAMPLES 16384
/* Points along each ray from the principal point where the lens must not
 * fold over, and how many rays (spread over the border samples). */
#define RAY_POINTS 32
#define MAX_RAYS 256

/* a + b s + c s^2 > 0 for every s in [0, smax] (a > 0 given). */
static int quadratic_positive(double a, double b, double c, double smax)
{
	if (!(a + b * smax + c * smax * smax > 0))
		return 0;
	if (c > 0) {
		double v = -b / (2 * c);
		if (v > 0 && v < smax && !(a + b * v + c * v * v > 0))
			return 0;
	}
	return 1;
}

/* The lens maps the undistorted region it is used over (the rays from the
 * principal point to the undistorted border points xb, yb, the farthest
 * at r^2 = smax) one to one:
 * its Jacobian stays positive.  Exact for the radial part, whose Jacobian
 * is (1 + k1 s + k2 s^2)(1 + 3 k1 s + 5 k2 s^2) at s = r^2; sampled along
 * the rays when there are tangential terms. */
static int lens_folds(const struct sgs_distortion *d, double smax, const double *xb,
		      const double *yb, size_t n)
{
	double k1, k2, p1, p2;
	active_coeffs(d, &k1, &k2, &p1, &p2);
	if (!quadratic_positive(1, k1, k2, smax) || !quadratic_positive(1, 3 * k1, 5 * k2, smax))
		return 1;
	if (p1 == 0 && p2 == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		for (int t = 1; t <= RAY_POINTS; t++) {
			double J[4], f = (double)t / RAY_POINTS;
			distort_jacobian(k1, k2, p1, p2, f * xb[i], f * yb[i], J);
			if (!(J[0] * J[3] - J[1] * J[2] > 0))
				return 1;
		}
	return 0;
}

/* The undistorted border: the innermost extent of each edge, which bounds
 * the new image, and the farthest point's r^2. */
struct border {
	double left, right, top, bottom, smax;
};

/* Border sample i of steps on the four edges (left, right, top, bottom)
 * in normalised undistorted coordinates, folded into b. */
static int border_sample(const struct sgs_camera *src, const struct sgs_distortion *d,
			 uint32_t steps, uint32_t i, double x[4], double y[4], struct border *b)
{
	double W = src->w, H = src->h, fu = W * i / steps, fv = H * i / steps;
	if (undistorted_normal(src, d, 0, fv, &x[0], &y[0]) < 0 ||
	    undistorted_normal(src, d, W, fv, &x[1], &y[1]) < 0 ||
	    undistorted_normal(src, d, fu, 0, &x[2], &y[2]) < 0 ||
	    undistorted_normal(src, d, fu, H, &x[3], &y[3]) < 0)
		return -1;
	b->left = fmax(b->left, x[0]);
	b->right = fmin(b->right, x[1]);
	b->top = fmax(b->top, y[2]);
	b->bottom = fmin(b->bottom, y[3]);
	for (int k = 0; k < 4; k++)
		b->smax = fmax(b->smax, x[k] * x[k] + y[k] * y[k]);
	return 0;
}

/* The focal scale that keeps the new image inside the border: its
 * normalised x spans [-cx, W-cx] / (s fx), which must lie inside
 * [left, right]; likewise for y. */
static double focal_scale(const struct sgs_camera *src, const struct border *b)
{
	double s = 0, W = src->w, H = src->h;
	if (src->cx > 0)
		s = fmax(s, src->cx / (src->fx * -b->left));
	if (W - src->cx > 0)
		s = fmax(s, (W - src->cx) / (src->fx * b->right));
	if (src->cy > 0)
		s = fmax(s, src->cy / (src->fy * -b->top));
	if (H - src->cy > 0)
		s = fmax(s, (H - src->cy) / (src->fy * b->bottom));
	return s;
}

static int surrounds(const struct border *b)
{
	return b->left < 0 && b->right > 0 && b->top < 0 && b->bottom > 0;
}

/* Same size and principal point; the focal lengths are scaled by one
 * factor s so that every pixel of the undistorted image maps inside the
 * distorted one (no blank border: s > 1 for pincushion lenses, s < 1 for
 * barrel lenses, which keeps more of the field of view).  The scale comes
 * from the undistorted positions of the source's border pixels. */
int sgs_undistorted_camera(const struct sgs_camera *src, const struct sgs_distortion *d,
			   struct sgs_camera *dst)
{
	*dst = *src;
	if (sgs_distortion_is_identity(d))
		return 0;

	/* One sample per pixel along the edges: the extreme between two samples
	 * can be off by far less than the half pixel to the first pixel centre. */
	uint32_t steps = src->w > src->h ? src->w : src->h;
	steps = steps < 64 ? 64 : steps > MAX_EDGE_SAMPLES ? MAX_EDGE_SAMPLES : steps;
	struct border b = {-INFINITY, INFINITY, -INFINITY, INFINITY, 0};
	double x[4], y[4];
	/* The corners first: they are samples too, so the extents they give are
	 * no tighter than all the samples' and the scale no larger; a lens that
	 * fails there (a hostile size or coefficient, most of them) is refused
	 * for it before the tens of thousands of Newton solves of the whole border. */
	if (border_sample(src, d, steps, 0, x, y, &b) < 0 ||
	    border_sample(src, d, steps, steps, x, y, &b) < 0)
		return lens_error(src, d, "the model has no inverse at the border");
	double s = focal_scale(src, &b);
	if (surrounds(&b) && s > 2) {
		char why[96];
		snprintf(why, sizeof why, "it would scale the focal length by %g or more (0.5 to 2 is "
			 "a real lens)", s);
		return lens_error(src, d, why);
	}

	uint32_t ray_every = steps / MAX_RAYS + 1;
	double rx[4 * (MAX_RAYS + 1)], ry[4 * (MAX_RAYS + 1)];
	size_t nrays = 0;
	for (uint32_t i = 0; i <= steps; i++) {
		if (border_sample(src, d, steps, i, x, y, &b) < 0)
			return lens_error(src, d, "the model has no inverse at the border");
		if (i % ray_every == 0 || i == steps)
			for (int k = 0; k < 4; k++) {
				rx[nrays] = x[k];
				ry[nrays++] = y[k];
			}
	}
	/* Newton finds a preimage of each border point; a lens that folds over
	 * inside the image has several, and no undistortion is right. */
	if (lens_folds(d, b.smax, rx, ry, nrays))
		return lens_error(src, d, "the model folds over inside the image (several points "
				  "distort to one)");
	if (!surrounds(&b))
		return lens_error(src, d, "the undistorted border does not surround the principal point");
	s = focal_scale(src, &b);
	/* A wildly different field of view means the lens model is used
	 * outside its valid range. */
	if (!(s >= 0.5 && s <= 2)) {
		char why[96];
		snprintf(why, sizeof why, "it would scale the focal length by %g (0.5 to 2 is a real lens)", s);
		return lens_error(src, d, why);
	}
	dst->fx = src->fx * s;
	dst->fy = src->fy * s;
	return 0;
}
