/* The CPU backend gives the same bytes whatever the thread count:
 * forward outputs, every gradient, dL/dbg and the pose gradient, with 1,
 * 2 and 3 OpenMP threads. */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"
#include "tap.h"
#include "test_raster_util.h"

#define W 150
#define H 100
#define N 3000

struct result {
	float *rgb, *alpha, *depth, *median;
	struct sgs_gaussians grad;
	float dbg[3];
	struct sgs_cam_grad dcam;
	float *accum;
};

static int run(const struct sgs_backend *be, const struct sgs_gaussians *g,
	       const struct sgs_cam *cam, int threads, struct result *res)
{
	struct sgs_raster_opts opts = {.bg = {0.3f, 0.2f, 0.1f}, .antialias = 1};
	struct sgs_render_out out;
	size_t np = (size_t)W * H;
	omp_set_num_threads(threads);
	struct sgs_raster_ctx *ctx = be->ctx_new();
	if (!ctx || sgs_render_out_alloc(be, &out, W, H, 1) ||
	    host_gaussians_alloc(&res->grad, g->n, g->sh_degree))
		return -1;
	/* an upstream gradient that depends on the image, like a real loss */
	float *drgb = malloc(3 * np * sizeof(float)), *dal = malloc(np * sizeof(float)),
	      *ddep = malloc(np * sizeof(float));
	res->accum = calloc(g->n, sizeof(float));
	int rc = sgs_render(ctx, g, cam, &opts, &out);
	for (size_t i = 0; i < np; i++) {
		for (int c = 0; c < 3; c++)
			drgb[3 * i + c] = out.rgb[3 * i + c] - 0.5f * (float)c;
		dal[i] = 0.1f - out.alpha[i];
		ddep[i] = 0.01f * out.depth[i];
	}
	struct sgs_render_dout dout = {drgb, dal, ddep};
	rc = rc || sgs_render_backward(ctx, &dout, &res->grad, res->dbg, &res->dcam, res->accum, NULL);
	res->rgb = out.rgb, res->alpha = out.alpha, res->depth = out.depth;
	res->median = out.median_depth;
	free(out.final_T), free(out.n_contrib);
	free(drgb), free(dal), free(ddep);
	be->ctx_free(ctx);
	return rc;
}

static int same(const void *a, const void *b, size_t bytes) { return memcmp(a, b, bytes) == 0; }

int main(void)
{
	const struct sgs_backend *be = sgs_backend_get("cpu");
	struct trng r = {77};
	struct sgs_cam cam;
	struct sgs_gaussians g;
	if (!be || host_gaussians_alloc(&g, N, 3)) {
		ok(0, "setup: %s", sgs_error_get());
		return tap_done();
	}
	random_camera(&r, W, H, 120, 5.0, &cam);
	random_gaussians(&r, &cam, 2.0, 9.0, 1.3, -3.5, -1.2, &g);

	struct result res[3];
	int threads[3] = {1, 2, 3};
	for (int k = 0; k < 3; k++)
		ok(run(be, &g, &cam, threads[k], res + k) == 0, "forward + backward with %d thread%s",
		   threads[k], threads[k] > 1 ? "s" : "");
	size_t np = (size_t)W * H, K = 16;
	for (int k = 1; k < 3; k++) {
		const struct result *a = res, *b = res + k;
		int t = threads[k];
		ok(same(a->rgb, b->rgb, 3 * np * 4) && same(a->alpha, b->alpha, np * 4) &&
		   same(a->depth, b->depth, np * 4) && same(a->median, b->median, np * 4),
		   "1 vs %d threads: forward outputs identical", t);
		ok(same(a->grad.means, b->grad.means, 3 * N * 4) &&
		   same(a->grad.log_scales, b->grad.log_scales, 3 * N * 4) &&
		   same(a->grad.quats, b->grad.quats, 4 * N * 4) &&
		   same(a->grad.opacity, b->grad.opacity, N * 4) &&
		   same(a->grad.sh, b->grad.sh, 3 * K * N * 4) && same(a->accum, b->accum, N * 4),
		   "1 vs %d threads: Gaussian gradients identical", t);
		ok(same(a->dbg, b->dbg, sizeof a->dbg) && same(&a->dcam, &b->dcam, sizeof a->dcam),
		   "1 vs %d threads: background and pose gradients identical", t);
	}
	double gn = 0;
	for (size_t i = 0; i < 3 * (size_t)N; i++)
		gn += (double)res[0].grad.means[i] * res[0].grad.means[i];
	ok(gn > 0, "the gradients are not trivially zero (|dL/dmeans| = %.3g)", gn);
	for (int k = 0; k < 3; k++) {
		free(res[k].rgb), free(res[k].alpha), free(res[k].depth), free(res[k].median);
		free(res[k].accum);
		host_gaussians_free(&res[k].grad);
	}
	host_gaussians_free(&g);
	return tap_done();
}
