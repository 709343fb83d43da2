/* Twin: kernels/cuda/cuda_raster.cu, cuda_raster_bwd.cu, cuda_train_ops.cu, cuda_train_loss.cu · math: sgs_math_blend.h, sgs_math_optim.h, sgs_math_ssim.h · test: tests/unit/test_raster_simd.c, test_train_ops.c, test_backend_ops.c (rows rasterize, rasterize_backward, adam, loss_l1_ssim) */
/* The portable tile loops, Adam and SSIM filters: four lanes of GCC/Clang vector extensions
 * (SSE2 on x86-64), bit-identical per pixel to the scalar blend math.
 * Used where AVX2 is absent or SGS_CPU_SIMD=portable. */
#define VW 4
#define CPU_TILES_PATH portable
#include "cpu_tiles.h"
#include "cpu_vec_ops.h"
