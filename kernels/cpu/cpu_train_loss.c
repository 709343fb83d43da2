/* Twin: kernels/cuda/cuda_train_loss.cu · math: sgs_math_ssim.h · test: tests/unit/test_backend_ops.c (row loss_l1_ssim) */
/* The training loss on the CPU: (1 - lambda) L1 + lambda (1 - SSIM) and
 * its gradient, fused.  Each channel is one plane handled by separable
 * passes over rows: horizontal filtering of the five SSIM statistics,
 * vertical filtering with the per-pixel SSIM partials (sgs_math_ssim.h),
 * then the same two passes over the partial maps, which gives the
 * gradient.  Every row is computed the same way whatever the thread
 * count, and the loss sums are taken per row in double and added in row
 * order, so the result does not depend on OpenMP's scheduling. */
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"
#include "cpu_train_internal.h"
#include "sgs_error.h"
#include "sgs_math_ssim.h"

#define TAPS SGS_SSIM_TAPS
#define HALF SGS_SSIM_HALF

#define hfilter (cpu_simd()->hfilter)
#define vfilter (cpu_simd()->vfilter)

struct loss_job {
	const float *img, *gt;
	float *dimg;
	int w, h;
	float wt[TAPS];
	float l1_coef, ssim_coef; /* (1 - lambda) / N, lambda / N */
	float *H[5];              /* horizontally filtered x, y, xx, yy, xy */
	float *G[3];              /* filtered partial maps dS/dmx, dS/dexx, dS/dexy */
	double *row_ssim;         /* 3 h: sum of S over each row of each channel */
};

/* Pass 1, one row of channel c: gather x and y, filter the statistics. */
static void pass_stats_h(const struct loss_job *J, int c, int y, float *xr, float *yr)
{
	const int w = J->w;
	const size_t base = (size_t)y * w;
	for (int x = 0; x < w; x++) {
		xr[x] = J->img[3 * (base + x) + c];
		yr[x] = J->gt[3 * (base + x) + c];
	}
	hfilter(xr, NULL, J->H[0] + base, w, J->wt);
	hfilter(yr, NULL, J->H[1] + base, w, J->wt);
	hfilter(xr, xr, J->H[2] + base, w, J->wt);
	hfilter(yr, yr, J->H[3] + base, w, J->wt);
	hfilter(xr, yr, J->H[4] + base, w, J->wt);
}

/* Pass 2, one row: the statistics, S and its partials, the partials
 * filtered horizontally into G (rows of G are written by this row only). */
static double pass_ssim_row(const struct loss_job *J, int y, float *buf)
{
	const int w = J->w;
	float *st[5], *part[3];
	for (int i = 0; i < 5; i++) {
		st[i] = buf + (size_t)i * w;
		vfilter(J->H[i], st[i], w, J->h, y, J->wt);
	}
	for (int i = 0; i < 3; i++)
		part[i] = buf + (size_t)(5 + i) * w;
	double sum = 0.0;
	for (int x = 0; x < w; x++)
		sum += sgs_ssim_pixel(st[0][x], st[1][x], st[2][x], st[3][x], st[4][x],
				      &part[0][x], &part[1][x], &part[2][x]);
	const size_t base = (size_t)y * w;
	for (int i = 0; i < 3; i++)
		hfilter(part[i], NULL, J->G[i] + base, w, J->wt);
	return sum;
}

/* Pass 3, one row: the partials filtered vertically, combined into
 * dL/dx with the L1 term. */
static void pass_grad_row(const struct loss_job *J, int c, int y, float *buf)
{
	const int w = J->w;
	float *g[3];
	for (int i = 0; i < 3; i++) {
		g[i] = buf + (size_t)i * w;
		vfilter(J->G[i], g[i], w, J->h, y, J->wt);
	}
	const size_t base = (size_t)y * w;
	for (int x = 0; x < w; x++) {
		size_t k = 3 * (base + x) + c;
		float xv = J->img[k], yv = J->gt[k];
		float dS = g[0][x] + 2.0f * xv * g[1][x] + yv * g[2][x];
		J->dimg[k] = J->l1_coef * sgs_signf(xv - yv) - J->ssim_coef * dS;
	}
}

/* The planes and row buffers, kept between calls: a training run calls
 * the loss every iteration at the same image size, and fresh multi-
 * megabyte blocks would cost page faults each time.  One grow-only block
 * per process, used under a lock (kept until exit). */
static pthread_mutex_t scratch_lock = PTHREAD_MUTEX_INITIALIZER;
static void *scratch;
static size_t scratch_cap;

static void *scratch_reserve(size_t bytes)
{
	if (bytes <= scratch_cap)
		return scratch;
	free(scratch);
	scratch_cap = 0;
	if (posix_memalign(&scratch, 64, bytes)) {
		scratch = NULL;
		return NULL;
	}
	scratch_cap = bytes;
	return scratch;
}

int cpu_loss_l1_ssim(const float *img, const float *gt, int w, int h, float lambda,
		     float *dimg, double terms[4])
{
	if (w <= 0 || h <= 0 || w > 65536 || h > 65536)
		return sgs_error_set("loss: image size %dx%d out of range", w, h);
	if (!img || !gt || !dimg || !terms)
		return sgs_error_set("loss: missing image, target or gradient buffer");
	const size_t np = (size_t)w * h;
	const double N = 3.0 * (double)np;
	struct loss_job J;
	memset(&J, 0, sizeof J);
	J.img = img, J.gt = gt, J.dimg = dimg, J.w = w, J.h = h;
	sgs_ssim_window(J.wt);
	J.l1_coef = (float)((1.0 - lambda) / N);
	J.ssim_coef = (float)(lambda / N);

	/* 8 planes, 5 h row sums, 8 w floats per thread */
	const int threads = omp_get_max_threads();
	const size_t rowbuf = (size_t)8 * w;
	pthread_mutex_lock(&scratch_lock);
	float *base = scratch_reserve((8 * np + (size_t)threads * rowbuf) * sizeof(float) +
				      (size_t)5 * h * sizeof(double));
	if (!base) {
		pthread_mutex_unlock(&scratch_lock);
		return sgs_error_set("loss: out of memory for a %dx%d image", w, h);
	}
	double *row_l1 = (double *)base;
	J.row_ssim = row_l1 + 2 * (size_t)h;
	float *planes = (float *)(J.row_ssim + 3 * (size_t)h);
	for (int i = 0; i < 5; i++)
		J.H[i] = planes + (size_t)i * np;
	for (int i = 0; i < 3; i++)
		J.G[i] = planes + (size_t)(5 + i) * np;
	float *rowbufs = planes + 8 * np;

	/* L1 and squared error, per row of the interleaved images */
#pragma omp parallel for schedule(static)
	for (int y = 0; y < h; y++) {
		double s1 = 0.0, s2 = 0.0;
		const size_t base = (size_t)3 * w * y;
		for (int i = 0; i < 3 * w; i++) {
			double d = (double)img[base + i] - (double)gt[base + i];
			s1 += d < 0.0 ? -d : d;
			s2 += d * d;
		}
		row_l1[2 * y] = s1;
		row_l1[2 * y + 1] = s2;
	}

	for (int c = 0; c < 3; c++) {
#pragma omp parallel num_threads(threads)
		{
			float *buf = rowbufs + (size_t)omp_get_thread_num() * rowbuf;
#pragma omp for schedule(static)
			for (int y = 0; y < h; y++)
				pass_stats_h(&J, c, y, buf, buf + w);
#pragma omp for schedule(static)
			for (int y = 0; y < h; y++)
				J.row_ssim[(size_t)c * h + y] = pass_ssim_row(&J, y, buf);
#pragma omp for schedule(static)
			for (int y = 0; y < h; y++)
				pass_grad_row(&J, c, y, buf);
		}
	}

	double l1 = 0.0, se = 0.0, ssim = 0.0;
	for (int y = 0; y < h; y++) {
		l1 += row_l1[2 * y];
		se += row_l1[2 * y + 1];
	}
	for (int r = 0; r < 3 * h; r++)
		ssim += J.row_ssim[r];
	terms[0] = l1 / N;
	terms[1] = ssim / N;
	terms[2] = se / N;
	terms[3] = (1.0 - lambda) * terms[0] + lambda * (1.0 - terms[1]);
	pthread_mutex_unlock(&scratch_lock);
	return 0;
}
