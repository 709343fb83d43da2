/* Which vectorised loops the CPU backend runs: chosen once from the CPU's
 * features (cpuid through GCC/Clang's __builtin_cpu_supports), or forced
 * with SGS_CPU_SIMD=portable (make check runs the rasterizer tests both
 * ways). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"

#define CPU_SIMD_TABLE(path)                                                                      \
	{#path, cpu_raster_tile_##path, cpu_backward_tile_##path, cpu_adam_run_##path,           \
	 cpu_hfilter_##path, cpu_vfilter_##path}

static const struct cpu_simd portable = CPU_SIMD_TABLE(portable);
#if defined(__x86_64__) && defined(SGS_CPU_AVX2)
static const struct cpu_simd avx2 = CPU_SIMD_TABLE(avx2);

static int have_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

static const struct cpu_simd *chosen;
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

const struct cpu_simd *cpu_simd(void)
{
	pthread_once(&once, choose);
	return chosen;
}

int cpu_simd_select(const char *name)
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

const char *sgs_cpu_simd_path(void) { return cpu_simd()->name; }
