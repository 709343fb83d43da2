/* Per-view depth bounds (near/far along z) for scenes whose capture does
 * not give them (only LLFF's poses_bounds.npy does).  The rule, in order:
 *  1. the capture's own bounds;
 *  2. the seed points that project into the view: the 0.1% and 99.9%
 *     percentiles of their depth, widened by 20% (a point cloud is sparse
 *     and its extremes are noisy, so neither min/max nor a tight range);
 *  3. the camera layout: when the cameras' optical axes converge (an
 *     object-centric ring or dome), the point nearest all axes is what they
 *     look at; with d its depth in a view, the bounds are d/2 and 3d/2,
 *     i.e. the object may fill half the distance to each camera (for the
 *     NeRF-synthetic ring this gives 2.0 and 6.05, NeRF's own 2 and 6);
 *  4. otherwise unknown (0, 0). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_protocol.h"

#define MIN_POINTS 16
#define AXIS_SPREAD 0.05 /* smallest eigenvalue / n: axes spread ~13 degrees */

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static double cam_z(const struct sgs_camera *c, const double X[3])
{
	return c->R[6] * X[0] + c->R[7] * X[1] + c->R[8] * X[2] + c->t[2];
}

static int seed_bounds(const struct sgs_scene *s, struct sgs_view *v, float *z)
{
	const struct sgs_camera *c = &v->cam;
	size_t n = 0;
	for (uint64_t p = 0; p < s->nseeds; p++) {
		const float *q = s->seed_xyz + 3 * p;
		double X[3] = {q[0], q[1], q[2]}, xc[3];
		for (int r = 0; r < 3; r++)
			xc[r] = c->R[3 * r] * X[0] + c->R[3 * r + 1] * X[1] + c->R[3 * r + 2] * X[2] + c->t[r];
		if (!(xc[2] > 0))
			continue;
		double u = c->fx * xc[0] / xc[2] + c->cx, w = c->fy * xc[1] / xc[2] + c->cy;
		if (u >= 0 && u <= c->w && w >= 0 && w <= c->h)
			z[n++] = (float)xc[2];
	}
	if (n < MIN_POINTS)
		return 0;
	qsort(z, n, sizeof *z, cmp_float);
	float lo = z[(size_t)floor(0.001 * (double)(n - 1))];
	float hi = z[(size_t)ceil(0.999 * (double)(n - 1))];
	v->near = 0.8f * lo;
	v->far = 1.2f * hi;
	return v->far > v->near && v->near > 0;
}

/* Smallest eigenvalue of a symmetric 3x3 matrix (closed form). */
static double min_eigenvalue(const double A[9])
{
	double p1 = A[1] * A[1] + A[2] * A[2] + A[5] * A[5];
	double q = (A[0] + A[4] + A[8]) / 3;
	if (p1 == 0)
		return fmin(A[0], fmin(A[4], A[8]));
	double p2 = (A[0] - q) * (A[0] - q) + (A[4] - q) * (A[4] - q) + (A[8] - q) * (A[8] - q) +
		    2 * p1;
	double p = sqrt(p2 / 6), B[9];
	for (int k = 0; k < 9; k++)
		B[k] = (A[k] - (k % 4 == 0 ? q : 0)) / p;
	double r = (B[0] * (B[4] * B[8] - B[5] * B[7]) - B[1] * (B[3] * B[8] - B[5] * B[6]) +
		    B[2] * (B[3] * B[7] - B[4] * B[6])) / 2;
	r = r < -1 ? -1 : r > 1 ? 1 : r;
	double phi = acos(r) / 3;
	return q + 2 * p * cos(phi + 2 * M_PI / 3);
}

/* Least-squares point nearest every camera's optical axis; 0 when the axes
 * are too close to parallel (forward-facing captures) to define it. */
static int look_at_point(const struct sgs_dataset *d, double P[3])
{
	double A[9] = {0}, b[3] = {0};
	if (d->nviews < 2)
		return 0;
	for (uint32_t i = 0; i < d->nviews; i++) {
		const struct sgs_camera *c = &d->views[i].cam;
		const double *dir = c->R + 6; /* forward axis in world coordinates */
		double C[3];
		for (int k = 0; k < 3; k++)
			C[k] = -(c->R[k] * c->t[0] + c->R[3 + k] * c->t[1] + c->R[6 + k] * c->t[2]);
		for (int r = 0; r < 3; r++)
			for (int k = 0; k < 3; k++) {
				double m = (r == k) - dir[r] * dir[k];
				A[3 * r + k] += m;
				b[r] += m * C[k];
			}
	}
	if (!(min_eigenvalue(A) >= AXIS_SPREAD * d->nviews))
		return 0;
	double det = A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) +
		     A[2] * (A[3] * A[7] - A[4] * A[6]);
	/* Cramer's rule: well conditioned here, by the eigenvalue test. */
	for (int col = 0; col < 3; col++) {
		double M[9];
		memcpy(M, A, sizeof M);
		for (int r = 0; r < 3; r++)
			M[3 * r + col] = b[r];
		P[col] = (M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) +
			  M[2] * (M[3] * M[7] - M[4] * M[6])) / det;
	}
	return isfinite(P[0]) && isfinite(P[1]) && isfinite(P[2]);
}

void sgs_protocol_bounds(const struct sgs_dataset *d, struct sgs_scene *s)
{
	double P[3];
	int have_target = look_at_point(d, P);
	float *z = s->nseeds ? malloc(s->nseeds * sizeof *z) : NULL;
	for (uint32_t i = 0; i < s->nviews; i++) {
		struct sgs_view *v = &s->views[i];
		if (v->near > 0 && v->far > v->near)
			continue;
		if (z && seed_bounds(s, v, z))
			continue;
		double depth = have_target ? cam_z(&v->cam, P) : 0;
		if (depth > 0) {
			v->near = (float)(0.5 * depth);
			v->far = (float)(1.5 * depth);
		} else {
			v->near = v->far = 0;
		}
	}
	free(z);
}
