/* A fixed fixture splat (generated here from a fixed seed: a textured
 * sphere on a checkered ground with scattered background Gaussians, SH
 * degree 3), rendered with a fixed camera on the CPU backend and compared
 * with the committed tests/fixtures/golden_render.png (RGB + alpha).
 *
 * SGS_REGEN_GOLDEN=1 rewrites the golden file.  Regenerating needs a
 * reason (a deliberate change of the rendering rules, written in the
 * commit message): a golden that follows every change proves nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_kernels.h"
#include "tap.h"
#include "test_raster_util.h"

#define GOLDEN "tests/fixtures/golden_render.png"
#define W 192
#define H 144

static void set_gaussian(struct sgs_gaussians *g, uint32_t i, const double p[3],
			 const double ls[3], struct trng *r, double logit, const double rgb[3],
			 double sh_rest)
{
	int K = sgs_sh_coeffs(g->sh_degree);
	for (int k = 0; k < 3; k++) {
		g->means[3 * i + k] = (float)p[k];
		g->log_scales[3 * i + k] = (float)ls[k];
	}
	for (int k = 0; k < 4; k++)
		g->quats[4 * i + k] = (float)trng_normal(r);
	g->opacity[i] = (float)logit;
	float *sh = g->sh + (size_t)3 * K * i;
	for (int c = 0; c < 3; c++) {
		sh[c] = (float)((rgb[c] - 0.5) / 0.28209479177387814);
		for (int k = 1; k < K; k++)
			sh[3 * k + c] = (float)(sh_rest * trng_normal(r) / k);
	}
}

/* 1600 on a unit sphere, 1600 on the ground plane y = 1, 800 scattered. */
static void fixture(struct sgs_gaussians *g)
{
	struct trng r = {20240611};
	uint32_t i = 0;
	for (; i < 1600; i++) {
		double z = trng_range(&r, -1, 1), ph = trng_range(&r, 0, 6.283185307179586);
		double s = sqrt(1 - z * z), n[3] = {s * cos(ph), z, s * sin(ph)};
		double ls[3] = {log(0.06), log(0.05), log(0.01)};
		double rgb[3] = {0.5 + 0.4 * n[0], 0.5 + 0.4 * n[1], 0.5 + 0.4 * n[2]};
		set_gaussian(g, i, n, ls, &r, 3.0, rgb, 0.15);
	}
	for (; i < 3200; i++) {
		double p[3] = {trng_range(&r, -4, 4), 1.0, trng_range(&r, -3, 6)};
		int check = ((int)floor(p[0]) + (int)floor(p[2])) & 1;
		double ls[3] = {log(0.12), log(0.005), log(0.12)};
		double rgb[3] = {check ? 0.9 : 0.2, check ? 0.85 : 0.25, check ? 0.8 : 0.3};
		set_gaussian(g, i, p, ls, &r, 4.0, rgb, 0.05);
		/* flat in y: keep the quaternion near identity */
		g->quats[4 * i] = 1.0f;
		g->quats[4 * i + 1] *= 0.05f, g->quats[4 * i + 2] *= 0.05f, g->quats[4 * i + 3] *= 0.05f;
	}
	for (; i < 4000; i++) {
		double p[3] = {trng_range(&r, -6, 6), trng_range(&r, -4, 0.8), trng_range(&r, 3, 10)};
		double s = trng_range(&r, -3.5, -1.5);
		double ls[3] = {s + trng_range(&r, -0.5, 0.5), s + trng_range(&r, -0.5, 0.5),
				s + trng_range(&r, -0.5, 0.5)};
		double rgb[3] = {trng_u01(&r), trng_u01(&r), trng_u01(&r)};
		set_gaussian(g, i, p, ls, &r, trng_range(&r, -2, 3), rgb, 0.3);
	}
}

/* Camera centre (0.4, -1.2, -4) looking at the origin, tilted down. */
static void fixture_camera(struct sgs_cam *cam)
{
	double C[3] = {0.4, -1.2, -4.0}, f[3] = {-C[0], -C[1], -C[2]};
	double fn = sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
	double z[3] = {f[0] / fn, f[1] / fn, f[2] / fn};
	double down[3] = {0, 1, 0};
	/* x = down x z (right), y = z x x (down) */
	double x[3] = {down[1] * z[2] - down[2] * z[1], down[2] * z[0] - down[0] * z[2],
		       down[0] * z[1] - down[1] * z[0]};
	double xn = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	for (int k = 0; k < 3; k++)
		x[k] /= xn;
	double y[3] = {z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2],
		       z[0] * x[1] - z[1] * x[0]};
	cam->w = W, cam->h = H;
	cam->fx = cam->fy = 170.0f;
	cam->cx = 0.5f * W, cam->cy = 0.5f * H;
	for (int k = 0; k < 3; k++) {
		cam->R[k] = (float)x[k];
		cam->R[3 + k] = (float)y[k];
		cam->R[6 + k] = (float)z[k];
	}
	for (int i = 0; i < 3; i++)
		cam->t[i] = (float)-(cam->R[3 * i] * C[0] + cam->R[3 * i + 1] * C[1] +
				     cam->R[3 * i + 2] * C[2]);
	cam->znear = SGS_NEAR_DEFAULT;
}

static uint8_t to8(float v)
{
	v = v < 0 ? 0 : v > 1 ? 1 : v;
	return (uint8_t)lrintf(v * 255.0f);
}

int main(void)
{
	const struct sgs_backend *be = sgs_backend_get("cpu");
	struct sgs_gaussians g;
	struct sgs_cam cam;
	struct sgs_render_out out;
	struct sgs_raster_opts opts = {.bg = {0.05f, 0.05f, 0.1f}, .antialias = 0};
	if (!be || host_gaussians_alloc(&g, 4000, 3) || sgs_render_out_alloc(be, &out, W, H, 1)) {
		ok(0, "setup: %s", sgs_error_get());
		return tap_done();
	}
	fixture(&g);
	fixture_camera(&cam);
	struct sgs_raster_ctx *ctx = be->ctx_new();
	ok(ctx && sgs_render(ctx, &g, &cam, &opts, &out) == 0, "render fixture %dx%d, %u Gaussians",
	   W, H, g.n);

	struct sgs_image img;
	sgs_image_alloc(&img, W, H, 4, 8);
	uint8_t *px = img.data;
	size_t covered = 0;
	for (size_t i = 0; i < (size_t)W * H; i++) {
		for (int c = 0; c < 3; c++)
			px[4 * i + c] = to8(out.rgb[3 * i + c]);
		px[4 * i + 3] = to8(out.alpha[i]);
		covered += out.alpha[i] > 0.5f;
	}
	diag("%zu of %d pixels with alpha > 0.5, %u tile/Gaussian pairs", covered, W * H,
	     ctx->n_isect);
	ok(covered > (size_t)W * H / 3, "the fixture covers a good part of the image");

	/* the golden guards against change; the reference says it is right */
	struct ref_params rp;
	struct ref_out ro;
	if (ref_params_from(&g, &cam, opts.bg, 0, &rp) || ref_out_alloc(&ro, W, H)) {
		ok(0, "allocate the reference render");
	} else {
		ref_render(&rp, 1, &ro);
		double p = psnr_vs_ref(out.rgb, ro.rgb, 3 * (size_t)W * H, 1.0);
		ok(p >= 50, "fixture render agrees with the reference renderer: %.1f dB >= 50", p);
		ref_out_free(&ro);
		ref_params_free(&rp);
	}

	const char *regen = getenv("SGS_REGEN_GOLDEN");
	if (regen && *regen && strcmp(regen, "0")) {
		int rc = sgs_png_write(GOLDEN, &img);
		ok(rc == 0, "regenerated %s %s", GOLDEN, rc ? sgs_error_get() : "");
	} else {
		struct sgs_image gold = {0};
		if (sgs_png_read(GOLDEN, &gold)) {
			ok(0, "read %s: %s", GOLDEN, sgs_error_get());
		} else if (gold.w != W || gold.h != H || gold.c != 4 || gold.bits != 8) {
			ok(0, "%s is %ux%u with %u channels of %u bits, expected %dx%d RGBA8", GOLDEN,
			   gold.w, gold.h, gold.c, gold.bits, W, H);
		} else {
			const uint8_t *gp = gold.data;
			double se_rgb = 0, se_a = 0;
			int maxd = 0;
			for (size_t i = 0; i < (size_t)W * H; i++)
				for (int c = 0; c < 4; c++) {
					double d = ((double)px[4 * i + c] - gp[4 * i + c]) / 255.0;
					*(c < 3 ? &se_rgb : &se_a) += d * d;
					int ad = abs((int)px[4 * i + c] - (int)gp[4 * i + c]);
					maxd = ad > maxd ? ad : maxd;
				}
			double p_rgb = se_rgb > 0 ? 10 * log10(3.0 * W * H / se_rgb) : 999;
			double p_a = se_a > 0 ? 10 * log10((double)W * H / se_a) : 999;
			diag("largest difference %d of 255", maxd);
			ok(p_rgb >= 50, "RGB matches the golden render: %.1f dB >= 50", p_rgb);
			ok(p_a >= 50, "alpha matches the golden render: %.1f dB >= 50", p_a);
		}
		sgs_image_free(&gold);
	}
	sgs_image_free(&img);
	be->ctx_free(ctx);
	sgs_render_out_free(be, &out);
	host_gaussians_free(&g);
	return tap_done();
}
