/* Which vectorised loops the CPU backend runs: chosen once from the CPU's
 * features (cpuid through GCC/Clang's __builtin_cpu_supports), the
 * widest first, or forced with SGS_CPU_SIMD=portable|avx2|avx512 (make
 * check runs the rasterizer tests on the portable path too). */
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
#endif
#if defined(__x86_64__) && defined(SGS_CPU_AVX512)
static const struct cpu_simd avx512 = CPU_SIMD_TABLE(avx512);
#endif

/* The paths this build has, widest first, each with whether it can run
 * on this CPU (GCC's checks include the operating system's support for
 * the wider registers). */
static int runs_here(const struct cpu_simd *p)
{
	__builtin_cpu_init();
#if defined(__x86_64__) && defined(SGS_CPU_AVX512)
	if (p == &avx512)
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
		       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
#endif
#if defined(__x86_64__) && defined(SGS_CPU_AVX2)
	if (p == &avx2)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
	return p == &portable;
}

static const struct cpu_simd *const paths[] = {
#if defined(__x86_64__) && defined(SGS_CPU_AVX512)
	&avx512,
#endif
#if defined(__x86_64__) && defined(SGS_CPU_AVX2)
	&avx2,
#endif
	&portable,
};

static const struct cpu_simd *chosen;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const struct cpu_simd *find(const char *name)
{
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if ((!name || strcmp(name, paths[i]->name) == 0) && runs_here(paths[i]))
			return paths[i];
	return NULL;
}

/* An SGS_CPU_SIMD naming a path this CPU cannot run falls back to the
 * widest that can (so a script forcing avx512 still works elsewhere). */
static void choose(void)
{
	const char *want = getenv("SGS_CPU_SIMD");
	chosen = want && find(want) ? find(want) : find(NULL);
}

const struct cpu_simd *cpu_simd(void)
{
	pthread_once(&once, choose);
	return chosen;
}

int cpu_simd_select(const char *name)
{
	pthread_once(&once, choose);
	const struct cpu_simd *p = find(name);
	if (!p)
		return -1;
	chosen = p;
	return 0;
}

const char *sgs_cpu_simd_path(void) { return cpu_simd()->name; }
