/* One training iteration, in the order of Inria's train.py: view,
 * background, then for each field: SH degree, render, image loss terms,
 * backward (densification statistics), parameter loss terms, the
 * densification strategy's step, Adam, the strategy's after-step. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "sgs_error.h"
#include "sgs_math_rng.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

/* The trainer's own stream of the counter-based generator: draw k of a
 * run is a pure function of (seed, k), so a checkpoint only needs k. */
#define TRAIN_STREAM 0xfffffff1u

static float next_uniform(struct sgs_trainer *t)
{
	return sgs_rng_uniform(t->o.seed, TRAIN_STREAM, t->rng_counter++, 0);
}

/* Inria pops a random remaining view and refills the list when empty;
 * a Fisher-Yates shuffle per pass, popped from the end, is the same
 * distribution. */
static uint32_t next_view(struct sgs_trainer *t)
{
	if (t->stack_len == 0) {
		for (uint32_t i = 0; i < t->ntrain; i++)
			t->stack[i] = i;
		for (uint32_t i = t->ntrain; i-- > 1;) {
			uint32_t j = (uint32_t)(next_uniform(t) * (i + 1));
			if (j > i)
				j = i;
			uint32_t x = t->stack[i];
			t->stack[i] = t->stack[j];
			t->stack[j] = x;
		}
		t->stack_len = t->ntrain;
	}
	return t->stack[--t->stack_len];
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* With profiling on: wait for the device, add the time since *mark to
 * *phase and move the mark. */
static int profile_mark(struct sgs_trainer *t, double *mark, double *phase)
{
	if (!t->profiling)
		return 0;
	if (t->be->sync() != 0)
		return -1;
	double now = now_s();
	*phase += now - *mark;
	*mark = now;
	return 0;
}

/* Ground truth for this iteration: straight colour matted on bg when the
 * image has alpha and the background is random, else the uploaded one. */
static const float *ground_truth(struct sgs_trainer *t, const struct train_view *tv,
				 const float bg[3])
{
	if (!tv->alpha)
		return tv->gt;
	size_t np = (size_t)tv->w * tv->h;
	for (size_t i = 0; i < np; i++)
		for (int c = 0; c < 3; c++)
			t->host_scratch[3 * i + c] =
				tv->rgb[3 * i + c] * tv->alpha[i] + bg[c] * (1 - tv->alpha[i]);
	if (t->be->upload(t->gt_scratch, t->host_scratch, 3 * np * sizeof(float)) != 0)
		return NULL;
	return t->gt_scratch;
}

/* One field's share of an iteration: render, loss, backward, the
 * strategy's densification, Adam. */
static int field_step(struct sgs_trainer *t, uint32_t k, uint32_t it, const struct train_view *tv,
		      const float *gt, const float bg[3], int pseudo, struct sgs_cam_grad *dcam,
		      struct sgs_step_info *info)
{
	struct sgs_field *f = &t->fields[k];
	struct sgs_train_state *st = &f->st;
	const struct densify_strategy *ds = t->densify;
	double values[SGS_MAX_TERMS], total = 0;
	struct sgs_trainer_profile *pr = &t->prof;
	double mark = t->profiling ? now_s() : 0;

	if (it % t->sched.sh_interval == 0 && f->sh_active < t->o.sh_degree)
		f->sh_active++;
	field_sync_sh(f);
	struct sgs_raster_opts ro = {.bg = {bg[0], bg[1], bg[2]}, .antialias = 0};
	if (t->o.dropout > 0.0f) { /* DropGaussian: the rate rises linearly */
		ro.drop_rate = sgs_dropout_rate(&t->o, it);
		ro.drop_iteration = it;
		ro.drop_seed = trainer_field_seed(t, k);
	}
	if (sgs_render(f->ctx, &st->params, &tv->cam, &ro, &t->out) != 0 ||
	    profile_mark(t, &mark, &pr->forward) != 0)
		return -1;
	pr->pairs += f->ctx->n_isect;
	pr->gaussians += st->params.n;
	if (it == t->o.inject_nan_at) {
		float nan = NAN;
		if (t->be->upload(t->out.rgb, &nan, sizeof nan) != 0)
			return -1;
	}
	struct loss_eval e = {t->ops, &t->o, f, t->out.rgb, gt, tv->w, tv->h, t->dimg, it, 0, 0, 0,
			      t->out.depth, tv->prior, tv->conf, t->ddepth, 0, t->extent,
			      trainer_field_seed(t, k),
			      /* CoR-GS: this field's pull towards the other's render */
			      t->coreg.ready ? &t->coreg.grad[k] : NULL, t->coreg.value[k],
			      pseudo, t->be, t->host_scratch, NULL};
	if (!pseudo && trainer_warp_prepare(t, k, it, tv, &ro, &e.warp) != 0)
		return -1;
	if (t->ddepth && t->be->memset(t->ddepth, 0, (size_t)tv->w * tv->h * sizeof(float)) != 0)
		return -1;
	if (loss_run(t->terms, t->nterms, TERM_IMAGE, &e, values, &total) != 0)
		return -1;
	if (!isfinite(total))
		return sgs_error_set("the loss is %s (training diverged)", isnan(total) ? "NaN" : "infinite");
	if (profile_mark(t, &mark, &pr->loss) != 0)
		return -1;

	/* Densification statistics only inside the densification window,
	 * and from the train views. */
	int gather = it < t->sched.densify_until && ds->gathers_stats && !pseudo;
	struct sgs_render_dout dout = {t->dimg, NULL, e.depth_used ? t->ddepth : NULL};
	struct sgs_cam_grad g;
	if (sgs_render_backward(f->ctx, &dout, &st->grads, NULL, dcam ? &g : NULL,
				gather ? st->grad2d_accum : NULL, gather ? st->grad2d_count : NULL) != 0)
		return -1;
	for (int i = 0; dcam && i < 9; i++) /* the fields' pose gradients add */
		dcam->dR[i] += g.dR[i];
	for (int i = 0; dcam && i < 3; i++)
		dcam->dt[i] += g.dt[i];
	if (gather && t->ops->update_max_radii(st->max_radii, f->ctx) != 0)
		return -1;
	if (loss_run(t->terms, t->nterms, TERM_PARAMS, &e, values, &total) != 0 ||
	    profile_mark(t, &mark, &pr->backward) != 0)
		return -1;

	struct sgs_step_info fi;
	memset(&fi, 0, sizeof fi);
	/* floaters first, so that the strategy's step removes them */
	if (t->o.floater_std + t->o.floater_margin > 0.0f && densify_due(&t->sched, it) &&
	    trainer_floaters(t, f, &fi) != 0)
		return -1;
	if (ds->step(t, f, k, it, &fi) != 0)
		return -1;
	if (trainer_unpool_due(t, it) && trainer_unpool(t, f, &fi) != 0)
		return -1;
	if (t->o.opacity_decay > 0.0f && densify_due(&t->sched, it) &&
	    t->ops->decay_opacity(&f->st, t->o.opacity_decay) != 0)
		return -1;
	/* Inria: densifying replaces every parameter tensor (their gradients
	 * are gone, so that step is skipped) and the last iteration does
	 * not step. */
	if (it < t->o.iterations && !fi.densified &&
	    field_optimise(f, t->ops, sgs_lr_position(t->extent, it, t->o.iterations),
			   fi.opacity_reset) != 0)
		return -1;
	if (ds->after_optimise && it < t->o.iterations && ds->after_optimise(t, f, k, it) != 0)
		return -1;
	if (profile_mark(t, &mark, &pr->optimise) != 0)
		return -1;
	if (k > 0) /* the log follows the first field */
		return 0;
	*info = fi;
	info->l1 = e.l1;
	info->ssim = e.ssim;
	info->mse = e.mse;
	info->loss = total;
	info->nterms = 0;
	for (int j = 0; j < t->nterms; j++)
		if (t->terms[j]->measured)
			info->terms[info->nterms++] = values[j];
	info->gaussians = st->params.n;
	info->sh_active = f->sh_active;
	return 0;
}

static int run_step(struct sgs_trainer *t, uint32_t it, struct sgs_step_info *info)
{
	float bg[3];
	uint32_t copruned[2] = {0, 0};
	int coprune = trainer_coprune_due(t, it);
	if (coprune && trainer_coprune(t, copruned) != 0)
		return -1;
	/* every pseudo_every-th iteration a pseudo view drawn at random */
	int pseudo = t->npseudo && it % t->o.pseudo_every == 0;
	uint32_t k = 0;
	if (pseudo) {
		k = (uint32_t)(next_uniform(t) * t->npseudo);
		k = k < t->npseudo ? k : t->npseudo - 1;
	} else {
		k = next_view(t);
	}
	const struct train_view *tv = pseudo ? &t->pseudo[k] : &t->views[k];
	struct sgs_cam_grad dcam, *pg = NULL;
	if (!pseudo && trainer_pose_active(t, k, it)) {
		memset(&dcam, 0, sizeof dcam);
		pg = &dcam;
	}
	if (t->o.random_bg)
		for (int c = 0; c < 3; c++)
			bg[c] = next_uniform(t);
	else
		memcpy(bg, t->scene->background, sizeof bg);
	const float *gt = ground_truth(t, tv, bg);
	if (!gt || trainer_coreg_pseudo(t, it, bg) != 0)
		return -1;
	for (uint32_t f = 0; f < t->nfields; f++)
		if (field_step(t, f, it, tv, gt, bg, pseudo, pg, info) != 0)
			return t->nfields > 1 ? sgs_error_prefix("field %u", f) : -1;
	if (pg)
		trainer_pose_step(t, k, pg);
	info->coprune_pass = coprune;
	memcpy(info->copruned, copruned, sizeof copruned);
	info->iteration = it;
	info->pseudo = pseudo;
	info->view = tv->scene_index;
	info->psnr = info->mse > 0 ? -10.0 * log10(info->mse) : INFINITY;
	return 0;
}

int sgs_trainer_step(struct sgs_trainer *t, struct sgs_step_info *info)
{
	uint32_t it = t->iteration + 1;
	double t0 = now_s();
	if (t->pseudo_fp && !t->npseudo)
		return sgs_error_set("the checkpoint was made with pseudo views (--pseudo)");
	if (run_step(t, it, info) != 0 || t->be->sync() != 0)
		return sgs_error_prefix("iteration %u", it);
	t->iteration = it;
	double dt = now_s() - t0;
	t->seconds += dt;
	info->seconds = t->seconds;
	if (t->profiling) {
		t->prof.iterations++;
		t->prof.total += dt;
	}
	return 0;
}

void sgs_trainer_profile_start(struct sgs_trainer *t)
{
	memset(&t->prof, 0, sizeof t->prof);
	t->profiling = 1;
}

void sgs_trainer_profile_get(const struct sgs_trainer *t, struct sgs_trainer_profile *p)
{
	*p = t->prof;
}

uint32_t sgs_trainer_iteration(const struct sgs_trainer *t) { return t->iteration; }
uint32_t sgs_trainer_iterations(const struct sgs_trainer *t) { return t->o.iterations; }
uint32_t sgs_trainer_gaussians(const struct sgs_trainer *t) { return t->fields[0].st.params.n; }
const struct sgs_trainer_opts *sgs_trainer_get_opts(const struct sgs_trainer *t) { return &t->o; }
void sgs_trainer_set_inject_nan(struct sgs_trainer *t, uint32_t iteration)
{
	t->o.inject_nan_at = iteration;
}

int sgs_trainer_term_names(const struct sgs_trainer *t, const char **names)
{
	int n = 0;
	for (int k = 0; k < t->nterms; k++)
		if (t->terms[k]->measured)
			names[n++] = t->terms[k]->name;
	return n;
}

const struct sgs_schedule *sgs_trainer_schedule(const struct sgs_trainer *t) { return &t->sched; }
