#include "sgs_campath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_camera.h"
#include "sgs_error.h"

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static void cross3(const double a[3], const double b[3], double o[3])
{
	o[0] = a[1] * b[2] - a[2] * b[1];
	o[1] = a[2] * b[0] - a[0] * b[2];
	o[2] = a[0] * b[1] - a[1] * b[0];
}

static int normalize3(double v[3])
{
	double n = sqrt(dot3(v, v));
	if (!(n > 1e-12))
		return -1;
	v[0] /= n;
	v[1] /= n;
	v[2] /= n;
	return 0;
}

int sgs_path_parse(const char *word, int *kind)
{
	if (!strcmp(word, "orbit"))
		*kind = SGS_PATH_ORBIT;
	else if (!strcmp(word, "spiral"))
		*kind = SGS_PATH_SPIRAL;
	else if (!strcmp(word, "between"))
		*kind = SGS_PATH_BETWEEN;
	else
		return sgs_error_set("unknown camera path '%s' (expected orbit, spiral or between)",
				     word);
	return 0;
}

const char *sgs_path_name(int kind)
{
	return kind == SGS_PATH_ORBIT ? "orbit" : kind == SGS_PATH_SPIRAL ? "spiral" : "between";
}

int sgs_camera_look_at(const double pos[3], const double target[3], const double up[3],
		       struct sgs_camera *c)
{
	double f[3] = {target[0] - pos[0], target[1] - pos[1], target[2] - pos[2]};
	double down[3] = {-up[0], -up[1], -up[2]}, x[3], y[3];
	if (normalize3(f) != 0)
		return sgs_error_set("camera path: position and target coincide");
	/* OpenCV axes: x = y × z with y pointing down. */
	cross3(down, f, x);
	if (normalize3(x) != 0)
		return sgs_error_set("camera path: view direction parallel to the up vector");
	cross3(f, x, y);
	for (int j = 0; j < 3; j++) {
		c->R[j] = x[j];
		c->R[3 + j] = y[j];
		c->R[6 + j] = f[j];
	}
	for (int i = 0; i < 3; i++)
		c->t[i] = -dot3(&c->R[3 * i], pos);
	return 0;
}

/* Cameras the path is fitted to: train views, or all of them. */
static uint32_t path_views(const struct sgs_scene *s, const struct sgs_view **v)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->nviews; i++)
		if (s->views[i].split == SGS_SPLIT_TRAIN)
			v[n++] = &s->views[i];
	if (n == 0)
		for (uint32_t i = 0; i < s->nviews; i++)
			v[n++] = &s->views[i];
	return n;
}

/* Mean centre, forward (+z) and up (-y) directions of the cameras. */
static void mean_frame(const struct sgs_view **v, uint32_t n, double c[3], double fwd[3], double up[3])
{
	memset(c, 0, 3 * sizeof *c);
	memset(fwd, 0, 3 * sizeof *fwd);
	memset(up, 0, 3 * sizeof *up);
	for (uint32_t i = 0; i < n; i++) {
		double ci[3];
		sgs_camera_center(&v[i]->cam, ci);
		for (int j = 0; j < 3; j++) {
			c[j] += ci[j] / n;
			fwd[j] += v[i]->cam.R[6 + j];
			up[j] -= v[i]->cam.R[3 + j];
		}
	}
	normalize3(fwd);
	normalize3(up);
}

/* Least-squares point closest to every optical axis; -1 when the axes are
 * (nearly) parallel, as in forward-facing captures. */
static int look_at_point(const struct sgs_view **v, uint32_t n, double p[3])
{
	double A[9] = {0}, b[3] = {0};
	for (uint32_t i = 0; i < n; i++) {
		double ci[3], d[3] = {v[i]->cam.R[6], v[i]->cam.R[7], v[i]->cam.R[8]};
		sgs_camera_center(&v[i]->cam, ci);
		for (int r = 0; r < 3; r++)
			for (int k = 0; k < 3; k++) {
				double m = (r == k) - d[r] * d[k];
				A[3 * r + k] += m;
				b[r] += m * ci[k];
			}
	}
	/* Cramer's rule, refusing ill-conditioned systems. */
	double det = A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) +
		     A[2] * (A[3] * A[7] - A[4] * A[6]);
	if (fabs(det) < 1e-3 * n * n * n)
		return -1;
	for (int col = 0; col < 3; col++) {
		double M[9];
		memcpy(M, A, sizeof M);
		for (int r = 0; r < 3; r++)
			M[3 * r + col] = b[r];
		p[col] = (M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) +
			  M[2] * (M[3] * M[7] - M[4] * M[6])) / det;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int orbit(const struct sgs_view **v, uint32_t n, uint32_t nframes, struct sgs_camera *out)
{
	double c[3], fwd[3], up[3], p[3], e1[3], e2[3], r = 0, hgt = 0;
	mean_frame(v, n, c, fwd, up);
	if (n < 2 || look_at_point(v, n, p) != 0)
		return sgs_error_set("orbit: the cameras do not look at a common point; try -p spiral");
	/* Radius and height of the ring, measured from the look-at point in
	 * the plane perpendicular to the mean up direction. */
	for (uint32_t i = 0; i < n; i++) {
		double ci[3], d[3];
		sgs_camera_center(&v[i]->cam, ci);
		for (int j = 0; j < 3; j++)
			d[j] = ci[j] - p[j];
		double h = dot3(d, up);
		for (int j = 0; j < 3; j++)
			d[j] -= h * up[j];
		r += sqrt(dot3(d, d)) / n;
		hgt += h / n;
	}
	/* Start the orbit at the first camera's azimuth. */
	double c0[3];
	sgs_camera_center(&v[0]->cam, c0);
	for (int j = 0; j < 3; j++)
		e1[j] = c0[j] - p[j];
	double h0 = dot3(e1, up);
	for (int j = 0; j < 3; j++)
		e1[j] -= h0 * up[j];
	if (normalize3(e1) != 0)
		return sgs_error_set("orbit: the first camera sits on the orbit axis");
	cross3(up, e1, e2);
	for (uint32_t k = 0; k < nframes; k++) {
		double th = 2 * M_PI * k / nframes, pos[3];
		for (int j = 0; j < 3; j++)
			pos[j] = p[j] + r * (cos(th) * e1[j] + sin(th) * e2[j]) + hgt * up[j];
		if (sgs_camera_look_at(pos, p, up, &out[k]) != 0)
			return -1;
	}
	return 0;
}

/* LLFF's spiral: around the mean camera, radii from the 90th percentile of
 * the camera offsets, looking at a focus depth blended from the near and
 * far bounds (1/focal = 0.25/near + 0.75/far, with near·0.9 and far·5). */
static int spiral(const struct sgs_view **v, uint32_t n, uint32_t nframes, struct sgs_camera *out)
{
	double c[3], fwd[3], up[3], x[3], y[3], rad[3], near = INFINITY, far = 0;
	mean_frame(v, n, c, fwd, up);
	double down[3] = {-up[0], -up[1], -up[2]};
	cross3(down, fwd, x);
	if (normalize3(x) != 0)
		return sgs_error_set("spiral: cameras' forward and up directions are parallel");
	cross3(fwd, x, y);
	double *off = malloc(sizeof *off * n);
	if (!off)
		return sgs_error_set("out of memory");
	const double *axes[3] = {x, y, fwd};
	for (int a = 0; a < 3; a++) {
		for (uint32_t i = 0; i < n; i++) {
			double ci[3], d[3];
			sgs_camera_center(&v[i]->cam, ci);
			for (int j = 0; j < 3; j++)
				d[j] = ci[j] - c[j];
			off[i] = fabs(dot3(d, axes[a]));
		}
		qsort(off, n, sizeof *off, cmp_double);
		rad[a] = off[(uint32_t)floor(0.9 * (n - 1))];
	}
	free(off);
	for (uint32_t i = 0; i < n; i++)
		if (v[i]->near > 0 && v[i]->far > v[i]->near) {
			near = fmin(near, v[i]->near);
			far = fmax(far, v[i]->far);
		}
	double focal;
	if (far > 0) {
		focal = 1.0 / (0.25 / (0.9 * near) + 0.75 / (5.0 * far));
	} else {
		double p[3], d[3];
		if (look_at_point(v, n, p) != 0)
			return sgs_error_set("spiral: the scene has no depth bounds to focus on");
		for (int j = 0; j < 3; j++)
			d[j] = p[j] - c[j];
		focal = fabs(dot3(d, fwd));
	}
	double target[3];
	for (int j = 0; j < 3; j++)
		target[j] = c[j] + focal * fwd[j];
	/* Two turns, the depth oscillating at half the rate, as LLFF renders. */
	for (uint32_t k = 0; k < nframes; k++) {
		double th = 4 * M_PI * k / nframes, pos[3];
		double a = cos(th) * rad[0], b = sin(th) * rad[1], z = sin(0.5 * th) * rad[2];
		for (int j = 0; j < 3; j++)
			pos[j] = c[j] + a * x[j] + b * y[j] + z * fwd[j];
		if (sgs_camera_look_at(pos, target, up, &out[k]) != 0)
			return -1;
	}
	return 0;
}

/* A camera a fraction f of the way from a to b: slerped rotation, centre
 * on the segment, the nearer end's intrinsics. */
static void interpolate(const struct sgs_camera *a, const struct sgs_camera *b, double f,
			struct sgs_camera *out)
{
	double qa[4], qb[4], q[4], ca[3], cb[3], c[3];
	sgs_rot_to_quat(a->R, qa);
	sgs_rot_to_quat(b->R, qb);
	double d = qa[0] * qb[0] + qa[1] * qb[1] + qa[2] * qb[2] + qa[3] * qb[3];
	if (d < 0) { /* the shorter way round */
		for (int k = 0; k < 4; k++)
			qb[k] = -qb[k];
		d = -d;
	}
	double wa = 1 - f, wb = f;
	if (d < 0.9995) {
		double th = acos(d);
		wa = sin((1 - f) * th) / sin(th);
		wb = sin(f * th) / sin(th);
	}
	double n = 0;
	for (int k = 0; k < 4; k++) {
		q[k] = wa * qa[k] + wb * qb[k];
		n += q[k] * q[k];
	}
	for (int k = 0; k < 4; k++)
		q[k] /= sqrt(n);
	*out = f < 0.5 ? *a : *b;
	sgs_quat_to_rot(q, out->R);
	sgs_camera_center(a, ca);
	sgs_camera_center(b, cb);
	for (int k = 0; k < 3; k++)
		c[k] = (1 - f) * ca[k] + f * cb[k];
	for (int i = 0; i < 3; i++)
		out->t[i] = -dot3(&out->R[3 * i], c);
}

static int between(const struct sgs_view **v, uint32_t n, uint32_t nframes, struct sgs_camera *out)
{
	if (n < 2)
		return sgs_error_set("between: the path needs at least two train views");
	uint32_t k = 0;
	for (uint32_t j = 0; j + 1 < n; j++) {
		uint32_t m = nframes / (n - 1) + (j < nframes % (n - 1));
		for (uint32_t i = 0; i < m; i++)
			interpolate(&v[j]->cam, &v[j + 1]->cam, (i + 1.0) / (m + 1.0), &out[k++]);
	}
	return 0;
}

int sgs_camera_path(const struct sgs_scene *s, int kind, uint32_t nframes, struct sgs_camera *out)
{
	if (s->nviews == 0)
		return sgs_error_set("camera path: the scene has no views");
	if (nframes == 0)
		return sgs_error_set("camera path: no frames requested");
	const struct sgs_view **v = malloc(sizeof *v * s->nviews);
	if (!v)
		return sgs_error_set("out of memory");
	uint32_t n = path_views(s, v);
	if (kind == SGS_PATH_BETWEEN) {
		int rc = between(v, n, nframes, out);
		free(v);
		return rc;
	}
	int rc = kind == SGS_PATH_ORBIT ? orbit(v, n, nframes, out) : spiral(v, n, nframes, out);
	if (rc == 0)
		for (uint32_t k = 0; k < nframes; k++) {
			out[k].w = v[0]->cam.w;
			out[k].h = v[0]->cam.h;
			out[k].fx = v[0]->cam.fx;
			out[k].fy = v[0]->cam.fy;
			out[k].cx = v[0]->cam.cx;
			out[k].cy = v[0]->cam.cy;
		}
	free(v);
	return rc;
}
