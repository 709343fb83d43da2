/* The CPU backend's four-pixel versions of the blend math
 * (kernels/cpu/cpu_simd.h) against the scalar helpers of
 * sgs_math_blend.h that the CUDA backend uses: every lane must give the
 * same bits, so the math has one definition even though the CPU runs it
 * in vectors. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu_simd.h"
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

int main(void)
{
	struct trng r = {99};

	/* exp */
	int bad = 0;
	for (int i = 0; i < 200000; i++) {
		float x[4];
		for (int l = 0; l < 4; l++)
			x[l] = (float)(i < 16 ? -1.0 * (i * 4 + l) * 3.0 : trng_range(&r, -95, 0.5));
		v4f v = v4_expf(ld4f(x));
		for (int l = 0; l < 4; l++)
			bad += !same_f(v[l], sgs_expf(x[l]));
	}
	ok(bad == 0, "v4_expf matches sgs_expf bit for bit (%d of 800000 differ)", bad);
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
		float dy = (float)trng_range(&r, -8, 8), x0 = (float)trng_range(&r, -8, 8);
		v4f G;
		v4f a = v4_alpha(&s, x0, dy, 0, &G);
		for (int l = 0; l < 4; l++) {
			float dx = x0 - (float)l, g;
			float pw = sgs_gauss_power(s.con, dx, dy);
			float as = sgs_blend_alpha(s.o, pw, &g);
			bad += !same_f(a[l], as) || (as != 0.0f && !same_f(G[l], g));
		}
	}
	ok(bad == 0, "v4_alpha matches sgs_blend_alpha bit for bit (%d differ)", bad);

	/* forward rows: 60 splats over one 16-pixel row */
	int fbad = 0, bbad = 0, gbad = 0, blended = 0;
	for (int trial = 0; trial < 200; trial++) {
		static struct fwd_soa fs;
		struct sgs_blend_fwd ref[SGS_TILE];
		uint32_t last[SGS_TILE] = {0};
		int done[SGS_TILE] = {0};
		struct cpu_splat sp[60];
		fwd_soa_init(&fs);
		for (int p = 0; p < SGS_TILE; p++)
			sgs_blend_fwd_init(ref + p);
		for (int j = 0; j < 60; j++) {
			random_splat(&r, sp + j);
			int xa = (int)trng_range(&r, 0, 15.99), nx = 1 + (int)trng_range(&r, 0, 15.99 - xa);
			fwd_row(&fs, sp + j, xa, xa, nx, 0, j);
			for (int x = xa; x < xa + nx; x++) {
				float G, dx = sp[j].x - ((float)xa + 0.5f) - (float)(x - xa);
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
			bs.T[x] = bs.TN[x] = ref[x].T;
			bs.dr[x] = dC[0], bs.dg[x] = dC[1], bs.db[x] = dC[2], bs.dd[x] = dD;
			bs.dfin[x] = rb[x].dfinal;
			bs.last[x] = (int32_t)last[x];
		}
		for (int j = 59; j >= 0; j--)
			for (int x = 0; x < SGS_TILE; x++) {
				struct grad4 acc;
				memset(&acc, 0, sizeof acc);
				bwd_row(&bs, sp + j, x, x, 1, 0, j, &acc);
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
					gbad += !same_f(hsum4(acc.v[c]) + 0.0f, g[c] + 0.0f);
			}
		for (int x = 0; x < SGS_TILE; x++)
			bbad += !same_f(bs.T[x], rb[x].T) || !same_f(bs.rr[x], rb[x].rec[0]) ||
				!same_f(bs.rz[x], rb[x].rec_z) || !same_f(bs.la[x], rb[x].last_a);
	}
	diag("%d pixel blends compared", blended);
	ok(fbad == 0, "fwd_row state matches sgs_blend_step bit for bit (%d pixels differ)", fbad);
	ok(bbad == 0, "bwd_row state matches sgs_blend_step_vjp bit for bit (%d pixels differ)", bbad);
	ok(gbad == 0, "bwd_row gradients match the scalar VJPs bit for bit (%d values differ)", gbad);
	return tap_done();
}
