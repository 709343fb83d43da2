/* Twin: kernels/cuda/cuda_train_densify.cu · math: sgs_math_optim.h · test: tests/unit/test_backend_ops.c (row densify) */
/* Densification and pruning on the CPU (Inria's densify_and_prune, see
 * sgs_train_ops.h).  Decisions come from sgs_math_optim.h, shared with
 * the CUDA backend; then an output map (source Gaussian and role of every
 * output slot: survivors, clones, split children) drives one gather per
 * array.  Every buffer is either rebuilt in place through a scratch array
 * or, when the capacity is too small, into new buffers allocated before
 * anything is modified, so a failure leaves the state untouched. */
#include <stdlib.h>
#include <string.h>

#include "cpu_train_internal.h"
#include "sgs_error.h"
#include "sgs_train_host.h"
#include "sgs_math_optim.h"

/* Role of an output slot; children are CHILD + child index. */
enum { ROLE_KEEP = 0, ROLE_CLONE = 1, ROLE_CHILD = 2 };

/* How an array is rebuilt. */

struct densify_map {
	uint32_t n_out;
	uint32_t *src;  /* n_out source Gaussians */
	uint8_t *role;  /* n_out roles */
	const struct sgs_gaussians *old; /* parameters before densifying */
	uint64_t seed;
	uint32_t iteration;
};

static void fill(const struct densify_map *mp, float *dst, const float *src, size_t stride,
		 int how)
{
	const long n = mp->n_out;
	const struct sgs_gaussians *g = mp->old;
#pragma omp parallel for schedule(static)
	for (long j = 0; j < n; j++) {
		const size_t i = mp->src[j];
		const int role = mp->role[j];
		float *d = dst + (size_t)j * stride;
		if (how == SGS_FILL_ZERO || (how == SGS_FILL_MOMENT && role != ROLE_KEEP)) {
			memset(d, 0, stride * sizeof(float));
		} else if (how == SGS_FILL_MEANS && role >= ROLE_CHILD) {
			sgs_split_child_mean(g->means + 3 * i, g->log_scales + 3 * i, g->quats + 4 * i,
					     mp->seed, mp->iteration, (uint32_t)i,
					     (uint32_t)(role - ROLE_CHILD), d);
		} else {
			memcpy(d, src + i * stride, stride * sizeof(float));
			if (how == SGS_FILL_SCALES && role >= ROLE_CHILD)
				for (size_t k = 0; k < stride; k++)
					d[k] -= SGS_SPLIT_LOG_SHRINK;
		}
	}
}

/* Decide every Gaussian's fate and build the output map (malloc'd). */
static int build_map(const struct sgs_train_state *st, const struct sgs_densify_params *p,
		     struct densify_map *mp, struct sgs_densify_stats *stats)
{
	const struct sgs_gaussians *g = &st->params;
	const uint32_t n = g->n;
	struct sgs_densify_rule rule;
	sgs_densify_rule_from(p, &rule);
	uint32_t budget = UINT32_MAX;
	if (p->max_gaussians > 0)
		budget = p->max_gaussians > n ? p->max_gaussians - n : 0;

	uint32_t (*out)[3] = malloc(((size_t)n + 1) * sizeof *out);
	if (!out)
		return sgs_error_set("densify: out of memory for %u decisions", n);
	uint32_t accepted = 0, cloned = 0, split = 0;
	size_t totals[3] = {0, 0, 0};
	/* sequential: the budget takes candidates in index order */
	for (uint32_t i = 0; i < n; i++) {
		int kind = sgs_densify_kind(st->grad2d_accum[i], st->grad2d_count[i],
					    g->log_scales + 3 * (size_t)i, &rule);
		if (kind != SGS_DENSIFY_NONE) {
			if (accepted < budget)
				accepted++;
			else
				kind = SGS_DENSIFY_NONE;
		}
		cloned += kind == SGS_DENSIFY_CLONE;
		split += kind == SGS_DENSIFY_SPLIT;
		sgs_densify_outputs(kind, g->opacity[i], g->log_scales + 3 * (size_t)i,
				    st->max_radii[i], &rule, out[i]);
		for (int k = 0; k < 3; k++)
			totals[k] += out[i][k];
	}
	size_t n_out = totals[0] + totals[1] + totals[2];
	if (n_out > UINT32_MAX) {
		free(out);
		return sgs_error_set("densify: %zu Gaussians exceed 2^32", n_out);
	}
	mp->n_out = (uint32_t)n_out;
	mp->src = malloc((n_out + 1) * sizeof *mp->src);
	mp->role = malloc(n_out + 1);
	if (!mp->src || !mp->role) {
		free(out);
		return sgs_error_set("densify: out of memory for %zu outputs", n_out);
	}
	size_t pos[3] = {0, totals[0], totals[0] + totals[1]};
	for (uint32_t i = 0; i < n; i++) {
		if (out[i][0])
			mp->src[pos[0]] = i, mp->role[pos[0]++] = ROLE_KEEP;
		if (out[i][1])
			mp->src[pos[1]] = i, mp->role[pos[1]++] = ROLE_CLONE;
		for (uint32_t c = 0; c < out[i][2]; c++)
			mp->src[pos[2]] = i, mp->role[pos[2]++] = (uint8_t)(ROLE_CHILD + c);
	}
	free(out);
	stats->cloned = cloned;
	stats->split = split;
	stats->n_before = n;
	stats->n_after = (uint32_t)n_out;
	stats->pruned = n + cloned + split - (uint32_t)n_out;
	return 0;
}


int cpu_densify(const struct sgs_backend *be, struct sgs_train_state *st,
		const struct sgs_densify_params *p, struct sgs_densify_stats *stats)
{
	struct sgs_densify_stats local;
	struct densify_map mp;
	struct sgs_state_array arr[SGS_STATE_ARRAYS];
	float *fresh[SGS_STATE_ARRAYS] = {NULL};
	float *scratch = NULL;
	int rc = -1;
	if (stats)
		memset(stats, 0, sizeof *stats); /* fields densify does not use read 0 */
	if (!be || !st)
		return sgs_error_set("densify: no backend or state");
	if (sgs_densify_check(st, p))
		return -1;
	if (!stats)
		stats = &local;
	memset(&mp, 0, sizeof mp);
	if (build_map(st, p, &mp, stats))
		goto out;
	const struct sgs_gaussians old = st->params;
	mp.old = &old;
	mp.seed = p->seed;
	mp.iteration = p->iteration;

	struct sgs_state_plan plan;
	if (sgs_state_plan(be, st, mp.n_out, p->max_gaussians, arr, fresh, &plan))
		goto out;
	const int count = plan.count, grow = plan.grow;
	if (!grow && !(scratch = malloc(((size_t)mp.n_out * plan.max_stride + 1) * sizeof(float)))) {
		sgs_error_set("densify: out of memory for %u Gaussians", mp.n_out);
		goto out;
	}

	/* nothing fails from here on */
	for (int k = 0; k < count; k++) {
		float *dst = grow ? fresh[k] : scratch;
		fill(&mp, dst, *arr[k].p, arr[k].stride, arr[k].how);
		if (grow) {
			be->free(*arr[k].p);
			*arr[k].p = dst;
			fresh[k] = NULL;
		} else {
			memcpy(*arr[k].p, scratch, (size_t)mp.n_out * arr[k].stride * sizeof(float));
		}
	}
	st->params.n = st->grads.n = st->m.n = st->v.n = mp.n_out;
	st->capacity = plan.capacity;
	rc = 0;
out:
	for (int k = 0; k < SGS_STATE_ARRAYS; k++)
		if (fresh[k])
			be->free(fresh[k]);
	free(scratch);
	free(mp.src);
	free(mp.role);
	return rc;
}
