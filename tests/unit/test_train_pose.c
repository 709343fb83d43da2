/* Camera pose refinement and pseudo views of sgs-train (issue 10): a train
 * view's pose perturbed by 3 degrees and 3% of its distance is pulled back
 * (reprojection and rotation error, train loss against a run without);
 * the first train view stays put; byte-identical resume with refinement
 * and pseudo views; the scene written with the refined poses differs from
 * the input only in the train views' R|t bytes; TOPT lengths and a
 * damaged POSE chunk; pseudo views every k-th iteration, their log
 * column and weight, weight 0 as without, and their errors; the path
 * between the train views (sgs-render -p between).  The pose gradient
 * itself is checked against finite differences of the reference renderer
 * in test_raster_grad.c (dR, dt, and the twist along the very update
 * used here).  CPU backend. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgs_camera.h"
#include "sgs_campath.h"
#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_le.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_synthetic.h"
#include "sgs_trainer.h"
#include "tap.h"
#include "testlib_train.h"

/* ---- geometry ---- */

static void rodrigues(const double w[3], double M[9])
{
	double th = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
	double k[3] = {0, 0, 0}, s = sin(th), c = 1 - cos(th);
	if (th > 0)
		k[0] = w[0] / th, k[1] = w[1] / th, k[2] = w[2] / th;
	double K[9] = {0, -k[2], k[1], k[2], 0, -k[0], -k[1], k[0], 0};
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			M[3 * i + j] = (i == j) + s * K[3 * i + j] +
				       c * (K[3 * i] * K[j] + K[3 * i + 1] * K[3 + j] + K[3 * i + 2] * K[6 + j]);
}

static double rot_deg(const double *A, const double *B)
{
	double tr = 0;
	for (int i = 0; i < 9; i++)
		tr += A[i] * B[i];
	double c = (tr - 1) / 2;
	return acos(c > 1 ? 1 : c < -1 ? -1 : c) * 180 / M_PI;
}

static void centre(const double *R, const double *t, double C[3])
{
	for (int i = 0; i < 3; i++)
		C[i] = -(R[i] * t[0] + R[3 + i] * t[1] + R[6 + i] * t[2]);
}

static double dist3(const double *a, const double *b)
{
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
		    (a[2] - b[2]) * (a[2] - b[2]));
}

/* Mean distance in pixels between where the true camera of v sees its
 * surface points (ground-truth depth) and where the pose R|t puts them:
 * the pose error that matters for the images. */
static double reprojection(const struct sgs_view *v, const double *Rg, const double *tg,
			   const double *R, const double *t)
{
	const struct sgs_camera *c = &v->cam;
	double sum = 0;
	int n = 0;
	for (uint32_t y = 0; y < c->h; y++)
		for (uint32_t x = 0; x < c->w; x++) {
			double z = v->depth_gt[y * c->w + x], X[3], p[3];
			if (!(z > 0))
				continue;
			double xc[3] = {(x + 0.5 - c->cx) / c->fx * z, (y + 0.5 - c->cy) / c->fy * z, z};
			for (int i = 0; i < 3; i++)
				X[i] = Rg[i] * (xc[0] - tg[0]) + Rg[3 + i] * (xc[1] - tg[1]) +
				       Rg[6 + i] * (xc[2] - tg[2]);
			for (int i = 0; i < 3; i++)
				p[i] = R[3 * i] * X[0] + R[3 * i + 1] * X[1] + R[3 * i + 2] * X[2] + t[i];
			double du = c->fx * p[0] / p[2] + c->cx - x - 0.5, dv = c->fy * p[1] / p[2] + c->cy - y - 0.5;
			sum += sqrt(du * du + dv * dv);
			n++;
		}
	return sum / n;
}

/* ---- scenes and runs ---- */

/* The synthetic scene at 48x36, 8 views (7 train), with seed points on
 * the true surfaces (as structure from motion would give): every other
 * pixel of each train view's ground-truth depth. */
static int make_scene(struct sgs_scene *s, uint32_t nviews, uint32_t ntrain)
{
	struct sgs_synthetic_opts so;
	sgs_synthetic_defaults(&so);
	so.width = 48;
	so.height = 36;
	so.nviews = nviews;
	so.ntrain = ntrain;
	if (sgs_synthetic_scene(&so, s) != 0)
		return -1;
	size_t cap = 0;
	for (uint32_t i = 0; i < s->nviews; i++)
		cap += (size_t)s->views[i].cam.w * s->views[i].cam.h;
	s->seed_xyz = malloc(3 * cap * sizeof(float));
	s->seed_rgb = malloc(3 * cap);
	s->nseeds = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		const struct sgs_camera *c = &v->cam;
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		for (uint32_t y = 0; y < c->h; y += 2)
			for (uint32_t x = 0; x < c->w; x += 2) {
				double z = v->depth_gt[y * c->w + x];
				if (!(z > 0))
					continue;
				double xc[3] = {(x + 0.5 - c->cx) / c->fx * z, (y + 0.5 - c->cy) / c->fy * z, z};
				for (int a = 0; a < 3; a++) {
					s->seed_xyz[3 * s->nseeds + a] =
						(float)(c->R[a] * (xc[0] - c->t[0]) + c->R[3 + a] * (xc[1] - c->t[1]) +
							c->R[6 + a] * (xc[2] - c->t[2]));
					s->seed_rgb[3 * s->nseeds + a] =
						((const uint8_t *)v->image.data)[3 * (y * c->w + x) + a];
				}
				s->nseeds++;
			}
	}
	return 0;
}

/* Turn view i by `deg` degrees about a fixed oblique axis and move its
 * centre by `frac` of its distance from the origin. */
static void perturb(struct sgs_scene *s, uint32_t i, double deg, double frac)
{
	struct sgs_camera *c = &s->views[i].cam;
	double ax[3] = {0.3, -0.8, 0.5}, dir[3] = {0.6, 0.7, -0.4}, w[3], M[9], R[9], C[3];
	double na = sqrt(0.98), nd = sqrt(1.01);
	centre(c->R, c->t, C);
	double d = sqrt(C[0] * C[0] + C[1] * C[1] + C[2] * C[2]);
	for (int k = 0; k < 3; k++) {
		w[k] = ax[k] / na * deg * M_PI / 180;
		C[k] += frac * d * dir[k] / nd;
	}
	rodrigues(w, M);
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			R[3 * a + b] = M[3 * a] * c->R[b] + M[3 * a + 1] * c->R[3 + b] + M[3 * a + 2] * c->R[6 + b];
	memcpy(c->R, R, sizeof R);
	for (int a = 0; a < 3; a++)
		c->t[a] = -(R[3 * a] * C[0] + R[3 * a + 1] * C[1] + R[3 * a + 2] * C[2]);
}

/* Run to `until`; the mean loss of the iterations after `from` into
 * *late (may be NULL). */
static int run(struct sgs_trainer *t, uint32_t until, uint32_t from, double *late)
{
	struct sgs_step_info in;
	double sum = 0;
	int n = 0;
	while (sgs_trainer_iteration(t) < until) {
		if (sgs_trainer_step(t, &in) != 0)
			return -1;
		if (in.iteration > from)
			sum += in.loss, n++;
	}
	if (late)
		*late = n ? sum / n : NAN;
	return 0;
}

static int same_model(const struct sgs_trainer *a, const struct sgs_trainer *b)
{
	size_t la = 0, lb = 0;
	char *ba = testlib_model_bytes(a, &la), *bb = testlib_model_bytes(b, &lb);
	int same = ba && bb && la == lb && memcmp(ba, bb, la) == 0;
	free(ba);
	free(bb);
	return same;
}

static void pose_opts(struct sgs_trainer_opts *o, uint32_t iterations)
{
	sgs_trainer_defaults(o);
	o->init = SGS_INIT_SEEDS;
	o->iterations = iterations;
	o->seed = 3;
	o->refine_poses = 1;
	o->pose_lr = 2e-3f;
}

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	rewind(f);
	if ((buf = malloc(*n ? *n : 1)) && fread(buf, 1, *n, f) != *n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int write_file(const char *path, const char *buf, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(buf, 1, n, f);
	return fclose(f) == 0 && w == n ? 0 : -1;
}

/* ---- refinement ---- */

static void test_refinement(void)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_scene s;
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	const uint32_t N = 400, pv = 2, anchor = 1; /* view 0 tests; 1 is the first train view */
	if (make_scene(&s, 8, 0) != 0 || s.views[anchor].split != SGS_SPLIT_TRAIN ||
	    s.views[pv].split != SGS_SPLIT_TRAIN) {
		ok(0, "synthetic scene: %s", sgs_error_get());
		return;
	}
	const struct sgs_view *v = &s.views[pv];
	double Rg[9], tg[3], Cg[3], C0[3], C1[3], R[9], t[3];
	memcpy(Rg, v->cam.R, sizeof Rg);
	memcpy(tg, v->cam.t, sizeof tg);
	perturb(&s, pv, 3.0, 0.03);
	centre(Rg, tg, Cg);
	centre(v->cam.R, v->cam.t, C0);
	double rep0 = reprojection(v, Rg, tg, v->cam.R, v->cam.t), rot0 = rot_deg(v->cam.R, Rg),
	       cen0 = dist3(C0, Cg), late_a = NAN, late_b = NAN;

	pose_opts(&o, N);
	int rc = sgs_trainer_new(be, &s, &o, &a) == 0 && run(a, N, N - 80, &late_a) == 0;
	o.refine_poses = 0;
	rc = rc && sgs_trainer_new(be, &s, &o, &b) == 0 && run(b, N, N - 80, &late_b) == 0;
	ok(rc, "%u iterations with and without --refine-poses: %s", N, rc ? "ok" : sgs_error_get());
	if (!rc)
		goto done;
	sgs_trainer_view_pose(a, pv, R, t);
	centre(R, t, C1);
	double rep1 = reprojection(v, Rg, tg, R, t), rot1 = rot_deg(R, Rg), cen1 = dist3(C1, Cg);
	diag("perturbed view: reprojection error %.3f -> %.3f px, rotation %.3f -> %.3f deg, "
	     "centre %.4f -> %.4f (distance %.2f)", rep0, rep1, rot0, rot1, cen0, cen1,
	     sqrt(Cg[0] * Cg[0] + Cg[1] * Cg[1] + Cg[2] * Cg[2]));
	diag("mean loss of the last 80 iterations: %.5f refined, %.5f not", late_a, late_b);
	ok(rep1 < 0.35 * rep0, "refinement pulls the perturbed view back: reprojection error %.3f "
	   "-> %.3f px (below 0.35x)", rep0, rep1);
	ok(rot1 < 0.8 * rot0, "and its rotation error %.2f -> %.2f degrees (below 0.8x)", rot0, rot1);
	ok(late_a < 0.9 * late_b, "the train loss falls: %.5f against %.5f without (below 0.9x)",
	   late_a, late_b);

	double Ra[9], ta[3], worst = 0;
	sgs_trainer_view_pose(a, anchor, Ra, ta);
	int anchored = !memcmp(Ra, s.views[anchor].cam.R, sizeof Ra) &&
		       !memcmp(ta, s.views[anchor].cam.t, sizeof ta);
	for (uint32_t i = 0; i < s.nviews; i++) {
		if (i == pv || s.views[i].split != SGS_SPLIT_TRAIN)
			continue;
		sgs_trainer_view_pose(a, i, R, t);
		double e = reprojection(&s.views[i], s.views[i].cam.R, s.views[i].cam.t, R, t);
		worst = e > worst ? e : worst;
	}
	/* the scale of the scene against the first view is free: the others
	 * drift with it (1% of their distance to it here) */
	ok(anchored && worst < 1.0 && worst < 0.5 * rep0, "the first train view stays put; the other, "
	   "correct, views drift by at most %.3f px", worst);
	sgs_trainer_view_pose(b, pv, R, t);
	ok(!memcmp(R, v->cam.R, sizeof R) && sgs_trainer_view_pose(a, 0, R, t) == -1,
	   "without refinement the poses are the scene's; a test view has none: %s",
	   sgs_error_get());
	struct sgs_eval_result ea = {0}, eb = {0};
	rc = sgs_trainer_evaluate(a, SGS_SPLIT_TRAIN, &ea) == 0 &&
	     sgs_trainer_evaluate(b, SGS_SPLIT_TRAIN, &eb) == 0;
	ok(rc && ea.psnr > eb.psnr + 0.5, "train views scored at the refined poses: %.2f dB against "
	   "%.2f", ea.psnr, eb.psnr);
done:
	sgs_trainer_free(a);
	sgs_trainer_free(b);
	sgs_scene_free(&s);
}

/* ---- the scene with the refined poses ---- */

/* Offsets of the VIEW chunks' payloads in a scene file's bytes, by view
 * index (chunk framing of sgs-formats(5)). */
static int view_offsets(const uint8_t *b, size_t n, size_t *off, uint32_t nviews)
{
	size_t p = 8;
	uint32_t found = 0;
	while (p + 16 <= n) {
		uint64_t len = sgs_get_u64(b + p + 8);
		if (!memcmp(b + p, "VIEW", 4) && sgs_get_u32(b + p + 16) < nviews) {
			off[sgs_get_u32(b + p + 16)] = p + 16;
			found++;
		}
		if (!memcmp(b + p, "END ", 4))
			break;
		p += 16 + len + (8 - len % 8) % 8;
	}
	return found == nviews ? 0 : -1;
}

static void test_save_poses(void)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_scene s, back;
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	char p1[] = "/tmp/test_train_pose1.XXXXXX", p2[] = "/tmp/test_train_pose2.XXXXXX";
	close(mkstemp(p1));
	close(mkstemp(p2));
	sgs_scene_init(&back);
	if (make_scene(&s, 8, 0) != 0)
		return;
	perturb(&s, 2, 3.0, 0.03);
	/* an unknown chunk rides along */
	s.extra = calloc(1, sizeof *s.extra);
	memcpy(s.extra->tag, "XTRA", 4);
	s.extra->length = 5;
	s.extra->payload = (uint8_t *)strdup("hello");
	s.nextra = 1;
	pose_opts(&o, 60);
	int rc = sgs_trainer_new(be, &s, &o, &t) == 0 && run(t, 60, 0, NULL) == 0 &&
		 sgs_scene_save(p1, &s) == 0 && sgs_trainer_save_poses(t, p2) == 0 &&
		 sgs_scene_load(p2, &back) == 0 && sgs_scene_validate(&back) == 0;
	ok(rc, "the scene with the refined poses is written and loads: %s", rc ? "ok" : sgs_error_get());
	size_t na = 0, nb = 0, off[8];
	uint8_t *a = rc ? (uint8_t *)read_file(p1, &na) : NULL, *b = rc ? (uint8_t *)read_file(p2, &nb) : NULL;
	int where = a && b && na == nb && view_offsets(a, na, off, s.nviews) == 0;
	uint32_t differ = 0, stray = 0, moved = 0;
	for (size_t i = 0; where && i < na; i++) {
		if (a[i] == b[i])
			continue;
		differ++;
		int in_pose = 0;
		for (uint32_t k = 0; k < s.nviews; k++)
			in_pose |= s.views[k].split == SGS_SPLIT_TRAIN && i >= off[k] + 120 && i < off[k] + 216;
		stray += !in_pose;
	}
	for (uint32_t k = 0; rc && k < s.nviews; k++) {
		double R[9], tt[3];
		if (s.views[k].split != SGS_SPLIT_TRAIN)
			continue;
		sgs_trainer_view_pose(t, k, R, tt);
		rc &= !memcmp(R, back.views[k].cam.R, sizeof R) && !memcmp(tt, back.views[k].cam.t, sizeof tt);
		moved += memcmp(R, s.views[k].cam.R, sizeof R) != 0;
	}
	ok(where && differ > 0 && stray == 0,
	   "it differs from the input scene only in the train views' R|t bytes (%u bytes differ, %u "
	   "elsewhere)", differ, stray);
	ok(rc && moved == 6 && back.nextra == 1 && !memcmp(back.extra->tag, "XTRA", 4),
	   "its poses are the run's (%u of 7 train views moved, the first kept), the unknown chunk "
	   "carried", moved);
	free(a);
	free(b);
	sgs_trainer_free(t);
	sgs_scene_free(&back);
	sgs_scene_free(&s);
	unlink(p1);
	unlink(p2);
}

/* ---- checkpoints ---- */

/* A pseudo scene: the synthetic world seen from 5 other cameras of the
 * ring, with exact images. */
static int make_pseudo(struct sgs_scene *p) { return testlib_scene_views(p, 5); }

static void test_resume(void)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	static const char *names[] = {"pose refinement", "pseudo views", "both, two fields, random "
				      "background"};
	struct sgs_scene s, p, q;
	char path[] = "/tmp/test_train_pose3.XXXXXX";
	close(mkstemp(path));
	if (make_scene(&s, 8, 0) != 0 || make_pseudo(&p) != 0 || make_pseudo(&q) != 0)
		return;
	perturb(&s, 2, 3.0, 0.03);
	for (int c = 0; c < 3; c++) {
		struct sgs_trainer_opts o;
		struct sgs_trainer *a = NULL, *b = NULL;
		pose_opts(&o, 70);
		o.refine_poses = c != 1;
		o.pose_from = 10;
		o.pseudo_every = 3;
		o.densify_from = 5, o.densify_until = 80, o.densify_every = 20;
		if (c == 2)
			o.fields = 2, o.random_bg = 1;
		sgs_error_clear();
		int rc = sgs_trainer_new(be, &s, &o, &a) == 0 &&
			 (c == 0 || sgs_trainer_set_pseudo(a, &p) == 0) && run(a, 70, 0, NULL) == 0;
		rc = rc && sgs_trainer_new(be, &s, &o, &b) == 0 &&
		     (c == 0 || sgs_trainer_set_pseudo(b, &p) == 0) && run(b, 41, 0, NULL) == 0 &&
		     sgs_trainer_checkpoint(b, path) == 0;
		sgs_trainer_free(b);
		b = NULL;
		rc = rc && sgs_trainer_resume(be, &s, path, 0, &b) == 0 &&
		     (c == 0 || sgs_trainer_set_pseudo(b, &p) == 0) && run(b, 70, 0, NULL) == 0;
		int poses = 1;
		for (uint32_t i = 0; rc && i < s.nviews; i++) {
			double R1[9], t1[3], R2[9], t2[3];
			if (s.views[i].split != SGS_SPLIT_TRAIN)
				continue;
			sgs_trainer_view_pose(a, i, R1, t1);
			sgs_trainer_view_pose(b, i, R2, t2);
			poses &= !memcmp(R1, R2, sizeof R1) && !memcmp(t1, t2, sizeof t1);
		}
		const struct sgs_trainer_opts *ro = b ? sgs_trainer_get_opts(b) : NULL;
		ok(rc && same_model(a, b) && poses && ro->refine_poses == o.refine_poses &&
			   ro->pose_lr == o.pose_lr && ro->pose_from == 10 &&
			   ro->pseudo_weight == (c ? o.pseudo_weight : 0.0f) && ro->pseudo_every == 3,
		   "%s: the resumed run equals the uninterrupted one, model and poses %s", names[c],
		   rc ? "" : sgs_error_get());
		sgs_trainer_free(b);
		b = NULL;
		if (c == 1) {
			rc = sgs_trainer_resume(be, &s, path, 0, &b) == 0;
			struct sgs_step_info in;
			ok(rc && sgs_trainer_step(b, &in) == -1 && strstr(sgs_error_get(), "--pseudo"),
			   "resumed without its pseudo views: %s", sgs_error_get());
			sgs_trainer_free(b);
			b = NULL;
			((uint8_t *)q.views[0].image.data)[0] ^= 1;
			rc = sgs_trainer_resume(be, &s, path, 0, &b) == 0;
			ok(rc && sgs_trainer_set_pseudo(b, &q) == -1 &&
				   strstr(sgs_error_get(), "other pseudo views"),
			   "resumed with other pseudo views: %s", sgs_error_get());
			sgs_trainer_free(b);
			b = NULL;
		}
		if (c == 0) {
			rc = sgs_trainer_resume(be, &s, path, 0, &b) == 0;
			ok(rc && sgs_trainer_set_pseudo(b, &p) == -1 && strstr(sgs_error_get(), "without"),
			   "pseudo views added to a run checkpointed without: %s", sgs_error_get());
			sgs_trainer_free(b);
			b = NULL;
		}
		sgs_trainer_free(a);
	}
	unlink(path);
	sgs_scene_free(&s);
	sgs_scene_free(&p);
	sgs_scene_free(&q);
}

/* A checkpoint's TOPT cut or grown to len bytes (new bytes zero), and
 * byte `at` of it set to 7 (at < 0: none). */
static int retopt(const char *src, const char *dst, uint64_t len, long at)
{
	size_t n = 0;
	uint8_t *buf = (uint8_t *)read_file(src, &n);
	if (!buf || memcmp(buf + 8, "TOPT", 4) != 0)
		return -1;
	uint64_t old = sgs_get_u64(buf + 16), pad_old = (8 - old % 8) % 8, pad_new = (8 - len % 8) % 8;
	size_t m = 24 + len + pad_new + (n - 24 - old - pad_old);
	uint8_t *out = calloc(1, m);
	memcpy(out, buf, 24);
	sgs_put_u64(out + 16, len);
	memcpy(out + 24, buf + 24, old < len ? old : len);
	if (at >= 0)
		out[24 + at] = 7;
	memcpy(out + 24 + len + pad_new, buf + 24 + old + pad_old, n - 24 - old - pad_old);
	int rc = write_file(dst, (char *)out, m);
	free(buf);
	free(out);
	return rc;
}

static void test_topt(void)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_scene s;
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	char p1[] = "/tmp/test_train_pose4.XXXXXX", p2[] = "/tmp/test_train_pose5.XXXXXX";
	close(mkstemp(p1));
	close(mkstemp(p2));
	if (make_scene(&s, 8, 0) != 0)
		return;
	pose_opts(&o, 20);
	o.refine_poses = 0;
	int rc = sgs_trainer_new(be, &s, &o, &a) == 0 && run(a, 5, 0, NULL) == 0 &&
		 sgs_trainer_checkpoint(a, p1) == 0 && retopt(p1, p2, 192, -1) == 0 &&
		 sgs_trainer_resume(be, &s, p2, 0, &b) == 0 && run(b, 6, 0, NULL) == 0;
	ok(rc && !sgs_trainer_get_opts(b)->refine_poses && sgs_trainer_get_opts(b)->pseudo_weight == 0,
	   "a 192-byte TOPT (before pose refinement) loads with it off %s", rc ? "" : sgs_error_get());
	sgs_trainer_free(b);
	b = NULL;
	static const long bytes[] = {100, 240, 300};
	for (int k = 0; k < 3; k++) {
		rc = retopt(p1, p2, 320, bytes[k]) == 0 && sgs_trainer_resume(be, &s, p2, 0, &b) == -1;
		ok(rc && strstr(sgs_error_get(), "does not know"), "TOPT byte %ld (reserved) set: %s",
		   bytes[k], sgs_error_get());
	}
	sgs_trainer_free(a);
	a = NULL;
	/* a POSE chunk whose rotation is not one */
	o.refine_poses = 1;
	size_t n = 0;
	uint8_t *buf = NULL;
	rc = sgs_trainer_new(be, &s, &o, &a) == 0 && run(a, 5, 0, NULL) == 0 &&
	     sgs_trainer_checkpoint(a, p1) == 0 && (buf = (uint8_t *)read_file(p1, &n)) != NULL;
	uint8_t *pose = NULL;
	for (size_t i = 8; rc && i + 24 < n; i += 8)
		if (!memcmp(buf + i, "POSE", 4) && sgs_get_u64(buf + i + 8) == 200 * 7) {
			pose = buf + i + 16;
			break;
		}
	if (pose)
		sgs_put_f64(pose + 200 + 8, 0.5); /* the second view's R[1] */
	rc = pose && write_file(p2, (char *)buf, n) == 0 && sgs_trainer_resume(be, &s, p2, 0, &b) == -1;
	ok(rc && strstr(sgs_error_get(), "not a rotation"), "a damaged POSE chunk: %s", sgs_error_get());
	free(buf);
	sgs_trainer_free(a);
	unlink(p1);
	unlink(p2);
	sgs_scene_free(&s);
}

/* ---- pseudo views ---- */

static void test_pseudo(void)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_scene s, p;
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	if (make_scene(&s, 8, 0) != 0 || make_pseudo(&p) != 0)
		return;
	pose_opts(&o, 30);
	o.refine_poses = 0;
	o.pseudo_weight = 0.0f;
	int rc = sgs_trainer_new(be, &s, &o, &a) == 0 && sgs_trainer_set_pseudo(a, &p) == 0 &&
		 run(a, 30, 0, NULL) == 0;
	o.pseudo_weight = 0.1f;
	rc = rc && sgs_trainer_new(be, &s, &o, &b) == 0 && run(b, 30, 0, NULL) == 0;
	ok(rc && same_model(a, b), "pseudo views at weight 0 train as none");
	sgs_trainer_free(a);
	sgs_trainer_free(b);
	a = b = NULL;

	o.pseudo_every = 3;
	const char *names[SGS_MAX_TERMS];
	int nt = 0, pattern = 1, sums = 1, seen = 0;
	double worst = 0;
	rc = sgs_trainer_new(be, &s, &o, &a) == 0 && sgs_trainer_set_pseudo(a, &p) == 0;
	if (rc)
		nt = sgs_trainer_term_names(a, names);
	while (rc && sgs_trainer_iteration(a) < 30) {
		struct sgs_step_info in;
		if (sgs_trainer_step(a, &in) != 0) {
			rc = 0;
			break;
		}
		int ps = in.iteration % 3 == 0;
		pattern &= in.pseudo == ps && isnan(in.terms[0]) == ps && isnan(in.terms[1]) == !ps &&
			   (!ps || in.view < p.nviews);
		if (ps) { /* loss = w x ((1 - 0.2) L1 + 0.2 (1 - SSIM)) */
			double want = 0.1 * (0.8 * in.l1 + 0.2 * (1 - in.ssim));
			worst = fmax(worst, fabs(in.loss - want) / want);
			sums &= in.loss == in.terms[1];
			seen |= 1u << in.view;
		}
	}
	ok(rc && nt == 2 && !strcmp(names[0], "rgb") && !strcmp(names[1], "pseudo") && pattern,
	   "every 3rd iteration trains on a pseudo view: its own log column, the rgb one empty %s",
	   rc ? "" : sgs_error_get());
	ok(rc && sums && worst < 1e-5 && seen > 1,
	   "a pseudo iteration's loss is 0.1 x its photometric loss (relative error %.1e), over %s "
	   "pseudo views", worst, seen > 1 ? "several" : "one");
	sgs_trainer_free(a);
	a = NULL;

	/* errors name the pseudo view */
	struct sgs_image keep = p.views[3].image;
	p.views[3].image.data = NULL;
	rc = sgs_trainer_new(be, &s, &o, &a) == 0 && sgs_trainer_set_pseudo(a, &p) == -1;
	ok(rc && strstr(sgs_error_get(), "view_003: no image"), "a pseudo view without an image: %s",
	   sgs_error_get());
	sgs_trainer_free(a);
	a = NULL;
	p.views[3].image = keep;
	p.views[3].image.w = 40;
	rc = sgs_trainer_new(be, &s, &o, &a) == 0 && sgs_trainer_set_pseudo(a, &p) == -1;
	ok(rc && strstr(sgs_error_get(), "view_003: expected an 8-bit RGB(A) image of 48x36"),
	   "a pseudo view whose image size differs from its camera's: %s", sgs_error_get());
	p.views[3].image.w = 48;
	sgs_trainer_free(a);
	a = NULL;
	/* larger than the train views: the buffers grow */
	struct sgs_scene big;
	struct sgs_synthetic_opts so;
	sgs_synthetic_defaults(&so);
	so.width = 64;
	so.height = 48;
	so.nviews = 3;
	rc = sgs_synthetic_scene(&so, &big) == 0 && sgs_trainer_new(be, &s, &o, &a) == 0 &&
	     sgs_trainer_set_pseudo(a, &big) == 0 && run(a, 9, 0, NULL) == 0;
	ok(rc, "pseudo views larger than the train views %s", rc ? "" : sgs_error_get());
	sgs_trainer_free(a);
	sgs_scene_free(&big);
	sgs_scene_free(&p);
	sgs_scene_free(&s);
}

/* ---- the path between the train views ---- */

static void test_between(void)
{
	struct sgs_scene s;
	struct sgs_camera cams[7];
	int kind = -1;
	if (make_scene(&s, 9, 3) != 0) /* train views 0, 3, 6 */
		return;
	ok(sgs_path_parse("between", &kind) == 0 && kind == SGS_PATH_BETWEEN &&
		   !strcmp(sgs_path_name(kind), "between") && sgs_path_parse("betwixt", &kind) == -1,
	   "-p between parses: %s", sgs_error_get());
	int rc = sgs_camera_path(&s, SGS_PATH_BETWEEN, 7, cams) == 0;
	/* 4 frames between views 0 and 3 at 1/5 .. 4/5, 3 between 3 and 6 at 1/4 .. 3/4 */
	static const int seg[7] = {0, 0, 0, 0, 1, 1, 1};
	static const double frac[7] = {0.2, 0.4, 0.6, 0.8, 0.25, 0.5, 0.75};
	double worst_c = 0, worst_r = 0, worst_o = 0;
	int intr = 1;
	for (int k = 0; rc && k < 7; k++) {
		const struct sgs_camera *a = &s.views[3 * seg[k]].cam, *b = &s.views[3 * seg[k] + 3].cam;
		double Ca[3], Cb[3], C[3], want[3];
		centre(a->R, a->t, Ca);
		centre(b->R, b->t, Cb);
		centre(cams[k].R, cams[k].t, C);
		for (int i = 0; i < 3; i++)
			want[i] = (1 - frac[k]) * Ca[i] + frac[k] * Cb[i];
		worst_c = fmax(worst_c, dist3(C, want));
		/* slerp: the angles from each end are the fractions of the whole */
		double th = rot_deg(a->R, b->R);
		worst_r = fmax(worst_r, fabs(rot_deg(a->R, cams[k].R) - frac[k] * th));
		worst_r = fmax(worst_r, fabs(rot_deg(cams[k].R, b->R) - (1 - frac[k]) * th));
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				worst_o = fmax(worst_o, fabs(cams[k].R[3 * i] * cams[k].R[3 * j] +
							     cams[k].R[3 * i + 1] * cams[k].R[3 * j + 1] +
							     cams[k].R[3 * i + 2] * cams[k].R[3 * j + 2] - (i == j)));
		intr &= cams[k].w == a->w && cams[k].h == a->h && cams[k].fx == a->fx && cams[k].cy == a->cy;
	}
	ok(rc && worst_c < 1e-12 && worst_r < 1e-6 && worst_o < 1e-12 && intr,
	   "7 frames between 3 train views: centres on the segments (%.1e), rotations slerped "
	   "(%.1e deg), orthonormal (%.1e), the views' intrinsics", worst_c, worst_r, worst_o);
	sgs_scene_free(&s);
	make_scene(&s, 9, 1);
	ok(sgs_camera_path(&s, SGS_PATH_BETWEEN, 3, cams) == -1 &&
		   strstr(sgs_error_get(), "at least two train views"),
	   "one train view: %s", sgs_error_get());
	sgs_scene_free(&s);
}

int main(void)
{
	test_between();
	test_refinement();
	test_save_poses();
	test_resume();
	test_topt();
	test_pseudo();
	return tap_done();
}
