/* Warp consistency from virtual binocular views (sgs-train(1), --warp;
 * Binocular3DGS, Han et al., NeurIPS 2024, its self-supervised binocular
 * consistency without the learned matcher): each iteration from
 * sgs_warp_start on, the train camera moved by a random baseline b along
 * its own x axis renders a virtual view; the train view's rendered depth
 * warps it back (backend op loss_warp) and its L1 against the train
 * image pulls both the virtual render (through that render's backward on
 * a second raster context) and the depth (through the train render's
 * depth gradient) -- the paper lets the gradient into both. */
#include <math.h>
#include <string.h>

#include "sgs_camera.h"
#include "sgs_error.h"
#include "sgs_math_rng.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

/* The baseline's draw: (seed, iteration, WARP_INDEX, field), an index no
 * Gaussian has, apart from densify's, dropout's and the pseudo camera's. */
#define WARP_INDEX 0x5741525000000000ull

uint32_t sgs_warp_start(const struct sgs_trainer_opts *o)
{
	return o->warp_start == SGS_RECIPE ? o->iterations / 5 : o->warp_start;
}

float sgs_warp_distance(const struct sgs_scene *s)
{
	double bounds = 0, centre[3] = {0, 0, 0}, spread = 0;
	uint32_t nb = 0, nc = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		double C[3];
		sgs_camera_center(&v->cam, C);
		for (int a = 0; a < 3; a++)
			centre[a] += C[a];
		nc++;
		if (v->near > 0 && v->far > v->near) {
			bounds += sqrt((double)v->near * v->far);
			nb++;
		}
	}
	if (nb)
		return (float)(bounds / nb);
	for (int a = 0; a < 3 && nc; a++)
		centre[a] /= nc;
	for (uint32_t i = 0; i < s->nviews; i++) {
		double C[3], q = 0;
		if (s->views[i].split != SGS_SPLIT_TRAIN)
			continue;
		sgs_camera_center(&s->views[i].cam, C);
		for (int a = 0; a < 3; a++)
			q += (C[a] - centre[a]) * (C[a] - centre[a]);
		spread += sqrt(q);
	}
	return nc && spread > 0 ? (float)(spread / nc) : 1.0f;
}

void sgs_warp_cam(const struct sgs_cam *c, float b, struct sgs_cam *out)
{
	*out = *c;
	out->t[0] = c->t[0] - b; /* centre C + b R^T e_x */
}

float sgs_trainer_warp_baseline(const struct sgs_trainer *t, uint32_t it, uint32_t k)
{
	const float B = t->o.warp_baseline * t->warp.distance;
	return B * (2.0f * sgs_rng_uniform(t->o.seed, it, WARP_INDEX, k) - 1.0f);
}

int trainer_warp_setup(struct sgs_trainer *t, size_t maxpix)
{
	struct trainer_warp *w = &t->warp;
	if (!t->o.warp)
		return 0;
	w->distance = sgs_warp_distance(t->scene);
	for (uint32_t k = 0; k < t->nfields; k++)
		if (!w->ctx[k] && !(w->ctx[k] = t->be->ctx_new()))
			return sgs_error_prefix("warp consistency");
	t->be->free(w->rgb);
	t->be->free(w->dvirt);
	w->rgb = w->dvirt = NULL;
	if (!(w->rgb = t->be->alloc(3 * maxpix * sizeof(float))) ||
	    !(w->dvirt = t->be->alloc(3 * maxpix * sizeof(float))))
		return sgs_error_prefix("warp consistency");
	return 0;
}

void trainer_warp_free(struct sgs_trainer *t)
{
	struct trainer_warp *w = &t->warp;
	for (uint32_t k = 0; k < SGS_MAX_FIELDS; k++) {
		if (w->ctx[k])
			t->be->ctx_free(w->ctx[k]);
		if (w->cap[k])
			sgs_gaussians_free(t->be, &w->grad[k]);
	}
	t->be->free(w->rgb);
	t->be->free(w->dvirt);
	memset(w, 0, sizeof *w);
}

int trainer_warp_prepare(struct sgs_trainer *t, uint32_t k, uint32_t it,
			 const struct train_view *tv, const struct sgs_raster_opts *ro,
			 struct warp_eval **out)
{
	struct trainer_warp *w = &t->warp;
	struct warp_eval *e = &w->e;
	*out = NULL;
	if (!t->o.warp || it < sgs_warp_start(&t->o))
		return 0;
	const float b = sgs_trainer_warp_baseline(t, it, k);
	sgs_warp_cam(&tv->cam, b, &e->cam);
	e->ctx = w->ctx[k];
	e->ro = *ro;
	e->p.w = tv->w;
	e->p.h = tv->h;
	e->p.disp = tv->cam.fx * b;
	e->p.min_depth = tv->cam.znear; /* nearer is culled: a nearly empty pixel */
	e->p.weight = 0.0f;
	e->rgb = w->rgb;
	e->dvirt = w->dvirt;
	e->grad = &w->grad[k];
	e->ready = 0;
	if (field_grad_reserve(t->be, &t->fields[k].st.params, e->grad, &w->cap[k]) != 0)
		return sgs_error_prefix("warp consistency");
	*out = e;
	return 0;
}

/* The virtual render, the warp against the train image (its depth
 * gradient into e->ddepth) and the virtual render's backward. */
int loss_warp_image(struct loss_eval *e, float w, double *value)
{
	struct warp_eval *we = e->warp;
	*value = 0.0;
	if (e->pseudo)
		return 1;
	if (!we || !(w > 0.0f))
		return 0;
	struct sgs_render_out out = {.rgb = we->rgb};
	struct sgs_render_dout dout = {we->dvirt, NULL, NULL};
	we->p.weight = w;
	e->depth_used = 1;
	if (sgs_render(we->ctx, &e->field->st.params, &we->cam, &we->ro, &out) != 0 ||
	    e->ops->loss_warp(we->rgb, e->depth, e->gt, &we->p, we->dvirt, e->ddepth, value,
			      NULL) != 0 ||
	    sgs_render_backward(we->ctx, &dout, we->grad, NULL, NULL, NULL, NULL) != 0)
		return -1;
	we->ready = 1;
	return 0;
}

/* Adds the virtual view's parameter gradient (already weighted). */
int loss_warp_params(struct loss_eval *e, float w, double *value)
{
	float *y[NGROUPS], *x[NGROUPS];
	size_t len[NGROUPS];
	(void)w;
	*value = NAN;
	if (!e->warp || !e->warp->ready)
		return 1;
	field_arrays(&e->field->st.grads, y, len);
	field_arrays(e->warp->grad, x, len);
	for (int i = 0; i < NGROUPS; i++)
		if (e->ops->add_scaled(y[i], x[i], len[i], 1.0f) != 0)
			return -1;
	return 0;
}
