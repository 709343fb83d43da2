/* The MCMC densification variant (kernels/cpu/cpu_train_mcmc.c and
 * kernels/train_mcmc_plan.c): relocation bookkeeping on a hand-built
 * state against the paper's formulas computed here, the cap, the noise
 * and regularisation against direct evaluation, determinism across thread
 * counts, and a short training run. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_train_ops.h"
#include "sgs_math_rng.h"
#include "sgs_scene.h"
#include "sgs_synthetic.h"
#include "sgs_trainer.h"
#include "tap.h"

/* The CPU reference ops, as the backend table carries them. */
#define T (&sgs_backend_cpu()->train)

struct hstate {
	struct sgs_train_state st;
	const struct sgs_backend *be;
};

static int hstate_alloc(struct hstate *h, uint32_t n)
{
	memset(h, 0, sizeof *h);
	h->be = sgs_backend_cpu();
	struct sgs_train_state *st = &h->st;
	if (sgs_gaussians_alloc(h->be, &st->params, n, 0) ||
	    sgs_gaussians_alloc(h->be, &st->grads, n, 0) || sgs_gaussians_alloc(h->be, &st->m, n, 0) ||
	    sgs_gaussians_alloc(h->be, &st->v, n, 0))
		return -1;
	st->grad2d_accum = h->be->alloc(n * sizeof(float));
	st->grad2d_count = h->be->alloc(n * sizeof(float));
	st->max_radii = h->be->alloc(n * sizeof(float));
	st->capacity = n;
	return st->grad2d_accum && st->grad2d_count && st->max_radii ? 0 : -1;
}

static void hstate_free(struct hstate *h)
{
	struct sgs_train_state *st = &h->st;
	sgs_gaussians_free(h->be, &st->params);
	sgs_gaussians_free(h->be, &st->grads);
	sgs_gaussians_free(h->be, &st->m);
	sgs_gaussians_free(h->be, &st->v);
	h->be->free(st->grad2d_accum);
	h->be->free(st->grad2d_count);
	h->be->free(st->max_radii);
}

static void fill_set(struct sgs_gaussians *g, uint32_t i, float val)
{
	for (int k = 0; k < 3; k++)
		g->means[3 * i + k] = g->log_scales[3 * i + k] = g->sh[3 * i + k] = val;
	for (int k = 0; k < 4; k++)
		g->quats[4 * i + k] = val;
	g->opacity[i] = val;
}

/* n Gaussians, Gaussian i identified by means[0] = i; dead ones (opacity
 * 0.0005) where dead(i); moments, grads and statistics all 1. */
static int build(struct hstate *h, uint32_t n, int (*dead)(uint32_t))
{
	if (hstate_alloc(h, n))
		return -1;
	struct sgs_train_state *st = &h->st;
	for (uint32_t i = 0; i < n; i++) {
		struct sgs_gaussians *g = &st->params;
		g->means[3 * i] = (float)i;
		g->means[3 * i + 1] = 0.5f * i;
		g->means[3 * i + 2] = 2.0f;
		for (int k = 0; k < 3; k++)
			g->log_scales[3 * i + k] = logf(0.01f * (1 + i % 7) * (1 + k));
		g->quats[4 * i] = 1.0f;
		g->quats[4 * i + 1] = g->quats[4 * i + 2] = g->quats[4 * i + 3] = 0.0f;
		double o = dead(i) ? 0.0005 : 0.05 + 0.9 * (i % 11) / 10.0;
		g->opacity[i] = (float)log(o / (1 - o));
		for (int k = 0; k < 3; k++)
			g->sh[3 * i + k] = 0.1f * k + 0.01f * i;
		fill_set(&st->m, i, 1.0f);
		fill_set(&st->v, i, 1.0f);
		fill_set(&st->grads, i, 1.0f);
		st->grad2d_accum[i] = st->grad2d_count[i] = st->max_radii[i] = 1.0f;
	}
	return 0;
}

static int dead_every5(uint32_t i) { return i % 5 == 2; }

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Eq. 9, coded independently: binomials by the multiplicative formula. */
static void paper_adjust(double o, int N, double *o_new, double *coeff)
{
	if (N > 51)
		N = 51;
	double on = 1.0 - pow(1.0 - o, 1.0 / N), denom = 0.0;
	for (int i = 1; i <= N; i++) {
		double c = 1.0; /* C(i-1, k) */
		for (int k = 0; k <= i - 1; k++) {
			denom += c * (k % 2 ? -1.0 : 1.0) * pow(on, k + 1) / sqrt(k + 1.0);
			c = c * (i - 1 - k) / (k + 1);
		}
	}
	*o_new = on;
	*coeff = o / denom;
}

static int set_is(const struct sgs_gaussians *g, uint32_t i, float val)
{
	for (int k = 0; k < 3; k++)
		if (g->means[3 * i + k] != val || g->log_scales[3 * i + k] != val ||
		    g->sh[3 * i + k] != val)
			return 0;
	for (int k = 0; k < 4; k++)
		if (g->quats[4 * i + k] != val)
			return 0;
	return g->opacity[i] == val;
}

/* Relocation only (cap = n, so nothing is added). */
static void test_relocation(void)
{
	struct hstate h, orig;
	const uint32_t n = 40;
	if (build(&h, n, dead_every5) || build(&orig, n, dead_every5)) {
		ok(0, "relocation: allocation");
		return;
	}
	struct sgs_mcmc_params p = {0.005f, n, 9, 500};
	struct sgs_densify_stats ds;
	int rc = T->mcmc_relocate(h.be, &h.st, &p, &ds);
	ok(rc == 0, "relocation runs (%s)", rc ? sgs_error_get() : "ok");
	ok(h.st.params.n == n && ds.relocated == 8 && ds.cloned == 0 && ds.n_after == n,
	   "8 dead relocated, count unchanged (n %u, relocated %u, added %u)", h.st.params.n,
	   ds.relocated, ds.cloned);
	const struct sgs_gaussians *g = &h.st.params, *o = &orig.st.params;
	int times[40] = {0}, copies_ok = 1, bad_src = 0;
	for (uint32_t i = 0; i < n; i++)
		if (dead_every5(i)) {
			uint32_t s = (uint32_t)g->means[3 * i];
			if (s >= n || dead_every5(s) || g->means[3 * i + 1] != o->means[3 * s + 1]) {
				bad_src = 1;
				continue;
			}
			times[s]++;
			copies_ok &= memcmp(g->log_scales + 3 * i, g->log_scales + 3 * s, 12) == 0 &&
				     g->opacity[i] == g->opacity[s] &&
				     memcmp(g->sh + 3 * i, g->sh + 3 * s, 12) == 0 &&
				     set_is(&h.st.m, i, 0) && set_is(&h.st.v, i, 0) &&
				     set_is(&h.st.grads, i, 0) && h.st.max_radii[i] == 0 &&
				     h.st.grad2d_accum[i] == 0;
		}
	ok(!bad_src, "every dead slot holds a live Gaussian's parameters");
	ok(copies_ok, "copies equal their source, with zero moments, grads and statistics");
	double worst = 0;
	int untouched_ok = 1, sources = 0, moments_ok = 1;
	for (uint32_t i = 0; i < n; i++) {
		if (dead_every5(i))
			continue;
		if (!times[i]) {
			untouched_ok &= g->opacity[i] == o->opacity[i] &&
					memcmp(g->log_scales + 3 * i, o->log_scales + 3 * i, 12) == 0 &&
					set_is(&h.st.m, i, 1) && set_is(&h.st.v, i, 1);
			continue;
		}
		sources++;
		double on, coeff, o0 = sig(o->opacity[i]);
		paper_adjust(o0, times[i] + 1, &on, &coeff);
		double e = fabs(sig(g->opacity[i]) - on) / on;
		for (int k = 0; k < 3; k++) {
			double s_want = exp((double)o->log_scales[3 * i + k]) * coeff;
			double ek = fabs(exp((double)g->log_scales[3 * i + k]) - s_want) / s_want;
			if (ek > e)
				e = ek;
		}
		if (e > worst)
			worst = e;
		moments_ok &= set_is(&h.st.m, i, 0) && set_is(&h.st.v, i, 0);
	}
	ok(sources > 0 && worst < 1e-5,
	   "sources: opacity 1-(1-o)^(1/N) and scale from Eq. 9 (%d sources, rel. error %.2g)",
	   sources, worst);
	ok(moments_ok, "sources' Adam moments are zero");
	ok(untouched_ok, "Gaussians not drawn are untouched");
	int alive = 1;
	for (uint32_t i = 0; i < n; i++)
		alive &= sig(g->opacity[i]) > 0.005;
	ok(alive, "no dead Gaussian is left");
	/* N = 2 by hand: o' = 1 - sqrt(1 - o), denom = o' + (o' - o'^2/sqrt2) */
	double on, coeff, o0 = 0.5;
	paper_adjust(o0, 2, &on, &coeff);
	ok(fabs(coeff - 0.5 / (2 * on - on * on / sqrt(2.0))) < 1e-12 &&
		   fabs(on - (1 - sqrt(0.5))) < 1e-12,
	   "Eq. 9 for N = 2 by hand (coeff %.6f)", coeff);
	hstate_free(&h);
	hstate_free(&orig);
}

/* Growth: 5% a step, the cap exactly, copies appended. */
static void test_growth_cap(void)
{
	struct hstate h;
	const uint32_t n = 40, cap = 45;
	if (build(&h, n, dead_every5)) {
		ok(0, "growth: allocation");
		return;
	}
	struct sgs_densify_stats ds;
	uint32_t counts[4];
	int rc = 0;
	for (int s = 0; s < 4; s++) {
		struct sgs_mcmc_params p = {0.005f, cap, 3, 100u * (s + 1)};
		rc |= T->mcmc_relocate(h.be, &h.st, &p, &ds);
		counts[s] = h.st.params.n;
	}
	ok(rc == 0 && counts[0] == 42 && counts[1] == 44 && counts[2] == 45 && counts[3] == 45,
	   "count 40 -> 42 -> 44 -> 45 (cap) -> 45 (%u %u %u %u)", counts[0], counts[1], counts[2],
	   counts[3]);
	ok(h.st.capacity >= 45 && h.st.capacity <= cap, "capacity %u stays within the cap",
	   h.st.capacity);
	int copies = 1;
	for (uint32_t i = n; i < h.st.params.n; i++) {
		uint32_t s = (uint32_t)h.st.params.means[3 * i];
		copies &= s < n && h.st.params.means[3 * i + 1] == 0.5f * s &&
			  set_is(&h.st.m, i, 0) && set_is(&h.st.grads, i, 0);
	}
	ok(copies, "appended Gaussians copy existing ones, with zero moments and grads");
	hstate_free(&h);
}

static void test_noise_reg(void)
{
	struct hstate h;
	const uint32_t n = 40;
	if (build(&h, n, dead_every5)) {
		ok(0, "noise: allocation");
		return;
	}
	float before[120];
	memcpy(before, h.st.params.means, sizeof before);
	int rc = T->mcmc_noise(&h.st, 2.0f, 11, 7);
	double worst = 0;
	for (uint32_t i = 0; i < n; i++) {
		double o = sig(h.st.params.opacity[i]);
		double gate = 1.0 / (1.0 + exp(100.0 * (o - 0.005)));
		for (int k = 0; k < 3; k++) {
			/* identity rotation: Sigma = diag(s^2) */
			double s = exp((double)h.st.params.log_scales[3 * i + k]);
			double want = before[3 * i + k] +
				      2.0 * gate * s * s * sgs_rng_normal(11, 7, i, SGS_MCMC_NOISE_DRAW + k);
			double e = fabs(h.st.params.means[3 * i + k] - want);
			if (e > worst)
				worst = e;
		}
	}
	ok(rc == 0 && worst < 1e-6, "noise: lr gate(o) Sigma eta (max error %.2g)", worst);
	/* Gaussian 10 has opacity 0.95 (gate e^-94), 2 is dead (gate ~1) */
	ok(!memcmp(h.st.params.means + 30, before + 30, 12) &&
		   memcmp(h.st.params.means + 6, before + 6, 12) != 0,
	   "noise moves dead Gaussians, not opaque ones");

	for (uint32_t i = 0; i < n; i++)
		fill_set(&h.st.grads, i, 0.0f);
	rc = T->mcmc_regularise(&h.st, 0.01f, 0.02f);
	worst = 0;
	for (uint32_t i = 0; i < n; i++) {
		double o = sig(h.st.params.opacity[i]);
		double e = fabs(h.st.grads.opacity[i] - 0.01 / n * o * (1 - o));
		for (int k = 0; k < 3; k++) {
			double s = exp((double)h.st.params.log_scales[3 * i + k]);
			double ek = fabs(h.st.grads.log_scales[3 * i + k] - 0.02 / (3.0 * n) * s);
			if (ek > e)
				e = ek;
		}
		if (e > worst)
			worst = e;
	}
	ok(rc == 0 && worst < 1e-9, "regularisation gradients (max error %.2g)", worst);
	hstate_free(&h);
}

/* A bigger random state through relocate, noise and regularisation. */
static int run_many(struct hstate *h)
{
	const uint32_t n = 3000;
	if (build(h, n, dead_every5))
		return -1;
	for (uint32_t i = 0; i < n; i++)
		h->st.params.opacity[i] = 6.0f * sgs_rng_uniform(1, 2, i, 0) - 6.5f;
	struct sgs_mcmc_params p = {0.005f, 3100, 5, 300};
	return T->mcmc_relocate(h->be, &h->st, &p, NULL) || T->mcmc_noise(&h->st, 1.0f, 5, 300) ||
	       T->mcmc_regularise(&h->st, 0.01f, 0.01f);
}

static void test_threads(void)
{
	struct hstate a, b;
	int nt = omp_get_max_threads();
	omp_set_num_threads(1);
	int ra = run_many(&a);
	omp_set_num_threads(2);
	int rb = run_many(&b);
	omp_set_num_threads(nt);
	const struct sgs_gaussians *x = &a.st.params, *y = &b.st.params;
	size_t n = x->n;
	ok(ra == 0 && rb == 0 && x->n == 3100 && y->n == 3100 &&
		   !memcmp(x->means, y->means, 12 * n) && !memcmp(x->log_scales, y->log_scales, 12 * n) &&
		   !memcmp(x->opacity, y->opacity, 4 * n) && !memcmp(x->sh, y->sh, 12 * n) &&
		   !memcmp(a.st.grads.opacity, b.st.grads.opacity, 4 * n),
	   "1 and 2 threads give the same bytes (n %u)", x->n);
	hstate_free(&a);
	hstate_free(&b);
}

static void test_training(void)
{
	struct sgs_synthetic_opts so;
	struct sgs_scene s;
	sgs_synthetic_defaults(&so);
	so.width = 48;
	so.height = 36;
	so.nviews = 8;
	if (sgs_synthetic_scene(&so, &s) != 0) {
		ok(0, "synthetic scene (%s)", sgs_error_get());
		return;
	}
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	sgs_trainer_defaults(&o);
	o.iterations = 300;
	o.init = SGS_INIT_RANDOM;
	o.init_count = 600;
	o.max_gaussians = 1000;
	o.mcmc = 1;
	o.seed = 3;
	struct sgs_trainer *t = NULL;
	int rc = sgs_trainer_new(be, &s, &o, &t);
	ok(rc == 0, "MCMC trainer starts (%s)", rc ? sgs_error_get() : "ok");
	double first = 0, last = 0;
	uint32_t most = 0, relocations = 0;
	for (uint32_t i = 0; rc == 0 && i < o.iterations; i++) {
		struct sgs_step_info in;
		if ((rc = sgs_trainer_step(t, &in)) != 0)
			break;
		if (in.gaussians > most)
			most = in.gaussians;
		relocations += in.densified;
		if (i < 30)
			first += in.loss / 30;
		if (i >= o.iterations - 30)
			last += in.loss / 30;
	}
	ok(rc == 0, "300 iterations run (%s)", rc ? sgs_error_get() : "ok");
	ok(most <= 1000 && most > 600 && relocations > 0,
	   "the count grows but never passes the cap (max %u, %u relocation steps)", most,
	   relocations);
	ok(last < 0.8 * first, "the loss falls (%.4f -> %.4f)", first, last);
	struct sgs_trainer_opts bad = o;
	bad.max_gaussians = 500;
	struct sgs_trainer *t2 = NULL;
	ok(sgs_trainer_new(be, &s, &bad, &t2) != 0 &&
		   strstr(sgs_error_get(), "below the 600 initial"),
	   "a cap below the initial count is an error (%s)", sgs_error_get());
	struct sgs_trainer_opts dflt = o;
	dflt.max_gaussians = 0;
	t2 = NULL;
	ok(sgs_trainer_new(be, &s, &dflt, &t2) == 0 &&
		   sgs_trainer_get_opts(t2)->max_gaussians == 1800,
	   "the default cap is 3x the initial count");
	sgs_trainer_free(t2);
	sgs_trainer_free(t);
	sgs_scene_free(&s);
}

int main(void)
{
	test_relocation();
	test_growth_cap();
	test_noise_reg();
	test_threads();
	test_training();
	return tap_done();
}
