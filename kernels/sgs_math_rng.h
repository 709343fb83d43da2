/* A counter-based random generator shared by the CPU and CUDA backends:
 * every sample is a pure function of (seed, iteration, index, draw), so a
 * parallel loop on either backend draws the same numbers in any order.
 *
 * The bits come from integer hashing (splitmix64's finaliser), identical
 * everywhere.  The normal is Box-Muller evaluated in double and rounded to
 * float; host and device log/cos differ by at most an ulp or two of a
 * double, so the float results agree exactly in practice and always to
 * within 1e-6 relative. */
#ifndef SGS_MATH_RNG_H
#define SGS_MATH_RNG_H

#include <math.h>
#include <stdint.h>

#include "sgs_math_common.h"

/* splitmix64's output function: a bijection that spreads every input bit
 * over the whole word. */
static inline SGS_HD uint64_t sgs_rng_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 64 random bits for one (seed, iteration, index, draw). */
static inline SGS_HD uint64_t sgs_rng_bits(uint64_t seed, uint32_t iteration, uint64_t index,
					   uint32_t draw)
{
	uint64_t h = sgs_rng_mix(seed + 0x9e3779b97f4a7c15ull);
	h = sgs_rng_mix(h ^ (((uint64_t)iteration << 32) | draw));
	return sgs_rng_mix(h ^ (index * 0xd1b54a32d192ed03ull));
}

/* 24 bits -> (0, 1): never 0, so log() below is finite. */
static inline SGS_HD double sgs_rng_open01(uint64_t bits24)
{
	return ((double)(bits24 & 0xffffffull) + 0.5) * (1.0 / 16777216.0);
}

/* Uniform in (0, 1). */
static inline SGS_HD float sgs_rng_uniform(uint64_t seed, uint32_t iteration, uint64_t index,
					   uint32_t draw)
{
	return (float)sgs_rng_open01(sgs_rng_bits(seed, iteration, index, draw) >> 40);
}

/* Standard normal: Box-Muller's cosine branch from two 24-bit uniforms of
 * one hash (|value| <= 5.9). */
static inline SGS_HD float sgs_rng_normal(uint64_t seed, uint32_t iteration, uint64_t index,
					  uint32_t draw)
{
	uint64_t b = sgs_rng_bits(seed, iteration, index, draw);
	double u1 = sgs_rng_open01(b >> 40), u2 = sgs_rng_open01(b >> 8);
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

#endif
