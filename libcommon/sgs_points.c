/* Point clouds as seed points: memory, opening a file, the check against
 * the train cameras and the hand-over to a scene.  The PLY parsing itself
 * is in points_ply.c. */
#include "sgs_points.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sgs_camera.h"
#include "sgs_error.h"

void sgs_points_init(struct sgs_points *p) { memset(p, 0, sizeof *p); }

void sgs_points_free(struct sgs_points *p)
{
	free(p->xyz);
	free(p->rgb);
	sgs_points_init(p);
}

int sgs_points_load(const char *path, struct sgs_points *p)
{
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	struct stat st;
	if (!f) {
		sgs_points_init(p);
		return sgs_error_set("%s: cannot open: %s", path, strerror(errno));
	}
	/* A regular file's length bounds what its header may promise. */
	int64_t size = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && !is_stdin
			       ? (int64_t)st.st_size : -1;
	int rc = sgs_points_read(f, is_stdin ? "<stdin>" : path, size, p);
	if (!is_stdin)
		fclose(f);
	return rc;
}

/* In front of the camera and inside its image (pixel edges included at
 * the top left, excluded at the bottom right). */
static int in_view(const struct sgs_camera *c, const float *x)
{
	double X[3] = { x[0], x[1], x[2] }, uv[2];
	double z = sgs_camera_project(c, X, uv);
	return z > 0 && uv[0] >= 0 && uv[0] < c->w && uv[1] >= 0 && uv[1] < c->h;
}

uint64_t sgs_points_seen(const struct sgs_points *p, const struct sgs_scene *s)
{
	uint64_t seen = 0;
	#pragma omp parallel for reduction(+ : seen) schedule(static)
	for (int64_t i = 0; i < (int64_t)p->n; i++) {
		int hit = 0;
		for (uint32_t k = 0; k < s->nviews && !hit; k++)
			hit = s->views[k].split == SGS_SPLIT_TRAIN && in_view(&s->views[k].cam, p->xyz + 3 * i);
		seen += hit;
	}
	return seen;
}

void sgs_points_to_seeds(struct sgs_points *p, struct sgs_scene *s)
{
	free(s->seed_xyz);
	free(s->seed_rgb);
	s->nseeds = p->n;
	s->seed_xyz = p->xyz;
	s->seed_rgb = p->rgb;
	p->xyz = NULL;
	p->rgb = NULL;
	sgs_points_free(p);
}
