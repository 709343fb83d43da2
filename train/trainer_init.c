/* Where the Gaussians start: scene extent, nearest-neighbour scales (an
 * exact k-d tree, so a million seed points take about a second) and random
 * points in the train frusta. */
#include <math.h>
#include <stdlib.h>

#include "sgs_camera.h"
#include "sgs_error.h"
#include "sgs_math_rng.h"
#include "sgs_scene.h"
#include "sgs_trainer.h"

int sgs_scene_extent(const struct sgs_scene *s, float *extent, float centre[3])
{
	double c[3] = {0, 0, 0}, C[3], maxd = 0;
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		if (s->views[i].split != SGS_SPLIT_TRAIN)
			continue;
		sgs_camera_center(&s->views[i].cam, C);
		for (int k = 0; k < 3; k++)
			c[k] += C[k];
		n++;
	}
	if (n == 0)
		return sgs_error_set("the scene has no train views");
	for (int k = 0; k < 3; k++)
		c[k] /= n;
	for (uint32_t i = 0; i < s->nviews; i++) {
		if (s->views[i].split != SGS_SPLIT_TRAIN)
			continue;
		sgs_camera_center(&s->views[i].cam, C);
		double d = sqrt((C[0] - c[0]) * (C[0] - c[0]) + (C[1] - c[1]) * (C[1] - c[1]) +
				(C[2] - c[2]) * (C[2] - c[2]));
		if (d > maxd)
			maxd = d;
	}
	/* One camera (or all at one place) has no spread: fall back to 1 so
	 * the learning rates and thresholds stay usable. */
	*extent = maxd > 1e-9 ? (float)(1.1 * maxd) : 1.0f;
	if (centre)
		for (int k = 0; k < 3; k++)
			centre[k] = (float)c[k];
	return 0;
}

int sgs_scene_radius(const struct sgs_scene *s, float *radius)
{
	float cam_extent, centre[3];
	double maxd = 0;
	if (sgs_scene_extent(s, &cam_extent, centre) != 0)
		return -1;
	/* Where each train view looks: the point on its optical axis at the
	 * geometric mean of its depth bounds (the middle in inverse depth). */
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN || !(v->near > 0 && v->far > v->near))
			continue;
		double C[3], d = sqrt((double)v->near * v->far), q = 0;
		sgs_camera_center(&v->cam, C);
		for (int a = 0; a < 3; a++) { /* C + R^T (0, 0, d) */
			double x = C[a] + v->cam.R[6 + a] * d - centre[a];
			q += x * x;
		}
		if (sqrt(q) > maxd)
			maxd = sqrt(q);
	}
	*radius = cam_extent > 1.1 * maxd ? cam_extent : (float)(1.1 * maxd);
	return 0;
}

/* ---- k-d tree over an index array: node = middle of its range ---- */

struct kdtree {
	const float *xyz;
	uint32_t *idx;  /* permutation of the points */
	uint8_t *axis;  /* split axis of the node at each position */
};

static float coord(const struct kdtree *t, uint32_t pos, int ax)
{
	return t->xyz[3 * (size_t)t->idx[pos] + ax];
}

static void swap_idx(uint32_t *a, uint32_t i, uint32_t j)
{
	uint32_t x = a[i];
	a[i] = a[j];
	a[j] = x;
}

/* Partial sort of idx[lo, hi) so position k holds the k-th smallest along
 * ax: quickselect with a median-of-three pivot and a three-way partition
 * (the pivot's run is never empty, so every round shrinks the range). */
static void select_kth(struct kdtree *t, uint32_t lo, uint32_t hi, uint32_t k, int ax)
{
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		float a = coord(t, lo, ax), b = coord(t, mid, ax), c = coord(t, hi - 1, ax);
		float pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		uint32_t lt = lo, i = lo, gt = hi; /* [lo,lt) < pivot, [lt,i) ==, [gt,hi) > */
		while (i < gt) {
			float v = coord(t, i, ax);
			if (v < pivot)
				swap_idx(t->idx, lt++, i++);
			else if (v > pivot)
				swap_idx(t->idx, i, --gt);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return;
	}
}

static void build(struct kdtree *t, uint32_t lo, uint32_t hi)
{
	while (hi > lo) {
		float mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
		for (uint32_t i = lo; i < hi; i++)
			for (int k = 0; k < 3; k++) {
				float v = coord(t, i, k);
				mn[k] = v < mn[k] ? v : mn[k];
				mx[k] = v > mx[k] ? v : mx[k];
			}
		int ax = 0;
		for (int k = 1; k < 3; k++)
			if (mx[k] - mn[k] > mx[ax] - mn[ax])
				ax = k;
		uint32_t mid = lo + (hi - lo) / 2;
		select_kth(t, lo, hi, mid, ax);
		t->axis[mid] = (uint8_t)ax;
		build(t, lo, mid);
		lo = mid + 1; /* the right half iteratively: depth stays log n */
	}
}

/* The k nearest distances found so far (k <= SGS_KNN_MAX). */
struct knn {
	double d[SGS_KNN_MAX]; /* ascending squared distances */
	uint32_t id[SGS_KNN_MAX]; /* their points (equal distances: lower index first) */
	int found, k;
};

static void knn_push(struct knn *b, double d, uint32_t id)
{
	if (b->found == b->k &&
	    (d > b->d[b->k - 1] || (d == b->d[b->k - 1] && id >= b->id[b->k - 1])))
		return;
	int i = b->found < b->k ? b->found++ : b->k - 1;
	while (i > 0 && (b->d[i - 1] > d || (b->d[i - 1] == d && b->id[i - 1] > id))) {
		b->d[i] = b->d[i - 1];
		b->id[i] = b->id[i - 1];
		i--;
	}
	b->d[i] = d;
	b->id[i] = id;
}

static void search(const struct kdtree *t, uint32_t lo, uint32_t hi, const float q[3],
		   uint32_t self, struct knn *b)
{
	while (hi > lo) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t p = t->idx[mid];
		if (p != self) {
			const float *x = t->xyz + 3 * (size_t)p;
			double dx = x[0] - q[0], dy = x[1] - q[1], dz = x[2] - q[2];
			knn_push(b, dx * dx + dy * dy + dz * dz, p);
		}
		int ax = t->axis[mid];
		double diff = (double)q[ax] - t->xyz[3 * (size_t)p + ax];
		uint32_t nlo = diff < 0 ? lo : mid + 1, nhi = diff < 0 ? mid : hi;
		uint32_t flo = diff < 0 ? mid + 1 : lo, fhi = diff < 0 ? hi : mid;
		search(t, nlo, nhi, q, self, b);
		if (b->found == b->k && diff * diff > b->d[b->k - 1])
			return;
		lo = flo;
		hi = fhi;
	}
}

/* A tree over n points; free idx and axis afterwards. */
static int kd_new(const float *xyz, uint64_t n, struct kdtree *t)
{
	if (n > UINT32_MAX - 1)
		return sgs_error_set("%llu points: too many for the neighbour search",
				     (unsigned long long)n);
	t->xyz = xyz;
	t->idx = malloc((n ? n : 1) * sizeof *t->idx);
	t->axis = malloc(n ? n : 1);
	if (!t->idx || !t->axis) {
		free(t->idx);
		free(t->axis);
		return sgs_error_set("out of memory for the neighbour search of %llu points",
				     (unsigned long long)n);
	}
	for (uint32_t i = 0; i < n; i++)
		t->idx[i] = i;
	build(t, 0, (uint32_t)n);
	return 0;
}

int sgs_knn_log_scales(const float *xyz, uint64_t n, float *log_scale)
{
	struct kdtree t;
	if (kd_new(xyz, n, &t) != 0)
		return -1;
#pragma omp parallel for schedule(dynamic, 1024)
	for (int64_t i = 0; i < (int64_t)n; i++) {
		struct knn b;
		b.found = 0, b.k = 3;
		search(&t, 0, (uint32_t)n, xyz + 3 * i, (uint32_t)i, &b);
		double mean = 0;
		for (int k = 0; k < b.found; k++)
			mean += b.d[k];
		mean = b.found ? mean / b.found : 0;
		if (mean < 1e-7)
			mean = 1e-7;
		log_scale[i] = (float)log(sqrt(mean));
	}
	free(t.idx);
	free(t.axis);
	return 0;
}

int sgs_knn_mean_distance(const float *xyz, uint64_t n, int k, float *dist)
{
	struct kdtree t;
	if (k < 1 || k > SGS_KNN_MAX)
		return sgs_error_set("%d neighbours: outside 1..%d", k, SGS_KNN_MAX);
	if (kd_new(xyz, n, &t) != 0)
		return -1;
#pragma omp parallel for schedule(dynamic, 1024)
	for (int64_t i = 0; i < (int64_t)n; i++) {
		struct knn b;
		b.found = 0, b.k = k;
		search(&t, 0, (uint32_t)n, xyz + 3 * i, (uint32_t)i, &b);
		double mean = 0;
		for (int j = 0; j < b.found; j++)
			mean += sqrt(b.d[j]);
		dist[i] = b.found ? (float)(mean / b.found) : 0.0f;
	}
	free(t.idx);
	free(t.axis);
	return 0;
}

int sgs_knn_nearest(const float *ref, uint64_t nref, const float *query, uint64_t nq,
		    int skip_self, float *dist)
{
	struct kdtree t;
	if (kd_new(ref, nref, &t) != 0)
		return -1;
	const uint32_t none = UINT32_MAX; /* never an index (kd_new) */
#pragma omp parallel for schedule(dynamic, 1024)
	for (int64_t i = 0; i < (int64_t)nq; i++) {
		struct knn b;
		b.found = 0, b.k = 1;
		search(&t, 0, (uint32_t)nref, query + 3 * i, skip_self ? (uint32_t)i : none, &b);
		dist[i] = b.found ? (float)sqrt(b.d[0]) : INFINITY;
	}
	free(t.idx);
	free(t.axis);
	return 0;
}

int sgs_knn_neighbours(const float *xyz, uint64_t n, int k, uint32_t *idx, float *dist)
{
	struct kdtree t;
	if (k < 1 || k > SGS_KNN_MAX)
		return sgs_error_set("%d neighbours: outside 1..%d", k, SGS_KNN_MAX);
	if (kd_new(xyz, n, &t) != 0)
		return -1;
#pragma omp parallel for schedule(dynamic, 1024)
	for (int64_t i = 0; i < (int64_t)n; i++) {
		struct knn b;
		b.found = 0, b.k = k;
		search(&t, 0, (uint32_t)n, xyz + 3 * i, (uint32_t)i, &b);
		for (int j = 0; j < k; j++) {
			idx[(size_t)k * i + j] = j < b.found ? b.id[j] : UINT32_MAX;
			dist[(size_t)k * i + j] = j < b.found ? (float)sqrt(b.d[j]) : INFINITY;
		}
	}
	free(t.idx);
	free(t.axis);
	return 0;
}

/* ---- random initialisation ---- */

/* Random draws of the initialisation come from their own stream of the
 * counter-based generator, keyed by point index. */
#define INIT_STREAM 0xfffffff0u

int sgs_random_points(const struct sgs_scene *s, uint64_t seed, uint64_t n, float *xyz,
		      uint8_t *rgb)
{
	uint32_t ntrain = sgs_scene_count(s, SGS_SPLIT_TRAIN), k = 0;
	float extent, centre[3];
	if (sgs_scene_extent(s, &extent, centre) != 0)
		return -1;
	const struct sgs_view **train = malloc(ntrain * sizeof *train);
	if (!train)
		return sgs_error_set("out of memory");
	for (uint32_t i = 0; i < s->nviews; i++)
		if (s->views[i].split == SGS_SPLIT_TRAIN)
			train[k++] = &s->views[i];
	for (uint64_t i = 0; i < n; i++) {
		uint32_t v = (uint32_t)(sgs_rng_uniform(seed, INIT_STREAM, i, 0) * ntrain);
		const struct sgs_view *view = train[v < ntrain ? v : ntrain - 1];
		const struct sgs_camera *c = &view->cam;
		double near = view->near, far = view->far;
		if (!(near > 0 && far > near)) {
			double C[3];
			sgs_camera_center(c, C);
			double d = sqrt((C[0] - centre[0]) * (C[0] - centre[0]) +
					(C[1] - centre[1]) * (C[1] - centre[1]) +
					(C[2] - centre[2]) * (C[2] - centre[2]));
			near = SGS_NEAR_DEFAULT;
			far = 2 * d + 3 * extent;
		}
		double px = sgs_rng_uniform(seed, INIT_STREAM, i, 1) * c->w;
		double py = sgs_rng_uniform(seed, INIT_STREAM, i, 2) * c->h;
		double u = sgs_rng_uniform(seed, INIT_STREAM, i, 3);
		/* density ~ z^2 (the frustum's cross-section): uniform in volume */
		double z = cbrt(near * near * near + u * (far * far * far - near * near * near));
		double xc[3] = {(px - c->cx) / c->fx * z - c->t[0], (py - c->cy) / c->fy * z - c->t[1],
				z - c->t[2]};
		for (int a = 0; a < 3; a++) /* x = R^T (x_cam - t) */
			xyz[3 * i + a] = (float)(c->R[a] * xc[0] + c->R[3 + a] * xc[1] + c->R[6 + a] * xc[2]);
		for (int a = 0; a < 3; a++)
			rgb[3 * i + a] = (uint8_t)(sgs_rng_uniform(seed, INIT_STREAM, i, 4 + a) * 256.0f);
	}
	free(train);
	return 0;
}

/* Is pixel i of v a usable prior pixel? */
static int prior_pixel(const struct sgs_view *v, size_t i)
{
	float z = v->depth_prior[i], c = v->depth_conf ? v->depth_conf[i] : 1.0f;
	return z > 0.0f && z < 1e30f && c >= SGS_DEPTH_INIT_CONF;
}

int sgs_scene_has_depth_prior(const struct sgs_scene *s)
{
	for (uint32_t k = 0; k < s->nviews; k++) {
		const struct sgs_view *v = &s->views[k];
		if (v->split != SGS_SPLIT_TRAIN || !v->depth_prior)
			continue;
		for (size_t i = 0; i < (size_t)v->cam.w * v->cam.h; i++)
			if (prior_pixel(v, i))
				return 1;
	}
	return 0;
}

/* The world point of pixel (x, y) of v at its prior's depth, through the
 * pixel centre (world = R^T (camera point - t)), and its colour. */
static void back_project(const struct sgs_view *v, uint32_t x, uint32_t y, float xyz[3],
			 uint8_t rgb[3])
{
	const struct sgs_camera *c = &v->cam;
	size_t i = (size_t)y * c->w + x;
	double z = v->depth_prior[i];
	double p[3] = {(x + 0.5 - c->cx) / c->fx * z - c->t[0],
		       (y + 0.5 - c->cy) / c->fy * z - c->t[1], z - c->t[2]};
	for (int a = 0; a < 3; a++)
		xyz[a] = (float)(c->R[a] * p[0] + c->R[3 + a] * p[1] + c->R[6 + a] * p[2]);
	const struct sgs_image *im = &v->image;
	const uint8_t *px = im->data ? (const uint8_t *)im->data + i * (size_t)im->c : NULL;
	for (int a = 0; a < 3; a++)
		rgb[a] = px ? px[a] : 128;
}

int sgs_depth_points(const struct sgs_scene *s, uint64_t about, float **xyz, uint8_t **rgb,
		     uint64_t *n)
{
	uint64_t usable = 0;
	*xyz = NULL, *rgb = NULL, *n = 0;
	for (uint32_t k = 0; k < s->nviews; k++) {
		const struct sgs_view *v = &s->views[k];
		if (v->split != SGS_SPLIT_TRAIN || !v->depth_prior)
			continue;
		for (size_t i = 0; i < (size_t)v->cam.w * v->cam.h; i++)
			usable += prior_pixel(v, i);
	}
	if (usable == 0)
		return sgs_error_set("no train view has a confident depth prior (run sgs-depth, or "
				     "use -I random or seeds)");
	/* the stride whose count comes nearest `about` */
	double r = about > 0 ? sqrt((double)usable / (double)about) : 1.0;
	uint32_t stride = r < 1.5 ? 1 : r > 65535.0 ? 65535 : (uint32_t)(r + 0.5);
	/* count the grid's usable pixels, then fill exactly that many */
	uint64_t count = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			*xyz = malloc(count * 3 * sizeof **xyz);
			*rgb = malloc(count * 3);
			if (!*xyz || !*rgb) {
				free(*xyz), free(*rgb);
				*xyz = NULL, *rgb = NULL;
				return sgs_error_set("out of memory for %llu depth points",
						     (unsigned long long)count);
			}
		}
		for (uint32_t k = 0; k < s->nviews; k++) {
			const struct sgs_view *v = &s->views[k];
			if (v->split != SGS_SPLIT_TRAIN || !v->depth_prior)
				continue;
			for (uint32_t y = stride / 2; y < v->cam.h; y += stride)
				for (uint32_t x = stride / 2; x < v->cam.w; x += stride) {
					size_t i = (size_t)y * v->cam.w + x;
					if (!prior_pixel(v, i))
						continue;
					if (pass == 1)
						back_project(v, x, y, *xyz + 3 * *n, *rgb + 3 * *n), (*n)++;
					else
						count++;
				}
		}
	}
	return 0;
}
