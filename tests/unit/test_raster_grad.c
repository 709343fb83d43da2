/* Gradients of the rasterizer against central finite differences.
 * 1. Each shared math helper (sgs_math_*.h) alone: its VJP against
 *    differences of its own float forward.
 * 2. The whole CPU backward pass on tiny random scenes: the kernel's
 *    gradients of L = sum w . (RGB, alpha, depth) against differences of
 *    the double-precision reference renderer (test_raster_util.h), for
 *    every parameter kind, the background and the camera pose.
 * The error measure is |g - fd| / |fd| over all entries of a kind.  The
 * helpers' differences are taken of float functions (4th-order stencil),
 * which limits them to ~1e-4; the end-to-end ones are taken in double. */
#include <math.h>
#include <stdio.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_math_blend.h"
#include "sgs_math_gaussian.h"
#include "sgs_math_rng.h"
#include "tap.h"
#include "test_raster_util.h"

/* ------------------------------------------------------------------ */
/* 1. helpers                                                          */

#define MAXIO 96

/* A helper as y = f(x) (m inputs, k outputs) and its VJP g = J^T u. */
struct helper {
	const char *name;
	int m, k;
	void (*f)(const float *x, float *y);
	void (*vjp)(const float *x, const float *u, float *g);
	double h;         /* step */
	double threshold; /* relative error allowed */
};

static struct sgs_cam hcam; /* camera for the projection helpers */

static void f_cov3d(const float *x, float *y) { sgs_cov3d(x, x + 3, y); }
static void v_cov3d(const float *x, const float *u, float *g) { sgs_cov3d_vjp(x, x + 3, u, g, g + 3); }

static void f_jac(const float *x, float *y)
{
	float lim[4];
	sgs_cam_limits(&hcam, lim);
	sgs_proj_jacobian(&hcam, lim, x, y);
}
static void v_jac(const float *x, const float *u, float *g)
{
	float lim[4];
	sgs_cam_limits(&hcam, lim);
	g[0] = g[1] = g[2] = 0.0f;
	sgs_proj_jacobian_vjp(&hcam, lim, x, u, g);
}

/* x = J[6], W[9], Sigma as xx xy xz yy yz zz (a symmetric matrix has 6
 * free entries; the VJP's full-matrix gradient is folded onto them) */
static void sym3(const float *s, float S[9])
{
	S[0] = s[0], S[1] = S[3] = s[1], S[2] = S[6] = s[2];
	S[4] = s[3], S[5] = S[7] = s[4], S[8] = s[5];
}
static void f_cov2d(const float *x, float *y)
{
	float S[9];
	sym3(x + 15, S);
	sgs_cov2d(x, x + 6, S, y);
}
static void v_cov2d(const float *x, const float *u, float *g)
{
	float S[9], dS[9];
	sym3(x + 15, S);
	sgs_cov2d_vjp(x, x + 6, S, u, g, g + 6, dS);
	g[15] = dS[0], g[16] = dS[1] + dS[3], g[17] = dS[2] + dS[6];
	g[18] = dS[4], g[19] = dS[5] + dS[7], g[20] = dS[8];
}

/* y = dilated covariance and the antialiasing factor */
static void f_dilate(const float *x, float *y) { y[3] = sgs_cov2d_dilate(x, 1, y); }
static void v_dilate(const float *x, const float *u, float *g)
{
	sgs_cov2d_dilate_vjp(x, 1, u, u[3], g);
}

static void f_conic(const float *x, float *y) { sgs_conic(x, y); }
static void v_conic(const float *x, const float *u, float *g) { sgs_conic_vjp(x, u, g); }

/* x = sh[16][3], dir[3] */
static void f_sh(const float *x, float *y)
{
	uint8_t cl[3];
	sgs_sh_color(3, x, x + 48, y, cl);
}
static void v_sh(const float *x, const float *u, float *g)
{
	uint8_t cl[3];
	float y[3];
	sgs_sh_color(3, x, x + 48, y, cl);
	sgs_sh_color_vjp(3, x, x + 48, cl, u, g, g + 48);
}

/* The whole per-Gaussian projection: x = mean 3, log-scale 3, quat 4,
 * logit 1, sh 48; y = xy 2, depth 1, conic 3, opacity 1, colour 3. */
static void f_project(const float *x, float *y)
{
	struct sgs_splat2d s;
	float cp[3];
	sgs_cam_center(&hcam, cp);
	sgs_project_gaussian(&hcam, cp, 1, x, x + 3, x + 6, x[10], x + 11, 3, &s);
	y[0] = s.xy[0], y[1] = s.xy[1], y[2] = s.depth;
	y[3] = s.conic[0], y[4] = s.conic[1], y[5] = s.conic[2];
	y[6] = s.opacity, y[7] = s.color[0], y[8] = s.color[1], y[9] = s.color[2];
}
static void v_project(const float *x, const float *u, float *g)
{
	struct sgs_splat2d s;
	struct sgs_splat2d_grad d;
	float cp[3], dR[9] = {0}, dt[3] = {0}, dcp[3] = {0};
	sgs_cam_center(&hcam, cp);
	sgs_project_gaussian(&hcam, cp, 1, x, x + 3, x + 6, x[10], x + 11, 3, &s);
	d.xy[0] = u[0], d.xy[1] = u[1], d.depth = u[2];
	d.conic[0] = u[3], d.conic[1] = u[4], d.conic[2] = u[5];
	d.opacity = u[6], d.color[0] = u[7], d.color[1] = u[8], d.color[2] = u[9];
	sgs_project_gaussian_vjp(&hcam, cp, 1, x, x + 3, x + 6, x[10], x + 11, 3, s.clamped, &d,
				 g, g + 3, g + 6, g + 10, g + 11, dR, dt, dcp);
}

/* Blending a fixed pixel through 4 Gaussians: x = power[4], opacity[4],
 * colour[12], z[4], conic[3] of the first and its offset dx, dy;
 * y = RGB + bg T, alpha, depth. */
static const float blend_bg[3] = {0.3f, 0.6f, 0.2f};
static void blend_alphas(const float *x, float a[4], float G[4])
{
	for (int j = 0; j < 4; j++) {
		float pw = j ? x[j] : sgs_gauss_power(x + 24, x[27], x[28]);
		a[j] = sgs_blend_alpha(x[4 + j], pw, G + j);
	}
}
static void f_blend(const float *x, float *y)
{
	struct sgs_blend_fwd st;
	float a[4], G[4];
	blend_alphas(x, a, G);
	sgs_blend_fwd_init(&st);
	for (int j = 0; j < 4; j++)
		if (a[j] > 0.0f)
			sgs_blend_step(&st, a[j], x + 8 + 3 * j, x[20 + j]);
	for (int c = 0; c < 3; c++)
		y[c] = st.rgb[c] + st.T * blend_bg[c];
	y[3] = 1.0f - st.T;
	y[4] = st.depth;
}
static void v_blend(const float *x, const float *u, float *g)
{
	struct sgs_blend_fwd st;
	struct sgs_blend_bwd sb;
	float a[4], G[4];
	blend_alphas(x, a, G);
	sgs_blend_fwd_init(&st);
	for (int j = 0; j < 4; j++)
		if (a[j] > 0.0f)
			sgs_blend_step(&st, a[j], x + 8 + 3 * j, x[20 + j]);
	for (int i = 0; i < 29; i++)
		g[i] = 0.0f;
	sgs_blend_bwd_init(&sb, st.T, u, u[4], u[3], blend_bg);
	for (int j = 3; j >= 0; j--) {
		if (a[j] == 0.0f)
			continue;
		float dz, dxy[2] = {0, 0}, dcon[3] = {0, 0, 0}, dpow;
		float da = sgs_blend_step_vjp(&sb, a[j], x + 8 + 3 * j, x[20 + j], g + 8 + 3 * j, &dz);
		g[20 + j] = dz;
		if (j == 0) {
			sgs_blend_alpha_vjp(x + 24, x[4], G[0], x[27], x[28], da, dxy, dcon, g + 4);
			g[24] = dcon[0], g[25] = dcon[1], g[26] = dcon[2];
			g[27] = dxy[0], g[28] = dxy[1];
		} else {
			/* alpha = o exp(power) below the clamp */
			dpow = x[4 + j] * G[j] > SGS_ALPHA_MAX ? 0.0f : da * x[4 + j] * G[j];
			g[j] = dpow;
			g[4 + j] += x[4 + j] * G[j] > SGS_ALPHA_MAX ? 0.0f : da * G[j];
		}
	}
}

/* Relative error of the VJP against central differences of u . f. */
static double check_helper(const struct helper *hp, const float *x0, struct trng *r)
{
	float x[MAXIO], y[MAXIO], u[MAXIO], g[MAXIO];
	double num = 0, den = 0;
	for (int i = 0; i < hp->k; i++)
		u[i] = (float)trng_range(r, -1, 1);
	hp->vjp(x0, u, g);
	for (int i = 0; i < hp->m; i++) {
		/* fourth-order central difference: float rounding, not the
		 * truncation error, sets the floor */
		static const double off[4] = {1, -1, 2, -2}, wt[4] = {8, -8, -1, 1};
		double fd = 0;
		for (int s = 0; s < 4; s++) {
			for (int j = 0; j < hp->m; j++)
				x[j] = x0[j];
			x[i] += (float)(off[s] * hp->h);
			hp->f(x, y);
			double l = 0;
			for (int j = 0; j < hp->k; j++)
				l += (double)u[j] * y[j];
			fd += wt[s] * l;
		}
		fd /= 12 * hp->h;
		if (getenv("SGS_GRAD_DEBUG") && fabs(fd - g[i]) > 1e-3 * (1 + fabs(fd))) {
			printf("# %s input %d: fd %g vjp %g\n#", hp->name, i, fd, g[i]);
			for (int j = 0; j < hp->m; j++) printf(" %g", x0[j]);
			printf("\n");
		}
		num += (fd - g[i]) * (fd - g[i]);
		den += fd * fd;
	}
	return sqrt(num / (den + 1e-30));
}

static void random_rotation(struct trng *r, float R[9])
{
	float q[4];
	for (int k = 0; k < 4; k++)
		q[k] = (float)trng_normal(r);
	sgs_quat_to_rotmat(q, R);
}

static void test_helpers(void)
{
	struct trng r = {42};
	struct helper hs[] = {
		{"cov3d (log-scale, quaternion)", 7, 9, f_cov3d, v_cov3d, 1e-2, 5e-4},
		{"projection Jacobian", 3, 6, f_jac, v_jac, 2e-3, 5e-4},
		{"2D covariance (J, W, Sigma)", 21, 3, f_cov2d, v_cov2d, 1e-2, 5e-4},
		{"dilation + antialias factor", 3, 4, f_dilate, v_dilate, 2e-3, 5e-4},
		{"conic", 3, 3, f_conic, v_conic, 1e-2, 5e-4},
		{"SH colour degree 3 (coeffs, direction)", 51, 3, f_sh, v_sh, 1e-2, 5e-4},
		{"whole Gaussian projection", 59, 10, f_project, v_project, 1e-2, 5e-4},
		{"blend of 4 Gaussians at a pixel", 29, 5, f_blend, v_blend, 1e-2, 5e-4},
	};
	hcam.w = 40, hcam.h = 30;
	hcam.fx = 36, hcam.fy = 38, hcam.cx = 21, hcam.cy = 14;
	hcam.znear = 0.2f;
	for (size_t hi = 0; hi < sizeof hs / sizeof hs[0]; hi++) {
		const struct helper *hp = hs + hi;
		double worst = 0;
		for (int trial = 0; trial < 20; trial++) {
			float x[MAXIO];
			for (int i = 0; i < hp->m; i++)
				x[i] = (float)trng_range(&r, -1, 1);
			if (hp->f == f_jac) { /* alternately inside and beyond the clamp */
				x[2] = (float)trng_range(&r, 1, 3);
				x[0] *= x[2] * (trial & 1 ? 0.5f : 2.5f);
			} else if (hp->f == f_cov2d || hp->f == f_project) {
				random_rotation(&r, hp->f == f_cov2d ? x + 6 : hcam.R);
				if (hp->f != f_cov2d) {
					hcam.t[0] = 0.1f, hcam.t[1] = -0.2f, hcam.t[2] = 3.0f;
					for (int k = 0; k < 3; k++) {
						x[k] *= 0.3f; /* in view */
						x[3 + k] = -1.5f + 0.5f * x[3 + k];
					}
					for (int k = 14; k < 59; k++)
						x[k] *= 0.2f;
					x[11] = x[12] = x[13] = 1.5f; /* DC well above the clamp */
				}
			} else if (hp->f == f_dilate || hp->f == f_conic) {
				float a = 2.0f + x[0], c = 1.5f + x[2];
				x[0] = a, x[2] = c, x[1] *= 0.8f * sqrtf(a * c);
				if (hp->f == f_dilate && trial % 3 == 0) /* sub-pixel: factor matters */
					x[0] *= 0.05f, x[1] *= 0.05f, x[2] *= 0.05f;
			} else if (hp->f == f_sh) {
				x[0] = x[1] = x[2] = 2.0f;
			} else if (hp->f == f_blend) {
				for (int j = 1; j < 4; j++)
					x[j] = -0.1f - 2.0f * fabsf(x[j]); /* powers, away from 0 */
				for (int j = 4; j < 8; j++)
					x[j] = 0.4f + 0.3f * x[j]; /* opacities, away from 1/255 */
				x[24] = 0.5f, x[25] = 0.1f, x[26] = 0.4f;
				if (trial % 4 == 0)
					x[5] = 1.2f, x[1] = -0.1f; /* second alpha clamped at 0.99 */
			}
			double e = check_helper(hp, x, &r);
			worst = e > worst ? e : worst;
		}
		ok(worst < hp->threshold, "helper %s: max relative error %.2e < %.0e", hp->name,
		   worst, hp->threshold);
	}
}

/* ------------------------------------------------------------------ */
/* 2. end to end                                                       */

struct weights {
	double *rgb, *alpha, *depth;
};

static double ref_loss(const struct ref_params *p, const struct weights *w, struct ref_out *o)
{
	ref_render(p, 1, o);
	double L = 0;
	size_t np = (size_t)p->w * p->h;
	for (size_t i = 0; i < np; i++) {
		for (int c = 0; c < 3; c++)
			L += w->rgb[3 * i + c] * o->rgb[3 * i + c];
		L += w->alpha[i] * o->alpha[i] + w->depth[i] * o->depth[i];
	}
	return L;
}

/* One parameter kind: a pointer into the reference's doubles and the
 * kernel gradient for the same entries. */
struct kind {
	const char *name;
	double threshold;
	double err;
	int count;
	double num, den;
};

static void fd_compare(struct ref_params *p, const struct weights *w, struct ref_out *o,
		       double *param, double step, float grad, struct kind *k)
{
	double save = *param, h = step * fmax(1.0, fabs(save));
	*param = save + h;
	double lp = ref_loss(p, w, o);
	*param = save - h;
	double lm = ref_loss(p, w, o);
	*param = save;
	double fd = (lp - lm) / (2 * h);
	k->num += (fd - grad) * (fd - grad);
	k->den += fd * fd;
	k->count++;
}

/* Rotation by the axis-angle vector w (Rodrigues). */
static void rodrigues(const double w[3], double M[9])
{
	double th = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
	double k[3] = {0, 0, 0}, s = sin(th), c = 1 - cos(th);
	if (th > 0)
		k[0] = w[0] / th, k[1] = w[1] / th, k[2] = w[2] / th;
	double K[9] = {0, -k[2], k[1], k[2], 0, -k[0], -k[1], k[0], 0}, K2[9];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			K2[3 * i + j] = K[3 * i] * K[j] + K[3 * i + 1] * K[3 + j] + K[3 * i + 2] * K[6 + j];
	for (int i = 0; i < 9; i++)
		M[i] = (i % 4 == 0) + s * K[i] + c * K2[i];
}

/* L along the left perturbation exp(xi^) [R|t], xi = e * (rho, omega). */
static double twist_loss(struct ref_params *p, const struct weights *w, struct ref_out *o,
			 int axis, double e)
{
	double R0[9], t0[3], xi[6] = {0, 0, 0, 0, 0, 0}, M[9];
	memcpy(R0, p->R, sizeof R0);
	memcpy(t0, p->t, sizeof t0);
	xi[axis] = e;
	rodrigues(xi + 3, M);
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 3; j++)
			p->R[3 * i + j] = M[3 * i] * R0[j] + M[3 * i + 1] * R0[3 + j] + M[3 * i + 2] * R0[6 + j];
		p->t[i] = M[3 * i] * t0[0] + M[3 * i + 1] * t0[1] + M[3 * i + 2] * t0[2] + xi[i];
	}
	double L = ref_loss(p, w, o);
	memcpy(p->R, R0, sizeof R0);
	memcpy(p->t, t0, sizeof t0);
	return L;
}

struct grad_scene {
	uint64_t seed;
	int w, h, n, deg, active, antialias;
	float drop; /* Gaussian dropout rate (the multiplier from sgs_math_rng.h) */
};

static void test_scene(const struct sgs_backend *be, const struct grad_scene *sc)
{
	struct trng r = {sc->seed};
	struct sgs_cam cam;
	struct sgs_gaussians g, gr;
	struct sgs_raster_opts opts = {.bg = {0.2f, 0.4f, 0.7f}, .antialias = sc->antialias,
				       .drop_rate = sc->drop, .drop_iteration = 7,
				       .drop_seed = sc->seed};
	random_camera(&r, sc->w, sc->h, 0.9 * sc->w, 4.0, &cam);
	host_gaussians_alloc(&g, (uint32_t)sc->n, sc->deg);
	host_gaussians_alloc(&gr, (uint32_t)sc->n, sc->deg);
	g.sh_active = sc->active;
	random_gaussians(&r, &cam, 2.5, 6.0, 1.1, -2.6, -1.4, &g);
	/* Gaussian 0 sits beyond the Jacobian's clamp (x/z > 1.3x the view)
	 * but is wide enough to reach into the image */
	{
		double z = 4.0, xz = 1.25 * 1.3 * (cam.w - cam.cx) / cam.fx;
		cam_to_world(&cam, xz * z, 0.0, z, g.means);
		for (int k = 0; k < 3; k++)
			g.log_scales[k] = (float)log(5.0 * z / cam.fx);
	}
	g.opacity[1] = 5.0f; /* alpha reaches the 0.99 clamp near its centre */

	size_t np = (size_t)sc->w * sc->h;
	struct weights w;
	w.rgb = malloc(3 * np * sizeof(double));
	w.alpha = malloc(np * sizeof(double));
	w.depth = malloc(np * sizeof(double));
	float *wr = malloc(3 * np * sizeof(float)), *wa = malloc(np * sizeof(float)),
	      *wd = malloc(np * sizeof(float));
	for (size_t i = 0; i < np; i++) {
		for (int c = 0; c < 3; c++)
			wr[3 * i + c] = (float)(w.rgb[3 * i + c] = trng_range(&r, -1, 1));
		wa[i] = (float)(w.alpha[i] = trng_range(&r, -1, 1));
		wd[i] = (float)(w.depth[i] = 0.3 * trng_range(&r, -1, 1));
	}

	/* kernel forward + backward */
	struct sgs_raster_ctx *ctx = be->ctx_new();
	struct sgs_render_out out;
	struct sgs_render_dout dout = {wr, wa, wd};
	struct sgs_cam_grad dcam;
	float dbg[3];
	float *acc = calloc((size_t)sc->n, sizeof(float)), *cnt = calloc((size_t)sc->n, sizeof(float));
	sgs_render_out_alloc(be, &out, sc->w, sc->h, 1);
	int rc = sgs_render(ctx, &g, &cam, &opts, &out);
	rc = rc || sgs_render_backward(ctx, &dout, &gr, dbg, &dcam, acc, cnt);
	ok(rc == 0, "seed %llu: forward + backward (%dx%d, %d Gaussians, SH %d of %d, aa %d, "
	   "dropout %g)", (unsigned long long)sc->seed, sc->w, sc->h, sc->n, sc->active, sc->deg,
	   sc->antialias, sc->drop);
	/* the reference takes the dropout multipliers from the generator */
	double *opmul = NULL;
	int visible = 0, dropped = 0, culled_ok = 1;
	if (sc->drop > 0) {
		opmul = malloc((size_t)sc->n * sizeof *opmul);
		for (int i = 0; i < sc->n; i++) {
			int keep = sgs_rng_uniform(sc->seed, 7, (uint64_t)i, 192u) >= sc->drop;
			opmul[i] = keep ? 1.0 / (1.0 - sc->drop) : 0.0;
			dropped += !keep;
			culled_ok &= keep || (ctx->radii[i] == 0 && gr.opacity[i] == 0 &&
					      gr.means[3 * i] == 0 && gr.log_scales[3 * i] == 0);
		}
	}
	for (int i = 0; i < sc->n; i++)
		visible += ctx->radii[i] > 0;
	ok(visible == sc->n - dropped && (ctx->radii[0] > 0 || opmul), "seed %llu: all %d Gaussians "
	   "visible, including the one beyond the clamp", (unsigned long long)sc->seed,
	   sc->n - dropped);
	if (sc->drop > 0)
		ok(dropped > 0 && culled_ok, "seed %llu: the %d dropped Gaussians are culled, with no "
		   "gradient", (unsigned long long)sc->seed, dropped);

	/* grad2d accumulator: Inria's NDC units, +1 per visible Gaussian */
	int acc_ok = 1;
	for (int i = 0; i < sc->n; i++) {
		double gx = ctx->d_xy[2 * i] * 0.5 * sc->w, gy = ctx->d_xy[2 * i + 1] * 0.5 * sc->h;
		if (ctx->radii[i] == 0)
			acc_ok &= acc[i] == 0 && cnt[i] == 0;
		else
			acc_ok &= fabs(acc[i] - sqrt(gx * gx + gy * gy)) <= 1e-5 * (1 + acc[i]) &&
				  cnt[i] == 1;
	}
	ok(acc_ok, "seed %llu: 2D gradient accumulator and count", (unsigned long long)sc->seed);

	/* finite differences of the double reference */
	struct ref_params p;
	struct ref_out o;
	ref_params_from(&g, &cam, opts.bg, sc->antialias, &p);
	p.opmul = opmul;
	ref_out_alloc(&o, sc->w, sc->h);
	struct kind kinds[] = {
		/* float kernels against double differences: the errors seen
		 * are ~1e-6, the thresholds leave a wide margin */
		{"means", 1e-4, 0, 0, 0, 0},     {"log-scales", 1e-4, 0, 0, 0, 0},
		{"quaternions", 1e-4, 0, 0, 0, 0}, {"logit opacities", 1e-4, 0, 0, 0, 0},
		{"SH degree 0", 1e-4, 0, 0, 0, 0}, {"SH degree 1", 1e-4, 0, 0, 0, 0},
		{"SH degree 2", 1e-4, 0, 0, 0, 0}, {"SH degree 3", 1e-4, 0, 0, 0, 0},
		{"background", 1e-5, 0, 0, 0, 0},  {"camera R", 1e-4, 0, 0, 0, 0},
		{"camera t", 1e-4, 0, 0, 0, 0},
	};
	const double step = 1e-6;
	int K = sgs_sh_coeffs(sc->deg);
	for (int i = 0; i < sc->n; i++) {
		for (int k = 0; k < 3; k++) {
			fd_compare(&p, &w, &o, p.means + 3 * i + k, step, gr.means[3 * i + k], kinds + 0);
			fd_compare(&p, &w, &o, p.ls + 3 * i + k, step, gr.log_scales[3 * i + k], kinds + 1);
		}
		for (int k = 0; k < 4; k++)
			fd_compare(&p, &w, &o, p.q + 4 * i + k, step, gr.quats[4 * i + k], kinds + 2);
		fd_compare(&p, &w, &o, p.op + i, step, gr.opacity[i], kinds + 3);
		for (int k = 0; k < K; k++) {
			int band = k == 0 ? 0 : k < 4 ? 1 : k < 9 ? 2 : 3;
			for (int c = 0; c < 3; c++) {
				size_t at = (size_t)3 * K * i + 3 * k + c;
				fd_compare(&p, &w, &o, p.sh + at, step, gr.sh[at], kinds + 4 + band);
			}
		}
	}
	for (int c = 0; c < 3; c++)
		fd_compare(&p, &w, &o, p.bg + c, step, dbg[c], kinds + 8);
	for (int k = 0; k < 9; k++)
		fd_compare(&p, &w, &o, p.R + k, step, dcam.dR[k], kinds + 9);
	for (int k = 0; k < 3; k++)
		fd_compare(&p, &w, &o, p.t + k, step, dcam.dt[k], kinds + 10);

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		struct kind *kd = kinds + k;
		int band = (int)k - 4;
		if (band >= 1 && band <= 3 && band > sc->deg)
			continue;
		if (band >= 1 && band <= 3 && band > sc->active) {
			/* above the active degree: no effect, and zero gradient */
			ok(kd->num == 0 && kd->den == 0, "seed %llu: %s inactive, gradient 0",
			   (unsigned long long)sc->seed, kd->name);
			continue;
		}
		double e = sqrt(kd->num / (kd->den + 1e-300));
		diag("seed %llu: %-16s %4d entries, |grad| %.3e, relative error %.2e",
		     (unsigned long long)sc->seed, kd->name, kd->count, sqrt(kd->den), e);
		ok(kd->den > 0 && e < kd->threshold, "seed %llu: %s gradient within %.0e",
		   (unsigned long long)sc->seed, kd->name, kd->threshold);
	}

	/* the pose gradient as a twist, against differences along exp(xi^) */
	float tw[6];
	double num = 0, den = 0;
	sgs_cam_grad_twist(&cam, &dcam, tw);
	for (int a = 0; a < 6; a++) {
		double fd = (twist_loss(&p, &w, &o, a, 1e-6) - twist_loss(&p, &w, &o, a, -1e-6)) / 2e-6;
		num += (fd - tw[a]) * (fd - tw[a]);
		den += fd * fd;
	}
	diag("seed %llu: pose twist relative error %.2e", (unsigned long long)sc->seed,
	     sqrt(num / den));
	ok(sqrt(num / den) < 1e-4, "seed %llu: pose twist gradient within 1e-4",
	   (unsigned long long)sc->seed);

	ref_out_free(&o);
	ref_params_free(&p);
	sgs_render_out_free(be, &out);
	be->ctx_free(ctx);
	host_gaussians_free(&g);
	host_gaussians_free(&gr);
	free(w.rgb), free(w.alpha), free(w.depth), free(wr), free(wa), free(wd), free(acc), free(cnt);
}

int main(void)
{
	test_helpers();
	const struct sgs_backend *be = sgs_backend_get("cpu");
	if (!be) {
		ok(0, "CPU backend: %s", sgs_error_get());
		return tap_done();
	}
	static const struct grad_scene scenes[] = {
		{11, 32, 32, 12, 3, 3, 0, 0.0f},
		{12, 40, 24, 10, 3, 1, 1, 0.0f},
		{13, 24, 36, 14, 2, 2, 0, 0.0f},
		{14, 48, 40, 20, 3, 3, 1, 0.0f},
		{15, 33, 17, 8, 1, 1, 0, 0.0f},
		/* Gaussian dropout: the kept Gaussians' opacities x 1 / (1 - rate) */
		{16, 40, 32, 16, 3, 3, 0, 0.4f},
		{17, 36, 28, 14, 2, 2, 1, 0.3f},
	};
	for (size_t i = 0; i < sizeof scenes / sizeof scenes[0]; i++)
		test_scene(be, scenes + i);
	return tap_done();
}
