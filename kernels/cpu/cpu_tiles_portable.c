/* Twin: kernels/cuda/cuda_raster.cu, cuda_raster_bwd.cu · math: sgs_math_blend.h · test: tests/unit/test_raster_simd.c, test_backend_ops.c (rows rasterize, rasterize_backward) */
/* The portable tile loops: four lanes of GCC/Clang vector extensions
 * (SSE2 on x86-64), bit-identical per pixel to the scalar blend math.
 * Used where AVX2 is absent or SGS_CPU_SIMD=portable. */
#define VW 4
#define CPU_TILES_PATH portable
#include "cpu_tiles.h"
