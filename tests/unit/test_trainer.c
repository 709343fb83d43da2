/* The optimiser loop: nearest-neighbour scales, scene extent, the
 * learning-rate and densification schedules, a short CPU run that must
 * fit the train views, and checkpoint + resume = uninterrupted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_synthetic.h"
#include "sgs_trainer.h"
#include "tap.h"
#include "testlib_train.h"

static int near_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fabs(b); }

static void test_knn(void)
{
	/* A 4x4x4 lattice of spacing 0.5: every point has >= 3 neighbours at
	 * 0.5, so every scale is log(0.5). */
	float grid[64 * 3], ls[64];
	for (int i = 0; i < 64; i++) {
		grid[3 * i] = 0.5f * (i % 4);
		grid[3 * i + 1] = 0.5f * (i / 4 % 4);
		grid[3 * i + 2] = 0.5f * (i / 16);
	}
	int good = sgs_knn_log_scales(grid, 64, ls) == 0;
	for (int i = 0; i < 64; i++)
		good &= fabsf(ls[i] - logf(0.5f)) < 1e-6f;
	ok(good, "lattice: every kNN scale is log(0.5)");

	/* Points on a line at 0, 1, 3, 7: for 0 the squared distances are
	 * 1, 9, 49; for 3 they are 4, 9, 16. */
	float line[12] = {0, 0, 0, 1, 0, 0, 3, 0, 0, 7, 0, 0}, l4[4];
	int rc = sgs_knn_log_scales(line, 4, l4);
	ok(rc == 0 && fabsf(l4[0] - (float)log(sqrt(59.0 / 3))) < 1e-6f &&
		   fabsf(l4[2] - (float)log(sqrt(29.0 / 3))) < 1e-6f,
	   "line: scales %g %g (want %g %g)", l4[0], l4[2], log(sqrt(59.0 / 3)), log(sqrt(29.0 / 3)));

	/* Duplicates clamp at 1e-7 as distCUDA2's callers do. */
	float dup[6] = {1, 2, 3, 1, 2, 3}, l2[2];
	rc = sgs_knn_log_scales(dup, 2, l2);
	ok(rc == 0 && fabsf(l2[0] - (float)log(sqrt(1e-7))) < 1e-6f,
	   "duplicate points: log(sqrt(1e-7)) = %g", l2[0]);

	/* Random points against brute force. */
	enum { N = 3000 };
	float *p = malloc(3 * N * sizeof *p), *lk = malloc(N * sizeof *lk);
	uint64_t s = 12345;
	for (int i = 0; i < 3 * N; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		p[i] = (float)((s >> 40) / 16777216.0) * (i % 3 == 2 ? 0.1f : 2.0f);
	}
	int bad = sgs_knn_log_scales(p, N, lk) != 0;
	for (int i = 0; i < N && !bad; i += 7) {
		double b[3] = {INFINITY, INFINITY, INFINITY};
		for (int j = 0; j < N; j++) {
			if (j == i)
				continue;
			double dx = p[3 * j] - p[3 * i], dy = p[3 * j + 1] - p[3 * i + 1],
			       dz = p[3 * j + 2] - p[3 * i + 2], d = dx * dx + dy * dy + dz * dz;
			if (d < b[2]) {
				b[2] = d;
				if (b[2] < b[1]) { double x = b[1]; b[1] = b[2]; b[2] = x; }
				if (b[1] < b[0]) { double x = b[0]; b[0] = b[1]; b[1] = x; }
			}
		}
		double m = (b[0] + b[1] + b[2]) / 3;
		bad |= fabs(lk[i] - log(sqrt(m < 1e-7 ? 1e-7 : m))) > 1e-5;
	}
	ok(!bad, "k-d tree matches brute force on %d random points", N);
	free(p);
	free(lk);
}

/* A view at centre C looking down +z (R = I, t = -C). */
static void put_view(struct sgs_view *v, double x, double y, double z, uint32_t split)
{
	v->split = split;
	v->cam.w = 8;
	v->cam.h = 8;
	v->cam.fx = v->cam.fy = 8;
	v->cam.cx = v->cam.cy = 4;
	v->cam.R[0] = v->cam.R[4] = v->cam.R[8] = 1;
	v->cam.t[0] = -x;
	v->cam.t[1] = -y;
	v->cam.t[2] = -z;
}

static void test_extent(void)
{
	struct sgs_scene s;
	float e = 0, c[3];
	sgs_scene_init(&s);
	struct sgs_view *v = sgs_scene_add_views(&s, 5);
	put_view(&v[0], 1, 0, 5, SGS_SPLIT_TRAIN);
	put_view(&v[1], -1, 0, 5, SGS_SPLIT_TRAIN);
	put_view(&v[2], 0, 2, 5, SGS_SPLIT_TRAIN);
	put_view(&v[3], 0, -2, 5, SGS_SPLIT_TRAIN);
	put_view(&v[4], 100, 0, 0, SGS_SPLIT_TEST); /* test views do not count */
	int rc = sgs_scene_extent(&s, &e, c);
	ok(rc == 0 && fabsf(e - 2.2f) < 1e-6f && fabsf(c[2] - 5) < 1e-6f,
	   "extent of cameras at (+-1,0), (0,+-2): %g (want 2.2), centre z %g", e, c[2]);
	v[0].split = v[1].split = v[2].split = v[3].split = SGS_SPLIT_TEST;
	rc = sgs_scene_extent(&s, &e, c);
	ok(rc == -1 && strstr(sgs_error_get(), "no train views"),
	   "no train views: %s", sgs_error_get());
	sgs_scene_free(&s);
}

static void test_schedule(void)
{
	float e = 3.0f;
	ok(near_rel(sgs_lr_position(e, 0, 30000), 1.6e-4 * e, 1e-6), "lr at step 0: %g",
	   sgs_lr_position(e, 0, 30000));
	ok(near_rel(sgs_lr_position(e, 15000, 30000), 1.6e-5 * e, 1e-5), "lr halfway: %g (want %g)",
	   sgs_lr_position(e, 15000, 30000), 1.6e-5 * e);
	ok(near_rel(sgs_lr_position(e, 30000, 30000), 1.6e-6 * e, 1e-6) &&
		   near_rel(sgs_lr_position(e, 40000, 30000), 1.6e-6 * e, 1e-6),
	   "lr at and past the end: %g", sgs_lr_position(e, 30000, 30000));
	ok(near_rel(sgs_lr_position(e, 500, 2000), 1.6e-4 * e * pow(0.01, 0.25), 1e-5),
	   "lr a quarter into a 2000-iteration run: %g", sgs_lr_position(e, 500, 2000));

	struct sgs_schedule s;
	sgs_schedule_make(30000, 100, &s);
	ok(s.sh_interval == 1000 && s.densify_from == 500 && s.densify_until == 15000 &&
		   s.densify_interval == 100 && s.reset_interval == 3000,
	   "30000 iterations, 100 views: Inria's schedule");
	sgs_schedule_make(30000, 3, &s);
	ok(s.densify_interval == 102, "3 views: the interval rounds up to whole passes (%u)",
	   s.densify_interval);
	sgs_schedule_make(90000, 300, &s);
	ok(s.densify_until == 15000 && s.densify_interval == 100, "longer runs keep Inria's windows");
	/* Shorter runs keep Inria's densification interval and opacity reset
	 * period: scaled down to 10 and 300 they grew fern from 10 000 to
	 * 565 000 Gaussians in 500 iterations and never let it recover. */
	sgs_schedule_make(3000, 3, &s);
	ok(s.sh_interval == 100 && s.densify_from == 300 && s.densify_until == 1500 &&
		   s.densify_interval == 102 && s.reset_interval == 1000,
	   "3000 iterations: densify 300..1500 every 102, reset at 1000 (%u %u %u %u %u)", s.sh_interval,
	   s.densify_from, s.densify_until, s.densify_interval, s.reset_interval);
	sgs_schedule_make(10000, 3, &s);
	ok(s.densify_from == 500 && s.densify_until == 5000 && s.densify_interval == 102 &&
		   s.reset_interval == 3000,
	   "10000 iterations: densify 500..5000, one reset at 3000 (%u %u %u %u)", s.densify_from,
	   s.densify_until, s.densify_interval, s.reset_interval);
	sgs_schedule_make(3000, 24, &s);
	ok(s.densify_interval == 120, "densify interval: whole passes over 24 views: %u",
	   s.densify_interval);
	sgs_schedule_make(200, 1, &s);
	ok(s.sh_interval == 7 && s.densify_from == 20 && s.densify_until == 100 &&
		   s.densify_interval == 100 && s.reset_interval == 300,
	   "200 iterations: (%u %u %u %u %u)", s.sh_interval, s.densify_from, s.densify_until,
	   s.densify_interval, s.reset_interval);
	sgs_schedule_make(10, 1, &s);
	ok(s.sh_interval >= 1 && s.densify_interval >= 1 && s.reset_interval >= 1,
	   "10 iterations: intervals at least 1");
}

/* Seed points become Gaussians as Inria's create_from_pcd makes them. */
static void test_seed_init(struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	struct sgs_splats sp;
	float xyz[12] = {0, 0, 0, 1, 0, 0, 3, 0, 0, 7, 0, 0};
	uint8_t rgb[12] = {0, 128, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90};
	scene->nseeds = 4;
	scene->seed_xyz = xyz;
	scene->seed_rgb = rgb;
	sgs_trainer_defaults(&o);
	o.iterations = 10;
	sgs_error_clear();
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0 &&
		 sgs_trainer_export(t, &sp) == 0;
	ok(rc && sp.n == 4 && sp.sh_degree == 3, "4 seed points: 4 Gaussians of SH degree 3 %s",
	   sgs_error_get());
	if (rc) {
		float dc_b = (float)((255 / 255.0 - 0.5) / 0.28209479177387814);
		ok(sp.means[9] == 7 && fabsf(sp.log_scales[0] - (float)log(sqrt(59.0 / 3))) < 1e-6f &&
			   sp.log_scales[1] == sp.log_scales[0] && sp.log_scales[2] == sp.log_scales[0],
		   "positions copied, isotropic kNN scale");
		ok(sp.quats[4] == 1 && sp.quats[5] == 0 && fabsf(sp.logit_opacity[1] - logf(0.1f / 0.9f)) < 1e-6f,
		   "identity rotation, opacity 0.1");
		ok(fabsf(sp.sh[0] + 0.5f / 0.28209479f) < 1e-5f && fabsf(sp.sh[2] - dc_b) < 1e-5f &&
			   sp.sh[3] == 0 && sp.sh[47] == 0,
		   "SH DC from the colour (%g %g), higher bands zero", sp.sh[0], sp.sh[2]);
		sgs_splats_free(&sp);
	}
	sgs_trainer_free(t);
	scene->nseeds = 0;
	scene->seed_xyz = NULL;
	scene->seed_rgb = NULL;
}

/* Random points lie in some train view's frustum between its bounds. */
static void test_random_points(const struct sgs_scene *scene)
{
	enum { N = 2000 };
	float *xyz = malloc(3 * N * sizeof *xyz);
	uint8_t *rgb = malloc(3 * N);
	int inside = 0, rc = sgs_random_points(scene, 5, N, xyz, rgb);
	double zsum = 0, near = 0, far = 0;
	for (int i = 0; i < N && rc == 0; i++) {
		for (uint32_t v = 0; v < scene->nviews; v++) {
			const struct sgs_view *vw = &scene->views[v];
			const struct sgs_camera *c = &vw->cam;
			double X[3] = {xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]}, z = c->t[2], x = c->t[0],
			       y = c->t[1];
			for (int k = 0; k < 3; k++) {
				x += c->R[k] * X[k];
				y += c->R[3 + k] * X[k];
				z += c->R[6 + k] * X[k];
			}
			double u = c->fx * x / z + c->cx, w = c->fy * y / z + c->cy;
			if (vw->split == SGS_SPLIT_TRAIN && z >= vw->near * 0.9999 && z <= vw->far * 1.0001 &&
			    u >= -1e-3 && u <= c->w + 1e-3 && w >= -1e-3 && w <= c->h + 1e-3) {
				inside++;
				break;
			}
		}
	}
	for (uint32_t v = 0; v < scene->nviews; v++)
		if (scene->views[v].split == SGS_SPLIT_TRAIN) {
			near = scene->views[v].near;
			far = scene->views[v].far;
			break;
		}
	/* For information: points come from every train frustum, so this is
	 * not view 1's own depth distribution. */
	for (int i = 0; i < N && rc == 0; i++) {
		const struct sgs_camera *c = &scene->views[1].cam;
		zsum += c->R[6] * xyz[3 * i] + c->R[7] * xyz[3 * i + 1] + c->R[8] * xyz[3 * i + 2] + c->t[2];
	}
	ok(rc == 0 && inside == N, "%d of %d random points inside a train frustum", inside, N);
	diag("mean depth %.3f in view 1 (bounds %.3f..%.3f)", zsum / N, near, far);
	free(xyz);
	free(rgb);
}

/* Run a trainer to its end; mean train PSNR of the first / last k
 * iterations when asked. */
static int run(struct sgs_trainer *t, uint32_t until, double *first, double *last, uint32_t k)
{
	struct sgs_step_info in;
	uint32_t total = sgs_trainer_iterations(t);
	while (sgs_trainer_iteration(t) < until) {
		if (sgs_trainer_step(t, &in) != 0)
			return -1;
		if (first && in.iteration <= k)
			*first += in.psnr / k;
		if (last && in.iteration > total - k)
			*last += in.psnr / k;
	}
	return 0;
}

static void test_training(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *t = NULL;
	double first = 0, last = 0;

	sgs_trainer_defaults(&o);
	o.init = SGS_INIT_RANDOM;
	o.init_count = 2000;
	o.iterations = 200;
	o.seed = 3;
	sgs_error_clear();
	int rc = sgs_trainer_new(be, scene, &o, &t) == 0 && run(t, 200, &first, &last, 10) == 0;
	ok(rc, "200 iterations on the CPU %s", sgs_error_get());
	diag("train PSNR %.2f dB over the first 10 iterations, %.2f over the last 10, %u Gaussians", first,
	     last, t ? sgs_trainer_gaussians(t) : 0);
	ok(last > first + 6 && last > 18.5, "train PSNR rises by more than 6 dB to over 18.5 dB");
	sgs_trainer_free(t);

	o.init = SGS_INIT_SEEDS;
	rc = sgs_trainer_new(be, scene, &o, &t);
	ok(rc == -1 && strstr(sgs_error_get(), "no seed points"),
	   "seed init without seed points: %s", sgs_error_get());
}

static void test_resume(const struct sgs_scene *scene)
{
	const struct sgs_backend *be = sgs_backend_cpu();
	struct sgs_trainer_opts o;
	struct sgs_trainer *a = NULL, *b = NULL;
	char path[] = "/tmp/test_trainer.XXXXXX";
	size_t la = 0, lb = 0;
	char *ba = NULL, *bb = NULL;
	int fd = mkstemp(path);
	if (fd >= 0)
		close(fd);

	sgs_trainer_defaults(&o);
	o.init = SGS_INIT_RANDOM;
	o.init_count = 1500;
	o.iterations = 90;
	o.seed = 11;
	o.random_bg = 1;
	sgs_error_clear();
	/* Stop at 41: inside a pass over the views, between densifications,
	 * with Adam moments and densification statistics in flight. */
	int rc = sgs_trainer_new(be, scene, &o, &a) == 0 && run(a, 90, NULL, NULL, 0) == 0 &&
		 (ba = testlib_model_bytes(a, &la)) != NULL;
	rc = rc && sgs_trainer_new(be, scene, &o, &b) == 0 && run(b, 41, NULL, NULL, 0) == 0 &&
	     sgs_trainer_checkpoint(b, path) == 0;
	sgs_trainer_free(b);
	b = NULL;
	rc = rc && sgs_trainer_resume(be, scene, path, 0, &b) == 0 &&
	     sgs_trainer_iteration(b) == 41 && run(b, 90, NULL, NULL, 0) == 0 &&
	     (bb = testlib_model_bytes(b, &lb)) != NULL;
	ok(rc, "uninterrupted and resumed runs: %s", sgs_error_get());
	ok(rc && la == lb && memcmp(ba, bb, la) == 0, "resumed model equals the uninterrupted one (%zu bytes)",
	   la);
	diag("%u Gaussians after 90 iterations", a ? sgs_trainer_gaussians(a) : 0);

	/* A checkpoint of another scene is refused. */
	struct sgs_scene other;
	struct sgs_synthetic_opts so;
	struct sgs_trainer *c = NULL;
	sgs_synthetic_defaults(&so);
	so.width = 48;
	so.height = 36;
	so.nviews = 8;
	so.seed = 2;
	if (sgs_synthetic_scene(&so, &other) == 0) {
		rc = sgs_trainer_resume(be, &other, path, 0, &c);
		ok(rc == -1 && strstr(sgs_error_get(), "another scene"),
		   "resume on another scene: %s", sgs_error_get());
		sgs_scene_free(&other);
	}
	sgs_trainer_free(a);
	sgs_trainer_free(b);
	free(ba);
	free(bb);
	unlink(path);
}

/* The up-front memory estimate, by its parts, and the refusal of a cap
 * that cannot fit. */
static void test_memory(struct sgs_scene *scene)
{
	struct sgs_trainer_opts o;
	struct sgs_train_memory m;
	sgs_trainer_defaults(&o);
	o.max_gaussians = 1000;
	uint32_t ntrain = sgs_scene_count(scene, SGS_SPLIT_TRAIN);
	sgs_trainer_memory(scene, &o, &m);
	/* SH 3: 59 floats x 4 sets + 3 statistics = 956 bytes of state, 637
	 * more while it grows, 256 of rasterizer buffers, 10 pairs of 48 */
	ok(m.per_gaussian == 956 + 637 + 256 + 480 && m.gaussians == 1000 * m.per_gaussian,
	   "SH 3: %llu bytes per Gaussian, x 1000", (unsigned long long)m.per_gaussian);
	ok(m.images == (uint64_t)ntrain * 48 * 36 * 12 && m.pixels == 48 * 36 * 48 * 4 &&
		   m.total == m.gaussians + m.images + m.pixels,
	   "%u train views of 48x36: %llu bytes of ground truth, %llu of per-pixel buffers", ntrain,
	   (unsigned long long)m.images, (unsigned long long)m.pixels);
	o.sh_degree = 0;
	o.fields = 2;
	sgs_trainer_memory(scene, &o, &m);
	ok(m.per_gaussian == 236 + 157 + 256 + 480 && m.gaussians == 2000 * m.per_gaussian,
	   "SH 0, two fields: %llu bytes per Gaussian, twice", (unsigned long long)m.per_gaussian);

	struct sgs_trainer *t = NULL;
	sgs_trainer_defaults(&o);
	o.init = SGS_INIT_RANDOM;
	o.init_count = 100;
	o.max_gaussians = 2000000000;
	ok(sgs_trainer_new(sgs_backend_cpu(), scene, &o, &t) != 0 && !t &&
		   strstr(sgs_error_get(), "training needs about 4.2 TiB (a cap of 2000000000 "
					   "Gaussians at 2.3 KiB each,") &&
		   strstr(sgs_error_get(), "but the cpu backend has ") &&
		   strstr(sgs_error_get(), "available; lower --max-gaussians"),
	   "a cap of 2e9 Gaussians is refused before training: %s", sgs_error_get());
}

int main(void)
{
	struct sgs_scene scene;
	test_knn();
	test_extent();
	test_schedule();
	if (testlib_scene(&scene) != 0) {
		ok(0, "synthetic scene: %s", sgs_error_get());
		return tap_done();
	}
	test_seed_init(&scene);
	test_random_points(&scene);
	test_training(&scene);
	test_resume(&scene);
	test_memory(&scene);
	sgs_scene_free(&scene);
	return tap_done();
}
