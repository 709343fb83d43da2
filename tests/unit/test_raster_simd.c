/* The CPU backend's vector versions of the blend math.
 * 1. The portable path's four-pixel helpers (kernels/cpu/cpu_simd.h with
 *    VW 4) against the scalar helpers of sgs_math_blend.h that the CUDA
 *    backend uses: every lane must give the same bits, so the math has
 *    one definition even though the CPU runs it in vectors.
 * 2. The AVX2 path (eight lanes, fused multiply-adds) and the AVX-512
 *    path (sixteen) against the portable one on whole renders and their
 *    gradients: equal up to float rounding (each skipped on a CPU that
 *    cannot run it). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#define VW 4
#include "cpu/cpu_internal.h"
#include "cpu/cpu_simd.h"
#include "sgs_error.h"
#include "tap.h"
#include "test_raster_util.h"

static int same_f(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

static void random_splat(struct trng *r, struct cpu_splat *s)
{
	double sx = trng_range(r, 0.5, 6), sy = trng_range(r, 0.5, 6), rho = trng_range(r, -0.9, 0.9);
	double cxx = sx * sx, cyy = sy * sy, cxy = rho * sx * sy, det = cxx * cyy - cxy * cxy;
	s->x = (float)trng_range(r, -4, 20);
	s->y = (float)trng_range(r, 0, 4);
	s->con[0] = (float)(cyy / det), s->con[1] = (float)(-cxy / det), s->con[2] = (float)(cxx / det);
	s->o = (float)(trng_u01(r) < 0.2 ? trng_range(r, 0.99, 1.0) : trng_range(r, 0.0, 0.99));
	for (int c = 0; c < 3; c++)
		s->rgb[c] = (float)trng_u01(r);
	s->z = (float)trng_range(r, 1, 9);
	s->ext_x = s->ext_y = 100.0f;
}

/* Largest |a - b| / (scale + max |b|) over n values. */
static double rel_diff(const float *a, const float *b, size_t n, double scale)
{
	double d = 0, m = 0;
	for (size_t i = 0; i < n; i++) {
		d = fmax(d, fabs((double)a[i] - b[i]));
		m = fmax(m, fabs((double)b[i]));
	}
	return d / (scale + m);
}

struct run {
	struct sgs_render_out out;
	struct sgs_gaussians grad;
	float dbg[3];
};

/* Render g and back-propagate fixed random output gradients on the path
 * name. */
static int run_path(const char *name, const struct sgs_gaussians *g, const struct sgs_cam *cam,
		    const struct sgs_render_dout *dout, struct run *r)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_raster_opts opts = {.bg = {0.1f, 0.5f, 0.9f}, .antialias = 1};
	struct sgs_raster_ctx *ctx = be->ctx_new();
	int rc = ctx && cpu_simd_select(name) == 0 &&
			 sgs_render_out_alloc(be, &r->out, cam->w, cam->h, 1) == 0 &&
			 host_gaussians_alloc(&r->grad, g->n, g->sh_degree) == 0 &&
			 sgs_render(ctx, g, cam, &opts, &r->out) == 0 &&
			 sgs_render_backward(ctx, dout, &r->grad, r->dbg, NULL, NULL, NULL) == 0
		 ? 0
		 : -1;
	if (ctx)
		be->ctx_free(ctx);
	return rc;
}

/* The wide path `name` (label `label`) against the portable one. */
static void compare_paths(const char *name, const char *label)
{
	if (cpu_simd_select(name) != 0) {
		skip("this CPU cannot run the path", "%s path against the portable one", label);
		cpu_simd_select("portable");
		return;
	}
	const int w = 150, h = 110;
	const size_t np = (size_t)w * h;
	double worst_img = 0, worst_depth = 0, worst_grad = 0;
	size_t count_diff = 0;
	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct trng r = {seed * 7919};
		struct sgs_cam cam;
		struct sgs_gaussians g;
		random_camera(&r, w, h, 0.9 * w, 5.0, &cam);
		if (host_gaussians_alloc(&g, 3000, 3)) {
			ok(0, "allocate");
			return;
		}
		random_gaussians(&r, &cam, 2.0, 9.0, 1.5, -4.0, -1.0, &g);
		for (uint32_t i = 0; i < g.n; i += 3) /* some opaque: pixels saturate */
			g.opacity[i] = (float)trng_range(&r, 2.0, 7.0);
		float *drgb = malloc(3 * np * sizeof(float)), *dd = malloc(np * sizeof(float)),
		      *da = malloc(np * sizeof(float));
		for (size_t i = 0; i < 3 * np; i++)
			drgb[i] = (float)trng_range(&r, -1, 1);
		for (size_t i = 0; i < np; i++)
			dd[i] = (float)trng_range(&r, -0.1, 0.1), da[i] = (float)trng_range(&r, -1, 1);
		/* with and without the depth gradient (the loops specialise) */
		struct sgs_render_dout dout = {drgb, da, seed % 2 ? dd : NULL};
		struct run a, p;
		memset(&a, 0, sizeof a);
		memset(&p, 0, sizeof p);
		if (run_path(name, &g, &cam, &dout, &a) || run_path("portable", &g, &cam, &dout, &p)) {
			ok(0, "seed %llu: render on both paths: %s", (unsigned long long)seed,
			   sgs_error_get());
			return;
		}
		worst_img = fmax(worst_img, rel_diff(a.out.rgb, p.out.rgb, 3 * np, 1.0));
		worst_img = fmax(worst_img, rel_diff(a.out.alpha, p.out.alpha, np, 1.0));
		worst_depth = fmax(worst_depth, rel_diff(a.out.depth, p.out.depth, np, 0.0));
		for (size_t i = 0; i < np; i++)
			count_diff += a.out.n_contrib[i] != p.out.n_contrib[i];
		size_t K = (size_t)sgs_sh_coeffs(g.sh_degree);
		const float *ga[] = {a.grad.means, a.grad.log_scales, a.grad.quats, a.grad.opacity,
				     a.grad.sh, a.dbg};
		const float *gp[] = {p.grad.means, p.grad.log_scales, p.grad.quats, p.grad.opacity,
				     p.grad.sh, p.dbg};
		const size_t len[] = {3 * (size_t)g.n, 3 * (size_t)g.n, 4 * (size_t)g.n, g.n,
				      3 * K * g.n, 3};
		for (int k = 0; k < 6; k++)
			worst_grad = fmax(worst_grad, rel_diff(ga[k], gp[k], len[k], 0.0));
		const struct sgs_backend *be = sgs_backend_cpu();
		sgs_render_out_free(be, &a.out);
		sgs_render_out_free(be, &p.out);
		host_gaussians_free(&a.grad);
		host_gaussians_free(&p.grad);
		host_gaussians_free(&g);
		free(drgb), free(dd), free(da);
	}
	cpu_simd_select("portable");
	diag("%s against portable: image %.2e, depth %.2e, gradients %.2e (relative to the "
	     "largest), contributor counts differ at %zu pixels", label, worst_img, worst_depth,
	     worst_grad, count_diff);
	ok(worst_img < 2e-6, "%s images equal the portable ones to %.1e", label, worst_img);
	ok(worst_depth < 2e-6, "%s depth equals the portable one to %.1e", label, worst_depth);
	ok(worst_grad < 1e-4, "%s gradients equal the portable ones to %.1e", label, worst_grad);
	ok(count_diff < 6 * np / 1000, "%s contributor counts equal but at %zu of %zu pixels", label,
	   count_diff, 6 * np);
}

int main(void)
{
	struct trng r = {99};

	/* exp */
	int bad = 0;
	for (int i = 0; i < 200000; i++) {
		float x[4];
		for (int l = 0; l < 4; l++)
			x[l] = (float)(i < 16 ? -1.0 * (i * 4 + l) * 3.0 : trng_range(&r, -95, 0.5));
		vf v = vexpf(vld(x));
		for (int l = 0; l < 4; l++)
			bad += !same_f(v[l], sgs_expf(x[l]));
	}
	ok(bad == 0, "vexpf matches sgs_expf bit for bit (%d of 800000 differ)", bad);
	double worst = 0;
	for (int i = 0; i < 100000; i++) {
		float x = (float)trng_range(&r, -87, 0);
		double e = exp((double)x), rel = fabs(sgs_expf(x) - e) / e;
		worst = rel > worst ? rel : worst;
	}
	ok(worst < 3e-7, "sgs_expf relative error %.2e < 3e-7 on [-87, 0]", worst);

	/* alpha */
	bad = 0;
	for (int i = 0; i < 20000; i++) {
		struct cpu_splat s;
		random_splat(&r, &s);
		int px = (int)trng_range(&r, -12, 24);
		float yc = (float)(int)trng_range(&r, -8, 8) + 0.5f, dy = s.y - yc;
		struct vrow rw = vrow_of(&s, dy);
		struct vcols cols;
		vcols_of(&cols, px);
		vf G;
		vf a = valpha(&s, &rw, vdx(&s, &cols, 0), &G);
		for (int l = 0; l < 4; l++) {
			float dx = s.x - ((float)(px + l) + 0.5f), g;
			float pw = sgs_gauss_power(s.con, dx, dy);
			float as = sgs_blend_alpha(s.o, pw, &g);
			bad += !same_f(a[l], as) || (as != 0.0f && !same_f(G[l], g));
		}
	}
	ok(bad == 0, "valpha matches sgs_blend_alpha bit for bit (%d differ)", bad);

	/* forward rows: 60 splats over one 16-pixel row */
	struct vcols cols0;
	vcols_of(&cols0, 0);
	int fbad = 0, bbad = 0, gbad = 0, blended = 0;
	for (int trial = 0; trial < 200; trial++) {
		static struct fwd_soa fs;
		struct sgs_blend_fwd ref[SGS_TILE];
		uint32_t last[SGS_TILE] = {0};
		int done[SGS_TILE] = {0};
		struct cpu_splat sp[60];
		fwd_soa_init(&fs, SGS_TILE);
		for (int p = 0; p < SGS_TILE; p++)
			sgs_blend_fwd_init(ref + p);
		for (int j = 0; j < 60; j++) {
			random_splat(&r, sp + j);
			int xa = (int)trng_range(&r, 0, 15.99), nx = 1 + (int)trng_range(&r, 0, 15.99 - xa);
			fwd_row(&fs, sp + j, 0, 0.5f, &cols0, xa, xa + nx - 1, j,
				FWD_DEPTH | FWD_MEDIAN_COUNT);
			for (int x = xa; x < xa + nx; x++) {
				float G, dx = sp[j].x - ((float)x + 0.5f);
				float a = sgs_blend_alpha(sp[j].o, sgs_gauss_power(sp[j].con, dx,
							  sp[j].y - 0.5f), &G);
				if (a == 0.0f || done[x])
					continue;
				if (!sgs_blend_step(ref + x, a, sp[j].rgb, sp[j].z)) {
					done[x] = 1;
					continue;
				}
				last[x] = (uint32_t)j + 1;
				blended++;
			}
		}
		for (int x = 0; x < SGS_TILE; x++)
			fbad += !same_f(fs.T[x], ref[x].T) || !same_f(fs.r[x], ref[x].rgb[0]) ||
				!same_f(fs.g[x], ref[x].rgb[1]) || !same_f(fs.b[x], ref[x].rgb[2]) ||
				!same_f(fs.d[x], ref[x].depth) || !same_f(fs.med[x], ref[x].median) ||
				(uint32_t)fs.cnt[x] != ref[x].count || (uint32_t)fs.last[x] != last[x] ||
				(fs.done[x] != 0) != done[x];

		/* backward over the same row, one pixel at a time so the gradient
		 * sums have one term per lane and must match exactly */
		static struct bwd_soa bs;
		struct sgs_blend_bwd rb[SGS_TILE];
		const float bg[3] = {0.2f, 0.5f, 0.7f};
		memset(&bs, 0, sizeof bs);
		for (int x = 0; x < SGS_TILE; x++) {
			float dC[3] = {(float)trng_range(&r, -1, 1), (float)trng_range(&r, -1, 1),
				       (float)trng_range(&r, -1, 1)};
			float dD = (float)trng_range(&r, -1, 1), dA = (float)trng_range(&r, -1, 1);
			sgs_blend_bwd_init(rb + x, ref[x].T, dC, dD, dA, bg);
			bs.T[x] = ref[x].T;
			bs.dr[x] = dC[0], bs.dg[x] = dC[1], bs.db[x] = dC[2], bs.dd[x] = dD;
			bs.tnd[x] = rb[x].tn_dfinal;
			bs.last[x] = (int32_t)last[x];
		}
		for (int j = 59; j >= 0; j--)
			for (int x = 0; x < SGS_TILE; x++) {
				struct gradv acc;
				memset(&acc, 0, sizeof acc);
				bwd_row(&bs, sp + j, 0, 0.5f, &cols0, x, x, j, &acc, 1);
				float g[CPU_REC] = {0};
				float G, dx = sp[j].x - ((float)x + 0.5f), dy = sp[j].y - 0.5f;
				float a = sgs_blend_alpha(sp[j].o, sgs_gauss_power(sp[j].con, dx, dy), &G);
				if (a != 0.0f && (uint32_t)j < last[x]) {
					float da = sgs_blend_step_vjp(rb + x, a, sp[j].rgb, sp[j].z, g + 6,
								      g + 9);
					sgs_blend_alpha_vjp(sp[j].con, sp[j].o, G, dx, dy, da, g, g + 2,
							    g + 5);
				}
				/* + 0: a zero may come out as -0 on either side */
				for (int c = 0; c < CPU_REC; c++)
					gbad += !same_f(vhsum(acc.v[c]) + 0.0f, g[c] + 0.0f);
			}
		for (int x = 0; x < SGS_TILE; x++)
			bbad += !same_f(bs.T[x], rb[x].T) || !same_f(bs.rr[x], rb[x].rec[0]) ||
				!same_f(bs.rz[x], rb[x].rec_z) || !same_f(bs.rg[x], rb[x].rec[1]);
	}
	diag("%d pixel blends compared", blended);
	ok(fbad == 0, "fwd_row state matches sgs_blend_step bit for bit (%d pixels differ)", fbad);
	ok(bbad == 0, "bwd_row state matches sgs_blend_step_vjp bit for bit (%d pixels differ)", bbad);
	ok(gbad == 0, "bwd_row gradients match the scalar VJPs bit for bit (%d values differ)", gbad);
	compare_paths("avx2", "AVX2");
	compare_paths("avx512", "AVX-512");
	return tap_done();
}
