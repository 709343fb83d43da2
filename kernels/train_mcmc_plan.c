/* The MCMC relocation plan (sgs_train_mcmc.h): multinomial draws by
 * opacity from the counter-based generator, the paper's opacity / scale
 * adjustment, and the backend-neutral capacity growth. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_train_host.h"
#include "sgs_math_rng.h"
#include "sgs_train_mcmc.h"

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

void sgs_mcmc_adjust(double o, uint32_t N, double min_opacity, float *logit, float *dlog_scale)
{
	/* C(n, k) for n < SGS_MCMC_MAX_N, built once per call: cheap next to
	 * the copies it describes, and no shared mutable table. */
	static const int NM = SGS_MCMC_MAX_N;
	double binom[SGS_MCMC_MAX_N][SGS_MCMC_MAX_N];
	if (N < 1)
		N = 1;
	if (N > (uint32_t)NM)
		N = (uint32_t)NM;
	for (int n = 0; n < NM; n++) {
		binom[n][0] = 1.0;
		for (int k = 1; k <= n; k++)
			binom[n][k] = binom[n - 1][k - 1] + (k < n ? binom[n - 1][k] : 0.0);
	}
	double on = 1.0 - pow(1.0 - o, 1.0 / N);
	/* Eq. 9: the N copies of opacity o', stacked, give the opacity profile
	 * of the original when every scale is multiplied by o / denom. */
	double denom = 0.0;
	for (uint32_t i = 1; i <= N; i++)
		for (uint32_t k = 0; k < i; k++)
			denom += binom[i - 1][k] * ((k & 1) ? -1.0 : 1.0) * pow(on, (double)(k + 1)) /
				 sqrt((double)(k + 1));
	double coeff = denom > 0.0 ? o / denom : 1.0;
	double oc = on < min_opacity ? min_opacity : on;
	const double top = 1.0 - 1.0 / 8388608.0;
	if (oc > top)
		oc = top;
	*logit = (float)log(oc / (1.0 - oc));
	*dlog_scale = (float)log(coeff);
}

/* count draws from weights w (prefix sums cum, total cum[n-1] > 0). */
static void draw(const double *cum, uint32_t n, uint32_t count, const struct sgs_mcmc_params *p,
		 uint32_t phase, uint32_t *out)
{
	const double total = cum[n - 1];
	for (uint32_t k = 0; k < count; k++) {
		double u = sgs_rng_uniform(p->seed, p->iteration, k, SGS_MCMC_DRAW + phase) * total;
		uint32_t lo = 0, hi = n - 1; /* first i with cum[i] > u */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (cum[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		out[k] = lo;
	}
}

/* Adjustments for the sources of draws, applied to the host opacities
 * o (the next phase samples from them) and recorded in ph. */
static int adjust_sources(const uint32_t *src, uint32_t count, double *o, uint32_t n, double min_op,
			  uint32_t *times, struct sgs_mcmc_phase *ph)
{
	memset(times, 0, (size_t)n * sizeof *times);
	uint32_t nadj = 0;
	for (uint32_t k = 0; k < count; k++)
		nadj += times[src[k]]++ == 0;
	ph->nadj = nadj;
	ph->adj_idx = malloc(((size_t)nadj + 1) * sizeof *ph->adj_idx);
	ph->adj_logit = malloc(((size_t)nadj + 1) * sizeof *ph->adj_logit);
	ph->adj_dlog = malloc(((size_t)nadj + 1) * sizeof *ph->adj_dlog);
	if (!ph->adj_idx || !ph->adj_logit || !ph->adj_dlog)
		return sgs_error_set("mcmc: out of memory for %u adjustments", nadj);
	uint32_t j = 0;
	for (uint32_t i = 0; i < n; i++) /* index order: deterministic */
		if (times[i]) {
			ph->adj_idx[j] = i;
			sgs_mcmc_adjust(o[i], times[i] + 1, min_op, &ph->adj_logit[j], &ph->adj_dlog[j]);
			o[i] = sigmoid(ph->adj_logit[j]);
			j++;
		}
	return 0;
}

static int alloc_copies(struct sgs_mcmc_phase *ph, uint32_t count)
{
	ph->ncopy = count;
	ph->copy_dst = malloc(((size_t)count + 1) * sizeof *ph->copy_dst);
	ph->copy_src = malloc(((size_t)count + 1) * sizeof *ph->copy_src);
	if (!ph->copy_dst || !ph->copy_src)
		return sgs_error_set("mcmc: out of memory for %u copies", count);
	return 0;
}

int sgs_mcmc_plan_make(const float *logit_opacity, uint32_t n, const struct sgs_mcmc_params *p,
		       struct sgs_mcmc_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	if (!p || p->max_gaussians < 1)
		return sgs_error_set("mcmc: no Gaussian cap");
	if (n && !logit_opacity)
		return sgs_error_set("mcmc: missing opacities");
	uint32_t grown = n + n / 20;
	if (grown > p->max_gaussians)
		grown = p->max_gaussians;
	if (grown < n)
		grown = n; /* above the cap already: never shrink, never grow */
	plan->n_before = n;
	plan->n_after = grown;
	if (n == 0)
		return 0;
	double *o = malloc((size_t)grown * sizeof *o);
	double *cum = malloc((size_t)grown * sizeof *cum);
	uint32_t *times = malloc((size_t)grown * sizeof *times);
	uint32_t *dead = malloc((size_t)n * sizeof *dead);
	int rc = -1;
	if (!o || !cum || !times || !dead) {
		sgs_error_set("mcmc: out of memory for %u Gaussians", grown);
		goto out;
	}
	uint32_t ndead = 0;
	double acc = 0.0;
	for (uint32_t i = 0; i < n; i++) {
		o[i] = sigmoid(logit_opacity[i]);
		int is_dead = !(o[i] > p->min_opacity); /* NaN counts as dead */
		if (is_dead)
			dead[ndead++] = i;
		acc += is_dead ? 0.0 : o[i];
		cum[i] = acc;
	}
	/* phase 0: relocation (only when something is alive to move onto) */
	struct sgs_mcmc_phase *ph = &plan->ph[0];
	if (ndead && acc > 0.0) {
		if (alloc_copies(ph, ndead))
			goto out;
		draw(cum, n, ndead, p, 0, ph->copy_src);
		memcpy(ph->copy_dst, dead, (size_t)ndead * sizeof *dead);
		if (adjust_sources(ph->copy_src, ndead, o, n, p->min_opacity, times, ph))
			goto out;
		for (uint32_t k = 0; k < ndead; k++)
			o[dead[k]] = o[ph->copy_src[k]];
	}
	/* phase 1: growth, drawn over every Gaussian after relocation */
	ph = &plan->ph[1];
	if (grown > n) {
		acc = 0.0;
		for (uint32_t i = 0; i < n; i++) {
			acc += o[i] > 0.0 ? o[i] : 0.0;
			cum[i] = acc;
		}
		if (acc > 0.0) {
			if (alloc_copies(ph, grown - n))
				goto out;
			draw(cum, n, grown - n, p, 1, ph->copy_src);
			for (uint32_t k = 0; k < grown - n; k++)
				ph->copy_dst[k] = n + k;
			if (adjust_sources(ph->copy_src, grown - n, o, n, p->min_opacity, times, ph))
				goto out;
		} else {
			plan->n_after = n;
		}
	}
	rc = 0;
out:
	free(o);
	free(cum);
	free(times);
	free(dead);
	if (rc)
		sgs_mcmc_plan_free(plan);
	return rc;
}

void sgs_mcmc_plan_free(struct sgs_mcmc_plan *plan)
{
	for (int k = 0; k < 2; k++) {
		struct sgs_mcmc_phase *ph = &plan->ph[k];
		free(ph->adj_idx);
		free(ph->adj_logit);
		free(ph->adj_dlog);
		free(ph->copy_dst);
		free(ph->copy_src);
		memset(ph, 0, sizeof *ph);
	}
}

/* The state's arrays and their strides in floats. */
static int state_arrays(struct sgs_train_state *st, float **a[23], size_t stride[23])
{
	const size_t sh = 3 * (size_t)sgs_sh_coeffs(st->params.sh_degree);
	struct sgs_gaussians *set[4] = {&st->params, &st->grads, &st->m, &st->v};
	int k = 0;
	for (int s = 0; s < 4; s++) {
		a[k] = &set[s]->means, stride[k++] = 3;
		a[k] = &set[s]->log_scales, stride[k++] = 3;
		a[k] = &set[s]->quats, stride[k++] = 4;
		a[k] = &set[s]->opacity, stride[k++] = 1;
		a[k] = &set[s]->sh, stride[k++] = sh;
	}
	a[k] = &st->grad2d_accum, stride[k++] = 1;
	a[k] = &st->grad2d_count, stride[k++] = 1;
	a[k] = &st->max_radii, stride[k++] = 1;
	return k;
}

int sgs_mcmc_reserve(const struct sgs_backend *be, struct sgs_train_state *st, uint32_t need,
		     uint32_t cap_max)
{
	if (need <= st->capacity)
		return 0;
	uint32_t cap = sgs_train_capacity(st->capacity, need, cap_max);
	if (cap == 0)
		return sgs_error_set("mcmc: %u Gaussians exceed 2^32", need);
	float **a[23], *fresh[23] = {NULL};
	size_t stride[23];
	const int count = state_arrays(st, a, stride);
	const size_t n = st->params.n;
	for (int k = 0; k < count; k++) {
		fresh[k] = be->alloc((size_t)cap * stride[k] * sizeof(float));
		if (!fresh[k] ||
		    (n && be->copy(fresh[k], *a[k], n * stride[k] * sizeof(float)) != 0)) {
			for (int j = 0; j <= k; j++)
				if (fresh[j])
					be->free(fresh[j]);
			return sgs_error_prefix("mcmc: growing to %llu Gaussians",
						(unsigned long long)cap);
		}
	}
	for (int k = 0; k < count; k++) {
		be->free(*a[k]);
		*a[k] = fresh[k];
	}
	st->capacity = (uint32_t)cap;
	return 0;
}
