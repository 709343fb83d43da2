/* The PatchMatch-style refinement after the sweep: every pixel carries a
 * plane n . X = c of its camera (fronto-parallel at its swept depth to
 * start with).  A pass scores, per pixel, NCAND candidate planes with the
 * backend's mvs_cost_planes against every source -- its own plane, its
 * depth on the plane slanted along the depth map's local normal (the
 * windows then follow oblique surfaces), and the planes of its four
 * neighbours (propagation) -- aggregates them as the sweep does and keeps
 * the cheapest (ties: the earlier candidate).  Passes read the previous
 * pass's planes only (Jacobi order), so any thread count gives the same
 * bytes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mvs_internal.h"
#include "sgs_error.h"
#include "sgs_math_mvs.h"

#define NCAND 6
#define MIN_COS 0.2f /* planes seen more grazing than ~78 degrees are not tried */

/* Camera point of pixel (x, y) at depth d. */
static void backproject(const float K[4], int x, int y, float d, float X[3])
{
	X[0] = d * ((float)x + 0.5f - K[2]) / K[0];
	X[1] = d * ((float)y + 0.5f - K[3]) / K[1];
	X[2] = d;
}

/* The plane through pixel (x, y) at depth d with the normal of the depth
 * map there (central differences); the fronto-parallel one where a
 * neighbour has no depth. */
static void slanted_plane(const float K[4], const float *depth, int w, int h, int x, int y,
			  float out[4])
{
	const float d = depth[(size_t)y * w + x];
	float X[3], a[3], b[3], c[3], e[3], n[3];
	backproject(K, x, y, d, X);
	out[0] = 0, out[1] = 0, out[2] = 1, out[3] = d;
	if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1)
		return;
	const float dl = depth[(size_t)y * w + x - 1], dr = depth[(size_t)y * w + x + 1];
	const float du = depth[(size_t)(y - 1) * w + x], dd = depth[(size_t)(y + 1) * w + x];
	if (!(dl > 0 && dr > 0 && du > 0 && dd > 0))
		return;
	backproject(K, x - 1, y, dl, a);
	backproject(K, x + 1, y, dr, b);
	backproject(K, x, y - 1, du, c);
	backproject(K, x, y + 1, dd, e);
	const float gx[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
	const float gy[3] = {e[0] - c[0], e[1] - c[1], e[2] - c[2]};
	n[0] = gx[1] * gy[2] - gx[2] * gy[1];
	n[1] = gx[2] * gy[0] - gx[0] * gy[2];
	n[2] = gx[0] * gy[1] - gx[1] * gy[0];
	const float len = sqrtf(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
	const float xl = sqrtf(X[0] * X[0] + X[1] * X[1] + X[2] * X[2]);
	if (!(len > 0))
		return;
	const float cz = (n[0] * X[0] + n[1] * X[1] + n[2] * X[2]) / (len * xl);
	if (!(fabsf(cz) >= MIN_COS))
		return;
	for (int k = 0; k < 3; k++)
		out[k] = n[k] / len;
	out[3] = (out[0] * X[0] + out[1] * X[1] + out[2] * X[2]);
}

/* The candidates of one pass into cand[k][p][4]; a plane with c = 0
 * (no depth, or outside near..far at this pixel) is scored invalid. */
static void candidates(const struct mvs_view *ref, const float K[4], const float *planes,
		       float *cand)
{
	const int w = ref->w, h = ref->h;
	const size_t npix = (size_t)w * h;
	const long hh = h;
#pragma omp parallel for schedule(static)
	for (long y = 0; y < hh; y++)
		for (int x = 0; x < w; x++) {
			const size_t p = (size_t)y * w + x;
			const int nx[4] = {x - 1, x + 1, x, x}, ny[4] = {(int)y, (int)y, (int)y - 1, (int)y + 1};
			float *c = cand + 4 * p;
			memcpy(c, planes + 4 * p, 4 * sizeof(float));
			if (ref->depth[p] > 0)
				slanted_plane(K, ref->depth, w, h, x, (int)y, c + 4 * npix);
			else
				memset(c + 4 * npix, 0, 4 * sizeof(float));
			for (int k = 0; k < 4; k++) {
				float *q = c + 4 * npix * (size_t)(2 + k);
				if (nx[k] < 0 || ny[k] < 0 || nx[k] >= w || ny[k] >= h)
					memset(q, 0, 4 * sizeof(float));
				else
					memcpy(q, planes + 4 * ((size_t)ny[k] * w + nx[k]), 4 * sizeof(float));
			}
			for (int k = 0; k < NCAND; k++) {
				float *q = c + 4 * npix * (size_t)k;
				float z = q[3] != 0 ? sgs_mvs_plane_depth(K, q, x + 0.5f, y + 0.5f) : 0;
				if (!(z >= ref->near && z <= ref->far))
					q[3] = 0; /* sgs_mvs_plane_depth gives 0: invalid */
			}
		}
}

int mvs_refine(const struct sgs_backend *be, const struct sgs_scene *s, struct mvs_view *ref,
	       const struct mvs_view *const *src, int nsrc, const struct sgs_mvs_opts *o)
{
	const int w = ref->w, h = ref->h;
	const size_t npix = (size_t)w * h;
	const int K = o->best_k < nsrc ? o->best_k : nsrc;
	const struct sgs_camera *cam = &s->views[ref->index].cam;
	const float Kr[4] = {(float)cam->fx, (float)cam->fy, (float)cam->cx, (float)cam->cy};
	struct sgs_mvs_pair pair[MVS_MAX_SOURCES];
	mvs_pairs(s, ref, src, nsrc, o, pair);

	float *planes = malloc(npix * 4 * sizeof(float));
	float *cand = malloc(npix * 4 * NCAND * sizeof(float));
	float *vol = malloc(npix * NCAND * (size_t)nsrc * sizeof(float));
	float *dcand = be->alloc(npix * 4 * NCAND * sizeof(float));
	float *dcost = be->alloc(npix * NCAND * sizeof(float));
	int rc = 0;
	if (!planes || !cand || !vol || !dcand || !dcost) {
		rc = sgs_error_set("view %s: out of memory for the refinement",
				   s->views[ref->index].name);
		goto out;
	}
	for (size_t p = 0; p < npix; p++) {
		float *q = planes + 4 * p;
		q[0] = 0, q[1] = 0, q[2] = 1, q[3] = ref->depth[p];
	}
	for (int pass = 0; pass < o->refine; pass++) {
		candidates(ref, Kr, planes, cand);
		if (be->upload(dcand, cand, npix * 4 * NCAND * sizeof(float))) {
			rc = sgs_error_prefix("view %s: refinement", s->views[ref->index].name);
			goto out;
		}
		for (int j = 0; j < nsrc; j++)
			if (be->mvs_cost_planes(&pair[j], dcand, NCAND, dcost) ||
			    be->download(vol + (size_t)j * NCAND * npix, dcost,
					 npix * NCAND * sizeof(float))) {
				rc = sgs_error_prefix("view %s, source %s: refinement",
						      s->views[ref->index].name,
						      s->views[src[j]->index].name);
				goto out;
			}
		const long n = (long)npix;
#pragma omp parallel for schedule(static)
		for (long p = 0; p < n; p++) {
			float c[MVS_MAX_SOURCES], best = INFINITY;
			int kb = -1;
			for (int k = 0; k < NCAND; k++) {
				for (int j = 0; j < nsrc; j++)
					c[j] = vol[((size_t)j * NCAND + k) * npix + p];
				float a = mvs_mean_best(c, nsrc, K);
				if (a < best && a < SGS_MVS_COST_INVALID) {
					best = a;
					kb = k;
				}
			}
			if (kb < 0)
				continue; /* nothing scored: keep the sweep's result */
			memcpy(planes + 4 * p, cand + 4 * ((size_t)kb * npix + p), 4 * sizeof(float));
			ref->cost[p] = best;
		}
		/* the depth map the next pass's normals come from */
		for (long p = 0; p < n; p++)
			ref->depth[p] = planes[4 * p + 3] != 0
						? sgs_mvs_plane_depth(Kr, planes + 4 * p,
								      (float)(p % w) + 0.5f,
								      (float)(p / w) + 0.5f)
						: 0.0f;
	}
out:
	free(planes);
	free(cand);
	free(vol);
	if (dcand)
		be->free(dcand);
	if (dcost)
		be->free(dcost);
	return rc;
}
