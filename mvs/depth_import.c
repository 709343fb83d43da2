/* Importing external depth maps as aligned depth priors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "depth_import.h"
#include "sgs_camera.h"
#include "sgs_depth_files.h"
#include "sgs_error.h"
#include "sgs_image.h"

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int load_png(const char *path, uint32_t *w, uint32_t *h, float **map)
{
	/* Scale 1 keeps the raw values: the fit finds the real scale. */
	if (sgs_depth_png16_read(path, 1.0f, w, h, map) != 0)
		return -1;
	for (size_t i = 0; i < (size_t)*w * *h; i++)
		if ((*map)[i] == 0)
			(*map)[i] = NAN;
	return 0;
}

static int load_tiff(const char *path, const struct sgs_view *v, uint32_t *w, uint32_t *h,
		     float **map)
{
	uint32_t c;
	if (sgs_tiff_read_float(path, w, h, &c, map) != 0)
		return -1;
	if (c != 1) {
		free(*map);
		*map = NULL;
		return sgs_error_set("%s: map of view '%s' has %u channels, expected 1", path,
				     v->name, c);
	}
	return 0;
}

int sgs_depth_map_load(const char *dir, const struct sgs_view *v, float **map, char **path)
{
	/* NAME_depth.tif last: what sgs-depth -o writes imports again. */
	static const char *const suffixes[] = {".tif", ".tiff", ".png", "_depth.tif"};
	*map = NULL;
	*path = NULL;
	for (int k = 0; k < 4 && !*path; k++) {
		char *p = sgs_stem_path(dir, v->name, suffixes[k]);
		if (!p) /* the name would leave dir, or out of memory */
			return sgs_error_prefix("%s", dir);
		if (is_file(p))
			*path = p;
		else
			free(p);
	}
	if (!*path)
		return sgs_error_set("%s: no depth map for view '%s' (%s.tif, %s.tiff, %s.png or "
				     "%s_depth.tif)", dir, v->name, v->name, v->name, v->name, v->name);
	uint32_t w = 0, h = 0;
	size_t len = strlen(*path);
	int png = len > 4 && strcmp(*path + len - 4, ".png") == 0;
	if ((png ? load_png(*path, &w, &h, map) : load_tiff(*path, v, &w, &h, map)) != 0)
		goto fail;
	if (w != v->cam.w || h != v->cam.h) {
		sgs_error_set("%s: map is %ux%u, view '%s' is %ux%u", *path, w, h, v->name, v->cam.w,
			      v->cam.h);
		goto fail;
	}
	return 0;
fail:
	free(*map);
	free(*path);
	*map = NULL;
	*path = NULL;
	return -1;
}

/* Anchors from the view's own prior: confident pixels on a stride. */
static size_t prior_anchors(const struct sgs_view *v, const float *map, float *m, float *z)
{
	size_t npix = (size_t)v->cam.w * v->cam.h, confident = 0, n = 0;
	for (size_t i = 0; i < npix; i++)
		confident += v->depth_conf[i] > SGS_PRIOR_CONF_MIN && v->depth_prior[i] > 0;
	size_t stride = confident / SGS_IMPORT_MAX_ANCHORS + 1, k = 0;
	for (size_t i = 0; i < npix; i++) {
		if (!(v->depth_conf[i] > SGS_PRIOR_CONF_MIN && v->depth_prior[i] > 0))
			continue;
		if (k++ % stride == 0 && isfinite(map[i])) {
			m[n] = map[i];
			z[n] = v->depth_prior[i];
			n++;
		}
	}
	return n;
}

/* The map at continuous pixel coordinates (pixel i spans [i, i+1), its
 * value sits at i + 0.5): bilinear between the four nearest values when
 * all are finite, so an anchor off a pixel centre on a smooth surface
 * reads the surface, not its neighbour; else the nearest value. */
static float sample_map(const float *map, uint32_t w, uint32_t h, double u, double v)
{
	double x = u - 0.5, y = v - 0.5;
	long x0 = (long)floor(x), y0 = (long)floor(y);
	long xn = (long)u, yn = (long)v; /* the pixel the point falls in */
	if (x0 < 0 || y0 < 0 || x0 + 1 >= (long)w || y0 + 1 >= (long)h)
		return map[(size_t)yn * w + (size_t)xn];
	const float *p = map + (size_t)y0 * w + (size_t)x0;
	float a = p[0], b = p[1], c = p[w], d = p[w + 1];
	if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(d))
		return map[(size_t)yn * w + (size_t)xn];
	double fx = x - x0, fy = y - y0;
	return (float)((1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d));
}

/* Seeds this much farther than the nearest one around them are taken for
 * points hidden behind that surface. */
#define OCCLUSION_RATIO 1.05f
#define OCCLUSION_RADIUS 2 /* pixels: a 5x5 neighbourhood */

/* Anchors from the seed points: the nearest seed per pixel, kept unless a
 * seed in the pixels around it is clearly nearer (sparse points do not
 * cover a surface, so a hidden point often has a pixel to itself). */
static int seed_anchors(const struct sgs_scene *s, const struct sgs_view *v, const float *map,
			float *m, float *z, size_t *n)
{
	uint32_t w = v->cam.w, h = v->cam.h;
	size_t npix = (size_t)w * h;
	float *nearest = malloc(3 * npix * sizeof *nearest); /* z, u, v per pixel */
	if (!nearest)
		return sgs_error_set("out of memory");
	for (size_t i = 0; i < npix; i++)
		nearest[3 * i] = INFINITY;
	for (uint64_t k = 0; k < s->nseeds; k++) {
		double X[3] = {s->seed_xyz[3 * k], s->seed_xyz[3 * k + 1], s->seed_xyz[3 * k + 2]};
		double uv[2], depth = sgs_camera_project(&v->cam, X, uv);
		if (!(depth > 0) || !(uv[0] >= 0 && uv[0] < w && uv[1] >= 0 && uv[1] < h))
			continue;
		size_t i = (size_t)uv[1] * w + (size_t)uv[0];
		if (depth < nearest[3 * i]) {
			nearest[3 * i] = (float)depth;
			nearest[3 * i + 1] = (float)uv[0];
			nearest[3 * i + 2] = (float)uv[1];
		}
	}
	*n = 0;
	for (size_t i = 0; i < npix; i++) {
		if (!isfinite(nearest[3 * i]))
			continue;
		long px = (long)(i % w), py = (long)(i / w);
		int hidden = 0;
		for (long y = py - OCCLUSION_RADIUS; y <= py + OCCLUSION_RADIUS && !hidden; y++)
			for (long x = px - OCCLUSION_RADIUS; x <= px + OCCLUSION_RADIUS && !hidden; x++)
				hidden = x >= 0 && y >= 0 && x < (long)w && y < (long)h &&
					 nearest[3 * i] > OCCLUSION_RATIO * nearest[3 * ((size_t)y * w + (size_t)x)];
		if (hidden)
			continue;
		float value = sample_map(map, w, h, nearest[3 * i + 1], nearest[3 * i + 2]);
		if (isfinite(value)) {
			m[*n] = value;
			z[*n] = nearest[3 * i];
			(*n)++;
		}
	}
	free(nearest);
	/* A dense point cloud: every stride-th anchor, as for a prior, keeps
	 * the fit's time bounded. */
	size_t stride = *n / SGS_IMPORT_MAX_ANCHORS + 1, kept = 0;
	for (size_t k = 0; k < *n; k += stride, kept++) {
		m[kept] = m[k];
		z[kept] = z[k];
	}
	*n = kept;
	return 0;
}

int sgs_depth_anchors(const struct sgs_scene *s, const struct sgs_view *v, const float *map,
		      float **m, float **z, size_t *n, int *source)
{
	size_t npix = (size_t)v->cam.w * v->cam.h;
	size_t cap = v->depth_prior ? SGS_IMPORT_MAX_ANCHORS + 1 : npix;
	*m = malloc(cap * sizeof **m);
	*z = malloc(cap * sizeof **z);
	*n = 0;
	if (!*m || !*z) {
		free(*m);
		free(*z);
		*m = *z = NULL;
		return sgs_error_set("out of memory");
	}
	if (v->depth_prior) {
		*source = SGS_ANCHORS_PRIOR;
		*n = prior_anchors(v, map, *m, *z);
		return 0;
	}
	*source = SGS_ANCHORS_SEEDS;
	if (seed_anchors(s, v, map, *m, *z, n) != 0) {
		free(*m);
		free(*z);
		*m = *z = NULL;
		return -1;
	}
	return 0;
}

int sgs_depth_import_view(const struct sgs_scene *s, const struct sgs_view *v, const char *dir,
			  const struct sgs_align_opts *o, float *depth, float *conf,
			  struct sgs_align_fit *fit, int *source)
{
	float *map, *m = NULL, *z = NULL;
	char *path;
	size_t n;
	if (sgs_depth_map_load(dir, v, &map, &path) != 0)
		return -1;
	int rc = -1;
	if (sgs_depth_anchors(s, v, map, &m, &z, &n, source) != 0)
		goto done;
	if (sgs_align_fit(m, z, n, o, fit) != 0) {
		sgs_error_prefix("%s: view '%s': %s", path, v->name,
				 *source == SGS_ANCHORS_PRIOR ? "anchors from its depth prior"
							      : "anchors from the seed points");
		goto done;
	}
	for (size_t i = 0; i < (size_t)v->cam.w * v->cam.h; i++) {
		depth[i] = isfinite(map[i]) ? sgs_align_apply(fit, o->disparity, map[i]) : 0.f;
		conf[i] = depth[i] > 0 ? 1.f : 0.f;
	}
	rc = 0;
done:
	free(map);
	free(path);
	free(m);
	free(z);
	return rc;
}
