/* Twin: kernels/cuda/cuda_raster.cu, cuda_raster_bwd.cu, cuda_train_ops.cu, cuda_train_loss.cu · math: sgs_math_blend.h, sgs_math_optim.h, sgs_math_ssim.h · test: tests/unit/test_raster_simd.c, test_train_ops.c, test_backend_ops.c (rows rasterize, rasterize_backward, adam, loss_l1_ssim) */
/* The AVX-512 tile loops (sixteen lanes, a whole tile row per vector,
 * with fused multiply-adds), Adam and SSIM filters (no fused
 * operations).  The Makefile compiles this file with -mavx512f
 * -mavx512dq -mavx512vl -mfma on x86-64; elsewhere it is empty.  Nothing
 * here may be called unless cpu_simd_path() found AVX-512 on the CPU. */
#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__FMA__)
#define VW 16
#define CPU_SIMD_AVX512 1
#define CPU_TILES_PATH avx512
#include "cpu_tiles.h"
#include "cpu_vec_ops.h"
#else
typedef int cpu_simd_avx512_not_built; /* ISO C: no empty file */
#endif
