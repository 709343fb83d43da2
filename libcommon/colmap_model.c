/* The COLMAP sparse model as parsed (colmap_model.h): COLMAP's camera
 * model table and the growing arrays the text and binary readers fill. */
#include <stdlib.h>
#include <string.h>

#include "colmap_model.h"
#include "sgs_camera.h"
#include "sgs_error.h"

/* Indexed by COLMAP's model id; lens -1 = not supported by sgs. */
static const struct {
	const char *name;
	int nparams;
	int lens;
} models[] = {
	{"SIMPLE_PINHOLE", 3, SGS_LENS_SIMPLE_PINHOLE},
	{"PINHOLE", 4, SGS_LENS_PINHOLE},
	{"SIMPLE_RADIAL", 4, SGS_LENS_SIMPLE_RADIAL},
	{"RADIAL", 5, SGS_LENS_RADIAL},
	{"OPENCV", 8, SGS_LENS_OPENCV},
	{"OPENCV_FISHEYE", 8, -1},
	{"FULL_OPENCV", 12, -1},
	{"FOV", 5, -1},
	{"SIMPLE_RADIAL_FISHEYE", 4, -1},
	{"RADIAL_FISHEYE", 5, -1},
	{"THIN_PRISM_FISHEYE", 12, -1},
	{"RAD_TAN_THIN_PRISM_FISHEYE", 16, -1},
};
#define NMODELS ((int)(sizeof models / sizeof models[0]))

int colmap_model_by_name(const char *name)
{
	for (int i = 0; i < NMODELS; i++)
		if (strcmp(models[i].name, name) == 0)
			return i;
	return -1;
}

const char *colmap_model_name(int model)
{
	return model >= 0 && model < NMODELS ? models[model].name : NULL;
}

int colmap_model_nparams(int model)
{
	return model >= 0 && model < NMODELS ? models[model].nparams : -1;
}

int colmap_model_lens(int model)
{
	return model >= 0 && model < NMODELS ? models[model].lens : -1;
}

/* Make room for one more element of `size` bytes in *arr. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? 2 * *cap : 16;
	void *p = realloc(*arr, nc * size);
	if (!p)
		return sgs_error_set("out of memory");
	*arr = p;
	*cap = nc;
	return 0;
}

struct colmap_camera *colmap_add_camera(struct colmap_model *m)
{
	if (grow((void **)&m->cameras, &m->cap_cameras, m->ncameras, sizeof *m->cameras) < 0)
		return NULL;
	struct colmap_camera *c = &m->cameras[m->ncameras++];
	memset(c, 0, sizeof *c);
	return c;
}

struct colmap_image *colmap_add_image(struct colmap_model *m)
{
	if (grow((void **)&m->images, &m->cap_images, m->nimages, sizeof *m->images) < 0)
		return NULL;
	struct colmap_image *im = &m->images[m->nimages++];
	memset(im, 0, sizeof *im);
	return im;
}

int colmap_add_point(struct colmap_model *m, const double xyz[3], const uint8_t rgb[3])
{
	size_t cap = m->cap_points;
	if (m->npoints == cap) {
		size_t nc = cap ? 2 * cap : 1024;
		double *x = realloc(m->xyz, nc * 3 * sizeof *x);
		if (x)
			m->xyz = x;
		uint8_t *c = realloc(m->rgb, nc * 3);
		if (c)
			m->rgb = c;
		uint64_t *s = realloc(m->track_start, (nc + 1) * sizeof *s);
		if (s)
			m->track_start = s;
		if (!x || !c || !s)
			return sgs_error_set("out of memory");
		m->cap_points = nc;
		if (m->npoints == 0)
			m->track_start[0] = 0;
	}
	memcpy(&m->xyz[3 * m->npoints], xyz, 3 * sizeof *xyz);
	memcpy(&m->rgb[3 * m->npoints], rgb, 3);
	m->npoints++;
	m->track_start[m->npoints] = m->ntrack;
	return 0;
}

/* Adds an image id to the track of the last point added. */
int colmap_add_observation(struct colmap_model *m, uint32_t image_id)
{
	size_t cap = m->cap_track;
	if (grow((void **)&m->track, &cap, m->ntrack, sizeof *m->track) < 0)
		return -1;
	m->cap_track = cap;
	m->track[m->ntrack++] = image_id;
	m->track_start[m->npoints] = m->ntrack;
	return 0;
}

void colmap_model_free(struct colmap_model *m)
{
	for (size_t i = 0; i < m->nimages; i++)
		free(m->images[i].name);
	free(m->cameras);
	free(m->images);
	free(m->xyz);
	free(m->rgb);
	free(m->track_start);
	free(m->track);
	memset(m, 0, sizeof *m);
}
