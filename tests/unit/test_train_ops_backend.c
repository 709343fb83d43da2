/* The CUDA training operations against the CPU ones on the same inputs,
 * per op with its own threshold (as ggml's test-backend-ops):
 *   loss terms 1e-5 relative, dL/dimg 1e-4 of its largest magnitude,
 *   Adam 1e-6 relative, update_max_radii / reset_opacity exact,
 *   densify identical counts and layout, parameters to 1e-5 (the split
 *   normals may differ by ulps of host and device log/cos).
 * Every check is skipped with the reason when there is no CUDA backend or
 * device. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_train_backends.h"
#include "tap.h"

#define N_CHECKS 25 /* ok() lines a full run prints, for the skip path */

#ifdef SGS_WITH_CUDA

static const struct sgs_backend *gpu, *cpu;
static const struct sgs_train_ops *C = &sgs_cpu_train_ops, *G = &sgs_cuda_train_ops;

static uint64_t rng_state = 4242;

static double urand(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* A device copy of a host array (NULL with the error recorded). */
static void *to_gpu(const void *host, size_t bytes)
{
	void *d = gpu->alloc(bytes);
	if (d && gpu->upload(d, host, bytes)) {
		gpu->free(d);
		return NULL;
	}
	return d;
}

static int from_gpu(void *host, const void *dev, size_t bytes)
{
	return gpu->download(host, dev, bytes);
}

/* max |a - b| / max(max |b|, floor) */
static double rel_max(const float *a, const float *b, size_t n, double floor)
{
	double err = 0, mag = floor;
	for (size_t i = 0; i < n; i++) {
		err = fmax(err, fabs((double)a[i] - b[i]));
		mag = fmax(mag, fabs((double)b[i]));
	}
	return err / mag;
}

/* ---- loss ---- */

static void check_loss(int w, int h, float lambda)
{
	size_t n = (size_t)3 * w * h;
	float *img = malloc(n * sizeof(float)), *gt = malloc(n * sizeof(float)),
	      *dc = malloc(n * sizeof(float)), *dg = malloc(n * sizeof(float));
	double tc[4], tg[4];
	for (size_t i = 0; i < n; i++) {
		size_t px = i / 3;
		double base = 0.5 + 0.3 * sin(0.05 * (px % w)) * cos(0.07 * (px / w));
		img[i] = (float)(base + 0.2 * (urand() - 0.5));
		gt[i] = (float)(base + 0.3 * (urand() - 0.5));
	}
	float *dimg = to_gpu(img, n * sizeof(float)), *dgt = to_gpu(gt, n * sizeof(float)),
	      *ddimg = gpu->alloc(n * sizeof(float));
	int rc = -1;
	if (dimg && dgt && ddimg && C->loss_l1_ssim(img, gt, w, h, lambda, dc, tc) == 0 &&
	    G->loss_l1_ssim(dimg, dgt, w, h, lambda, ddimg, tg) == 0 &&
	    from_gpu(dg, ddimg, n * sizeof(float)) == 0)
		rc = 0;
	if (rc) {
		ok(0, "loss %dx%d on both backends: %s", w, h, sgs_error_get());
		ok(0, "loss gradient %dx%d", w, h);
	} else {
		double terr = 0;
		for (int k = 0; k < 4; k++)
			terr = fmax(terr, fabs(tg[k] - tc[k]) / fmax(fabs(tc[k]), 1e-12));
		ok(terr < 1e-5,
		   "loss %dx%d: cuda L1 %.8f SSIM %.8f MSE %.8f L %.8f, max relative error %.2e", w,
		   h, tg[0], tg[1], tg[2], tg[3], terr);
		double derr = rel_max(dg, dc, n, 1e-30);
		ok(derr < 1e-4, "loss gradient %dx%d: error %.2e of the largest |dL/dimg|", w, h,
		   derr);
	}
	gpu->free(dimg), gpu->free(dgt), gpu->free(ddimg);
	free(img), free(gt), free(dc), free(dg);
}

/* ---- Adam ---- */

static void check_adam(void)
{
	const size_t n = 300001;
	float *p = malloc(n * 4), *g = malloc(n * 4), *m = malloc(n * 4), *v = malloc(n * 4);
	float *p2 = malloc(n * 4), *m2 = malloc(n * 4), *v2 = malloc(n * 4);
	for (size_t i = 0; i < n; i++) {
		p[i] = (float)(urand() * 4 - 2);
		g[i] = (float)((urand() - 0.5) * 1e-3);
		m[i] = (float)((urand() - 0.5) * 1e-3);
		v[i] = (float)(urand() * 1e-6);
	}
	float *dp = to_gpu(p, n * 4), *dg = to_gpu(g, n * 4), *dm = to_gpu(m, n * 4),
	      *dv = to_gpu(v, n * 4);
	struct sgs_adam_hp hp = {1.6e-4f, 1e-5f, 48, 3, 0.9f, 0.999f, 1e-15f, 7};
	int rc = dp && dg && dm && dv && C->adam(p, g, m, v, n, &hp) == 0 &&
				 G->adam(dp, dg, dm, dv, n, &hp) == 0 && from_gpu(p2, dp, n * 4) == 0 &&
				 from_gpu(m2, dm, n * 4) == 0 && from_gpu(v2, dv, n * 4) == 0
			 ? 0
			 : -1;
	if (rc) {
		ok(0, "adam on both backends: %s", sgs_error_get());
	} else {
		double ep = 0, em = rel_max(m2, m, n, 1e-30), ev = rel_max(v2, v, n, 1e-30);
		for (size_t i = 0; i < n; i++)
			ep = fmax(ep, fabs((double)p2[i] - p[i]) / fmax(1.0, fabs(p[i])));
		ok(ep < 1e-6 && em < 1e-6 && ev < 1e-6,
		   "adam %zu elements (lr pattern 48/3, step 7): p %.2e m %.2e v %.2e", n, ep, em,
		   ev);
	}
	gpu->free(dp), gpu->free(dg), gpu->free(dm), gpu->free(dv);
	free(p), free(g), free(m), free(v), free(p2), free(m2), free(v2);
}

/* ---- update_max_radii, reset_opacity ---- */

static void check_small_ops(void)
{
	const uint32_t n = 5000;
	int32_t *radii = malloc(n * 4);
	float *mr = malloc(n * 4), *mr2 = malloc(n * 4);
	for (uint32_t i = 0; i < n; i++) {
		radii[i] = (int32_t)(urand() * 40) * (i % 3 != 0);
		mr[i] = (float)(int)(urand() * 30);
	}
	struct sgs_raster_ctx cc, gc;
	memset(&cc, 0, sizeof cc);
	memset(&gc, 0, sizeof gc);
	cc.g.n = gc.g.n = n;
	cc.radii = radii;
	gc.radii = to_gpu(radii, n * 4);
	float *dmr = to_gpu(mr, n * 4);
	int rc = gc.radii && dmr && C->update_max_radii(mr, &cc) == 0 &&
				 G->update_max_radii(dmr, &gc) == 0 && from_gpu(mr2, dmr, n * 4) == 0
			 ? 0
			 : -1;
	ok(rc == 0 && !memcmp(mr, mr2, n * 4), "update_max_radii identical (%u Gaussians) %s", n,
	   rc ? sgs_error_get() : "");
	gpu->free(gc.radii), gpu->free(dmr);
	free(radii), free(mr), free(mr2);

	/* reset_opacity on a bare state: only opacity and its moments matter */
	float *o = malloc(n * 4), *o2 = malloc(n * 4), *mo = malloc(n * 4);
	for (uint32_t i = 0; i < n; i++) {
		o[i] = (float)(urand() * 12 - 6);
		mo[i] = 1.0f;
	}
	struct sgs_train_state cs, gs;
	memset(&cs, 0, sizeof cs);
	memset(&gs, 0, sizeof gs);
	cs.params.n = gs.params.n = n;
	float *cm = malloc(n * 4), *cv = malloc(n * 4);
	memcpy(cm, mo, n * 4), memcpy(cv, mo, n * 4);
	cs.params.opacity = o, cs.m.opacity = cm, cs.v.opacity = cv;
	gs.params.opacity = to_gpu(o, n * 4);
	gs.m.opacity = to_gpu(mo, n * 4);
	gs.v.opacity = to_gpu(mo, n * 4);
	float *gm = malloc(n * 4), *gv = malloc(n * 4);
	rc = gs.params.opacity && gs.m.opacity && gs.v.opacity &&
			     C->reset_opacity(&cs, 0.01f) == 0 && G->reset_opacity(&gs, 0.01f) == 0 &&
			     from_gpu(o2, gs.params.opacity, n * 4) == 0 &&
			     from_gpu(gm, gs.m.opacity, n * 4) == 0 &&
			     from_gpu(gv, gs.v.opacity, n * 4) == 0
		     ? 0
		     : -1;
	int zero = rc == 0;
	for (uint32_t i = 0; zero && i < n; i++)
		zero = gm[i] == 0 && gv[i] == 0;
	ok(rc == 0 && !memcmp(o, o2, n * 4) && zero,
	   "reset_opacity identical, opacity moments zero %s", rc ? sgs_error_get() : "");
	gpu->free(gs.params.opacity), gpu->free(gs.m.opacity), gpu->free(gs.v.opacity);
	free(o), free(o2), free(mo), free(cm), free(cv), free(gm), free(gv);
}

/* ---- densify ---- */

/* A host state (plain malloc, the CPU backend's memory) of n random
 * Gaussians: a mix of unseen, small and large, faint and opaque, with
 * screen radii above and below 20. */
static int host_state(struct sgs_train_state *st, uint32_t n, int deg)
{
	const struct sgs_backend *be = cpu;
	memset(st, 0, sizeof *st);
	if (sgs_gaussians_alloc(be, &st->params, n, deg) || sgs_gaussians_alloc(be, &st->grads, n, deg) ||
	    sgs_gaussians_alloc(be, &st->m, n, deg) || sgs_gaussians_alloc(be, &st->v, n, deg))
		return -1;
	st->grad2d_accum = be->alloc(n * 4);
	st->grad2d_count = be->alloc(n * 4);
	st->max_radii = be->alloc(n * 4);
	st->capacity = n;
	if (!st->grad2d_accum || !st->grad2d_count || !st->max_radii)
		return -1;
	size_t K3 = 3 * (size_t)sgs_sh_coeffs(deg);
	for (uint32_t i = 0; i < n; i++) {
		for (int k = 0; k < 3; k++) {
			st->params.means[3 * i + k] = (float)(urand() * 10 - 5);
			st->params.log_scales[3 * i + k] = (float)(log(0.02) + urand() * 3.5);
		}
		for (int k = 0; k < 4; k++)
			st->params.quats[4 * i + k] = (float)(urand() * 2 - 1) + (k == 0);
		st->params.opacity[i] = (float)(urand() * 12 - 7);
		for (size_t k = 0; k < K3; k++)
			st->params.sh[K3 * i + k] = (float)(urand() - 0.5);
		struct sgs_gaussians *mom[3] = {&st->m, &st->v, &st->grads};
		for (int t = 0; t < 3; t++) {
			for (int k = 0; k < 3; k++)
				mom[t]->means[3 * i + k] = mom[t]->log_scales[3 * i + k] = (float)urand();
			for (int k = 0; k < 4; k++)
				mom[t]->quats[4 * i + k] = (float)urand();
			mom[t]->opacity[i] = (float)urand();
			for (size_t k = 0; k < K3; k++)
				mom[t]->sh[K3 * i + k] = (float)urand();
		}
		st->grad2d_count[i] = (float)(int)(urand() * 4);
		st->grad2d_accum[i] = (float)(urand() * 1.2e-3) * st->grad2d_count[i];
		st->max_radii[i] = (float)(int)(urand() * 30);
	}
	return 0;
}

static void host_state_free(struct sgs_train_state *st)
{
	sgs_gaussians_free(cpu, &st->params), sgs_gaussians_free(cpu, &st->grads);
	sgs_gaussians_free(cpu, &st->m), sgs_gaussians_free(cpu, &st->v);
	cpu->free(st->grad2d_accum), cpu->free(st->grad2d_count), cpu->free(st->max_radii);
}

/* The same state on the GPU. */
static int gpu_state(struct sgs_train_state *gs, const struct sgs_train_state *hs)
{
	memset(gs, 0, sizeof *gs);
	uint32_t n = hs->params.n;
	int deg = hs->params.sh_degree;
	if (sgs_gaussians_alloc(gpu, &gs->params, n, deg) ||
	    sgs_gaussians_alloc(gpu, &gs->grads, n, deg) || sgs_gaussians_alloc(gpu, &gs->m, n, deg) ||
	    sgs_gaussians_alloc(gpu, &gs->v, n, deg) ||
	    sgs_gaussians_upload(gpu, &gs->params, &hs->params) ||
	    sgs_gaussians_upload(gpu, &gs->grads, &hs->grads) ||
	    sgs_gaussians_upload(gpu, &gs->m, &hs->m) || sgs_gaussians_upload(gpu, &gs->v, &hs->v))
		return -1;
	gs->grad2d_accum = to_gpu(hs->grad2d_accum, n * 4);
	gs->grad2d_count = to_gpu(hs->grad2d_count, n * 4);
	gs->max_radii = to_gpu(hs->max_radii, n * 4);
	gs->capacity = n;
	return gs->grad2d_accum && gs->grad2d_count && gs->max_radii ? 0 : -1;
}

static void gpu_state_free(struct sgs_train_state *st)
{
	sgs_gaussians_free(gpu, &st->params), sgs_gaussians_free(gpu, &st->grads);
	sgs_gaussians_free(gpu, &st->m), sgs_gaussians_free(gpu, &st->v);
	gpu->free(st->grad2d_accum), gpu->free(st->grad2d_count), gpu->free(st->max_radii);
}

/* Largest difference between the GPU state (downloaded) and the CPU one,
 * over every array; -1 when the download fails. */
static double state_diff(const struct sgs_train_state *gs, const struct sgs_train_state *cs)
{
	uint32_t n = cs->params.n;
	struct sgs_gaussians h[4];
	const struct sgs_gaussians *gsets[4] = {&gs->params, &gs->grads, &gs->m, &gs->v};
	const struct sgs_gaussians *csets[4] = {&cs->params, &cs->grads, &cs->m, &cs->v};
	double worst = 0;
	int bad = 0;
	for (int t = 0; t < 4; t++) {
		struct sgs_gaussians *d = &h[t];
		if (sgs_gaussians_alloc(cpu, d, n, cs->params.sh_degree) ||
		    sgs_gaussians_download(gpu, d, gsets[t])) {
			bad = 1;
			continue;
		}
		size_t K3 = 3 * (size_t)sgs_sh_coeffs(d->sh_degree);
		worst = fmax(worst, rel_max(d->means, csets[t]->means, 3 * (size_t)n, 1.0));
		worst = fmax(worst, rel_max(d->log_scales, csets[t]->log_scales, 3 * (size_t)n, 1.0));
		worst = fmax(worst, rel_max(d->quats, csets[t]->quats, 4 * (size_t)n, 1.0));
		worst = fmax(worst, rel_max(d->opacity, csets[t]->opacity, n, 1.0));
		worst = fmax(worst, rel_max(d->sh, csets[t]->sh, K3 * n, 1.0));
	}
	for (int t = 0; t < 4; t++)
		sgs_gaussians_free(cpu, &h[t]);
	/* Accumulators against the CPU's (zero after densify, kept or zeroed
	 * per Gaussian by MCMC relocation). */
	float *acc = malloc((size_t)n * 4 + 4);
	const float *gacc[3] = {gs->grad2d_accum, gs->grad2d_count, gs->max_radii};
	const float *cacc[3] = {cs->grad2d_accum, cs->grad2d_count, cs->max_radii};
	for (int t = 0; t < 3 && acc; t++) {
		if (from_gpu(acc, gacc[t], (size_t)n * 4)) {
			bad = 1;
			break;
		}
		for (uint32_t i = 0; i < n; i++)
			worst = fmax(worst, fabs(acc[i] - cacc[t][i]));
	}
	free(acc);
	return bad || !acc ? -1 : worst;
}

static void check_densify(const char *what, uint32_t n, int deg, float max_screen, uint32_t max_g)
{
	struct sgs_train_state cs, gs;
	struct sgs_densify_params p = {0.0002f, 0.01f, 4.0f, 0.005f, max_screen, max_g, 1234, 900};
	struct sgs_densify_stats sc = {0}, sg = {0};
	if (host_state(&cs, n, deg) || gpu_state(&gs, &cs)) {
		ok(0, "%s: states: %s", what, sgs_error_get());
		ok(0, "%s: parameters", what);
		return;
	}
	int rc = C->densify(cpu, &cs, &p, &sc);
	int rg = rc ? -1 : G->densify(gpu, &gs, &p, &sg);
	ok(rc == 0 && rg == 0 && !memcmp(&sc, &sg, sizeof sc) && gs.params.n == cs.params.n &&
		   gs.capacity == cs.capacity,
	   "%s: %u -> cpu %u / cuda %u (cloned %u/%u split %u/%u pruned %u/%u, capacity %u/%u) %s",
	   what, n, sc.n_after, rg ? 0 : sg.n_after, sc.cloned, sg.cloned, sc.split, sg.split,
	   sc.pruned, sg.pruned, cs.capacity, gs.capacity, rc || rg ? sgs_error_get() : "");
	double d = rc || rg || gs.params.n != cs.params.n ? -1 : state_diff(&gs, &cs);
	ok(d >= 0 && d < 1e-5, "%s: every parameter, moment and accumulator within 1e-5 (%.2e)",
	   what, d);
	host_state_free(&cs);
	gpu_state_free(&gs);
}

/* MCMC relocation and growth, then the regulariser and the position noise,
 * on both backends from the same state. */
static void check_mcmc(const char *what, uint32_t n, int deg, uint32_t cap)
{
	struct sgs_train_state cs, gs;
	struct sgs_mcmc_params p = {0.005f, cap, 99, 700};
	struct sgs_densify_stats sc = {0}, sg = {0};
	if (host_state(&cs, n, deg) || gpu_state(&gs, &cs)) {
		ok(0, "%s: states: %s", what, sgs_error_get());
		ok(0, "%s: relocated state", what);
		ok(0, "%s: regularise + noise", what);
		return;
	}
	int rc = C->mcmc_relocate(cpu, &cs, &p, &sc);
	int rg = rc ? -1 : G->mcmc_relocate(gpu, &gs, &p, &sg);
	ok(rc == 0 && rg == 0 && !memcmp(&sc, &sg, sizeof sc) && gs.params.n == cs.params.n &&
		   gs.capacity == cs.capacity,
	   "%s: %u -> cpu %u / cuda %u (relocated %u/%u added %u/%u) %s", what, n, sc.n_after,
	   rg ? 0 : sg.n_after, sc.relocated, sg.relocated, sc.cloned, sg.cloned,
	   rc || rg ? sgs_error_get() : "");
	double d = rc || rg || gs.params.n != cs.params.n ? -1 : state_diff(&gs, &cs);
	ok(d >= 0 && d < 1e-5, "%s: relocated state within 1e-5 (%.2e)", what, d);
	rc = rc || C->mcmc_regularise(&cs, 0.01f, 0.01f) || C->mcmc_noise(&cs, 2.0f, 99, 700);
	rg = rg || G->mcmc_regularise(&gs, 0.01f, 0.01f) || G->mcmc_noise(&gs, 2.0f, 99, 700);
	d = rc || rg ? -1 : state_diff(&gs, &cs);
	/* The noise's normals are computed in double on both sides, but from
	 * device and host libm: allow a little more than for relocation. */
	ok(d >= 0 && d < 1e-4, "%s: regularise + noise within 1e-4 (%.2e)", what, d);
	host_state_free(&cs);
	gpu_state_free(&gs);
}

static void run_all(void)
{
	/* SGS_TEST_QUICK: only the cases the CPU emulation of CUDA
	 * (tests/gpu/emu) gets through in reasonable time. */
	int quick = getenv("SGS_TEST_QUICK") != NULL;
	check_loss(1, 1, 0.2f);
	check_loss(7, 5, 0.2f);
	check_loss(300, 200, 0.2f);
	if (!quick)
		check_loss(1920, 1080, 0.2f);
	check_adam();
	check_small_ops();
	if (!quick) {
		check_densify("densify 20000 deg 3, screen 20", 20000, 3, 20.0f, 0);
		check_densify("densify 20000 deg 1, no screen size", 20000, 1, 0.0f, 0);
		check_densify("densify 20000 deg 0, cap 21000", 20000, 0, 20.0f, 21000);
		check_mcmc("mcmc 20000 deg 3, cap 21000", 20000, 3, 21000);
	} else {
		check_densify("densify 3000 deg 3, screen 20", 3000, 3, 20.0f, 0);
		check_mcmc("mcmc 3000 deg 3, cap 3300", 3000, 3, 3300);
	}
	check_densify("densify 1 Gaussian", 1, 3, 20.0f, 0);
	check_mcmc("mcmc 3000 deg 1, at the cap", 3000, 1, 3000);
}

#endif

int main(void)
{
#ifdef SGS_WITH_CUDA
	gpu = sgs_backend_get("cuda");
	cpu = sgs_backend_cpu();
	if (gpu) {
		diag("cuda: %s", gpu->device_name);
		run_all();
		return tap_done();
	}
	char why[512];
	snprintf(why, sizeof why, "%s", sgs_error_get());
#else
	const char *why = "CUDA backend not built";
#endif
	for (int i = 0; i < N_CHECKS; i++)
		skip(why, "CUDA vs CPU training operation check %d", i + 1);
	return tap_done();
}
