#include "sgs_train_host.h"

#include <math.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_math_depth.h"

int sgs_adam_prepare(const float *p, const float *g, const float *m, const float *v,
		     size_t count, const struct sgs_adam_hp *hp, struct sgs_adam_consts *c)
{
	if (!hp)
		return sgs_error_set("adam: no hyper-parameters");
	if (hp->step < 1)
		return sgs_error_set("adam: step %u (must start at 1)", hp->step);
	if (!(hp->beta1 >= 0.0f && hp->beta1 < 1.0f) || !(hp->beta2 >= 0.0f && hp->beta2 < 1.0f))
		return sgs_error_set("adam: betas (%g, %g) outside [0, 1)", hp->beta1, hp->beta2);
	if (hp->period && hp->nfirst > hp->period)
		return sgs_error_set("adam: nfirst %u larger than period %u", hp->nfirst,
				     hp->period);
	if (count && (!p || !g || !m || !v))
		return sgs_error_set("adam: missing buffer");
	/* In double: beta^step underflows gracefully and the corrections
	 * are exact to float precision at every step. */
	const double bc1 = 1.0 - pow((double)hp->beta1, (double)hp->step);
	c->step_first = (float)(hp->lr / bc1);
	c->step_rest = (float)(hp->lr_rest / bc1);
	c->sqrt_bc2 = (float)sqrt(1.0 - pow((double)hp->beta2, (double)hp->step));
	return 0;
}

uint32_t sgs_train_capacity(uint32_t capacity, uint64_t need, uint32_t max_gaussians)
{
	if (need <= capacity)
		return capacity;
	uint64_t c = (uint64_t)capacity + capacity / 2;
	if (c < need)
		c = need;
	if (max_gaussians > 0 && c > max_gaussians && need <= max_gaussians)
		c = max_gaussians;
	return c > UINT32_MAX ? 0 : (uint32_t)c;
}

int sgs_densify_check(const struct sgs_train_state *st, const struct sgs_densify_params *p)
{
	const struct sgs_gaussians *g[4] = {&st->params, &st->grads, &st->m, &st->v};
	if (!p)
		return sgs_error_set("densify: no parameters");
	if (!(p->extent > 0.0f))
		return sgs_error_set("densify: scene extent %g not positive", p->extent);
	if (!(p->percent_dense >= 0.0f))
		return sgs_error_set("densify: percent_dense %g negative", p->percent_dense);
	for (int k = 1; k < 4; k++)
		if (g[k]->n != g[0]->n || g[k]->sh_degree != g[0]->sh_degree)
			return sgs_error_set("densify: parameters (%u, degree %d) and optimiser "
					     "arrays (%u, degree %d) disagree",
					     g[0]->n, g[0]->sh_degree, g[k]->n, g[k]->sh_degree);
	if (st->params.sh_degree < 0 || st->params.sh_degree > 3)
		return sgs_error_set("densify: SH degree %d out of range", st->params.sh_degree);
	if (st->params.n > st->capacity)
		return sgs_error_set("densify: %u Gaussians exceed the capacity %u", st->params.n,
				     st->capacity);
	return 0;
}

int sgs_state_arrays(struct sgs_train_state *st, struct sgs_state_array *a)
{
	const size_t sh = 3 * (size_t)sgs_sh_coeffs(st->params.sh_degree);
	struct sgs_gaussians *set[4] = {&st->params, &st->m, &st->v, &st->grads};
	const int how[4] = {SGS_FILL_COPY, SGS_FILL_MOMENT, SGS_FILL_MOMENT, SGS_FILL_ZERO};
	int k = 0;
	for (int s = 0; s < 4; s++) {
		struct sgs_gaussians *g = set[s];
		a[k++] = (struct sgs_state_array){&g->means, 3, s == 0 ? SGS_FILL_MEANS : how[s]};
		a[k++] = (struct sgs_state_array){&g->log_scales, 3, s == 0 ? SGS_FILL_SCALES : how[s]};
		a[k++] = (struct sgs_state_array){&g->quats, 4, how[s]};
		a[k++] = (struct sgs_state_array){&g->opacity, 1, how[s]};
		a[k++] = (struct sgs_state_array){&g->sh, sh, how[s]};
	}
	a[k++] = (struct sgs_state_array){&st->grad2d_accum, 1, SGS_FILL_ZERO};
	a[k++] = (struct sgs_state_array){&st->grad2d_count, 1, SGS_FILL_ZERO};
	a[k++] = (struct sgs_state_array){&st->max_radii, 1, SGS_FILL_ZERO};
	return k;
}

int sgs_state_plan(const struct sgs_backend *be, struct sgs_train_state *st, uint32_t n_out,
		   uint32_t max_gaussians, struct sgs_state_array *arr, float **fresh,
		   struct sgs_state_plan *plan)
{
	plan->count = sgs_state_arrays(st, arr);
	plan->capacity = sgs_train_capacity(st->capacity, n_out, max_gaussians);
	if (plan->capacity == 0)
		return sgs_error_set("densify: more than 2^32 Gaussians");
	plan->grow = plan->capacity != st->capacity;
	plan->max_stride = 0;
	for (int k = 0; k < plan->count; k++)
		if (arr[k].stride > plan->max_stride)
			plan->max_stride = arr[k].stride;
	if (plan->grow)
		for (int k = 0; k < plan->count; k++)
			if (!(fresh[k] = (float *)be->alloc((size_t)plan->capacity * arr[k].stride *
							    sizeof(float))))
				return sgs_error_prefix("densify: growing to %u Gaussians",
							plan->capacity);
	return 0;
}

int sgs_decay_check(const struct sgs_train_state *st, float factor)
{
	if (!st)
		return sgs_error_set("decay_opacity: no state");
	if (!(factor > 0.0f && factor < 1.0f))
		return sgs_error_set("decay_opacity: factor %g outside (0, 1)", factor);
	return 0;
}

int sgs_scale_reg_check(const struct sgs_train_state *st, const struct sgs_scale_reg *p,
			const double *value)
{
	if (!st || !p || !value)
		return sgs_error_set("reg_scale: missing state, parameters or value");
	if (!(p->ratio_weight >= 0.0f && p->max_weight >= 0.0f && p->ratio_weight < 1e30f &&
	      p->max_weight < 1e30f))
		return sgs_error_set("reg_scale: weights %g, %g: not finite numbers >= 0",
				     p->ratio_weight, p->max_weight);
	if (p->ratio_weight > 0.0f && !(p->ratio_max >= 1.0f && p->ratio_max < 1e30f))
		return sgs_error_set("reg_scale: ratio threshold %g: not a finite number >= 1",
				     p->ratio_max);
	if (p->max_weight > 0.0f && !(p->max_scale > 0.0f && p->max_scale < 1e30f))
		return sgs_error_set("reg_scale: largest scale %g: not a finite number > 0",
				     p->max_scale);
	return 0;
}

/* ---- depth ops ---- */

static int depth_maps_check(const char *op, int w, int h, const float *depth, const float *a,
			    const float *b, const float *ddepth, const double *value)
{
	if (w < 0 || h < 0 || (int64_t)w * h > (int64_t)1 << 31)
		return sgs_error_set("%s: bad size %dx%d", op, w, h);
	if (!value || ((int64_t)w * h > 0 && (!depth || !a || !b || !ddepth)))
		return sgs_error_set("%s: missing buffer", op);
	return 0;
}

int sgs_depth_patches_prepare(const char *op, const float *depth, const float *prior,
			      const float *conf, const struct sgs_depth_patches *p,
			      const float *ddepth, const double *value, uint32_t draw,
			      struct sgs_depth_grid *g)
{
	if (!p)
		return sgs_error_set("%s: no patch description", op);
	if (depth_maps_check(op, p->w, p->h, depth, prior, conf, ddepth, value) != 0)
		return -1;
	if (p->size < 2 || p->size > SGS_DEPTH_MAX_PATCH)
		return sgs_error_set("%s: patch size %d outside 2..%d", op, p->size,
				     SGS_DEPTH_MAX_PATCH);
	*g = sgs_depth_grid_of(p->w, p->h, p->size, p->seed, p->iteration, draw);
	if (p->w == 0 || p->h == 0)
		g->nx = g->ny = 0;
	return 0;
}

static void pairs_init(struct sgs_depth_pairs *P, int mode, int w, int h)
{
	memset(P, 0, sizeof *P);
	P->mode = mode;
	P->w = w;
	P->h = h;
}

/* The right and the lower neighbour. */
static void pairs_neighbours(struct sgs_depth_pairs *P)
{
	P->nshift = 2;
	P->dx[0] = 1, P->dy[0] = 0;
	P->dx[1] = 0, P->dy[1] = 1;
}

int sgs_depth_rank_prepare(const float *depth, const float *prior, const float *conf,
			   const struct sgs_depth_rank *p, const float *ddepth, const double *value,
			   struct sgs_depth_pairs *P)
{
	const char *op = "depth ranking loss";
	if (!p)
		return sgs_error_set("%s: no pair description", op);
	if (depth_maps_check(op, p->w, p->h, depth, prior, conf, ddepth, value) != 0)
		return -1;
	if (p->radius < 1 || p->radius > 64 || p->shifts < 1 || p->shifts > SGS_DEPTH_MAX_SHIFTS)
		return sgs_error_set("%s: window radius %d (1..64) or %d shifts (1..%d)", op,
				     p->radius, p->shifts, SGS_DEPTH_MAX_SHIFTS);
	if (!(p->tol >= 0.0f && p->tol < 1e6f) || !(p->margin >= 0.0f && p->margin < 1e6f))
		return sgs_error_set("%s: tolerance %g or margin %g not a number >= 0", op, p->tol,
				     p->margin);
	pairs_init(P, SGS_DEPTH_PAIRS_RANK, p->w, p->h);
	P->nshift = p->shifts;
	P->tol = p->tol;
	P->margin = p->margin;
	for (int k = 0; k < p->shifts; k++)
		sgs_depth_rank_shift(p->seed, p->iteration, k, p->radius, &P->dx[k], &P->dy[k]);
	return 0;
}

int sgs_depth_continuity_prepare(const float *depth, const float *prior, const float *conf, int w,
				 int h, float tol, const float *ddepth, const double *value,
				 struct sgs_depth_pairs *P)
{
	const char *op = "depth continuity loss";
	if (depth_maps_check(op, w, h, depth, prior, conf, ddepth, value) != 0)
		return -1;
	if (!(tol >= 0.0f && tol < 1e6f))
		return sgs_error_set("%s: tolerance %g not a number >= 0", op, tol);
	pairs_init(P, SGS_DEPTH_PAIRS_CONTINUITY, w, h);
	pairs_neighbours(P);
	P->tol = tol;
	return 0;
}

int sgs_depth_smooth_prepare(const float *depth, const float *img, int w, int h, float gamma,
			     const float *ddepth, const double *value, struct sgs_depth_pairs *P)
{
	const char *op = "depth smoothness loss";
	if (depth_maps_check(op, w, h, depth, img, img, ddepth, value) != 0)
		return -1;
	if (!(gamma >= 0.0f && gamma < 1e6f))
		return sgs_error_set("%s: gamma %g not a number >= 0", op, gamma);
	pairs_init(P, SGS_DEPTH_PAIRS_SMOOTH, w, h);
	pairs_neighbours(P);
	P->gamma = gamma;
	return 0;
}

int sgs_warp_check(const float *virt, const float *depth, const float *gt,
		   const struct sgs_warp_params *p, const float *dvirt, const double *value)
{
	const char *op = "warp consistency loss";
	if (!p)
		return sgs_error_set("%s: no view description", op);
	if (p->w < 0 || p->h < 0 || (int64_t)p->w * p->h > (int64_t)1 << 30)
		return sgs_error_set("%s: bad size %dx%d", op, p->w, p->h);
	if (!value || ((int64_t)p->w * p->h > 0 && (!virt || !depth || !gt || !dvirt)))
		return sgs_error_set("%s: missing buffer", op);
	if (!(p->min_depth > 0.0f && p->min_depth < 1e30f) || !(fabsf(p->disp) < 1e30f) ||
	    !(fabsf(p->weight) < 1e30f))
		return sgs_error_set("%s: shift %g, least depth %g, weight %g not finite (depth > 0)",
				     op, p->disp, p->min_depth, p->weight);
	return 0;
}
