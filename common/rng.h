/*
 * Deterministic random numbers: xoshiro256** seeded through splitmix64. The same seed gives the
 * same stream on every machine, so that workloads' data and the statistics' resamples repeat.
 */
#ifndef VB_RNG_H
#define VB_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *rng, uint64_t seed);
uint64_t rng_next(struct rng *rng);
/* Uniform in [0, 1), 53 random bits. */
double rng_uniform(struct rng *rng);
/* Standard normal (mean 0, deviation 1), by Box-Muller from two draws. */
double rng_normal(struct rng *rng);

/* One splitmix64 step: advances *state and returns a well-mixed 64-bit value. */
uint64_t rng_splitmix64(uint64_t *state);

/* x mixed by one splitmix64 step: a seed derived from a number. */
static inline uint64_t rng_mix64(uint64_t x)
{
	return rng_splitmix64(&x);
}

/* FNV-1a of a name: a seed derived from a string (a workload's id). */
uint64_t rng_hash_string(const char *s);

#endif
