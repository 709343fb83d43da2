/* Twin: kernels/cpu/cpu_backend.c · math: none (table, buffers, context) · test: tests/unit/test_backend_ops.c (row buffers) */
/* The CUDA backend's table: buffers are device memory (cudaMalloc), the
 * render context keeps its device arrays between frames and grows them on
 * demand, and sgs_backend_cuda() says why it cannot be used (no device, a
 * driver too old, a GPU this build has no code for) instead of failing
 * later. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_internal.h"
#include "cuda_train_internal.h"

int cuda_fail(cudaError_t err, const char *call, const char *file, int line)
{
	/* clear the runtime's last-error slot, so a later launch check does
	 * not report this (already reported) failure again */
	(void)cudaGetLastError();
	return sgs_error_set("%s:%d: %s: %s", file, line, call, cudaGetErrorString(err));
}

static void *cuda_alloc(size_t bytes)
{
	void *p = NULL;
	/* one byte for alloc(0): the table promises a valid pointer */
	cudaError_t err = cudaMalloc(&p, bytes ? bytes : 1);
	if (err != cudaSuccess) {
		(void)cudaGetLastError();
		sgs_error_set("%s:%d: cudaMalloc of %zu bytes: %s", __FILE__, __LINE__, bytes,
			      cudaGetErrorString(err));
		return NULL;
	}
	return p;
}

static void cuda_free(void *p)
{
	if (p && cudaFree(p) != cudaSuccess)
		(void)cudaGetLastError(); /* nothing to report it to */
}

static int cuda_upload(void *dst, const void *src, size_t bytes)
{
	if (bytes)
		CUDA_TRY(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
	return 0;
}

static int cuda_download(void *dst, const void *src, size_t bytes)
{
	if (bytes)
		CUDA_TRY(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
	return 0;
}

static int cuda_copy(void *dst, const void *src, size_t bytes)
{
	if (!bytes)
		return 0;
	CUDA_TRY(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));
	/* device-to-device copies return early; the table promises completion */
	CUDA_TRY(cudaStreamSynchronize(0));
	return 0;
}

static int cuda_memset(void *dst, int byte, size_t bytes)
{
	if (bytes)
		CUDA_TRY(cudaMemset(dst, byte, bytes));
	return 0;
}

static int cuda_sync(void)
{
	CUDA_TRY(cudaDeviceSynchronize());
	return 0;
}

/* Context arrays grow in groups through the backend's own alloc/free. */
static int grow_group(struct sgs_grow_item *items, int count, size_t *cap, size_t need,
		      const char *what)
{
	return sgs_grow_group(cuda_alloc, cuda_free, items, count, cap, need, what);
}

int cuda_reserve_gaussians(struct sgs_raster_ctx *ctx, size_t n)
{
	struct cuda_priv *pv = (struct cuda_priv *)ctx->priv;
	struct sgs_grow_item it[] = {
		{(void **)&ctx->xy, 2 * sizeof(float)},
		{(void **)&ctx->depth, sizeof(float)},
		{(void **)&ctx->conic_opacity, 4 * sizeof(float)},
		{(void **)&ctx->color, 3 * sizeof(float)},
		{(void **)&ctx->clamped, 3},
		{(void **)&ctx->radii, sizeof(int32_t)},
		{(void **)&ctx->tiles_touched, sizeof(uint32_t)},
		{(void **)&pv->dgrad, 10 * sizeof(float)},
		{(void **)&pv->offsets, sizeof(uint64_t)},
	};
	int rc = grow_group(it, (int)(sizeof it / sizeof it[0]), &pv->cap_n, n ? n : 1,
			    "Gaussians");
	if (rc) {
		ctx->d_xy = ctx->d_conic = ctx->d_opacity = ctx->d_color = ctx->d_depth = NULL;
	}
	return rc;
}

int cuda_reserve_isect(struct sgs_raster_ctx *ctx, size_t n_isect)
{
	struct cuda_priv *pv = (struct cuda_priv *)ctx->priv;
	struct sgs_grow_item it[] = {
		{(void **)&pv->keys[0], sizeof(uint64_t)},
		{(void **)&pv->keys[1], sizeof(uint64_t)},
		{(void **)&pv->vals[0], sizeof(uint32_t)},
		{(void **)&pv->vals[1], sizeof(uint32_t)},
	};
	int rc = grow_group(it, 4, &pv->cap_isect, n_isect ? n_isect : 1, "tile/Gaussian pairs");
	if (rc)
		ctx->isect_ids = NULL;
	return rc;
}

int cuda_reserve_pixels(struct sgs_raster_ctx *ctx, size_t pixels, size_t tiles)
{
	struct cuda_priv *pv = (struct cuda_priv *)ctx->priv;
	struct sgs_grow_item px[] = {
		{(void **)&ctx->final_T, sizeof(float)},
		{(void **)&ctx->last_contrib, sizeof(uint32_t)},
	};
	struct sgs_grow_item tl[] = {
		{(void **)&ctx->tile_ranges, 2 * sizeof(uint32_t)},
	};
	if (grow_group(px, 2, &pv->cap_pix, pixels ? pixels : 1, "pixels"))
		return -1;
	return grow_group(tl, 1, &pv->cap_tiles, tiles ? tiles : 1, "tiles");
}

int cuda_reserve_temp(struct cuda_priv *pv, size_t bytes)
{
	if (bytes <= pv->temp_bytes && pv->temp)
		return 0;
	cuda_free(pv->temp);
	pv->temp = NULL;
	pv->temp_bytes = 0;
	size_t nbytes = bytes + bytes / 4 + 256;
	cudaError_t err = cudaMalloc(&pv->temp, nbytes);
	if (err != cudaSuccess) {
		pv->temp = NULL;
		(void)cudaGetLastError();
		return sgs_error_set("%s:%d: cudaMalloc of %zu bytes of sort scratch: %s", __FILE__,
				     __LINE__, nbytes, cudaGetErrorString(err));
	}
	pv->temp_bytes = nbytes;
	return 0;
}

static void cuda_ctx_free(struct sgs_raster_ctx *ctx)
{
	if (!ctx)
		return;
	struct cuda_priv *pv = (struct cuda_priv *)ctx->priv;
	void *arrays[] = {
		ctx->xy, ctx->depth, ctx->conic_opacity, ctx->color, ctx->clamped,
		ctx->radii, ctx->tiles_touched, ctx->tile_ranges, ctx->final_T,
		ctx->last_contrib,
	};
	for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
		cuda_free(arrays[i]);
	/* ctx->d_* and ctx->isect_ids point into pv's arrays */
	if (pv) {
		void *own[] = {
			pv->dgrad, pv->offsets, pv->keys[0], pv->keys[1],
			pv->vals[0], pv->vals[1], pv->temp, pv->sums,
		};
		for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
			cuda_free(own[i]);
		free(pv);
	}
	free(ctx);
}

static struct sgs_raster_ctx *cuda_ctx_new(void)
{
	struct sgs_raster_ctx *ctx = (struct sgs_raster_ctx *)calloc(1, sizeof *ctx);
	struct cuda_priv *pv = (struct cuda_priv *)calloc(1, sizeof *pv);
	if (!ctx || !pv) {
		free(ctx);
		free(pv);
		sgs_error_set("out of memory for a render context");
		return NULL;
	}
	ctx->priv = pv;
	ctx->be = cuda_backend_table();
	pv->sums = (float *)cuda_alloc(CUDA_SUM_COUNT * sizeof(float));
	if (!pv->sums) {
		cuda_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

static int cuda_mem_available(uint64_t *bytes)
{
	size_t free_bytes = 0, total = 0;
	if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) {
		(void)cudaGetLastError();
		return -1;
	}
	*bytes = free_bytes;
	return 0;
}

/* Launched once at start-up: fails when the build has no code for the
 * device's architecture. */
static __global__ void cuda_probe_kernel(void) {}

static struct sgs_backend cuda_table;
static char cuda_device_name[320];
static char cuda_unusable[512]; /* why the backend cannot be used, "" if it can */

static void cuda_backend_init(void)
{
	int count = 0, dev = 0;
	cudaDeviceProp prop;
	cudaError_t err = cudaGetDeviceCount(&count);
	if (err == cudaSuccess && count == 0)
		err = cudaErrorNoDevice;
	if (err != cudaSuccess) {
		(void)cudaGetLastError();
		snprintf(cuda_unusable, sizeof cuda_unusable, "no CUDA device: %s",
			 cudaGetErrorString(err));
		return;
	}
	err = cudaGetDevice(&dev);
	if (err == cudaSuccess)
		err = cudaGetDeviceProperties(&prop, dev);
	if (err != cudaSuccess) {
		(void)cudaGetLastError();
		snprintf(cuda_unusable, sizeof cuda_unusable,
			 "no CUDA device: cannot query device %d: %s", dev, cudaGetErrorString(err));
		return;
	}
	snprintf(cuda_device_name, sizeof cuda_device_name, "%s (sm_%d%d, %d SMs, %.0f GiB)",
		 prop.name, prop.major, prop.minor, prop.multiProcessorCount,
		 (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
	cuda_probe_kernel<<<1, 1>>>();
	err = cudaGetLastError();
	if (err == cudaSuccess)
		err = cudaDeviceSynchronize();
	if (err != cudaSuccess) {
		(void)cudaGetLastError();
		snprintf(cuda_unusable, sizeof cuda_unusable,
			 "CUDA device %s cannot run this build's kernels (%s); rebuild with "
			 "make CUDA_ARCH=sm_%d%d",
			 cuda_device_name, cudaGetErrorString(err), prop.major, prop.minor);
		return;
	}

	cuda_table.name = "cuda";
	cuda_table.device_name = cuda_device_name;
	cuda_table.alloc = cuda_alloc;
	cuda_table.free = cuda_free;
	cuda_table.upload = cuda_upload;
	cuda_table.download = cuda_download;
	cuda_table.memset = cuda_memset;
	cuda_table.copy = cuda_copy;
	cuda_table.sync = cuda_sync;
	cuda_table.mem_available = cuda_mem_available;
	cuda_table.ctx_new = cuda_ctx_new;
	cuda_table.ctx_free = cuda_ctx_free;
	cuda_table.project = cuda_project;
	cuda_table.bin_sort = cuda_bin_sort;
	cuda_table.rasterize = cuda_rasterize;
	cuda_table.rasterize_backward = cuda_rasterize_backward;
	cuda_table.project_backward = cuda_project_backward;
	cuda_table.train.loss_l1_ssim = cuda_loss_l1_ssim;
	cuda_table.train.loss_depth_pearson = cuda_loss_depth_pearson;
	cuda_table.train.loss_depth_patch = cuda_loss_depth_patch;
	cuda_table.train.loss_depth_relative = cuda_loss_depth_relative;
	cuda_table.train.loss_depth_rank = cuda_loss_depth_rank;
	cuda_table.train.loss_depth_continuity = cuda_loss_depth_continuity;
	cuda_table.train.loss_depth_smooth = cuda_loss_depth_smooth;
	cuda_table.train.loss_warp = cuda_loss_warp;
	cuda_table.train.adam = cuda_adam;
	cuda_table.train.update_max_radii = cuda_update_max_radii;
	cuda_table.train.densify = cuda_densify;
	cuda_table.train.reset_opacity = cuda_reset_opacity;
	cuda_table.train.mcmc_relocate = cuda_mcmc_relocate;
	cuda_table.train.mcmc_noise = cuda_mcmc_noise;
	cuda_table.train.mcmc_regularise = cuda_mcmc_regularise;
	cuda_table.train.decay_opacity = cuda_decay_opacity;
	cuda_table.train.reg_scale = cuda_reg_scale;
	cuda_table.train.add_scaled = cuda_add_scaled;
	cuda_table.mvs_cost = cuda_mvs_cost;
	cuda_table.mvs_cost_planes = cuda_mvs_cost_planes;
}

const struct sgs_backend *cuda_backend_table(void) { return &cuda_table; }

extern "C" const struct sgs_backend *sgs_backend_cuda(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, cuda_backend_init);
	if (cuda_unusable[0]) {
		sgs_error_set("%s", cuda_unusable);
		return NULL;
	}
	return &cuda_table;
}
