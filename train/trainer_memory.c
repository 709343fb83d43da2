/* The memory estimate of a training run (sgs_trainer_memory) and the check
 * against what the backend has available, made before the Gaussians grow:
 * a cap that cannot fit fails at once with the numbers, instead of an
 * out-of-memory failure (or the OOM killer) hours into the run. */
#include <stdio.h>

#include "sgs_cli.h"
#include "sgs_error.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

/* Per-pixel floats: render outputs, their gradients, the loss's planes
 * (SSIM's filtered images) and the ground-truth scratch. */
#define PIXEL_FLOATS 48

void sgs_trainer_memory(const struct sgs_scene *s, const struct sgs_trainer_opts *o,
			struct sgs_train_memory *m)
{
	const uint64_t floats = 11 + 3 * (uint64_t)sgs_sh_coeffs(o->sh_degree);
	/* parameters, gradients and two Adam moments, plus three statistics */
	const uint64_t state = 4 * floats * 4 + 3 * 4;
	/* Growing by half keeps the old arrays (2/3 of the new) until the
	 * copy is done. */
	m->per_gaussian = state + state * 2 / 3 + SGS_RASTER_BYTES_PER_GAUSSIAN +
			  SGS_RASTER_PAIRS_PER_GAUSSIAN * SGS_RASTER_BYTES_PER_PAIR;
	if (o->warp) /* the virtual view's raster context and gradient (train/warp.c) */
		m->per_gaussian += SGS_RASTER_BYTES_PER_GAUSSIAN +
				   SGS_RASTER_PAIRS_PER_GAUSSIAN * SGS_RASTER_BYTES_PER_PAIR + floats * 4;
	m->gaussians = (uint64_t)o->max_gaussians * m->per_gaussian * (o->fields ? o->fields : 1);
	m->images = 0;
	uint64_t maxpix = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		uint64_t np = (uint64_t)v->cam.w * v->cam.h;
		uint64_t per = 3; /* ground truth */
		if (o->random_bg && v->image.c == 4)
			per += 4; /* straight colour and alpha on the host */
		if (o->depth_weight > 0 && v->depth_prior)
			per += 2; /* prior and confidence */
		m->images += np * per * sizeof(float);
		if (np > maxpix)
			maxpix = np;
	}
	/* warp consistency: the virtual render and its gradient */
	m->pixels = maxpix * (PIXEL_FLOATS + (o->warp ? 6 : 0)) * sizeof(float);
	m->total = m->gaussians + m->images + m->pixels;
}

int trainer_check_memory(const struct sgs_trainer *t)
{
	uint64_t avail;
	struct sgs_train_memory m;
	if (!t->be->mem_available || t->be->mem_available(&avail) != 0)
		return 0; /* nothing to compare with */
	sgs_trainer_memory(t->scene, &t->o, &m);
	if (m.total <= avail)
		return 0;
	char total[32], per[32], img[32], px[32], have[32];
	return sgs_error_set("training needs about %s (a cap of %u Gaussians%s at %s each, %s of "
			     "images, %s of per-pixel buffers) but the %s backend has %s "
			     "available; lower --max-gaussians",
			     sgs_human_bytes(m.total, total, sizeof total), t->o.max_gaussians,
			     t->o.fields > 1 ? " per field" : "", sgs_human_bytes(m.per_gaussian, per, sizeof per),
			     sgs_human_bytes(m.images, img, sizeof img), sgs_human_bytes(m.pixels, px, sizeof px),
			     t->be->name, sgs_human_bytes(avail, have, sizeof have));
}
