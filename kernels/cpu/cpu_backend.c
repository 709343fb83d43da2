/* Twin: kernels/cuda/cuda_backend.cu · math: none (table, buffers, context) · test: tests/unit/test_backend_ops.c (row buffers) */
/* The CPU backend's table: buffers are plain host memory, the context
 * grows its arrays on demand and keeps them between frames. */
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"
#include "cpu_train_internal.h"
#include "sgs_error.h"

static void *cpu_alloc(size_t bytes)
{
	void *p = NULL;
	/* 64-byte alignment keeps the tile loops' rows in whole cache lines */
	if (posix_memalign(&p, 64, bytes ? bytes : 1)) {
		sgs_error_set("out of memory allocating %zu bytes", bytes);
		return NULL;
	}
	return p;
}

static void cpu_free(void *p) { free(p); }

static int cpu_memcpy(void *dst, const void *src, size_t bytes)
{
	if (bytes)
		memcpy(dst, src, bytes);
	return 0;
}

static int cpu_memset(void *dst, int byte, size_t bytes)
{
	if (bytes)
		memset(dst, byte, bytes);
	return 0;
}

static int cpu_sync(void) { return 0; }

/* Context arrays grow in groups through the backend's own alloc/free. */
static int grow_group(struct sgs_grow_item *items, int count, size_t *cap, size_t need,
		      const char *what)
{
	return sgs_grow_group(cpu_alloc, cpu_free, items, count, cap, need, what);
}

int cpu_reserve_gaussians(struct sgs_raster_ctx *ctx, size_t n)
{
	struct cpu_priv *pv = ctx->priv;
	struct sgs_grow_item it[] = {
		{(void **)&ctx->xy, 2 * sizeof(float)},
		{(void **)&ctx->depth, sizeof(float)},
		{(void **)&ctx->conic_opacity, 4 * sizeof(float)},
		{(void **)&ctx->color, 3 * sizeof(float)},
		{(void **)&ctx->clamped, 3},
		{(void **)&ctx->radii, sizeof(int32_t)},
		{(void **)&ctx->tiles_touched, sizeof(uint32_t)},
		{(void **)&ctx->d_xy, 2 * sizeof(float)},
		{(void **)&ctx->d_conic, 3 * sizeof(float)},
		{(void **)&ctx->d_opacity, sizeof(float)},
		{(void **)&ctx->d_color, 3 * sizeof(float)},
		{(void **)&ctx->d_depth, sizeof(float)},
		{(void **)&pv->splats, sizeof(struct cpu_splat)},
		{(void **)&pv->rect, 4 * sizeof(int32_t)},
		{(void **)&pv->order, sizeof(uint32_t)},
		{(void **)&pv->tmp, sizeof(uint32_t)},
		{(void **)&pv->keys, sizeof(uint32_t)},
		{(void **)&pv->tmpkeys, sizeof(uint32_t)},
		{(void **)&pv->offset, sizeof(uint32_t)},
		{(void **)&pv->rowoff, sizeof(uint32_t)},
	};
	/* +1: offset[] has a sentinel */
	return grow_group(it, (int)(sizeof it / sizeof it[0]), &pv->cap_n, n + 1, "Gaussians");
}

int cpu_reserve_isect(struct sgs_raster_ctx *ctx, size_t n_isect)
{
	struct cpu_priv *pv = ctx->priv;
	struct sgs_grow_item it[] = {
		{(void **)&ctx->isect_ids, sizeof(uint32_t)},
		{(void **)&pv->isect_slot, sizeof(uint32_t)},
		{(void **)&pv->rec, CPU_REC * sizeof(float)},
	};
	return grow_group(it, 3, &pv->cap_isect, n_isect, "tile/Gaussian pairs");
}

int cpu_reserve_rows(struct sgs_raster_ctx *ctx, size_t rows)
{
	struct cpu_priv *pv = ctx->priv;
	struct sgs_grow_item it[] = {{(void **)&pv->spans, 2 * sizeof(int32_t)}};
	return grow_group(it, 1, &pv->cap_rows, rows ? rows : 1, "tile rows");
}

int cpu_reserve_cursors(struct sgs_raster_ctx *ctx, size_t n)
{
	struct cpu_priv *pv = ctx->priv;
	struct sgs_grow_item it[] = {{(void **)&pv->cursor, sizeof(uint32_t)}};
	return grow_group(it, 1, &pv->cap_cursors, n ? n : 1, "tile cursors");
}

int cpu_reserve_pose(struct sgs_raster_ctx *ctx, size_t n)
{
	struct cpu_priv *pv = ctx->priv;
	struct sgs_grow_item it[] = {{(void **)&pv->pose, sizeof(float)}};
	return grow_group(it, 1, &pv->cap_pose, n, "pose gradient blocks");
}

int cpu_reserve_pixels(struct sgs_raster_ctx *ctx, size_t pixels, size_t tiles)
{
	struct cpu_priv *pv = ctx->priv;
	struct sgs_grow_item px[] = {
		{(void **)&ctx->final_T, sizeof(float)},
		{(void **)&ctx->last_contrib, sizeof(uint32_t)},
	};
	struct sgs_grow_item tl[] = {
		{(void **)&ctx->tile_ranges, 2 * sizeof(uint32_t)},
		{(void **)&pv->tile_order, sizeof(uint32_t)},
		{(void **)&pv->tile_bg, 3 * sizeof(double)},
	};
	if (grow_group(px, 2, &pv->cap_pix, pixels, "pixels"))
		return -1;
	return grow_group(tl, 3, &pv->cap_tiles, tiles, "tiles");
}

static void cpu_ctx_free(struct sgs_raster_ctx *ctx)
{
	if (!ctx)
		return;
	struct cpu_priv *pv = ctx->priv;
	void *arrays[] = {
		ctx->xy, ctx->depth, ctx->conic_opacity, ctx->color, ctx->clamped, ctx->radii,
		ctx->tiles_touched, ctx->d_xy, ctx->d_conic, ctx->d_opacity, ctx->d_color,
		ctx->d_depth, ctx->isect_ids, ctx->tile_ranges, ctx->final_T, ctx->last_contrib,
	};
	for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
		free(arrays[i]);
	if (pv) {
		void *own[] = {
			pv->splats, pv->rect, pv->order, pv->tmp, pv->keys, pv->tmpkeys,
			pv->offset, pv->isect_slot, pv->rec, pv->cursor, pv->tile_bg,
			pv->rowoff, pv->spans, pv->tile_order, pv->pose,
		};
		for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
			free(own[i]);
		free(pv);
	}
	free(ctx);
}

static struct sgs_raster_ctx *cpu_ctx_new(void)
{
	struct sgs_raster_ctx *ctx = calloc(1, sizeof *ctx);
	if (!ctx || !(ctx->priv = calloc(1, sizeof(struct cpu_priv)))) {
		free(ctx);
		sgs_error_set("out of memory for a render context");
		return NULL;
	}
	ctx->be = sgs_backend_cpu();
	return ctx;
}

/* "AMD EPYC 7B13 (2 threads)" from /proc/cpuinfo and OpenMP. */
static const char *cpu_device_name(void)
{
	static char name[160];
	char line[256], model[128] = "unknown CPU";
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		while (fgets(line, sizeof line, f)) {
			char *colon = strchr(line, ':');
			if (colon && !strncmp(line, "model name", 10)) {
				colon += 1 + (colon[1] == ' ');
				colon[strcspn(colon, "\n")] = '\0';
				snprintf(model, sizeof model, "%s", colon);
				break;
			}
		}
		fclose(f);
	}
	snprintf(name, sizeof name, "%s (%d threads)", model, omp_get_max_threads());
	return name;
}

static struct sgs_backend cpu_backend = {
	.name = "cpu",
	.alloc = cpu_alloc,
	.free = cpu_free,
	.upload = cpu_memcpy,
	.download = cpu_memcpy,
	.memset = cpu_memset,
	.copy = cpu_memcpy,
	.sync = cpu_sync,
	.mem_available = cpu_mem_available,
	.ctx_new = cpu_ctx_new,
	.ctx_free = cpu_ctx_free,
	.project = cpu_project,
	.bin_sort = cpu_bin_sort,
	.rasterize = cpu_rasterize,
	.rasterize_backward = cpu_rasterize_backward,
	.project_backward = cpu_project_backward,
	.train = CPU_TRAIN_OPS,
	.mvs_cost = cpu_mvs_cost,
	.mvs_cost_planes = cpu_mvs_cost_planes,
};

static void cpu_backend_init(void) { cpu_backend.device_name = cpu_device_name(); }

const struct sgs_backend *sgs_backend_cpu(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, cpu_backend_init);
	return &cpu_backend;
}
