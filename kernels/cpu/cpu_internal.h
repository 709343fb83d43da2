/* Private state and entry points of the CPU backend (kernels/cpu/). */
#ifndef SGS_CPU_INTERNAL_H
#define SGS_CPU_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sgs_kernels.h"

/* What the tile loops read per Gaussian, packed in one cache line. */
struct cpu_splat {
	float x, y;          /* pixel coordinates */
	float con[3];        /* conic */
	float o;             /* effective opacity */
	float rgb[3];
	float z;
	float ext_x, ext_y;  /* half extent of the region where alpha can
	                      * reach 1/255 (with margin); < 0: nowhere */
	float pad[4];        /* 64 bytes */
};

/* Floats of one backward record per (tile, Gaussian) pair: d_xy[2],
 * d_conic[3], d_opacity, d_color[3], d_depth. */
#define CPU_REC 10

struct cpu_priv {
	size_t cap_n, cap_isect, cap_pix, cap_tiles, cap_rows, cap_cursors, cap_pose;
	float *pose;              /* 15 per block of project_backward's pose sum */
	struct cpu_splat *splats; /* n */
	int32_t *rect;            /* 4n tile rectangles */
	uint32_t *order;          /* visible Gaussians front to back */
	uint32_t *tmp;            /* n, radix sort scratch */
	uint32_t *keys, *tmpkeys; /* n depth keys */
	uint32_t *offset;         /* n + 1: first pair of each Gaussian */
	uint32_t *rowoff;         /* n + 1: first tile row of each Gaussian in spans */
	int32_t *spans;           /* 2 per tile row of each visible Gaussian's
	                           * rectangle: the tiles [x0, x1) its alpha
	                           * ellipse meets (sgs_tile_row_span) */
	uint32_t *isect_slot;     /* n_isect: for the pair at each sorted position,
	                           * its slot offset[g] + k among its Gaussian's */
	float *rec;               /* CPU_REC * n_isect backward records, by slot */
	uint32_t *cursor;         /* tiles x runs of the parallel counting sort */
	uint32_t *tile_order;     /* tiles, heaviest first */
	double *tile_bg;          /* 3 * tiles: per-tile dL/dbg */
	uint32_t n_visible;
};

/* Make the per-Gaussian, per-pair and per-pixel/per-tile arrays of ctx
 * hold at least that many entries (contents are not kept when they grow).
 * -1 with a message when memory runs out. */
/* The backend's mem_available (cpu_memory.c). */
int cpu_mem_available(uint64_t *bytes);
int cpu_reserve_gaussians(struct sgs_raster_ctx *ctx, size_t n);
int cpu_reserve_isect(struct sgs_raster_ctx *ctx, size_t n_isect);
int cpu_reserve_rows(struct sgs_raster_ctx *ctx, size_t rows);
int cpu_reserve_cursors(struct sgs_raster_ctx *ctx, size_t n);
int cpu_reserve_pose(struct sgs_raster_ctx *ctx, size_t n);
int cpu_reserve_pixels(struct sgs_raster_ctx *ctx, size_t pixels, size_t tiles);

/* The CPU backend's vectorised loops, one table per code path
 * (cpu_simd_portable.c, cpu_simd_avx2.c, cpu_simd_avx512.c): one tile of the forward and
 * backward tile loops (cpu_tiles.h), Adam and the SSIM filters
 * (cpu_vec_ops.h). */
struct cpu_simd {
	const char *name;
	void (*raster_tile)(struct sgs_raster_ctx *ctx, long t, const struct sgs_render_out *out);
	void (*backward_tile)(struct sgs_raster_ctx *ctx, long t, const struct sgs_render_dout *dout);
	void (*adam_run)(float *p, const float *g, float *m, float *v, size_t n, float step,
			 float sqrt_bc2, float b1, float b2, float eps);
	void (*hfilter)(const float *a, const float *b, float *out, int w, const float *wt);
	void (*vfilter)(const float *plane, float *out, int w, int h, int y, const float *wt);
};
#define CPU_SIMD_DECLARE(path)                                                                    \
	void cpu_raster_tile_##path(struct sgs_raster_ctx *ctx, long t,                           \
				    const struct sgs_render_out *out);                            \
	void cpu_backward_tile_##path(struct sgs_raster_ctx *ctx, long t,                         \
				      const struct sgs_render_dout *dout);                        \
	void cpu_adam_run_##path(float *p, const float *g, float *m, float *v, size_t n,          \
				 float step, float sqrt_bc2, float b1, float b2, float eps);      \
	void cpu_hfilter_##path(const float *a, const float *b, float *out, int w,                \
				const float *wt);                                                 \
	void cpu_vfilter_##path(const float *plane, float *out, int w, int h, int y,              \
				const float *wt);
CPU_SIMD_DECLARE(portable)
CPU_SIMD_DECLARE(avx2)
CPU_SIMD_DECLARE(avx512)
/* The path chosen once per process: the widest the CPU and the build
 * have (AVX-512, AVX2 + FMA, portable), or the one SGS_CPU_SIMD names
 * when it can run here. */
const struct cpu_simd *cpu_simd(void);
/* Switch paths ("portable", "avx2" or "avx512"), for tests comparing
 * them; -1 when that path cannot run here. */
int cpu_simd_select(const char *name);

int cpu_project(struct sgs_raster_ctx *ctx, const struct sgs_gaussians *g,
		const struct sgs_cam *cam, const struct sgs_raster_opts *opts);
int cpu_bin_sort(struct sgs_raster_ctx *ctx);
int cpu_rasterize(struct sgs_raster_ctx *ctx, const struct sgs_render_out *out);
int cpu_rasterize_backward(struct sgs_raster_ctx *ctx, const struct sgs_render_dout *dout,
			   float dbg[3]);
int cpu_project_backward(struct sgs_raster_ctx *ctx, struct sgs_gaussians *grad,
			 struct sgs_cam_grad *dcam, float *grad2d_accum, float *grad2d_count);
int cpu_mvs_cost(const struct sgs_mvs_pair *p, const float *depths, int ndepths, float *cost);
int cpu_mvs_cost_planes(const struct sgs_mvs_pair *p, const float *planes, int nplanes,
			float *cost);

#endif
