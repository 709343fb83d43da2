/* make bench: forward ms/frame and forward+backward ms/iteration of the
 * rasterizer on a fixed random scene, on the CPU backend and, when a
 * device is present, on CUDA (plus a 1M-Gaussian 1080p scene there).
 * Medians of several runs; nothing is asserted. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../unit/test_raster_util.h"
#include "sgs_error.h"
#include "sgs_kernels.h"

struct timing {
	double fwd_ms, fwdbwd_ms;   /* wall clock */
	double fwd_cpu, fwdbwd_cpu; /* CPU time of all threads (a loaded machine
	                             * inflates wall time, not this) */
	uint32_t pairs;
};

static double now_ms(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* A trained-looking scene: mostly small Gaussians filling the view in
 * depth, SH degree 3. */
static void make_scene(int w, int h, struct sgs_gaussians *g, struct sgs_cam *cam)
{
	struct trng r = {1234567};
	random_camera(&r, w, h, 0.8 * w, 5.0, cam);
	random_gaussians(&r, cam, 2.0, 12.0, 1.2, -5.0, -2.8, g);
}

static int bench(const struct sgs_backend *be, uint32_t n, int w, int h, int runs,
		 struct timing *out)
{
	struct sgs_gaussians host, dev, grad;
	struct sgs_cam cam;
	struct sgs_render_out ro;
	struct sgs_raster_opts opts = {.bg = {0.0f, 0.0f, 0.0f}, .antialias = 0};
	size_t np = (size_t)w * h;
	int rc = -1;
	if (host_gaussians_alloc(&host, n, 3))
		return sgs_error_set("out of memory for %u Gaussians", n);
	make_scene(w, h, &host, &cam);
	float *hd = malloc(3 * np * sizeof(float));
	struct sgs_raster_ctx *ctx = be->ctx_new();
	float *drgb = NULL;
	memset(&dev, 0, sizeof dev);
	memset(&grad, 0, sizeof grad);
	memset(&ro, 0, sizeof ro);
	if (!hd || !ctx || sgs_gaussians_alloc(be, &dev, n, 3) || sgs_gaussians_alloc(be, &grad, n, 3) ||
	    sgs_gaussians_upload(be, &dev, &host) || sgs_render_out_alloc(be, &ro, w, h, 1) ||
	    !(drgb = be->alloc(3 * np * sizeof(float))))
		goto done;
	/* dL/dRGB of an L2 loss against grey */
	for (size_t i = 0; i < 3 * np; i++)
		hd[i] = 1e-3f * (float)((i * 2654435761u) % 1000) - 0.5f;
	if (be->upload(drgb, hd, 3 * np * sizeof(float)))
		goto done;
	struct sgs_render_dout dout = {drgb, NULL, NULL};
	double tf[16], tb[16], cf[16], cb[16];
	if (runs > 16)
		runs = 16;
	/* one warm-up of each grows the context's buffers */
	if (sgs_render(ctx, &dev, &cam, &opts, &ro) ||
	    sgs_render_backward(ctx, &dout, &grad, NULL, NULL, NULL, NULL) || be->sync())
		goto done;
	for (int k = 0; k < runs; k++) {
		double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (sgs_render(ctx, &dev, &cam, &opts, &ro) || be->sync())
			goto done;
		tf[k] = now_ms(CLOCK_MONOTONIC) - t0;
		cf[k] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	for (int k = 0; k < runs; k++) {
		double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (sgs_render(ctx, &dev, &cam, &opts, &ro) ||
		    sgs_render_backward(ctx, &dout, &grad, NULL, NULL, NULL, NULL) || be->sync())
			goto done;
		tb[k] = now_ms(CLOCK_MONOTONIC) - t0;
		cb[k] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	out->fwd_ms = median(tf, runs);
	out->fwdbwd_ms = median(tb, runs);
	out->fwd_cpu = median(cf, runs);
	out->fwdbwd_cpu = median(cb, runs);
	out->pairs = ctx->n_isect;
	rc = 0;
done:
	if (ctx)
		be->ctx_free(ctx);
	be->free(drgb);
	sgs_render_out_free(be, &ro);
	sgs_gaussians_free(be, &dev);
	sgs_gaussians_free(be, &grad);
	host_gaussians_free(&host);
	free(hd);
	return rc;
}

static void report(const char *be, uint32_t n, int w, int h, const struct timing *t)
{
	printf("  %-5s %8u Gaussians %4dx%-4d %9u pairs: forward %8.2f ms/frame (%6.1f fps),"
	       " fwd+bwd %8.2f ms/iter\n",
	       be, n, w, h, t->pairs, t->fwd_ms, 1e3 / t->fwd_ms, t->fwdbwd_ms);
	if (!strcmp(be, "cpu"))
		printf("  %-5s CPU time of all threads: forward %8.2f ms, fwd+bwd %8.2f ms\n", be,
		       t->fwd_cpu, t->fwdbwd_cpu);
}

int main(void)
{
	const struct sgs_backend *cpu = sgs_backend_get("cpu");
	const struct sgs_backend *gpu = sgs_backend_get("cuda");
	const char *why = gpu ? "" : sgs_error_get();
	struct timing tc, tg, tg1;
	int have_c, have_g = 0;

	printf("bench_render: tile rasterizer, SH degree 3\n");
	printf("  CPU: %s, OpenMP threads %d\n", cpu->device_name, omp_get_max_threads());
	if (gpu)
		printf("  GPU: %s\n", gpu->device_name);
	else
		printf("  GPU: none (%s)\n", why);
	fflush(stdout);

	have_c = bench(cpu, 100000, 504, 378, 5, &tc) == 0;
	if (have_c)
		report("cpu", 100000, 504, 378, &tc);
	else
		printf("  cpu: failed: %s\n", sgs_error_get());
	fflush(stdout);
	if (gpu) {
		have_g = bench(gpu, 100000, 504, 378, 9, &tg) == 0;
		if (have_g)
			report("cuda", 100000, 504, 378, &tg);
		else
			printf("  cuda: failed: %s\n", sgs_error_get());
		if (bench(gpu, 1000000, 1920, 1080, 9, &tg1) == 0)
			report("cuda", 1000000, 1920, 1080, &tg1);
		else
			printf("  cuda 1M: failed: %s\n", sgs_error_get());
	}
	if (have_c && have_g)
		printf("  CPU/GPU time ratio at 100k, 504x378: forward %.1fx, fwd+bwd %.1fx\n",
		       tc.fwd_ms / tg.fwd_ms, tc.fwdbwd_ms / tg.fwdbwd_ms);
	return 0;
}
