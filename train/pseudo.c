/* Pseudo views (sgs-train --pseudo): posed images from outside the
 * capture -- renders along a path between the train views (sgs-render -p
 * between), perhaps rewritten by an external generator -- that train
 * every pseudo_every-th iteration at a lower weight.  They enter as a
 * scene of their own, every view of it whatever its split. */
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

uint64_t trainer_pseudo_fingerprint(const struct sgs_scene *p)
{
	uint64_t h = 0xcbf29ce484222325ull;
#define MIX(ptr, len)                                                                              \
	do {                                                                                       \
		const uint8_t *b_ = (const uint8_t *)(ptr);                                        \
		for (size_t i_ = 0; i_ < (size_t)(len); i_++)                                      \
			h = (h ^ b_[i_]) * 0x100000001b3ull;                                       \
	} while (0)
	for (uint32_t i = 0; i < p->nviews; i++) {
		const struct sgs_view *v = &p->views[i];
		const struct sgs_camera *c = &v->cam;
		MIX(&c->w, sizeof c->w);
		MIX(&c->h, sizeof c->h);
		MIX(&c->fx, 4 * sizeof c->fx);
		MIX(c->R, sizeof c->R);
		MIX(c->t, sizeof c->t);
		if (v->image.data)
			MIX(v->image.data, (size_t)v->image.w * v->image.h * v->image.c);
	}
#undef MIX
	return h ? h : 1; /* 0 means none */
}

int sgs_trainer_set_pseudo(struct sgs_trainer *t, const struct sgs_scene *p)
{
	uint64_t fp = p ? trainer_pseudo_fingerprint(p) : 0;
	if (t->npseudo)
		return sgs_error_set("pseudo views are set already");
	if (!p && t->pseudo_fp)
		return sgs_error_set("the checkpoint was made with pseudo views (--pseudo)");
	if (p && t->iteration > 0 && fp != t->pseudo_fp) /* resumed */
		return sgs_error_set(t->pseudo_fp ? "the checkpoint was made with other pseudo views"
						  : "the checkpoint was made without pseudo views");
	if (!p || !(t->pseudo_weight > 0.0f)) /* weight 0: as without */
		return 0;
	if (p->nviews == 0)
		return sgs_error_set("no pseudo views");
	if (!(t->pseudo = calloc(p->nviews, sizeof *t->pseudo)))
		return sgs_error_set("out of memory");
	size_t maxpix = 0;
	for (uint32_t i = 0; i < p->nviews; i++) {
		const struct sgs_view *v = &p->views[i];
		struct train_view *tv = &t->pseudo[i];
		tv->scene_index = i;
		sgs_cam_from_camera(&v->cam, &tv->cam);
		tv->w = (int)v->cam.w;
		tv->h = (int)v->cam.h;
		t->npseudo = i + 1; /* freed with the trainer from here on */
		if (trainer_upload_view(t, tv, v) != 0)
			return -1;
		if ((size_t)tv->w * tv->h > maxpix)
			maxpix = (size_t)tv->w * tv->h;
	}
	if (trainer_scratch(t, maxpix) != 0)
		return -1;
	t->pseudo_scene = p;
	t->pseudo_fp = fp;
	t->o.pseudo_weight = t->pseudo_weight;
	t->nterms = loss_terms(&t->o, t->terms);
	return 0;
}
