/* sgs_mvs_depth(): the options, and the run over the train views -- grey
 * images on the backend, a sweep per view against its ranked sources, then
 * the consistency check once every view has its depth, written into the
 * scene's depth_prior / depth_conf. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mvs_internal.h"
#include "sgs_error.h"

void sgs_mvs_defaults(struct sgs_mvs_opts *o)
{
	memset(o, 0, sizeof *o);
	o->ndepths = 96;
	o->radius = 3;
	o->bilateral = 0;
	o->sigma_color = 0.1f;
	o->sigma_space = 0.0f;
	o->max_sources = 4;
	o->best_k = 2;
	o->refine = 8;
	o->max_cost = 0.5f;
	o->consist_tol = 0.01f;
	o->min_consistent = 1;
	o->default_near = 0.1f;
	o->default_far = 100.0f;
}

static int check_opts(const struct sgs_mvs_opts *o)
{
	if (o->ndepths < 2 || o->ndepths > 4096)
		return sgs_error_set("mvs: %d depth hypotheses outside 2..4096", o->ndepths);
	if (o->radius < 1 || o->radius > SGS_MVS_MAX_RADIUS)
		return sgs_error_set("mvs: window radius %d outside 1..%d", o->radius,
				     SGS_MVS_MAX_RADIUS);
	if (o->max_sources < 1 || o->max_sources > MVS_MAX_SOURCES)
		return sgs_error_set("mvs: %d source views outside 1..%d", o->max_sources,
				     MVS_MAX_SOURCES);
	if (o->best_k < 1 || o->best_k > o->max_sources)
		return sgs_error_set("mvs: best K %d outside 1..%d (the source views)", o->best_k,
				     o->max_sources);
	if (o->refine < 0 || o->refine > 64)
		return sgs_error_set("mvs: %d refinement passes outside 0..64", o->refine);
	if (o->bilateral && !(o->sigma_color > 0))
		return sgs_error_set("mvs: bilateral colour sigma %g not positive", o->sigma_color);
	if (!(o->consist_tol > 0 && o->consist_tol < 1))
		return sgs_error_set("mvs: consistency tolerance %g outside (0, 1)", o->consist_tol);
	if (!(o->max_cost > 0 && o->max_cost <= 2))
		return sgs_error_set("mvs: maximum cost %g outside (0, 2]", o->max_cost);
	if (o->min_consistent < 0)
		return sgs_error_set("mvs: negative minimum of agreeing views");
	if (!(o->default_near > 0 && o->default_far > o->default_near) ||
	    !isfinite(o->default_far))
		return sgs_error_set("mvs: default depth range %g..%g is not 0 < near < far",
				     o->default_near, o->default_far);
	return 0;
}

static void free_views(const struct sgs_backend *be, struct mvs_view *v, int n)
{
	for (int i = 0; v && i < n; i++) {
		if (v[i].grey)
			be->free(v[i].grey);
		free(v[i].depth);
		free(v[i].cost);
	}
	free(v);
}

/* The train views with images, their grey levels on the backend and
 * their depth ranges. */
static int setup_views(const struct sgs_backend *be, const struct sgs_scene *s,
		       const struct sgs_mvs_opts *o, struct mvs_view **out, int *nout)
{
	struct mvs_view *v = calloc(s->nviews ? s->nviews : 1, sizeof *v);
	int n = 0;
	float *grey = NULL;
	if (!v)
		return sgs_error_set("out of memory for %u views", s->nviews);
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *sv = &s->views[i];
		if (sv->split != SGS_SPLIT_TRAIN)
			continue;
		if (!sv->image.data) {
			free_views(be, v, n);
			return sgs_error_set("mvs: train view %s has no image", sv->name);
		}
		struct mvs_view *m = &v[n++];
		m->index = i;
		m->w = (int)sv->cam.w, m->h = (int)sv->cam.h;
		size_t npix = (size_t)m->w * m->h;
		if (sv->image.w != sv->cam.w || sv->image.h != sv->cam.h) {
			free_views(be, v, n);
			return sgs_error_set("mvs: view %s: image %ux%u, camera %ux%u", sv->name,
					     sv->image.w, sv->image.h, sv->cam.w, sv->cam.h);
		}
		sgs_mvs_depth_range(s, i, o, &m->near, &m->far);
		m->depth = calloc(npix, sizeof(float));
		m->cost = calloc(npix, sizeof(float));
		m->grey = be->alloc(npix * sizeof(float));
		grey = malloc(npix * sizeof(float));
		if (!m->depth || !m->cost || !m->grey || !grey || mvs_grey(&sv->image, grey) ||
		    be->upload(m->grey, grey, npix * sizeof(float))) {
			free(grey);
			free_views(be, v, n);
			return sgs_error_prefix("mvs: view %s", sv->name);
		}
		free(grey);
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Sweep view i against its best-ranked sources. */
static int sweep_view(const struct sgs_backend *be, const struct sgs_scene *s,
		      struct mvs_view *views, int n, int i, const struct sgs_mvs_opts *o)
{
	uint32_t ids[MVS_MAX_SOURCES];
	const struct mvs_view *src[MVS_MAX_SOURCES];
	int m = sgs_mvs_rank_sources(s, views[i].index, views[i].near, views[i].far, ids,
				     o->max_sources);
	if (m < 0)
		return -1;
	if (m == 0)
		return 0; /* no usable source: no depth, confidence 0 */
	for (int k = 0; k < m; k++)
		for (int j = 0; j < n; j++)
			if (views[j].index == ids[k])
				src[k] = &views[j];
	if (mvs_sweep(be, s, &views[i], src, m, o))
		return -1;
	return o->refine ? mvs_refine(be, s, &views[i], src, m, o) : 0;
}

int sgs_mvs_depth(const struct sgs_backend *be, struct sgs_scene *s, const struct sgs_mvs_opts *o)
{
	if (!be || !be->mvs_cost || !be->mvs_cost_planes)
		return sgs_error_set("mvs: backend %s has no plane-sweep operation",
				     be ? be->name : "(none)");
	if (check_opts(o))
		return -1;
	if (sgs_scene_count(s, SGS_SPLIT_TRAIN) < 2)
		return sgs_error_set("mvs: needs at least two train views (the scene has %u)",
				     sgs_scene_count(s, SGS_SPLIT_TRAIN));
	struct mvs_view *views = NULL;
	int n = 0;
	if (setup_views(be, s, o, &views, &n))
		return -1;
	int rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		if (o->progress)
			o->progress(o->progress_arg, i + 1, n, s->views[views[i].index].name);
		rc = sweep_view(be, s, views, n, i, o);
	}
	/* results go into the scene only once every view has them */
	float **conf = rc ? NULL : calloc((size_t)n, sizeof *conf);
	if (!rc && !conf)
		rc = sgs_error_set("out of memory for confidences");
	for (int i = 0; i < n && !rc; i++) {
		conf[i] = malloc((size_t)views[i].w * views[i].h * sizeof(float));
		if (!conf[i])
			rc = sgs_error_set("out of memory for confidences");
		else
			mvs_consistency(s, views, n, i, o, conf[i]);
	}
	for (int i = 0; i < n && !rc; i++) {
		struct sgs_view *sv = &s->views[views[i].index];
		free(sv->depth_prior);
		free(sv->depth_conf);
		sv->depth_prior = views[i].depth;
		sv->depth_conf = conf[i];
		views[i].depth = NULL;
		conf[i] = NULL;
	}
	for (int i = 0; conf && i < n; i++)
		free(conf[i]);
	free(conf);
	free_views(be, views, n);
	return rc;
}
