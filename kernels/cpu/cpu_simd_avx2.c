/* Twin: kernels/cuda/cuda_raster.cu, cuda_raster_bwd.cu, cuda_train_ops.cu, cuda_train_loss.cu · math: sgs_math_blend.h, sgs_math_optim.h, sgs_math_ssim.h · test: tests/unit/test_raster_simd.c, test_train_ops.c, test_backend_ops.c (rows rasterize, rasterize_backward, adam, loss_l1_ssim) */
/* The AVX2 tile loops (eight lanes with fused multiply-adds), Adam and
 * SSIM filters (eight lanes, no fused operations).  The
 * Makefile compiles this file with -mavx2 -mfma on x86-64; elsewhere it
 * is empty and the portable loops run.  Nothing here may be called
 * unless cpu_simd_path() found AVX2 and FMA on the CPU. */
#if defined(__AVX2__) && defined(__FMA__)
#define VW 8
#define CPU_SIMD_AVX2 1
#define CPU_TILES_PATH avx2
#include "cpu_tiles.h"
#include "cpu_vec_ops.h"
#else
typedef int cpu_simd_avx2_not_built; /* ISO C: no empty file */
#endif
