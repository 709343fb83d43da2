/* Which tile loops the CPU backend runs: chosen once from the CPU's
 * features (cpuid through GCC/Clang's __builtin_cpu_supports), or forced
 * with SGS_CPU_SIMD=portable (make check runs the rasterizer tests both
 * ways). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"

static const struct cpu_tile_loops portable = {"portable", cpu_raster_tile_portable,
					       cpu_backward_tile_portable};
#if defined(__x86_64__) && defined(SGS_CPU_AVX2)
static const struct cpu_tile_loops avx2 = {"avx2", cpu_raster_tile_avx2, cpu_backward_tile_avx2};

static int have_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

static const struct cpu_tile_loops *chosen;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void choose(void)
{
	const char *want = getenv("SGS_CPU_SIMD");
	chosen = &portable;
#if defined(__x86_64__) && defined(SGS_CPU_AVX2)
	if (!(want && strcmp(want, "portable") == 0) && have_avx2())
		chosen = &avx2;
#else
	(void)want;
#endif
}

const struct cpu_tile_loops *cpu_tile_loops(void)
{
	pthread_once(&once, choose);
	return chosen;
}

int cpu_tile_loops_select(const char *name)
{
	pthread_once(&once, choose);
	if (strcmp(name, "portable") == 0) {
		chosen = &portable;
		return 0;
	}
#if defined(__x86_64__) && defined(SGS_CPU_AVX2)
	if (strcmp(name, "avx2") == 0 && have_avx2()) {
		chosen = &avx2;
		return 0;
	}
#endif
	return -1;
}

const char *sgs_cpu_simd_path(void) { return cpu_tile_loops()->name; }
