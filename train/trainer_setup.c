/* Building a trainer: the train views and their ground truth on the
 * backend, the per-Gaussian state, the initial Gaussians, and teardown. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "trainer_internal.h"

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		h = (h ^ (uint8_t)(v >> (8 * i))) * 0x100000001b3ull;
	return h;
}

static uint64_t fnv_f64(uint64_t h, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return fnv_u64(h, u);
}

uint64_t trainer_fingerprint(const struct sgs_scene *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int k = 0; k < 3; k++)
		h = fnv_f64(h, s->background[k]);
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		const struct sgs_camera *c = &v->cam;
		double a[] = {c->fx, c->fy, c->cx, c->cy};
		h = fnv_u64(h, i);
		h = fnv_u64(h, (uint64_t)c->w << 32 | c->h);
		for (int k = 0; k < 4; k++)
			h = fnv_f64(h, a[k]);
		for (int k = 0; k < 9; k++)
			h = fnv_f64(h, c->R[k]);
		for (int k = 0; k < 3; k++)
			h = fnv_f64(h, c->t[k]);
		h = fnv_f64(h, v->near); /* the depth bounds set the scene radius */
		h = fnv_f64(h, v->far);
		if (v->image.data)
			h = fnv(h, v->image.data, (size_t)v->image.w * v->image.h * v->image.c);
	}
	return h;
}

int trainer_view_rgb(const struct sgs_view *v, const float bg[3], float *rgb, float *alpha)
{
	const struct sgs_image *im = &v->image;
	if (!im->data)
		return sgs_error_set("view %s: no image", v->name);
	if (im->w != v->cam.w || im->h != v->cam.h || im->bits != 8 || (im->c != 3 && im->c != 4))
		return sgs_error_set("view %s: expected an 8-bit RGB(A) image of %ux%u", v->name,
				     v->cam.w, v->cam.h);
	size_t np = (size_t)im->w * im->h;
	const uint8_t *px = im->data;
	for (size_t i = 0; i < np; i++) {
		const uint8_t *p = px + i * im->c;
		float a = im->c == 4 ? p[3] / 255.0f : 1.0f;
		for (int c = 0; c < 3; c++) {
			float col = p[c] / 255.0f;
			rgb[3 * i + c] = alpha ? col : col * a + bg[c] * (1 - a);
		}
		if (alpha)
			alpha[i] = a;
	}
	return 0;
}

/* Ground truth of one view as floats in [0,1]; RGBA images are matted on
 * the scene background, or kept straight with their alpha when the
 * background changes every iteration. */
/* The view's depth prior and confidence (1 where the scene gives none). */
static int upload_prior(struct sgs_trainer *t, struct train_view *tv, const struct sgs_view *v)
{
	size_t np = (size_t)tv->w * tv->h;
	float *ones = NULL;
	if (!v->depth_conf && !(ones = malloc(np * sizeof *ones)))
		return sgs_error_set("out of memory for view %s", v->name);
	for (size_t i = 0; ones && i < np; i++)
		ones[i] = 1.0f;
	tv->prior = t->be->alloc(np * sizeof(float));
	tv->conf = t->be->alloc(np * sizeof(float));
	int rc = !tv->prior || !tv->conf ||
		 t->be->upload(tv->prior, v->depth_prior, np * sizeof(float)) != 0 ||
		 t->be->upload(tv->conf, ones ? ones : v->depth_conf, np * sizeof(float)) != 0;
	free(ones);
	return rc ? sgs_error_prefix("depth prior of view %s", v->name) : 0;
}

int trainer_upload_view(struct sgs_trainer *t, struct train_view *tv, const struct sgs_view *v)
{
	const struct sgs_image *im = &v->image;
	size_t np = (size_t)tv->w * tv->h;
	float bg[3] = {t->scene->background[0], t->scene->background[1], t->scene->background[2]};
	float *rgb = malloc(3 * np * sizeof *rgb);
	if (!rgb)
		return sgs_error_set("out of memory for view %s", v->name);
	int keep_alpha = im->c == 4 && t->o.random_bg;
	if (keep_alpha && !(tv->alpha = malloc(np * sizeof *tv->alpha))) {
		free(rgb);
		return sgs_error_set("out of memory for view %s", v->name);
	}
	if (trainer_view_rgb(v, bg, rgb, keep_alpha ? tv->alpha : NULL) != 0) {
		free(rgb);
		return -1;
	}
	tv->gt = t->be->alloc(3 * np * sizeof(float));
	if (!tv->gt || t->be->upload(tv->gt, rgb, 3 * np * sizeof(float)) != 0) {
		free(rgb);
		return sgs_error_prefix("view %s", v->name);
	}
	if (keep_alpha)
		tv->rgb = rgb;
	else
		free(rgb);
	return 0;
}

int trainer_check_reg(const struct sgs_trainer_opts *o, char *why, size_t n)
{
#define BAD(...) (snprintf(why, n, __VA_ARGS__), -1)
	if (!(o->dropout >= 0.0f && o->dropout < 1.0f))
		return BAD("dropout rate %g outside [0, 1)", o->dropout);
	if (!(o->opacity_decay == 0.0f || (o->opacity_decay > 0.0f && o->opacity_decay < 1.0f)))
		return BAD("opacity decay %g outside (0, 1)", o->opacity_decay);
	if (!(o->scale_ratio_weight >= 0.0f && o->scale_ratio_weight < 1e30f &&
	      o->scale_max_weight >= 0.0f && o->scale_max_weight < 1e30f))
		return BAD("scale weights %g, %g: not finite numbers >= 0", o->scale_ratio_weight,
			   o->scale_max_weight);
	if (o->scale_ratio_weight > 0.0f && !(o->scale_ratio >= 1.0f && o->scale_ratio < 1e30f))
		return BAD("scale ratio threshold %g: not a finite number >= 1", o->scale_ratio);
	if (o->scale_max_weight > 0.0f && !(o->scale_max > 0.0f && o->scale_max < 1e30f))
		return BAD("largest scale %g: not a finite number > 0", o->scale_max);
	if (!(o->floater_std >= 0.0f && o->floater_std < 1e30f))
		return BAD("floater threshold %g: not a finite number >= 0", o->floater_std);
	if (o->floater_std > 0.0f && (o->floater_knn < 1 || o->floater_knn > SGS_KNN_MAX))
		return BAD("%u floater neighbours (1 to %d)", o->floater_knn, SGS_KNN_MAX);
	if (!(o->floater_margin >= 0.0f && o->floater_margin < 1.0f))
		return BAD("floater depth margin %g outside [0, 1)", o->floater_margin);
	if (!(o->floater_conf >= 0.0f && o->floater_conf < 1e30f))
		return BAD("floater confidence %g: not a finite number >= 0", o->floater_conf);
	if (o->coreg && o->fields != 2)
		return BAD("co-regularisation needs two fields, not %u", o->fields);
	if (o->coreg && !(o->coreg_weight >= 0.0f && o->coreg_weight < 1e30f))
		return BAD("co-regularisation weight %g: not a finite number >= 0", o->coreg_weight);
	if (o->coreg && !(o->coprune_dist >= 0.0f && o->coprune_dist < 1e30f &&
			  (o->coprune_dist > 0.0f || (o->coprune_mult > 0.0f && o->coprune_mult < 1e30f))))
		return BAD("co-pruning distance %g, multiple %g: not finite numbers > 0",
			   o->coprune_dist, o->coprune_mult);
	if (!(o->unpool >= 0.0f && o->unpool < 1e30f))
		return BAD("unpooling threshold %g: not a finite number >= 0", o->unpool);
	if (o->unpool > 0.0f && (o->unpool_knn < 1 || o->unpool_knn > SGS_KNN_MAX))
		return BAD("%u unpooling neighbours (1 to %d)", o->unpool_knn, SGS_KNN_MAX);
	if ((o->refine_poses != 0 && o->refine_poses != 1) ||
	    (o->refine_poses && !(o->pose_lr > 0.0f && o->pose_lr <= 1.0f)))
		return BAD("pose refinement %d at rate %g: not a rate in (0, 1]", o->refine_poses,
			   o->pose_lr);
	if (!(o->pseudo_weight >= 0.0f && o->pseudo_weight < 1e30f) ||
	    (o->pseudo_weight > 0.0f && o->pseudo_every < 1))
		return BAD("pseudo views weighted %g every %u iterations", o->pseudo_weight,
			   o->pseudo_every);
	if ((o->warp != 0 && o->warp != 1) ||
	    (o->warp && !(o->warp_weight >= 0.0f && o->warp_weight < 1e30f &&
			  o->warp_baseline >= 0.0f && o->warp_baseline < 1e30f)))
		return BAD("warp consistency %d weighted %g at baseline %g: not finite numbers >= 0",
			   o->warp, o->warp_weight, o->warp_baseline);
	return 0;
#undef BAD
}

int trainer_setup(struct sgs_trainer *t, const struct sgs_backend *be, const struct sgs_scene *s,
		  const struct sgs_trainer_opts *o)
{
	char why[192];
	size_t maxpix = 0;
	t->be = be;
	t->ops = &be->train;
	t->scene = s;
	t->o = *o;
	if (o->sh_degree < 0 || o->sh_degree > 3)
		return sgs_error_set("SH degree %d out of range 0..3", o->sh_degree);
	if (o->fields < 1 || o->fields > SGS_MAX_FIELDS)
		return sgs_error_set("%u Gaussian fields (1 to %d)", o->fields, SGS_MAX_FIELDS);
	t->nfields = o->fields;
	t->densify = o->mcmc ? &densify_mcmc : &densify_inria;
	if (sgs_trainer_check_depth(o) != 0)
		return -1;
	if (trainer_check_reg(o, why, sizeof why) != 0 ||
	    sgs_trainer_check_masks(o, why, sizeof why) != 0)
		return sgs_error_set("%s", why);
	/* masks in training: only when allowed, and then they must be there */
	if (o->train_masks && !sgs_scene_has_train_masks(s))
		return sgs_error_set("training with masks, but no train view has a mask (or an "
				     "alpha channel)");
	if (t->o.iterations == 0) /* the recipe's length for this many views */
		t->o.iterations = sgs_trainer_auto_iterations(sgs_scene_count(s, SGS_SPLIT_TRAIN));
	if (sgs_scene_radius(s, &t->extent) != 0)
		return -1;
	sgs_schedule_for(&t->o, sgs_scene_count(s, SGS_SPLIT_TRAIN), &t->sched);
	/* pseudo views count once attached (sgs_trainer_set_pseudo) */
	t->pseudo_weight = t->o.pseudo_weight;
	t->o.pseudo_weight = 0.0f;
	t->white_bg = s->background[0] == 1 && s->background[1] == 1 && s->background[2] == 1;
	t->fingerprint = trainer_fingerprint(s);
	t->ntrain = sgs_scene_count(s, SGS_SPLIT_TRAIN);
	t->views = calloc(t->ntrain, sizeof *t->views);
	t->stack = calloc(t->ntrain, sizeof *t->stack);
	if (!t->views || !t->stack)
		return sgs_error_set("out of memory");
	for (uint32_t i = 0, k = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		struct train_view *tv = &t->views[k++];
		tv->scene_index = i;
		sgs_cam_from_camera(&v->cam, &tv->cam);
		tv->w = (int)v->cam.w;
		tv->h = (int)v->cam.h;
		if (trainer_upload_view(t, tv, v) != 0 ||
		    (sgs_trainer_uses_prior(&t->o) && v->depth_prior && upload_prior(t, tv, v) != 0))
			return -1;
		if ((size_t)tv->w * tv->h > maxpix)
			maxpix = (size_t)tv->w * tv->h;
	}
	/* The terms against the prior need one somewhere; the resolved
	 * weights go into checkpoints.  The smoothness needs the rendered
	 * depth only. */
	int priors = 0;
	for (uint32_t k = 0; k < t->ntrain; k++)
		priors |= t->views[k].prior != NULL;
	if (!priors)
		t->o.depth_weight = t->o.depth_patch_weight = t->o.depth_relative_weight =
			t->o.depth_rank_weight = t->o.depth_continuity_weight = 0.0f;
	t->nterms = loss_terms(&t->o, t->terms);
	if (trainer_scratch(t, maxpix) != 0)
		return -1;
	if (t->o.refine_poses && trainer_poses_init(t) != 0)
		return -1;
	return 0;
}

int trainer_scratch(struct sgs_trainer *t, size_t maxpix)
{
	const struct sgs_backend *be = t->be;
	if (maxpix <= t->maxpix)
		return 0;
	sgs_render_out_free(be, &t->out);
	be->free(t->dimg);
	be->free(t->ddepth);
	be->free(t->gt_scratch);
	free(t->host_scratch);
	t->dimg = t->ddepth = t->gt_scratch = t->host_scratch = NULL;
	t->maxpix = 0;
	/* One set of output buffers fits every view: the kernels only touch
	 * the first w*h entries. */
	if (sgs_render_out_alloc(be, &t->out, (int)maxpix, 1, 0) != 0 ||
	    !(t->dimg = be->alloc(3 * maxpix * sizeof(float))) ||
	    !(t->gt_scratch = be->alloc(3 * maxpix * sizeof(float))))
		return -1;
	if ((sgs_trainer_uses_prior(&t->o) || t->o.depth_smooth_weight > 0.0f || t->o.warp) &&
	    (!(t->out.depth = be->alloc(maxpix * sizeof(float))) ||
	     !(t->ddepth = be->alloc(maxpix * sizeof(float)))))
		return -1;
	if (!(t->host_scratch = malloc(3 * maxpix * sizeof(float))))
		return sgs_error_set("out of memory");
	t->maxpix = maxpix;
	if (trainer_warp_setup(t, maxpix) != 0)
		return -1;
	return trainer_coreg_setup(t, maxpix);
}

uint64_t trainer_field_seed(const struct sgs_trainer *t, uint32_t k)
{
	return t->o.seed + k;
}

/* The points of a visual hull carved from the train views' masks; what
 * it carved goes to t->hull. */
static int hull_points(struct sgs_trainer *t, float **xyz, uint8_t **rgb, uint64_t *n)
{
	struct sgs_hull h;
	if (sgs_hull_carve(t->scene, t->o.hull_res, t->o.hull_dilate, &h) != 0)
		return -1;
	int rc = sgs_hull_points(t->scene, &h, t->o.init_count, xyz, rgb, n);
	if (rc == 0) {
		struct sgs_hull_info *i = &t->hull;
		memcpy(i->n, h.n, sizeof i->n);
		i->views = h.views, i->voxel = h.voxel;
		i->kept = h.kept, i->surface = h.surface, i->points = *n;
		t->has_hull = 1;
	}
	sgs_hull_free(&h);
	return rc;
}

const struct sgs_hull_info *sgs_trainer_hull(const struct sgs_trainer *t)
{
	return t->has_hull ? &t->hull : NULL;
}

/* Field k's first Gaussians, as the (resolved) init option says. */
static int init_field(struct sgs_trainer *t, uint32_t k)
{
	const struct sgs_scene *s = t->scene;
	struct sgs_field *f = &t->fields[k];
	if (t->o.init == SGS_INIT_HULL) { /* deterministic: every field the same */
		float *pxyz;
		uint8_t *prgb;
		uint64_t np;
		if (hull_points(t, &pxyz, &prgb, &np) != 0)
			return -1;
		int r = field_from_points(f, t->be, t->o.sh_degree, pxyz, prgb, np);
		free(pxyz);
		free(prgb);
		return r;
	}
	if (t->o.init == SGS_INIT_SEEDS) {
		if (s->nseeds == 0)
			return sgs_error_set("the scene has no seed points; use -I random (with -N count)");
		return field_from_points(f, t->be, t->o.sh_degree, s->seed_xyz, s->seed_rgb, s->nseeds);
	}
	if (t->o.init == SGS_INIT_DEPTH) {
		float *pxyz;
		uint8_t *prgb;
		uint64_t np;
		if (sgs_depth_points(s, t->o.init_count, &pxyz, &prgb, &np) != 0)
			return -1;
		int r = field_from_points(f, t->be, t->o.sh_degree, pxyz, prgb, np);
		free(pxyz);
		free(prgb);
		return r;
	}
	uint64_t n = t->o.init_count;
	float *xyz = malloc((n ? n : 1) * 3 * sizeof *xyz);
	uint8_t *rgb = malloc((n ? n : 1) * 3);
	int rc = -1;
	if (!xyz || !rgb)
		sgs_error_set("out of memory for %llu random points", (unsigned long long)n);
	else if (n == 0)
		sgs_error_set("random initialisation needs at least one point");
	else if (sgs_random_points(s, trainer_field_seed(t, k), n, xyz, rgb) == 0)
		rc = field_from_points(f, t->be, t->o.sh_degree, xyz, rgb, n);
	free(xyz);
	free(rgb);
	return rc;
}

int sgs_trainer_new(const struct sgs_backend *be, const struct sgs_scene *s, const struct sgs_trainer_opts *o,
		    struct sgs_trainer **out)
{
	struct sgs_trainer *t = calloc(1, sizeof *t);
	*out = NULL;
	if (!t)
		return sgs_error_set("out of memory");
	int rc = trainer_setup(t, be, s, o);
	/* auto: the depth prior's pixels, else the seed points, else random;
	 * measured with the default recipe (sgs-train(1), Initialisation):
	 * prior pixels beat the same priors fused into seeds on fern, lego
	 * and DTU */
	if (rc == 0 && t->o.init == SGS_INIT_AUTO)
		t->o.init = sgs_scene_has_depth_prior(s) ? SGS_INIT_DEPTH
			    : s->nseeds > 0              ? SGS_INIT_SEEDS
							 : SGS_INIT_RANDOM;
	for (uint32_t k = 0; rc == 0 && k < t->nfields; k++)
		rc = init_field(t, k);
	if (rc == 0)
		rc = t->densify->prepare(t);
	/* the cap is resolved now; the Gaussians have not grown yet */
	if (rc == 0)
		rc = trainer_check_memory(t);
	if (rc != 0) {
		sgs_trainer_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void sgs_trainer_free(struct sgs_trainer *t)
{
	if (!t)
		return;
	const struct sgs_backend *be = t->be;
	if (be) {
		for (uint32_t k = 0; k < SGS_MAX_FIELDS; k++)
			field_free(&t->fields[k], be);
		for (uint32_t i = 0; t->views && i < t->ntrain; i++) {
			be->free(t->views[i].gt);
			be->free(t->views[i].prior);
			be->free(t->views[i].conf);
		}
		for (uint32_t i = 0; t->pseudo && i < t->npseudo; i++)
			be->free(t->pseudo[i].gt);
		sgs_render_out_free(be, &t->out);
		be->free(t->dimg);
		be->free(t->ddepth);
		be->free(t->gt_scratch);
		trainer_coreg_free(t);
		trainer_warp_free(t);
	}
	for (uint32_t i = 0; t->views && i < t->ntrain; i++) {
		free(t->views[i].alpha);
		free(t->views[i].rgb);
	}
	for (uint32_t i = 0; t->pseudo && i < t->npseudo; i++) {
		free(t->pseudo[i].alpha);
		free(t->pseudo[i].rgb);
	}
	free(t->views);
	free(t->pseudo);
	free(t->poses);
	free(t->stack);
	free(t->host_scratch);
	free(t);
}

int sgs_trainer_export(const struct sgs_trainer *t, struct sgs_splats *out)
{
	return sgs_trainer_export_field(t, 0, out);
}

int sgs_trainer_export_field(const struct sgs_trainer *t, uint32_t k, struct sgs_splats *out)
{
	if (k >= t->nfields)
		return sgs_error_set("field %u of %u", k, t->nfields);
	const struct sgs_gaussians *g = &t->fields[k].st.params;
	sgs_splats_init(out);
	if (sgs_splats_alloc(out, g->n, (uint32_t)g->sh_degree) != 0)
		return -1;
	struct sgs_gaussians host = {g->n, g->sh_degree, g->sh_active, out->means, out->log_scales,
				     out->quats, out->logit_opacity, out->sh};
	if (g->n && sgs_gaussians_download(t->be, &host, g) != 0) {
		sgs_splats_free(out);
		return -1;
	}
	return 0;
}
